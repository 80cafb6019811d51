"""nn.RNNCell/LSTMCell/GRUCell and nn.RNN/LSTM/GRU: against a step-by-step NumPy reference,
fused against composite, gradcheck, variable lengths, batch_first, long sequences and errors."""

import sys
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from minigrad import nn
from minigrad.utils import gradcheck, gradgradcheck
from tests.harness import assert_close

# ---------------------------------------------------------------------------------------------
# NumPy reference: one sequence at a time, one step at a time, from the textbook equations
# ---------------------------------------------------------------------------------------------


def np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def np_step(mode, x, h, c, w_ih, w_hh, b_ih, b_hh):
    """One step for one example: x (F,), h and c (H,).  Returns (h', c')."""
    gx = w_ih @ x + b_ih
    gh = w_hh @ h + b_hh
    hidden = h.shape[0]
    if mode == "RNN_TANH":
        return np.tanh(gx + gh), None
    if mode == "RNN_RELU":
        return np.maximum(gx + gh, 0.0), None
    if mode == "LSTM":
        i, f, g, o = (gx + gh)[:hidden], (gx + gh)[hidden:2 * hidden], \
            (gx + gh)[2 * hidden:3 * hidden], (gx + gh)[3 * hidden:]
        i, f, g, o = np_sigmoid(i), np_sigmoid(f), np.tanh(g), np_sigmoid(o)
        c_next = f * c + i * g
        return o * np.tanh(c_next), c_next
    r = np_sigmoid(gx[:hidden] + gh[:hidden])
    z = np_sigmoid(gx[hidden:2 * hidden] + gh[hidden:2 * hidden])
    n = np.tanh(gx[2 * hidden:] + r * gh[2 * hidden:])
    return (1 - z) * n + z * h, None


def np_layers(module, x, h0=None, c0=None, lengths=None):
    """Reference forward of an RNN/LSTM/GRU module on time-major x (T, B, F) in float64.

    Every sequence is run on its own over its first lengths[b] steps; outputs after the end are
    zero.  Returns output (T, B, D*H), h_n and c_n (D*L, B, H)."""
    mode = module.mode
    steps, batch, _ = x.shape
    hidden, layers = module.hidden_size, module.num_layers
    directions = 2 if module.bidirectional else 1
    lengths = [steps] * batch if lengths is None else list(lengths)
    h_n = np.zeros((layers * directions, batch, hidden))
    c_n = np.zeros((layers * directions, batch, hidden))
    layer_input = x
    for layer in range(layers):
        output = np.zeros((steps, batch, directions * hidden))
        for direction in range(directions):
            suffix = f"_l{layer}" + ("_reverse" if direction else "")
            weights = [getattr(module, name + suffix).detach().numpy().astype(np.float64)
                       for name in ("weight_ih", "weight_hh")]
            if module.bias:
                weights += [getattr(module, name + suffix).detach().numpy().astype(np.float64)
                            for name in ("bias_ih", "bias_hh")]
            else:
                weights += [np.zeros(weights[0].shape[0])] * 2
            index = layer * directions + direction
            for b in range(batch):
                h = np.zeros(hidden) if h0 is None else h0[index, b]
                c = np.zeros(hidden) if c0 is None else c0[index, b]
                times = list(range(lengths[b]))
                if direction == 1:
                    times = times[::-1]
                for t in times:
                    h, c = np_step(mode, layer_input[t, b], h, c, *weights)
                    output[t, b, direction * hidden:(direction + 1) * hidden] = h
                h_n[index, b] = h
                c_n[index, b] = 0.0 if c is None else c
        layer_input = output
    return layer_input, h_n, c_n


MODULES = {"RNN_TANH": lambda *a, **k: nn.RNN(*a, **k),
           "RNN_RELU": lambda *a, **k: nn.RNN(*a, nonlinearity="relu", **k),
           "LSTM": nn.LSTM, "GRU": nn.GRU}


def run(module, x, h0=None, c0=None, lengths=None):
    """Call the module with numpy inputs; returns numpy (output, h_n, c_n or None)."""
    dtype = module.weight_ih_l0.dtype
    xt = minigrad.tensor(x, dtype=dtype)
    h0t = None if h0 is None else minigrad.tensor(h0, dtype=dtype)
    c0t = None if c0 is None else minigrad.tensor(c0, dtype=dtype)
    if module.mode == "LSTM":
        hx = None if h0 is None and c0 is None else (h0t, c0t)
        output, (h_n, c_n) = module(xt, hx, lengths=lengths)
        return output.detach().numpy(), h_n.detach().numpy(), c_n.detach().numpy()
    output, h_n = module(xt, h0t, lengths=lengths)
    return output.detach().numpy(), h_n.detach().numpy(), None


# ---------------------------------------------------------------------------------------------
# Forward against the reference
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", list(MODULES))
@pytest.mark.parametrize("fused", [True, False])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_layers_match_reference(mode, fused, bidirectional):
    minigrad.manual_seed(0)
    kwargs = {} if mode.startswith("RNN") else {"fused": fused}
    module = MODULES[mode](3, 4, num_layers=2, bidirectional=bidirectional, **kwargs).double()
    rng = np.random.default_rng(0)
    directions = 2 if bidirectional else 1
    x = rng.standard_normal((5, 3, 3))
    h0 = rng.standard_normal((2 * directions, 3, 4))
    c0 = rng.standard_normal((2 * directions, 3, 4))
    lengths = [5, 2, 4]
    for args in [(None, None, None), (h0, c0, None), (h0, c0, lengths)]:
        h, c, lens = args
        c = c if mode == "LSTM" else None
        output, h_n, c_n = run(module, x, h, c, lens)
        want = np_layers(module, x, h, c, lens)
        assert_close(output, want[0], what=f"{mode} output")
        assert_close(h_n, want[1], what=f"{mode} h_n")
        if mode == "LSTM":
            assert_close(c_n, want[2], what="c_n")


def test_float32_forward_and_dtype():
    minigrad.manual_seed(1)
    lstm = nn.LSTM(2, 3)
    x = np.random.default_rng(1).standard_normal((4, 2, 2))
    output, h_n, c_n = run(lstm, x)
    assert output.dtype == np.float32 and h_n.dtype == np.float32
    want = np_layers(lstm, x)
    assert_close(output, want[0].astype(np.float32), np.float32)
    assert_close(c_n, want[2].astype(np.float32), np.float32)


def test_no_bias():
    minigrad.manual_seed(2)
    for mode in ("LSTM", "GRU", "RNN_TANH"):
        module = MODULES[mode](2, 3, bias=False).double()
        assert "bias_ih_l0" not in dict(module.named_parameters())
        x = np.random.default_rng(2).standard_normal((3, 2, 2))
        assert_close(run(module, x)[0], np_layers(module, x)[0])


def test_unbatched_input_equals_batch_of_one():
    minigrad.manual_seed(3)
    lstm = nn.LSTM(2, 3, num_layers=2).double()
    x = minigrad.randn(4, 2, dtype=minigrad.float64)
    h0 = minigrad.randn(2, 3, dtype=minigrad.float64)
    c0 = minigrad.randn(2, 3, dtype=minigrad.float64)
    output, (h_n, c_n) = lstm(x, (h0, c0))
    assert output.shape == (4, 3) and h_n.shape == (2, 3) and c_n.shape == (2, 3)
    batched, (h_b, c_b) = lstm(x.unsqueeze(1), (h0.unsqueeze(1), c0.unsqueeze(1)))
    assert_close(output, batched.squeeze(1))
    assert_close(h_n, h_b.squeeze(1))


def test_batch_first_is_a_transpose():
    minigrad.manual_seed(4)
    gru = nn.GRU(2, 3, bidirectional=True).double()
    gru_bf = nn.GRU(2, 3, bidirectional=True, batch_first=True).double()
    gru_bf.load_state_dict(gru.state_dict())
    x = minigrad.randn(5, 2, 2, dtype=minigrad.float64)
    output, h_n = gru(x, lengths=[3, 5])
    output_bf, h_n_bf = gru_bf(x.transpose(0, 1), lengths=[3, 5])
    assert output_bf.shape == (2, 5, 6)
    assert_close(output_bf, output.transpose(0, 1))
    assert_close(h_n_bf, h_n)  # h_n is never batch-first, as in PyTorch


# ---------------------------------------------------------------------------------------------
# Parameters: PyTorch's names, shapes and initialisation
# ---------------------------------------------------------------------------------------------


def test_parameter_names_shapes_and_init():
    lstm = nn.LSTM(3, 5, num_layers=2, bidirectional=True)
    names = [name for name, _ in lstm.named_parameters()]
    expected = []
    for layer in range(2):
        for suffix in ("", "_reverse"):
            expected += [f"{kind}_l{layer}{suffix}" for kind in
                         ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    assert names == expected
    assert lstm.weight_ih_l0.shape == (20, 3)
    assert lstm.weight_ih_l1_reverse.shape == (20, 10)
    assert lstm.weight_hh_l1.shape == (20, 5)
    assert lstm.bias_hh_l0_reverse.shape == (20,)
    bound = 1 / np.sqrt(5)
    for param in lstm.parameters():
        values = param.detach().numpy()
        assert np.abs(values).max() <= bound and values.std() > bound / 4
    assert nn.GRU(3, 5).weight_hh_l0.shape == (15, 5)
    assert nn.RNN(3, 5).weight_ih_l0.shape == (5, 3)
    cell = nn.LSTMCell(3, 5)
    assert [n for n, _ in cell.named_parameters()] == ["weight_ih", "weight_hh", "bias_ih",
                                                        "bias_hh"]
    assert cell.weight_ih.shape == (20, 3)
    assert repr(lstm) == "LSTM(3, 5, num_layers=2, bidirectional=True)"


# ---------------------------------------------------------------------------------------------
# Cells as modules
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("make, mode", [(lambda: nn.RNNCell(2, 3), "RNN_TANH"),
                                        (lambda: nn.RNNCell(2, 3, nonlinearity="relu"),
                                         "RNN_RELU"),
                                        (lambda: nn.LSTMCell(2, 3), "LSTM"),
                                        (lambda: nn.LSTMCell(2, 3, fused=False), "LSTM"),
                                        (lambda: nn.GRUCell(2, 3), "GRU"),
                                        (lambda: nn.GRUCell(2, 3, fused=False), "GRU")])
def test_cell_modules(make, mode):
    minigrad.manual_seed(5)
    cell = make().double()
    rng = np.random.default_rng(5)
    x, h, c = rng.standard_normal((2, 2)), rng.standard_normal((2, 3)), \
        rng.standard_normal((2, 3))
    weights = [p.detach().numpy() for p in cell.parameters()]
    expected = [np_step(mode, x[b], h[b], c[b], *weights) for b in range(2)]
    xt, ht, ct = (minigrad.tensor(a, requires_grad=True, dtype=minigrad.float64)
                  for a in (x, h, c))
    if mode == "LSTM":
        got_h, got_c = cell(xt, (ht, ct))
        assert_close(got_c, np.stack([e[1] for e in expected]))
    else:
        got_h = cell(xt, ht)
    assert_close(got_h, np.stack([e[0] for e in expected]))
    # a zero state by default, and unbatched input
    default = cell(xt)
    default = default[0] if mode == "LSTM" else default
    zero = [np_step(mode, x[0], np.zeros(3), np.zeros(3), *weights)[0]]
    assert_close(default[0], zero[0])
    single = cell(xt[0])
    assert_close(single[0] if mode == "LSTM" else single, zero[0])

    def fn(x_, h_, c_):
        return cell(x_, (h_, c_)) if mode == "LSTM" else cell(x_, h_)

    if mode == "RNN_RELU":
        return  # kinks: the reference check above is enough, the ops are gradchecked elsewhere
    assert gradcheck(fn, (xt, ht, ct) if mode == "LSTM" else (xt, ht, ct.detach()))
    assert gradgradcheck(fn, (xt, ht, ct) if mode == "LSTM" else (xt, ht, ct.detach()))


# ---------------------------------------------------------------------------------------------
# Gradients of whole layers
# ---------------------------------------------------------------------------------------------


def _layer_fn(module, with_states):
    def fn(x, *rest):
        if with_states:
            h0, c0 = rest[0], rest[1]
            hx = (h0, c0) if module.mode == "LSTM" else h0
            output, states = module(x, hx)
        else:
            output, states = module(x)
        states = states if isinstance(states, tuple) else (states,)
        return (output,) + states
    return fn


@pytest.mark.parametrize("mode, fused", [("LSTM", True), ("LSTM", False), ("GRU", True),
                                         ("GRU", False), ("RNN_TANH", True)])
def test_layer_gradcheck_bidirectional_two_layers(mode, fused):
    minigrad.manual_seed(6)
    kwargs = {} if mode.startswith("RNN") else {"fused": fused}
    module = MODULES[mode](2, 2, num_layers=2, bidirectional=True, dropout=0.0,
                           **kwargs).double()
    x = minigrad.randn(3, 2, 2, dtype=minigrad.float64, requires_grad=True)
    h0 = minigrad.randn(4, 2, 2, dtype=minigrad.float64, requires_grad=True)
    c0 = minigrad.randn(4, 2, 2, dtype=minigrad.float64, requires_grad=True)
    params = list(module.parameters())
    fn = _layer_fn(module, True)
    assert gradcheck(lambda *args: fn(*args[:3]), [x, h0, c0] + params, max_full=200)


def test_layer_gradgradcheck():
    minigrad.manual_seed(7)
    lstm = nn.LSTM(2, 2).double()
    x = minigrad.randn(3, 1, 2, dtype=minigrad.float64, requires_grad=True)
    assert gradgradcheck(lambda x_, *params: lstm(x_)[0], [x, lstm.weight_hh_l0],
                         max_full=40)


@st.composite
def layer_setups(draw):
    return {
        "mode": draw(st.sampled_from(["LSTM", "GRU"])),
        "steps": draw(st.integers(1, 4)),
        "batch": draw(st.integers(1, 3)),
        "features": draw(st.integers(1, 3)),
        "hidden": draw(st.integers(1, 3)),
        "layers": draw(st.integers(1, 2)),
        "bidirectional": draw(st.booleans()),
        "bias": draw(st.booleans()),
        "use_lengths": draw(st.booleans()),
        "seed": draw(st.integers(0, 2 ** 16)),
    }


@settings(max_examples=15)
@given(layer_setups())
def test_fused_and_composite_layers_agree(setup):
    """Outputs, final states and every parameter and input gradient are the same."""
    rng = np.random.default_rng(setup["seed"])
    minigrad.manual_seed(setup["seed"])
    make = MODULES[setup["mode"]]
    fused = make(setup["features"], setup["hidden"], num_layers=setup["layers"],
                 bidirectional=setup["bidirectional"], bias=setup["bias"]).double()
    composite = make(setup["features"], setup["hidden"], num_layers=setup["layers"],
                     bidirectional=setup["bidirectional"], bias=setup["bias"],
                     fused=False).double()
    composite.load_state_dict(fused.state_dict())
    x = rng.standard_normal((setup["steps"], setup["batch"], setup["features"]))
    lengths = rng.integers(0, setup["steps"] + 1, setup["batch"]).tolist() \
        if setup["use_lengths"] else None
    results = []
    for module in (fused, composite):
        xt = minigrad.tensor(x, requires_grad=True)
        output, states = module(xt, lengths=lengths)
        states = states if isinstance(states, tuple) else (states,)
        loss = (output * minigrad.tensor(np.cos(np.arange(output.numel())).reshape(
            output.shape))).sum() + sum((s * s).sum() for s in states)
        loss.backward()
        results.append([output.detach().numpy()] + [s.detach().numpy() for s in states] +
                       [xt.grad.numpy()] + [p.grad.numpy() for p in module.parameters()])
    for got, want in zip(*results):
        assert_close(got, want)


# ---------------------------------------------------------------------------------------------
# Variable lengths: padded steps change nothing and receive no gradient
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_padding_does_not_matter(mode, bidirectional):
    minigrad.manual_seed(8)
    module = MODULES[mode](2, 3, num_layers=2, bidirectional=bidirectional).double()
    lengths = [4, 1, 3]
    rng = np.random.default_rng(8)
    x = rng.standard_normal((4, 3, 2))
    garbage = x.copy()
    for b, length in enumerate(lengths):
        garbage[length:, b] = rng.standard_normal((4 - length, 2)) * 100
    results = []
    for values in (x, garbage):
        xt = minigrad.tensor(values, requires_grad=True)
        output, states = module(xt, lengths=lengths)
        h_n = states[0] if mode == "LSTM" else states
        (output.sum() + (h_n * h_n).sum()).backward()
        results.append((output.detach().numpy(), h_n.detach().numpy(), xt.grad.numpy()))
    for got, want in zip(*results):
        assert_close(got, want)
    output, h_n, grad = results[0]
    for b, length in enumerate(lengths):
        assert (output[length:, b] == 0).all()
        assert (grad[length:, b] == 0).all()
        assert (grad[:length, b] != 0).any()
    # each sequence alone, cut to its length, gives the same outputs and final states
    for b, length in enumerate(lengths):
        alone_output, alone_h, _ = run(module, x[:length, b:b + 1])
        assert_close(output[:length, b], alone_output[:, 0])
        assert_close(h_n[:, b], alone_h[:, 0])


def test_lengths_as_tensor_and_errors():
    lstm = nn.LSTM(2, 3)
    x = minigrad.zeros(4, 2, 2)
    output, _ = lstm(x, lengths=minigrad.tensor([4, 2]))
    assert output.shape == (4, 2, 3)
    with pytest.raises(ValueError, match=r"LSTM: expected 2 lengths \(one per sequence\), got 3"):
        lstm(x, lengths=[1, 2, 3])
    with pytest.raises(ValueError, match=r"lengths must lie in \[0, 4\].*max 5"):
        lstm(x, lengths=[5, 2])
    with pytest.raises(TypeError, match=r"lengths must be a 1-D list or Tensor of ints"):
        lstm(x, lengths=[1.5, 2.0])


# ---------------------------------------------------------------------------------------------
# Dropout between layers
# ---------------------------------------------------------------------------------------------


def test_dropout_between_layers_only_in_training():
    minigrad.manual_seed(9)
    lstm = nn.LSTM(2, 4, num_layers=2, dropout=0.5).double()
    plain = nn.LSTM(2, 4, num_layers=2).double()
    plain.load_state_dict(lstm.state_dict())
    x = minigrad.randn(3, 2, 2, dtype=minigrad.float64)
    first, second = lstm(x)[0], lstm(x)[0]
    assert not np.allclose(first.detach().numpy(), second.detach().numpy())
    lstm.eval()
    assert_close(lstm(x)[0], plain(x)[0])
    # one layer: no dropout at all (it acts between layers only)
    single = nn.GRU(2, 4, dropout=0.5).double()
    assert_close(single(x)[0], single(x)[0])
    with pytest.raises(ValueError, match=r"GRU: dropout should be a number in \[0, 1\]"):
        nn.GRU(2, 4, dropout=1.5)


# ---------------------------------------------------------------------------------------------
# Long sequences: iterative backward, memory linear in length
# ---------------------------------------------------------------------------------------------


def _lstm_run(steps: int) -> minigrad.Tensor:
    minigrad.manual_seed(10)
    lstm = nn.LSTM(3, 4)
    x = minigrad.randn(steps, 2, 3, requires_grad=True)
    output, (h_n, _) = lstm(x)
    (output.sum() + h_n.sum()).backward()
    return x


def test_bptt_over_2000_steps_without_recursion_errors():
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # the default: the engine must not recurse per node
    try:
        x = _lstm_run(2000)
    finally:
        sys.setrecursionlimit(limit)
    assert np.isfinite(x.grad.numpy()).all()
    assert np.abs(x.grad.numpy()[0]).sum() > 0


def test_memory_is_linear_in_sequence_length():
    peaks = []
    for steps in (200, 800):
        tracemalloc.start()
        _lstm_run(steps)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    # 4x the steps: about 4x the memory (quadratic growth would be 16x)
    assert 2.5 < peaks[1] / peaks[0] < 6, peaks


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------


def test_wrong_input_size():
    with pytest.raises(ValueError, match=r"LSTM: expected input with input_size=3 features in "
                                         r"its last dimension, got input of shape \(5, 2, 4\)"):
        nn.LSTM(3, 4)(minigrad.zeros(5, 2, 4))
    with pytest.raises(ValueError, match=r"GRU: expected input of shape \(seq_len, batch, "
                                         r"features\).*got \(5,\)"):
        nn.GRU(3, 4)(minigrad.zeros(5))
    with pytest.raises(ValueError, match=r"LSTMCell: expected input of shape \(batch, 3\) or "
                                         r"\(3,\), got \(2, 5\)"):
        nn.LSTMCell(3, 4)(minigrad.zeros(2, 5))


def test_wrong_h0_shape():
    lstm = nn.LSTM(3, 4, num_layers=2)
    x = minigrad.zeros(5, 2, 3)
    with pytest.raises(ValueError, match=r"LSTM: expected h0 of shape \(2, 2, 4\) \(num_layers "
                                         r"\* num_directions, batch, hidden_size\), got "
                                         r"\(1, 2, 4\)"):
        lstm(x, (minigrad.zeros(1, 2, 4), minigrad.zeros(2, 2, 4)))
    with pytest.raises(ValueError, match=r"expected c0 of shape \(2, 2, 4\).*got \(2, 2, 3\)"):
        lstm(x, (minigrad.zeros(2, 2, 4), minigrad.zeros(2, 2, 3)))
    with pytest.raises(ValueError, match=r"GRUCell: expected hx of shape \(2, 4\), got \(2, 3\)"):
        nn.GRUCell(3, 4)(minigrad.zeros(2, 3), minigrad.zeros(2, 3))


def test_batch_first_confusion_is_named():
    # batch 2, time 5, but given batch-first to a time-major layer
    gru = nn.GRU(3, 4)
    x = minigrad.zeros(2, 5, 3)
    with pytest.raises(ValueError, match=r"GRU: expected h0 of shape \(1, 5, 4\).*got "
                                         r"\(1, 2, 4\).*batch_first=False.*read as \(seq_len, "
                                         r"batch, features\), so batch=5.*did you mean "
                                         r"batch_first=True"):
        gru(x, minigrad.zeros(1, 2, 4))
    with pytest.raises(ValueError, match=r"expected 5 lengths \(one per sequence\), got 2.*"
                                         r"batch_first=True"):
        gru(x, lengths=[2, 5])
    first = nn.LSTM(3, 4, batch_first=True)
    with pytest.raises(ValueError, match=r"expected h0 of shape \(1, 5, 4\).*got \(1, 2, 4\).*"
                                         r"did you mean batch_first=False"):
        first(minigrad.zeros(5, 2, 3), (minigrad.zeros(1, 2, 4), minigrad.zeros(1, 2, 4)))


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match=r"LSTM: hidden_size must be a positive int, got 0"):
        nn.LSTM(3, 0)
    with pytest.raises(ValueError, match=r"RNN: unknown nonlinearity 'sigmoid'"):
        nn.RNN(3, 4, nonlinearity="sigmoid")


# ---------------------------------------------------------------------------------------------
# PyTorch weights load by name (only where PyTorch happens to be installed)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH"])
def test_pytorch_state_dict_loads_and_agrees(mode):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    kinds = {"LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU, "RNN_TANH": torch.nn.RNN}
    reference = kinds[mode](3, 4, num_layers=2, bidirectional=True, batch_first=True).double()
    module = MODULES[mode](3, 4, num_layers=2, bidirectional=True, batch_first=True).double()
    module.load_state_dict({k: v.detach().numpy() for k, v in reference.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 5, 3))
    want_output, want_states = reference(torch.tensor(x))
    output, states = module(minigrad.tensor(x))
    assert_close(output, want_output.detach().numpy())
    want_h = want_states[0] if mode == "LSTM" else want_states
    got_h = states[0] if mode == "LSTM" else states
    assert_close(got_h, want_h.detach().numpy())
