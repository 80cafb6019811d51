"""nn.functional.upsampling: resizing images (the op lives in ``minigrad/ops/pool.py``).

Holds: interpolate, upsample (its old name), upsample_nearest, upsample_bilinear.
"""

from __future__ import annotations

from ...ops.pool import interpolate
from ...tensor import Tensor

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest",  # noqa: A002
             align_corners: bool | None = None) -> Tensor:
    """The older name of ``interpolate`` (same arguments)."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:  # noqa: A002
    """``interpolate(input, size, scale_factor, mode='nearest')``."""
    return interpolate(input, size, scale_factor, "nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:  # noqa: A002
    """``interpolate(input, size, scale_factor, mode='bilinear', align_corners=True)``.

    >>> import minigrad
    >>> upsample_bilinear(minigrad.tensor([[[[0.0, 3.0]]]]), size=(1, 4)).tolist()
    [[[[0.0, 1.0, 2.0, 3.0]]]]
    """
    return interpolate(input, size, scale_factor, "bilinear", align_corners=True)
