"""Shape and indexing ops.

Holds: reshape, squeeze, unsqueeze, transpose, permute, broadcast_to / expand,
sum_to (the one place broadcast gradients are reduced).
"""

from __future__ import annotations

from .. import backend
from ..autograd import Function
from ..tensor import Tensor
from ._util import normalize_dim, normalize_dims

__all__ = ["reshape", "squeeze", "unsqueeze", "transpose", "permute", "broadcast_to", "expand",
           "sum_to", "Reshape", "Permute", "BroadcastTo", "SumTo"]


def _shape_arg(shape) -> tuple:
    """Accept ``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])``."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


# ---------------------------------------------------------------------------------------------
# reshape
# ---------------------------------------------------------------------------------------------


class Reshape(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.input_shape = x.shape
        return x.reshape(self.shape)

    # reshape only moves elements: the gradient is reshaped back
    def backward(self, grad):
        return reshape(grad, self.input_shape)


def reshape(x: Tensor, *shape) -> Tensor:
    """The same elements in a new shape (one entry may be -1).  ``(N, M) -> shape``."""
    shape = _shape_arg(shape)
    if shape == x.shape:
        return x
    try:
        return Reshape(shape)(x)
    except ValueError:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {tuple(x.shape)} "
                         f"({x.numel()} elements) into shape {shape}") from None


def squeeze(x: Tensor, dim=None) -> Tensor:
    """Remove axes of size 1 (all of them, or those in ``dim`` that have size 1)."""
    axes = normalize_dims(dim, x.ndim, "squeeze") if x.ndim else ()
    shape = tuple(n for i, n in enumerate(x.shape) if not (i in axes and n == 1))
    return reshape(x, shape)


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    """Insert an axis of size 1 at ``dim`` (-1 appends one).  Shape (N, M), dim=1 -> (N, 1, M)."""
    dim = normalize_dim(dim, x.ndim + 1, "unsqueeze")
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


# ---------------------------------------------------------------------------------------------
# transpose / permute
# ---------------------------------------------------------------------------------------------


class Permute(Function):
    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        return x.transpose(self.axes)

    # permuting moves elements: the gradient is moved back by the inverse permutation
    def backward(self, grad):
        inverse = [0] * len(self.axes)
        for position, axis in enumerate(self.axes):
            inverse[axis] = position
        return permute(grad, *inverse)


def permute(x: Tensor, *dims) -> Tensor:
    """Reorder the axes: output axis i is input axis ``dims[i]``."""
    dims = _shape_arg(dims)
    axes = tuple(normalize_dim(d, x.ndim, "permute") for d in dims)
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"permute: dims {dims} are not a permutation of the {x.ndim} axes of "
                         f"a tensor of shape {tuple(x.shape)}")
    if axes == tuple(range(x.ndim)):
        return x
    return Permute(axes)(x)


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two axes."""
    axes = list(range(x.ndim))
    dim0 = normalize_dim(dim0, x.ndim, "transpose")
    dim1 = normalize_dim(dim1, x.ndim, "transpose")
    axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
    return permute(x, *axes)


# ---------------------------------------------------------------------------------------------
# broadcast_to / sum_to: each is the other's gradient
# ---------------------------------------------------------------------------------------------


class BroadcastTo(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.input_shape = x.shape
        return backend.get_array_module(x).broadcast_to(x, self.shape)

    # each input element was copied to several places: its gradient is the sum over them
    def backward(self, grad):
        return sum_to(grad, self.input_shape)


def broadcast_to(x: Tensor, shape) -> Tensor:
    """``x`` repeated along new leading or size-1 axes to ``shape`` (a read-only view)."""
    shape = tuple(int(s) for s in shape)
    if shape == x.shape:
        return x
    try:
        return BroadcastTo(shape)(x)
    except ValueError:
        raise ValueError(f"broadcast_to: cannot broadcast shape {tuple(x.shape)} to "
                         f"{shape}") from None


def expand(x: Tensor, *shape) -> Tensor:
    """``broadcast_to`` where -1 keeps the existing size (PyTorch's ``expand``)."""
    shape = _shape_arg(shape)
    offset = len(shape) - x.ndim
    if offset < 0:
        raise ValueError(f"expand: target shape {shape} has fewer dimensions than the tensor's "
                         f"{tuple(x.shape)}")
    resolved = tuple(x.shape[i - offset] if s == -1 and i >= offset else s
                     for i, s in enumerate(shape))
    return broadcast_to(x, resolved)


class SumTo(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.input_shape = x.shape
        return sum_to_array(x, self.shape)

    # the sum gives every input element the gradient of the output element it went into
    def backward(self, grad):
        return broadcast_to(grad, self.input_shape)


def sum_to(x: Tensor, shape) -> Tensor:
    """Sum ``x`` over the axes that broadcasting added or stretched, so the result has ``shape``.

    This is how every broadcasting op reduces its gradient: if ``a`` of shape (3, 1) was added
    to ``b`` of shape (2, 3, 4), the gradient (2, 3, 4) is summed to (3, 1).
    """
    shape = tuple(shape)
    if x.shape == shape:
        return x
    return SumTo(shape)(x)


def sum_to_array(array, shape):
    """The array-level work of sum_to: sum away leading axes, then the stretched size-1 axes."""
    lead = array.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, size in enumerate(shape) if size == 1 and array.shape[lead + i] != 1
    )
    result = array.sum(axis=axes, keepdims=True) if axes else array
    if lead:
        result = result.reshape(shape)
    return result
