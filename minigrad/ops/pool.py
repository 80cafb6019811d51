"""Pooling and resampling of (N, C, H, W) images.

Holds:
    max_pool2d(x, kernel_size, stride, padding, dilation, ceil_mode, return_indices)  MaxPool2d
    avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad,
               divisor_override)                          AvgPool2d and its adjoint AvgPool2dAdjoint
    adaptive_avg_pool2d(x, output_size)                   composite: P_h @ x @ P_w^T
    adaptive_max_pool2d(x, output_size, return_indices)   AdaptiveMaxPool2d
    max_unpool2d(x, indices, kernel_size, stride, padding, output_size)
    interpolate(x, size, scale_factor, mode, align_corners)
                                                          'nearest' gathers; 'bilinear'/'linear'
                                                          are composite: R_h @ x @ R_w^T
    ScatterSpatial / GatherSpatial   move values to / from flat positions h*W + w of each
                                     channel; each is the other's derivative
    pool_output_size(...)            PyTorch's output-size formula
    check_pool_arguments(...)        kernel/stride/padding/dilation checks (also for nn layers)

The max-pools remember, for every output, the flat index h*W + w of the input that won (the
``indices`` PyTorch returns).  Their gradient sends each output gradient to that position
(ScatterSpatial), and the gradient of that scatter reads values back from the same positions
(GatherSpatial), so max pooling is twice differentiable.

Average pooling is linear: AvgPool2d sums the window (one strided slice-add per kernel offset)
and divides; its adjoint AvgPool2dAdjoint spreads each value back over its window.  Adaptive
average pooling and bilinear interpolation are separable linear maps, written as two matrix
products with small (out, in) matrices built from PyTorch's index formulas.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .. import cuda_kernels, dtypes
from ..autograd import Function
from ..tensor import Tensor
from ._util import xp_of
from .conv import ConvGeometry
from .linalg import matmul
from .reduce import sum as reduce_sum
from .shape import reshape, transpose

__all__ = ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d",
           "max_unpool2d", "interpolate", "pool_output_size", "check_pool_arguments",
           "MaxPool2d", "AvgPool2d", "AvgPool2dAdjoint", "AdaptiveMaxPool2d", "ScatterSpatial",
           "GatherSpatial"]


# ---------------------------------------------------------------------------------------------
# Argument checking and geometry
# ---------------------------------------------------------------------------------------------


def _pair(value, name: str, op: str) -> tuple:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return (int(value), int(value))
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in value):
        return (int(value[0]), int(value[1]))
    raise TypeError(f"{op}: {name} must be an int or a tuple of 2 ints, got {value!r}")


def pool_output_size(size: int, kernel: int, stride: int, padding: int = 0, dilation: int = 1,
                     ceil_mode: bool = False) -> int:
    """PyTorch's pooling formula: floor (or ceil) of (size + 2p - d*(k-1) - 1)/s, plus 1; in
    ceil mode the last window must start inside the input or its left padding.

    >>> pool_output_size(28, 2, 2)
    14
    >>> pool_output_size(5, 2, 2), pool_output_size(5, 2, 2, ceil_mode=True)
    (2, 3)
    """
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    if ceil_mode:
        out = -(-span // stride) + 1
        if (out - 1) * stride >= size + padding:
            out -= 1
    else:
        out = span // stride + 1
    return out


def _check_image(x, op: str) -> tuple[Tensor, bool]:
    """A 4-D (N, C, H, W) input, or a 3-D (C, H, W) one as a batch of one."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(x).__name__}")
    if x.ndim == 3:
        return reshape(x, (1,) + tuple(x.shape)), True
    if x.ndim != 4:
        raise ValueError(f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got input "
                         f"of shape {tuple(x.shape)}")
    return x, False


def _unbatch(y, unbatched: bool):
    return reshape(y, y.shape[1:]) if unbatched else y


def check_pool_arguments(op: str, kernel_size, stride, padding, dilation=1) -> tuple:
    """kernel_size, stride (None: the kernel size), padding and dilation of a 2-D pooling as
    checked pairs: positive sizes, padding between 0 and half the kernel size (PyTorch's
    rule)."""
    kernel = _pair(kernel_size, "kernel_size", op)
    stride = kernel if stride is None or stride == () or stride == [] else \
        _pair(stride, "stride", op)
    padding = _pair(padding, "padding", op)
    dilation = _pair(dilation, "dilation", op)
    for name, values in (("kernel_size", kernel), ("stride", stride), ("dilation", dilation)):
        if min(values) <= 0:
            raise ValueError(f"{op}: {name} must be positive, got {values}")
    if min(padding) < 0:
        raise ValueError(f"{op}: padding must be non-negative, got {padding}")
    for k, p in zip(kernel, padding):
        if p > k // 2:
            raise ValueError(f"{op}: padding {padding} should be at most half of the kernel "
                             f"size {kernel}")
    return kernel, stride, padding, dilation


class _PoolSetup:
    """Checked kernel/stride/padding/dilation of a pooling call, its output size, and the
    ConvGeometry whose padding also covers the windows that ceil_mode lets run past the end."""

    def __init__(self, op, in_size, kernel_size, stride, padding, dilation, ceil_mode):
        kernel, stride, padding, dilation = check_pool_arguments(op, kernel_size, stride,
                                                                 padding, dilation)
        out = tuple(pool_output_size(in_size[i], kernel[i], stride[i], padding[i],
                                     dilation[i], ceil_mode) for i in range(2))
        if min(out) <= 0:
            raise ValueError(f"{op}: kernel of size {kernel} (dilation {dilation}, padding "
                             f"{padding}) is larger than the input of size {tuple(in_size)}; "
                             f"the output would be of size {out}")
        # ceil_mode may let the last window run past the padded input: pad the end further.
        extra = [max(0, (out[i] - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + 1
                     - (in_size[i] + 2 * padding[i])) for i in range(2)]
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        self.out_size = out
        self.geometry = ConvGeometry(stride, (padding[0], padding[0] + extra[0], padding[1],
                                              padding[1] + extra[1]), dilation)


def _pad(x, geometry: ConvGeometry, value):
    """x padded on each side as ``geometry.padding`` says, with ``value``."""
    top, bottom, left, right = geometry.padding
    if top == bottom == left == right == 0:
        return x
    batch, channels, height, width = x.shape
    padded = xp_of(x).full((batch, channels, height + top + bottom, width + left + right),
                           value, dtype=x.dtype)
    padded[:, :, top:top + height, left:left + width] = x
    return padded


# ---------------------------------------------------------------------------------------------
# Scatter / gather at flat spatial positions
# ---------------------------------------------------------------------------------------------


def _flat_positions(indices, batch: int, channels: int, size: int):
    """Indices into each channel's flat (H*W) plane -> indices into the flat (N*C*H*W) array."""
    xp = xp_of(indices)
    indices = xp.broadcast_to(indices, (batch, channels) + indices.shape[2:])
    offsets = xp.arange(batch * channels, dtype=indices.dtype).reshape(batch, channels) * size
    return (indices.reshape(batch, channels, -1) + offsets[:, :, None]).ravel()


class ScatterSpatial(Function):
    """out[n, c, indices[n, c, k]] += values[n, c, k]: values of shape (N, C, *S) sent to the
    flat positions ``indices`` (broadcastable to (N, C, *S)) of an (N, C, H, W) array of zeros.
    Positions hit twice get the sum (``bincount`` adds them, so no ``np.add.at``); values whose
    index is -1 go nowhere."""

    def __init__(self, indices, out_size):
        self.indices = indices
        self.out_size = tuple(out_size)

    def forward(self, values):
        if cuda_kernels.runs_on(values):  # GPU: one atomicAdd per value (kernels/max_pool2d.cu)
            return cuda_kernels.max_pool2d_backward(values, self.indices, self.out_size)
        xp = xp_of(values)
        batch, channels = values.shape[:2]
        size = math.prod(self.out_size)
        indices = self.indices
        missing = indices < 0
        if missing.any():  # index -1: no position (see MaxPool2d); send a zero to position 0
            values = xp.where(missing, 0, values)
            indices = xp.where(missing, 0, indices)
        positions = _flat_positions(indices, batch, channels, size)
        total = xp.bincount(positions, weights=values.ravel(), minlength=batch * channels * size)
        return total.astype(values.dtype, copy=False).reshape((batch, channels) + self.out_size)

    # d out[p] / d values[k] = 1 where indices[k] = p: the gradient is read back from there
    def backward(self, grad):
        (values,) = self.inputs
        return GatherSpatial(self.indices, values.shape)(grad)


class GatherSpatial(Function):
    """out[n, c, k] = x[n, c, indices[n, c, k]]: read the flat positions ``indices`` of each
    (H, W) plane; the result has the indices' shape with (N, C) in front (``out_shape``).
    Index -1 reads 0."""

    def __init__(self, indices, out_shape):
        self.indices = indices
        self.out_shape = tuple(out_shape)

    def forward(self, x):
        xp = xp_of(x)
        batch, channels = x.shape[:2]
        indices = xp.broadcast_to(self.indices, (batch, channels) + self.indices.shape[2:])
        indices = indices.reshape(batch, channels, -1)
        missing = indices < 0
        flat = x.reshape(batch, channels, -1)
        if missing.any():  # index -1: no position (see MaxPool2d); it reads 0
            picked = xp.take_along_axis(flat, xp.where(missing, 0, indices), axis=2)
            picked = xp.where(missing, 0, picked)
        else:
            picked = xp.take_along_axis(flat, indices, axis=2)
        return picked.reshape(self.out_shape)

    # d out[k] / d x[p] = 1 where indices[k] = p: gradients are added back there (a scatter)
    def backward(self, grad):
        (x,) = self.inputs
        return ScatterSpatial(self.indices, x.shape[2:])(grad)


# ---------------------------------------------------------------------------------------------
# max_pool2d
# ---------------------------------------------------------------------------------------------


def _first_input_position(setup: _PoolSetup, height: int, width: int, xp):
    """For every output (i, j) of a max-pool: the offset a*kw + b of the first window position
    inside the input (not in the padding), and whether the window has one.  Shapes (Ho, Wo)."""
    (kh, kw), (sh, sw), (dh, dw) = setup.kernel, setup.stride, setup.dilation
    out_h, out_w = setup.out_size
    top, _, left, _ = setup.geometry.padding
    offsets = xp.arange(kh * kw)
    rows = xp.arange(out_h)[:, None, None] * sh + (offsets // kw) * dh - top  # (Ho, 1, K)
    columns = xp.arange(out_w)[None, :, None] * sw + (offsets % kw) * dw - left  # (1, Wo, K)
    inside = (rows >= 0) & (rows < height) & (columns >= 0) & (columns < width)  # (Ho, Wo, K)
    return inside.argmax(axis=-1), inside.any(axis=-1)


class MaxPool2d(Function):
    """y[n, c, i, j] = max over the window of output (i, j); ``self.indices`` holds the flat
    input position h*W + w of each maximum (the first one on ties; never a padding position:
    -1 for a window that holds no input position, whose maximum is -inf)."""

    def __init__(self, setup: _PoolSetup):
        self.setup = setup

    def forward(self, x):
        xp = xp_of(x)
        setup = self.setup
        geometry = setup.geometry
        (kh, kw), (sh, sw), (dh, dw) = setup.kernel, setup.stride, setup.dilation
        out_h, out_w = setup.out_size
        batch, channels, height, width = x.shape
        self.in_size = (height, width)
        if cuda_kernels.runs_on(x):  # GPU: one thread per output scans its window
            top, _, left, _ = geometry.padding  # (kernels/max_pool2d.cu)
            y, self.indices = cuda_kernels.max_pool2d_forward(x, setup.kernel, setup.stride,
                                                              setup.dilation, (top, left),
                                                              setup.out_size)
            return y
        padded = _pad(x, geometry, -np.inf)
        stride_n, stride_c, stride_h, stride_w = padded.strides
        windows = xp.lib.stride_tricks.as_strided(
            padded, shape=(batch, channels, out_h, out_w, kh, kw),
            strides=(stride_n, stride_c, sh * stride_h, sw * stride_w, dh * stride_h,
                     dw * stride_w))
        windows = windows.reshape(batch, channels, out_h, out_w, kh * kw)  # one copy
        winner = windows.argmax(axis=-1)
        y = xp.take_along_axis(windows, winner[..., None], axis=-1)[..., 0]
        # NOTE: in a window of -inf only, argmax may pick a padding position.  Such a window
        # takes its first position inside the input instead, or none (index -1: no gradient)
        # when it holds no input position at all (padding together with dilation or ceil_mode)
        only_minus_infinity = xp.isneginf(y)
        has_input = None
        if only_minus_infinity.any():
            first_inside, has_input = _first_input_position(setup, height, width, xp)
            winner = xp.where(only_minus_infinity, first_inside, winner)
        # window offset (a, b) of output (i, j) -> input row i*sh + a*dh - top, column likewise
        top, _, left, _ = geometry.padding
        rows = xp.arange(out_h).reshape(out_h, 1) * sh + (winner // kw) * dh - top
        columns = xp.arange(out_w) * sw + (winner % kw) * dw - left
        self.indices = rows * width + columns
        if has_input is not None:
            self.indices = xp.where(has_input, self.indices, -1)
        return y

    # d max(window)/dx = 1 at the argmax and 0 elsewhere: each gradient goes to its winner
    def backward(self, grad):
        return ScatterSpatial(self.indices, self.in_size)(grad)


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
               ceil_mode: bool = False, return_indices: bool = False):
    """2-D max pooling, as ``torch.nn.functional.max_pool2d``.

    ``y[n, c, i, j] = max_{a, b} xpad[n, c, i*sh + a*dh, j*sw + b*dw]`` with -inf padding.
    Shapes: (N, C, H, W) or (C, H, W) -> (N, C, Ho, Wo), Ho = floor((H + 2p - d*(k-1) - 1)/s) + 1
    (ceil with ``ceil_mode``).  ``stride`` defaults to ``kernel_size``.  With ``return_indices``
    also returns the int64 flat positions h*W + w of the maxima (for max_unpool2d); a window
    that holds only padding (possible with dilation or ceil_mode) gives -inf, index -1 and no
    gradient (PyTorch returns an index computed from the window's start there, which can name an
    unrelated input element and send it the gradient).

    >>> import minigrad
    >>> x = minigrad.tensor([[[[1.0, 2.0], [4.0, 3.0]]]])
    >>> y, i = max_pool2d(x, 2, return_indices=True)
    >>> y.tolist(), i.tolist()
    ([[[[4.0]]]], [[[[2]]]])
    """
    op = "max_pool2d"
    x, unbatched = _check_image(input, op)
    if not dtypes.is_floating(x.dtype):
        raise TypeError(f"{op}: expected a floating point input, got dtype {x.dtype}")
    setup = _PoolSetup(op, x.shape[2:], kernel_size, stride, padding, dilation, ceil_mode)
    function = MaxPool2d(setup)
    y = _unbatch(function(x), unbatched)
    if not return_indices:
        return y
    return y, _unbatch(Tensor(function.indices), unbatched)


# ---------------------------------------------------------------------------------------------
# avg_pool2d
# ---------------------------------------------------------------------------------------------


def _window_counts(size: int, out: int, kernel: int, stride: int, padding: int,
                   count_include_pad: bool) -> np.ndarray:
    """How many positions each window along one axis averages (PyTorch's rule): with
    count_include_pad the window clipped to the padded input, else clipped to the input."""
    starts = np.arange(out) * stride - padding
    ends = np.minimum(starts + kernel, size + padding)
    if count_include_pad:
        return ends - starts
    return np.minimum(ends, size) - np.maximum(starts, 0)


def _avg_divisor(setup: _PoolSetup, in_size, count_include_pad, divisor_override, xp, dtype):
    """The divisor of each output: a number when all are equal, else an (Ho, Wo) array."""
    if divisor_override is not None:
        return divisor_override
    counts = [_window_counts(in_size[i], setup.out_size[i], setup.kernel[i], setup.stride[i],
                             setup.padding[i], count_include_pad) for i in range(2)]
    divisor = np.outer(counts[0], counts[1])
    if (divisor == divisor.flat[0]).all():
        return int(divisor.flat[0])
    return xp.asarray(divisor, dtype=dtype)


class AvgPool2d(Function):
    """y = (sum of the window) / divisor: one strided slice-add per kernel offset."""

    def __init__(self, setup: _PoolSetup, divisor):
        self.setup = setup
        self.divisor = divisor

    def forward(self, x):
        setup = self.setup
        if cuda_kernels.runs_on(x):  # GPU: one thread per output sums its window
            top, _, left, _ = setup.geometry.padding  # (kernels/avg_pool2d.cu)
            return cuda_kernels.avg_pool2d_forward(x, setup.kernel, setup.stride, (top, left),
                                                   setup.out_size, self.divisor)
        padded = _pad(x, setup.geometry, 0)
        total = None
        for _, _, rows, columns in setup.geometry.kernel_offsets(setup.kernel, setup.out_size):
            if total is None:
                total = padded[:, :, rows, columns].copy()
            else:
                total += padded[:, :, rows, columns]
        total /= self.divisor
        return total

    # y is linear in x: dL/dx spreads g / divisor back over each window (the adjoint)
    def backward(self, grad):
        (x,) = self.inputs
        return AvgPool2dAdjoint(self.setup, self.divisor, x.shape[2:])(grad)


class AvgPool2dAdjoint(Function):
    """The adjoint of AvgPool2d: every value g[n, c, i, j] / divisor is added to each input
    position of window (i, j).  Its own adjoint (derivative) is AvgPool2d again."""

    def __init__(self, setup: _PoolSetup, divisor, in_size):
        self.setup = setup
        self.divisor = divisor
        self.in_size = tuple(in_size)

    def forward(self, grad):
        xp = xp_of(grad)
        setup = self.setup
        top, bottom, left, right = setup.geometry.padding
        if cuda_kernels.runs_on(grad):  # GPU: one thread per input gathers (kernels/avg_pool2d.cu)
            return cuda_kernels.avg_pool2d_backward(grad, setup.kernel, setup.stride,
                                                    (top, left), self.in_size, self.divisor)
        height, width = self.in_size
        scaled = grad / self.divisor
        padded = xp.zeros(grad.shape[:2] + (height + top + bottom, width + left + right),
                          dtype=grad.dtype)
        # Windows overlap only when the stride is smaller than the kernel; otherwise every
        # input position is written at most once and a plain assignment does.
        overlapping = any(s < k for s, k in zip(setup.stride, setup.kernel))
        for _, _, rows, columns in setup.geometry.kernel_offsets(setup.kernel, setup.out_size):
            if overlapping:
                padded[:, :, rows, columns] += scaled
            else:
                padded[:, :, rows, columns] = scaled
        return padded[:, :, top:top + height, left:left + width]

    # linear map: its derivative is its adjoint, average pooling
    def backward(self, grad):
        return AvgPool2d(self.setup, self.divisor)(grad)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,  # noqa: A002
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """2-D average pooling, as ``torch.nn.functional.avg_pool2d``.

    ``y[n, c, i, j] = (1/D) sum_{a, b} xpad[n, c, i*sh + a, j*sw + b]`` with zero padding, where
    D is kh*kw (windows clipped to the padded input in ceil mode), the number of non-padding
    positions when ``count_include_pad=False``, or ``divisor_override``.
    Shapes: (N, C, H, W) or (C, H, W) -> (N, C, Ho, Wo) as for max_pool2d.

    >>> import minigrad
    >>> avg_pool2d(minigrad.tensor([[[[1.0, 2.0], [4.0, 3.0]]]]), 2).tolist()
    [[[[2.5]]]]
    """
    op = "avg_pool2d"
    x, unbatched = _check_image(input, op)
    if not dtypes.is_floating(x.dtype):
        raise TypeError(f"{op}: expected a floating point input, got dtype {x.dtype}")
    if divisor_override is not None and (not isinstance(divisor_override, numbers.Integral)
                                         or divisor_override <= 0):
        raise ValueError(f"{op}: divisor_override must be a positive int, got "
                         f"{divisor_override!r}")
    setup = _PoolSetup(op, x.shape[2:], kernel_size, stride, padding, 1, ceil_mode)
    divisor = _avg_divisor(setup, x.shape[2:], count_include_pad, divisor_override, xp_of(x),
                           x.dtype)
    return _unbatch(AvgPool2d(setup, divisor)(x), unbatched)


# ---------------------------------------------------------------------------------------------
# Adaptive pooling
# ---------------------------------------------------------------------------------------------


def _adaptive_size(output_size, in_size, op: str) -> tuple:
    """output_size (an int, or a pair whose None entries keep the input size) as a pair."""
    if isinstance(output_size, numbers.Integral) and not isinstance(output_size, bool):
        output_size = (output_size, output_size)
    if not isinstance(output_size, (tuple, list)) or len(output_size) != 2:
        raise TypeError(f"{op}: output_size must be an int or a pair, got {output_size!r}")
    size = tuple(in_size[i] if s is None else s for i, s in enumerate(output_size))
    if not all(isinstance(s, numbers.Integral) and s > 0 for s in size):
        raise ValueError(f"{op}: output_size must be positive, got {tuple(output_size)}")
    return tuple(int(s) for s in size)


def _adaptive_bounds(size: int, out: int):
    """PyTorch's adaptive windows: output i covers [floor(i*size/out), ceil((i+1)*size/out))."""
    index = np.arange(out)
    starts = (index * size) // out
    ends = -((-(index + 1) * size) // out)
    return starts, ends


def _averaging_matrix(size: int, out: int) -> np.ndarray:
    """(out, size) matrix whose row i averages the adaptive window of output i."""
    starts, ends = _adaptive_bounds(size, out)
    matrix = np.zeros((out, size))
    for i in range(out):
        matrix[i, starts[i]:ends[i]] = 1.0 / (ends[i] - starts[i])
    return matrix


def _constant(array: np.ndarray, like: Tensor) -> Tensor:
    """A NumPy array as a constant Tensor with ``like``'s dtype and device."""
    return Tensor(xp_of(like).asarray(array, dtype=like.dtype))


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:  # noqa: A002
    """Average pooling to a fixed output size, as ``torch.nn.functional.adaptive_avg_pool2d``.

    Output (i, j) averages rows [floor(i*H/Ho), ceil((i+1)*H/Ho)) and the matching columns.
    Averaging a rectangle is averaging rows then columns, so this is two matrix products,
    ``y = P_h @ x @ P_w^T`` with P (out, in) holding 1/(window length) on each window -- a
    composite op whose gradient autograd derives.  Shapes: (N, C, H, W) -> (N, C, Ho, Wo).

    >>> import minigrad
    >>> x = minigrad.arange(6.0).reshape(1, 1, 2, 3)
    >>> adaptive_avg_pool2d(x, (1, 2)).tolist()
    [[[[2.0, 3.0]]]]
    """
    op = "adaptive_avg_pool2d"
    x, unbatched = _check_image(input, op)
    if not dtypes.is_floating(x.dtype):
        raise TypeError(f"{op}: expected a floating point input, got dtype {x.dtype}")
    out_h, out_w = _adaptive_size(output_size, x.shape[2:], op)
    height, width = x.shape[2:]
    if (out_h, out_w) == (1, 1):  # global average pooling
        y = reduce_sum(x, (2, 3), keepdim=True) / (height * width)
    else:
        rows = _constant(_averaging_matrix(height, out_h), x)
        columns = _constant(_averaging_matrix(width, out_w).T, x)
        y = matmul(matmul(rows, x), columns)
    return _unbatch(y, unbatched)


def _window_table(size: int, out: int, xp):
    """For each adaptive window along one axis: its positions padded to the longest window
    (out, longest), and a mask of the real ones."""
    starts, ends = _adaptive_bounds(size, out)
    longest = int((ends - starts).max())
    positions = starts[:, None] + np.arange(longest)
    valid = positions < ends[:, None]
    return xp.asarray(np.minimum(positions, size - 1)), xp.asarray(valid)


class AdaptiveMaxPool2d(Function):
    """y[n, c, i, j] = max over adaptive window (i, j); ``self.indices`` as in MaxPool2d."""

    def __init__(self, out_size):
        self.out_size = out_size

    def forward(self, x):
        xp = xp_of(x)
        batch, channels, height, width = x.shape
        out_h, out_w = self.out_size
        rows, rows_valid = _window_table(height, out_h, xp)  # (Ho, KH)
        columns, columns_valid = _window_table(width, out_w, xp)  # (Wo, KW)
        # (N, C, Ho, KH, Wo, KW): every window, padded to the longest with -inf
        windows = x[:, :, rows[:, :, None, None], columns[None, None, :, :]]
        valid = rows_valid[:, :, None, None] & columns_valid[None, None, :, :]
        windows = xp.where(valid, windows, -np.inf).astype(x.dtype, copy=False)
        longest_h, longest_w = rows.shape[1], columns.shape[1]
        windows = windows.transpose(0, 1, 2, 4, 3, 5).reshape(
            batch, channels, out_h, out_w, longest_h * longest_w)
        winner = windows.argmax(axis=-1)
        y = xp.take_along_axis(windows, winner[..., None], axis=-1)[..., 0]
        winner_rows = rows[xp.arange(out_h)[:, None], winner // longest_w]
        winner_columns = columns[xp.arange(out_w), winner % longest_w]
        self.indices = winner_rows * width + winner_columns
        self.in_size = (height, width)
        return y

    # d max(window)/dx = 1 at the argmax and 0 elsewhere: each gradient goes to its winner
    def backward(self, grad):
        return ScatterSpatial(self.indices, self.in_size)(grad)


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):  # noqa: A002
    """Max pooling to a fixed output size over PyTorch's adaptive windows (see
    adaptive_avg_pool2d).  Shapes: (N, C, H, W) -> (N, C, Ho, Wo); with ``return_indices``
    also the int64 flat positions of the maxima.

    >>> import minigrad
    >>> adaptive_max_pool2d(minigrad.arange(6.0).reshape(1, 1, 2, 3), 1).tolist()
    [[[[5.0]]]]
    """
    op = "adaptive_max_pool2d"
    x, unbatched = _check_image(input, op)
    if not dtypes.is_floating(x.dtype):
        raise TypeError(f"{op}: expected a floating point input, got dtype {x.dtype}")
    function = AdaptiveMaxPool2d(_adaptive_size(output_size, x.shape[2:], op))
    y = _unbatch(function(x), unbatched)
    if not return_indices:
        return y
    return y, _unbatch(Tensor(function.indices), unbatched)


# ---------------------------------------------------------------------------------------------
# max_unpool2d
# ---------------------------------------------------------------------------------------------


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0,  # noqa: A002
                 output_size=None) -> Tensor:
    """The partial inverse of max_pool2d, as ``torch.nn.functional.max_unpool2d``: every value
    is put at its flat position ``indices`` (as returned by max_pool2d) of a zero image.

    Output size: Ho = (H - 1)*stride - 2*padding + kernel_size, unless ``output_size`` (H, W)
    (or a full shape) is given.  Indices that repeat (overlapping windows) add their values;
    index -1 (a max-pool window that held no input position) drops its value.

    >>> import minigrad
    >>> x = minigrad.tensor([[[[1.0, 2.0], [4.0, 3.0]]]])
    >>> y, i = max_pool2d(x, 2, return_indices=True)
    >>> max_unpool2d(y, i, 2).tolist()
    [[[[0.0, 0.0], [4.0, 0.0]]]]
    """
    op = "max_unpool2d"
    x, unbatched = _check_image(input, op)
    if not isinstance(indices, Tensor) or indices.dtype.kind not in "iu":
        raise TypeError(f"{op}: indices must be an integer Tensor (from max_pool2d with "
                        f"return_indices=True)")
    index_array = indices.data if not unbatched else indices.data.reshape(x.shape)
    if tuple(index_array.shape) != tuple(x.shape):
        raise ValueError(f"{op}: indices of shape {tuple(indices.shape)} do not match input of "
                         f"shape {tuple(input.shape)}")
    kernel = _pair(kernel_size, "kernel_size", op)
    stride = kernel if stride is None else _pair(stride, "stride", op)
    padding = _pair(padding, "padding", op)
    if output_size is None:
        out = tuple((x.shape[2 + i] - 1) * stride[i] - 2 * padding[i] + kernel[i]
                    for i in range(2))
    else:
        out = tuple(int(s) for s in tuple(output_size)[-2:])
    if min(out) <= 0:
        raise ValueError(f"{op}: output size {out} must be positive")
    if index_array.size and (int(index_array.min()) < -1 or
                             int(index_array.max()) >= out[0] * out[1]):
        raise ValueError(f"{op}: indices must lie in [-1, {out[0] * out[1]}) for an output of "
                         f"size {out}, got values from {int(index_array.min())} to "
                         f"{int(index_array.max())}")
    return _unbatch(ScatterSpatial(index_array, out)(x), unbatched)


# ---------------------------------------------------------------------------------------------
# interpolate
# ---------------------------------------------------------------------------------------------


def _source_scale(in_size: int, out_size: int, scale_factor, align_corners: bool) -> float:
    """The step in input coordinates per output step (PyTorch's area_pixel_compute_scale)."""
    if align_corners:
        return (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
    if scale_factor is not None:
        return 1.0 / scale_factor
    return in_size / out_size


def _nearest_sources(in_size: int, out_size: int, scale_factor) -> np.ndarray:
    """Output i copies input min(floor(i * scale), in - 1), computed in float32 like PyTorch."""
    scale = np.float32(1.0 / scale_factor if scale_factor is not None else in_size / out_size)
    sources = np.floor(np.arange(out_size, dtype=np.float32) * scale).astype(np.int64)
    return np.minimum(sources, in_size - 1)


def _linear_matrix(in_size: int, out_size: int, scale_factor, align_corners: bool):
    """(out, in) matrix of linear-interpolation weights: output i reads src = i*scale
    (align_corners) or max((i + 0.5)*scale - 0.5, 0), from floor(src) and the next input with
    weights 1 - frac and frac."""
    scale = _source_scale(in_size, out_size, scale_factor, align_corners)
    index = np.arange(out_size, dtype=np.float64)
    source = index * scale if align_corners else np.maximum((index + 0.5) * scale - 0.5, 0.0)
    low = np.minimum(np.floor(source).astype(np.int64), in_size - 1)
    high = np.minimum(low + 1, in_size - 1)
    fraction = source - low
    matrix = np.zeros((out_size, in_size))
    rows = np.arange(out_size)
    matrix[rows, low] += 1.0 - fraction
    matrix[rows, high] += fraction
    return matrix


_SPATIAL_DIMS = {"nearest": (1, 2), "linear": (1,), "bilinear": (2,)}


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",  # noqa: A002
                align_corners: bool | None = None) -> Tensor:
    """Resize (N, C, L) or (N, C, H, W) inputs, as ``torch.nn.functional.interpolate``.

    mode 'nearest': output i copies input min(floor(i * scale), in - 1) with scale = in/out
    (or 1/scale_factor); 'linear' (3-D) / 'bilinear' (4-D): each output mixes the two nearest
    inputs, src = (i + 0.5)*scale - 0.5 (clamped at 0), or src = i*(in-1)/(out-1) with
    ``align_corners=True``.  Give exactly one of ``size`` (int or tuple) and ``scale_factor``
    (output size = floor(in * scale_factor)).  Bilinear is separable: y = R_h @ x @ R_w^T.

    >>> import minigrad
    >>> x = minigrad.tensor([[[1.0, 2.0]]])
    >>> interpolate(x, scale_factor=2).tolist()
    [[[1.0, 1.0, 2.0, 2.0]]]
    >>> interpolate(x, size=3, mode='linear', align_corners=True).tolist()
    [[[1.0, 1.5, 2.0]]]
    """
    op = "interpolate"
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if mode not in _SPATIAL_DIMS:
        raise ValueError(f"{op}: mode must be one of {sorted(_SPATIAL_DIMS)}, got {mode!r}")
    spatial = input.ndim - 2
    if spatial not in _SPATIAL_DIMS[mode]:
        raise ValueError(f"{op}: mode {mode!r} expects a "
                         f"{' or '.join(f'{d + 2}-D' for d in _SPATIAL_DIMS[mode])} input, got "
                         f"input of shape {tuple(input.shape)}")
    if not dtypes.is_floating(input.dtype):
        raise TypeError(f"{op}: expected a floating point input, got dtype {input.dtype}")
    if align_corners is not None and mode == "nearest":
        raise ValueError(f"{op}: align_corners can only be set with the interpolating modes "
                         f"'linear' and 'bilinear'")
    align_corners = bool(align_corners)
    in_size = tuple(input.shape[2:])
    out_size, scales = _resize_arguments(size, scale_factor, in_size, op)
    if mode == "nearest":
        sources = [_nearest_sources(in_size[i], out_size[i], scales[i])
                   for i in range(spatial)]
        if spatial == 1:
            flat = sources[0].reshape(1, 1, -1)
        else:
            flat = (sources[0][:, None] * in_size[1] + sources[1][None, :])[None, None]
        flat = xp_of(input).asarray(flat)
        return GatherSpatial(flat, tuple(input.shape[:2]) + out_size)(input)
    matrices = [_constant(_linear_matrix(in_size[i], out_size[i], scales[i], align_corners),
                          input) for i in range(spatial)]
    if spatial == 1:
        return matmul(input, transpose(matrices[0], 0, 1))
    return matmul(matmul(matrices[0], input), transpose(matrices[1], 0, 1))


def _resize_arguments(size, scale_factor, in_size: tuple, op: str):
    """(output size, per-axis scale factor or None) from interpolate's size / scale_factor."""
    count = len(in_size)
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: give exactly one of size and scale_factor")
    if size is not None:
        sizes = (size,) * count if isinstance(size, numbers.Integral) else tuple(size)
        if len(sizes) != count or not all(isinstance(s, numbers.Integral) and s > 0
                                          for s in sizes):
            raise ValueError(f"{op}: size must be a positive int or a tuple of {count} positive "
                             f"ints for input spatial size {in_size}, got {size!r}")
        return tuple(int(s) for s in sizes), (None,) * count
    factors = (scale_factor,) * count if isinstance(scale_factor, numbers.Real) \
        else tuple(scale_factor)
    if len(factors) != count or not all(isinstance(f, numbers.Real) and f > 0 for f in factors):
        raise ValueError(f"{op}: scale_factor must be a positive number or a tuple of {count}, "
                         f"got {scale_factor!r}")
    sizes = tuple(int(math.floor(in_size[i] * factors[i])) for i in range(count))
    if min(sizes) <= 0:
        raise ValueError(f"{op}: scale_factor {scale_factor!r} gives an empty output for input "
                         f"size {in_size}")
    return sizes, tuple(float(f) for f in factors)
