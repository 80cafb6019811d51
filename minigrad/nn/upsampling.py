"""Upsampling layers: the module forms of ``nn.functional.interpolate``.

Holds: Upsample (nearest, linear, bilinear), UpsamplingNearest2d, UpsamplingBilinear2d
(bilinear with align_corners=True).
"""

from __future__ import annotations

import numbers

from ..tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]

_MODES = ("nearest", "linear", "bilinear")


class Upsample(Module):
    """Resize by ``scale_factor`` or to ``size``, as ``torch.nn.Upsample`` (see
    F.interpolate).  Exactly one of size and scale_factor must be given.

    >>> import minigrad
    >>> Upsample(scale_factor=2, mode='bilinear')(minigrad.zeros(1, 3, 4, 5)).shape
    (1, 3, 8, 10)
    """

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest",
                 align_corners: bool | None = None):
        super().__init__()
        layer = type(self).__name__
        if (size is None) == (scale_factor is None):
            raise ValueError(f"{layer}: give exactly one of size and scale_factor")
        if mode not in _MODES:
            raise ValueError(f"{layer}: mode must be one of {_MODES}, got {mode!r}")
        if align_corners is not None and mode == "nearest":
            raise ValueError(f"{layer}: align_corners can only be set with the interpolating "
                             f"modes 'linear' and 'bilinear'")
        values = size if size is not None else scale_factor
        values = values if isinstance(values, (tuple, list)) else (values,)
        if not all(isinstance(v, numbers.Real) and v > 0 for v in values):
            name = "size" if size is not None else "scale_factor"
            raise ValueError(f"{layer}: {name} must be positive, got {values!r}")
        self.size, self.scale_factor = size, scale_factor
        self.mode, self.align_corners = mode, align_corners

    def forward(self, x: Tensor) -> Tensor:
        try:
            return F.interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners)
        except ValueError as error:
            raise ValueError(f"{type(self).__name__}: {error}") from None

    def extra_repr(self) -> str:
        if self.size is not None:
            return f"size={self.size}, mode='{self.mode}'"
        return f"scale_factor={self.scale_factor}, mode='{self.mode}'"


class UpsamplingNearest2d(Upsample):
    """Nearest-neighbour upsampling of images: ``Upsample(size, scale_factor, 'nearest')``."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, "nearest")


class UpsamplingBilinear2d(Upsample):
    """Bilinear upsampling with align_corners=True: ``Upsample(size, scale_factor,
    'bilinear', align_corners=True)``."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, "bilinear", align_corners=True)
