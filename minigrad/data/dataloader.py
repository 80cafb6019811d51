"""DataLoader: iterate over a dataset in (shuffled) minibatches of Tensors.

Holds:
    DataLoader -- ``for x, y in DataLoader(dataset, batch_size=32, shuffle=True): ...``

One epoch visits every sample exactly once.  The order comes from a random permutation drawn
from the seeded CPU generator (``minigrad.manual_seed``) or from the NumPy Generator passed as
``generator``, so a seeded run is reproducible and each epoch gets a fresh order.  Batches are
built by ``dataset.get_batch(indices)`` when no ``collate_fn`` is given (one gather per tensor
for a TensorDataset), else by ``collate_fn([dataset[i] for i in indices])``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from .. import backend
from ..tensor import Tensor
from .collate import default_collate

__all__ = ["DataLoader"]


class DataLoader:
    """Minibatches of ``dataset``, as minigrad Tensors on ``device``.

    Arguments:
        dataset     anything with ``__len__`` and ``__getitem__`` (a Dataset, a list, ...)
        batch_size  samples per batch; the last batch may be smaller unless ``drop_last``
        shuffle     draw a new random order each epoch (else 0, 1, 2, ...)
        drop_last   leave out the last, partial batch
        collate_fn  turns a list of samples into a batch (default: ``default_collate``)
        generator   a ``numpy.random.Generator`` or an int seed for the shuffling; default:
                    minigrad's CPU generator, seeded by ``minigrad.manual_seed``
        device      where the batches go ('cpu', 'cuda', ...); default: where the data is

    ``len(loader)`` is the number of batches per epoch.

    >>> import minigrad
    >>> from minigrad.data import TensorDataset
    >>> data = TensorDataset(minigrad.arange(10).float(), minigrad.arange(10))
    >>> loader = DataLoader(data, batch_size=4)
    >>> len(loader), [y.tolist() for x, y in loader]
    (3, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
    """

    def __init__(self, dataset, batch_size: int = 1, shuffle: bool = False,
                 drop_last: bool = False, collate_fn: Callable | None = None,
                 generator=None, device=None):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
            raise TypeError(f"DataLoader: batch_size must be an int, got {batch_size!r}")
        if batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be at least 1, got {batch_size}")
        if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
            generator = np.random.default_rng(int(generator))
        elif generator is not None and not isinstance(generator, np.random.Generator):
            raise TypeError(
                "DataLoader: generator must be a numpy.random.Generator or an int seed, got "
                f"{type(generator).__name__}"
            )
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        self.generator = generator
        self.device = None if device is None else backend.as_device(device)

    def __len__(self) -> int:
        n = len(self.dataset)
        if self.drop_last:
            return n // self.batch_size
        return (n + self.batch_size - 1) // self.batch_size

    def batch_indices(self) -> list[np.ndarray]:
        """The index arrays of one epoch's batches (draws a new permutation when shuffling)."""
        n = len(self.dataset)
        if self.shuffle:
            generator = self.generator if self.generator is not None else backend.generator()
            order = generator.permutation(n)
        else:
            order = np.arange(n)
        stop = len(self) * self.batch_size
        return [order[start:min(start + self.batch_size, n)]
                for start in range(0, stop, self.batch_size)]

    def __iter__(self):
        for indices in self.batch_indices():
            if self.collate_fn is None and hasattr(self.dataset, "get_batch"):
                batch = self.dataset.get_batch(indices)
            else:
                collate = self.collate_fn if self.collate_fn is not None else default_collate
                batch = collate([self.dataset[int(i)] for i in indices])
            if self.device is not None:
                batch = _to_device(batch, self.device)
            yield batch

    def __repr__(self) -> str:
        return (f"DataLoader(batches={len(self)}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last})")


def _to_device(batch, device):
    """Move every Tensor inside a (nested) batch to ``device``."""
    if isinstance(batch, Tensor):
        if batch.device == device:
            return batch
        return Tensor._from_op(backend.to_device(batch.data, device), None, 0)
    if isinstance(batch, Mapping):
        return type(batch)({key: _to_device(value, device) for key, value in batch.items()})
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):
        return type(batch)(*(_to_device(item, device) for item in batch))
    if isinstance(batch, Sequence) and not isinstance(batch, (str, bytes)):
        return type(batch)(_to_device(item, device) for item in batch)
    return batch
