"""Reductions.

Holds: sum.
"""

from __future__ import annotations

from ..autograd import Function
from ..tensor import Tensor
from ._util import normalize_dims
from .shape import broadcast_to, reshape

__all__ = ["sum", "Sum"]


class Sum(Function):
    def __init__(self, axes, keepdim):
        self.axes = axes
        self.keepdim = keepdim

    def forward(self, x):
        self.input_shape = x.shape
        return x.sum(axis=self.axes, keepdims=self.keepdim)

    # d(sum x)/dx_i = 1: every input element gets the gradient of the sum it went into
    def backward(self, grad):
        if not self.keepdim:
            kept_shape = tuple(1 if i in self.axes else n for i, n in enumerate(self.input_shape))
            grad = reshape(grad, kept_shape)
        return broadcast_to(grad, self.input_shape)


def sum(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001 -- the op's name
    """Sum over ``dim`` (None: all axes; an int or a tuple).  Shape: the reduced axes are removed,
    or kept with size 1 when ``keepdim``."""
    axes = normalize_dims(dim, x.ndim, "sum")
    return Sum(axes, keepdim)(x)
