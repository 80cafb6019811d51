"""nn.functional.dropout: randomly zeroing activations during training.

Holds: dropout (elementwise), dropout2d (whole channels), alpha_dropout (for SELU networks).

Inverted dropout: each kept value is divided by (1 - p) at training time, so the expected value
of every activation is unchanged and evaluation needs no rescaling (it is the identity).  The
masks come from the device's generator, seeded by ``minigrad.manual_seed``.  Multiplying by a
constant mask is an ordinary ``mul``, so autograd gives the backward: the gradient is the same
mask times the incoming gradient.
"""

from __future__ import annotations

import numbers

import numpy as np

from ... import backend, cuda_kernels
from ...ops._util import check_floating
from ...tensor import Tensor

__all__ = ["dropout", "dropout2d", "alpha_dropout"]

# -min(SELU) = scale * alpha: the value SELU saturates to, in absolute value.
_SELU_NEGATIVE_SATURATION = 1.0507009873554804934193349852946 * 1.6732632423543772848170429916717


def _check_input(x, name: str) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a Tensor, got {type(x).__name__}")
    check_floating(x, name)


def _check_probability(p, name: str) -> None:
    if not isinstance(p, numbers.Real) or isinstance(p, bool) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{name}: dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(x: Tensor, shape: tuple, p: float):
    """A 0/1 array of ``shape`` in x's dtype on x's device: 1 with probability 1 - p."""
    rng = backend.generator(x.device)
    uniform = rng.random(shape, dtype=np.float32)
    return (uniform >= p).astype(x.dtype)


def _scaled_keep_mask(x: Tensor, shape: tuple, p: float):
    """The keep mask divided by 1 - p (inverted dropout), in x's dtype on x's device."""
    if cuda_kernels.runs_on(x.data):  # GPU: compare and scale in one kernel (kernels/dropout.cu)
        uniform = backend.generator(x.device).random(shape, dtype=np.float32)
        return cuda_kernels.dropout_mask(uniform, p, x.dtype)
    return _keep_mask(x, shape, p) / x.dtype.type(1.0 - p)


def _constant(array) -> Tensor:
    return Tensor._from_op(array, None, 0)


def dropout(x: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1 / (1 - p) (training);
    the identity when ``training`` is False.  Any shape; the output has x's shape.

    >>> import minigrad
    >>> x = minigrad.ones(1000)
    >>> y = dropout(x, p=0.5)
    >>> sorted(set(y.tolist()))
    [0.0, 2.0]
    >>> dropout(x, p=0.5, training=False) is x
    True
    """
    _check_probability(p, "dropout")
    _check_input(x, "dropout")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    mask = _scaled_keep_mask(x, x.shape, p)
    return x * _constant(mask)


def dropout2d(x: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels: for input (N, C, H, W) each of the N*C feature maps is dropped with
    probability ``p`` (kept ones scaled by 1 / (1 - p)).  A 3-D input is read as (N, C, L).
    Useful after convolutions, where neighbouring pixels are strongly correlated."""
    _check_probability(p, "dropout2d")
    _check_input(x, "dropout2d")
    if x.ndim not in (3, 4):
        raise ValueError(f"dropout2d: expected a 3-D (N, C, L) or 4-D (N, C, H, W) input, got "
                         f"shape {tuple(x.shape)}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    mask_shape = tuple(x.shape[:2]) + (1,) * (x.ndim - 2)
    mask = _scaled_keep_mask(x, mask_shape, p)
    return x * _constant(mask)


def alpha_dropout(x: Tensor, p: float = 0.5, training: bool = False,
                  inplace: bool = False) -> Tensor:
    """Dropout that keeps zero mean and unit variance for SELU networks (Klambauer et al. 2017).

    Dropped values are set to SELU's negative saturation -s (s = scale * alpha = 1.7581), then
    everything goes through the affine map a * v + b that restores mean 0 and variance 1:
    a = 1 / sqrt((s^2 p + 1)(1 - p)) and b = a s p.  So a kept x becomes a x + a s p and a dropped
    one becomes -a s (1 - p).
    """
    _check_probability(p, "alpha_dropout")
    _check_input(x, "alpha_dropout")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    s = _SELU_NEGATIVE_SATURATION
    a = 1.0 / np.sqrt((s * s * p + 1.0) * (1.0 - p))
    keep = _keep_mask(x, x.shape, p)
    scale = keep * x.dtype.type(a)
    shift = (keep - 1) * x.dtype.type(a * s) + x.dtype.type(a * s * p)
    return x * _constant(scale) + _constant(shift)
