"""Linear algebra.

Holds: matmul (1-D, 2-D and batched N-D with broadcasting, as numpy.matmul).
"""

from __future__ import annotations

from ..autograd import Function
from ..tensor import Tensor
from ._util import xp_of
from .shape import reshape, sum_to

__all__ = ["matmul", "MatMul"]


class MatMul(Function):
    def forward(self, a, b):
        return xp_of(a).matmul(a, b)

    # d(A @ B)/dA = G @ B^T,  d(A @ B)/dB = A^T @ G
    def backward(self, grad):
        a, b = self.inputs
        # A 1-D operand is a row (for a) or a column (for b): make that explicit, use the 2-D
        # rule, then drop the added axis again.
        a2 = reshape(a, (1, a.shape[0])) if a.ndim == 1 else a
        b2 = reshape(b, (b.shape[0], 1)) if b.ndim == 1 else b
        grad2 = grad
        if a.ndim == 1:
            grad2 = grad2.unsqueeze(-2 if b.ndim > 1 else 0)
        if b.ndim == 1:
            grad2 = grad2.unsqueeze(-1)
        grad_a = grad_b = None
        if self.needs_input_grad[0]:
            grad_a = sum_to(matmul(grad2, b2.mT), a2.shape)
            grad_a = reshape(grad_a, a.shape)
        if self.needs_input_grad[1]:
            grad_b = sum_to(matmul(a2.mT, grad2), b2.shape)
            grad_b = reshape(grad_b, b.shape)
        return grad_a, grad_b


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """Matrix product with NumPy's rules: (n,k)@(k,m)->(n,m); 1-D operands are vectors; leading
    batch dimensions broadcast, e.g. (B,1,n,k)@(H,k,m)->(B,H,n,m)."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"matmul: expected two Tensors, got {type(a).__name__} and "
                        f"{type(b).__name__}")
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: both arguments need at least 1 dimension, got shapes "
                         f"{tuple(a.shape)} and {tuple(b.shape)}")
    inner_a = a.shape[-1]
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if inner_a != inner_b:
        raise ValueError(f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} are not aligned "
                         f"({inner_a} != {inner_b})")
    if a.dtype != b.dtype:
        raise TypeError(f"matmul: expected both tensors to have the same dtype, got {a.dtype} "
                        f"and {b.dtype}")
    try:
        return MatMul()(a, b)
    except ValueError:
        raise ValueError(f"matmul: batch dimensions of shapes {tuple(a.shape)} and "
                         f"{tuple(b.shape)} cannot be broadcast") from None
