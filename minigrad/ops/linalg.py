"""Linear algebra.

Holds:
    matmul                 -- 1-D, 2-D and batched N-D with broadcasting, as numpy.matmul
    mm, bmm, mv, dot, outer -- the fixed-rank products, thin checks around matmul
    einsum                 -- Einstein summation; its gradient is again an einsum
"""

from __future__ import annotations

import string

import numpy as np

from ..autograd import Function
from ..tensor import Tensor
from ._util import xp_of
from .shape import broadcast_to, reshape, sum_to

__all__ = ["matmul", "mm", "bmm", "mv", "dot", "outer", "einsum", "MatMul", "Einsum"]


# ---------------------------------------------------------------------------------------------
# matmul
# ---------------------------------------------------------------------------------------------


class MatMul(Function):
    def forward(self, a, b):
        xp = xp_of(a)
        if a.ndim > 2 and b.ndim == 2:
            # (..., n, k) @ (k, m) as one (batch * n, k) @ (k, m) product: one large GEMM is
            # faster than one small GEMM per batch entry (this is every Linear layer on 3-D input)
            rows = a.reshape(-1, a.shape[-1])
            return xp.matmul(rows, b).reshape(a.shape[:-1] + (b.shape[1],))
        return xp.matmul(a, b)

    # d(A @ B)/dA = G @ B^T,  d(A @ B)/dB = A^T @ G  (summed over broadcast batch dims)
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
            if b2.ndim == 2 and a2.ndim > 2:
                # every batch entry used the same B: fold the batch into one GEMM, which also
                # does the sum over the batch
                rows = reshape(a2, (-1, a2.shape[-1]))
                grad_b = matmul(rows.mT, reshape(grad2, (-1, grad2.shape[-1])))
            else:
                grad_b = sum_to(matmul(a2.mT, grad2), b2.shape)
            grad_b = reshape(grad_b, b.shape)
        return grad_a, grad_b


def matmul(a: Tensor, b: Tensor) -> Tensor:
    """Matrix product with NumPy's rules: (n,k)@(k,m)->(n,m); 1-D operands are vectors; leading
    batch dimensions broadcast, e.g. (B,1,n,k)@(H,k,m)->(B,H,n,m).

    >>> import minigrad
    >>> (minigrad.ones(2, 3) @ minigrad.ones(3)).tolist()
    [3.0, 3.0]
    """
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
    if a.ndim > 2 and b.ndim > 2:
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        except ValueError:
            raise ValueError(f"matmul: batch dimensions of shapes {tuple(a.shape)} and "
                             f"{tuple(b.shape)} cannot be broadcast") from None
    return MatMul()(a, b)


def _check_ranks(op: str, a: Tensor, b: Tensor, rank_a: int, rank_b: int) -> None:
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"{op}: expected two Tensors, got {type(a).__name__} and "
                        f"{type(b).__name__}")
    if a.ndim != rank_a or b.ndim != rank_b:
        raise ValueError(f"{op}: expected {rank_a}-D and {rank_b}-D tensors, got shapes "
                         f"{tuple(a.shape)} and {tuple(b.shape)}")


def mm(a: Tensor, b: Tensor) -> Tensor:
    """Matrix product of two 2-D tensors: (n, k) @ (k, m) -> (n, m)."""
    _check_ranks("mm", a, b, 2, 2)
    return matmul(a, b)


def bmm(a: Tensor, b: Tensor) -> Tensor:
    """Batched matrix product without broadcasting: (B, n, k) @ (B, k, m) -> (B, n, m)."""
    _check_ranks("bmm", a, b, 3, 3)
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"bmm: batch sizes of shapes {tuple(a.shape)} and {tuple(b.shape)} "
                         "differ")
    return matmul(a, b)


def mv(a: Tensor, v: Tensor) -> Tensor:
    """Matrix-vector product: (n, k) @ (k,) -> (n,)."""
    _check_ranks("mv", a, v, 2, 1)
    return matmul(a, v)


def dot(a: Tensor, b: Tensor) -> Tensor:
    """Inner product of two 1-D tensors of one length: sum_i a_i b_i, a 0-d tensor."""
    _check_ranks("dot", a, b, 1, 1)
    return matmul(a, b)


def outer(a: Tensor, b: Tensor) -> Tensor:
    """Outer product of two 1-D tensors: out[i, j] = a_i b_j, shape (n, m)."""
    _check_ranks("outer", a, b, 1, 1)
    return matmul(reshape(a, (a.shape[0], 1)), reshape(b, (1, b.shape[0])))


# ---------------------------------------------------------------------------------------------
# einsum
# ---------------------------------------------------------------------------------------------


class Einsum(Function):
    def __init__(self, terms, output):
        self.terms = terms  # one subscript string per operand, e.g. ["bij", "bjk"]
        self.output = output  # e.g. "bik"

    def forward(self, *arrays):
        equation = ",".join(self.terms) + "->" + self.output
        return xp_of(arrays[0]).einsum(equation, *arrays, optimize=len(arrays) > 1)

    # d/dX_i einsum(X_1..X_n) = einsum(G, X_j for j != i -> subscripts of X_i)
    def backward(self, grad):
        operands = self.inputs
        grads = []
        for i, term in enumerate(self.terms):
            if not self.needs_input_grad[i]:
                grads.append(None)
                continue
            others = [t for j, t in enumerate(self.terms) if j != i]
            seen = set(self.output).union(*others)
            # letters only in this operand were summed away: their gradient is a broadcast
            kept = "".join(letter for letter in term if letter in seen)
            tensors = [grad] + [x for j, x in enumerate(operands) if j != i]
            result = Einsum([self.output] + others, kept)(*tensors)
            if kept != term:
                shape = operands[i].shape
                kept_shape = tuple(n if letter in seen else 1 for letter, n in zip(term, shape))
                result = broadcast_to(reshape(result, kept_shape), shape)
            grads.append(result)
        return tuple(grads)


def einsum(equation: str, *operands) -> Tensor:
    """Einstein summation, as ``numpy.einsum``: ``einsum('bij,bjk->bik', a, b)`` is a batched
    matmul, ``einsum('i,i->', a, b)`` a dot product, ``einsum('ij->ji', a)`` a transpose.

    Letters name axes; a letter missing from the output is summed over.  ``...`` stands for
    broadcast batch axes.  Without ``->`` the output is the letters used once, in alphabetical
    order.  A letter repeated inside one operand (a diagonal, ``'ii->i'``) is not supported.

    >>> import minigrad
    >>> a = minigrad.ones(2, 3)
    >>> minigrad.einsum('ij,kj->ik', a, a).tolist()
    [[3.0, 3.0], [3.0, 3.0]]
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands or not all(isinstance(x, Tensor) for x in operands):
        raise TypeError("einsum: expected one or more Tensors after the equation")
    if len({x.dtype for x in operands}) > 1:
        listed = ", ".join(str(x.dtype) for x in operands)
        raise TypeError(f"einsum: operands must have one dtype, got {listed}")
    terms, output, sizes = _parse_einsum(equation, [x.shape for x in operands])
    expanded = []
    for term, x in zip(terms, operands):
        full = tuple(sizes[letter] for letter in term)
        expanded.append(broadcast_to(x, full) if full != x.shape else x)
    return Einsum(terms, output)(*expanded)


def _parse_einsum(equation: str, shapes) -> tuple:
    """Split an equation into one letter string per operand and the output string, with each
    ``...`` replaced by fresh letters.  Returns (terms, output, size of every letter)."""
    listed = ", ".join(str(tuple(s)) for s in shapes)
    equation = equation.replace(" ", "")
    left, arrow, output = equation.partition("->")
    terms = left.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: equation {equation!r} names {len(terms)} operands but "
                         f"{len(shapes)} were given")
    free = [c for c in string.ascii_letters if c not in equation]
    batch_rank = 0
    for term, shape in zip(terms, shapes):
        if "..." in term:
            batch_rank = max(batch_rank, len(shape) - len(term.replace("...", "")))
    batch = "".join(free[:batch_rank])
    resolved = []
    for term, shape in zip(terms, shapes):
        if "..." in term:
            rank = len(shape) - len(term.replace("...", ""))
            term = term.replace("...", batch[batch_rank - rank:] if rank > 0 else "")
        if not term.isalpha() and term:
            raise ValueError(f"einsum: bad subscripts {term!r} in {equation!r}")
        if len(term) != len(shape):
            raise ValueError(f"einsum: subscripts {term!r} do not match an operand of shape "
                             f"{tuple(shape)} (operands {listed})")
        if len(set(term)) != len(term):
            raise ValueError(f"einsum: a letter repeated in one operand ({term!r}, a diagonal) "
                             "is not supported")
        resolved.append(term)
    if arrow:
        output = output.replace("...", batch)
        if len(set(output)) != len(output) or not set(output) <= set("".join(resolved)):
            raise ValueError(f"einsum: output {output!r} of {equation!r} must use distinct "
                             "letters from the inputs")
    else:
        letters = "".join(resolved)
        once = sorted(c for c in set(letters) if letters.count(c) == 1 and c not in batch)
        output = batch + "".join(once)
    sizes = {}
    for term, shape in zip(resolved, shapes):
        for letter, n in zip(term, shape):
            known = sizes.get(letter)
            if known is None or known == 1:
                sizes[letter] = n
            elif n != known and n != 1:
                raise ValueError(f"einsum: subscript {letter!r} has sizes {known} and {n} in "
                                 f"{equation!r} (operands {listed})")
    return resolved, output, sizes
