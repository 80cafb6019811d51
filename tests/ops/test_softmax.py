"""softmax / log_softmax (minigrad/ops/softmax.py): fused Functions through the op harness, the
composite teaching versions against them (values, gradients, second derivatives), stability at
+-1e4 and bad inputs."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from tests.harness import OpCase, assert_close, check_op, devices
from tests.strategies import array_and_dim


def _softmax_reference(a, dim):
    e = np.exp(a)
    return e / e.sum(axis=dim, keepdims=True)


def _log_softmax_reference(a, dim):
    return a - np.log(np.exp(a).sum(axis=dim, keepdims=True))


FUNCTIONS = [
    ("softmax", minigrad.softmax, _softmax_reference),
    ("log_softmax", minigrad.log_softmax, _log_softmax_reference),
    ("softmax_simple", minigrad.softmax_simple, _softmax_reference),
    ("log_softmax_simple", minigrad.log_softmax_simple, _log_softmax_reference),
]


@pytest.mark.parametrize("device", devices())
@pytest.mark.parametrize("name, op, reference", FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
@given(data=st.data())
def test_op(name, op, reference, device, data):
    array, dim = data.draw(array_and_dim(low=-5.0, high=5.0), label="array, dim")
    case = OpCase(f"{name}(dim={dim})", lambda x: op(x, dim), lambda a: reference(a, dim),
                  st.just((array,)))
    check_op(case, data, device)


# ---------------------------------------------------------------------------------------------
# Fused and composite agree
# ---------------------------------------------------------------------------------------------


PAIRS = [(minigrad.softmax, minigrad.softmax_simple),
         (minigrad.log_softmax, minigrad.log_softmax_simple)]


@pytest.mark.parametrize("fused, composite", PAIRS, ids=["softmax", "log_softmax"])
@given(data=st.data())
def test_fused_and_composite_agree_on_values_and_gradients(fused, composite, data):
    array, dim = data.draw(array_and_dim(low=-20.0, high=20.0))
    weights = np.random.default_rng(array.size).standard_normal(array.shape)
    results = []
    for fn in (fused, composite):
        x = minigrad.tensor(array, dtype=minigrad.float64, requires_grad=True)
        w = minigrad.tensor(weights, dtype=minigrad.float64)
        y = fn(x, dim)
        (gradient,) = minigrad.grad((y * w).sum(), x, create_graph=True)
        (second,) = minigrad.grad((gradient * gradient).sum(), x)
        results.append((y.detach().numpy(), gradient.detach().numpy(), second.numpy()))
    for what, got, want in zip(("value", "gradient", "second derivative"), *results):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, err_msg=what)


# ---------------------------------------------------------------------------------------------
# Properties and stability
# ---------------------------------------------------------------------------------------------


@given(data=st.data())
def test_softmax_rows_sum_to_one_and_log_softmax_is_its_log(data):
    array, dim = data.draw(array_and_dim(low=-50.0, high=50.0))
    x = minigrad.tensor(array, dtype=minigrad.float64)
    probabilities = minigrad.softmax(x, dim).numpy()
    assert np.all(probabilities >= 0)
    np.testing.assert_allclose(probabilities.sum(axis=dim), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.exp(minigrad.log_softmax(x, dim).numpy()), probabilities,
                               rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("dtype", [minigrad.float32, minigrad.float64])
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmax_simple",
                                  "log_softmax_simple"])
def test_stable_at_1e4(name, dtype):
    values = [[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4], [1e4, 1e4, 1e4 - 1.0]]
    x = minigrad.tensor(values, dtype=dtype, requires_grad=True)
    weights = minigrad.tensor([[1.0, 2.0, 3.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = getattr(minigrad, name)(x, 1)
        (y * weights).sum().backward()
    # third row: weights 1, 1, e^-1 over the total s = 2 + e^-1
    total = 2.0 + math.exp(-1.0)
    if name.startswith("softmax"):
        expected = [[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3],
                    [1 / total, 1 / total, math.exp(-1.0) / total]]
    else:
        expected = [[0.0, -1e4, -2e4], [-math.log(3.0)] * 3,
                    [-math.log(total), -math.log(total), -1.0 - math.log(total)]]
    assert np.isfinite(y.detach().numpy()).all() and np.isfinite(x.grad.numpy()).all()
    assert_close(y, np.array(expected), dtype, name)
    assert y.dtype == dtype


def test_softmax_gradient_sums_to_zero_along_dim():
    # softmax is unchanged by adding a constant to a row, so its gradient has zero row sums
    x = minigrad.tensor(np.random.default_rng(0).standard_normal((3, 5)), dtype=minigrad.float64,
                        requires_grad=True)
    w = minigrad.tensor(np.random.default_rng(1).standard_normal((3, 5)), dtype=minigrad.float64)
    (minigrad.softmax(x, -1) * w).sum().backward()
    np.testing.assert_allclose(x.grad.numpy().sum(axis=1), 0.0, atol=1e-14)


def test_softmax_of_a_0d_tensor_is_one():
    x = minigrad.tensor(3.0, requires_grad=True)
    y = minigrad.softmax(x, 0)
    assert y.shape == () and y.item() == 1.0
    y.backward()
    assert x.grad.item() == 0.0
    assert minigrad.log_softmax(x, -1).item() == 0.0


def test_tensor_methods():
    data = np.array([[0.5, -1.0, 2.0], [3.0, 0.0, 0.0]])
    x = minigrad.tensor(data, dtype=minigrad.float64)
    np.testing.assert_allclose(x.softmax(0).numpy(), _softmax_reference(data, 0))
    np.testing.assert_allclose(x.log_softmax(-1).numpy(), _log_softmax_reference(data, -1))


# ---------------------------------------------------------------------------------------------
# Bad inputs
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [f[0] for f in FUNCTIONS])
def test_dim_out_of_range_names_the_op(name):
    with pytest.raises(IndexError, match=rf"{name}: dim 2 is out of range for a tensor with 2 "
                                         "dimensions"):
        getattr(minigrad, name)(minigrad.ones(2, 3), 2)


@pytest.mark.parametrize("name", [f[0] for f in FUNCTIONS])
def test_bad_types(name):
    op = getattr(minigrad, name)
    with pytest.raises(TypeError, match=f"{name}: expected a floating point tensor, got dtype "
                                        "int64"):
        op(minigrad.tensor([1, 2]), 0)
    with pytest.raises(TypeError, match=f"{name}: expected a Tensor, got list"):
        op([1.0, 2.0], 0)
    with pytest.raises(TypeError, match=f"{name}: dim must be given"):
        op(minigrad.ones(2), None)
    with pytest.raises(TypeError, match=f"{name}: dim must be an int, got float"):
        op(minigrad.ones(2), 0.0)
