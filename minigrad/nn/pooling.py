"""Pooling layers: the module forms of ``nn.functional.pooling``.

Holds:
    MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d, MaxUnpool2d
                                            (N, C, H, W) or (C, H, W) inputs
    MaxPool1d, AvgPool1d, AdaptiveAvgPool1d, AdaptiveMaxPool1d
                                            (N, C, L) or (C, L) inputs

Kernel size, stride and padding are checked when the layer is built; the input's rank (and a
kernel larger than the padded input) when it is called.  No parameters.
"""

from __future__ import annotations

from ..ops.pool import check_pool_arguments
from ..tensor import Tensor
from . import functional as F
from .module import Module

__all__ = ["MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveMaxPool2d", "MaxUnpool2d",
           "MaxPool1d", "AvgPool1d", "AdaptiveAvgPool1d", "AdaptiveMaxPool1d"]


class _Pool(Module):
    """Shared input check and error naming of the pooling layers."""

    dims = 2

    def _check_input(self, x: Tensor) -> None:
        layer = type(self).__name__
        if not isinstance(x, Tensor):
            raise TypeError(f"{layer}: expected a Tensor input, got {type(x).__name__}")
        if self.dims == 2 and x.ndim not in (3, 4):
            raise ValueError(f"{layer}: expected input of shape (N, C, H, W) or (C, H, W), got "
                             f"input of shape {tuple(x.shape)}")
        if self.dims == 1 and x.ndim not in (2, 3):
            raise ValueError(f"{layer}: expected input of shape (N, C, L) or (C, L), got input "
                             f"of shape {tuple(x.shape)}")

    def _call(self, function, *args):
        self._check_input(args[0])
        try:
            return function(*args)
        except ValueError as error:
            raise ValueError(f"{type(self).__name__}: {error}") from None


def _checked(layer: str, dims: int, kernel_size, stride, padding, dilation=1) -> tuple:
    """Check the pooling hyperparameters now; 2-D ones come back as pairs, 1-D ones unchanged
    (checked as the image of height 1 they are pooled as)."""
    if dims == 2:
        return check_pool_arguments(layer, kernel_size, stride, padding, dilation)
    check_pool_arguments(layer, _height_one(kernel_size, 1),
                         None if stride is None else _height_one(stride, 1),
                         _height_one(padding, 0), _height_one(dilation, 1))
    return kernel_size, kernel_size if stride is None else stride, padding, dilation


def _height_one(value, neutral) -> tuple:
    """A 1-D pooling argument as the pair of an image of height 1: k -> (neutral, k)."""
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    return (neutral, value)


class MaxPool2d(_Pool):
    """Max over each kh x kw window, as ``torch.nn.MaxPool2d`` (see F.max_pool2d).

    >>> import minigrad
    >>> MaxPool2d(2)(minigrad.zeros(1, 3, 28, 28)).shape
    (1, 3, 14, 14)
    """

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1,
                 return_indices: bool = False, ceil_mode: bool = False):
        super().__init__()
        self.kernel_size, self.stride, self.padding, self.dilation = _checked(
            "MaxPool2d", 2, kernel_size, stride, padding, dilation)
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, x: Tensor):
        return self._call(F.max_pool2d, x, self.kernel_size, self.stride, self.padding,
                          self.dilation, self.ceil_mode, self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(_Pool):
    """Mean over each kh x kw window, as ``torch.nn.AvgPool2d`` (see F.avg_pool2d).

    >>> import minigrad
    >>> AvgPool2d(2)(minigrad.ones(1, 1, 4, 4)).tolist()
    [[[[1.0, 1.0], [1.0, 1.0]]]]
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True, divisor_override: int | None = None):
        super().__init__()
        self.kernel_size, self.stride, self.padding, _ = _checked(
            "AvgPool2d", 2, kernel_size, stride, padding)
        if divisor_override is not None and (not isinstance(divisor_override, int)
                                             or divisor_override <= 0):
            raise ValueError(f"AvgPool2d: divisor_override must be a positive int, got "
                             f"{divisor_override!r}")
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, x: Tensor) -> Tensor:
        return self._call(F.avg_pool2d, x, self.kernel_size, self.stride, self.padding,
                          self.ceil_mode, self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(_Pool):
    """Average pooling to a fixed output size, as ``torch.nn.AdaptiveAvgPool2d``.
    ``AdaptiveAvgPool2d(1)`` is global average pooling.

    >>> import minigrad
    >>> AdaptiveAvgPool2d((1, 1))(minigrad.ones(2, 3, 5, 7)).shape
    (2, 3, 1, 1)
    """

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return self._call(F.adaptive_avg_pool2d, x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(_Pool):
    """Max pooling to a fixed output size, as ``torch.nn.AdaptiveMaxPool2d``."""

    def __init__(self, output_size, return_indices: bool = False):
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, x: Tensor):
        return self._call(F.adaptive_max_pool2d, x, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class MaxUnpool2d(_Pool):
    """The partial inverse of MaxPool2d, as ``torch.nn.MaxUnpool2d``:
    ``forward(x, indices, output_size=None)`` puts every value back at its max position.

    >>> import minigrad
    >>> y, i = MaxPool2d(2, return_indices=True)(minigrad.tensor([[[[1.0, 2.0], [4.0, 3.0]]]]))
    >>> MaxUnpool2d(2)(y, i).tolist()
    [[[[0.0, 0.0], [4.0, 0.0]]]]
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size, self.stride, self.padding, _ = _checked(
            "MaxUnpool2d", 2, kernel_size, stride, padding)

    def forward(self, x: Tensor, indices: Tensor, output_size=None) -> Tensor:
        return self._call(F.max_unpool2d, x, indices, self.kernel_size, self.stride,
                          self.padding, output_size)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool1d(_Pool):
    """1-D max pooling over (N, C, L), as ``torch.nn.MaxPool1d``.

    >>> import minigrad
    >>> MaxPool1d(2)(minigrad.zeros(4, 3, 10)).shape
    (4, 3, 5)
    """

    dims = 1

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1,
                 return_indices: bool = False, ceil_mode: bool = False):
        super().__init__()
        self.kernel_size, self.stride, self.padding, self.dilation = _checked(
            "MaxPool1d", 1, kernel_size, stride, padding, dilation)
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, x: Tensor):
        return self._call(F.max_pool1d, x, self.kernel_size, self.stride, self.padding,
                          self.dilation, self.ceil_mode, self.return_indices)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool1d(_Pool):
    """1-D average pooling over (N, C, L), as ``torch.nn.AvgPool1d``."""

    dims = 1

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
                 count_include_pad: bool = True):
        super().__init__()
        self.kernel_size, self.stride, self.padding, _ = _checked(
            "AvgPool1d", 1, kernel_size, stride, padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, x: Tensor) -> Tensor:
        return self._call(F.avg_pool1d, x, self.kernel_size, self.stride, self.padding,
                          self.ceil_mode, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool1d(_Pool):
    """1-D adaptive average pooling, as ``torch.nn.AdaptiveAvgPool1d``."""

    dims = 1

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return self._call(F.adaptive_avg_pool1d, x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_Pool):
    """1-D adaptive max pooling, as ``torch.nn.AdaptiveMaxPool1d``."""

    dims = 1

    def __init__(self, output_size, return_indices: bool = False):
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, x: Tensor):
        return self._call(F.adaptive_max_pool1d, x, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
