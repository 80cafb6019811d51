"""The one loader of minigrad's hand-written CUDA kernels, and their array-level launchers.

Holds:
    runs_on(*arrays)           -- True when the kernels take these arrays: CuPy, float32/float64
    kernel_source(stem)        -- the text of ``kernels/<stem>.cu`` (installed as minigrad.kernels)
    get_function(stem, name)   -- that file compiled once per process by ``cupy.RawModule``,
                                  and its kernel ``name``
    launcher                   -- how a kernel is run: ``launch_on_gpu`` (a 1-D grid of
                                  256-thread blocks); the CPU test harness swaps in its own
    one launcher per kernel    -- im2col, col2im, max_pool2d_forward, max_pool2d_backward,
                                  avg_pool2d_forward, avg_pool2d_backward, lstm_cell_forward,
                                  lstm_cell_backward, gru_cell_forward,
                                  softmax_cross_entropy_forward, softmax_cross_entropy_backward,
                                  embedding_backward, dropout_mask, sgd_step, adam_step

Each ``.cu`` file holds a float and a double entry point per kernel (``im2col_f32`` and
``im2col_f64``); the launchers pick one from the arrays' dtype, allocate the outputs with the
arrays' own module (``cupy`` on the GPU, ``numpy`` in the CPU harness) and pass every scalar
with the C type the kernel declares.  Kernels are 1-D grid-stride loops, so any grid size is
correct; the launch uses enough 256-thread blocks to give each thread about one element.

Importing this module needs no CuPy: it is imported by the ops only inside their GPU branches,
and CuPy is asked for (through ``minigrad.backend``) the first time a kernel is compiled.
"""

from __future__ import annotations

import importlib.resources
import math
from pathlib import Path

import numpy as np

from . import backend

__all__ = ["runs_on", "kernel_source", "get_function", "launch_on_gpu", "im2col", "col2im",
           "max_pool2d_forward", "max_pool2d_backward", "avg_pool2d_forward",
           "avg_pool2d_backward", "lstm_cell_forward", "lstm_cell_backward", "gru_cell_forward",
           "softmax_cross_entropy_forward", "softmax_cross_entropy_backward",
           "embedding_backward", "dropout_mask", "sgd_step", "adam_step"]

BLOCK_SIZE = 256
MAX_BLOCKS = 65535

_modules: dict[str, object] = {}  # file stem -> compiled cupy.RawModule, one per process


# ---------------------------------------------------------------------------------------------
# Loading and launching
# ---------------------------------------------------------------------------------------------


def runs_on(*arrays) -> bool:
    """True when every array is a CuPy array of float32 or float64 (the dtypes the kernels are
    compiled for): the condition of each op's GPU branch.  Always False without CuPy."""
    return all(backend.is_cuda_array(a) and a.dtype in (np.float32, np.float64) for a in arrays)


def kernel_source(stem: str) -> str:
    """The CUDA C source of ``kernels/<stem>.cu``: from the installed package
    ``minigrad.kernels``, or from the repository's ``kernels/`` folder when minigrad runs from
    a source checkout that was not installed."""
    filename = f"{stem}.cu"
    try:
        return importlib.resources.files("minigrad.kernels").joinpath(filename).read_text(
            encoding="utf-8")
    except ModuleNotFoundError:
        checkout = Path(__file__).resolve().parent.parent / "kernels" / filename
        return checkout.read_text(encoding="utf-8")


def get_function(stem: str, name: str):
    """Kernel ``name`` of ``kernels/<stem>.cu``; the file is compiled on first use and cached."""
    module = _modules.get(stem)
    if module is None:
        cupy = backend.cupy_module()
        if cupy is None:
            raise RuntimeError(f"CUDA kernel {stem}.cu needs CuPy and a GPU, but "
                               "minigrad.cuda.is_available() is False")
        module = cupy.RawModule(code=kernel_source(stem), options=("--std=c++14",))
        _modules[stem] = module
    return module.get_function(name)


def launch_on_gpu(stem: str, name: str, count: int, args: tuple) -> None:
    """Run kernel ``name`` over ``count`` elements: a 1-D grid of BLOCK_SIZE-thread blocks."""
    blocks = max(1, min(MAX_BLOCKS, math.ceil(count / BLOCK_SIZE)))
    get_function(stem, name)((blocks,), (BLOCK_SIZE,), args)


launcher = launch_on_gpu  # tests/kernels/ replaces it with a serial CPU launcher


def _run(stem: str, base: str, dtype, count: int, args: tuple) -> None:
    if count > 0:
        launcher(stem, f"{base}_{_suffix(dtype)}", count, args)


def _suffix(dtype) -> str:
    dtype = np.dtype(dtype)
    if dtype == np.float32:
        return "f32"
    if dtype == np.float64:
        return "f64"
    raise TypeError(f"the CUDA kernels take float32 or float64 arrays, got dtype {dtype}")


def _real(dtype, value):
    """A Python number as the kernel's float or double scalar."""
    return np.dtype(dtype).type(value)


def _ll(value) -> np.int64:
    return np.int64(value)


def _flag(value) -> np.int32:
    return np.int32(1 if value else 0)


def _module(array):
    return backend.get_array_module(array)


def _contiguous(array):
    return _module(array).ascontiguousarray(array)


# ---------------------------------------------------------------------------------------------
# Convolution: im2col / col2im  (kernels/im2col.cu, kernels/col2im.cu)
# ---------------------------------------------------------------------------------------------


def im2col(x, kernel, geometry, out_size):
    """cols (C, kh, kw, N, Ho, Wo) of an (N, C, H, W) array (any strides), as ops.conv.im2col."""
    xp = _module(x)
    batch, channels, height, width = x.shape
    (kh, kw), (sh, sw), (dh, dw) = kernel, geometry.stride, geometry.dilation
    top, _, left, _ = geometry.padding
    cols = xp.empty((channels, kh, kw, batch, out_size[0], out_size[1]), dtype=x.dtype)
    strides = [s // x.itemsize for s in x.strides]
    args = (x, cols) + tuple(_ll(v) for v in (batch, channels, height, width, kh, kw, sh, sw,
                                              top, left, dh, dw, out_size[0], out_size[1],
                                              *strides))
    _run("im2col", "im2col", x.dtype, cols.size, args)
    return cols


def col2im(cols, in_size, geometry):
    """The (C, N, H, W) sum of cols (C, kh, kw, N, Ho, Wo) onto the input, as ops.conv.col2im."""
    cols = _contiguous(cols)
    channels, kh, kw, batch, out_h, out_w = cols.shape
    height, width = in_size
    (sh, sw), (dh, dw) = geometry.stride, geometry.dilation
    top, _, left, _ = geometry.padding
    out = _module(cols).empty((channels, batch, height, width), dtype=cols.dtype)
    args = (cols, out) + tuple(_ll(v) for v in (channels, batch, height, width, kh, kw, sh, sw,
                                                top, left, dh, dw, out_h, out_w))
    _run("col2im", "col2im", cols.dtype, out.size, args)
    return out


# ---------------------------------------------------------------------------------------------
# Pooling  (kernels/max_pool2d.cu, kernels/avg_pool2d.cu)
# ---------------------------------------------------------------------------------------------


def max_pool2d_forward(x, kernel, stride, dilation, padding, out_size):
    """y and the int64 flat argmax positions (both (N, C, Ho, Wo)) of max pooling;
    ``padding`` is (top, left)."""
    x = _contiguous(x)
    xp = _module(x)
    batch, channels, height, width = x.shape
    y = xp.empty((batch, channels) + tuple(out_size), dtype=x.dtype)
    indices = xp.empty(y.shape, dtype=np.int64)
    args = (x, y, indices) + tuple(_ll(v) for v in (
        batch * channels, height, width, kernel[0], kernel[1], stride[0], stride[1], padding[0],
        padding[1], dilation[0], dilation[1], out_size[0], out_size[1]))
    _run("max_pool2d", "max_pool2d_forward", x.dtype, y.size, args)
    return y, indices


def max_pool2d_backward(values, indices, out_size):
    """out[n, c, indices[n, c, k]] += values[n, c, k] into zeros of shape (N, C, *out_size)."""
    xp = _module(values)
    values = _contiguous(values)
    batch, channels = values.shape[:2]
    indices = xp.ascontiguousarray(xp.broadcast_to(indices, values.shape), dtype=np.int64)
    plane_size = math.prod(out_size)
    out = xp.zeros((batch, channels) + tuple(out_size), dtype=values.dtype)
    positions = values.size // max(1, batch * channels)
    args = (values, indices, out, _ll(batch * channels), _ll(positions), _ll(plane_size))
    _run("max_pool2d", "max_pool2d_backward", values.dtype, values.size, args)
    return out


def _divisor_array(divisor, out_size, xp, dtype):
    """The divisor of every output as a contiguous (Ho, Wo) array."""
    return xp.ascontiguousarray(xp.broadcast_to(xp.asarray(divisor, dtype=dtype),
                                                tuple(out_size)))


def avg_pool2d_forward(x, kernel, stride, padding, out_size, divisor):
    """Window sums of x (N, C, H, W) over divisor (a number or an (Ho, Wo) array)."""
    x = _contiguous(x)
    xp = _module(x)
    batch, channels, height, width = x.shape
    y = xp.empty((batch, channels) + tuple(out_size), dtype=x.dtype)
    divisors = _divisor_array(divisor, out_size, xp, x.dtype)
    args = (x, divisors, y) + tuple(_ll(v) for v in (
        batch * channels, height, width, kernel[0], kernel[1], stride[0], stride[1], padding[0],
        padding[1], out_size[0], out_size[1]))
    _run("avg_pool2d", "avg_pool2d_forward", x.dtype, y.size, args)
    return y


def avg_pool2d_backward(grad, kernel, stride, padding, in_size, divisor):
    """The adjoint of avg_pool2d_forward: grad (N, C, Ho, Wo) spread back to (N, C, H, W)."""
    grad = _contiguous(grad)
    xp = _module(grad)
    batch, channels, out_h, out_w = grad.shape
    height, width = in_size
    out = xp.empty((batch, channels, height, width), dtype=grad.dtype)
    divisors = _divisor_array(divisor, (out_h, out_w), xp, grad.dtype)
    args = (grad, divisors, out) + tuple(_ll(v) for v in (
        batch * channels, height, width, kernel[0], kernel[1], stride[0], stride[1], padding[0],
        padding[1], out_h, out_w))
    _run("avg_pool2d", "avg_pool2d_backward", grad.dtype, out.size, args)
    return out


# ---------------------------------------------------------------------------------------------
# Recurrent cells  (kernels/lstm_cell.cu, kernels/gru_cell.cu)
# ---------------------------------------------------------------------------------------------


def lstm_cell_forward(act, c_prev, save: bool):
    """h, c and (when ``save``) k, m, f of an LSTM step from the pre-activations act (B, 4H);
    k, m, f are None without ``save``."""
    act, c_prev = _contiguous(act), _contiguous(c_prev)
    xp = _module(act)
    batch, hidden = c_prev.shape
    h = xp.empty_like(c_prev)
    c = xp.empty_like(c_prev)
    k = xp.empty_like(c_prev) if save else h  # unused placeholders when not saving
    m = xp.empty_like(act) if save else act
    f = xp.empty_like(c_prev) if save else h
    args = (act, c_prev, h, c, k, m, f, _ll(batch), _ll(hidden), _flag(save))
    _run("lstm_cell", "lstm_cell_forward", act.dtype, h.size, args)
    return (h, c, k, m, f) if save else (h, c, None, None, None)


def lstm_cell_backward(grad_h, grad_c, k, m, f):
    """da (B, 4H) and grad_c_prev (B, H) of an LSTM step."""
    grad_h, grad_c = _contiguous(grad_h), _contiguous(grad_c)
    xp = _module(grad_h)
    batch, hidden = grad_h.shape
    da = xp.empty((batch, 4 * hidden), dtype=grad_h.dtype)
    grad_c_prev = xp.empty_like(grad_h)
    args = (grad_h, grad_c, k, m, f, da, grad_c_prev, _ll(batch), _ll(hidden))
    _run("lstm_cell", "lstm_cell_backward", grad_h.dtype, grad_h.size, args)
    return da, grad_c_prev


def gru_cell_forward(gates_x, gates_h, h_prev, save: bool):
    """h and (when ``save``) mx, mh, z of a GRU step; gates_h = h W_hh^T + b_hh."""
    gates_x, gates_h, h_prev = (_contiguous(a) for a in (gates_x, gates_h, h_prev))
    xp = _module(h_prev)
    batch, hidden = h_prev.shape
    h = xp.empty_like(h_prev)
    mx = xp.empty_like(gates_x) if save else gates_h
    mh = xp.empty_like(gates_x) if save else gates_h
    z = xp.empty_like(h_prev) if save else h
    args = (gates_x, gates_h, h_prev, h, mx, mh, z, _ll(batch), _ll(hidden), _flag(save))
    _run("gru_cell", "gru_cell_forward", h.dtype, h.size, args)
    return (h, mx, mh, z) if save else (h, None, None, None)


# ---------------------------------------------------------------------------------------------
# Softmax cross-entropy  (kernels/softmax_cross_entropy.cu)
# ---------------------------------------------------------------------------------------------


def _cross_entropy_scalars(x, weight, ignore_index: int, label_smoothing: float):
    classes = x.shape[1]
    has_weight = weight is not None
    weight = _contiguous(weight) if has_weight else x  # placeholder, never read
    return (weight, _ll(ignore_index), _flag(has_weight), _flag(label_smoothing > 0),
            _real(x.dtype, 1 - label_smoothing), _real(x.dtype, label_smoothing / classes))


def softmax_cross_entropy_forward(x, target, weight, ignore_index: int,
                                  label_smoothing: float):
    """losses (M,), probs (M, C) and target weights v_i w[t_i] (M,) of logits x (M, C)."""
    x = _contiguous(x)
    xp = _module(x)
    target = xp.ascontiguousarray(target, dtype=np.int64)
    rows, classes = x.shape
    losses = xp.empty(rows, dtype=x.dtype)
    probs = xp.empty_like(x)
    target_weight = xp.empty(rows, dtype=x.dtype)
    weight, ignore, has_weight, smoothing, one_minus_e, e_over_c = _cross_entropy_scalars(
        x, weight, ignore_index, label_smoothing)
    args = (x, target, weight, losses, probs, target_weight, _ll(rows), _ll(classes), ignore,
            has_weight, smoothing, one_minus_e, e_over_c)
    _run("softmax_cross_entropy", "softmax_cross_entropy_forward", x.dtype, rows, args)
    return losses, probs, target_weight


def softmax_cross_entropy_backward(probs, target, weight, ignore_index: int,
                                   label_smoothing: float, scale):
    """grad_x (M, C) = ((sum_c q) probs - q) * scale[:, None]; ``scale`` (M,) or a number."""
    probs = _contiguous(probs)
    xp = _module(probs)
    target = xp.ascontiguousarray(target, dtype=np.int64)
    rows, classes = probs.shape
    scale = xp.ascontiguousarray(xp.broadcast_to(xp.asarray(scale, dtype=probs.dtype), (rows,)))
    grad_x = xp.empty_like(probs)
    weight, ignore, has_weight, smoothing, one_minus_e, e_over_c = _cross_entropy_scalars(
        probs, weight, ignore_index, label_smoothing)
    args = (probs, target, weight, scale, grad_x, _ll(rows), _ll(classes), ignore, has_weight,
            smoothing, one_minus_e, e_over_c)
    _run("softmax_cross_entropy", "softmax_cross_entropy_backward", probs.dtype, rows, args)
    return grad_x


# ---------------------------------------------------------------------------------------------
# Embedding backward and dropout  (kernels/embedding_backward.cu, kernels/dropout.cu)
# ---------------------------------------------------------------------------------------------


def embedding_backward(target, positions, values) -> None:
    """target[positions] += values in place (rows picked twice get both); target C-contiguous
    of shape (R, ...), positions any integer shape P, values P + target.shape[1:]."""
    xp = _module(target)
    rows = target.shape[0]
    width = target.size // max(1, rows)
    positions = xp.ascontiguousarray(positions.reshape(-1), dtype=np.int64)
    values = xp.ascontiguousarray(values, dtype=target.dtype)
    args = (positions, values, target, _ll(positions.size), _ll(rows), _ll(width))
    _run("embedding_backward", "embedding_backward", target.dtype, values.size, args)


def dropout_mask(uniform, p: float, dtype):
    """(uniform >= p) / (1 - p) in ``dtype`` from float32 uniform draws."""
    uniform = _module(uniform).ascontiguousarray(uniform, dtype=np.float32)
    mask = _module(uniform).empty(uniform.shape, dtype=dtype)
    args = (uniform, mask, _ll(uniform.size), np.float32(p), _real(dtype, 1.0 - p))
    _run("dropout", "dropout_mask", dtype, uniform.size, args)
    return mask


# ---------------------------------------------------------------------------------------------
# Optimizer steps  (kernels/sgd.cu, kernels/adam.cu), in place on C-contiguous arrays
# ---------------------------------------------------------------------------------------------


def sgd_step(param, grad, buffer, lr: float, momentum: float, dampening: float,
             weight_decay: float, nesterov: bool, maximize: bool, first_step: bool) -> None:
    """One SGD update of param (and of the momentum buffer, when momentum != 0)."""
    dtype = param.dtype
    grad = _module(param).ascontiguousarray(grad, dtype=dtype)
    buffer = param if buffer is None else buffer  # not read without momentum
    args = (param, grad, buffer, _ll(param.size), _real(dtype, lr), _real(dtype, momentum),
            _real(dtype, 1 - dampening), _real(dtype, weight_decay), _flag(momentum != 0),
            _flag(first_step), _flag(dampening != 0), _flag(nesterov), _flag(maximize))
    _run("sgd", "sgd_step", dtype, param.size, args)


def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step: int, lr: float,
              betas: tuple, eps: float, weight_decay: float, amsgrad: bool, maximize: bool,
              decoupled: bool) -> None:
    """One Adam/AdamW update of param, exp_avg, exp_avg_sq (and max_exp_avg_sq with amsgrad);
    ``step`` is t, already counted."""
    dtype = param.dtype
    beta1, beta2 = betas
    grad = _module(param).ascontiguousarray(grad, dtype=dtype)
    max_exp_avg_sq = exp_avg_sq if max_exp_avg_sq is None else max_exp_avg_sq
    args = (param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, _ll(param.size),
            _real(dtype, beta1), _real(dtype, 1 - beta1), _real(dtype, beta2),
            _real(dtype, 1 - beta2), _real(dtype, eps), _real(dtype, weight_decay),
            _real(dtype, 1 - lr * weight_decay), _real(dtype, math.sqrt(1 - beta2 ** step)),
            _real(dtype, lr / (1 - beta1 ** step)), _flag(amsgrad), _flag(maximize),
            _flag(decoupled))
    _run("adam", "adam_step", dtype, param.size, args)
