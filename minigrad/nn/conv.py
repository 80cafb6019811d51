"""Convolution layers: the module forms of ``nn.functional.conv``.

Holds:
    Conv1d           -- (N, C, L) -> (N, O, Lo), weight (O, C/groups, k)
    Conv2d           -- (N, C, H, W) -> (N, O, Ho, Wo), weight (O, C/groups, kh, kw)
    ConvTranspose2d  -- (N, C, H, W) -> (N, O, Ho, Wo), weight (C, O/groups, kh, kw)

Initialisation is PyTorch's: weight ~ kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(fan_in),
1/sqrt(fan_in)) with fan_in = weight.shape[1] * kh * kw, and bias ~ U(-1/sqrt(fan_in),
1/sqrt(fan_in)).  Hyperparameters are checked when the layer is built; the input's rank and
channel count when it is called.
"""

from __future__ import annotations

import math
import numbers

from .. import creation
from ..ops.conv import conv_transpose_output_size
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module, Parameter

__all__ = ["Conv1d", "Conv2d", "ConvTranspose2d"]


def _tuple(value, count: int, name: str, layer: str) -> tuple:
    """An int or a sequence of ``count`` ints as a tuple of ints."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return (int(value),) * count
    if isinstance(value, (tuple, list)) and len(value) == count and all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in value):
        return tuple(int(v) for v in value)
    raise TypeError(f"{layer}: {name} must be an int or a tuple of {count} ints, got {value!r}")


class _ConvNd(Module):
    """What Conv1d, Conv2d and ConvTranspose2d share: checked hyperparameters, the weight and
    bias, PyTorch's initialisation and the input check."""

    dims = 2
    transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride, padding,
                 dilation, groups: int, bias: bool, padding_mode: str, output_padding=0,
                 device=None, dtype=None):
        super().__init__()
        layer, dims = type(self).__name__, self.dims
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels),
                            ("groups", groups)):
            if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{layer}: {name} must be a positive int, got {value!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{layer}: groups={groups} must divide both in_channels="
                             f"{in_channels} and out_channels={out_channels}")
        self.kernel_size = _tuple(kernel_size, dims, "kernel_size", layer)
        self.stride = _tuple(stride, dims, "stride", layer)
        self.dilation = _tuple(dilation, dims, "dilation", layer)
        for name in ("kernel_size", "stride", "dilation"):
            if min(getattr(self, name)) <= 0:
                raise ValueError(f"{layer}: {name} must be positive, got {getattr(self, name)}")
        if isinstance(padding, str):
            if self.transposed or padding not in ("same", "valid"):
                allowed = "an int or a tuple" if self.transposed else "'same', 'valid', an int " \
                    "or a tuple"
                raise ValueError(f"{layer}: padding must be {allowed}, got {padding!r}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{layer}: padding='same' is only supported with stride 1, "
                                 f"got stride {self.stride}")
            self.padding = padding
        else:
            self.padding = _tuple(padding, dims, "padding", layer)
            if min(self.padding) < 0:
                raise ValueError(f"{layer}: padding must be non-negative, got {self.padding}")
        self.output_padding = _tuple(output_padding, dims, "output_padding", layer)
        for p, s, d in zip(self.output_padding, self.stride, self.dilation):
            if p < 0 or (p >= s and p >= d):
                raise ValueError(f"{layer}: output_padding {self.output_padding} must be "
                                 f"non-negative and smaller than either stride {self.stride} "
                                 f"or dilation {self.dilation}")
        if padding_mode != "zeros":
            raise ValueError(f"{layer}: only padding_mode='zeros' is supported, got "
                             f"{padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.padding_mode = padding_mode
        if self.transposed:
            shape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            shape = (out_channels, in_channels // groups) + self.kernel_size
        self.weight = Parameter(creation.empty(*shape, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(creation.empty(out_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: kaiming_uniform_(a=sqrt(5)) for the weight, U(-1/sqrt(fan_in),
        1/sqrt(fan_in)) for the bias, with fan_in = weight.shape[1] * prod(kernel_size)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    def _check_input(self, x: Tensor) -> None:
        """ValueError naming the layer unless x is (N, C_in, *spatial) or (C_in, *spatial)."""
        layer, dims = type(self).__name__, self.dims
        spatial = ("L",) if dims == 1 else ("H", "W")
        batched = ", ".join(("N", str(self.in_channels)) + spatial)
        unbatched = ", ".join((str(self.in_channels),) + spatial)
        if not isinstance(x, Tensor):
            raise TypeError(f"{layer}: expected a Tensor input, got {type(x).__name__}")
        if x.ndim not in (dims + 1, dims + 2) or x.shape[-dims - 1] != self.in_channels:
            raise ValueError(f"{layer}: expected input of shape ({batched}) or ({unbatched}), "
                             f"got input of shape {tuple(x.shape)}")

    def _call(self, function, *args):
        """Run the functional form; its ValueErrors (e.g. a kernel larger than the padded
        input) are re-raised naming this layer."""
        try:
            return function(*args)
        except ValueError as error:
            raise ValueError(f"{type(self).__name__}: {error}") from None

    def extra_repr(self) -> str:
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0,) * self.dims:
            padding = self.padding if isinstance(self.padding, tuple) else repr(self.padding)
            text += f", padding={padding}"
        if self.dilation != (1,) * self.dims:
            text += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self.dims:
            text += f", output_padding={self.output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        return text


class Conv1d(_ConvNd):
    """1-D convolution over (N, C_in, L) or (C_in, L) inputs, as ``torch.nn.Conv1d``.

    Output length Lo = floor((L + 2*padding - dilation*(k-1) - 1)/stride) + 1;
    ``padding`` may be 'same' (stride 1) or 'valid'.

    >>> import minigrad
    >>> layer = Conv1d(4, 2, kernel_size=3, padding=1)
    >>> layer(minigrad.zeros(5, 4, 10)).shape, layer.weight.shape
    ((5, 2, 10), (2, 4, 3))
    """

    dims = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device=device, dtype=dtype)

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        padding = self.padding if isinstance(self.padding, str) else self.padding[0]
        return self._call(F.conv1d, x, self.weight, self.bias, self.stride[0], padding,
                          self.dilation[0], self.groups)


class Conv2d(_ConvNd):
    """2-D convolution over (N, C_in, H, W) or (C_in, H, W) inputs, as ``torch.nn.Conv2d``.

    Output Ho = floor((H + 2*padding - dilation*(kh-1) - 1)/stride) + 1 (and Wo likewise);
    ``padding`` may be an int, a pair, 'same' (stride 1) or 'valid'.

    >>> import minigrad
    >>> layer = Conv2d(1, 6, kernel_size=5, padding=2)
    >>> layer(minigrad.zeros(2, 1, 28, 28)).shape, layer.weight.shape
    ((2, 6, 28, 28), (6, 1, 5, 5))
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device=device, dtype=dtype)

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        return self._call(F.conv2d, x, self.weight, self.bias, self.stride, self.padding,
                          self.dilation, self.groups)


class ConvTranspose2d(_ConvNd):
    """2-D transposed convolution, as ``torch.nn.ConvTranspose2d`` (the gradient of Conv2d
    with respect to its input; used to upsample in decoders and GAN generators).

    Output Ho = (H-1)*stride - 2*padding + dilation*(kh-1) + output_padding + 1.
    ``forward(x, output_size=None)``: ``output_size`` (H, W) picks the output_padding.

    >>> import minigrad
    >>> layer = ConvTranspose2d(8, 4, kernel_size=4, stride=2, padding=1)
    >>> layer(minigrad.zeros(2, 8, 7, 7)).shape, layer.weight.shape
    ((2, 4, 14, 14), (8, 4, 4, 4))
    """

    transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 output_padding=0, groups: int = 1, bias: bool = True, dilation=1,
                 padding_mode: str = "zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding, device=device, dtype=dtype)

    def _output_padding(self, x: Tensor, output_size) -> tuple:
        """The output_padding that gives ``output_size`` (PyTorch's rule), else the layer's."""
        if output_size is None:
            return self.output_padding
        wanted = tuple(int(s) for s in tuple(output_size)[-2:])
        padding = []
        for i in range(2):
            smallest = conv_transpose_output_size(x.shape[-2 + i], self.kernel_size[i],
                                                  self.stride[i], self.padding[i], 0,
                                                  self.dilation[i])
            extra = wanted[i] - smallest
            if not 0 <= extra < max(self.stride[i], self.dilation[i]):
                raise ValueError(f"ConvTranspose2d: requested output_size {wanted} is not "
                                 f"reachable from input of shape {tuple(x.shape)}: each side "
                                 f"must be between {smallest} and "
                                 f"{smallest + max(self.stride[i], self.dilation[i]) - 1}")
            padding.append(extra)
        return tuple(padding)

    def forward(self, x: Tensor, output_size=None) -> Tensor:
        self._check_input(x)
        output_padding = self._output_padding(x, output_size)
        return self._call(F.conv_transpose2d, x, self.weight, self.bias, self.stride,
                          self.padding, output_padding, self.groups, self.dilation)
