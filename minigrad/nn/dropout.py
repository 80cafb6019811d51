"""Dropout layers: active in training mode, the identity after ``model.eval()``.

Holds: Dropout (elementwise), Dropout2d (whole channels), AlphaDropout (for SELU networks).
"""

from __future__ import annotations

from ..tensor import Tensor
from .functional.dropout import _check_probability, alpha_dropout, dropout, dropout2d
from .module import Module

__all__ = ["Dropout", "Dropout2d", "AlphaDropout"]


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        _check_probability(p, type(self).__name__)
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability ``p`` during training and scale the survivors by
    1 / (1 - p); the identity in eval mode.

    >>> import minigrad
    >>> layer = Dropout(0.25)
    >>> layer
    Dropout(p=0.25, inplace=False)
    >>> x = minigrad.ones(4)
    >>> layer.eval()(x) is x
    True
    """

    def forward(self, x: Tensor) -> Tensor:
        return dropout(x, self.p, self.training)


class Dropout2d(_DropoutNd):
    """Zero whole channels of an (N, C, H, W) input with probability ``p`` (training only)."""

    def forward(self, x: Tensor) -> Tensor:
        return dropout2d(x, self.p, self.training)


class AlphaDropout(_DropoutNd):
    """Dropout that keeps SELU activations at mean 0 and variance 1 (training only)."""

    def forward(self, x: Tensor) -> Tensor:
        return alpha_dropout(x, self.p, self.training)
