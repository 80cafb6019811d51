"""nn.functional.padding: ``F.pad`` with PyTorch's signature.

Holds: pad.

The work and the gradient are in ``minigrad.ops.pad`` (``minigrad/ops/shape.py``): constant
padding is one Function, ``Pad``, whose backward slices the gradient back out; 'reflect',
'replicate' and 'circular' gather positions of the input with indexing, whose backward adds the
gradient of every copy back onto its source element.
"""

from __future__ import annotations

from collections.abc import Sequence

from ... import ops
from ...tensor import Tensor

__all__ = ["pad"]


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant",  # noqa: A002 -- PyTorch's names
        value: float | None = None) -> Tensor:
    """Pad ``input`` by ``pad``: (before, after) pairs starting at the LAST dim, so
    (1, 1, 2, 0) on (N, C, H, W) gives (N, C, H + 2, W + 2). Modes: 'constant' (``value``,
    default 0; negative pads crop), 'reflect', 'replicate', 'circular'.

    >>> import minigrad
    >>> pad(minigrad.ones(1, 1, 2, 2), (1, 1, 1, 1)).shape
    (1, 1, 4, 4)
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"pad: input must be a Tensor, got {type(input).__name__}")
    if value is not None and mode != "constant":
        raise ValueError(f"pad: value is only used with mode 'constant', not {mode!r}")
    return ops.pad(input, pad, mode, 0.0 if value is None else value)
