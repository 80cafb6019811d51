"""Elementwise math.

Holds: exp, log, where.
"""

from __future__ import annotations

from ..autograd import Function
from ..tensor import Tensor
from ._util import as_tensor_like, broadcast_shapes, quiet, xp_of
from .shape import sum_to

__all__ = ["exp", "log", "where", "Exp", "Log", "Where"]


class Exp(Function):
    def forward(self, x):
        return xp_of(x).exp(x)

    # d/dx exp(x) = exp(x)
    def backward(self, grad):
        (x,) = self.inputs
        return grad * exp(x)


def exp(x: Tensor) -> Tensor:
    """Elementwise e^x."""
    return Exp()(x)


class Log(Function):
    def forward(self, x):
        xp = xp_of(x)
        with quiet(xp):
            return xp.log(x)

    # d/dx log(x) = 1 / x
    def backward(self, grad):
        (x,) = self.inputs
        return grad / x


def log(x: Tensor) -> Tensor:
    """Elementwise natural logarithm; log(0) = -inf and log of a negative number is nan."""
    return Log()(x)


class Where(Function):
    def __init__(self, condition):
        self.condition = condition

    def forward(self, a, b):
        return xp_of(a).where(self.condition, a, b)

    # d/da where(c, a, b) = c, d/db where(c, a, b) = not c
    def backward(self, grad):
        a, b = self.inputs
        zeros = grad * 0
        grad_a = sum_to(where(self.condition, grad, zeros), a.shape) if self.needs_input_grad[0] \
            else None
        grad_b = sum_to(where(self.condition, zeros, grad), b.shape) if self.needs_input_grad[1] \
            else None
        return grad_a, grad_b


def where(condition, a, b) -> Tensor:
    """Elementwise ``a`` where ``condition`` is true, else ``b`` (all three broadcast)."""
    like = a if isinstance(a, Tensor) else b
    if not isinstance(like, Tensor):
        raise TypeError("where: expected a or b to be a Tensor")
    a = as_tensor_like(a, like, "where")
    b = as_tensor_like(b, a, "where")
    condition_array = condition.data if isinstance(condition, Tensor) else condition
    if getattr(condition_array, "dtype", None) is None or condition_array.dtype.kind != "b":
        raise TypeError("where: condition must be a boolean tensor")
    broadcast_shapes("where", condition_array.shape, a.shape, b.shape)
    return Where(condition_array)(a, b)

