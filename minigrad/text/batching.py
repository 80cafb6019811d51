"""Batches of token indices: language-model minibatches and padded batches of sentences.

Holds:
    LanguageModelLoader(corpus, batch_size, num_steps, partition)  (inputs, targets) batches
    pad_or_truncate(indices, length, pad_index)                    one sequence to a fixed length
    pad_batch(sequences, pad_index, length=None)                   a list of sequences -> (N, L)

This is the "language model data" chapter of the course.  A language model reads a long stream
of token indices and learns to predict each next token, so a minibatch is ``batch_size``
windows of ``num_steps`` tokens (the inputs) and the same windows shifted by one (the targets).
Two ways to cut the stream into windows:

sequential
    The usable part of the stream is cut into ``batch_size`` equal rows laid side by side; batch
    t holds columns ``t * num_steps ...`` of every row.  Row i of batch t + 1 continues row i of
    batch t, so the hidden state at the end of one batch is the right start for the next:
    carry it over and ``detach()`` it between batches (truncated backpropagation through time).
random
    Each epoch starts at a random offset, cuts the stream into windows of ``num_steps`` and
    deals them out in a random order.  Neighbouring rows are unrelated: start each batch from a
    fresh state.

Either way an epoch has ``len(loader) = (len(corpus) - 1) // (batch_size * num_steps)`` batches
and each usable position (one with a next token to predict) is an input exactly once.

>>> from minigrad.text import LanguageModelLoader
>>> loader = LanguageModelLoader(list(range(13)), batch_size=2, num_steps=3)
>>> len(loader)
2
>>> for inputs, targets in loader:
...     print(inputs.tolist(), targets.tolist())
[[0, 1, 2], [6, 7, 8]] [[1, 2, 3], [7, 8, 9]]
[[3, 4, 5], [9, 10, 11]] [[4, 5, 6], [10, 11, 12]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import backend
from ..tensor import Tensor

__all__ = ["LanguageModelLoader", "pad_or_truncate", "pad_batch"]

PARTITIONS = ("sequential", "random")


def _positive_int(value, name: str, function: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{function}: {name} must be an int, got {value!r}")
    if value < 1:
        raise ValueError(f"{function}: {name} must be at least 1, got {value}")
    return int(value)


def _corpus_array(corpus) -> np.ndarray:
    """The corpus as a 1-D int64 NumPy array (from a list, an array or a Tensor)."""
    if isinstance(corpus, Tensor):
        corpus = backend.to_device(corpus.data, "cpu")
    array = np.asarray(corpus)
    if array.ndim != 1:
        raise ValueError(f"LanguageModelLoader: corpus must be 1-D, got shape {array.shape}")
    if array.size and array.dtype.kind not in "iu":
        raise TypeError(f"LanguageModelLoader: corpus must hold integer token indices, got "
                        f"dtype {array.dtype}")
    return array.astype(np.int64, copy=False)


class LanguageModelLoader:
    """(inputs, targets) minibatches of a token stream for a language model.

    Arguments:
        corpus      a 1-D sequence of token indices (list, NumPy array or Tensor)
        batch_size  rows per batch
        num_steps   tokens per row (the length of the truncated backpropagation window)
        partition   'sequential' (rows continue across batches) or 'random' (a random offset
                    and a random order every epoch); see the module docstring
        seed        an int or a ``numpy.random.Generator`` for the 'random' partition; default:
                    minigrad's CPU generator (seeded by ``minigrad.manual_seed``)
        device      where the batches go ('cpu', 'cuda', ...)

    Iterating yields ``(inputs, targets)``, int64 Tensors of shape (batch_size, num_steps) with
    ``targets[i, j]`` the token after ``inputs[i, j]`` in the corpus.  ``len(loader)`` is the
    number of batches per epoch, ``(len(corpus) - 1) // (batch_size * num_steps)``, the same for
    both partitions and every epoch.

    Usable positions: an epoch reads ``len(loader) * batch_size * num_steps`` consecutive input
    positions, each once.  'sequential' always reads them from position 0; 'random' starts at
    an offset drawn from ``0 ... (len(corpus) - 1) % (batch_size * num_steps)``, so the tokens
    left over at the end differ between epochs.

    >>> loader = LanguageModelLoader(list(range(13)), batch_size=2, num_steps=3,
    ...                              partition="random", seed=0)
    >>> inputs, targets = next(iter(loader))
    >>> inputs.shape, inputs.dtype, bool(((targets - inputs) == 1).all())
    ((2, 3), dtype('int64'), True)
    """

    def __init__(self, corpus, batch_size: int, num_steps: int, partition: str = "sequential",
                 seed=None, device=None):
        name = "LanguageModelLoader"
        self.batch_size = _positive_int(batch_size, "batch_size", name)
        self.num_steps = _positive_int(num_steps, "num_steps", name)
        if partition not in PARTITIONS:
            raise ValueError(f"{name}: unknown partition {partition!r}; expected 'sequential' "
                             f"or 'random'")
        self.partition = partition
        self.corpus = _corpus_array(corpus)

        window = self.batch_size * self.num_steps
        pairs = len(self.corpus) - 1  # (input, target) pairs in the stream
        if pairs < window:
            raise ValueError(
                f"{name}: a corpus of {len(self.corpus)} tokens is too short for one batch of "
                f"batch_size={self.batch_size} x num_steps={self.num_steps} (needs at least "
                f"{window + 1} tokens)"
            )
        self.num_batches = pairs // window
        self.used = self.num_batches * window  # input positions read per epoch
        self.slack = pairs - self.used  # how far the 'random' start may move

        if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
            seed = np.random.default_rng(int(seed))
        elif seed is not None and not isinstance(seed, np.random.Generator):
            raise TypeError(f"{name}: seed must be an int, a numpy.random.Generator or None, "
                            f"got {type(seed).__name__}")
        self.generator = seed
        self.device = None if device is None else backend.as_device(device)

    def __len__(self) -> int:
        return self.num_batches

    def _tensor(self, array: np.ndarray) -> Tensor:
        return Tensor(np.ascontiguousarray(array), device=self.device)

    def _sequential(self):
        # Row i holds positions i * row_length ... (i + 1) * row_length - 1 of the stream.
        row_length = self.num_batches * self.num_steps
        inputs = self.corpus[:self.used].reshape(self.batch_size, row_length)
        targets = self.corpus[1:self.used + 1].reshape(self.batch_size, row_length)
        for t in range(self.num_batches):
            columns = slice(t * self.num_steps, (t + 1) * self.num_steps)
            yield self._tensor(inputs[:, columns]), self._tensor(targets[:, columns])

    def _random(self):
        generator = self.generator if self.generator is not None else backend.generator()
        offset = int(generator.integers(0, self.slack + 1))
        windows = self.num_batches * self.batch_size
        # window w covers positions offset + w * num_steps ... offset + (w + 1) * num_steps - 1
        starts = offset + generator.permutation(windows) * self.num_steps
        steps = np.arange(self.num_steps)
        for t in range(self.num_batches):
            batch_starts = starts[t * self.batch_size:(t + 1) * self.batch_size]
            positions = batch_starts[:, None] + steps[None, :]
            yield self._tensor(self.corpus[positions]), self._tensor(self.corpus[positions + 1])

    def __iter__(self):
        if self.partition == "sequential":
            return self._sequential()
        return self._random()

    def __repr__(self) -> str:
        return (f"LanguageModelLoader(tokens={len(self.corpus)}, batches={self.num_batches}, "
                f"batch_size={self.batch_size}, num_steps={self.num_steps}, "
                f"partition={self.partition!r})")


def pad_or_truncate(indices: Sequence[int], length: int, pad_index: int) -> list[int]:
    """``indices`` cut to ``length`` items, or filled up to it with ``pad_index`` at the end.

    >>> pad_or_truncate([5, 6, 7], 5, pad_index=0), pad_or_truncate([5, 6, 7], 2, pad_index=0)
    ([5, 6, 7, 0, 0], [5, 6])
    """
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)):
        raise TypeError(f"pad_or_truncate: length must be an int, got {length!r}")
    if length < 0:
        raise ValueError(f"pad_or_truncate: length must be >= 0, got {length}")
    indices = list(indices)
    if len(indices) >= length:
        return indices[:length]
    return indices + [pad_index] * (length - len(indices))


def pad_batch(sequences: Sequence[Sequence[int]], pad_index: int,
              length: int | None = None) -> tuple[Tensor, Tensor]:
    """Sequences of different lengths as one (N, L) int64 Tensor, padded at the end.

    ``L`` is ``length``, or the longest sequence when ``length`` is None (longer sequences are
    cut).  Also returns the (N,) int64 Tensor of valid lengths, ``min(len(sequence), L)``: what
    masked losses and attention need to ignore the padding.

    >>> batch, lengths = pad_batch([[4, 5, 6], [7]], pad_index=0)
    >>> batch.tolist(), lengths.tolist()
    ([[4, 5, 6], [7, 0, 0]], [3, 1])
    """
    if isinstance(sequences, Tensor):
        sequences = sequences.tolist()
    sequences = [list(sequence) for sequence in sequences]
    if not sequences:
        raise ValueError("pad_batch: expected at least one sequence, got none")
    if length is None:
        length = max(len(sequence) for sequence in sequences)
    elif isinstance(length, bool) or not isinstance(length, (int, np.integer)):
        raise TypeError(f"pad_batch: length must be an int or None, got {length!r}")
    elif length < 0:
        raise ValueError(f"pad_batch: length must be >= 0, got {length}")
    rows = [pad_or_truncate(sequence, length, pad_index) for sequence in sequences]
    lengths = [min(len(sequence), length) for sequence in sequences]
    batch = np.array(rows, dtype=np.int64).reshape(len(rows), length)
    return Tensor(batch), Tensor(np.array(lengths, dtype=np.int64))
