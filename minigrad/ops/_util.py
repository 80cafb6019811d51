"""Small helpers shared by the op families: turning Python numbers into tensors, normalising
``dim`` arguments and reading the array module of a tensor.  No derivatives here."""

from __future__ import annotations

import contextlib
import numbers

import numpy as np

from .. import backend, dtypes
from ..tensor import Tensor


def xp_of(x):
    """numpy or cupy, whichever holds ``x`` (a Tensor or a backend array)."""
    return backend.get_array_module(x.data if isinstance(x, Tensor) else x)


def quiet(xp):
    """A context that silences NumPy's divide/invalid/overflow warnings: log(0) = -inf and
    exp(1000) = inf are answers, not crashes.  (CuPy never warns.)"""
    if xp is np:
        return np.errstate(divide="ignore", invalid="ignore", over="ignore")
    return contextlib.nullcontext()


def as_tensor_like(value, like: Tensor, op: str) -> Tensor:
    """``value`` as a Tensor on ``like``'s device.

    A Python number takes ``like``'s dtype, so ``x * 2.0`` stays float32 -- except that a float
    scalar meeting an integer or bool tensor gives the default float dtype (``int_tensor * 0.5``
    is float32, as in PyTorch).
    """
    if isinstance(value, Tensor):
        return value
    if isinstance(value, numbers.Number) and not isinstance(value, np.ndarray):
        dtype = like.data.dtype
        if isinstance(value, bool):
            dtype = dtype if dtype.kind != "b" else dtypes.bool_
        elif isinstance(value, numbers.Integral):
            dtype = dtype if dtype.kind != "b" else dtypes.int64
        elif isinstance(value, numbers.Real):
            dtype = dtype if dtype.kind in "fc" else dtypes.get_default_dtype()
        else:
            raise TypeError(f"{op}: complex numbers are not supported")
        xp = backend.get_array_module(like.data)
        return Tensor._from_op(xp.asarray(value, dtype=dtype), None, 0)
    if isinstance(value, np.ndarray) or backend.is_cuda_array(value):
        return Tensor(value)
    if isinstance(value, (list, tuple)):
        return Tensor(value, device=like.device)
    raise TypeError(f"{op}: unsupported operand of type {type(value).__name__}")


def binary_operands(a, b, op: str) -> tuple[Tensor, Tensor]:
    """Both operands of a binary op as Tensors, with Python numbers adopting the other's dtype.

    An integer tensor meeting a float scalar is promoted to the default float dtype first."""
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            if a.data.dtype is b.data.dtype:
                return a, b
            return _promote_integer_side(a, b)
        b = as_tensor_like(b, a, op)
        if b.data.dtype.kind == "f" and a.data.dtype.kind in "iub":
            a = a.to(b.data.dtype)
        return a, b
    if not isinstance(b, Tensor):
        raise TypeError(f"{op}: expected at least one Tensor, got {type(a).__name__} and "
                        f"{type(b).__name__}")
    a = as_tensor_like(a, b, op)
    if a.data.dtype.kind == "f" and b.data.dtype.kind in "iub":
        b = b.to(a.data.dtype)
    return a, b


def _promote_integer_side(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """Bring two tensors of different dtypes to one, as PyTorch does:
    float meets integer/bool -> the float dtype (float32 + int64 is float32; NumPy alone would
    give float64); float32 meets float64 -> float64.  The cast is an op, so the gradient of the
    narrower input comes back in its own dtype."""
    a_kind, b_kind = a.data.dtype.kind, b.data.dtype.kind
    if a_kind == "f" and b_kind in "iub":
        b = b.to(a.data.dtype)
    elif b_kind == "f" and a_kind in "iub":
        a = a.to(b.data.dtype)
    elif a_kind == "f" and b_kind == "f":
        wider = a.data.dtype if a.data.dtype.itemsize >= b.data.dtype.itemsize else b.data.dtype
        a, b = a.to(wider), b.to(wider)
    return a, b


def broadcast_shapes(op: str, *shapes) -> tuple:
    """The broadcast shape of ``shapes``, or a ValueError naming the op and every shape."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        listed = " and ".join(str(tuple(s)) for s in shapes)
        raise ValueError(f"{op}: shapes {listed} cannot be broadcast together") from None


def normalize_dim(dim: int, ndim: int, op: str) -> int:
    """A possibly negative dimension index as a non-negative one, checked against ``ndim``."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}")
    low = -max(ndim, 1)
    high = max(ndim, 1) - 1
    if not low <= dim <= high:
        raise IndexError(f"{op}: dim {dim} is out of range for a tensor with {ndim} dimensions "
                         f"(expected {low} to {high})")
    return int(dim) % max(ndim, 1)


def normalize_dims(dim, ndim: int, op: str) -> tuple:
    """``dim`` (None, an int or a sequence of ints) as a sorted tuple of non-negative axes;
    None means every axis."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        axes = tuple(sorted({normalize_dim(d, ndim, op) for d in dim}))
        if len(axes) != len(dim):
            raise ValueError(f"{op}: dim {tuple(dim)} names an axis twice")
        return axes
    return (normalize_dim(dim, ndim, op),)


def check_floating(tensor: Tensor, op: str) -> None:
    """TypeError naming the op when a floating point input is required."""
    if tensor.data.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point tensor, got dtype {tensor.dtype}")
