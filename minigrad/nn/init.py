"""Parameter initialisation (``minigrad.nn.init``), with PyTorch's distributions and fans.

Holds:
    calculate_gain(nonlinearity, param)     -- the recommended gain for a nonlinearity
    _calculate_fan_in_and_fan_out(tensor)   -- fan_in, fan_out of a weight
    uniform_, normal_, constant_, zeros_, ones_, eye_
    xavier_uniform_, xavier_normal_         -- Glorot & Bengio (2010): keep variance over layers
    kaiming_uniform_, kaiming_normal_       -- He et al. (2015): the same for ReLU networks
    orthogonal_                             -- Saxe et al. (2013): a (semi-)orthogonal matrix
    trunc_normal_                           -- a normal distribution cut off to [a, b]

Every function fills its tensor in place, records no graph (it runs under ``no_grad``), draws
from the device's generator seeded by ``minigrad.manual_seed`` and returns the tensor.

Fans of a weight of shape (out, in, k1, k2, ...): the receptive field is k1 * k2 * ...,
fan_in = in * receptive field and fan_out = out * receptive field.  (For Linear's (out, in)
weight, fan_in = in and fan_out = out.)
"""

from __future__ import annotations

import math

from .. import backend
from ..autograd import no_grad
from ..tensor import Tensor

__all__ = ["calculate_gain", "uniform_", "normal_", "constant_", "zeros_", "ones_", "eye_",
           "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
           "orthogonal_", "trunc_normal_"]


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The gain that keeps activations' variance steady through ``nonlinearity``.

    ============  ==========================
    linear, conv  1
    sigmoid       1
    tanh          5/3
    relu          sqrt(2)
    leaky_relu    sqrt(2 / (1 + slope^2)), slope = ``param`` (default 0.01)
    selu          3/4
    ============  ==========================

    >>> round(calculate_gain("relu"), 6)
    1.414214
    """
    linear = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d"]
    if nonlinearity in linear or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of shape (out, in, *kernel)."""
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 "
                         f"dimensions (got shape {tuple(tensor.shape)})")
    receptive_field = 1
    for size in tensor.shape[2:]:
        receptive_field *= size
    fan_in = tensor.shape[1] * receptive_field
    fan_out = tensor.shape[0] * receptive_field
    return fan_in, fan_out


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


# ---------------------------------------------------------------------------------------------
# Plain distributions
# ---------------------------------------------------------------------------------------------


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with samples from U(a, b)."""
    if a > b:
        raise ValueError(f"uniform_: expects a <= b, got a={a}, b={b}")
    with no_grad():
        return tensor.uniform_(a, b)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with samples from N(mean, std^2)."""
    if std < 0:
        raise ValueError(f"normal_: expects std >= 0, got {std}")
    with no_grad():
        return tensor.normal_(mean, std)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``."""
    with no_grad():
        return tensor.fill_(val)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0."""
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1."""
    return constant_(tensor, 1.0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal, zeros elsewhere)."""
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only 2-D tensors are supported, got shape {tuple(tensor.shape)}")
    xp = backend.get_array_module(tensor.data)
    rows, cols = tensor.shape
    with no_grad():
        return tensor.copy_(xp.eye(rows, cols, dtype=tensor.dtype))


# ---------------------------------------------------------------------------------------------
# Xavier (Glorot) and Kaiming (He)
# ---------------------------------------------------------------------------------------------


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """U(-bound, bound) with bound = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std  # U(-b, b) has standard deviation b / sqrt(3)
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std)


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu") -> Tensor:
    """U(-bound, bound) with bound = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a)
    and fan = fan_in or fan_out (``mode``).  ``a`` is the negative slope of a leaky ReLU."""
    fan = _calculate_correct_fan(tensor, mode)
    if fan == 0:
        return tensor
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu") -> Tensor:
    """N(0, std^2) with std = gain / sqrt(fan) (see ``kaiming_uniform_``)."""
    fan = _calculate_correct_fan(tensor, mode)
    if fan == 0:
        return tensor
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan)
    return normal_(tensor, 0.0, std)


# ---------------------------------------------------------------------------------------------
# Orthogonal and truncated normal
# ---------------------------------------------------------------------------------------------


def orthogonal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """A (semi-)orthogonal matrix times ``gain``; a tensor of shape (rows, ...) is treated as a
    (rows, numel / rows) matrix.  Rows are orthonormal when rows <= cols, else columns are.

    Method: the QR decomposition of a standard normal matrix, with the signs of Q's columns
    fixed by the signs of R's diagonal so that Q is uniformly distributed (Mezzadri, 2007).

    >>> import minigrad
    >>> w = orthogonal_(minigrad.empty(3, 5, dtype=minigrad.float64))
    >>> bool(abs(w.numpy() @ w.numpy().T - minigrad.eye(3, dtype=minigrad.float64).numpy())
    ...      .max() < 1e-12)
    True
    """
    if tensor.ndim < 2:
        raise ValueError("orthogonal_: only tensors with 2 or more dimensions are supported, "
                         f"got shape {tuple(tensor.shape)}")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    xp = backend.get_array_module(tensor.data)
    rng = backend.generator(tensor.device)
    flattened = rng.standard_normal((rows, cols))
    if rows < cols:
        flattened = flattened.T
    q, r = xp.linalg.qr(flattened)
    signs = xp.sign(xp.diagonal(r))
    signs = xp.where(signs == 0, 1.0, signs)
    q = q * signs  # flip column j of Q when R[j, j] < 0
    if rows < cols:
        q = q.T
    with no_grad():
        tensor.copy_((q * gain).reshape(tensor.shape).astype(tensor.dtype))
    return tensor


def _normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0) -> Tensor:
    """Samples from N(mean, std^2) conditioned on lying in [a, b] (``a``, ``b`` are absolute
    values, not multiples of std, as in PyTorch).

    Method: rejection -- draw from N(mean, std^2), then draw again for every value that fell
    outside [a, b], until none is left.  Each round keeps a fraction P(a <= X <= b) of what is
    left, so [a, b] must hold a reasonable share of the distribution.
    """
    if not a < b:
        raise ValueError(f"trunc_normal_: expects a < b, got a={a}, b={b}")
    if std <= 0:
        raise ValueError(f"trunc_normal_: expects std > 0, got {std}")
    mass = _normal_cdf((b - mean) / std) - _normal_cdf((a - mean) / std)
    if mass < 1e-4:
        raise ValueError(f"trunc_normal_: [a, b] = [{a}, {b}] holds only {mass:.3g} of the "
                         f"probability of N({mean}, {std}^2); move mean into [a, b]")
    xp = backend.get_array_module(tensor.data)
    rng = backend.generator(tensor.device)
    samples = rng.standard_normal(tensor.numel()) * std + mean
    outside = xp.flatnonzero((samples < a) | (samples > b))
    while outside.size:
        samples[outside] = rng.standard_normal(int(outside.size)) * std + mean
        redrawn = samples[outside]
        outside = outside[(redrawn < a) | (redrawn > b)]
    with no_grad():
        tensor.copy_(samples.reshape(tensor.shape).astype(tensor.dtype))
    return tensor
