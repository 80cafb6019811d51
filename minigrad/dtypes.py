"""Data types.  minigrad uses NumPy's dtype objects directly (CuPy shares them).

float32 is the default floating type, float64 works everywhere (gradcheck runs in it) and int64
is the type of indices.  ``is_floating(dtype)`` decides whether a tensor may require grad.
"""

from __future__ import annotations

import numpy as np

float16 = half = np.dtype(np.float16)
float32 = float = np.dtype(np.float32)  # noqa: A001 -- PyTorch's name, kept on purpose
float64 = double = np.dtype(np.float64)
uint8 = np.dtype(np.uint8)
int8 = np.dtype(np.int8)
int16 = short = np.dtype(np.int16)
int32 = int = np.dtype(np.int32)  # noqa: A001 -- PyTorch's name, kept on purpose
int64 = long = np.dtype(np.int64)
bool_ = bool = np.dtype(np.bool_)  # noqa: A001 -- PyTorch's name, kept on purpose

_default_float = float32


def get_default_dtype() -> np.dtype:
    """The floating dtype given to tensors made from Python floats (float32 unless changed)."""
    return _default_float


def set_default_dtype(dtype) -> None:
    """Change the default floating dtype (float32 or float64)."""
    global _default_float
    dtype = np.dtype(dtype)
    if dtype not in (float16, float32, float64):
        raise TypeError(f"set_default_dtype expects a floating dtype, got {dtype}")
    _default_float = dtype


def as_dtype(dtype) -> np.dtype | None:
    """None, a NumPy dtype, a NumPy scalar type or a name ('float32') -> np.dtype (or None)."""
    if dtype is None:
        return None
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"not a dtype: {dtype!r}") from None


def is_floating(dtype) -> bool:
    """True for float16/32/64: the dtypes whose tensors may require grad."""
    return np.dtype(dtype).kind == "f"


def dtype_name(dtype) -> str:
    """'minigrad.float32' style name for error messages and repr."""
    return f"minigrad.{np.dtype(dtype).name}"
