"""Conversions that stay in the graph.

Holds: cast (dtype change), to_device (CPU <-> GPU copy), clone (a copy with its own memory).
"""

from __future__ import annotations

from .. import backend, dtypes
from ..autograd import Function
from ..tensor import Tensor

__all__ = ["cast", "to_device", "clone", "Cast", "ToDevice", "Clone"]


class Cast(Function):
    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        self.input_dtype = x.dtype
        return x.astype(self.dtype)

    # a dtype change is the identity on values: the gradient is cast back
    def backward(self, grad):
        return cast(grad, self.input_dtype)


def cast(x: Tensor, dtype) -> Tensor:
    """``x`` converted to ``dtype``.  Gradient flows only between floating dtypes."""
    dtype = dtypes.as_dtype(dtype)
    if dtype == x.dtype:
        return x
    if not dtypes.is_floating(dtype) and x.requires_grad:
        # Rounding to an integer type has no useful derivative: the result is a constant.
        return Tensor._from_op(x.data.astype(dtype), None, 0)
    return Cast(dtype)(x)


class ToDevice(Function):
    def __init__(self, device):
        self.device = device

    def forward(self, x):
        self.input_device = backend.device_of(x)
        return backend.to_device(x, self.device)

    # a copy between devices is the identity on values: the gradient is copied back
    def backward(self, grad):
        return to_device(grad, self.input_device)


def to_device(x: Tensor, device) -> Tensor:
    """``x`` copied to ``device`` ('cpu', 'cuda', 'cuda:N')."""
    device = backend.as_device(device)
    if device == x.device:
        return x
    return ToDevice(device)(x)


class Clone(Function):
    def forward(self, x):
        return x.copy()

    # d/dx copy(x) = 1
    def backward(self, grad):
        return grad


def clone(x: Tensor) -> Tensor:
    """A copy of ``x`` with its own memory; gradient flows back to ``x``."""
    return Clone()(x)
