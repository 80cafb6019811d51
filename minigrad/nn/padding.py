"""Padding layers: the module forms of ``F.pad`` for 1-D and 2-D inputs.

Holds: ZeroPad1d, ZeroPad2d, ConstantPad1d, ConstantPad2d, ReflectionPad1d, ReflectionPad2d,
ReplicationPad1d, ReplicationPad2d, CircularPad1d, CircularPad2d.

``padding`` is an int (the same on every side) or a tuple: (left, right) for the 1-D layers,
(left, right, top, bottom) for the 2-D ones, as in PyTorch.  The 1-D layers take (C, L) or
(N, C, L) and pad L; the 2-D layers take (C, H, W) or (N, C, H, W) and pad H and W.
"""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["ZeroPad1d", "ZeroPad2d", "ConstantPad1d", "ConstantPad2d", "ReflectionPad1d",
           "ReflectionPad2d", "ReplicationPad1d", "ReplicationPad2d", "CircularPad1d",
           "CircularPad2d"]


class _PadNd(Module):
    """Shared by the padding layers: checks ``padding`` and the input's rank, calls F.pad."""

    spatial_dims = 1
    mode = "constant"

    def __init__(self, padding, value: float = 0.0):
        super().__init__()
        layer = type(self).__name__
        sides = 2 * self.spatial_dims
        if isinstance(padding, int):
            padding = (padding,) * sides
        padding = tuple(padding)
        if len(padding) != sides or not all(isinstance(p, int) for p in padding):
            raise ValueError(f"{layer}: padding must be an int or a tuple of {sides} ints, "
                             f"got {padding!r}")
        self.padding = padding
        self.value = value

    def forward(self, x: Tensor) -> Tensor:
        ranks = (self.spatial_dims + 1, self.spatial_dims + 2)
        if x.ndim not in ranks:
            raise ValueError(f"{type(self).__name__}: expected a {ranks[0]}-D or {ranks[1]}-D "
                             f"input, got shape {tuple(x.shape)}")
        if self.mode == "constant":
            return F.pad(x, self.padding, "constant", self.value)
        return F.pad(x, self.padding, self.mode)

    def extra_repr(self) -> str:
        if self.mode == "constant" and type(self).__name__.startswith("Constant"):
            return f"padding={self.padding}, value={self.value}"
        return f"{self.padding}"


class ZeroPad1d(_PadNd):
    """Pad the last dim with zeros."""


class ZeroPad2d(_PadNd):
    """Pad the last two dims with zeros."""

    spatial_dims = 2


class ConstantPad1d(_PadNd):
    """Pad the last dim with ``value``."""

    def __init__(self, padding, value: float):
        super().__init__(padding, value)


class ConstantPad2d(_PadNd):
    """Pad the last two dims with ``value``."""

    spatial_dims = 2

    def __init__(self, padding, value: float):
        super().__init__(padding, value)


class ReflectionPad1d(_PadNd):
    """Pad the last dim with its mirror image, the edge not repeated: [1, 2, 3] by 2 on the
    left gives [3, 2, 1, 2, 3]."""

    mode = "reflect"


class ReflectionPad2d(_PadNd):
    """Pad the last two dims with their mirror image, the edge not repeated."""

    spatial_dims = 2
    mode = "reflect"


class ReplicationPad1d(_PadNd):
    """Pad the last dim by repeating its edge values."""

    mode = "replicate"


class ReplicationPad2d(_PadNd):
    """Pad the last two dims by repeating their edge values."""

    spatial_dims = 2
    mode = "replicate"


class CircularPad1d(_PadNd):
    """Pad the last dim by wrapping around: the left pad comes from the right end."""

    mode = "circular"


class CircularPad2d(_PadNd):
    """Pad the last two dims by wrapping around."""

    spatial_dims = 2
    mode = "circular"
