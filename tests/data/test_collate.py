"""default_collate: stacking samples, recursing into tuples, lists, namedtuples and dicts."""

from collections import namedtuple

import numpy as np
import pytest

import minigrad
from minigrad.data import default_collate


def test_numbers_take_minigrad_default_dtypes():
    assert default_collate([1, 2, 3]).dtype == np.int64
    floats = default_collate([0.5, 1.5])
    assert floats.dtype == np.float32
    np.testing.assert_array_equal(floats.numpy(), [0.5, 1.5])
    assert default_collate([True, False]).dtype == np.bool_
    assert default_collate([np.float64(1.0), np.float64(2.0)]).dtype == np.float64


def test_arrays_and_tensors_stack_on_a_new_first_axis():
    arrays = [np.full((2, 3), i, dtype=np.uint8) for i in range(4)]
    batch = default_collate(arrays)
    assert isinstance(batch, minigrad.Tensor)
    assert batch.shape == (4, 2, 3) and batch.dtype == np.uint8
    np.testing.assert_array_equal(batch.numpy(), np.stack(arrays))
    tensors = [minigrad.tensor([1.0, 2.0]), minigrad.tensor([3.0, 4.0])]
    np.testing.assert_array_equal(default_collate(tensors).numpy(), [[1, 2], [3, 4]])


def test_tuples_lists_and_dicts_keep_their_structure():
    samples = [({"image": np.zeros(2), "id": "a"}, 0), ({"image": np.ones(2), "id": "b"}, 1)]
    (inputs, labels) = default_collate(samples)
    assert isinstance(default_collate(samples), tuple)
    assert inputs["id"] == ["a", "b"]
    np.testing.assert_array_equal(inputs["image"].numpy(), [[0, 0], [1, 1]])
    assert labels.tolist() == [0, 1]
    as_lists = default_collate([[1, 2.0], [3, 4.0]])
    assert isinstance(as_lists, list) and as_lists[0].tolist() == [1, 3]


def test_namedtuples_stay_namedtuples():
    Pair = namedtuple("Pair", "x y")
    batch = default_collate([Pair(1, 2.0), Pair(3, 4.0)])
    assert isinstance(batch, Pair)
    assert batch.x.tolist() == [1, 3] and batch.y.tolist() == [2.0, 4.0]


def test_bad_samples():
    with pytest.raises(ValueError, match=r"different shapes \(2,\), \(3,\)"):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(ValueError, match=r"sequences of different lengths \[1, 2\]"):
        default_collate([(1, 2), (3,)])
    with pytest.raises(ValueError, match="empty list"):
        default_collate([])
    with pytest.raises(TypeError, match="cannot batch samples of type object"):
        default_collate([object(), object()])
