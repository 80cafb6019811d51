"""LanguageModelLoader, pad_or_truncate and pad_batch.

The loader is tested on the corpus 0, 1, 2, ..., so that a token is its own position: then
"every usable position appears exactly once" and "targets are the inputs shifted by one" can be
read off the batches directly.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from minigrad.text import LanguageModelLoader, pad_batch, pad_or_truncate
from tests.harness import devices


@st.composite
def loader_arguments(draw):
    batch_size = draw(st.integers(1, 5))
    num_steps = draw(st.integers(1, 6))
    # at least one batch, up to a few batches plus some slack
    length = draw(st.integers(batch_size * num_steps + 1, 4 * batch_size * num_steps + 9))
    seed = draw(st.integers(0, 2**32 - 1))
    return length, batch_size, num_steps, seed


def _epoch(loader):
    batches = [(x.numpy(), y.numpy()) for x, y in loader]
    for x, y in batches:
        assert x.shape == (loader.batch_size, loader.num_steps) and x.dtype == np.int64
        assert y.shape == x.shape and y.dtype == np.int64
    return batches


@pytest.mark.parametrize("partition", ["sequential", "random"])
@given(arguments=loader_arguments())
def test_every_usable_position_once(partition, arguments):
    length, batch_size, num_steps, seed = arguments
    loader = LanguageModelLoader(np.arange(length), batch_size, num_steps, partition=partition,
                                 seed=seed)
    expected_batches = (length - 1) // (batch_size * num_steps)
    used = expected_batches * batch_size * num_steps
    assert len(loader) == expected_batches
    for _ in range(2):  # two epochs: each one complete on its own
        batches = _epoch(loader)
        assert len(batches) == expected_batches
        inputs = np.concatenate([x.ravel() for x, _ in batches])
        targets = np.concatenate([y.ravel() for _, y in batches])
        # targets are the inputs shifted by one position in the corpus
        assert (targets == inputs + 1).all()
        # the inputs are `used` consecutive positions, each exactly once
        start = int(inputs.min())
        assert sorted(inputs.tolist()) == list(range(start, start + used))
        assert 0 <= start <= (length - 1) - used  # every target exists
        if partition == "sequential":
            assert start == 0
        for x, _ in batches:  # every row is a contiguous window
            assert (np.diff(x, axis=1) == 1).all()


@given(arguments=loader_arguments())
def test_sequential_rows_continue_across_batches(arguments):
    length, batch_size, num_steps, _ = arguments
    corpus = np.random.default_rng(length).integers(0, 7, size=length)
    loader = LanguageModelLoader(corpus, batch_size, num_steps)
    batches = _epoch(loader)
    row_length = len(loader) * num_steps
    # reference, with plain loops: row i is corpus[i * row_length ...], batch t its t-th window
    for t, (x, y) in enumerate(batches):
        for i in range(batch_size):
            for j in range(num_steps):
                position = i * row_length + t * num_steps + j
                assert x[i, j] == corpus[position]
                assert y[i, j] == corpus[position + 1]
    positions = np.arange(length)
    batches = _epoch(LanguageModelLoader(positions, batch_size, num_steps))
    for (x, _), (x_next, _) in zip(batches, batches[1:]):
        assert (x_next[:, 0] == x[:, -1] + 1).all()


def test_random_partition_is_reproducible_and_reshuffles():
    corpus = np.arange(200)
    first = _epoch(LanguageModelLoader(corpus, 4, 5, partition="random", seed=7))
    again = _epoch(LanguageModelLoader(corpus, 4, 5, partition="random", seed=7))
    assert all((a[0] == b[0]).all() for a, b in zip(first, again))
    loader = LanguageModelLoader(corpus, 4, 5, partition="random", seed=7)
    epoch1, epoch2 = _epoch(loader), _epoch(loader)
    # 9 batches of 4 windows: two epochs in the same order would be a broken generator
    assert any((a[0] != b[0]).any() for a, b in zip(epoch1, epoch2))
    # without a seed, minigrad.manual_seed makes it reproducible
    minigrad.manual_seed(3)
    one = _epoch(LanguageModelLoader(corpus, 4, 5, partition="random"))
    minigrad.manual_seed(3)
    two = _epoch(LanguageModelLoader(corpus, 4, 5, partition="random"))
    assert all((a[0] == b[0]).all() for a, b in zip(one, two))


def test_worked_example():
    # 13 tokens, 2 rows of 3 steps: 12 (input, target) pairs make exactly 2 batches;
    # row 0 reads positions 0..5, row 1 positions 6..11
    batches = [(x.tolist(), y.tolist()) for x, y in
               LanguageModelLoader(list(range(10, 23)), batch_size=2, num_steps=3)]
    assert batches == [([[10, 11, 12], [16, 17, 18]], [[11, 12, 13], [17, 18, 19]]),
                       ([[13, 14, 15], [19, 20, 21]], [[14, 15, 16], [20, 21, 22]])]


@pytest.mark.parametrize("device", devices())
def test_device_and_tensor_corpus(device):
    loader = LanguageModelLoader(minigrad.arange(30), 2, 4, device=device)
    x, y = next(iter(loader))
    assert x.device == minigrad.device(device) and y.device == minigrad.device(device)
    assert x.dtype == minigrad.int64
    assert x.cpu().tolist() == [[0, 1, 2, 3], [12, 13, 14, 15]]


def test_loader_errors():
    corpus = list(range(20))
    with pytest.raises(ValueError, match=r"LanguageModelLoader: batch_size must be at least 1, "
                                         r"got 0"):
        LanguageModelLoader(corpus, 0, 3)
    with pytest.raises(ValueError, match=r"LanguageModelLoader: num_steps must be at least 1, "
                                         r"got -2"):
        LanguageModelLoader(corpus, 2, -2)
    with pytest.raises(ValueError, match=r"LanguageModelLoader: a corpus of 20 tokens is too "
                                         r"short for one batch of batch_size=4 x num_steps=5 "
                                         r"\(needs at least 21 tokens\)"):
        LanguageModelLoader(corpus, 4, 5)
    with pytest.raises(ValueError, match=r"LanguageModelLoader: unknown partition 'shuffled'"):
        LanguageModelLoader(corpus, 2, 3, partition="shuffled")
    with pytest.raises(ValueError, match=r"LanguageModelLoader: corpus must be 1-D, got shape "
                                         r"\(4, 5\)"):
        LanguageModelLoader(np.zeros((4, 5), dtype=np.int64), 1, 2)
    with pytest.raises(TypeError, match=r"LanguageModelLoader: corpus must hold integer token "
                                        r"indices, got dtype float64"):
        LanguageModelLoader(np.zeros(30), 1, 2)
    with pytest.raises(TypeError, match=r"LanguageModelLoader: batch_size must be an int"):
        LanguageModelLoader(corpus, 2.0, 3)


# ---------------------------------------------------------------------------------------------
# pad_or_truncate / pad_batch
# ---------------------------------------------------------------------------------------------

SEQUENCES = st.lists(st.lists(st.integers(1, 50), max_size=7), min_size=1, max_size=5)


@given(st.lists(st.integers(0, 9), max_size=10), st.integers(0, 12))
def test_pad_or_truncate(indices, length):
    result = pad_or_truncate(indices, length, pad_index=-1)
    assert len(result) == length
    kept = min(len(indices), length)
    assert result[:kept] == indices[:kept]
    assert result[kept:] == [-1] * (length - kept)


@given(SEQUENCES, st.one_of(st.none(), st.integers(0, 9)))
def test_pad_batch(sequences, length):
    batch, lengths = pad_batch(sequences, pad_index=0, length=length)
    width = max(len(s) for s in sequences) if length is None else length
    assert batch.shape == (len(sequences), width) and batch.dtype == minigrad.int64
    assert lengths.shape == (len(sequences),) and lengths.dtype == minigrad.int64
    rows = batch.tolist()
    for row, sequence, valid in zip(rows, sequences, lengths.tolist()):
        assert valid == min(len(sequence), width)
        for j in range(width):
            expected = sequence[j] if j < len(sequence) else 0
            assert row[j] == expected


def test_pad_errors():
    with pytest.raises(ValueError, match=r"pad_or_truncate: length must be >= 0, got -1"):
        pad_or_truncate([1, 2], -1, 0)
    with pytest.raises(ValueError, match=r"pad_batch: expected at least one sequence"):
        pad_batch([], 0)
    with pytest.raises(ValueError, match=r"pad_batch: length must be >= 0, got -3"):
        pad_batch([[1]], 0, length=-3)
