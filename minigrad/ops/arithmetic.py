"""Arithmetic: add, sub, mul, div, neg, pow -- plus floor_divide and remainder.

Binary ops broadcast like NumPy.  Their backward computes the gradient at the broadcast shape
and reduces it to each input's shape with ``sum_to`` (the one place that does this).
A Python number meeting a tensor takes the tensor's dtype (``x * 2.0`` stays float32).
"""

from __future__ import annotations

from ..autograd import Function
from ..tensor import Tensor
from ._util import binary_operands, broadcast_shapes, xp_of
from .shape import sum_to

__all__ = ["add", "sub", "mul", "div", "true_divide", "neg", "pow", "floor_divide", "remainder",
           "Add", "Sub", "Mul", "Div", "Neg", "Pow", "Remainder"]


def _apply_binary(function_class, a, b, op: str) -> Tensor:
    """Convert the operands (Python numbers adopt the tensor's dtype) and run the Function.
    A broadcasting failure inside NumPy becomes a ValueError naming the op and both shapes."""
    a, b = binary_operands(a, b, op)
    try:
        return function_class()(a, b)
    except ValueError:
        broadcast_shapes(op, a.shape, b.shape)
        raise


# ---------------------------------------------------------------------------------------------
# add / sub
# ---------------------------------------------------------------------------------------------


class Add(Function):
    def forward(self, a, b):
        return a + b

    # d(a + b)/da = 1, d(a + b)/db = 1
    def backward(self, grad):
        a, b = self.inputs
        grad_a = sum_to(grad, a.shape) if self.needs_input_grad[0] else None
        grad_b = sum_to(grad, b.shape) if self.needs_input_grad[1] else None
        return grad_a, grad_b


def add(a, b) -> Tensor:
    """Elementwise ``a + b`` with broadcasting; result shape is the broadcast shape."""
    return _apply_binary(Add, a, b, "add")


class Sub(Function):
    def forward(self, a, b):
        return a - b

    # d(a - b)/da = 1, d(a - b)/db = -1
    def backward(self, grad):
        a, b = self.inputs
        grad_a = sum_to(grad, a.shape) if self.needs_input_grad[0] else None
        grad_b = sum_to(-grad, b.shape) if self.needs_input_grad[1] else None
        return grad_a, grad_b


def sub(a, b) -> Tensor:
    """Elementwise ``a - b`` with broadcasting."""
    return _apply_binary(Sub, a, b, "sub")


# ---------------------------------------------------------------------------------------------
# mul / div
# ---------------------------------------------------------------------------------------------


class Mul(Function):
    def forward(self, a, b):
        return a * b

    # d(a * b)/da = b, d(a * b)/db = a
    def backward(self, grad):
        a, b = self.inputs
        grad_a = sum_to(grad * b, a.shape) if self.needs_input_grad[0] else None
        grad_b = sum_to(grad * a, b.shape) if self.needs_input_grad[1] else None
        return grad_a, grad_b


def mul(a, b) -> Tensor:
    """Elementwise ``a * b`` with broadcasting."""
    return _apply_binary(Mul, a, b, "mul")


class Div(Function):
    def forward(self, a, b):
        return a / b

    # d(a / b)/da = 1 / b, d(a / b)/db = -a / b^2  (computed as -(a / b) / b: no overflow of b^2)
    def backward(self, grad):
        a, b = self.inputs
        grad_a = sum_to(grad / b, a.shape) if self.needs_input_grad[0] else None
        grad_b = sum_to(-grad * (a / b) / b, b.shape) if self.needs_input_grad[1] else None
        return grad_a, grad_b


def div(a, b) -> Tensor:
    """Elementwise true division ``a / b`` with broadcasting (integers give floats)."""
    a, b = binary_operands(a, b, "div")
    if a.data.dtype.kind in "iub" and b.data.dtype.kind in "iub":
        a, b = a.float(), b.float()
    return _apply_binary(Div, a, b, "div")


true_divide = div


# ---------------------------------------------------------------------------------------------
# neg / pow
# ---------------------------------------------------------------------------------------------


class Neg(Function):
    def forward(self, x):
        return -x

    # d(-x)/dx = -1
    def backward(self, grad):
        return -grad


def neg(x: Tensor) -> Tensor:
    """Elementwise ``-x``."""
    return Neg()(x)


class Pow(Function):
    def forward(self, base, exponent):
        return base ** exponent

    # d(b^e)/db = e * b^(e-1),  d(b^e)/de = b^e * log(b)
    def backward(self, grad):
        base, exponent = self.inputs
        grad_base = grad_exponent = None
        if self.needs_input_grad[0]:
            grad_base = sum_to(grad * exponent * base ** (exponent - 1), base.shape)
        if self.needs_input_grad[1]:
            result = base ** exponent
            grad_exponent = sum_to(grad * result * _safe_log(base), exponent.shape)
        return grad_base, grad_exponent


def _safe_log(base: Tensor) -> Tensor:
    """log(base) where base > 0 and 0 elsewhere: the exponent gradient of 0^e is taken as 0 (as
    PyTorch does), instead of the NaN that 0 * log(0) would give."""
    from .unary import log, where

    positive = base > 0
    return where(positive, log(where(positive, base, 1.0)), 0.0)


def pow(base, exponent) -> Tensor:  # noqa: A001 -- the op's name
    """Elementwise ``base ** exponent``; either may be a Python number or a Tensor."""
    return _apply_binary(Pow, base, exponent, "pow")


# ---------------------------------------------------------------------------------------------
# floor_divide / remainder
# ---------------------------------------------------------------------------------------------


def floor_divide(a, b) -> Tensor:
    """Elementwise ``a // b`` (rounds toward minus infinity); not differentiable."""
    a, b = binary_operands(a, b, "floor_divide")
    broadcast_shapes("floor_divide", a.shape, b.shape)
    return Tensor._from_op(xp_of(a).asarray(a.data // b.data), None, 0)


class Remainder(Function):
    def forward(self, a, b):
        return a % b

    # d(a mod b)/da = 1, d(a mod b)/db = -floor(a / b)
    def backward(self, grad):
        a, b = self.inputs
        grad_a = sum_to(grad, a.shape) if self.needs_input_grad[0] else None
        grad_b = None
        if self.needs_input_grad[1]:
            grad_b = sum_to(-grad * floor_divide(a, b), b.shape)
        return grad_a, grad_b


def remainder(a, b) -> Tensor:
    """Elementwise ``a % b`` with the sign of ``b`` (Python's and PyTorch's convention)."""
    return _apply_binary(Remainder, a, b, "remainder")
