"""Collating: turning a list of samples into one batch.

Holds:
    default_collate(samples) -- stack numbers, NumPy arrays and Tensors along a new first axis,
                                recursing into tuples, lists, namedtuples and dicts (like PyTorch)

The batch is made of minigrad Tensors on the samples' device (the DataLoader moves it to the
device it was asked for afterwards).  Python floats become the default float dtype (float32),
Python ints int64 and bools bool, as in ``minigrad.tensor``; arrays keep their dtype.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence

import numpy as np

from .. import backend, dtypes
from ..tensor import Tensor

__all__ = ["default_collate"]


def default_collate(samples: Sequence) -> object:
    """Stack a list of samples into one batch, keeping the samples' structure.

    ``[(x0, y0), (x1, y1)]`` with arrays ``x`` of shape S and int labels ``y`` gives
    ``(X, Y)`` with X a Tensor of shape (2, *S) and Y an int64 Tensor of shape (2,).
    Dicts collate key by key, strings are gathered into a list.

    >>> import numpy as np
    >>> batch = default_collate([(np.zeros(3), 1), (np.ones(3), 0)])
    >>> batch[0].shape, batch[1]
    ((2, 3), tensor([1, 0]))
    >>> default_collate([{"x": 1.5, "name": "a"}, {"x": 2.5, "name": "b"}])
    {'x': tensor([1.5, 2.5]), 'name': ['a', 'b']}
    """
    if len(samples) == 0:
        raise ValueError("default_collate: got an empty list of samples")
    first = samples[0]
    if isinstance(first, Tensor) or isinstance(first, np.ndarray) or backend.is_cuda_array(first):
        return _stack_arrays(samples)
    if isinstance(first, (str, bytes)):
        return list(samples)
    if isinstance(first, (bool, np.bool_)):
        return Tensor(np.array(samples, dtype=np.bool_))
    if isinstance(first, numbers.Integral):
        return Tensor(np.array(samples, dtype=np.int64))
    if isinstance(first, np.generic):
        return Tensor(np.array(samples, dtype=first.dtype))
    if isinstance(first, numbers.Real):
        return Tensor(np.array(samples, dtype=dtypes.get_default_dtype()))
    if isinstance(first, Mapping):
        return type(first)({key: default_collate([s[key] for s in samples]) for key in first})
    if isinstance(first, Sequence):
        size = len(first)
        if any(len(s) != size for s in samples):
            sizes = sorted({len(s) for s in samples})
            raise ValueError(
                f"default_collate: the samples are sequences of different lengths {sizes}"
            )
        columns = [default_collate([s[i] for s in samples]) for i in range(size)]
        if isinstance(first, tuple) and hasattr(first, "_fields"):  # a namedtuple
            return type(first)(*columns)
        return tuple(columns) if isinstance(first, tuple) else columns
    raise TypeError(
        f"default_collate: cannot batch samples of type {type(first).__name__}; expected "
        "Tensors, NumPy arrays, numbers, strings, or tuples/lists/dicts of them "
        "(pass collate_fn= to the DataLoader for anything else)"
    )


def _stack_arrays(samples) -> Tensor:
    arrays = [s.data if isinstance(s, Tensor) else s for s in samples]
    shapes = {tuple(a.shape) for a in arrays}
    if len(shapes) != 1:
        listed = ", ".join(str(s) for s in sorted(shapes)[:4])
        raise ValueError(
            f"default_collate: cannot stack samples of different shapes {listed}; make them "
            "equal with a transform (Resize, RandomCrop) or pass a collate_fn"
        )
    devices = {backend.device_of(a) for a in arrays}
    if len(devices) != 1:
        raise ValueError(
            f"default_collate: samples live on different devices {sorted(map(str, devices))}"
        )
    xp = backend.get_array_module(arrays[0])
    return Tensor._from_op(xp.stack(arrays), None, 0)
