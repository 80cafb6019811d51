"""Elementwise math: one output element from the input element(s) at the same position.

Holds:
    exponentials and logs   exp, log, log1p, log2
    powers and roots        sqrt, rsqrt
    sign-like               abs
    trigonometric           sin, cos, tanh
    special function        erf (W. J. Cody's rational approximations, array ops only)
    activations             sigmoid, relu, leaky_relu, prelu, elu, selu, silu, gelu, softplus,
                            hardtanh
    limits                  clamp, maximum, minimum, where
    helper for other ops    saved_output (the result of forward as a graph Tensor)

Math functions (exp, sin, sigmoid, ...) turn integer and bool tensors into the default float
dtype first, as PyTorch does; relu, abs, clamp, hardtanh, maximum and minimum keep integer dtypes.
Every backward is written with minigrad ops, so second derivatives work; piecewise ops use
comparison masks, which are constants (their derivative is zero almost everywhere).
"""

from __future__ import annotations

import math

from .. import dtypes
from ..autograd import Function
from ..tensor import Tensor
from ._util import as_tensor_like, binary_operands, broadcast_shapes, quiet, xp_of
from .compare import sign
from .shape import reshape, sum_to

__all__ = ["exp", "log", "log1p", "log2", "sqrt", "rsqrt", "abs", "sin", "cos", "tanh", "erf",
           "sigmoid", "relu", "leaky_relu", "prelu", "elu", "selu", "silu", "gelu", "normal_cdf",
           "softplus", "logsigmoid", "hardtanh", "clamp", "clip", "maximum", "minimum", "where",
           "Exp", "Log", "Log1p", "Log2", "Sqrt", "Rsqrt", "Abs", "Sin", "Cos", "Tanh", "Erf",
           "Sigmoid", "ReLU", "LeakyReLU", "ELU", "NormalCDF", "GELUTanh", "Softplus", "Hardtanh",
           "Clamp", "Maximum", "Minimum", "Where"]


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def saved_output(function: Function) -> Tensor:
    """The result of ``function``'s forward (kept as ``function.result``) as a Tensor of the graph.

    Some derivatives are simplest in terms of the result: d/dx exp(x) = exp(x), d/dx tanh(x) =
    1 - tanh(x)^2.  Forward keeps the result array; backward wraps it in a Tensor whose creator
    is the same Function.  With ``create_graph=True`` a gradient reaching that Tensor flows
    through this Function's backward again -- exactly as if the user's output had been used --
    so second derivatives stay right without recomputing the forward.
    """
    result = function.result
    return Tensor._from_op(xp_of(result).asarray(result), function, 0)  # NumPy 0-d: a scalar


def _tensor_input(x, op: str) -> Tensor:
    """``x`` itself, or a TypeError naming the op when it is not a Tensor."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    return x


def _float_input(x, op: str) -> Tensor:
    """``x`` as a floating point Tensor: integer and bool tensors become the default float dtype
    (``exp(int_tensor)`` is float32, as in PyTorch)."""
    x = _tensor_input(x, op)
    if x.data.dtype.kind in "iub":
        return x.to(dtypes.get_default_dtype())
    return x


def _mask(condition: Tensor, like: Tensor) -> Tensor:
    """A boolean tensor as 0.0 / 1.0 in ``like``'s dtype (a constant: it carries no gradient)."""
    return condition.to(like.dtype)


# ---------------------------------------------------------------------------------------------
# Exponentials and logarithms
# ---------------------------------------------------------------------------------------------


class Exp(Function):
    def forward(self, x):
        xp = xp_of(x)
        with quiet(xp):
            self.result = xp.exp(x)
        return self.result

    # d/dx exp(x) = exp(x)
    def backward(self, grad):
        return grad * saved_output(self)


def exp(x: Tensor) -> Tensor:
    """Elementwise e^x; overflows to inf without a warning.  Shape: unchanged.

    >>> import minigrad
    >>> minigrad.exp(minigrad.tensor([0.0, 1.0]))
    tensor([1.0000, 2.7183])
    """
    return Exp()(_float_input(x, "exp"))


class Log(Function):
    def forward(self, x):
        xp = xp_of(x)
        with quiet(xp):
            return xp.log(x)

    # d/dx log(x) = 1 / x
    def backward(self, grad):
        (x,) = self.inputs
        return grad / x


def log(x: Tensor) -> Tensor:
    """Elementwise natural logarithm; log(0) = -inf and log of a negative number is nan.

    >>> import minigrad
    >>> minigrad.log(minigrad.tensor([1.0, 0.0]))
    tensor([  0., -inf])
    """
    return Log()(_float_input(x, "log"))


class Log1p(Function):
    def forward(self, x):
        xp = xp_of(x)
        with quiet(xp):
            return xp.log1p(x)

    # d/dx log(1 + x) = 1 / (1 + x)
    def backward(self, grad):
        (x,) = self.inputs
        return grad / (x + 1)


def log1p(x: Tensor) -> Tensor:
    """Elementwise log(1 + x), accurate for tiny x (where 1 + x would round to 1)."""
    return Log1p()(_float_input(x, "log1p"))


class Log2(Function):
    def forward(self, x):
        xp = xp_of(x)
        with quiet(xp):
            return xp.log2(x)

    # d/dx log2(x) = 1 / (x ln 2)
    def backward(self, grad):
        (x,) = self.inputs
        return grad / (x * math.log(2.0))


def log2(x: Tensor) -> Tensor:
    """Elementwise base-2 logarithm; log2(0) = -inf."""
    return Log2()(_float_input(x, "log2"))


# ---------------------------------------------------------------------------------------------
# Roots
# ---------------------------------------------------------------------------------------------


class Sqrt(Function):
    def forward(self, x):
        xp = xp_of(x)
        with quiet(xp):
            self.result = xp.sqrt(x)
        return self.result

    # d/dx sqrt(x) = 1 / (2 sqrt(x))
    def backward(self, grad):
        return grad / (saved_output(self) * 2)


def sqrt(x: Tensor) -> Tensor:
    """Elementwise square root; nan for negative inputs, gradient inf at 0."""
    return Sqrt()(_float_input(x, "sqrt"))


class Rsqrt(Function):
    def forward(self, x):
        xp = xp_of(x)
        with quiet(xp):
            self.result = 1 / xp.sqrt(x)
        return self.result

    # d/dx x^(-1/2) = -1/2 x^(-3/2) = -y^3 / 2
    def backward(self, grad):
        y = saved_output(self)
        return grad * y * y * y * -0.5


def rsqrt(x: Tensor) -> Tensor:
    """Elementwise 1 / sqrt(x); rsqrt(0) = inf."""
    return Rsqrt()(_float_input(x, "rsqrt"))


# ---------------------------------------------------------------------------------------------
# abs, sin, cos, tanh
# ---------------------------------------------------------------------------------------------


class Abs(Function):
    def forward(self, x):
        return xp_of(x).abs(x)

    # d/dx |x| = sign(x), taking the subgradient 0 at x = 0
    def backward(self, grad):
        (x,) = self.inputs
        return grad * sign(x)


def abs(x: Tensor) -> Tensor:  # noqa: A001 -- the op's name
    """Elementwise |x| (integer tensors stay integer)."""
    return Abs()(_tensor_input(x, "abs"))


class Sin(Function):
    def forward(self, x):
        return xp_of(x).sin(x)

    # d/dx sin(x) = cos(x)
    def backward(self, grad):
        (x,) = self.inputs
        return grad * cos(x)


def sin(x: Tensor) -> Tensor:
    """Elementwise sine (radians)."""
    return Sin()(_float_input(x, "sin"))


class Cos(Function):
    def forward(self, x):
        return xp_of(x).cos(x)

    # d/dx cos(x) = -sin(x)
    def backward(self, grad):
        (x,) = self.inputs
        return -grad * sin(x)


def cos(x: Tensor) -> Tensor:
    """Elementwise cosine (radians)."""
    return Cos()(_float_input(x, "cos"))


class Tanh(Function):
    def forward(self, x):
        self.result = xp_of(x).tanh(x)
        return self.result

    # d/dx tanh(x) = 1 - tanh(x)^2
    def backward(self, grad):
        y = saved_output(self)
        return grad * (1 - y * y)


def tanh(x: Tensor) -> Tensor:
    """Elementwise hyperbolic tangent, (e^x - e^-x) / (e^x + e^-x), in (-1, 1)."""
    return Tanh()(_float_input(x, "tanh"))


# ---------------------------------------------------------------------------------------------
# erf: W. J. Cody, "Rational Chebyshev approximations for the error function",
# Mathematics of Computation 23 (1969) 631-637; coefficients of his CALERF routine (netlib specfun)
# ---------------------------------------------------------------------------------------------

# |x| <= 0.46875:      erf(x) = x * A(x^2) / B(x^2)
_ERF_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
          3.20937758913846947e03, 1.85777706184603153e-1)
_ERF_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
          2.84423683343917062e03)
# 0.46875 < |x| <= 4:  erfc(y) = exp(-y^2) * C(y) / D(y)
_ERF_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
          2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
          2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_ERF_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
          1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
          3.43936767414372164e03, 1.23033935480374942e03)
# |x| > 4:             erfc(y) = exp(-y^2) / y * (1/sqrt(pi) - P(1/y^2) / (y^2 Q(1/y^2)))
_ERF_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
          1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_ERF_Q = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
          6.05183413124413191e-2, 2.33520497626869185e-3)
_ONE_OVER_SQRT_PI = 5.6418958354775628695e-1
_SMALL = 0.46875
# erfc(6) = 2.2e-17 is below half an ulp of 1.0: beyond |x| = 6, erf(x) is +-1 in float64.
_LARGE = 6.0


def _exp_minus_square(xp, y):
    """exp(-y^2) without the rounding error of y*y: split y = whole + rest with ``whole`` a
    multiple of 1/16 (so whole^2 is exact), then exp(-whole^2) * exp(-(y - whole)(y + whole))."""
    whole = xp.trunc(y * 16) / 16
    rest = (y - whole) * (y + whole)
    return xp.exp(-whole * whole) * xp.exp(-rest)


def erf_array(x):
    """erf of a NumPy or CuPy array, elementwise, with array ops only (~1e-16 relative error in
    float64).  Each of Cody's ranges is evaluated on a clipped copy of the input (so no branch
    overflows) and ``where`` picks the right one for every element; the tail (|x| > 4) only
    when some element lies there."""
    xp = xp_of(x)
    y = xp.abs(x)

    # near 0: erf directly, odd in x
    small = xp.clip(x, -_SMALL, _SMALL)
    square = small * small
    numerator = _ERF_A[4] * square
    denominator = square
    for i in range(3):
        numerator = (numerator + _ERF_A[i]) * square
        denominator = (denominator + _ERF_B[i]) * square
    erf_small = small * (numerator + _ERF_A[3]) / (denominator + _ERF_B[3])

    # middle range: erfc(y) from a rational function of y
    middle = xp.clip(y, _SMALL, 4.0)
    numerator = _ERF_C[8] * middle
    denominator = middle
    for i in range(7):
        numerator = (numerator + _ERF_C[i]) * middle
        denominator = (denominator + _ERF_D[i]) * middle
    erfc_middle = _exp_minus_square(xp, middle) * (numerator + _ERF_C[7]) / (
        denominator + _ERF_D[7])

    # tail: erfc(y) from the asymptotic series in 1/y^2 (rare in practice: skipped if unused)
    erfc_large = erfc_middle
    if (y > 4.0).any():
        tail = xp.clip(y, 4.0, _LARGE)
        inverse_square = 1 / (tail * tail)
        numerator = _ERF_P[5] * inverse_square
        denominator = inverse_square
        for i in range(4):
            numerator = (numerator + _ERF_P[i]) * inverse_square
            denominator = (denominator + _ERF_Q[i]) * inverse_square
        correction = inverse_square * (numerator + _ERF_P[4]) / (denominator + _ERF_Q[4])
        erfc_tail = _exp_minus_square(xp, tail) * (_ONE_OVER_SQRT_PI - correction) / tail
        erfc_large = xp.where(y <= 4.0, erfc_middle, erfc_tail)

    # erf(y) = 1 - erfc(y) for y > 0.46875, and erf(-y) = -erf(y)
    erf_large = xp.copysign((0.5 - erfc_large) + 0.5, x)
    return xp.where(y <= _SMALL, erf_small, erf_large)


class Erf(Function):
    def forward(self, x):
        return erf_array(x)

    # d/dx erf(x) = 2 / sqrt(pi) * exp(-x^2)
    def backward(self, grad):
        (x,) = self.inputs
        return grad * exp(-(x * x)) * (2 / math.sqrt(math.pi))


def erf(x: Tensor) -> Tensor:
    """The error function, erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt, elementwise.

    Computed with Cody's rational Chebyshev approximations (relative error ~1e-16 in float64),
    from array operations only, so it runs on NumPy and CuPy alike.

    >>> import minigrad
    >>> minigrad.erf(minigrad.tensor([0.0, 1.0, -2.0]))
    tensor([ 0.0000,  0.8427, -0.9953])
    """
    return Erf()(_float_input(x, "erf"))


# ---------------------------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------------------------


class Sigmoid(Function):
    def forward(self, x):
        xp = xp_of(x)
        # 1 / (1 + e^-x), computed in place in one buffer.  For x << 0, e^-x overflows to inf
        # and 1 / inf = 0 is the right answer, so the overflow warning is silenced, not avoided.
        result = xp.empty_like(x)
        xp.negative(x, out=result)
        with quiet(xp):
            xp.exp(result, out=result)
        result += 1
        xp.reciprocal(result, out=result)
        self.result = result
        return result

    # d/dx sigmoid(x) = sigmoid(x) * (1 - sigmoid(x))
    def backward(self, grad):
        y = saved_output(self)
        return grad * y * (1 - y)


def sigmoid(x: Tensor) -> Tensor:
    """Elementwise logistic function 1 / (1 + e^-x), stable for any |x|.

    >>> import minigrad
    >>> minigrad.sigmoid(minigrad.tensor([-1e4, 0.0, 1e4]))
    tensor([0.0, 0.5, 1.0])
    """
    return Sigmoid()(_float_input(x, "sigmoid"))


class ReLU(Function):
    def forward(self, x):
        return xp_of(x).maximum(x, 0)

    # d/dx max(x, 0) = 1 where x > 0, else 0
    def backward(self, grad):
        (x,) = self.inputs
        # NOTE: a 0/1 mask and a multiply, not where(x > 0, grad, 0): NumPy's where is ~10x
        # slower on a random condition
        return grad * _mask(x > 0, grad)


def relu(x: Tensor) -> Tensor:
    """Elementwise max(x, 0) (gradient 0 at x = 0, as in PyTorch).

    >>> import minigrad
    >>> minigrad.relu(minigrad.tensor([-1.0, 0.0, 2.0]))
    tensor([0., 0., 2.])
    """
    return ReLU()(_tensor_input(x, "relu"))


class LeakyReLU(Function):
    def __init__(self, negative_slope: float):
        self.negative_slope = negative_slope

    def forward(self, x):
        xp = xp_of(x)
        scaled = x * self.negative_slope
        # NOTE: for 0 <= slope <= 1, max(x, slope * x) is x where x > 0 and slope * x elsewhere,
        # and much faster than where() on a random sign pattern; other slopes need where()
        if 0 <= self.negative_slope <= 1:
            return xp.maximum(x, scaled)
        return xp.where(x > 0, x, scaled)

    # d/dx leaky_relu(x) = 1 where x > 0, else negative_slope
    def backward(self, grad):
        (x,) = self.inputs
        # a 0/1 mask and a multiply (see ReLU): slope = s + (1 - s) * [x > 0], s = negative_slope
        slope = _mask(x > 0, grad) * (1 - self.negative_slope) + self.negative_slope
        return grad * slope


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """Elementwise x for x > 0, else ``negative_slope * x``."""
    return LeakyReLU(negative_slope)(_float_input(x, "leaky_relu"))


def prelu(x: Tensor, weight: Tensor) -> Tensor:
    """x where x > 0, else a * x, with learnable slopes a = ``weight``: one slope (shape (1,))
    or one per channel (shape (C,), channels on dimension 1 of x).  Shape: x's.

    A composition of where and mul: autograd derives both gradients, 1 or a for x and x (where
    x <= 0) for the slope, summed over everything that shares it.
    """
    x = _float_input(x, "prelu")
    weight = _tensor_input(weight, "prelu")
    channels = x.shape[1] if x.ndim >= 2 else 1
    if weight.numel() not in (1, channels):
        raise ValueError(f"prelu: weight of shape {tuple(weight.shape)} needs 1 or {channels} "
                         f"elements (channels on dim 1) for an input of shape {tuple(x.shape)}")
    if weight.numel() == 1:
        slope = reshape(weight, ())
    else:
        slope = reshape(weight, (1, channels) + (1,) * (x.ndim - 2))
    return where(x > 0, x, x * slope)


class ELU(Function):
    def __init__(self, alpha: float):
        self.alpha = alpha

    def forward(self, x):
        xp = xp_of(x)
        # expm1 of min(x, 0): the branch that is thrown away for x > 0 never overflows
        negative_part = self.alpha * xp.expm1(xp.minimum(x, 0))
        self.result = xp.where(x > 0, x, negative_part)
        return self.result

    # d/dx elu(x) = 1 where x > 0, else alpha * e^x = elu(x) + alpha
    def backward(self, grad):
        (x,) = self.inputs
        return where(x > 0, grad, grad * (saved_output(self) + self.alpha))


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """Elementwise x for x > 0, else alpha * (e^x - 1)."""
    return ELU(alpha)(_float_input(x, "elu"))


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(x: Tensor) -> Tensor:
    """scale * elu(x, alpha) with the self-normalizing constants of Klambauer et al. (2017):
    alpha = 1.6733, scale = 1.0507.  A composition: autograd derives its gradient."""
    return elu(_float_input(x, "selu"), _SELU_ALPHA) * _SELU_SCALE


def silu(x: Tensor) -> Tensor:
    """x * sigmoid(x) (also called swish).  A composition: autograd derives its gradient,
    d/dx = sigmoid(x) * (1 + x * (1 - sigmoid(x)))."""
    x = _float_input(x, "silu")
    return x * sigmoid(x)


_SQRT_HALF = math.sqrt(0.5)
_ONE_OVER_SQRT_TWO_PI = 1 / math.sqrt(2 * math.pi)
_SQRT_TWO_OVER_PI = math.sqrt(2 / math.pi)
_GELU_CUBIC = 0.044715


class NormalCDF(Function):
    def forward(self, x):
        return 0.5 * (1 + erf_array(x * _SQRT_HALF))

    # d/dx Phi(x) = phi(x) = exp(-x^2 / 2) / sqrt(2 pi), the standard normal density
    def backward(self, grad):
        (x,) = self.inputs
        return grad * exp(x * x * -0.5) * _ONE_OVER_SQRT_TWO_PI


def normal_cdf(x: Tensor) -> Tensor:
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2, the standard normal CDF, elementwise."""
    return NormalCDF()(_float_input(x, "normal_cdf"))


class GELUTanh(Function):
    def forward(self, x):
        xp = xp_of(x)
        inner = _SQRT_TWO_OVER_PI * (x + _GELU_CUBIC * x * x * x)
        return 0.5 * x * (1 + xp.tanh(inner))

    # d/dx 0.5 x (1 + tanh(u)) = 0.5 (1 + tanh(u)) + 0.5 x (1 - tanh(u)^2) u',
    # u = sqrt(2/pi) (x + 0.044715 x^3)
    def backward(self, grad):
        (x,) = self.inputs
        t = tanh((x + x * x * x * _GELU_CUBIC) * _SQRT_TWO_OVER_PI)
        du_dx = (1 + x * x * (3 * _GELU_CUBIC)) * _SQRT_TWO_OVER_PI
        return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du_dx)


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit, x * Phi(x) with Phi the standard normal CDF.

    ``approximate='none'``: Phi(x) = (1 + erf(x / sqrt 2)) / 2, exact.  A composition,
    x * normal_cdf(x): autograd derives Phi(x) + x phi(x) and reuses the Phi computed forward
    (erf, the costly part, runs once).
    ``approximate='tanh'``: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), one Function.

    >>> import minigrad
    >>> minigrad.gelu(minigrad.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.1587,  0.0000,  0.8413])
    """
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    x = _float_input(x, "gelu")
    if approximate == "tanh":
        return GELUTanh()(x)
    return x * NormalCDF()(x)


class Softplus(Function):
    def __init__(self, beta: float, threshold: float):
        self.beta = beta
        self.threshold = threshold

    def forward(self, x):
        xp = xp_of(x)
        z = x * self.beta
        # log(1 + e^z) = log(1 + e^-|z|) + max(z, 0): the exponent is never positive
        smooth = (xp.log1p(xp.exp(-xp.abs(z))) + xp.maximum(z, 0)) / self.beta
        return xp.where(z > self.threshold, x, smooth)

    # d/dx log(1 + e^(beta x)) / beta = sigmoid(beta x)  (1 above the threshold, where y = x)
    def backward(self, grad):
        (x,) = self.inputs
        z = x * self.beta
        return where(z > self.threshold, grad, grad * sigmoid(z))


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(beta x)) / beta elementwise, a smooth relu; x itself where beta x > threshold.
    Stable for any |x|."""
    return Softplus(beta, threshold)(_float_input(x, "softplus"))


def logsigmoid(x: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x) elementwise, stable for any x (never the log of an
    underflowed 0).  A composition: its derivative, 1 - sigmoid(x), comes from softplus's."""
    x = _float_input(x, "logsigmoid")
    return -softplus(-x, 1.0, math.inf)


class Hardtanh(Function):
    def __init__(self, min_val: float, max_val: float):
        self.min_val = min_val
        self.max_val = max_val

    def forward(self, x):
        return xp_of(x).clip(x, self.min_val, self.max_val)

    # d/dx hardtanh(x) = 1 strictly between min_val and max_val, else 0
    def backward(self, grad):
        (x,) = self.inputs
        inside = (x > self.min_val) & (x < self.max_val)
        return grad * _mask(inside, grad)


def hardtanh(x: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """x clipped to [min_val, max_val]; the gradient is 0 at the bounds themselves (PyTorch)."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) must not exceed max_val ({max_val})")
    return Hardtanh(min_val, max_val)(_float_input(x, "hardtanh"))


# ---------------------------------------------------------------------------------------------
# clamp, maximum, minimum, where
# ---------------------------------------------------------------------------------------------


class Clamp(Function):
    """Inputs: x, then the lower bound if ``has_min``, then the upper bound if ``has_max``."""

    def __init__(self, has_min: bool, has_max: bool):
        self.has_min = has_min
        self.has_max = has_max

    def forward(self, x, *bounds):
        xp = xp_of(x)
        result = x
        if self.has_min:
            result = xp.maximum(result, bounds[0])
        if self.has_max:
            result = xp.minimum(result, bounds[-1])
        return result

    # d/dx clamp = 1 where min <= x <= max, d/dmin = 1 where x < min, d/dmax = 1 where y = max
    def backward(self, grad):
        # As in PyTorch, a tie (x equal to a bound) sends the gradient to x.
        x = self.inputs[0].detach()
        took_lower = took_upper = None  # boolean masks: where the result is a bound, not x
        result = x
        if self.has_min:
            lower = self.inputs[1].detach()
            took_lower = x < lower
            result = maximum(x, lower)
        if self.has_max:
            upper = self.inputs[-1].detach()
            took_upper = result > upper
            if took_lower is not None:
                took_lower = took_lower & ~took_upper
        took_x = None
        for took_bound in (took_lower, took_upper):
            if took_bound is not None:
                took_x = ~took_bound if took_x is None else took_x & ~took_bound

        grads = [sum_to(grad * _mask(took_x, grad), x.shape) if self.needs_input_grad[0]
                 else None]
        if self.has_min:
            grads.append(sum_to(grad * _mask(took_lower, grad), lower.shape)
                         if self.needs_input_grad[1] else None)
        if self.has_max:
            grads.append(sum_to(grad * _mask(took_upper, grad), upper.shape)
                         if self.needs_input_grad[-1] else None)
        return tuple(grads)


def clamp(x: Tensor, min=None, max=None) -> Tensor:  # noqa: A002 -- PyTorch's argument names
    """Elementwise ``min(max(x, min), max)``; ``min``/``max`` are numbers or tensors that
    broadcast with ``x`` (tensor bounds get gradients too).  Where min > max every element is
    max, as in PyTorch.  Shape: the broadcast shape.

    >>> import minigrad
    >>> minigrad.clamp(minigrad.tensor([-2.0, 0.5, 3.0]), min=-1.0, max=1.0)
    tensor([-1.0,  0.5,  1.0])
    """
    x = _tensor_input(x, "clamp")
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    bounds = []
    for bound in (min, max):
        if bound is not None:
            x, bound = binary_operands(x, bound, "clamp")
            bounds.append(bound)
    if len(bounds) == 2 and bounds[0].dtype != x.dtype:
        # a float max turned an integer x into floats: the min bound must follow
        x, bounds[0] = binary_operands(x, bounds[0], "clamp")
    broadcast_shapes("clamp", x.shape, *(b.shape for b in bounds))
    return Clamp(min is not None, max is not None)(x, *bounds)


clip = clamp


class Maximum(Function):
    def forward(self, a, b):
        return xp_of(a).maximum(a, b)

    # d/da max(a, b) = 1 where a > b, 1/2 where a == b, else 0 (and the same for b)
    def backward(self, grad):
        a, b = self.inputs
        tie = _mask(a == b, grad) * 0.5
        grad_a = sum_to(grad * (_mask(a > b, grad) + tie), a.shape) \
            if self.needs_input_grad[0] else None
        grad_b = sum_to(grad * (_mask(b > a, grad) + tie), b.shape) \
            if self.needs_input_grad[1] else None
        return grad_a, grad_b


def maximum(a, b) -> Tensor:
    """Elementwise larger of ``a`` and ``b`` with broadcasting; nan if either is nan.
    On ties the gradient is split equally between the two inputs."""
    a, b = binary_operands(a, b, "maximum")
    broadcast_shapes("maximum", a.shape, b.shape)
    return Maximum()(a, b)


class Minimum(Function):
    def forward(self, a, b):
        return xp_of(a).minimum(a, b)

    # d/da min(a, b) = 1 where a < b, 1/2 where a == b, else 0 (and the same for b)
    def backward(self, grad):
        a, b = self.inputs
        tie = _mask(a == b, grad) * 0.5
        grad_a = sum_to(grad * (_mask(a < b, grad) + tie), a.shape) \
            if self.needs_input_grad[0] else None
        grad_b = sum_to(grad * (_mask(b < a, grad) + tie), b.shape) \
            if self.needs_input_grad[1] else None
        return grad_a, grad_b


def minimum(a, b) -> Tensor:
    """Elementwise smaller of ``a`` and ``b`` with broadcasting; nan if either is nan.
    On ties the gradient is split equally between the two inputs."""
    a, b = binary_operands(a, b, "minimum")
    broadcast_shapes("minimum", a.shape, b.shape)
    return Minimum()(a, b)


class Where(Function):
    def __init__(self, condition):
        self.condition = condition

    def forward(self, a, b):
        return xp_of(a).where(self.condition, a, b)

    # d/da where(c, a, b) = c, d/db where(c, a, b) = not c
    def backward(self, grad):
        a, b = self.inputs
        zeros = grad * 0
        grad_a = sum_to(where(self.condition, grad, zeros), a.shape) if self.needs_input_grad[0] \
            else None
        grad_b = sum_to(where(self.condition, zeros, grad), b.shape) if self.needs_input_grad[1] \
            else None
        return grad_a, grad_b


def where(condition, a, b) -> Tensor:
    """Elementwise ``a`` where ``condition`` is true, else ``b`` (all three broadcast).

    ``a`` or ``b`` may be a Python number.  NOTE: the branch not taken still gets gradient 0,
    and 0 * inf = nan: keep the unused branch finite (``where(x > 0, log(x), 0)`` has a nan
    gradient at x = 0; ``log(where(x > 0, x, 1))`` inside does not).
    """
    like = a if isinstance(a, Tensor) else b
    if not isinstance(like, Tensor):
        raise TypeError("where: expected a or b to be a Tensor")
    a = as_tensor_like(a, like, "where")
    b = as_tensor_like(b, a, "where")
    condition_array = condition.data if isinstance(condition, Tensor) else condition
    if getattr(condition_array, "dtype", None) is None or condition_array.dtype.kind != "b":
        raise TypeError("where: condition must be a boolean tensor")
    broadcast_shapes("where", condition_array.shape, a.shape, b.shape)
    return Where(condition_array)(a, b)
