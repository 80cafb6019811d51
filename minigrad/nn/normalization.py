"""Normalization layers: the module forms of ``nn.functional.normalization``.

Holds:
    BatchNorm1d (N, C) or (N, C, L), BatchNorm2d (N, C, H, W)
                        -- per-channel batch statistics while training, running statistics in
                           eval mode; buffers running_mean, running_var, num_batches_tracked
    LayerNorm           -- per-sample statistics over the last dims (normalized_shape)
    GroupNorm           -- per-(sample, channel group) statistics
    InstanceNorm2d      -- per-(sample, channel) statistics over H, W
    LocalResponseNorm   -- divides by the energy of neighbouring channels (AlexNet)

Learnable affine parameters start as weight = 1, bias = 0 (PyTorch's initialisation).
Hyperparameters are checked when a layer is built, the input's rank and channel count when it
is called.
"""

from __future__ import annotations

import numbers

from .. import creation, dtypes
from ..autograd import no_grad
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module, Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm", "InstanceNorm2d",
           "LocalResponseNorm"]


def _positive_int(value, name: str, layer: str) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{layer}: {name} must be a positive int, got {value!r}")
    return int(value)


def _check_eps_momentum(eps, momentum, layer: str) -> None:
    if not isinstance(eps, numbers.Real) or eps < 0:
        raise ValueError(f"{layer}: eps must be a non-negative number, got {eps!r}")
    if momentum is not None and (not isinstance(momentum, numbers.Real)
                                 or not 0.0 <= momentum <= 1.0):
        raise ValueError(f"{layer}: momentum must be None or a number in [0, 1], got "
                         f"{momentum!r}")


class _NormBase(Module):
    """Per-channel affine parameters and running statistics (BatchNorm, InstanceNorm)."""

    def __init__(self, num_features: int, eps: float, momentum: float | None, affine: bool,
                 track_running_stats: bool, device=None, dtype=None):
        super().__init__()
        layer = type(self).__name__
        self.num_features = _positive_int(num_features, "num_features", layer)
        _check_eps_momentum(eps, momentum, layer)
        self.eps, self.momentum = eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(creation.empty(num_features, dtype=dtype, device=device))
            self.bias = Parameter(creation.empty(num_features, dtype=dtype, device=device))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", creation.zeros(num_features, dtype=dtype,
                                                                device=device))
            self.register_buffer("running_var", creation.ones(num_features, dtype=dtype,
                                                              device=device))
            self.register_buffer("num_batches_tracked", creation.zeros(
                (), dtype=dtypes.int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """running_mean = 0, running_var = 1, num_batches_tracked = 0."""
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1.0)
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """Running statistics reset; weight = 1 and bias = 0."""
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            init.zeros_(self.bias)

    def _check_input(self, x: Tensor, ranks: tuple, shapes: str, channel_axis: int) -> None:
        layer = type(self).__name__
        if not isinstance(x, Tensor):
            raise TypeError(f"{layer}: expected a Tensor input, got {type(x).__name__}")
        if x.ndim not in ranks:
            raise ValueError(f"{layer}: expected input of shape {shapes}, got input of shape "
                             f"{tuple(x.shape)}")
        if x.shape[channel_axis] != self.num_features:
            raise ValueError(f"{layer}: expected input with {self.num_features} channels "
                             f"({shapes}), got input of shape {tuple(x.shape)}")

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    ranks: tuple = ()
    shapes = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None,
                 dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype)

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x, self.ranks, self.shapes, channel_axis=1)
        # PyTorch's logic: momentum=None means a cumulative average over the batches seen.
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            with no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked.item())
        use_batch_stats = self.training or self.running_mean is None
        keep_running = not self.training or self.track_running_stats
        try:
            return F.batch_norm(x, self.running_mean if keep_running else None,
                                self.running_var if keep_running else None, self.weight,
                                self.bias, use_batch_stats, factor, self.eps)
        except ValueError as error:
            raise ValueError(f"{type(self).__name__}: {error}") from None


class BatchNorm1d(_BatchNorm):
    """Batch normalization of (N, C) or (N, C, L) inputs, as ``torch.nn.BatchNorm1d``:
    y = (x - mean) / sqrt(var + eps) * weight + bias per channel, with batch statistics while
    training (and running statistics updated with ``momentum``) and running ones in eval mode.

    >>> import minigrad
    >>> layer = BatchNorm1d(3)
    >>> layer(minigrad.randn(8, 3)).shape, layer.num_batches_tracked.item()
    ((8, 3), 1)
    """

    ranks = (2, 3)
    shapes = "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalization of (N, C, H, W) inputs, as ``torch.nn.BatchNorm2d`` (statistics per
    channel over N, H, W).

    >>> import minigrad
    >>> BatchNorm2d(6)(minigrad.randn(4, 6, 5, 5)).shape
    (4, 6, 5, 5)
    """

    ranks = (4,)
    shapes = "(N, C, H, W)"


class InstanceNorm2d(_NormBase):
    """Instance normalization of (N, C, H, W) or (C, H, W) inputs, as
    ``torch.nn.InstanceNorm2d``: every (sample, channel) normalized over H, W.  By default no
    affine parameters and no running statistics.

    >>> import minigrad
    >>> InstanceNorm2d(3)(minigrad.randn(2, 3, 4, 4)).shape
    (2, 3, 4, 4)
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device=None,
                 dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype)

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x, (3, 4), "(N, C, H, W) or (C, H, W)", channel_axis=x.ndim - 3)
        unbatched = x.ndim == 3
        if unbatched:
            x = x.unsqueeze(0)
        use_input_stats = self.training or not self.track_running_stats
        momentum = 0.1 if self.momentum is None else self.momentum
        try:
            y = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                                use_input_stats, momentum, self.eps)
        except ValueError as error:
            raise ValueError(f"InstanceNorm2d: {error}") from None
        return y.squeeze(0) if unbatched else y


class LayerNorm(Module):
    """Layer normalization over the last dims, as ``torch.nn.LayerNorm``: each sample is
    normalized over ``normalized_shape`` and scaled/shifted by weight and bias of that shape.

    >>> import minigrad
    >>> layer = LayerNorm(4)
    >>> layer(minigrad.randn(2, 3, 4)).shape, layer.weight.shape
    ((2, 3, 4), (4,))
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        normalized_shape = tuple(normalized_shape)
        if not normalized_shape or not all(isinstance(n, numbers.Integral) and n > 0
                                           for n in normalized_shape):
            raise ValueError(f"LayerNorm: normalized_shape must be a positive int or a tuple of "
                             f"positive ints, got {normalized_shape!r}")
        _check_eps_momentum(eps, None, "LayerNorm")
        self.normalized_shape = tuple(int(n) for n in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(creation.ones(*self.normalized_shape, dtype=dtype,
                                                  device=device))
            if bias:
                self.bias = Parameter(creation.zeros(*self.normalized_shape, dtype=dtype,
                                                     device=device))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, x: Tensor) -> Tensor:
        count = len(self.normalized_shape)
        if not isinstance(x, Tensor):
            raise TypeError(f"LayerNorm: expected a Tensor input, got {type(x).__name__}")
        if x.ndim < count or tuple(x.shape[x.ndim - count:]) != self.normalized_shape:
            raise ValueError(f"LayerNorm: expected input of shape (*, "
                             f"{', '.join(map(str, self.normalized_shape))}), got input of "
                             f"shape {tuple(x.shape)}")
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class GroupNorm(Module):
    """Group normalization, as ``torch.nn.GroupNorm``: channels split into ``num_groups``
    groups, each (sample, group) normalized; per-channel weight and bias.

    >>> import minigrad
    >>> GroupNorm(2, 6)(minigrad.randn(3, 6, 4, 4)).shape
    (3, 6, 4, 4)
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device=None, dtype=None):
        super().__init__()
        num_groups = _positive_int(num_groups, "num_groups", "GroupNorm")
        num_channels = _positive_int(num_channels, "num_channels", "GroupNorm")
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels={num_channels} must be divisible by "
                             f"num_groups={num_groups}")
        _check_eps_momentum(eps, None, "GroupNorm")
        self.num_groups, self.num_channels = num_groups, num_channels
        self.eps, self.affine = eps, affine
        if affine:
            self.weight = Parameter(creation.ones(num_channels, dtype=dtype, device=device))
            self.bias = Parameter(creation.zeros(num_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor):
            raise TypeError(f"GroupNorm: expected a Tensor input, got {type(x).__name__}")
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ValueError(f"GroupNorm: expected input of shape (N, {self.num_channels}, *), "
                             f"got input of shape {tuple(x.shape)}")
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class LocalResponseNorm(Module):
    """Local response normalization across channels, as ``torch.nn.LocalResponseNorm``:
    y = x / (k + alpha/size * sum of x^2 over ``size`` neighbouring channels)^beta.

    >>> import minigrad
    >>> LocalResponseNorm(2)(minigrad.ones(1, 4, 3, 3)).shape
    (1, 4, 3, 3)
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        super().__init__()
        self.size = _positive_int(size, "size", "LocalResponseNorm")
        self.alpha, self.beta, self.k = alpha, beta, k

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor):
            raise TypeError(f"LocalResponseNorm: expected a Tensor input, got "
                            f"{type(x).__name__}")
        if x.ndim < 3:
            raise ValueError(f"LocalResponseNorm: expected input of shape (N, C, *) with at "
                             f"least 3 dimensions, got input of shape {tuple(x.shape)}")
        return F.local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
