"""Making tensors: tensor, as_tensor, from_numpy, zeros, ones, full, empty, arange, linspace,
eye, rand, randn, randint and the ``*_like`` variants.

Every function takes ``dtype=``, ``device=`` and ``requires_grad=`` like PyTorch's.  Random
tensors draw from the device's generator, seeded by ``minigrad.manual_seed``.
"""

from __future__ import annotations

import numpy as np

from . import backend, dtypes
from .tensor import Tensor

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "arange",
           "linspace", "eye", "rand", "randn", "randint", "randperm", "zeros_like", "ones_like",
           "full_like", "empty_like", "rand_like", "randn_like", "randint_like"]


def _size(size) -> tuple:
    """Accept ``zeros(2, 3)``, ``zeros((2, 3))`` and ``zeros([2, 3])``."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    for n in size:
        if not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"sizes must be non-negative integers, got {tuple(size)}")
    return tuple(int(n) for n in size)


def _float_dtype(dtype):
    return dtypes.as_dtype(dtype) or dtypes.get_default_dtype()


def _finish(array, requires_grad: bool) -> Tensor:
    result = Tensor._from_op(array, None, 0)
    if requires_grad:
        result.requires_grad = True
    return result


def tensor(data, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, a number, an array, a Tensor).

    Python floats give float32, ints int64, bools bool, unless ``dtype`` says otherwise.
    """
    result = Tensor(data, dtype=dtype, device=device)
    if result.data is (data.data if isinstance(data, Tensor) else data):
        result.data = result.data.copy()
    if requires_grad:
        result.requires_grad = True
    return result


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares memory with ``data`` when no conversion is needed."""
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype)
    return Tensor(data, dtype=dtype, device=device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A CPU tensor sharing memory with a NumPy array (changes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    return Tensor(array)


def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    xp = backend.array_module(device)
    return _finish(_on(xp.zeros(_size(size), dtype=_float_dtype(dtype)), device), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    xp = backend.array_module(device)
    return _finish(_on(xp.ones(_size(size), dtype=_float_dtype(dtype)), device), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    xp = backend.array_module(device)
    return _finish(_on(xp.empty(_size(size), dtype=_float_dtype(dtype)), device), requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value`` (its dtype follows the value, like
    PyTorch: a float gives float32, an int int64, a bool bool)."""
    if dtype is None:
        dtype = Tensor(fill_value).dtype
    xp = backend.array_module(device)
    array = xp.full(_size((size,)), fill_value,
                    dtype=dtypes.as_dtype(dtype))
    return _finish(_on(array, device), requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad: bool = False):
    """Values from ``start`` up to (not including) ``end`` in steps of ``step``.  int64 when
    all three are integers, else the default float dtype."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if dtype is None:
        integral = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = dtypes.int64 if integral else dtypes.get_default_dtype()
    xp = backend.array_module(device)
    array = xp.arange(start, end, step, dtype=np.float64 if dtypes.is_floating(dtype) else None)
    return _finish(_on(array.astype(dtypes.as_dtype(dtype)), device), requires_grad)


def linspace(start, end, steps: int, dtype=None, device=None, requires_grad: bool = False):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    xp = backend.array_module(device)
    array = xp.linspace(start, end, steps).astype(_float_dtype(dtype))
    return _finish(_on(array, device), requires_grad)


def eye(n: int, m: int | None = None, dtype=None, device=None, requires_grad: bool = False):
    """The (n, m) identity matrix."""
    xp = backend.array_module(device)
    return _finish(_on(xp.eye(n, m, dtype=_float_dtype(dtype)), device), requires_grad)


def _random_float_dtype(dtype, what: str):
    dtype = _float_dtype(dtype)
    if not dtypes.is_floating(dtype):
        raise TypeError(f"{what}: expected a floating point dtype, got {dtype} (use randint for "
                        "integers)")
    return dtype


def rand(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Samples from U[0, 1)."""
    dtype = _random_float_dtype(dtype, "rand")
    rng = backend.generator(device)
    array = rng.random(_size(size), dtype=np.float64).astype(dtype, copy=False)
    return _finish(_on(array, device), requires_grad)


def randn(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Samples from the standard normal distribution N(0, 1)."""
    dtype = _random_float_dtype(dtype, "randn")
    rng = backend.generator(device)
    array = rng.standard_normal(_size(size), dtype=np.float64).astype(dtype, copy=False)
    return _finish(_on(array, device), requires_grad)


def randint(low, high=None, size=(), dtype=None, device=None) -> Tensor:
    """Integers drawn uniformly from [low, high) (``randint(high, size)`` means low = 0)."""
    if high is None:
        low, high = 0, low
    if isinstance(high, (tuple, list)):
        low, high, size = 0, low, high
    if low >= high:
        raise ValueError(f"randint: low ({low}) must be less than high ({high})")
    rng = backend.generator(device)
    array = rng.integers(low, high, size=_size((size,)))
    array = array.astype(dtypes.as_dtype(dtype) or dtypes.int64)
    return Tensor._from_op(_on(array, device), None, 0)


def randperm(n: int, dtype=None, device=None) -> Tensor:
    """A random permutation of 0 .. n-1."""
    (n,) = _size((n,))
    rng = backend.generator(device)
    # The order that sorts n uniform samples is a uniformly random permutation.  (CuPy's
    # Generator has no ``permutation``; random() and argsort work on both backends.)
    order = rng.random(n).argsort()
    return Tensor._from_op(_on(order.astype(dtypes.as_dtype(dtype) or dtypes.int64), device),
                           None, 0)


def _like(x: Tensor, dtype, device):
    return (dtype if dtype is not None else x.dtype), (device if device is not None else x.device)


def zeros_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    dtype, device = _like(x, dtype, device)
    return zeros(x.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    dtype, device = _like(x, dtype, device)
    return ones(x.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    dtype, device = _like(x, dtype, device)
    return empty(x.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(x: Tensor, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    dtype, device = _like(x, dtype, device)
    return full(x.shape, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)


def rand_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    dtype, device = _like(x, dtype, device)
    return rand(x.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randn_like(x: Tensor, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    dtype, device = _like(x, dtype, device)
    return randn(x.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def randint_like(x: Tensor, low, high=None, dtype=None, device=None) -> Tensor:
    dtype, device = _like(x, dtype, device)
    return randint(low, high, x.shape, dtype=dtype, device=device)


def _on(array, device):
    """Arrays made by the device's own module are already there; this keeps the device index."""
    return backend.to_device(array, device) if device is not None else array
