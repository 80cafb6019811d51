"""DataLoader: epochs, shuffling from the seed, drop_last, collate, devices, the fast path."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from minigrad.data import DataLoader, TensorDataset, default_collate
from tests.harness import devices


def _labels(loader):
    """The label tensor of each batch, as lists."""
    return [batch[-1].tolist() for batch in loader]


def _dataset(n):
    features = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    return TensorDataset(features, np.arange(n))


@given(n=st.integers(1, 50), batch_size=st.integers(1, 12), shuffle=st.booleans(),
       drop_last=st.booleans())
def test_every_sample_exactly_once_per_epoch(n, batch_size, shuffle, drop_last):
    loader = DataLoader(_dataset(n), batch_size=batch_size, shuffle=shuffle,
                        drop_last=drop_last, generator=np.random.default_rng(0))
    batches = _labels(loader)
    assert len(batches) == len(loader)
    full, rest = divmod(n, batch_size)
    expected_sizes = [batch_size] * full + ([rest] if rest and not drop_last else [])
    assert [len(b) for b in batches] == expected_sizes
    seen = [i for batch in batches for i in batch]
    assert len(seen) == len(set(seen))  # no sample twice
    if not drop_last:
        assert sorted(seen) == list(range(n))  # every sample once
    if not shuffle:
        assert seen == list(range(len(seen)))


def test_len_and_last_partial_batch():
    loader = DataLoader(_dataset(10), batch_size=4)
    assert len(loader) == 3
    assert _labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    dropping = DataLoader(_dataset(10), batch_size=4, drop_last=True)
    assert len(dropping) == 2
    assert _labels(dropping) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(DataLoader(_dataset(3), batch_size=4, drop_last=True)) == 0


def test_shuffle_reproducible_from_seed_and_new_each_epoch():
    data = _dataset(30)
    minigrad.manual_seed(7)
    loader = DataLoader(data, batch_size=30, shuffle=True)
    epoch1, epoch2 = _labels(loader)[0], _labels(loader)[0]
    minigrad.manual_seed(7)
    again = DataLoader(data, batch_size=30, shuffle=True)
    assert _labels(again)[0] == epoch1 and _labels(again)[0] == epoch2
    assert epoch1 != epoch2  # a fresh order each epoch
    assert epoch1 != list(range(30)) and sorted(epoch1) == list(range(30))
    minigrad.manual_seed(8)
    assert _labels(DataLoader(data, batch_size=30, shuffle=True))[0] != epoch1


def test_generator_argument_numpy_or_int_seed():
    data = _dataset(20)
    from_rng = _labels(DataLoader(data, batch_size=20, shuffle=True,
                                  generator=np.random.default_rng(5)))
    from_int = _labels(DataLoader(data, batch_size=20, shuffle=True, generator=5))
    assert from_rng == from_int == [np.random.default_rng(5).permutation(20).tolist()]


def test_fast_path_equals_per_sample_collate():
    data = _dataset(17)
    fast = DataLoader(data, batch_size=5, shuffle=True, generator=1)
    slow = DataLoader(data, batch_size=5, shuffle=True, generator=1, collate_fn=default_collate)
    for (fx, fy), (sx, sy) in zip(fast, slow):
        np.testing.assert_array_equal(fx.numpy(), sx.numpy())
        np.testing.assert_array_equal(fy.numpy(), sy.numpy())
        assert fx.dtype == sx.dtype == np.float32 and fy.dtype == sy.dtype == np.int64


def test_fast_path_does_not_call_getitem():
    class Counting(TensorDataset):
        calls = 0

        def __getitem__(self, index):
            Counting.calls += 1
            return super().__getitem__(index)

    data = Counting(np.zeros((100, 2)), np.arange(100))
    for _ in DataLoader(data, batch_size=32, shuffle=True):
        pass
    assert Counting.calls == 0


def test_plain_sequences_and_dict_samples():
    samples = [{"x": [float(i), float(i)], "y": i % 2} for i in range(5)]
    batches = list(DataLoader(samples, batch_size=2))
    assert [b["y"].tolist() for b in batches] == [[0, 1], [0, 1], [0]]
    assert batches[0]["x"][0].tolist() == [0.0, 1.0]  # lists collate position by position


def test_custom_collate_fn():
    loader = DataLoader(list(range(7)), batch_size=3, collate_fn=lambda items: sum(items))
    assert list(loader) == [3, 12, 6]


@pytest.mark.parametrize("device", devices())
def test_batches_land_on_the_requested_device(device):
    loader = DataLoader(_dataset(6), batch_size=4, device=device)
    for features, labels in loader:
        assert features.device == minigrad.device(device)
        assert labels.device == minigrad.device(device)


def test_bad_arguments():
    with pytest.raises(ValueError, match="batch_size must be at least 1, got 0"):
        DataLoader(_dataset(3), batch_size=0)
    with pytest.raises(TypeError, match="batch_size must be an int"):
        DataLoader(_dataset(3), batch_size=2.5)
    with pytest.raises(TypeError, match="numpy.random.Generator or an int seed, got str"):
        DataLoader(_dataset(3), generator="seed")
