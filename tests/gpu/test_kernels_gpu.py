"""The CUDA kernels of kernels/ on a real GPU: each launcher (minigrad.cuda_kernels) on CuPy
arrays against its NumPy twin, and device parity of the layers that dispatch to them.

Runs only where ``minigrad.cuda.is_available()``; everywhere else the whole module is skipped.
The serial CPU run of the same kernels is tests/kernels/test_kernels_cpu.py; this file adds
what only a GPU shows: real parallel launches, atomics racing, and the compiled PTX.
"""

import numpy as np
import pytest

import minigrad
from minigrad import cuda_kernels, nn
from minigrad.nn import functional as F
from minigrad.ops import conv, pool, rnn, shape
from minigrad.ops.loss import SoftmaxCrossEntropy

if not minigrad.cuda.is_available():
    pytest.skip("CUDA is not available: GPU kernel tests skipped", allow_module_level=True)

import cupy  # noqa: E402  (importable only where the skip above did not fire)

DTYPES = [np.float32, np.float64]
# parallel float sums (atomics) and fused multiply-adds round differently from NumPy
TOLERANCE = {np.float32: {"rtol": 1e-5, "atol": 1e-5}, np.float64: {"rtol": 1e-12, "atol": 1e-12}}


def close(actual, expected, dtype):
    actual = cupy.asnumpy(actual) if isinstance(actual, cupy.ndarray) else actual
    expected = cupy.asnumpy(expected) if isinstance(expected, cupy.ndarray) else expected
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    np.testing.assert_allclose(actual, expected, **TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_im2col_and_col2im_match_numpy(dtype):
    rng = np.random.default_rng(0)
    geometry = conv.ConvGeometry((2, 1), (1, 2, 0, 1), (1, 2))
    x = rng.standard_normal((3, 4, 11, 9)).astype(dtype)
    out_size = geometry.output_size(x.shape[2:], (3, 2))
    close(cuda_kernels.im2col(cupy.asarray(x), (3, 2), geometry, out_size),
          conv.im2col(x, (3, 2), geometry, out_size), dtype)
    cols = rng.standard_normal((4, 3, 2, 3) + out_size).astype(dtype)
    close(cuda_kernels.col2im(cupy.asarray(cols), x.shape[2:], geometry),
          np.ascontiguousarray(conv.col2im(cols, x.shape[2:], geometry)), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_pooling_kernels_match_numpy(dtype):
    rng = np.random.default_rng(1)
    setup = pool._PoolSetup("max_pool2d", (13, 12), (3, 3), (2, 2), (1, 1), (1, 1), True)
    x = rng.standard_normal((4, 5, 13, 12)).astype(dtype)
    twin = pool.MaxPool2d(setup)
    expected = twin.forward(x)
    top, _, left, _ = setup.geometry.padding
    y, indices = cuda_kernels.max_pool2d_forward(cupy.asarray(x), setup.kernel, setup.stride,
                                                 setup.dilation, (top, left), setup.out_size)
    close(y, expected, dtype)
    np.testing.assert_array_equal(cupy.asnumpy(indices), twin.indices)
    grad = rng.standard_normal(expected.shape).astype(dtype)
    close(cuda_kernels.max_pool2d_backward(cupy.asarray(grad), indices, (13, 12)),
          pool.ScatterSpatial(twin.indices, (13, 12)).forward(grad), dtype)
    divisor = pool._avg_divisor(setup, (13, 12), False, None, np, dtype)
    close(cuda_kernels.avg_pool2d_forward(cupy.asarray(x), setup.kernel, setup.stride,
                                          (top, left), setup.out_size, cupy.asarray(divisor)),
          pool.AvgPool2d(setup, divisor).forward(x), dtype)
    close(cuda_kernels.avg_pool2d_backward(cupy.asarray(grad), setup.kernel, setup.stride,
                                           (top, left), (13, 12), cupy.asarray(divisor)),
          np.ascontiguousarray(pool.AvgPool2dAdjoint(setup, divisor, (13, 12)).forward(grad)),
          dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_recurrent_kernels_match_numpy(dtype):
    rng = np.random.default_rng(2)
    batch, hidden = 7, 33
    gates_x = rng.standard_normal((batch, 4 * hidden)).astype(dtype)
    h = rng.standard_normal((batch, hidden)).astype(dtype)
    c = rng.standard_normal((batch, hidden)).astype(dtype)
    w_hh = rng.standard_normal((4 * hidden, hidden)).astype(dtype)
    twin = rnn.LSTMCellFunction(save=True)
    h_expected, c_expected = twin.forward(gates_x, h, c, w_hh)
    act = cupy.asarray(h) @ cupy.asarray(w_hh).T + cupy.asarray(gates_x)
    h_new, c_new, k, m, f = cuda_kernels.lstm_cell_forward(act, cupy.asarray(c), save=True)
    for actual, expected in ((h_new, h_expected), (c_new, c_expected), (k, twin.k),
                             (m, twin.m), (f, twin.f)):
        close(actual, expected, dtype)
    grad_h = rng.standard_normal((batch, hidden)).astype(dtype)
    grad_c = rng.standard_normal((batch, hidden)).astype(dtype)
    da, grad_c_prev = cuda_kernels.lstm_cell_backward(cupy.asarray(grad_h),
                                                      cupy.asarray(grad_c), k, m, f)
    dc = grad_c + grad_h * twin.k
    close(da, np.concatenate([dc, dc, dc, grad_h], axis=1) * twin.m, dtype)
    close(grad_c_prev, dc * twin.f, dtype)

    gru_x = rng.standard_normal((batch, 3 * hidden)).astype(dtype)
    gru_w = rng.standard_normal((3 * hidden, hidden)).astype(dtype)
    gru_b = rng.standard_normal(3 * hidden).astype(dtype)
    gru = rnn.GRUCellFunction(save=True)
    expected = gru.forward(gru_x, h, gru_w, gru_b)
    gates_h = cupy.asarray(h) @ cupy.asarray(gru_w).T + cupy.asarray(gru_b)
    h_gru, mx, mh, z = cuda_kernels.gru_cell_forward(cupy.asarray(gru_x), gates_h,
                                                     cupy.asarray(h), save=True)
    for actual, wanted in ((h_gru, expected), (mx, gru.mx), (mh, gru.mh), (z, gru.z)):
        close(actual, np.ascontiguousarray(wanted), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_embedding_and_dropout_kernels_match_numpy(dtype):
    rng = np.random.default_rng(3)
    x = (3 * rng.standard_normal((50, 10))).astype(dtype)
    target = rng.integers(0, 10, size=50)
    weight = rng.uniform(0.5, 2, size=10).astype(dtype)
    twin = SoftmaxCrossEntropy(target, weight, 3, "none", 0.1)
    expected = twin.forward(x)
    losses, probs, _ = cuda_kernels.softmax_cross_entropy_forward(
        cupy.asarray(x), cupy.asarray(target), cupy.asarray(weight), 3, 0.1)
    close(losses, expected, dtype)
    close(probs, twin.probs, dtype)

    positions = rng.integers(0, 20, size=(64, 3))
    values = rng.standard_normal((64, 3, 8)).astype(dtype)
    expected_table = np.zeros((20, 8), dtype)
    shape._scatter_add_rows(expected_table, positions, values)
    table = cupy.zeros((20, 8), dtype)
    cuda_kernels.embedding_backward(table, cupy.asarray(positions), cupy.asarray(values))
    close(table, expected_table, dtype)

    uniform = rng.random(1000, dtype=np.float32)
    mask = cuda_kernels.dropout_mask(cupy.asarray(uniform), 0.3, dtype)
    np.testing.assert_array_equal(cupy.asnumpy(mask), (uniform >= np.float32(0.3)).astype(dtype)
                                  / dtype(0.7))


# ---------------------------------------------------------------------------------------------
# Device parity of layers that dispatch to the kernels
# ---------------------------------------------------------------------------------------------


def _parity(make_loss, parameters, dtype=np.float32):
    """Run make_loss() on cpu and cuda; compare the loss and every parameter's gradient."""
    results = {}
    for device in ("cpu", "cuda"):
        for p in parameters:
            p.grad = None
        moved = [p.to(device).detach().requires_grad_() for p in parameters]
        loss = make_loss(device, moved)
        loss.backward()
        results[device] = [loss.cpu().numpy()] + [m.grad.cpu().numpy() for m in moved]
    for cpu_value, cuda_value in zip(results["cpu"], results["cuda"]):
        close(cuda_value, cpu_value, dtype)


def test_conv_and_pool_layers_match_the_cpu():
    minigrad.manual_seed(0)
    x = minigrad.randn(4, 3, 12, 12)
    w = minigrad.randn(6, 3, 3, 3) * 0.2
    t = minigrad.randn(6, 3, 3, 3) * 0.2

    def loss(device, params):
        weight, transposed = params
        y = F.conv2d(x.to(device), weight, stride=1, padding=1)
        y = F.max_pool2d(y, 2) + F.avg_pool2d(y, 3, stride=2, padding=1, ceil_mode=True)[
            :, :, :6, :6]
        y = F.conv_transpose2d(y, transposed, stride=2)
        return (y * y).mean()

    _parity(loss, [w, t])


def test_lstm_and_cross_entropy_match_the_cpu():
    minigrad.manual_seed(1)
    model = nn.Sequential(nn.Embedding(11, 6), nn.LSTM(6, 16))
    head = nn.Linear(16, 7)
    rng = np.random.default_rng(4)
    tokens = minigrad.tensor(rng.integers(0, 11, size=(9, 4)))
    target = minigrad.tensor(rng.integers(0, 7, size=36))
    results = {}
    for device in ("cpu", "cuda"):
        model.to(device)
        head.to(device)
        parameters = list(model.parameters()) + list(head.parameters())
        for p in parameters:
            p.grad = None
        out, _ = model(tokens.to(device))
        loss = F.cross_entropy(head(out).reshape(-1, 7), target.to(device),
                               label_smoothing=0.1)
        loss.backward()
        results[device] = [loss.cpu().detach().numpy()] + [p.grad.cpu().numpy()
                                                            for p in parameters]
    for cpu_value, cuda_value in zip(results["cpu"], results["cuda"]):
        close(cuda_value, cpu_value, np.float32)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW"])
def test_optimizer_steps_match_the_cpu(name):
    rng = np.random.default_rng(5)
    start = rng.standard_normal((17, 9)).astype(np.float32)
    grads = [rng.standard_normal((17, 9)).astype(np.float32) for _ in range(4)]
    options = {"lr": 0.01, "momentum": 0.9, "nesterov": True} if name == "SGD" else \
        {"lr": 0.01, "weight_decay": 0.05, "amsgrad": True}
    finals = {}
    for device in ("cpu", "cuda"):
        param = minigrad.tensor(start.copy(), device=device, requires_grad=True)
        optimizer = getattr(minigrad.optim, name)([param], **options)
        for grad in grads:
            param.grad = minigrad.tensor(grad, device=device)
            optimizer.step()
        finals[device] = param.cpu().detach().numpy()
    close(finals["cuda"], finals["cpu"], np.float32)
