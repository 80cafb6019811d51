"""nn.functional.activation: activation functions with PyTorch's ``F.*`` signatures.

Holds: relu, leaky_relu, prelu, elu, selu, gelu, silu, sigmoid, logsigmoid, tanh, softplus,
hardtanh, softmax, log_softmax.

The math (and the derivatives) live in ``minigrad/ops/unary.py`` and ``minigrad/ops/softmax.py``;
these functions only accept PyTorch's argument lists.  ``inplace=True`` is accepted for
compatibility but the result is always a new tensor: minigrad never overwrites a tensor that
autograd may still need.
"""

from __future__ import annotations

import warnings

from ... import ops
from ...tensor import Tensor

__all__ = ["relu", "leaky_relu", "prelu", "elu", "selu", "gelu", "silu", "sigmoid", "logsigmoid",
           "tanh", "softplus", "hardtanh", "softmax", "log_softmax"]


def relu(x: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0)."""
    return ops.relu(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x >= 0, negative_slope * x otherwise."""
    return ops.leaky_relu(x, negative_slope)


def prelu(x: Tensor, weight: Tensor) -> Tensor:
    """x for x >= 0, a * x otherwise, with a learnable ``weight`` a of shape (1,) or (C,) (one
    slope per channel, channels on dimension 1)."""
    return ops.prelu(x, weight)


def elu(x: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    return ops.elu(x, alpha)


def selu(x: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with alpha = 1.6732632..., scale = 1.0507009...."""
    return ops.selu(x)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x) (Phi: the standard normal CDF); ``approximate='tanh'`` uses
    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    return ops.gelu(x, approximate)


def silu(x: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (also called swish)."""
    return ops.silu(x)


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + exp(-x))."""
    return ops.sigmoid(x)


def logsigmoid(x: Tensor) -> Tensor:
    """log(1 / (1 + exp(-x))), computed stably as -softplus(-x)."""
    return ops.logsigmoid(x)


def tanh(x: Tensor) -> Tensor:
    """(exp(x) - exp(-x)) / (exp(x) + exp(-x))."""
    return ops.tanh(x)


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold."""
    return ops.softplus(x, beta, threshold)


def hardtanh(x: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """x clamped to [min_val, max_val]."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) must not be greater than max_val "
                         f"({max_val})")
    return ops.hardtanh(x, min_val, max_val)


def _softmax_dim(name: str, ndim: int) -> int:
    """PyTorch's legacy choice when no dim is given: 0 for 0-, 1- and 3-D inputs, else 1."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(x: Tensor, dim: int | None = None, dtype=None) -> Tensor:
    """exp(x_i) / sum_j exp(x_j) along ``dim`` (computed stably, shifting by the max)."""
    if dim is None:
        dim = _softmax_dim("softmax", x.ndim)
    if dtype is not None:
        x = x.to(dtype)
    return ops.softmax(x, dim)


def log_softmax(x: Tensor, dim: int | None = None, dtype=None) -> Tensor:
    """x_i - log sum_j exp(x_j) along ``dim`` (computed stably with log-sum-exp)."""
    if dim is None:
        dim = _softmax_dim("log_softmax", x.ndim)
    if dtype is not None:
        x = x.to(dtype)
    return ops.log_softmax(x, dim)
