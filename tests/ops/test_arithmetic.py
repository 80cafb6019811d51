"""add, sub, mul, div, neg, pow, remainder through the op harness, plus dtype and error rules."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from tests.harness import OpCase, check_op, devices
from tests.strategies import arrays, broadcastable_shapes, positive_arrays, shapes


def _pair(low=-3.0, high=3.0, second_low=None, second_high=None):
    second_low = low if second_low is None else second_low
    second_high = high if second_high is None else second_high
    return broadcastable_shapes(2).flatmap(
        lambda s: st.tuples(arrays(s[0], low, high), arrays(s[1], second_low, second_high)))


CASES = [
    OpCase("add", minigrad.add, np.add, _pair()),
    OpCase("sub", minigrad.sub, np.subtract, _pair()),
    OpCase("mul", minigrad.mul, np.multiply, _pair()),
    OpCase("div", minigrad.div, np.divide, _pair(second_low=0.5, second_high=3.0)),
    OpCase("neg", minigrad.neg, np.negative, st.tuples(arrays(shapes()))),
    OpCase("pow tensor**tensor", minigrad.pow, np.power, _pair(0.2, 2.0, -2.0, 2.0)),
    OpCase("pow tensor**scalar", lambda x: x ** 3.0, lambda x: x ** 3.0,
           st.tuples(arrays(shapes()))),
    OpCase("pow tensor**0.5", lambda x: x ** 0.5, np.sqrt, st.tuples(positive_arrays(shapes()))),
    OpCase("pow scalar**tensor", lambda x: 2.0 ** x, lambda x: 2.0 ** x,
           st.tuples(arrays(shapes()))),
    # remainder jumps where a / b is an integer: divide by a constant and keep a off multiples
    OpCase("remainder by 1.5", lambda a: minigrad.remainder(a, 1.5), lambda a: np.remainder(a, 1.5),
           st.tuples(arrays(shapes())), kinks=[1.5 * k for k in range(-2, 3)]),
]


@pytest.mark.parametrize("device", devices())
@pytest.mark.parametrize("case", CASES, ids=repr)
@given(data=st.data())
def test_op(case, device, data):
    check_op(case, data, device)


def test_python_scalars_do_not_upcast():
    x = minigrad.ones(3)
    assert (x * 2.0).dtype == minigrad.float32
    assert (2.0 + x).dtype == minigrad.float32
    assert (x / 3).dtype == minigrad.float32
    assert (x ** 2).dtype == minigrad.float32
    assert (minigrad.ones(3, dtype=minigrad.float64) * 2.0).dtype == minigrad.float64


def test_integer_tensor_with_float_scalar_gives_default_float():
    x = minigrad.arange(4)
    assert x.dtype == minigrad.int64
    assert (x * 0.5).dtype == minigrad.float32
    assert (x / 2).dtype == minigrad.float32
    assert (x + 1).dtype == minigrad.int64


def test_add_shape_mismatch_names_op_and_shapes():
    with pytest.raises(ValueError, match=r"add: shapes \(2, 3\) and \(4,\)"):
        minigrad.ones(2, 3) + minigrad.ones(4)


def test_unsupported_operand_type():
    with pytest.raises(TypeError, match="mul"):
        minigrad.ones(2) * "a"


def test_pow_zero_base_exponent_gradient_is_finite():
    base = minigrad.tensor([0.0, 2.0], dtype=minigrad.float64)
    exponent = minigrad.tensor([2.0, 3.0], dtype=minigrad.float64, requires_grad=True)
    (base ** exponent).sum().backward()
    assert np.isfinite(exponent.grad.numpy()).all()
    assert exponent.grad.numpy()[0] == 0.0


def test_floor_divide_matches_python():
    a = minigrad.tensor([7.0, -7.0, 7.5])
    np.testing.assert_array_equal((a // 2).numpy(), np.array([3.0, -4.0, 3.0]))


def test_remainder_gradient_with_respect_to_divisor():
    a = minigrad.tensor([7.0, -7.0], dtype=minigrad.float64)
    b = minigrad.tensor([2.0, 2.0], dtype=minigrad.float64, requires_grad=True)
    minigrad.remainder(a, b).sum().backward()
    np.testing.assert_array_equal(b.grad.numpy(), [-3.0, 4.0])
