"""The recurrent cells of minigrad/ops/rnn.py: fused and composite LSTM/GRU gate math and the
full cells, against a NumPy reference written from the textbook equations, with gradcheck,
gradgradcheck, agreement between the two implementations, and bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from minigrad.ops.rnn import (
    gru_cell,
    gru_cell_composite,
    gru_cell_fused,
    lstm_cell,
    lstm_cell_composite,
    lstm_cell_fused,
    rnn_relu_cell,
    rnn_tanh_cell,
)
from minigrad.utils import gradcheck, gradgradcheck
from tests.harness import OpCase, assert_close, check_op, devices
from tests.strategies import arrays

# ---------------------------------------------------------------------------------------------
# NumPy references, straight from the equations (gate order as in PyTorch)
# ---------------------------------------------------------------------------------------------


def np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def np_lstm_step(gates_x, h, c, w_hh):
    a = gates_x + h @ w_hh.T
    hidden = c.shape[1]
    i = np_sigmoid(a[:, 0 * hidden:1 * hidden])
    f = np_sigmoid(a[:, 1 * hidden:2 * hidden])
    g = np.tanh(a[:, 2 * hidden:3 * hidden])
    o = np_sigmoid(a[:, 3 * hidden:4 * hidden])
    c_next = f * c + i * g
    return o * np.tanh(c_next), c_next


def np_gru_step(gates_x, h, w_hh, b_hh):
    gates_h = h @ w_hh.T + b_hh
    hidden = h.shape[1]
    r = np_sigmoid(gates_x[:, :hidden] + gates_h[:, :hidden])
    z = np_sigmoid(gates_x[:, hidden:2 * hidden] + gates_h[:, hidden:2 * hidden])
    n = np.tanh(gates_x[:, 2 * hidden:] + r * gates_h[:, 2 * hidden:])
    return (1 - z) * n + z * h


def np_lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh):
    return np_lstm_step(x @ w_ih.T + b_ih + b_hh, h, c, w_hh)


def np_gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
    return np_gru_step(x @ w_ih.T + b_ih, h, w_hh, b_hh)


# ---------------------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------------------


@st.composite
def lstm_step_inputs(draw):
    """(gates_x, h, c, w_hh) with shapes (B, 4H), (B, H), (B, H), (4H, H)."""
    batch, hidden = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return (draw(arrays((batch, 4 * hidden))), draw(arrays((batch, hidden), -1, 1)),
            draw(arrays((batch, hidden), -2, 2)), draw(arrays((4 * hidden, hidden), -1, 1)))


@st.composite
def gru_step_inputs(draw):
    """(gates_x, h, w_hh, b_hh) with shapes (B, 3H), (B, H), (3H, H), (3H,)."""
    batch, hidden = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return (draw(arrays((batch, 3 * hidden))), draw(arrays((batch, hidden), -1, 1)),
            draw(arrays((3 * hidden, hidden), -1, 1)), draw(arrays((3 * hidden,))))


@st.composite
def cell_inputs(draw, count, two_states=False):
    """(x, h[, c], w_ih, w_hh, b_ih, b_hh) for a cell with ``count`` gates."""
    batch = draw(st.integers(1, 3))
    features = draw(st.integers(1, 3))
    hidden = draw(st.integers(1, 3))
    shapes = [(batch, features)] + [(batch, hidden)] * (2 if two_states else 1) + [
        (count * hidden, features), (count * hidden, hidden), (count * hidden,),
        (count * hidden,)]
    return tuple(draw(arrays(shape, -1.5, 1.5)) for shape in shapes)


CASES = [
    OpCase("lstm_cell_fused", lstm_cell_fused, np_lstm_step, lstm_step_inputs()),
    OpCase("lstm_cell_composite", lstm_cell_composite, np_lstm_step, lstm_step_inputs()),
    OpCase("gru_cell_fused", gru_cell_fused, np_gru_step, gru_step_inputs()),
    OpCase("gru_cell_composite", gru_cell_composite, np_gru_step, gru_step_inputs()),
]


@pytest.mark.parametrize("device", devices())
@pytest.mark.parametrize("case", CASES, ids=repr)
@given(data=st.data())
def test_step(case, device, data):
    check_op(case, data, device)


# ---------------------------------------------------------------------------------------------
# Full cells: both implementations against the reference, gradcheck and gradgradcheck
# ---------------------------------------------------------------------------------------------


def _tensors(arrays_, dtype=np.float64, requires_grad=True):
    return [minigrad.tensor(a, dtype=dtype, requires_grad=requires_grad) for a in arrays_]


@pytest.mark.parametrize("fused", [True, False])
def test_lstm_cell_against_reference_and_gradients(fused):
    rng = np.random.default_rng(1)
    batch, features, hidden = 2, 3, 2
    arrays_ = [rng.standard_normal(s) for s in [(batch, features), (batch, hidden),
                                                (batch, hidden), (4 * hidden, features),
                                                (4 * hidden, hidden), (4 * hidden,),
                                                (4 * hidden,)]]
    expected = np_lstm_cell(*arrays_)
    for dtype in (np.float64, np.float32):
        h, c = lstm_cell(*_tensors(arrays_, dtype, False), fused=fused)
        assert h.dtype == dtype and c.dtype == dtype
        assert_close(h, expected[0].astype(dtype), dtype, "h")
        assert_close(c, expected[1].astype(dtype), dtype, "c")

    def fn(*args):
        return lstm_cell(*args, fused=fused)

    assert gradcheck(fn, _tensors(arrays_))
    assert gradgradcheck(fn, _tensors(arrays_))


@pytest.mark.parametrize("fused", [True, False])
def test_gru_cell_against_reference_and_gradients(fused):
    rng = np.random.default_rng(2)
    batch, features, hidden = 2, 3, 2
    arrays_ = [rng.standard_normal(s) for s in [(batch, features), (batch, hidden),
                                                (3 * hidden, features), (3 * hidden, hidden),
                                                (3 * hidden,), (3 * hidden,)]]
    expected = np_gru_cell(*arrays_)
    for dtype in (np.float64, np.float32):
        h = gru_cell(*_tensors(arrays_, dtype, False), fused=fused)
        assert h.dtype == dtype
        assert_close(h, expected.astype(dtype), dtype, "h")

    def fn(*args):
        return gru_cell(*args, fused=fused)

    assert gradcheck(fn, _tensors(arrays_))
    assert gradgradcheck(fn, _tensors(arrays_))


@pytest.mark.parametrize("cell, activation", [(rnn_tanh_cell, np.tanh),
                                              (rnn_relu_cell, lambda a: np.maximum(a, 0))])
def test_rnn_cells(cell, activation):
    rng = np.random.default_rng(3)
    arrays_ = [rng.standard_normal(s) for s in [(2, 3), (2, 4), (4, 3), (4, 4), (4,), (4,)]]
    x, h, w_ih, w_hh, b_ih, b_hh = arrays_
    pre = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
    assert np.abs(pre).min() > 1e-3  # away from the ReLU kink, so finite differences are exact
    assert_close(cell(*_tensors(arrays_, requires_grad=False)), activation(pre))
    assert gradcheck(cell, _tensors(arrays_))
    assert gradgradcheck(cell, _tensors(arrays_))


def test_cells_without_bias():
    rng = np.random.default_rng(4)
    x, h, c = (rng.standard_normal(s) for s in [(2, 3), (2, 2), (2, 2)])
    w_ih, w_hh = rng.standard_normal((8, 3)), rng.standard_normal((8, 2))
    zeros = np.zeros(8)
    expected = np_lstm_cell(x, h, c, w_ih, w_hh, zeros, zeros)
    for fused in (True, False):
        got = lstm_cell(*_tensors([x, h, c, w_ih, w_hh], requires_grad=False), fused=fused)
        assert_close(got[0], expected[0])
        assert_close(got[1], expected[1])


# ---------------------------------------------------------------------------------------------
# The two implementations agree: outputs and every gradient, for random shapes
# ---------------------------------------------------------------------------------------------


def _outputs_and_grads(fn, arrays_, seed_arrays):
    tensors = _tensors(arrays_)
    outputs = fn(*tensors)
    outputs = outputs if isinstance(outputs, tuple) else (outputs,)
    loss = sum((out * minigrad.tensor(w)).sum() for out, w in zip(outputs, seed_arrays))
    loss.backward()
    return [o.detach().numpy() for o in outputs], [t.grad.numpy() for t in tensors]


@given(cell_inputs(4, two_states=True))
def test_lstm_fused_and_composite_agree(arrays_):
    rng = np.random.default_rng(0)
    seeds = [rng.standard_normal(arrays_[1].shape) for _ in range(2)]
    fused = _outputs_and_grads(lambda *a: lstm_cell(*a, fused=True), arrays_, seeds)
    composite = _outputs_and_grads(lambda *a: lstm_cell(*a, fused=False), arrays_, seeds)
    for got, want in zip(fused[0] + fused[1], composite[0] + composite[1]):
        assert_close(got, want)


@given(cell_inputs(3))
def test_gru_fused_and_composite_agree(arrays_):
    rng = np.random.default_rng(0)
    seeds = [rng.standard_normal(arrays_[1].shape)]
    fused = _outputs_and_grads(lambda *a: gru_cell(*a, fused=True), arrays_, seeds)
    composite = _outputs_and_grads(lambda *a: gru_cell(*a, fused=False), arrays_, seeds)
    for got, want in zip(fused[0] + fused[1], composite[0] + composite[1]):
        assert_close(got, want)


def test_fused_backward_with_create_graph_matches_composite_second_derivative():
    # the gradient of a function of the first gradients, through the create_graph path
    rng = np.random.default_rng(5)
    arrays_ = [rng.standard_normal(s) for s in [(2, 8), (2, 2), (2, 2), (8, 2)]]
    results = []
    for fn in (lstm_cell_fused, lstm_cell_composite):
        tensors = _tensors(arrays_)
        h, c_next = fn(*tensors)
        firsts = minigrad.grad((h * h).sum() + c_next.sum(), tensors, create_graph=True)
        penalty = sum((g * g).sum() for g in firsts)
        results.append([g.numpy() for g in minigrad.grad(penalty, tensors)])
    for got, want in zip(*results):
        assert_close(got, want)


# ---------------------------------------------------------------------------------------------
# Numerics and bad input
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fn, count", [(lstm_cell_fused, 4), (gru_cell_fused, 3)])
def test_saturated_gates_stay_finite(fn, count):
    big = minigrad.tensor([[1e4, -1e4] * count], requires_grad=True)
    h = minigrad.ones(1, 2, requires_grad=True)
    w_hh = minigrad.ones(2 * count, 2, requires_grad=True)
    args = (big, h, h, w_hh) if count == 4 else (big, h, w_hh)
    with minigrad.autograd.detect_anomaly():
        out = fn(*args)
        out = out if isinstance(out, tuple) else (out,)
        sum(o.sum() for o in out).backward()
    assert np.isfinite(big.grad.numpy()).all() and np.isfinite(w_hh.grad.numpy()).all()


def test_no_graph_under_no_grad():
    gx, h, c, w = _tensors([np.zeros((1, 4)), np.zeros((1, 1)), np.zeros((1, 1)), np.zeros((4, 1))])
    with minigrad.no_grad():
        h_next, c_next = lstm_cell_fused(gx, h, c, w)
    assert h_next.creator is None and not c_next.requires_grad


def test_step_shape_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"lstm_cell_fused: expected gates_x \(batch, 4 \* "
                                         r"hidden\), h, c \(batch, hidden\) and w_hh \(4 \* "
                                         r"hidden, hidden\); got gates_x \(2, 7\), h \(2, 2\), "
                                         r"c \(2, 2\), w_hh \(8, 2\)"):
        lstm_cell_fused(minigrad.zeros(2, 7), minigrad.zeros(2, 2), minigrad.zeros(2, 2),
                        minigrad.zeros(8, 2))
    with pytest.raises(ValueError, match=r"gru_cell_composite: .*got gates_x \(2, 6\), "
                                         r"h \(3, 2\), w_hh \(6, 2\)"):
        gru_cell_composite(minigrad.zeros(2, 6), minigrad.zeros(3, 2), minigrad.zeros(6, 2))
    with pytest.raises(ValueError, match=r"gru_cell_fused: expected b_hh of shape \(6,\)"):
        gru_cell_fused(minigrad.zeros(2, 6), minigrad.zeros(2, 2), minigrad.zeros(6, 2),
                       minigrad.zeros(4))


def test_step_dtype_errors():
    with pytest.raises(TypeError, match=r"lstm_cell_fused: expected one dtype, got gates_x "
                                        r"float32, h float64"):
        lstm_cell_fused(minigrad.zeros(1, 4), minigrad.zeros(1, 1, dtype=minigrad.float64),
                        minigrad.zeros(1, 1), minigrad.zeros(4, 1))
    with pytest.raises(TypeError, match=r"gru_cell_fused: expected a floating point tensor"):
        gru_cell_fused(minigrad.zeros(1, 3), minigrad.zeros(1, 1, dtype=minigrad.int64),
                       minigrad.zeros(3, 1))


def test_cell_shape_errors_name_the_shapes():
    x, h = minigrad.zeros(2, 3), minigrad.zeros(2, 4)
    w_ih, w_hh = minigrad.zeros(16, 3), minigrad.zeros(16, 4)
    with pytest.raises(ValueError, match=r"lstm_cell: expected input of shape \(batch, 3\), got "
                                         r"\(2, 5\)"):
        lstm_cell(minigrad.zeros(2, 5), h, h, w_ih, w_hh)
    with pytest.raises(ValueError, match=r"lstm_cell: expected a state of shape \(2, 4\), got "
                                         r"\(4, 2\)"):
        lstm_cell(x, h, minigrad.zeros(4, 2), w_ih, w_hh)
    with pytest.raises(ValueError, match=r"gru_cell: expected w_ih of shape \(3 \* hidden, "
                                         r"input_size\).*got \(16, 3\) and \(16, 4\)"):
        gru_cell(x, h, w_ih, w_hh)
