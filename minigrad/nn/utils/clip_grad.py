"""Gradient clipping: rescale or clamp the parameters' ``.grad`` in place between ``backward``
and ``optimizer.step()`` (against exploding gradients, e.g. in RNNs).

Holds:
    clip_grad_norm_(parameters, max_norm, norm_type)    scale all gradients by one factor so
                                                        their joint norm is at most max_norm
    clip_grad_value_(parameters, clip_value)            clamp every gradient element
    get_total_norm(tensors, norm_type)                  the joint norm of several tensors
    clip_grads_with_norm_(parameters, max_norm, total_norm)
                                                        the scaling step of clip_grad_norm_
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from ... import backend
from ...tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]


def _tensor_list(tensors, what: str) -> list[Tensor]:
    """A Tensor or an iterable of Tensors (a generator such as model.parameters()) as a list."""
    if isinstance(tensors, Tensor):
        return [tensors]
    tensors = list(tensors)
    for index, tensor in enumerate(tensors):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"{what}: expected Tensors, but item {index} is a "
                            f"{type(tensor).__name__}")
    return tensors


def _norm_order(norm_type, what: str) -> float:
    order = float(norm_type)
    if not order > 0:
        raise ValueError(f"{what}: norm_type must be > 0 or inf, got {norm_type}")
    return order


def _distinct_grads(parameters: list[Tensor]) -> list:
    """The gradient arrays of the parameters, each array once (two parameters may share one:
    scaling it twice would be wrong)."""
    arrays, seen = [], set()
    for param in parameters:
        if param.grad is not None and id(param.grad.data) not in seen:
            seen.add(id(param.grad.data))
            arrays.append(param.grad.data)
    return arrays


def get_total_norm(tensors: Tensor | Iterable[Tensor], norm_type: float = 2.0,
                   error_if_nonfinite: bool = False) -> Tensor:
    """The p-norm of all ``tensors`` together, as if they were concatenated into one vector::

        ||(x_1, ..., x_n)||_p = (sum_i ||x_i||_p^p)^(1/p)        (p = inf: max_i ||x_i||_inf)

    Computed as the norm of the vector of per-tensor norms.  Returns a 0-d Tensor (0.0 for no
    tensors).  ``error_if_nonfinite`` raises RuntimeError when the norm is NaN or inf.
    """
    order = _norm_order(norm_type, "get_total_norm")
    tensors = _tensor_list(tensors, "get_total_norm")
    if not tensors:
        return Tensor(0.0)
    xp = backend.get_array_module(tensors[0].data)
    norms = xp.stack([xp.linalg.norm(t.data.ravel(), ord=order) for t in tensors])
    total = xp.linalg.norm(norms, ord=order)
    if error_if_nonfinite and not math.isfinite(float(total)):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the "
            "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    return Tensor(xp.asarray(total))


def clip_grads_with_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                          total_norm: Tensor | float) -> None:
    """Multiply every gradient, in place, by ``min(1, max_norm / (total_norm + 1e-6))``."""
    parameters = _tensor_list(parameters, "clip_grads_with_norm_")
    if not max_norm >= 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0, got {max_norm}")
    coefficient = float(max_norm) / (float(total_norm) + 1e-6)
    if coefficient >= 1.0:          # already within the bound (NaN falls through, as in PyTorch)
        return
    for grad in _distinct_grads(parameters):
        grad *= coefficient


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Tensor:
    """Rescale the gradients of ``parameters`` in place so that their joint norm is at most
    ``max_norm``; returns the joint norm they had before (a 0-d Tensor).

    With ``total = ||(g_1, ..., g_n)||_p`` (see get_total_norm; ``norm_type=float('inf')`` is
    the largest absolute element), every gradient becomes::

        g_i <- g_i * min(1, max_norm / (total + 1e-6))

    so the direction of the update is kept and only its length is bounded.  Parameters whose
    ``.grad`` is None are skipped.  ``foreach`` is accepted for PyTorch compatibility.

    >>> import minigrad
    >>> w = minigrad.zeros(2, requires_grad=True)
    >>> w.grad = minigrad.tensor([3.0, 4.0])
    >>> minigrad.nn.utils.clip_grad_norm_([w], max_norm=1.0)
    tensor(5.)
    >>> w.grad
    tensor([0.6, 0.8])
    """
    parameters = _tensor_list(parameters, "clip_grad_norm_")
    grads = [param.grad for param in parameters if param.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(parameters, max_norm, total)
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp every gradient element of ``parameters`` into [-clip_value, clip_value], in place.

    >>> import minigrad
    >>> w = minigrad.zeros(3, requires_grad=True)
    >>> w.grad = minigrad.tensor([-3.0, 0.5, 2.0])
    >>> minigrad.nn.utils.clip_grad_value_([w], clip_value=1.0)
    >>> w.grad
    tensor([-1.0,  0.5,  1.0])
    """
    parameters = _tensor_list(parameters, "clip_grad_value_")
    if not clip_value >= 0:
        raise ValueError(f"clip_grad_value_: clip_value must be >= 0, got {clip_value}")
    for grad in _distinct_grads(parameters):
        xp = backend.get_array_module(grad)
        xp.clip(grad, -clip_value, clip_value, out=grad)
