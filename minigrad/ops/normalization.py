"""Normalization layers as ops.

Holds:
    batch_norm(x, running_mean, running_var, weight, bias, training, momentum, eps)
                               statistics per channel over (N, *spatial)    -- BatchNormFunction
    layer_norm(x, normalized_shape, weight, bias, eps)
                               statistics per sample over the last dims     -- LayerNormFunction
    batch_norm_composite, layer_norm_composite
                               the same built from mean / var / rsqrt (autograd derives the
                               backward): the version to read first, and the reference the
                               fused ones are tested against
    group_norm(x, num_groups, weight, bias, eps)
    instance_norm(x, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)
    local_response_norm(x, size, alpha, beta, k)

Every normalization computes, over some axes S holding M elements,

    mean = (1/M) sum_S x,   var = (1/M) sum_S (x - mean)^2   (biased),
    xhat = (x - mean) / sqrt(var + eps),   y = weight * xhat + bias.

The fused Functions compute y in one forward and use the hand-derived gradient.  With
gh = g * weight (g = dL/dy):

    dL/dx      = (1/M) / sqrt(var + eps) * (M * gh - sum_S gh - xhat * sum_S(gh * xhat))
    dL/dweight = sum of g * xhat,  dL/dbias = sum of g      (over the axes weight is shared by)

The first line is the chain rule through mean and var collected into one expression: the
sum_S gh term is the path through the mean, the xhat * sum_S(gh xhat) term the path through
the variance.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .. import dtypes
from ..autograd import Function, is_grad_enabled
from ..tensor import Tensor
from ._util import xp_of
from .linalg import matmul
from .reduce import mean as reduce_mean
from .reduce import sum as reduce_sum
from .shape import reshape
from .unary import rsqrt

__all__ = ["batch_norm", "batch_norm_composite", "layer_norm", "layer_norm_composite",
           "group_norm", "instance_norm", "local_response_norm", "BatchNormFunction",
           "LayerNormFunction"]


# ---------------------------------------------------------------------------------------------
# The composite normalization (primitive ops only)
# ---------------------------------------------------------------------------------------------


def _normalize(x: Tensor, axes: tuple, eps: float):
    """xhat = (x - mean) / sqrt(var + eps) over ``axes`` from primitive ops.

    Returns (xhat, inv_std, mean, var), the statistics with the reduced axes kept (size 1)."""
    mean = reduce_mean(x, axes, keepdim=True)
    centered = x - mean
    var = reduce_mean(centered * centered, axes, keepdim=True)
    inv_std = rsqrt(var + eps)
    return centered * inv_std, inv_std, mean, var


# ---------------------------------------------------------------------------------------------
# The fused Functions
# ---------------------------------------------------------------------------------------------


class _FusedNorm(Function):
    """y = xhat * weight + bias with statistics over ``self.axes``; weight and bias optional
    (both or neither).  Subclasses say which axes are normalized (``axes``), how weight
    broadcasts against x (``param_shape``) and over which axes it is shared (``param_axes``).
    """

    def __init__(self, axes: tuple, param_shape: tuple, param_axes: tuple, eps: float):
        self.axes = axes
        self.param_shape = param_shape
        self.param_axes = param_axes
        self.eps = eps

    def forward(self, x, weight=None, bias=None):
        xp = xp_of(x)
        mean = x.mean(axis=self.axes, keepdims=True)
        xhat = x - mean
        var = (xhat * xhat).mean(axis=self.axes, keepdims=True)
        inv_std = 1.0 / xp.sqrt(var + self.eps)
        xhat *= inv_std
        self.xhat, self.inv_std, self.mean, self.var = xhat, inv_std, mean, var
        if weight is None:
            return xhat
        return xhat * weight.reshape(self.param_shape) + bias.reshape(self.param_shape)

    # dx = (1/M) * inv_std * (M*gh - sum(gh) - xhat*sum(gh*xhat)), gh = g*w; dw = sum g*xhat
    def backward(self, grad):
        x = self.inputs[0]
        affine = len(self.inputs) == 3
        if is_grad_enabled():
            # NOTE: a graph of this backward is being recorded (create_graph=True), so xhat and
            # inv_std must be functions of x for second derivatives: recompute them with ops.
            # (The saved arrays would be constants, and the double backward would miss terms.)
            xhat, inv_std = _normalize(x, self.axes, self.eps)[:2]
        else:
            xhat = Tensor._from_op(self.xhat, None, 0)
            inv_std = Tensor._from_op(self.inv_std, None, 0)
        grad_x = grad_weight = grad_bias = None
        if self.needs_input_grad[0]:
            count = math.prod(x.shape[i] for i in self.axes)
            g_hat = grad * reshape(self.inputs[1], self.param_shape) if affine else grad
            sum_g = reduce_sum(g_hat, self.axes, keepdim=True)
            sum_g_xhat = reduce_sum(g_hat * xhat, self.axes, keepdim=True)
            grad_x = inv_std * (1.0 / count) * (g_hat * count - sum_g - xhat * sum_g_xhat)
        if affine and self.needs_input_grad[1]:
            weight_shape = self.inputs[1].shape
            grad_weight = reshape(reduce_sum(grad * xhat, self.param_axes), weight_shape)
        if affine and self.needs_input_grad[2]:
            bias_shape = self.inputs[2].shape
            grad_bias = reshape(reduce_sum(grad, self.param_axes), bias_shape)
        return (grad_x, grad_weight, grad_bias)[:len(self.inputs)]


class BatchNormFunction(_FusedNorm):
    """Batch normalization in training mode: statistics per channel (axis 1) over the batch
    and spatial axes of an (N, C, *) input; weight and bias of shape (C,)."""

    def __init__(self, ndim: int, eps: float):
        axes = (0,) + tuple(range(2, ndim))
        super().__init__(axes, (1, -1) + (1,) * (ndim - 2), axes, eps)


class LayerNormFunction(_FusedNorm):
    """Layer normalization: statistics per sample over the last ``normalized_dims`` axes;
    weight and bias have the shape of those axes (``normalized_shape``)."""

    def __init__(self, ndim: int, normalized_dims: int, eps: float):
        axes = tuple(range(ndim - normalized_dims, ndim))
        leading = tuple(range(ndim - normalized_dims))
        super().__init__(axes, (-1,) if normalized_dims == 1 else None, leading, eps)

    def forward(self, x, weight=None, bias=None):
        if self.param_shape is None:
            self.param_shape = x.shape[x.ndim - len(self.axes):]
        return super().forward(x, weight, bias)


# ---------------------------------------------------------------------------------------------
# batch_norm
# ---------------------------------------------------------------------------------------------


def _check_input(x, op: str, min_dims: int) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(x).__name__}")
    if not dtypes.is_floating(x.dtype):
        raise TypeError(f"{op}: expected a floating point input, got dtype {x.dtype}")
    if x.ndim < min_dims:
        raise ValueError(f"{op}: expected an input with at least {min_dims} dimensions, got "
                         f"input of shape {tuple(x.shape)}")


def _check_param(param, name: str, shape: tuple, op: str) -> None:
    if param is None:
        return
    if not isinstance(param, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor or None, got {type(param).__name__}")
    if tuple(param.shape) != tuple(shape):
        raise ValueError(f"{op}: expected {name} of shape {tuple(shape)}, got "
                         f"{tuple(param.shape)}")


def _affine_inputs(x: Tensor, weight, bias, shape: tuple) -> tuple:
    """(x,) without affine parameters, else (x, weight, bias) with a missing one filled in
    (weight 1, bias 0) as a constant."""
    if weight is None and bias is None:
        return (x,)
    xp = xp_of(x)
    if weight is None:
        weight = Tensor._from_op(xp.ones(shape, dtype=x.dtype), None, 0)
    if bias is None:
        bias = Tensor._from_op(xp.zeros(shape, dtype=x.dtype), None, 0)
    return (x, weight, bias)


def _update_running(running: Tensor | None, batch_value, momentum: float) -> None:
    """running <- (1 - momentum) * running + momentum * batch_value, in place (a buffer)."""
    if running is None:
        return
    running.data *= 1.0 - momentum
    running.data += momentum * batch_value.astype(running.dtype, copy=False)


def _check_batch_norm(x, running_mean, running_var, weight, bias, training, op) -> int:
    _check_input(x, op, 2)
    channels = x.shape[1]
    for name, tensor in (("running_mean", running_mean), ("running_var", running_var),
                         ("weight", weight), ("bias", bias)):
        _check_param(tensor, name, (channels,), op)
    if not training and (running_mean is None or running_var is None):
        raise ValueError(f"{op}: running_mean and running_var are needed when training=False")
    count = x.numel() // channels if channels else 0
    if training and count <= 1:
        raise ValueError(f"{op}: expected more than 1 value per channel when training, got "
                         f"input of shape {tuple(x.shape)}")
    return count


def _batch_norm_eval(x, running_mean, running_var, weight, bias, eps):
    """y = (x - running_mean) / sqrt(running_var + eps) * weight + bias: an affine map of x."""
    view = (1, -1) + (1,) * (x.ndim - 2)
    scale = rsqrt(running_var.detach() + eps)
    if weight is not None:
        scale = scale * weight
    shift = -running_mean.detach() * scale
    if bias is not None:
        shift = shift + bias
    return x * reshape(scale, view) + reshape(shift, view)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalization, as ``torch.nn.functional.batch_norm`` (the fused Function).

    Input (N, C) or (N, C, *); statistics per channel over every other axis (M = N * spatial).
    training: normalize with the batch mean and biased variance, and update the running
    statistics in place: running = (1 - momentum)*running + momentum*batch, using the unbiased
    variance var * M/(M-1).  Otherwise normalize with running_mean / running_var.
    weight, bias, running_mean, running_var: shape (C,) or None.

    >>> import minigrad
    >>> x = minigrad.tensor([[1.0], [3.0]])
    >>> batch_norm(x, None, None, training=True, eps=0.0).tolist()
    [[-1.0], [1.0]]
    """
    op = "batch_norm"
    count = _check_batch_norm(input, running_mean, running_var, weight, bias, training, op)
    if not training:
        return _batch_norm_eval(input, running_mean, running_var, weight, bias, eps)
    function = BatchNormFunction(input.ndim, eps)
    y = function(*_affine_inputs(input, weight, bias, (input.shape[1],)))
    _update_running(running_mean, function.mean.reshape(-1), momentum)
    _update_running(running_var, function.var.reshape(-1) * (count / (count - 1)), momentum)
    return y


def batch_norm_composite(input: Tensor, running_mean: Tensor | None,  # noqa: A002
                         running_var: Tensor | None, weight: Tensor | None = None,
                         bias: Tensor | None = None, training: bool = False,
                         momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """batch_norm written with mean, var and rsqrt: the textbook formula, differentiated by
    autograd.  Same arguments and results as ``batch_norm``.

    >>> import minigrad
    >>> x = minigrad.tensor([[1.0], [3.0]])
    >>> batch_norm_composite(x, None, None, training=True, eps=0.0).tolist()
    [[-1.0], [1.0]]
    """
    op = "batch_norm_composite"
    count = _check_batch_norm(input, running_mean, running_var, weight, bias, training, op)
    if not training:
        return _batch_norm_eval(input, running_mean, running_var, weight, bias, eps)
    axes = (0,) + tuple(range(2, input.ndim))
    xhat, _, mean, var = _normalize(input, axes, eps)
    _update_running(running_mean, mean.data.reshape(-1), momentum)
    _update_running(running_var, var.data.reshape(-1) * (count / (count - 1)), momentum)
    view = (1, -1) + (1,) * (input.ndim - 2)
    y = xhat
    if weight is not None:
        y = y * reshape(weight, view)
    if bias is not None:
        y = y + reshape(bias, view)
    return y


# ---------------------------------------------------------------------------------------------
# layer_norm
# ---------------------------------------------------------------------------------------------


def _check_layer_norm(x, normalized_shape, weight, bias, op) -> tuple:
    _check_input(x, op, 1)
    if isinstance(normalized_shape, numbers.Integral):
        normalized_shape = (normalized_shape,)
    normalized_shape = tuple(int(n) for n in normalized_shape)
    count = len(normalized_shape)
    if count == 0 or count > x.ndim or tuple(x.shape[x.ndim - count:]) != normalized_shape:
        raise ValueError(f"{op}: normalized_shape {normalized_shape} does not match the last "
                         f"dimensions of input of shape {tuple(x.shape)}")
    _check_param(weight, "weight", normalized_shape, op)
    _check_param(bias, "bias", normalized_shape, op)
    return normalized_shape


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Layer normalization, as ``torch.nn.functional.layer_norm`` (the fused Function).

    Each sample is normalized over its last len(normalized_shape) axes (M = their product),
    then scaled and shifted elementwise by weight and bias of shape ``normalized_shape``.
    Shapes: input (*, *normalized_shape) -> same.

    >>> import minigrad
    >>> layer_norm(minigrad.tensor([[1.0, 3.0]]), 2, eps=0.0).tolist()
    [[-1.0, 1.0]]
    """
    shape = _check_layer_norm(input, normalized_shape, weight, bias, "layer_norm")
    function = LayerNormFunction(input.ndim, len(shape), eps)
    return function(*_affine_inputs(input, weight, bias, shape))


def layer_norm_composite(input: Tensor, normalized_shape, weight: Tensor | None = None,  # noqa: A002
                         bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """layer_norm written with mean, var and rsqrt (autograd derives the backward).

    >>> import minigrad
    >>> layer_norm_composite(minigrad.tensor([[1.0, 3.0]]), 2, eps=0.0).tolist()
    [[-1.0, 1.0]]
    """
    shape = _check_layer_norm(input, normalized_shape, weight, bias, "layer_norm_composite")
    axes = tuple(range(input.ndim - len(shape), input.ndim))
    y = _normalize(input, axes, eps)[0]
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


# ---------------------------------------------------------------------------------------------
# group_norm, instance_norm
# ---------------------------------------------------------------------------------------------


def _channel_affine(y: Tensor, weight, bias) -> Tensor:
    view = (1, -1) + (1,) * (y.ndim - 2)
    if weight is not None:
        y = y * reshape(weight, view)
    if bias is not None:
        y = y + reshape(bias, view)
    return y


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Group normalization, as ``torch.nn.functional.group_norm``: the C channels are split
    into ``num_groups`` groups and each (sample, group) is normalized over its channels and
    spatial positions; then a per-channel weight and bias (shape (C,)).
    Shapes: (N, C, *) -> same.  (The layer-norm Function on an (N, G, rest) view.)

    >>> import minigrad
    >>> group_norm(minigrad.tensor([[1.0, 3.0, 5.0, 9.0]]), 2, eps=0.0).tolist()
    [[-1.0, 1.0, -1.0, 1.0]]
    """
    op = "group_norm"
    _check_input(input, op, 2)
    channels = input.shape[1]
    if not isinstance(num_groups, numbers.Integral) or num_groups <= 0 or channels % num_groups:
        raise ValueError(f"{op}: num_groups={num_groups!r} must be a positive divisor of the "
                         f"{channels} channels of input of shape {tuple(input.shape)}")
    _check_param(weight, "weight", (channels,), op)
    _check_param(bias, "bias", (channels,), op)
    grouped = reshape(input, (input.shape[0], num_groups, -1))
    normalized = LayerNormFunction(3, 1, eps)(grouped)
    return _channel_affine(reshape(normalized, input.shape), weight, bias)


def instance_norm(input: Tensor, running_mean: Tensor | None = None,  # noqa: A002
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Instance normalization, as ``torch.nn.functional.instance_norm``: every (sample,
    channel) is normalized over its spatial positions.  With ``use_input_stats=False`` the
    running statistics are used instead; otherwise they (if given) move toward the batch
    average of the per-instance mean and unbiased variance.  Shapes: (N, C, *) -> same.
    """
    op = "instance_norm"
    _check_input(input, op, 3)
    channels = input.shape[1]
    for name, tensor in (("running_mean", running_mean), ("running_var", running_var),
                         ("weight", weight), ("bias", bias)):
        _check_param(tensor, name, (channels,), op)
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ValueError(f"{op}: running_mean and running_var are needed when "
                             f"use_input_stats=False")
        return _batch_norm_eval(input, running_mean, running_var, weight, bias, eps)
    count = math.prod(input.shape[2:])
    if count <= 1:
        raise ValueError(f"{op}: expected more than 1 spatial element when training, got input "
                         f"of shape {tuple(input.shape)}")
    function = LayerNormFunction(input.ndim, input.ndim - 2, eps)
    normalized = function(input)
    batch = input.shape[0]
    _update_running(running_mean, function.mean.reshape(batch, channels).mean(axis=0),
                    momentum)
    unbiased = function.var.reshape(batch, channels) * (count / (count - 1))
    _update_running(running_var, unbiased.mean(axis=0), momentum)
    return _channel_affine(normalized, weight, bias)


# ---------------------------------------------------------------------------------------------
# local_response_norm
# ---------------------------------------------------------------------------------------------


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75,  # noqa: A002
                        k: float = 1.0) -> Tensor:
    """Local response normalization across channels (AlexNet), as
    ``torch.nn.functional.local_response_norm``:

        y[n, c] = x[n, c] / (k + alpha/size * sum_{c'} x[n, c']^2)^beta

    with c' from c - size//2 to c + (size-1)//2 (clipped to the channels).  The windowed sum
    over channels is a matrix product with a band matrix.  Shapes: (N, C, *) -> same.

    >>> import minigrad
    >>> local_response_norm(minigrad.ones(1, 2, 1), 2, alpha=2.0, beta=1.0).tolist()
    [[[0.5], [0.3333333432674408]]]
    """
    op = "local_response_norm"
    _check_input(input, op, 3)
    if not isinstance(size, numbers.Integral) or size <= 0:
        raise ValueError(f"{op}: size must be a positive int, got {size!r}")
    channels = input.shape[1]
    band = np.zeros((channels, channels))
    for c in range(channels):
        band[c, max(c - size // 2, 0):min(c + (size - 1) // 2, channels - 1) + 1] = 1.0 / size
    band = Tensor._from_op(xp_of(input).asarray(band, dtype=input.dtype), None, 0)
    squares = reshape(input * input, (input.shape[0], channels, -1))
    window_mean = reshape(matmul(band, squares), input.shape)
    return input / (window_mean * alpha + k) ** beta

