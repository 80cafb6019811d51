"""Making tensors: zeros/ones/full/empty/arange/linspace/eye/rand/randn/randint/randperm and the
``*_like`` variants, with dtype=, device= and requires_grad=, and their errors.  Values are
compared with NumPy's own constructors."""

import numpy as np
import pytest

import minigrad
from tests.harness import devices

f32, f64, i64 = minigrad.float32, minigrad.float64, minigrad.int64

SIZED = {
    "zeros": (minigrad.zeros, lambda shape: np.zeros(shape)),
    "ones": (minigrad.ones, lambda shape: np.ones(shape)),
    "empty": (minigrad.empty, None),
    "rand": (minigrad.rand, None),
    "randn": (minigrad.randn, None),
}


# ---------------------------------------------------------------------------------------------
# zeros / ones / empty / rand / randn
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("device", devices())
@pytest.mark.parametrize("name", list(SIZED))
def test_sized_constructors(name, device):
    make, reference = SIZED[name]
    for args in [(2, 3), ((2, 3),), ([2, 3],)]:
        x = make(*args, device=device)
        assert x.shape == (2, 3)
        assert x.dtype == f32
        assert x.device == device
        assert x.is_leaf and not x.requires_grad
        if reference is not None:
            np.testing.assert_array_equal(x.cpu().numpy(), reference((2, 3)))
    assert make(device=device).shape == ()
    assert make(0, 4, device=device).shape == (0, 4)
    assert make(2, dtype=f64, device=device).dtype == f64
    grad = make(2, requires_grad=True, device=device)
    assert grad.requires_grad and grad.is_leaf


@pytest.mark.parametrize("name", list(SIZED))
def test_negative_or_fractional_sizes_raise(name):
    make = SIZED[name][0]
    with pytest.raises(ValueError, match=r"non-negative integers, got \(2, -1\)"):
        make(2, -1)
    with pytest.raises(ValueError, match="non-negative integers"):
        make(2.5)


@pytest.mark.parametrize("name", ["zeros", "ones", "empty"])
def test_integer_dtypes_and_requires_grad_on_them(name):
    make = SIZED[name][0]
    assert make(3, dtype=i64).dtype == i64
    assert make(3, dtype=minigrad.bool).dtype == minigrad.bool
    with pytest.raises(TypeError, match="floating point"):
        make(3, dtype=i64, requires_grad=True)


@pytest.mark.parametrize("make", [minigrad.rand, minigrad.randn], ids=["rand", "randn"])
def test_random_floats_refuse_integer_dtypes(make):
    with pytest.raises(TypeError, match="floating point dtype.*int64"):
        make(3, dtype=i64)


def test_rand_and_randn_distributions():
    minigrad.manual_seed(0)
    uniform = minigrad.rand(20000, dtype=f64).numpy()
    assert uniform.min() >= 0.0 and uniform.max() < 1.0
    assert abs(uniform.mean() - 0.5) < 4 * np.sqrt(1 / 12) / np.sqrt(uniform.size)
    normal = minigrad.randn(20000, dtype=f64).numpy()
    assert abs(normal.mean()) < 4 / np.sqrt(normal.size)
    assert abs(normal.std() - 1.0) < 0.03
    assert minigrad.randn(3).dtype == f32


# ---------------------------------------------------------------------------------------------
# full / arange / linspace / eye
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("device", devices())
def test_full(device):
    x = minigrad.full((2, 2), 1.5, device=device)
    assert x.dtype == f32 and x.device == device
    np.testing.assert_array_equal(x.cpu().numpy(), np.full((2, 2), 1.5))
    assert minigrad.full((3,), 7).dtype == i64
    assert minigrad.full((3,), True).dtype == minigrad.bool
    assert minigrad.full(3, 2.0).shape == (3,)
    assert minigrad.full((2,), 2, dtype=f64).dtype == f64
    assert minigrad.full((2,), 0.5, requires_grad=True).requires_grad
    with pytest.raises(TypeError, match="floating point"):
        minigrad.full((2,), 3, requires_grad=True)
    with pytest.raises(ValueError, match="non-negative"):
        minigrad.full((-2,), 1.0)


@pytest.mark.parametrize("device", devices())
def test_arange(device):
    x = minigrad.arange(5, device=device)
    assert x.dtype == i64 and x.device == device
    assert x.tolist() == [0, 1, 2, 3, 4]
    assert minigrad.arange(2, 8, 3).tolist() == [2, 5]
    assert minigrad.arange(5, 0, -2).tolist() == [5, 3, 1]
    floats = minigrad.arange(0, 1, 0.25)
    assert floats.dtype == f32
    np.testing.assert_array_equal(floats.numpy(), np.arange(0, 1, 0.25, dtype=np.float32))
    assert minigrad.arange(0.5, 3).tolist() == [0.5, 1.5, 2.5]
    assert minigrad.arange(4, dtype=f64).dtype == f64
    assert minigrad.arange(4, dtype=f32, requires_grad=True).requires_grad
    with pytest.raises(ValueError, match="step must be nonzero"):
        minigrad.arange(0, 4, 0)
    with pytest.raises(TypeError, match="floating point"):
        minigrad.arange(4, requires_grad=True)


def test_arange_counts_float_steps_like_numpy():
    for start, end, step in [(0, 1, 0.1), (1, 2.5, 0.3), (-1, 1, 0.2)]:
        got = minigrad.arange(start, end, step, dtype=f64).numpy()
        np.testing.assert_allclose(got, np.arange(start, end, step), rtol=0, atol=1e-12)


@pytest.mark.parametrize("device", devices())
def test_linspace(device):
    x = minigrad.linspace(-1.0, 1.0, 5, device=device)
    assert x.dtype == f32 and x.device == device
    np.testing.assert_array_equal(x.cpu().numpy(), np.linspace(-1, 1, 5, dtype=np.float32))
    assert minigrad.linspace(0, 1, 1).tolist() == [0.0]
    assert minigrad.linspace(0, 1, 0).shape == (0,)
    assert minigrad.linspace(0, 1, 3, dtype=f64, requires_grad=True).requires_grad
    with pytest.raises(ValueError):
        minigrad.linspace(0, 1, -1)


@pytest.mark.parametrize("device", devices())
def test_eye(device):
    x = minigrad.eye(3, device=device)
    assert x.dtype == f32 and x.device == device
    np.testing.assert_array_equal(x.cpu().numpy(), np.eye(3))
    np.testing.assert_array_equal(minigrad.eye(2, 4).numpy(), np.eye(2, 4))
    assert minigrad.eye(2, dtype=i64).dtype == i64
    assert minigrad.eye(2, requires_grad=True).requires_grad
    with pytest.raises(ValueError):
        minigrad.eye(-1)


# ---------------------------------------------------------------------------------------------
# randint / randperm
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("device", devices())
def test_randint(device):
    minigrad.manual_seed(0)
    x = minigrad.randint(3, 7, (1000,), device=device)
    assert x.dtype == i64 and x.device == device and x.shape == (1000,)
    values = x.cpu().numpy()
    assert values.min() >= 3 and values.max() <= 6
    assert set(values.tolist()) == {3, 4, 5, 6}
    assert minigrad.randint(5, (2, 3)).shape == (2, 3)
    assert minigrad.randint(5, [4]).shape == (4,)
    assert minigrad.randint(5, size=(2,)).shape == (2,)
    assert minigrad.randint(5).shape == ()
    assert minigrad.randint(0, 2, (3,), dtype=minigrad.int32).dtype == minigrad.int32


def test_randint_errors():
    with pytest.raises(ValueError, match=r"low \(5\) must be less than high \(5\)"):
        minigrad.randint(5, 5, (2,))
    with pytest.raises(ValueError, match="non-negative"):
        minigrad.randint(0, 5, (-1,))


@pytest.mark.parametrize("device", devices())
def test_randperm(device):
    minigrad.manual_seed(0)
    x = minigrad.randperm(20, device=device)
    assert x.dtype == i64 and x.device == device
    assert sorted(x.tolist()) == list(range(20))
    assert x.tolist() != list(range(20))
    assert minigrad.randperm(0).shape == (0,)
    with pytest.raises(ValueError, match="non-negative"):
        minigrad.randperm(-3)


# ---------------------------------------------------------------------------------------------
# *_like
# ---------------------------------------------------------------------------------------------


LIKE = {
    "zeros_like": (minigrad.zeros_like, ()),
    "ones_like": (minigrad.ones_like, ()),
    "empty_like": (minigrad.empty_like, ()),
    "full_like": (minigrad.full_like, (2.0,)),
    "rand_like": (minigrad.rand_like, ()),
    "randn_like": (minigrad.randn_like, ()),
}


@pytest.mark.parametrize("device", devices())
@pytest.mark.parametrize("name", list(LIKE))
def test_like_constructors(name, device):
    make, extra = LIKE[name]
    x = minigrad.ones(2, 3, dtype=f64, device=device, requires_grad=True)
    y = make(x, *extra)
    assert y.shape == (2, 3) and y.dtype == f64 and y.device == device
    assert not y.requires_grad, "requires_grad is not inherited"
    assert make(x, *extra, dtype=f32).dtype == f32
    assert make(x, *extra, requires_grad=True).requires_grad


def test_like_values():
    x = minigrad.ones(2, 2)
    assert minigrad.zeros_like(x).tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert minigrad.full_like(x, 3.0).tolist() == [[3.0, 3.0], [3.0, 3.0]]
    ints = minigrad.randint_like(minigrad.zeros(3, dtype=i64), 2, 4)
    assert ints.dtype == i64 and set(ints.tolist()) <= {2, 3}
    with pytest.raises(TypeError, match="floating point"):
        minigrad.zeros_like(minigrad.zeros(2, dtype=i64), requires_grad=True)
    with pytest.raises(TypeError, match="floating point"):
        minigrad.rand_like(minigrad.zeros(2, dtype=i64))


# ---------------------------------------------------------------------------------------------
# tensor / as_tensor / from_numpy and the default dtype
# ---------------------------------------------------------------------------------------------


def test_as_tensor_and_from_numpy_share_memory():
    array = np.arange(3.0)
    shared = minigrad.from_numpy(array)
    assert shared.dtype == f64
    array[0] = 10.0
    assert shared.tolist() == [10.0, 1.0, 2.0]
    assert minigrad.as_tensor(array).data is array
    x = minigrad.ones(2)
    assert minigrad.as_tensor(x) is x
    assert minigrad.as_tensor(x, dtype=f64).dtype == f64
    with pytest.raises(TypeError, match="numpy.ndarray"):
        minigrad.from_numpy([1.0, 2.0])


def test_tensor_copies_and_detaches():
    x = minigrad.ones(2, requires_grad=True)
    y = minigrad.tensor(x)
    assert not y.requires_grad and y.is_leaf
    assert not np.shares_memory(y.numpy(), x.data)
    z = minigrad.tensor(np.ones(2), requires_grad=True)
    assert z.requires_grad and z.dtype == f64


def test_default_dtype_can_be_switched_to_float64():
    assert minigrad.get_default_dtype() == f32
    minigrad.set_default_dtype(f64)
    try:
        assert minigrad.zeros(2).dtype == f64
        assert minigrad.tensor([1.5]).dtype == f64
        assert minigrad.arange(0.0, 1.0, 0.5).dtype == f64
        assert minigrad.randn(2).dtype == f64
    finally:
        minigrad.set_default_dtype(f32)
    with pytest.raises(TypeError, match="floating dtype"):
        minigrad.set_default_dtype(i64)
