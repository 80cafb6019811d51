"""nn.functional.pooling: max, average, adaptive pooling and unpooling.

Holds:
    max_pool2d, avg_pool2d, adaptive_avg_pool2d, adaptive_max_pool2d, max_unpool2d
                                 the 2-D ops (``minigrad/ops/pool.py``)
    max_pool1d, avg_pool1d, adaptive_avg_pool1d, adaptive_max_pool1d
                                 (N, C, L) inputs, pooled as images of height 1
"""

from __future__ import annotations

from ...ops.pool import (
    adaptive_avg_pool2d,
    adaptive_max_pool2d,
    avg_pool2d,
    max_pool2d,
    max_unpool2d,
)
from ...ops.shape import reshape
from ...tensor import Tensor

__all__ = ["max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d",
           "max_unpool2d", "max_pool1d", "avg_pool1d", "adaptive_avg_pool1d",
           "adaptive_max_pool1d"]


def _as_image(x: Tensor, op: str) -> Tensor:
    """(N, C, L) or (C, L) -> an image of height 1, (N, C, 1, L) or (C, 1, L)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(x).__name__}")
    if x.ndim not in (2, 3):
        raise ValueError(f"{op}: expected a 2-D (C, L) or 3-D (N, C, L) input, got input of "
                         f"shape {tuple(x.shape)}")
    return reshape(x, x.shape[:-1] + (1, x.shape[-1]))


def _as_sequence(y: Tensor) -> Tensor:
    return reshape(y, y.shape[:-2] + (y.shape[-1],))


def _single(value, name: str, op: str) -> int:
    if isinstance(value, (tuple, list)):
        if len(value) != 1:
            raise TypeError(f"{op}: {name} must be an int or a tuple of 1 int, got {value!r}")
        value = value[0]
    return value


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
               ceil_mode: bool = False, return_indices: bool = False):
    """1-D max pooling: (N, C, L) -> (N, C, Lo), Lo = floor((L + 2p - d*(k-1) - 1)/s) + 1.

    >>> import minigrad
    >>> max_pool1d(minigrad.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2).tolist()
    [[[3.0, 2.0]]]
    """
    op = "max_pool1d"
    kernel = _single(kernel_size, "kernel_size", op)
    stride = kernel if stride is None else _single(stride, "stride", op)
    result = max_pool2d(_as_image(input, op), (1, kernel), (1, stride),
                        (0, _single(padding, "padding", op)),
                        (1, _single(dilation, "dilation", op)), ceil_mode, return_indices)
    if return_indices:
        return _as_sequence(result[0]), _as_sequence(result[1])
    return _as_sequence(result)


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0,  # noqa: A002
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """1-D average pooling: (N, C, L) -> (N, C, Lo).

    >>> import minigrad
    >>> avg_pool1d(minigrad.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2).tolist()
    [[[2.0, 1.0]]]
    """
    op = "avg_pool1d"
    kernel = _single(kernel_size, "kernel_size", op)
    stride = kernel if stride is None else _single(stride, "stride", op)
    y = avg_pool2d(_as_image(input, op), (1, kernel), (1, stride),
                   (0, _single(padding, "padding", op)), ceil_mode, count_include_pad)
    return _as_sequence(y)


def adaptive_avg_pool1d(input: Tensor, output_size) -> Tensor:  # noqa: A002
    """1-D adaptive average pooling: (N, C, L) -> (N, C, output_size)."""
    op = "adaptive_avg_pool1d"
    y = adaptive_avg_pool2d(_as_image(input, op), (1, _single(output_size, "output_size", op)))
    return _as_sequence(y)


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):  # noqa: A002
    """1-D adaptive max pooling: (N, C, L) -> (N, C, output_size)."""
    op = "adaptive_max_pool1d"
    result = adaptive_max_pool2d(_as_image(input, op),
                                 (1, _single(output_size, "output_size", op)), return_indices)
    if return_indices:
        return _as_sequence(result[0]), _as_sequence(result[1])
    return _as_sequence(result)
