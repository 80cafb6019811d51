"""Comparisons and logic.  Their results are boolean tensors that never require grad: a step
function has derivative zero almost everywhere, so there is nothing to differentiate.

Holds: eq, ne, lt, le, gt, ge, logical_not, logical_and, logical_or, logical_xor, isnan, isinf,
isfinite, sign, equal, allclose.
"""

from __future__ import annotations

from ..tensor import Tensor
from ._util import binary_operands, broadcast_shapes, xp_of

__all__ = ["eq", "ne", "lt", "le", "gt", "ge", "logical_not", "logical_and", "logical_or",
           "logical_xor", "isnan", "isinf", "isfinite", "sign", "equal", "allclose"]


def _constant(array) -> Tensor:
    """A result that takes no part in autograd (NumPy's 0-d scalars become 0-d arrays)."""
    return Tensor._from_op(xp_of(array).asarray(array), None, 0)


def _compare(a, b, op: str, ufunc_name: str) -> Tensor:
    a, b = binary_operands(a, b, op)
    if a.shape != b.shape:
        broadcast_shapes(op, a.shape, b.shape)
    ufunc = getattr(xp_of(a), ufunc_name)
    return _constant(ufunc(a.data, b.data))


def eq(a, b) -> Tensor:
    """Elementwise ``a == b`` (boolean, no grad)."""
    return _compare(a, b, "eq", "equal")


def ne(a, b) -> Tensor:
    """Elementwise ``a != b``."""
    return _compare(a, b, "ne", "not_equal")


def lt(a, b) -> Tensor:
    """Elementwise ``a < b``."""
    return _compare(a, b, "lt", "less")


def le(a, b) -> Tensor:
    """Elementwise ``a <= b``."""
    return _compare(a, b, "le", "less_equal")


def gt(a, b) -> Tensor:
    """Elementwise ``a > b``."""
    return _compare(a, b, "gt", "greater")


def ge(a, b) -> Tensor:
    """Elementwise ``a >= b``."""
    return _compare(a, b, "ge", "greater_equal")


def logical_and(a, b) -> Tensor:
    return _compare(a, b, "logical_and", "logical_and")


def logical_or(a, b) -> Tensor:
    return _compare(a, b, "logical_or", "logical_or")


def logical_xor(a, b) -> Tensor:
    return _compare(a, b, "logical_xor", "logical_xor")


def logical_not(x: Tensor) -> Tensor:
    """Elementwise not (``~x`` on a boolean tensor)."""
    if x.dtype.kind in "iu":
        return _constant(xp_of(x).invert(x.data))
    return _constant(xp_of(x).logical_not(x.data))


def isnan(x: Tensor) -> Tensor:
    return _constant(xp_of(x).isnan(x.data))


def isinf(x: Tensor) -> Tensor:
    return _constant(xp_of(x).isinf(x.data))


def isfinite(x: Tensor) -> Tensor:
    return _constant(xp_of(x).isfinite(x.data))


def sign(x: Tensor) -> Tensor:
    """-1, 0 or +1 elementwise, in x's dtype (no grad: its derivative is 0 almost everywhere)."""
    return _constant(xp_of(x).sign(x.data))


def equal(a: Tensor, b: Tensor) -> bool:
    """True when both tensors have the same shape and the same elements."""
    return a.shape == b.shape and bool((a.data == b.data).all())


def allclose(a: Tensor, b: Tensor, rtol: float = 1e-5, atol: float = 1e-8) -> bool:
    """True when ``|a - b| <= atol + rtol * |b|`` everywhere."""
    return bool(xp_of(a).allclose(a.data, b.data, rtol=rtol, atol=atol))
