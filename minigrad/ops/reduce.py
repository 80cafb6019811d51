"""Reductions: many input elements -> one output element.

Holds:
    sums and averages      sum, mean, var, std, prod, cumsum
    largest and smallest   max, min (with ``dim``: values and indices), amax, amin, argmax, argmin
    smooth maximum         logsumexp
    vector norms           norm (p = 1, 2, 'fro', inf, -inf, 0 or any p > 0)
    truth tests            all, any

``dim`` is None (every axis), an int or a tuple of ints; ``keepdim=True`` keeps the reduced axes
with size 1, so the result broadcasts against the input.  The backward of a reduction first puts
the reduced axes back (``_unreduce``), then lets broadcasting spread the gradient over them.
"""

from __future__ import annotations

import builtins
import math
from typing import NamedTuple

from ..autograd import Function
from ..tensor import Tensor
from ._util import check_floating, normalize_dim, normalize_dims, quiet, xp_of
from .convert import clone
from .shape import broadcast_to, reshape
from .unary import _float_input, _mask, _tensor_input, maximum, minimum, saved_output, where

__all__ = ["sum", "mean", "var", "std", "prod", "cumsum", "max", "min", "amax", "amin", "argmax",
           "argmin", "logsumexp", "norm", "all", "any", "ValuesIndices",
           "Sum", "Prod", "Cumsum", "Amax", "Amin", "ValuesAtIndices", "Std", "LogSumExp",
           "Norm2"]


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _axes(x: Tensor, dim, op: str) -> tuple:
    """``dim`` as a sorted tuple of non-negative axes (a 0-d tensor has none to reduce)."""
    axes = normalize_dims(dim, x.ndim, op)
    return axes if x.ndim else ()


def _kept_shape(shape: tuple, axes: tuple) -> tuple:
    """``shape`` with the reduced axes kept as size 1: (2, 3, 4), axes (1,) -> (2, 1, 4)."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _count(shape: tuple, axes: tuple) -> int:
    """How many input elements go into each output element."""
    return math.prod(shape[i] for i in axes)


def _unreduce(tensor: Tensor, input_shape: tuple, axes: tuple, keepdim: bool) -> Tensor:
    """A reduction's result (or its gradient) with the reduced axes put back as size 1, so it
    broadcasts against the input.  When only leading axes were reduced (a full sum, a sum over
    the batch) nothing needs to be put back: broadcasting adds missing leading axes itself."""
    if keepdim or axes == tuple(range(len(axes))):
        return tensor
    return reshape(tensor, _kept_shape(input_shape, axes))


def _check_not_empty(x: Tensor, axes: tuple, op: str) -> None:
    """max-like reductions have no value over zero elements."""
    if x.numel() == 0 and (not axes or builtins.any(x.shape[i] == 0 for i in axes)):
        raise ValueError(f"{op}: cannot reduce over an empty dimension of a tensor of shape "
                         f"{tuple(x.shape)}")


def _constant(array) -> Tensor:
    """An array as a Tensor outside the graph (NumPy's 0-d scalars become 0-d arrays)."""
    return Tensor._from_op(xp_of(array).asarray(array), None, 0)


# ---------------------------------------------------------------------------------------------
# sum, mean, var, std
# ---------------------------------------------------------------------------------------------


class Sum(Function):
    def __init__(self, axes, keepdim):
        self.axes = axes
        self.keepdim = keepdim

    def forward(self, x):
        self.input_shape = x.shape
        return x.sum(axis=self.axes, keepdims=self.keepdim)

    # d(sum x)/dx_i = 1: every input element gets the gradient of the sum it went into
    def backward(self, grad):
        grad = _unreduce(grad, self.input_shape, self.axes, self.keepdim)
        return broadcast_to(grad, self.input_shape)


def sum(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001 -- the op's name
    """Sum over ``dim`` (None: all axes; an int or a tuple).  Shape: the reduced axes are removed,
    or kept with size 1 when ``keepdim``.  Bool and integer tensors sum to int64.

    >>> import minigrad
    >>> x = minigrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> minigrad.sum(x), minigrad.sum(x, 0), minigrad.sum(x, 1, keepdim=True).shape
    (tensor(10.), tensor([4., 6.]), (2, 1))
    """
    x = _tensor_input(x, "sum")
    return Sum(_axes(x, dim, "sum"), keepdim)(x)


def mean(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Average over ``dim``: sum(x) / n, with n the number of elements reduced (nan if n = 0).
    A composition: autograd derives the gradient 1/n for every element.

    >>> import minigrad
    >>> minigrad.mean(minigrad.tensor([[1.0, 2.0], [3.0, 5.0]]), dim=1)
    tensor([1.5, 4.0])
    """
    x = _tensor_input(x, "mean")
    check_floating(x, "mean")
    axes = _axes(x, dim, "mean")
    with quiet(xp_of(x)):
        return sum(x, axes, keepdim) / _count(x.shape, axes)


def var(x: Tensor, dim=None, keepdim: bool = False, correction: int = 1) -> Tensor:
    """Variance over ``dim``: sum((x - mean(x))^2) / (n - correction).

    ``correction=1`` (default) is the unbiased sample variance, ``correction=0`` the population
    variance.  Where n - correction <= 0 the result is inf or nan, as in PyTorch.  A
    composition of mean, sub, mul and sum: autograd derives the gradient
    2 (x_i - mean) / (n - correction).

    >>> import minigrad
    >>> minigrad.var(minigrad.tensor([1.0, 2.0, 3.0, 4.0]))
    tensor(1.6667)
    """
    x = _tensor_input(x, "var")
    check_floating(x, "var")
    axes = _axes(x, dim, "var")
    deviation = x - mean(x, axes, keepdim=True)
    squares = sum(deviation * deviation, axes, keepdim)
    with quiet(xp_of(x)):
        return squares / builtins.max(_count(x.shape, axes) - correction, 0)


class Std(Function):
    def __init__(self, axes, keepdim, correction):
        self.axes = axes
        self.keepdim = keepdim
        self.correction = correction

    def forward(self, x):
        xp = xp_of(x)
        self.denominator = builtins.max(_count(x.shape, self.axes) - self.correction, 0)
        deviation = x - x.mean(axis=self.axes, keepdims=True)
        squares = (deviation * deviation).sum(axis=self.axes, keepdims=self.keepdim)
        with quiet(xp):
            self.result = xp.sqrt(squares / self.denominator)
        return self.result

    # d std / dx_i = (x_i - mean) / ((n - correction) std), taken as 0 where std = 0
    def backward(self, grad):
        (x,) = self.inputs
        std = _unreduce(saved_output(self), x.shape, self.axes, self.keepdim)
        grad = _unreduce(grad, x.shape, self.axes, self.keepdim)
        deviation = x - mean(x, self.axes, keepdim=True)
        # where std = 0 every deviation is 0 too: dividing by 1 there gives the gradient 0
        safe_std = where(std == 0, 1.0, std)
        return grad * deviation / (safe_std * self.denominator)


def std(x: Tensor, dim=None, keepdim: bool = False, correction: int = 1) -> Tensor:
    """Standard deviation over ``dim``: sqrt(var(x, dim, correction)).  Its gradient at a
    constant input (std = 0) is taken as 0, as in PyTorch, instead of 0/0.

    >>> import minigrad
    >>> minigrad.std(minigrad.tensor([[1.0, 3.0], [2.0, 2.0]]), dim=1, correction=0)
    tensor([1., 0.])
    """
    x = _tensor_input(x, "std")
    check_floating(x, "std")
    return Std(_axes(x, dim, "std"), keepdim, correction)(x)


# ---------------------------------------------------------------------------------------------
# prod, cumsum
# ---------------------------------------------------------------------------------------------


class Prod(Function):
    def __init__(self, axes, keepdim):
        self.axes = axes
        self.keepdim = keepdim

    def forward(self, x):
        return xp_of(x).prod(x, axis=self.axes, keepdims=self.keepdim)

    # d/dx_i prod(x) = prod_{j != i} x_j   (not prod(x) / x_i, which is 0/0 at a zero)
    def backward(self, grad):
        (x,) = self.inputs
        axes = self.axes
        grad = _unreduce(grad, x.shape, axes, self.keepdim)
        # NOTE: zeros are the trap.  Split each slice into its non-zero entries (product P) and
        # its zeros (how many: count).  The product of the others is then
        #   count = 0:  P / x_i
        #   count = 1:  P for the zero entry; 0 for the others
        #   count >= 2: 0 everywhere.
        # The zeros that give those 0s are kept in the formula (zero_sum below: value 0, slope
        # 1 for each zero entry), so that second derivatives are right at zeros too.
        is_zero = x == 0
        count = sum(is_zero, axes, keepdim=True)
        x_safe = where(is_zero, 1.0, x)
        nonzero_product = prod(x_safe, axes, keepdim=True)
        zero_sum = sum(where(is_zero, x, 0.0), axes, keepdim=True)
        # for a non-zero entry: the product of the slice's zeros (none: 1, one: it, more: 0)
        product_of_zeros = where(count == 0, 1.0, where(count == 1, zero_sum, 0.0))
        # for a zero entry: the product of the *other* zeros (none: 1, one: it, more: 0)
        other_zeros = where(count == 1, 1.0, where(count == 2, zero_sum - x, 0.0))
        others = where(is_zero, nonzero_product * other_zeros,
                       nonzero_product * product_of_zeros / x_safe)
        return grad * others


def prod(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Product over ``dim`` (None: all elements).  The gradient is right for inputs containing
    zeros: d prod / dx_i = product of the other elements.

    >>> import minigrad
    >>> x = minigrad.tensor([2.0, 0.0, 3.0], requires_grad=True)
    >>> minigrad.prod(x).backward()
    >>> x.grad
    tensor([0., 6., 0.])
    """
    x = _tensor_input(x, "prod")
    return Prod(_axes(x, dim, "prod"), keepdim)(x)


class Cumsum(Function):
    def __init__(self, axis: int, reverse: bool = False):
        self.axis = axis
        self.reverse = reverse

    def forward(self, x):
        xp = xp_of(x)
        if x.ndim == 0:
            return x.copy()
        if self.reverse:
            # running sums from the end: y_i = x_i + x_(i+1) + ... + x_(n-1)
            return xp.flip(xp.cumsum(xp.flip(x, self.axis), axis=self.axis), self.axis)
        return xp.cumsum(x, axis=self.axis)

    # d y_j / d x_i = 1 for i <= j: x_i gets g_i + g_(i+1) + ..., a cumsum from the end
    def backward(self, grad):
        # (and the gradient of a cumsum from the end is the ordinary cumsum again)
        return Cumsum(self.axis, not self.reverse)(grad)


def cumsum(x: Tensor, dim: int) -> Tensor:
    """Running sum along ``dim``: y_j = x_0 + ... + x_j.  Shape: unchanged.

    >>> import minigrad
    >>> minigrad.cumsum(minigrad.tensor([1.0, 2.0, 3.0]), 0)
    tensor([1., 3., 6.])
    """
    x = _tensor_input(x, "cumsum")
    axis = normalize_dim(dim, x.ndim, "cumsum")
    return Cumsum(axis)(x)


# ---------------------------------------------------------------------------------------------
# amax, amin, max, min, argmax, argmin
# ---------------------------------------------------------------------------------------------


def _share_among_ties(grad: Tensor, x: Tensor, kept_result, axes: tuple) -> Tensor:
    """The gradient of max/min over ``axes``: all of it to the element that is the extreme, or
    split equally when several elements tie (``kept_result`` is the result with kept axes)."""
    ties = _mask(x == _constant(kept_result), grad)
    return grad * ties / sum(ties, axes, keepdim=True)


class Amax(Function):
    def __init__(self, axes, keepdim):
        self.axes = axes
        self.keepdim = keepdim

    def forward(self, x):
        self.kept_result = xp_of(x).amax(x, axis=self.axes, keepdims=True)
        return self.kept_result if self.keepdim else self.kept_result.squeeze(self.axes)

    # d/dx_i max(x) = 1 where x_i is the maximum (1/k each when k elements tie), else 0
    def backward(self, grad):
        (x,) = self.inputs
        grad = _unreduce(grad, x.shape, self.axes, self.keepdim)
        return _share_among_ties(grad, x, self.kept_result, self.axes)


class Amin(Function):
    def __init__(self, axes, keepdim):
        self.axes = axes
        self.keepdim = keepdim

    def forward(self, x):
        self.kept_result = xp_of(x).amin(x, axis=self.axes, keepdims=True)
        return self.kept_result if self.keepdim else self.kept_result.squeeze(self.axes)

    # d/dx_i min(x) = 1 where x_i is the minimum (1/k each when k elements tie), else 0
    def backward(self, grad):
        (x,) = self.inputs
        grad = _unreduce(grad, x.shape, self.axes, self.keepdim)
        return _share_among_ties(grad, x, self.kept_result, self.axes)


def amax(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Largest value over ``dim`` (None: all; an int or a tuple).  When several elements tie for
    the maximum, the gradient is split equally between them (as in PyTorch).

    >>> import minigrad
    >>> minigrad.amax(minigrad.tensor([[1.0, 5.0], [7.0, 2.0]]), dim=1)
    tensor([5., 7.])
    """
    x = _tensor_input(x, "amax")
    axes = _axes(x, dim, "amax")
    _check_not_empty(x, axes, "amax")
    return Amax(axes, keepdim)(x)


def amin(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Smallest value over ``dim``; ties share the gradient equally (see ``amax``)."""
    x = _tensor_input(x, "amin")
    axes = _axes(x, dim, "amin")
    _check_not_empty(x, axes, "amin")
    return Amin(axes, keepdim)(x)


class ValuesIndices(NamedTuple):
    """What ``max(x, dim)`` and ``min(x, dim)`` return, like ``torch.return_types.max``."""

    values: Tensor
    indices: Tensor


class ValuesAtIndices(Function):
    """The elements of x at the given positions along one axis (how max/min with a ``dim``
    pick their values).  ``kept_indices`` has x's shape with that axis of size 1."""

    def __init__(self, axis: int, kept_indices, keepdim: bool):
        self.axis = axis
        self.kept_indices = kept_indices
        self.keepdim = keepdim

    def forward(self, x):
        values = xp_of(x).take_along_axis(x, self.kept_indices, axis=self.axis)
        return values if self.keepdim else values.squeeze(self.axis)

    # d value / dx_i = 1 at the selected index along the axis, 0 elsewhere
    def backward(self, grad):
        (x,) = self.inputs
        xp = xp_of(x)
        grad = _unreduce(grad, x.shape, (self.axis,), self.keepdim)
        position_shape = [1] * x.ndim
        position_shape[self.axis] = x.shape[self.axis]
        positions = xp.arange(x.shape[self.axis]).reshape(position_shape)
        selected = positions == self.kept_indices  # one-hot along the axis (a constant)
        return where(selected, grad, 0.0)


def _values_and_indices(x: Tensor, dim, keepdim: bool, op: str) -> ValuesIndices:
    """max(x, dim) / min(x, dim): the extreme values along ``dim`` and where they are."""
    axis = normalize_dim(dim, x.ndim, op)
    _check_not_empty(x, (axis,) if x.ndim else (), op)
    if x.ndim == 0:
        # a single element is its own maximum, at index 0
        return ValuesIndices(clone(x), _constant(xp_of(x).zeros((), dtype="int64")))
    xp = xp_of(x)
    find = xp.argmax if op == "max" else xp.argmin
    kept_indices = xp.expand_dims(find(x.data, axis=axis), axis).astype("int64")
    values = ValuesAtIndices(axis, kept_indices, keepdim)(x)
    indices = kept_indices if keepdim else kept_indices.squeeze(axis)
    return ValuesIndices(values, _constant(indices))


def max(x: Tensor, dim=None, keepdim: bool = False):  # noqa: A001 -- the op's name
    """The largest element, like ``torch.max``:

    ``max(x)``             a 0-d tensor; ties share the gradient equally;
    ``max(x, dim)``        the named tuple ``(values, indices)`` along ``dim`` (an int); the
                           gradient flows to the element at ``indices`` only;
    ``max(x, other)``      with a Tensor ``other``: elementwise ``maximum(x, other)``.

    >>> import minigrad
    >>> x = minigrad.tensor([[1.0, 5.0], [7.0, 2.0]])
    >>> minigrad.max(x)
    tensor(7.)
    >>> minigrad.max(x, dim=1)
    ValuesIndices(values=tensor([5., 7.]), indices=tensor([1, 0]))
    """
    x = _tensor_input(x, "max")
    if isinstance(dim, Tensor):
        return maximum(x, dim)
    if dim is None:
        return amax(x, None, keepdim)
    return _values_and_indices(x, dim, keepdim, "max")


def min(x: Tensor, dim=None, keepdim: bool = False):  # noqa: A001 -- the op's name
    """The smallest element; ``min(x)``, ``min(x, dim) -> (values, indices)`` and
    ``min(x, other)`` as for ``max``."""
    x = _tensor_input(x, "min")
    if isinstance(dim, Tensor):
        return minimum(x, dim)
    if dim is None:
        return amin(x, None, keepdim)
    return _values_and_indices(x, dim, keepdim, "min")


def _arg_extreme(x: Tensor, dim, keepdim: bool, op: str) -> Tensor:
    x = _tensor_input(x, op)
    xp = xp_of(x)
    find = xp.argmax if op == "argmax" else xp.argmin
    if dim is None:
        _check_not_empty(x, (), op)
        index = find(x.data.reshape(-1))
        shape = (1,) * x.ndim if keepdim else ()
        return _constant(xp.asarray(index, dtype="int64").reshape(shape))
    axis = normalize_dim(dim, x.ndim, op)
    if x.ndim == 0:
        return _constant(xp.zeros((), dtype="int64"))
    _check_not_empty(x, (axis,), op)
    indices = find(x.data, axis=axis).astype("int64")
    return _constant(xp.expand_dims(indices, axis) if keepdim else indices)


def argmax(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index (int64) of the largest element along ``dim``; with dim=None, of the flattened
    tensor.  The first one wins a tie.  Not differentiable.

    >>> import minigrad
    >>> minigrad.argmax(minigrad.tensor([[1.0, 5.0], [7.0, 2.0]]), dim=1)
    tensor([1, 0])
    """
    return _arg_extreme(x, dim, keepdim, "argmax")


def argmin(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index (int64) of the smallest element along ``dim`` (see ``argmax``)."""
    return _arg_extreme(x, dim, keepdim, "argmin")


# ---------------------------------------------------------------------------------------------
# logsumexp
# ---------------------------------------------------------------------------------------------


class LogSumExp(Function):
    def __init__(self, axes, keepdim):
        self.axes = axes
        self.keepdim = keepdim

    def forward(self, x):
        xp = xp_of(x)
        kept_shape = _kept_shape(x.shape, self.axes)
        # log sum e^x = m + log sum e^(x - m) with m the maximum: no e^x overflows
        largest = xp.amax(x, axis=self.axes, keepdims=True) if x.size else \
            xp.zeros(kept_shape, dtype=x.dtype)
        largest = xp.where(xp.isfinite(largest), largest, 0)  # all -inf (or an inf): no shift
        with quiet(xp):
            total = xp.exp(x - largest).sum(axis=self.axes, keepdims=True)
            result = xp.log(total) + largest
        self.result = result if self.keepdim else result.squeeze(self.axes)
        return self.result

    # d/dx_i log sum_j e^(x_j) = e^(x_i) / sum_j e^(x_j) = exp(x_i - logsumexp(x))
    def backward(self, grad):
        (x,) = self.inputs
        result = _unreduce(saved_output(self), x.shape, self.axes, self.keepdim)
        grad = _unreduce(grad, x.shape, self.axes, self.keepdim)
        return grad * (x - result).exp()


def logsumexp(x: Tensor, dim, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) over ``dim`` (an int or a tuple), computed as m + log sum exp(x - m)
    with m the maximum, so inputs of any magnitude give finite results.

    >>> import minigrad
    >>> minigrad.logsumexp(minigrad.tensor([10000.0, 10000.0]), dim=0)
    tensor(10000.693)
    """
    x = _float_input(x, "logsumexp")
    return LogSumExp(_axes(x, dim, "logsumexp"), keepdim)(x)


# ---------------------------------------------------------------------------------------------
# norm
# ---------------------------------------------------------------------------------------------


class Norm2(Function):
    def __init__(self, axes, keepdim):
        self.axes = axes
        self.keepdim = keepdim

    def forward(self, x):
        xp = xp_of(x)
        with quiet(xp):
            self.result = xp.sqrt((x * x).sum(axis=self.axes, keepdims=self.keepdim))
        return self.result

    # d/dx_i ||x||_2 = x_i / ||x||_2, taking the subgradient 0 at x = 0
    def backward(self, grad):
        (x,) = self.inputs
        length = _unreduce(saved_output(self), x.shape, self.axes, self.keepdim)
        grad = _unreduce(grad, x.shape, self.axes, self.keepdim)
        # where the norm is 0, x is 0 too: dividing by 1 there gives the subgradient 0
        return grad * x / where(length == 0, 1.0, length)


def norm(x: Tensor, p=2, dim=None, keepdim: bool = False) -> Tensor:
    """Vector p-norm over ``dim`` (None: all elements, whatever the shape).

    p = 2 or 'fro': sqrt(sum x^2) (gradient x / ||x||, and 0 at x = 0);  p = 1: sum |x|;
    p = inf: max |x|;  p = -inf: min |x|;  p = 0: the number of non-zero elements;
    any other p > 0: (sum |x|^p)^(1/p).

    >>> import minigrad
    >>> x = minigrad.tensor([3.0, -4.0])
    >>> minigrad.norm(x), minigrad.norm(x, 1), minigrad.norm(x, float("inf"))
    (tensor(5.), tensor(7.), tensor(4.))
    """
    x = _tensor_input(x, "norm")
    check_floating(x, "norm")
    axes = _axes(x, dim, "norm")
    if p == "fro" or p == 2:
        return Norm2(axes, keepdim)(x)
    if isinstance(p, str) or not isinstance(p, (int, float)) or isinstance(p, bool):
        raise ValueError(f"norm: p must be a number or 'fro', got {p!r}")
    if p == 1:
        return sum(x.abs(), axes, keepdim)
    if p == math.inf:
        return amax(x.abs(), axes, keepdim)
    if p == -math.inf:
        return amin(x.abs(), axes, keepdim)
    if p == 0:
        return sum((x != 0).to(x.dtype), axes, keepdim)
    if p < 0 or math.isnan(p):
        raise ValueError(f"norm: p must be positive, inf, -inf, 0 or 'fro', got {p}")
    return sum(x.abs() ** p, axes, keepdim) ** (1.0 / p)


# ---------------------------------------------------------------------------------------------
# all, any
# ---------------------------------------------------------------------------------------------


def all(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001 -- the op's name
    """True where every element over ``dim`` is non-zero (a bool tensor, no gradient).

    >>> import minigrad
    >>> minigrad.all(minigrad.tensor([[True, False], [True, True]]), dim=1)
    tensor([False,  True])
    """
    x = _tensor_input(x, "all")
    axes = _axes(x, dim, "all")
    return _constant(xp_of(x).all(x.data, axis=axes, keepdims=keepdim))


def any(x: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001 -- the op's name
    """True where some element over ``dim`` is non-zero (a bool tensor, no gradient)."""
    x = _tensor_input(x, "any")
    axes = _axes(x, dim, "any")
    return _constant(xp_of(x).any(x.data, axis=axes, keepdims=keepdim))
