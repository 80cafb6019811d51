"""Every kernel of kernels/ run on the CPU (g++ + kernels/cpu_shim.h, serial launch grid) on
random inputs, through the same launchers the GPU uses (minigrad.cuda_kernels), and compared
with its NumPy twin: the CPU path of the op in minigrad/ops, minigrad/optim, minigrad/nn.

The kernels add in the twins' order wherever they can, so most comparisons are at a few units
in the last place; the per-dtype tolerances below only absorb libm-vs-NumPy differences in
exp/tanh/log and different summation orders (NumPy sums rows pairwise).
"""

import importlib

import numpy as np
import pytest

import minigrad
from minigrad import backend, cuda_kernels
from minigrad.ops import conv, pool, rnn, shape
from minigrad.ops.loss import SoftmaxCrossEntropy, softmax_cross_entropy

from . import cpu_harness

# the module, not the function that minigrad.nn.functional re-exports under the same name
dropout_module = importlib.import_module("minigrad.nn.functional.dropout")

pytestmark = pytest.mark.skipif(cpu_harness.compiler() is None,
                                reason="no host C++ compiler (g++): kernels not run on the CPU")

DTYPES = [np.float32, np.float64]
TOLERANCE = {np.float32: {"rtol": 2e-6, "atol": 1e-6}, np.float64: {"rtol": 1e-13, "atol": 1e-14}}


@pytest.fixture(autouse=True)
def kernels_on_cpu(monkeypatch):
    """Run minigrad.cuda_kernels' launchers through the serial CPU harness."""
    monkeypatch.setattr(cuda_kernels, "launcher", cpu_harness.cpu_launcher)


def close(actual, expected, dtype):
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    np.testing.assert_allclose(actual, expected, **TOLERANCE[dtype])


CONV_CASES = [  # (N, C, H, W), kernel, stride, padding (top, bottom, left, right), dilation
    ((2, 3, 7, 6), (3, 3), (1, 1), (1, 1, 1, 1), (1, 1)),
    ((1, 2, 9, 8), (3, 2), (2, 3), (2, 1, 0, 1), (2, 1)),
    ((3, 1, 5, 5), (1, 1), (1, 1), (0, 0, 0, 0), (1, 1)),
    ((2, 2, 6, 7), (2, 4), (3, 1), (0, 0, 2, 2), (1, 2)),
]


# ---------------------------------------------------------------------------------------------
# Convolution
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CONV_CASES)
def test_im2col_matches_numpy(case, dtype):
    shape_, kernel, stride, padding, dilation = case
    rng = np.random.default_rng(0)
    geometry = conv.ConvGeometry(stride, padding, dilation)
    x = rng.standard_normal(shape_).astype(dtype)
    out_size = geometry.output_size(x.shape[2:], kernel)
    close(cuda_kernels.im2col(x, kernel, geometry, out_size),
          conv.im2col(x, kernel, geometry, out_size), dtype)
    # a strided view (an NCHW view of channels-first storage, as conv outputs are) needs no copy
    stored = rng.standard_normal((shape_[1], shape_[0]) + shape_[2:]).astype(dtype)
    view = stored.transpose(1, 0, 2, 3)
    close(cuda_kernels.im2col(view, kernel, geometry, out_size),
          conv.im2col(view, kernel, geometry, out_size), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_im2col_with_a_smaller_out_size(dtype):
    x = np.random.default_rng(1).standard_normal((2, 2, 8, 8)).astype(dtype)
    geometry = conv.ConvGeometry((2, 2), (1, 1, 1, 1), (1, 1))
    close(cuda_kernels.im2col(x, (3, 3), geometry, (3, 2)),
          conv.im2col(x, (3, 3), geometry, (3, 2)), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CONV_CASES)
def test_col2im_matches_numpy(case, dtype):
    shape_, kernel, stride, padding, dilation = case
    geometry = conv.ConvGeometry(stride, padding, dilation)
    out_h, out_w = geometry.output_size(shape_[2:], kernel)
    cols = np.random.default_rng(2).standard_normal(
        (shape_[1],) + kernel + (shape_[0], out_h, out_w)).astype(dtype)
    close(cuda_kernels.col2im(cols, shape_[2:], geometry),
          np.ascontiguousarray(conv.col2im(cols, shape_[2:], geometry)), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_col2im_is_the_adjoint_of_im2col(dtype):
    """<im2col(x), c> = <x, col2im(c)>: checked with the kernels alone, no twin involved."""
    rng = np.random.default_rng(3)
    geometry = conv.ConvGeometry((2, 1), (1, 2, 0, 1), (1, 2))
    x = rng.standard_normal((2, 3, 7, 6))
    out_size = geometry.output_size(x.shape[2:], (3, 2))
    cols = rng.standard_normal((3, 3, 2, 2) + out_size)
    lhs = np.sum(cuda_kernels.im2col(x, (3, 2), geometry, out_size) * cols)
    rhs = np.sum(x.transpose(1, 0, 2, 3) * cuda_kernels.col2im(cols, x.shape[2:], geometry))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------------------------

POOL_CASES = [  # input size, kernel, stride, padding, dilation, ceil_mode
    ((7, 6), (2, 2), (2, 2), (0, 0), (1, 1), False),
    ((7, 6), (3, 3), (2, 2), (1, 1), (1, 1), True),
    ((8, 9), (3, 2), (1, 2), (1, 0), (2, 1), False),
    ((5, 5), (2, 3), (3, 1), (1, 1), (1, 2), True),
    ((3, 2), (1, 2), (1, 1), (0, 1), (1, 3), False),  # every window reads padding only
]


def _setup(case, op="max_pool2d"):
    size, kernel, stride, padding, dilation, ceil_mode = case
    return pool._PoolSetup(op, size, kernel, stride, padding, dilation, ceil_mode)


def _top_left(setup):
    top, _, left, _ = setup.geometry.padding
    return top, left


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", POOL_CASES)
def test_max_pool2d_forward_matches_numpy(case, dtype):
    setup = _setup(case)
    rng = np.random.default_rng(4)
    # small integers: many ties, which must go to the first maximum as argmax does
    x = rng.integers(-3, 4, size=(2, 3) + case[0]).astype(dtype)
    x[0, 0, 0, 0] = -np.inf
    x[1, 2, 1, 1] = np.nan
    twin = pool.MaxPool2d(setup)
    expected = twin.forward(x)
    y, indices = cuda_kernels.max_pool2d_forward(x, setup.kernel, setup.stride,
                                                 setup.dilation, _top_left(setup),
                                                 setup.out_size)
    np.testing.assert_array_equal(y, expected)
    assert indices.dtype == np.int64
    np.testing.assert_array_equal(indices, twin.indices)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", POOL_CASES)
def test_max_pool2d_backward_matches_numpy(case, dtype):
    setup = _setup(case)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3) + case[0]).astype(dtype)
    twin = pool.MaxPool2d(setup)
    twin.forward(x)
    grad = rng.standard_normal((2, 3) + setup.out_size).astype(dtype)
    expected = pool.ScatterSpatial(twin.indices, case[0]).forward(grad)
    close(cuda_kernels.max_pool2d_backward(grad, twin.indices, case[0]), expected, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("case", [c for c in POOL_CASES if c[4] == (1, 1)])
def test_avg_pool2d_matches_numpy(case, count_include_pad, dtype):
    setup = _setup(case, "avg_pool2d")
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 3) + case[0]).astype(dtype)
    divisor = pool._avg_divisor(setup, case[0], count_include_pad, None, np, dtype)
    y = cuda_kernels.avg_pool2d_forward(x, setup.kernel, setup.stride, _top_left(setup),
                                        setup.out_size, divisor)
    close(y, pool.AvgPool2d(setup, divisor).forward(x), dtype)
    grad = rng.standard_normal(y.shape).astype(dtype)
    expected = pool.AvgPool2dAdjoint(setup, divisor, case[0]).forward(grad)
    grad_x = cuda_kernels.avg_pool2d_backward(grad, setup.kernel, setup.stride,
                                              _top_left(setup), case[0], divisor)
    close(grad_x, np.ascontiguousarray(expected), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_avg_pool2d_with_divisor_override(dtype):
    setup = _setup(POOL_CASES[1], "avg_pool2d")
    x = np.random.default_rng(7).standard_normal((1, 2, 7, 6)).astype(dtype)
    y = cuda_kernels.avg_pool2d_forward(x, setup.kernel, setup.stride, _top_left(setup),
                                        setup.out_size, 5)
    close(y, pool.AvgPool2d(setup, 5).forward(x), dtype)


# ---------------------------------------------------------------------------------------------
# Recurrent cells
# ---------------------------------------------------------------------------------------------


def _lstm_arrays(dtype, batch=3, hidden=5, seed=8):
    rng = np.random.default_rng(seed)
    gates_x = (2 * rng.standard_normal((batch, 4 * hidden))).astype(dtype)
    gates_x[0, 0] = 200.0  # sigmoid saturates: exp(-200) underflows, exp(200) overflows in f32
    gates_x[1, 1] = -200.0
    h = rng.standard_normal((batch, hidden)).astype(dtype)
    c = rng.standard_normal((batch, hidden)).astype(dtype)
    w_hh = (0.5 * rng.standard_normal((4 * hidden, hidden))).astype(dtype)
    return gates_x, h, c, w_hh


@pytest.mark.parametrize("dtype", DTYPES)
def test_lstm_cell_forward_matches_numpy(dtype):
    gates_x, h, c, w_hh = _lstm_arrays(dtype)
    twin = rnn.LSTMCellFunction(save=True)
    with np.errstate(over="ignore"):
        h_expected, c_expected = twin.forward(gates_x, h, c, w_hh)
    act = np.matmul(h, w_hh.T)
    act += gates_x
    h_new, c_new, k, m, f = cuda_kernels.lstm_cell_forward(act, c, save=True)
    for actual, expected in ((h_new, h_expected), (c_new, c_expected), (k, twin.k),
                             (m, twin.m), (f, twin.f)):
        close(actual, expected, dtype)
    h_only, c_only, *unsaved = cuda_kernels.lstm_cell_forward(act, c, save=False)
    close(h_only, h_expected, dtype)
    assert unsaved == [None, None, None]


@pytest.mark.parametrize("dtype", DTYPES)
def test_lstm_cell_backward_matches_numpy(dtype):
    arrays = _lstm_arrays(dtype, seed=9)
    tensors = [minigrad.tensor(a, requires_grad=True) for a in arrays]
    rng = np.random.default_rng(10)
    grad_h = rng.standard_normal(arrays[1].shape).astype(dtype)
    grad_c = rng.standard_normal(arrays[1].shape).astype(dtype)
    twin = rnn.LSTMCellFunction(save=True)
    with np.errstate(over="ignore"):
        h_new, c_new = rnn.lstm_cell_fused(*tensors)
        twin.forward(*arrays)
    minigrad.autograd.backward([h_new, c_new], [minigrad.tensor(grad_h),
                                                minigrad.tensor(grad_c)])
    da, grad_c_prev = cuda_kernels.lstm_cell_backward(grad_h, grad_c, twin.k, twin.m, twin.f)
    close(da, tensors[0].grad.numpy(), dtype)
    close(grad_c_prev, tensors[2].grad.numpy(), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_gru_cell_forward_matches_numpy(dtype):
    rng = np.random.default_rng(11)
    batch, hidden = 4, 3
    gates_x = (2 * rng.standard_normal((batch, 3 * hidden))).astype(dtype)
    h = rng.standard_normal((batch, hidden)).astype(dtype)
    w_hh = rng.standard_normal((3 * hidden, hidden)).astype(dtype)
    b_hh = rng.standard_normal(3 * hidden).astype(dtype)
    twin = rnn.GRUCellFunction(save=True)
    expected = twin.forward(gates_x, h, w_hh, b_hh)
    gates_h = np.matmul(h, w_hh.T)
    gates_h += b_hh
    h_new, mx, mh, z = cuda_kernels.gru_cell_forward(gates_x, gates_h, h, save=True)
    for actual, wanted in ((h_new, expected), (mx, twin.mx), (mh, twin.mh), (z, twin.z)):
        close(actual, np.ascontiguousarray(wanted), dtype)


# ---------------------------------------------------------------------------------------------
# Softmax cross-entropy
# ---------------------------------------------------------------------------------------------

CROSS_ENTROPY_CASES = [  # weighted, ignore_index, label_smoothing, reduction
    (False, -100, 0.0, "mean"),
    (True, 2, 0.0, "sum"),
    (False, 1, 0.1, "none"),
    (True, -100, 0.25, "mean"),
]


def _cross_entropy_inputs(dtype, weighted, seed=12):
    rng = np.random.default_rng(seed)
    x = (3 * rng.standard_normal((6, 5))).astype(dtype)
    x[0] *= 1e4  # log-sum-exp must stay finite
    target = rng.integers(0, 5, size=6)
    target[3] = 2
    weight = rng.uniform(0.5, 2.0, size=5).astype(dtype) if weighted else None
    return x, target, weight


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CROSS_ENTROPY_CASES)
def test_softmax_cross_entropy_forward_matches_numpy(case, dtype):
    weighted, ignore_index, smoothing, _ = case
    x, target, weight = _cross_entropy_inputs(dtype, weighted)
    twin = SoftmaxCrossEntropy(target, weight, ignore_index, "none", smoothing)
    expected = twin.forward(x)
    losses, probs, target_weight = cuda_kernels.softmax_cross_entropy_forward(
        x, target, weight, ignore_index, smoothing)
    close(losses, expected, dtype)
    close(probs, twin.probs, dtype)
    close(target_weight, twin._target_weights(np, x.dtype)[2], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CROSS_ENTROPY_CASES)
def test_softmax_cross_entropy_backward_matches_numpy(case, dtype):
    weighted, ignore_index, smoothing, reduction = case
    x, target, weight = _cross_entropy_inputs(dtype, weighted, seed=13)
    logits = minigrad.tensor(x, requires_grad=True)
    loss = softmax_cross_entropy(logits, minigrad.tensor(target),
                                 None if weight is None else minigrad.tensor(weight),
                                 ignore_index, reduction, smoothing)
    upstream = np.random.default_rng(14).standard_normal(loss.shape).astype(dtype)
    loss.backward(minigrad.tensor(upstream))
    _, probs, target_weight = cuda_kernels.softmax_cross_entropy_forward(
        x, target, weight, ignore_index, smoothing)
    scale = upstream / target_weight.sum() if reduction == "mean" else upstream
    grad_x = cuda_kernels.softmax_cross_entropy_backward(probs, target, weight, ignore_index,
                                                         smoothing, scale.astype(dtype))
    close(grad_x, logits.grad.numpy(), dtype)


# ---------------------------------------------------------------------------------------------
# Embedding backward, dropout
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_embedding_backward_matches_numpy(dtype):
    rng = np.random.default_rng(15)
    positions = rng.integers(-7, 7, size=(4, 6))  # repeats, and negative rows from the end
    values = rng.standard_normal((4, 6, 3)).astype(dtype)
    start = rng.standard_normal((7, 3)).astype(dtype)
    expected = start.copy()
    shape._scatter_add_rows(expected, positions, values)
    actual = start.copy()
    cuda_kernels.embedding_backward(actual, positions, values)
    close(actual, expected, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_dropout_mask_matches_numpy(p, dtype):
    like = minigrad.zeros(5, 7, dtype=minigrad.float32 if dtype == np.float32 else
                          minigrad.float64)
    backend.manual_seed(16)
    expected = dropout_module._keep_mask(like, (5, 7), p) / dtype(1.0 - p)
    backend.manual_seed(16)
    uniform = backend.generator("cpu").random((5, 7), dtype=np.float32)
    mask = cuda_kernels.dropout_mask(uniform, p, dtype)
    np.testing.assert_array_equal(mask, expected)
    assert mask.dtype == dtype
    backend.manual_seed(0)


# ---------------------------------------------------------------------------------------------
# Optimizer steps
# ---------------------------------------------------------------------------------------------

SGD_CASES = [
    {"lr": 0.1},
    {"lr": 0.05, "momentum": 0.9},
    {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.01},
    {"lr": 0.02, "momentum": 0.9, "nesterov": True, "maximize": True},
    {"lr": 0.1, "weight_decay": 0.1, "maximize": True},
]


def _gradients(dtype, count=3, seed=17):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(12).astype(dtype) for _ in range(count)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("options", SGD_CASES)
def test_sgd_step_matches_numpy(options, dtype):
    start = np.random.default_rng(18).standard_normal(12).astype(dtype)
    param = minigrad.tensor(start.copy(), requires_grad=True)
    optimizer = minigrad.optim.SGD([param], **options)
    ours, buffer = start.copy(), None
    momentum = options.get("momentum", 0)
    for step, grad in enumerate(_gradients(dtype)):
        param.grad = minigrad.tensor(grad)
        optimizer.step()
        if momentum and buffer is None:
            buffer = np.empty_like(ours)
        cuda_kernels.sgd_step(ours, grad, buffer, options["lr"], momentum,
                              options.get("dampening", 0), options.get("weight_decay", 0),
                              options.get("nesterov", False), options.get("maximize", False),
                              first_step=step == 0)
        close(ours, param.data, dtype)
    if momentum:
        close(buffer, optimizer.state[param]["momentum_buffer"].data, dtype)


ADAM_CASES = [
    ("Adam", {}),
    ("Adam", {"weight_decay": 0.1, "amsgrad": True}),
    ("Adam", {"maximize": True, "betas": (0.8, 0.99), "eps": 1e-6}),
    ("AdamW", {}),
    ("AdamW", {"weight_decay": 0.3, "amsgrad": True, "maximize": True}),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, options", ADAM_CASES)
def test_adam_step_matches_numpy(name, options, dtype):
    start = np.random.default_rng(19).standard_normal(12).astype(dtype)
    param = minigrad.tensor(start.copy(), requires_grad=True)
    optimizer = getattr(minigrad.optim, name)([param], lr=0.01, **options)
    group = optimizer.param_groups[0]
    ours = start.copy()
    m, v, v_max = np.zeros_like(ours), np.zeros_like(ours), np.zeros_like(ours)
    for step, grad in enumerate(_gradients(dtype, seed=20), start=1):
        param.grad = minigrad.tensor(grad)
        optimizer.step()
        cuda_kernels.adam_step(ours, grad, m, v, v_max if group["amsgrad"] else None, step,
                               group["lr"], group["betas"], group["eps"], group["weight_decay"],
                               group["amsgrad"], group["maximize"],
                               group.get("decoupled_weight_decay", name == "AdamW"))
        close(ours, param.data, dtype)
    state = optimizer.state[param]
    close(m, state["exp_avg"].data, dtype)
    close(v, state["exp_avg_sq"].data, dtype)


def test_launcher_rejects_integer_arrays():
    with pytest.raises(TypeError, match="float32 or float64"):
        cuda_kernels.dropout_mask(np.zeros(3, np.float32), 0.5, np.int32)
