"""nn.functional.conv: convolutions (the ops live in ``minigrad/ops/conv.py``).

Holds: conv1d, conv2d, conv_transpose2d.
"""

from __future__ import annotations

from ...ops.conv import conv1d, conv2d, conv_transpose2d

__all__ = ["conv1d", "conv2d", "conv_transpose2d"]
