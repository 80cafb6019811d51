"""Transformer encoder/decoder layers, stacks and nn.Transformer: a NumPy reference of the
layers, the causal mask, padding, gradients, PyTorch's names and bad input."""

import numpy as np
import pytest

import minigrad
from minigrad import nn
from minigrad.utils import gradcheck
from tests.harness import assert_close
from tests.nn.test_attention import np_multihead

# ---------------------------------------------------------------------------------------------
# NumPy reference (batch-major (N, L, E) throughout)
# ---------------------------------------------------------------------------------------------


def np_layer_norm(x, norm):
    mean = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + norm.eps) * norm.weight.detach().numpy() + \
        norm.bias.detach().numpy()


def np_linear(x, linear):
    return x @ linear.weight.detach().numpy().T + linear.bias.detach().numpy()


def np_feed_forward(x, layer):
    return np_linear(np.maximum(np_linear(x, layer.linear1), 0), layer.linear2)


def np_encoder_layer(layer, x, padding=None, blocked=None):
    def attend(y):
        return np_multihead(layer.self_attn, y, y, y, padding, blocked)[0]

    if layer.norm_first:
        x = x + attend(np_layer_norm(x, layer.norm1))
        return x + np_feed_forward(np_layer_norm(x, layer.norm2), layer)
    x = np_layer_norm(x + attend(x), layer.norm1)
    return np_layer_norm(x + np_feed_forward(x, layer), layer.norm2)


def np_decoder_layer(layer, x, memory, blocked=None, memory_padding=None):
    def attend(y):
        return np_multihead(layer.self_attn, y, y, y, None, blocked)[0]

    def cross(y):
        return np_multihead(layer.multihead_attn, y, memory, memory, memory_padding)[0]

    if layer.norm_first:
        x = x + attend(np_layer_norm(x, layer.norm1))
        x = x + cross(np_layer_norm(x, layer.norm2))
        return x + np_feed_forward(np_layer_norm(x, layer.norm3), layer)
    x = np_layer_norm(x + attend(x), layer.norm1)
    x = np_layer_norm(x + cross(x), layer.norm2)
    return np_layer_norm(x + np_feed_forward(x, layer), layer.norm3)


def randomize(module, seed):
    """Random values in every parameter (biases and norms included), so each one matters."""
    rng = np.random.default_rng(seed)
    for param in module.parameters():
        param.data[...] = rng.standard_normal(param.shape) * 0.5
    return module


def t64(array, requires_grad=False):
    return minigrad.tensor(array, dtype=minigrad.float64, requires_grad=requires_grad)


CAUSAL = np.triu(np.ones((4, 4), dtype=bool), 1)

# ---------------------------------------------------------------------------------------------
# Layers against the reference
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_matches_reference(norm_first):
    layer = nn.TransformerEncoderLayer(6, 2, dim_feedforward=5, dropout=0.0, batch_first=True,
                                       norm_first=norm_first).double()
    randomize(layer, 0)
    x = np.random.default_rng(1).standard_normal((2, 4, 6))
    padding = np.array([[False] * 3 + [True], [False] * 4])
    assert_close(layer(t64(x)), np_encoder_layer(layer, x))
    assert_close(layer(t64(x), src_key_padding_mask=minigrad.tensor(padding)),
                 np_encoder_layer(layer, x, padding=padding))
    assert_close(layer(t64(x), src_mask=minigrad.tensor(CAUSAL)),
                 np_encoder_layer(layer, x, blocked=CAUSAL))


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_matches_reference(norm_first):
    layer = nn.TransformerDecoderLayer(6, 3, dim_feedforward=5, dropout=0.0, batch_first=True,
                                       norm_first=norm_first).double()
    randomize(layer, 2)
    rng = np.random.default_rng(3)
    x, memory = rng.standard_normal((2, 4, 6)), rng.standard_normal((2, 5, 6))
    memory_padding = np.array([[False] * 5, [False] * 2 + [True] * 3])
    got = layer(t64(x), t64(memory), tgt_mask=nn.causal_mask(4, dtype=minigrad.float64),
                memory_key_padding_mask=minigrad.tensor(memory_padding))
    assert_close(got, np_decoder_layer(layer, x, memory, CAUSAL, memory_padding))


def test_time_major_is_the_default_layout():
    layer = randomize(nn.TransformerEncoderLayer(4, 2, dim_feedforward=3, dropout=0.0), 4)
    layer = layer.double()
    x = np.random.default_rng(5).standard_normal((3, 2, 4))  # (S, N, E)
    expected = np_encoder_layer(layer, x.transpose(1, 0, 2)).transpose(1, 0, 2)
    assert_close(layer(t64(x)), expected)


def test_gelu_and_callable_activation():
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=3, dropout=0.0, activation="gelu")
    same = nn.TransformerEncoderLayer(4, 2, dim_feedforward=3, dropout=0.0,
                                      activation=minigrad.nn.functional.gelu)
    same.load_state_dict(layer.state_dict())
    x = minigrad.randn(3, 2, 4)
    assert_close(layer(x), same(x), np.float32)
    with pytest.raises(ValueError, match=r"activation should be 'relu', 'gelu' or a callable, "
                                         r"got 'tanh'"):
        nn.TransformerEncoderLayer(4, 2, activation="tanh")


# ---------------------------------------------------------------------------------------------
# Stacks and the full model
# ---------------------------------------------------------------------------------------------


def test_encoder_stack_copies_the_layer():
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=3, dropout=0.0).double()
    encoder = nn.TransformerEncoder(layer, num_layers=2, norm=nn.LayerNorm(4).double())
    first, second = encoder.layers[0], encoder.layers[1]
    assert first is not layer and first.linear1.weight is not second.linear1.weight
    randomize(encoder, 6)
    x = np.random.default_rng(7).standard_normal((3, 2, 4))
    expected = x.transpose(1, 0, 2)
    for copy in encoder.layers:
        expected = np_encoder_layer(copy, expected)
    expected = np_layer_norm(expected, encoder.norm).transpose(1, 0, 2)
    assert_close(encoder(t64(x)), expected)


def test_transformer_names_and_shapes():
    model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1,
                           dim_feedforward=16)
    names = [name for name, _ in model.named_parameters()]
    assert names[:4] == ["encoder.layers.0.self_attn.in_proj_weight",
                         "encoder.layers.0.self_attn.in_proj_bias",
                         "encoder.layers.0.self_attn.out_proj.weight",
                         "encoder.layers.0.self_attn.out_proj.bias"]
    assert "decoder.layers.0.multihead_attn.in_proj_weight" in names
    assert "encoder.norm.weight" in names and "decoder.norm.bias" in names
    out = model(minigrad.randn(5, 3, 8), minigrad.randn(4, 3, 8))
    assert out.shape == (4, 3, 8)
    mask = nn.Transformer.generate_square_subsequent_mask(3).numpy()
    assert_close(mask, np.where(np.triu(np.ones((3, 3)), 1) > 0, -np.inf, 0.0).astype(np.float32),
                 np.float32)


def test_causal_decoder_does_not_look_ahead():
    """d output[t] / d tgt[t + 1:] is exactly zero through every decoder layer."""
    model = nn.Transformer(d_model=4, nhead=2, num_encoder_layers=1, num_decoder_layers=2,
                           dim_feedforward=6, dropout=0.0, batch_first=True).double()
    rng = np.random.default_rng(8)
    src, tgt = t64(rng.standard_normal((2, 3, 4))), t64(rng.standard_normal((2, 4, 4)), True)
    mask = nn.Transformer.generate_square_subsequent_mask(4, dtype=minigrad.float64)
    for t in range(4):
        out = model(src, tgt, tgt_mask=mask)
        (grad,) = minigrad.grad(out[:, t].sum(), tgt)
        assert (grad.numpy()[:, t + 1:] == 0).all()
        assert (grad.numpy()[:, :t + 1] != 0).any()


def test_source_padding_does_not_leak():
    model = nn.Transformer(d_model=4, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                           dim_feedforward=6, dropout=0.0, batch_first=True).double()
    rng = np.random.default_rng(9)
    src, tgt = rng.standard_normal((2, 5, 4)), rng.standard_normal((2, 3, 4))
    padding = np.array([[False] * 5, [False] * 3 + [True] * 2])
    noisy = src.copy()
    noisy[padding] = 100 * rng.standard_normal((2, 4))
    outputs = []
    for values in (src, noisy):
        source = t64(values, True)
        out = model(source, t64(tgt), src_key_padding_mask=minigrad.tensor(padding),
                    memory_key_padding_mask=minigrad.tensor(padding))
        out.sum().backward()
        outputs.append(out.detach().numpy())
        assert (source.grad.numpy()[padding] == 0).all()
    assert_close(outputs[0], outputs[1])


def test_encoder_layer_gradcheck():
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=3, dropout=0.0,
                                       batch_first=True).double()
    randomize(layer, 10)
    x = t64(np.random.default_rng(11).standard_normal((1, 3, 4)), True)
    params = list(layer.parameters())
    padding = minigrad.tensor([[False, False, True]])
    assert gradcheck(lambda x_, *rest: layer(x_, src_key_padding_mask=padding), [x] + params)


def test_dropout_only_in_training():
    minigrad.manual_seed(12)
    model = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.5)
    x = minigrad.randn(5, 2, 8)
    assert not np.allclose(model(x).detach().numpy(), model(x).detach().numpy())
    model.eval()
    assert_close(model(x), model(x), np.float32)


def test_transformer_bad_input():
    model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                           dim_feedforward=16)
    with pytest.raises(ValueError, match=r"Transformer: the batch of src and tgt must be equal, "
                                         r"got src \(5, 3, 8\) and tgt \(4, 2, 8\)"):
        model(minigrad.randn(5, 3, 8), minigrad.randn(4, 2, 8))
    with pytest.raises(ValueError, match=r"feature size of src and tgt must equal d_model=8, "
                                         r"got src \(5, 3, 6\)"):
        model(minigrad.randn(5, 3, 6), minigrad.randn(4, 3, 6))


def test_transformer_loads_pytorch_weights():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    reference = torch.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=2,
                                     num_decoder_layers=2, dim_feedforward=16, dropout=0.0,
                                     batch_first=True).double().eval()
    model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=2,
                           dim_feedforward=16, dropout=0.0, batch_first=True).double()
    state = {k: v.detach().numpy() for k, v in reference.state_dict().items()}
    assert sorted(state) == sorted(model.state_dict())
    model.load_state_dict(state)
    rng = np.random.default_rng(0)
    src, tgt = rng.standard_normal((2, 5, 8)), rng.standard_normal((2, 4, 8))
    mask = reference.generate_square_subsequent_mask(4).double()
    want = reference(torch.tensor(src), torch.tensor(tgt), tgt_mask=mask)
    got = model(t64(src), t64(tgt), tgt_mask=nn.causal_mask(4, dtype=minigrad.float64))
    assert_close(got, want.detach().numpy())
