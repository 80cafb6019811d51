"""Hypothesis strategies shared by every test: shapes, broadcastable shape pairs, float arrays.

Kept small and explicit so a failing example is easy to read: at most 4 dimensions of at most
4 elements by default (gradcheck is exhaustive on inputs that small).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4):
    """Array shapes such as (), (3,), (2, 4, 1)."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def broadcastable_shapes(count: int = 2, min_dims: int = 0, max_dims: int = 3,
                         max_side: int = 4):
    """``count`` shapes that broadcast together (some axes 1 or missing)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=count, min_dims=min_dims,
                                             max_dims=max_dims, max_side=max_side).map(
        lambda result: result.input_shapes)


def floats(low: float = -3.0, high: float = 3.0):
    """Finite float64 values in [low, high]."""
    return st.floats(low, high, allow_nan=False, allow_infinity=False, width=64)


def arrays(shape, low: float = -3.0, high: float = 3.0):
    """A float64 array of ``shape`` (a tuple or a strategy) with values in [low, high]."""
    return hnp.arrays(np.float64, shape, elements=floats(low, high))


def positive_arrays(shape, low: float = 0.1, high: float = 3.0):
    """A float64 array with strictly positive values (for log, sqrt, division, ...)."""
    return arrays(shape, low, high)


@st.composite
def array_and_dim(draw, min_dims: int = 1, max_dims: int = 3, low: float = -3.0,
                  high: float = 3.0):
    """(array, dim) with dim a valid (possibly negative) axis of the array."""
    shape = draw(shapes(min_dims=min_dims, max_dims=max_dims))
    array = draw(arrays(shape, low, high))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    return array, dim


@st.composite
def array_and_dims(draw, min_dims: int = 0, max_dims: int = 3, low: float = -3.0,
                   high: float = 3.0):
    """(array, dim) with dim None, an int, or a tuple of distinct axes."""
    shape = draw(shapes(min_dims=min_dims, max_dims=max_dims))
    array = draw(arrays(shape, low, high))
    if not shape:
        return array, None
    axes = draw(st.lists(st.integers(0, len(shape) - 1), unique=True, min_size=1,
                         max_size=len(shape)))
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        return array, None
    if kind == "int":
        return array, axes[0] - len(shape) * draw(st.integers(0, 1))
    return array, tuple(axes)
