"""Softmax family, in two versions that teach by contrast.

Holds:
    softmax, log_softmax                 fused Functions: one forward pass on arrays with the
                                         maximum subtracted (stable for inputs of any size) and
                                         a hand-derived backward
    softmax_simple, log_softmax_simple   the same math composed from exp, sum and log: autograd
                                         derives their backward (slower: every step is kept)

Tests prove that both versions agree, values and gradients.  The fused ones are the default.
"""

from __future__ import annotations

from ..autograd import Function
from ..tensor import Tensor
from ._util import check_floating, normalize_dim, quiet, xp_of
from .reduce import amax
from .unary import _tensor_input, saved_output

__all__ = ["softmax", "log_softmax", "softmax_simple", "log_softmax_simple",
           "Softmax", "LogSoftmax"]


def _axes(x: Tensor, dim: int, op: str) -> tuple:
    """The one axis softmax runs along, as a tuple (empty for a 0-d tensor)."""
    if dim is None:
        raise TypeError(f"{op}: dim must be given (the axis whose entries sum to one)")
    axis = normalize_dim(dim, x.ndim, op)
    return (axis,) if x.ndim else ()


# ---------------------------------------------------------------------------------------------
# Fused versions
# ---------------------------------------------------------------------------------------------


class Softmax(Function):
    def __init__(self, axes: tuple):
        self.axes = axes

    def forward(self, x):
        xp = xp_of(x)
        # softmax(x) = softmax(x - c) for any c; c = max(x) makes every exponent <= 0
        shifted = x - x.max(axis=self.axes, keepdims=True)
        with quiet(xp):
            e = xp.exp(shifted)
            self.result = e / e.sum(axis=self.axes, keepdims=True)
        return self.result

    # dx = y * (g - sum(g * y))   (the Jacobian is diag(y) - y y^T)
    def backward(self, grad):
        y = saved_output(self)
        return y * (grad - (grad * y).sum(self.axes, keepdim=True))


def softmax(x: Tensor, dim: int) -> Tensor:
    """exp(x_i) / sum_j exp(x_j) along ``dim``: positive entries that sum to one.  Shape:
    unchanged.  Computed with the maximum subtracted first, so inputs of magnitude 1e4 (or any
    size) give exact, finite results.

    >>> import minigrad
    >>> minigrad.softmax(minigrad.tensor([[1.0, 1.0], [10000.0, 0.0]]), dim=1)
    tensor([[0.5, 0.5],
            [1.0, 0.0]])
    """
    x = _tensor_input(x, "softmax")
    check_floating(x, "softmax")
    return Softmax(_axes(x, dim, "softmax"))(x)


class LogSoftmax(Function):
    def __init__(self, axes: tuple):
        self.axes = axes

    def forward(self, x):
        xp = xp_of(x)
        # log softmax(x) = (x - m) - log sum exp(x - m) with m = max(x)
        shifted = x - x.max(axis=self.axes, keepdims=True)
        with quiet(xp):
            self.result = shifted - xp.log(xp.exp(shifted).sum(axis=self.axes, keepdims=True))
        return self.result

    # dx = g - exp(y) * sum(g)   (exp(y) is the softmax)
    def backward(self, grad):
        y = saved_output(self)
        return grad - y.exp() * grad.sum(self.axes, keepdim=True)


def log_softmax(x: Tensor, dim: int) -> Tensor:
    """log(softmax(x)) along ``dim``, computed directly as (x - m) - log sum exp(x - m) with m
    the maximum: finite even where softmax itself underflows to 0.  Shape: unchanged.

    >>> import minigrad
    >>> minigrad.log_softmax(minigrad.tensor([10000.0, 0.0]), dim=0)
    tensor([     0., -10000.])
    """
    x = _tensor_input(x, "log_softmax")
    check_floating(x, "log_softmax")
    return LogSoftmax(_axes(x, dim, "log_softmax"))(x)


# ---------------------------------------------------------------------------------------------
# Composite versions: the same math from primitives, autograd derives the backward
# ---------------------------------------------------------------------------------------------


def softmax_simple(x: Tensor, dim: int) -> Tensor:
    """softmax from primitives: e = exp(x - max(x)); e / sum(e).

    The maximum is a constant shift (softmax does not change when every input moves by the same
    amount), so it is detached: no gradient needs to flow through it.
    """
    x = _tensor_input(x, "softmax_simple")
    check_floating(x, "softmax_simple")
    axes = _axes(x, dim, "softmax_simple")
    shift = amax(x, axes, keepdim=True).detach()
    e = (x - shift).exp()
    return e / e.sum(axes, keepdim=True)


def log_softmax_simple(x: Tensor, dim: int) -> Tensor:
    """log_softmax from primitives: (x - m) - log(sum(exp(x - m))) with m = max(x) detached."""
    x = _tensor_input(x, "log_softmax_simple")
    check_floating(x, "log_softmax_simple")
    axes = _axes(x, dim, "log_softmax_simple")
    shifted = x - amax(x, axes, keepdim=True).detach()
    return shifted - shifted.exp().sum(axes, keepdim=True).log()
