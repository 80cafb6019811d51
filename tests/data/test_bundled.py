"""The bundled data sets: shapes, dtypes, label balance, names, size, and errors."""

import numpy as np
import pytest

from minigrad.data import BUNDLED, bundled_info, load_bundled
from minigrad.data.bundled import BUNDLED_DIR

EXPECTED = {
    # name: (train shape, test shape, x dtype, y dtype)
    "fashion-mnist-small": ((10000, 28, 28), (2000, 28, 28), np.uint8, np.int64),
    "mnist-5k": ((4000, 28, 28), (1000, 28, 28), np.uint8, np.int64),
    "boston-housing": ((404, 13), (102, 13), np.float64, np.float64),
}


def test_every_bundled_set_is_listed():
    assert set(BUNDLED) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shapes_and_dtypes(name):
    (x_train, y_train), (x_test, y_test) = load_bundled(name)
    train_shape, test_shape, x_dtype, y_dtype = EXPECTED[name]
    assert x_train.shape == train_shape and x_test.shape == test_shape
    assert y_train.shape == train_shape[:1] and y_test.shape == test_shape[:1]
    assert x_train.dtype == x_test.dtype == x_dtype
    assert y_train.dtype == y_test.dtype == y_dtype
    assert np.isfinite(x_train.astype(np.float64)).all()


# The per-pixel mean and std of the full training sets, as published with the data sets'
# usual Normalize constants: MNIST (0.1307, 0.3081), Fashion-MNIST (0.2860, 0.3530).
FULL_SET_STATISTICS = {"mnist-5k": (0.1307, 0.3081), "fashion-mnist-small": (0.2860, 0.3530)}


@pytest.mark.parametrize("name", sorted(FULL_SET_STATISTICS))
def test_image_sets_are_class_balanced_and_look_like_the_full_sets(name):
    (x_train, y_train), (x_test, y_test) = load_bundled(name)
    assert np.bincount(y_train, minlength=10).tolist() == [len(y_train) // 10] * 10
    assert np.bincount(y_test, minlength=10).tolist() == [len(y_test) // 10] * 10
    mean, std = FULL_SET_STATISTICS[name]
    pixels = x_train / 255.0
    assert abs(pixels.mean() - mean) < 0.01 and abs(pixels.std() - std) < 0.01
    assert x_train.min() == 0 and x_train.max() == 255
    assert (x_train[:, :, 0] == 0).mean() > 0.9  # the left column is background
    # train and test share no image
    train_rows = {row.tobytes() for row in x_train}
    assert not any(row.tobytes() in train_rows for row in x_test)


def test_first_rows_mix_classes():
    for name in ("fashion-mnist-small", "mnist-5k"):
        (_, y_train), _ = load_bundled(name)
        assert len(set(y_train[:50].tolist())) >= 8


def test_boston_housing_values():
    (x_train, y_train), (x_test, y_test) = load_bundled("boston-housing")
    features = np.concatenate([x_train, x_test])
    targets = np.concatenate([y_train, y_test])
    chas = bundled_info("boston-housing")["feature_names"].index("CHAS")
    assert set(np.unique(features[:, chas]).tolist()) == {0.0, 1.0}  # a 0/1 dummy
    assert 5.0 <= targets.min() and targets.max() <= 50.0  # MEDV, $1000s, capped at 50


def test_info_and_names():
    info = bundled_info("fashion-mnist-small")
    assert info["classes"][9] == "Ankle boot" and "MIT" in info["license"]
    assert len(bundled_info("boston-housing")["feature_names"]) == 13
    assert "CC BY-SA 3.0" in bundled_info("mnist-5k")["license"]


def test_each_call_returns_fresh_arrays():
    (first, _), _ = load_bundled("mnist-5k")
    first[0] = 0
    (again, _), _ = load_bundled("mnist-5k")
    assert again[0].any()


def test_total_size_within_budget():
    total = sum(path.stat().st_size for path in BUNDLED_DIR.iterdir())
    assert total <= 10 * 1024 * 1024


def test_unknown_name():
    with pytest.raises(ValueError, match="unknown bundled data set 'cifar'; the bundled ones are "
                                         "boston-housing, fashion-mnist-small, mnist-5k"):
        load_bundled("cifar")
