"""F.scaled_dot_product_attention, F.masked_softmax, nn.MultiheadAttention, AdditiveAttention
and PositionalEncoding: NumPy references, gradients, masking and bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.utils import gradcheck, gradgradcheck
from tests.harness import assert_close
from tests.strategies import arrays

# ---------------------------------------------------------------------------------------------
# NumPy references
# ---------------------------------------------------------------------------------------------


def np_softmax(scores):
    """Softmax over the last axis; a row that is all -inf gives zeros."""
    top = np.max(scores, axis=-1, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    e = np.exp(scores - top)
    total = e.sum(axis=-1, keepdims=True)
    return np.where(total > 0, e / np.where(total > 0, total, 1.0), 0.0)


def np_attention(q, k, v, allowed=None, added=None, scale=None):
    """softmax(q k^T * scale + added, with -inf where not allowed) v, and the weights."""
    scale = 1 / np.sqrt(q.shape[-1]) if scale is None else scale
    scores = np.matmul(q, np.swapaxes(k, -1, -2)) * scale
    if added is not None:
        scores = scores + added
    if allowed is not None:
        scores = np.where(allowed, scores, -np.inf)
    weights = np_softmax(scores)
    return np.matmul(weights, v), weights


def np_multihead(module, query, key, value, key_padding_mask=None, attn_mask=None):
    """MultiheadAttention by hand for batch-major (N, L, E) inputs and PyTorch-style masks
    (True = not allowed).  Returns output (N, L, E) and weights (N, heads, L, S)."""
    e, heads = module.embed_dim, module.num_heads
    d = e // heads
    w = module.in_proj_weight.detach().numpy()
    b = module.in_proj_bias.detach().numpy()
    q = query @ w[:e].T + b[:e]
    k = key @ w[e:2 * e].T + b[e:2 * e]
    v = value @ w[2 * e:].T + b[2 * e:]
    n, length, source = q.shape[0], q.shape[1], k.shape[1]
    output = np.zeros((n, length, e))
    weights = np.zeros((n, heads, length, source))
    for i in range(n):
        for h in range(heads):
            cols = slice(h * d, (h + 1) * d)
            blocked = np.zeros((length, source), dtype=bool)
            if key_padding_mask is not None:
                blocked |= key_padding_mask[i][None, :]
            if attn_mask is not None:
                blocked |= attn_mask
            out, wts = np_attention(q[i, :, cols], k[i, :, cols], v[i, :, cols],
                                    allowed=~blocked)
            output[i, :, cols] = out
            weights[i, h] = wts
    output = output @ module.out_proj.weight.detach().numpy().T + \
        module.out_proj.bias.detach().numpy()
    return output, weights


def t64(array, requires_grad=False):
    return minigrad.tensor(array, dtype=minigrad.float64, requires_grad=requires_grad)


# ---------------------------------------------------------------------------------------------
# scaled_dot_product_attention
# ---------------------------------------------------------------------------------------------


@st.composite
def attention_inputs(draw):
    batch = draw(st.sampled_from([(), (2,), (2, 1), (1, 2)]))
    length, source = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    features, value_features = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    q = draw(arrays(batch + (length, features)))
    k = draw(arrays(batch + (source, features)))
    v = draw(arrays(batch + (source, value_features)))
    kind = draw(st.sampled_from(["none", "bool", "float", "causal"]))
    mask = None
    if kind == "bool":
        mask = draw(arrays((length, source))) > 0
    elif kind == "float":
        mask = draw(arrays((length, source)))
    return q, k, v, kind, mask


@given(attention_inputs())
def test_sdpa_matches_reference(inputs):
    q, k, v, kind, mask = inputs
    length, source = q.shape[-2], k.shape[-2]
    allowed = added = None
    if kind == "bool":
        allowed = mask
    elif kind == "float":
        added = mask
    elif kind == "causal":
        allowed = np.arange(source)[None, :] <= np.arange(length)[:, None]
    expected, _ = np_attention(q, k, v, allowed=allowed, added=added)
    tensors = [t64(a, True) for a in (q, k, v)]
    mask_tensor = None if mask is None else minigrad.tensor(mask) if kind == "bool" \
        else t64(mask)

    def fn(q_, k_, v_):
        return F.scaled_dot_product_attention(q_, k_, v_, attn_mask=mask_tensor,
                                              is_causal=kind == "causal")

    assert_close(fn(*tensors), expected)
    assert gradcheck(fn, tensors)
    float32 = F.scaled_dot_product_attention(*(minigrad.tensor(a, dtype=minigrad.float32)
                                               for a in (q, k, v)),
                                             attn_mask=None if kind != "bool" else mask_tensor)
    assert float32.dtype == minigrad.float32


def test_sdpa_gradgradcheck_and_scale():
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal(s) for s in [(2, 3), (4, 3), (4, 2)])
    mask = np.array([[True, False, True, True], [False, True, True, False]])
    expected, _ = np_attention(q, k, v, allowed=mask, scale=0.7)
    tensors = [t64(a, True) for a in (q, k, v)]

    def fn(q_, k_, v_):
        return F.scaled_dot_product_attention(q_, k_, v_, attn_mask=minigrad.tensor(mask),
                                              scale=0.7)

    assert_close(fn(*tensors), expected)
    assert gradgradcheck(fn, tensors)


def test_causal_attention_does_not_look_ahead():
    """d output[t] / d x[t + 1:] is exactly zero (self-attention q = k = v = x)."""
    x = t64(np.random.default_rng(1).standard_normal((2, 5, 3)), True)
    for t in range(5):
        out = F.scaled_dot_product_attention(x, x, x, is_causal=True)
        (grad,) = minigrad.grad(out[:, t].sum(), x)
        grad = grad.numpy()
        assert (grad[:, t + 1:] == 0).all()
        assert (grad[:, :t + 1] != 0).any()


def test_fully_masked_query_gives_zeros_not_nan():
    q, k, v = (t64(np.ones(s), True) for s in [(2, 3), (4, 3), (4, 2)])
    mask = minigrad.tensor([[False] * 4, [True, True, False, False]])
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert_close(out[0], np.zeros(2))
    assert_close(out[1], np.ones(2))
    out.sum().backward()
    assert np.isfinite(q.grad.numpy()).all() and np.isfinite(k.grad.numpy()).all()
    # query 1 takes the mean of values 0 and 1: only they receive gradient
    assert (v.grad.numpy()[:2] == 0.5).all() and (v.grad.numpy()[2:] == 0).all()


def test_sdpa_dropout():
    minigrad.manual_seed(0)
    q = k = v = minigrad.randn(2, 8, 4)
    plain = F.scaled_dot_product_attention(q, k, v)
    dropped = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    assert not np.allclose(plain.numpy(), dropped.numpy())
    with pytest.raises(ValueError, match=r"dropout_p must be in \[0, 1\), got 1.0"):
        F.scaled_dot_product_attention(q, k, v, dropout_p=1.0)


def test_sdpa_bad_input():
    q, k, v = minigrad.zeros(2, 3, 4), minigrad.zeros(2, 5, 4), minigrad.zeros(2, 5, 6)
    with pytest.raises(ValueError, match=r"scaled_dot_product_attention: expected query \(\.\.\., "
                                         r"L, E\).*got \(2, 3, 4\), \(2, 5, 3\) and \(2, 5, 6\)"):
        F.scaled_dot_product_attention(q, minigrad.zeros(2, 5, 3), v)
    with pytest.raises(ValueError, match=r"attn_mask of shape \(3, 4\) cannot be broadcast to "
                                         r"the attention scores of shape \(2, 3, 5\)"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=minigrad.zeros(3, 4))
    with pytest.raises(TypeError, match=r"attn_mask must be bool or floating point, got int64"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=minigrad.zeros(3, 5).long())
    with pytest.raises(ValueError, match=r"leading dimensions .* cannot be broadcast"):
        F.scaled_dot_product_attention(q, minigrad.zeros(3, 5, 4), minigrad.zeros(3, 5, 6))


def test_causal_mask_helper():
    mask = F.causal_mask(3).numpy()
    assert mask.dtype == np.float32
    assert (mask[np.tril_indices(3)] == 0).all()
    assert (mask[np.triu_indices(3, 1)] == -np.inf).all()
    with pytest.raises(ValueError, match=r"causal_mask: n must be a non-negative int"):
        F.causal_mask(-1)


# ---------------------------------------------------------------------------------------------
# masked_softmax
# ---------------------------------------------------------------------------------------------


def test_masked_softmax():
    scores = np.random.default_rng(2).standard_normal((2, 3, 4))
    for valid in ([2, 3], [[1, 2, 4], [3, 0, 1]]):
        lengths = np.asarray(valid)
        lengths = lengths[:, None] if lengths.ndim == 1 else lengths
        keep = np.broadcast_to(np.arange(4)[None, None, :] < lengths[:, :, None], (2, 3, 4))
        expected = np.where(keep, np.exp(np.where(keep, scores, 0)), 0.0)
        total = expected.sum(-1, keepdims=True)
        expected = np.where(total > 0, expected / np.where(total > 0, total, 1), 0.25)
        x = t64(scores, True)
        got = F.masked_softmax(x, valid)
        assert_close(got, expected)
        ignored = ~keep & (total > 0)  # (a length of 0 gives uniform weights, as in d2l)
        assert (got.detach().numpy()[ignored] == 0).all()
        assert gradcheck(lambda s, lens=valid: F.masked_softmax(s, lens), [x])
    assert_close(F.masked_softmax(t64(scores), None), np_softmax(scores))
    with pytest.raises(ValueError, match=r"masked_softmax: expected valid_lens of shape \(2,\) "
                                         r"or \(2, 3\).*got \(3,\)"):
        F.masked_softmax(t64(scores), [1, 2, 3])


# ---------------------------------------------------------------------------------------------
# MultiheadAttention
# ---------------------------------------------------------------------------------------------


def test_multihead_matches_reference_with_masks():
    minigrad.manual_seed(3)
    module = nn.MultiheadAttention(6, 2, batch_first=True).double()
    for param in (module.in_proj_bias, module.out_proj.bias):  # make the biases matter
        param.data[...] = np.random.default_rng(3).standard_normal(param.shape)
    rng = np.random.default_rng(4)
    query, key, value = (rng.standard_normal(s) for s in [(2, 3, 6), (2, 4, 6), (2, 4, 6)])
    padding = np.array([[False, False, True, False], [False, False, False, True]])
    blocked = np.array([[False, True, False, False], [False] * 4, [True, False, False, False]])
    for kwargs in ({}, {"key_padding_mask": padding}, {"attn_mask": blocked},
                   {"key_padding_mask": padding, "attn_mask": blocked}):
        expected, weights = np_multihead(module, query, key, value, **kwargs)
        masks = {name: minigrad.tensor(mask) for name, mask in kwargs.items()}
        output, averaged = module(t64(query), t64(key), t64(value), **masks)
        assert_close(output, expected)
        assert_close(averaged, weights.mean(axis=1))
        _, per_head = module(t64(query), t64(key), t64(value), average_attn_weights=False,
                             **masks)
        assert_close(per_head, weights)
    # a float mask with -inf acts like the bool mask; need_weights=False gives None
    float_mask = minigrad.tensor(np.where(blocked, -np.inf, 0.0), dtype=minigrad.float64)
    output, nothing = module(t64(query), t64(key), t64(value), attn_mask=float_mask,
                             need_weights=False)
    assert nothing is None
    assert_close(output, np_multihead(module, query, key, value, attn_mask=blocked)[0])


def test_multihead_layouts_agree():
    minigrad.manual_seed(5)
    time_major = nn.MultiheadAttention(4, 2).double()
    batch_major = nn.MultiheadAttention(4, 2, batch_first=True).double()
    batch_major.load_state_dict(time_major.state_dict())
    x = minigrad.randn(5, 3, 4, dtype=minigrad.float64)  # (L, N, E)
    out_t, w_t = time_major(x, x, x)
    out_b, w_b = batch_major(x.transpose(0, 1), x.transpose(0, 1), x.transpose(0, 1))
    assert out_t.shape == (5, 3, 4) and w_t.shape == (3, 5, 5)
    assert_close(out_b.transpose(0, 1), out_t)
    assert_close(w_b, w_t)
    single, w_single = time_major(x[:, 0], x[:, 0], x[:, 0])  # unbatched (L, E)
    assert single.shape == (5, 4) and w_single.shape == (5, 5)
    assert_close(single, out_t[:, 0])


def test_key_padding_blocks_values_and_gradients():
    minigrad.manual_seed(6)
    module = nn.MultiheadAttention(4, 2, batch_first=True).double()
    rng = np.random.default_rng(6)
    query, memory = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4))
    padding = np.array([[False] * 3 + [True] * 2, [False] * 4 + [True]])
    changed = memory.copy()
    changed[padding] = rng.standard_normal((3, 4)) * 50
    results = []
    for values in (memory, changed):
        keys = t64(values, True)
        output, _ = module(t64(query), keys, keys, key_padding_mask=minigrad.tensor(padding))
        output.sum().backward()
        results.append((output.detach().numpy(), keys.grad.numpy()))
    assert_close(results[0][0], results[1][0])
    assert (results[0][1][padding] == 0).all()
    assert (results[0][1][~padding] != 0).any()


def test_multihead_kdim_vdim_and_parameters():
    module = nn.MultiheadAttention(6, 3, kdim=2, vdim=5)
    names = [name for name, _ in module.named_parameters()]
    assert names == ["q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias",
                     "out_proj.weight", "out_proj.bias"]
    assert module.k_proj_weight.shape == (6, 2) and module.v_proj_weight.shape == (6, 5)
    output, weights = module(minigrad.randn(4, 2, 6), minigrad.randn(7, 2, 2),
                             minigrad.randn(7, 2, 5))
    assert output.shape == (4, 2, 6) and weights.shape == (2, 4, 7)
    same = nn.MultiheadAttention(6, 3)
    assert [n for n, _ in same.named_parameters()] == ["in_proj_weight", "in_proj_bias",
                                                       "out_proj.weight", "out_proj.bias"]
    assert (same.in_proj_bias.detach().numpy() == 0).all()
    bound = np.sqrt(6 / (6 + 18))  # xavier_uniform_ on (18, 6)
    assert np.abs(same.in_proj_weight.detach().numpy()).max() <= bound


def test_multihead_gradcheck_and_dropout():
    minigrad.manual_seed(7)
    module = nn.MultiheadAttention(4, 2, dropout=0.5).double()
    query = t64(np.random.default_rng(7).standard_normal((3, 1, 4)), True)
    memory = t64(np.random.default_rng(8).standard_normal((2, 1, 4)), True)
    module.eval()  # dropout off: deterministic
    params = list(module.parameters())

    def fn(q, m, *rest):
        return module(q, m, m, attn_mask=minigrad.tensor([[False, True], [False, False],
                                                          [True, False]]))

    assert gradcheck(fn, [query, memory] + params)
    assert gradgradcheck(lambda q, m: module(q, m, m)[0], [query, memory])
    module.train()
    first, second = module(query, memory, memory)[1], module(query, memory, memory)[1]
    assert not np.allclose(first.detach().numpy(), second.detach().numpy())


def test_multihead_causal_flag():
    minigrad.manual_seed(8)
    module = nn.MultiheadAttention(4, 2).double()
    x = minigrad.randn(4, 1, 4, dtype=minigrad.float64)
    causal, weights = module(x, x, x, is_causal=True)
    masked, _ = module(x, x, x, attn_mask=F.causal_mask(4, dtype=minigrad.float64))
    assert_close(causal, masked)
    assert (weights.detach().numpy()[0][np.triu_indices(4, 1)] == 0).all()


def test_multihead_bad_input():
    module = nn.MultiheadAttention(4, 2)
    x = minigrad.zeros(5, 3, 4)
    with pytest.raises(ValueError, match=r"MultiheadAttention: expected query, key and value "
                                         r"of shape \(length, batch, features\).*got query "
                                         r"\(5, 3, 3\)"):
        module(minigrad.zeros(5, 3, 3), x, x)
    with pytest.raises(ValueError, match=r"expected key_padding_mask of shape \(3, 5\) \(batch, "
                                         r"key length\), got \(5, 3\)"):
        module(x, x, x, key_padding_mask=minigrad.zeros(5, 3).bool())
    with pytest.raises(ValueError, match=r"expected attn_mask of shape \(5, 5\) or \(6, 5, 5\), "
                                         r"got \(5, 4\)"):
        module(x, x, x, attn_mask=minigrad.zeros(5, 4))
    with pytest.raises(ValueError, match=r"key and value must have the same batch and length"):
        module(x, x, minigrad.zeros(6, 3, 4))
    with pytest.raises(ValueError, match=r"embed_dim \(6\) must be divisible by num_heads \(4\)"):
        nn.MultiheadAttention(6, 4)


def test_multihead_loads_pytorch_weights():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    reference = torch.nn.MultiheadAttention(6, 2, batch_first=True).double()
    module = nn.MultiheadAttention(6, 2, batch_first=True).double()
    module.load_state_dict({k: v.detach().numpy() for k, v in reference.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 4, 6))
    padding = np.array([[False, False, False, True], [False] * 4])
    want, want_w = reference(*(torch.tensor(x),) * 3, key_padding_mask=torch.tensor(padding))
    got, got_w = module(*(t64(x),) * 3, key_padding_mask=minigrad.tensor(padding))
    assert_close(got, want.detach().numpy())
    assert_close(got_w, want_w.detach().numpy())


# ---------------------------------------------------------------------------------------------
# AdditiveAttention and PositionalEncoding
# ---------------------------------------------------------------------------------------------


def test_additive_attention():
    minigrad.manual_seed(9)
    attention = nn.AdditiveAttention(key_size=2, query_size=3, num_hiddens=4).double()
    rng = np.random.default_rng(9)
    queries, keys, values = (rng.standard_normal(s) for s in [(2, 2, 3), (2, 5, 2), (2, 5, 3)])
    valid = [2, 4]
    w_q, w_k = attention.W_q.weight.detach().numpy(), attention.W_k.weight.detach().numpy()
    w_v = attention.w_v.weight.detach().numpy()[0]
    expected = np.zeros((2, 2, 3))
    for b in range(2):
        for i in range(2):
            scores = np.array([w_v @ np.tanh(w_q @ queries[b, i] + w_k @ keys[b, j])
                               for j in range(valid[b])])
            weights = np.exp(scores - scores.max())
            expected[b, i] = (weights / weights.sum()) @ values[b, :valid[b]]
    q, k, v = (t64(a, True) for a in (queries, keys, values))
    assert_close(attention(q, k, v, valid), expected)
    assert attention.attention_weights.shape == (2, 2, 5)
    assert (attention.attention_weights.detach().numpy()[0, :, 2:] == 0).all()
    assert gradcheck(lambda *args: attention(*args, valid), [q, k, v])
    with pytest.raises(ValueError, match=r"AdditiveAttention: expected queries \(B, Q, "
                                         r"query_size\).*got \(2, 3\)"):
        attention(minigrad.zeros(2, 3), k, v)


def test_positional_encoding():
    encode = nn.PositionalEncoding(6, dropout=0.0, max_len=10).double()
    x = np.random.default_rng(10).standard_normal((4, 2, 6))
    position = np.arange(4)[:, None]
    table = np.zeros((4, 6))
    for i in range(3):
        table[:, 2 * i] = np.sin(position[:, 0] / 10000 ** (2 * i / 6))
        table[:, 2 * i + 1] = np.cos(position[:, 0] / 10000 ** (2 * i / 6))
    assert_close(encode(t64(x)), x + table[:, None, :])
    batch_first = nn.PositionalEncoding(6, dropout=0.0, max_len=10, batch_first=True).double()
    assert_close(batch_first(t64(x).transpose(0, 1)), (x + table[:, None, :]).transpose(1, 0, 2))
    odd = nn.PositionalEncoding(5, dropout=0.0)
    assert odd(minigrad.zeros(3, 1, 5)).shape == (3, 1, 5)
    assert "pe" in encode.state_dict()
    with pytest.raises(ValueError, match=r"PositionalEncoding: expected input of shape \(L, N, "
                                         r"d_model\) with d_model=6 and L <= 10, got "
                                         r"\(11, 1, 6\)"):
        encode(minigrad.zeros(11, 1, 6))
