"""Dataset, TensorDataset, Subset and random_split."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from minigrad.data import Dataset, Subset, TensorDataset, random_split
from tests.harness import devices


class Squares(Dataset):
    """A plain user dataset: sample i is (i, i*i)."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, index):
        return index, index * index


@pytest.mark.parametrize("device", devices())
def test_tensor_dataset_rows(device):
    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    y = np.array([0, 1, 0, 1, 1, 0])
    data = TensorDataset(minigrad.tensor(x, device=device), y)
    assert len(data) == 6
    features, label = data[4]
    assert isinstance(features, minigrad.Tensor) and features.device == minigrad.device(device)
    np.testing.assert_array_equal(features.cpu().numpy(), x[4])
    assert label.item() == 1
    batch_x, batch_y = data.get_batch(np.array([5, 0, 3]))
    np.testing.assert_array_equal(batch_x.cpu().numpy(), x[[5, 0, 3]])
    np.testing.assert_array_equal(batch_y.cpu().numpy(), y[[5, 0, 3]])


def test_tensor_dataset_does_not_track_gradients():
    weights = minigrad.ones(3, 2, requires_grad=True)
    row, = TensorDataset(weights)[0]
    assert not row.requires_grad


def test_tensor_dataset_bad_input():
    with pytest.raises(ValueError, match=r"same first dimension, got shapes \(3, 2\), \(4,\)"):
        TensorDataset(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="at least one tensor"):
        TensorDataset()
    with pytest.raises(ValueError, match="0-d"):
        TensorDataset(minigrad.tensor(1.0))


def test_base_dataset_without_getitem():
    with pytest.raises(TypeError, match="Dataset does not define __getitem__"):
        Dataset()[0]


def test_default_get_batch_collates_samples():
    first, second = Squares(5).get_batch([3, 1])
    assert first.tolist() == [3, 1] and second.tolist() == [9, 1]


def test_subset_maps_indices_and_batches():
    data = TensorDataset(minigrad.arange(10) * 10)
    subset = Subset(data, [7, 2, 5])
    assert len(subset) == 3
    assert subset[0][0].item() == 70
    assert subset.get_batch([2, 0])[0].tolist() == [50, 70]
    plain = Subset(Squares(10), [4, 6])  # a dataset with no get_batch of its own
    assert plain[1] == (6, 36)
    assert plain.get_batch([1, 0])[1].tolist() == [36, 16]


@given(n=st.integers(0, 40), seed=st.integers(0, 2**32 - 1),
       parts=st.lists(st.integers(0, 10), min_size=1, max_size=4))
def test_random_split_counts_partition(n, seed, parts):
    # turn arbitrary weights into counts that add up to n
    total = sum(parts) or 1
    counts = [n * p // total for p in parts]
    counts[0] += n - sum(counts)
    pieces = random_split(range(n), counts, generator=np.random.default_rng(seed))
    assert [len(p) for p in pieces] == counts
    seen = sorted(int(i) for p in pieces for i in p.indices)
    assert seen == list(range(n))  # disjoint and complete


def test_random_split_fractions_like_pytorch():
    # floor(0.3 * 10) = 3, floor(0.3 * 10) = 3, floor(0.4 * 10) = 4: no remainder
    assert [len(p) for p in random_split(range(10), [0.3, 0.3, 0.4])] == [3, 3, 4]
    # floor(0.5 * 11) = 5 twice, 1 left over goes to the first part
    assert [len(p) for p in random_split(range(11), [0.5, 0.5])] == [6, 5]
    # floor(1/3 * 8) = 2 each, 2 left over go to the first two parts
    assert [len(p) for p in random_split(range(8), [1 / 3, 1 / 3, 1 / 3])] == [3, 3, 2]


def test_random_split_is_reproducible_from_the_seed():
    minigrad.manual_seed(3)
    first = [p.indices.tolist() for p in random_split(range(20), [10, 10])]
    minigrad.manual_seed(3)
    again = [p.indices.tolist() for p in random_split(range(20), [10, 10])]
    assert first == again
    assert first[0] != list(range(10))  # it did shuffle


def test_random_split_bad_lengths():
    with pytest.raises(ValueError, match=r"sum to 9, but the dataset has 10 samples"):
        random_split(range(10), [4, 5])
    with pytest.raises(ValueError, match="non-negative ints"):
        random_split(range(10), [12, -2])
    with pytest.raises(ValueError, match="lengths is empty"):
        random_split(range(10), [])
