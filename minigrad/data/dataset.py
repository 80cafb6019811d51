"""Datasets: the indexable collections a DataLoader draws samples from.

Holds:
    Dataset          -- the base class: ``__getitem__(i)`` gives a sample, ``__len__`` counts
    TensorDataset    -- samples are the i-th rows of some tensors/arrays of equal length
    Subset           -- a view of another dataset through a list of indices
    random_split     -- cut a dataset into non-overlapping random Subsets (counts or fractions)

Every Dataset also has ``get_batch(indices)``, which returns a whole collated batch: by default
``default_collate([self[i] for i in indices])``.  TensorDataset overrides it with one
fancy-indexing per tensor instead of one ``__getitem__`` call per sample (the DataLoader's fast
path, used when no ``collate_fn`` is given); Subset passes it on to the dataset it wraps.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np

from .. import backend
from ..tensor import Tensor
from .collate import default_collate

__all__ = ["Dataset", "TensorDataset", "Subset", "random_split"]


class Dataset:
    """Base class of map-style datasets: subclasses define ``__getitem__`` and ``__len__``.

    >>> class Squares(Dataset):
    ...     def __len__(self):
    ...         return 4
    ...     def __getitem__(self, index):
    ...         return index, index * index
    >>> Squares()[3]
    (3, 9)
    """

    def __getitem__(self, index):
        raise TypeError(f"{type(self).__name__} does not define __getitem__")

    def __len__(self) -> int:
        raise TypeError(f"{type(self).__name__} does not define __len__")

    def get_batch(self, indices) -> object:
        """The samples ``indices`` collated into one batch (override to gather faster)."""
        return default_collate([self[int(i)] for i in indices])


def _length_of(item) -> int:
    if isinstance(item, Tensor) or hasattr(item, "shape"):
        if len(item.shape) == 0:
            raise ValueError("TensorDataset: every tensor needs a first (sample) dimension, "
                             "got a 0-d one")
        return item.shape[0]
    return len(item)


def _row_index(indices, array):
    """``indices`` as an index array that lives on the same device as ``array``."""
    xp = backend.get_array_module(array)
    return xp.asarray(indices)


class TensorDataset(Dataset):
    """Sample ``i`` is ``(t[i] for t in tensors)``: the i-th row of each tensor or array.

    ``TensorDataset(features, labels)`` with features of shape (N, ...) and labels (N,).
    Rows come back as Tensors on the tensors' own device.

    >>> import minigrad
    >>> data = TensorDataset(minigrad.arange(6).reshape(3, 2), minigrad.tensor([0, 1, 0]))
    >>> len(data), data[1]
    (3, (tensor([2, 3]), tensor(1)))
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        converted = []
        for item in tensors:
            if not isinstance(item, Tensor):
                item = Tensor(item)
            converted.append(item.detach())
        lengths = [_length_of(t) for t in converted]
        if len(set(lengths)) != 1:
            shapes = ", ".join(str(tuple(t.shape)) for t in converted)
            raise ValueError(
                f"TensorDataset: all tensors need the same first dimension, got shapes {shapes}"
            )
        self.tensors = tuple(converted)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def __getitem__(self, index):
        rows = []
        for t in self.tensors:
            xp = backend.get_array_module(t.data)
            # asarray: an int index into a 1-d NumPy array gives a NumPy scalar, not an array
            rows.append(Tensor._from_op(xp.asarray(t.data[index]), None, 0))
        return tuple(rows)

    def get_batch(self, indices) -> tuple:
        """Rows ``indices`` (an int array) of every tensor, gathered in one indexing each."""
        return tuple(Tensor._from_op(t.data[_row_index(indices, t.data)], None, 0)
                     for t in self.tensors)


class Subset(Dataset):
    """The samples ``dataset[indices[0]], dataset[indices[1]], ...`` of another dataset."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]):
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64).reshape(-1)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index):
        if isinstance(index, (list, np.ndarray)):
            return [self.dataset[int(i)] for i in self.indices[index]]
        return self.dataset[int(self.indices[index])]

    def get_batch(self, indices) -> object:
        """The batch ``dataset.get_batch(self.indices[indices])`` (fast when theirs is)."""
        inner = self.indices[np.asarray(indices, dtype=np.int64)]
        if hasattr(self.dataset, "get_batch"):
            return self.dataset.get_batch(inner)
        return default_collate([self.dataset[int(i)] for i in inner])


def random_split(dataset: Dataset, lengths: Sequence[float], generator=None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random Subsets of the given lengths.

    ``lengths`` are counts summing to ``len(dataset)``, or fractions summing to 1: then each
    part gets ``floor(fraction * n)`` samples and the few left over are dealt out one at a time
    to the parts in order (as PyTorch does).  The permutation comes from ``generator`` (a NumPy
    Generator) or from minigrad's seeded CPU generator.

    >>> train, valid = random_split(range(10), [0.8, 0.2])
    >>> len(train), len(valid)
    (8, 2)
    """
    n = len(dataset)
    lengths = list(lengths)
    if not lengths:
        raise ValueError("random_split: lengths is empty")
    are_fractions = all(isinstance(x, numbers.Real) and 0 <= x <= 1 for x in lengths)
    are_fractions = are_fractions and not all(isinstance(x, numbers.Integral) for x in lengths)
    if are_fractions and math.isclose(sum(lengths), 1.0, abs_tol=1e-9):
        counts = [int(math.floor(n * fraction)) for fraction in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
    else:
        if not all(isinstance(x, numbers.Integral) and x >= 0 for x in lengths):
            raise ValueError(
                f"random_split: lengths must be non-negative ints summing to len(dataset)={n} "
                f"or fractions summing to 1, got {lengths}"
            )
        counts = [int(x) for x in lengths]
    if sum(counts) != n:
        raise ValueError(
            f"random_split: lengths {lengths} sum to {sum(counts)}, but the dataset has {n} samples"
        )
    generator = backend.generator("cpu") if generator is None else generator
    order = generator.permutation(n)
    parts = []
    start = 0
    for count in counts:
        parts.append(Subset(dataset, order[start:start + count]))
        start += count
    return parts
