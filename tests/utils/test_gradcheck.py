"""gradcheck / gradgradcheck: they pass on correct derivatives and, just as important, FAIL on
wrong ones -- with a message naming the input, the element and both values."""

import re

import numpy as np
import pytest

import minigrad
from minigrad.autograd import Function
from minigrad.utils import GradcheckError, gradcheck, gradgradcheck

f64 = minigrad.float64


def leaf(values):
    return minigrad.tensor(values, dtype=f64, requires_grad=True)


def _numbers(message):
    """The numerical and analytical values quoted in a GradcheckError."""
    found = re.search(r"numerical (\S+) vs analytical (\S+)", message)
    assert found, message
    return float(found.group(1)), float(found.group(2))


# ---------------------------------------------------------------------------------------------
# Deliberately wrong Functions
# ---------------------------------------------------------------------------------------------


class CubeWithWrongFactor(Function):
    def forward(self, x):
        return x * x * x

    # (deliberately wrong: d/dx x^3 is 3x^2, this returns 2x^2)
    def backward(self, grad):
        (x,) = self.inputs
        return grad * x * x * 2.0


class MulWithWrongSecondGradient(Function):
    def forward(self, a, b):
        return a * b

    # d(ab)/da = b is right; (deliberately wrong) d(ab)/db should be a, this returns a + 1
    def backward(self, grad):
        a, b = self.inputs
        return grad * b, grad * (a + 1.0)


class ScaleWithOneWrongElement(Function):
    def forward(self, x):
        return x * 3.0

    # (deliberately wrong: d/dx 3x = 3 everywhere, but element (1, 2) gets 0)
    def backward(self, grad):
        mask = np.ones(grad.shape)
        mask[1, 2] = 0.0
        return grad * minigrad.tensor(mask * 3.0, dtype=grad.dtype)


class SquareWithDetachedBackward(Function):
    def forward(self, x):
        return x * x

    # d/dx x^2 = 2x -- right, but x is detached, so the backward cannot be differentiated
    def backward(self, grad):
        (x,) = self.inputs
        return grad * x.detach() * 2.0


class SquareWithArrayBackward(Function):
    def forward(self, x):
        return x * x

    # d/dx x^2 = 2x -- right, but computed on raw arrays, outside any graph
    def backward(self, grad):
        (x,) = self.inputs
        return minigrad.Tensor(grad.data * x.data * 2.0)


# ---------------------------------------------------------------------------------------------
# gradcheck passes on correct derivatives
# ---------------------------------------------------------------------------------------------


def test_gradcheck_passes_on_correct_ops():
    rng = np.random.default_rng(0)
    a = leaf(rng.standard_normal((3, 4)))
    b = leaf(rng.standard_normal((4, 2)))
    c = leaf(rng.uniform(0.5, 2.0, (3, 4)))
    assert gradcheck(lambda x, y: x @ y, (a, b))
    assert gradcheck(lambda x, y: x / y, (a, c))
    assert gradcheck(lambda x: (x * x).sum(), a)
    assert gradcheck(minigrad.tanh, a)
    assert gradcheck(lambda x: x * 2.0, leaf(1.5))  # a 0-d input


def test_gradcheck_with_an_input_that_does_not_require_grad():
    weights = minigrad.tensor([[1.0, -2.0], [0.5, 3.0]], dtype=f64)
    x = leaf([[0.2, 0.4], [1.0, -1.0]])
    assert gradcheck(lambda w, t: w * t * t, (weights, x))


def test_gradcheck_with_several_outputs():
    x = leaf([0.5, -1.0, 2.0])
    assert gradcheck(lambda t: (t * t, t * 3.0, (t > 0)), x)


def test_gradcheck_on_a_non_contiguous_input():
    array = np.arange(12.0).reshape(3, 4).T / 7.0  # a transposed view
    x = minigrad.Tensor(array, requires_grad=True)
    assert not x.data.flags.c_contiguous
    assert gradcheck(lambda t: t * t, x)


@pytest.mark.parametrize("max_full", [400, 1], ids=["full", "directional"])
def test_gradcheck_restores_the_inputs(max_full):
    values = np.array([[0.3, -1.2], [2.0, 0.7]])
    x = leaf(values)
    gradcheck(lambda t: t * t * t, x, max_full=max_full)
    np.testing.assert_array_equal(x.detach().numpy(), values)


def test_directional_mode_passes_on_a_correct_op_with_a_big_input():
    rng = np.random.default_rng(1)
    x = leaf(rng.standard_normal((30, 30)))  # 900 elements: too many for the full Jacobian
    assert gradcheck(lambda t: minigrad.tanh(t) * t, x)


# ---------------------------------------------------------------------------------------------
# gradcheck fails on wrong derivatives
# ---------------------------------------------------------------------------------------------


def test_full_jacobian_mode_names_input_element_and_values():
    x = leaf([1.0, 2.0])
    with pytest.raises(GradcheckError) as error:
        gradcheck(lambda t: CubeWithWrongFactor()(t), x)
    message = str(error.value)
    assert "Jacobian mismatch for input 0" in message
    assert "at element (0,)" in message
    numerical, analytical = _numbers(message)
    assert numerical == pytest.approx(3.0, rel=1e-6)  # 3 x^2 at x = 1
    assert analytical == pytest.approx(2.0, rel=1e-12)  # the wrong 2 x^2


def test_full_jacobian_mode_names_the_wrong_input_of_two():
    a, b = leaf([1.0, -2.0]), leaf([0.5, 3.0])
    with pytest.raises(GradcheckError, match="for input 1") as error:
        gradcheck(lambda x, y: MulWithWrongSecondGradient()(x, y), (a, b))
    numerical, analytical = _numbers(str(error.value))
    assert numerical == pytest.approx(1.0, rel=1e-6)  # d(ab)/db = a = 1 at element 0
    assert analytical == pytest.approx(2.0, rel=1e-12)  # a + 1


def test_full_jacobian_mode_finds_a_single_wrong_element():
    x = leaf(np.arange(12.0).reshape(3, 4))
    with pytest.raises(GradcheckError, match=r"input 0 \(shape \(3, 4\)\) at element \(1, 2\)"):
        gradcheck(lambda t: ScaleWithOneWrongElement()(t), x)


def test_directional_mode_names_input_and_values():
    rng = np.random.default_rng(2)
    x = leaf(rng.uniform(0.5, 1.5, (4, 3)))
    with pytest.raises(GradcheckError, match="directional derivative mismatch for input 0") \
            as error:
        gradcheck(lambda t: CubeWithWrongFactor()(t), x, max_full=1)
    numerical, analytical = _numbers(str(error.value))
    assert numerical != pytest.approx(analytical, rel=1e-3)


def test_directional_mode_names_the_wrong_input_of_two():
    rng = np.random.default_rng(3)
    a, b = leaf(rng.standard_normal(5)), leaf(rng.standard_normal(5))
    with pytest.raises(GradcheckError, match="mismatch for input 1"):
        gradcheck(lambda x, y: MulWithWrongSecondGradient()(x, y), (a, b), max_full=1)


def test_raise_exception_false_returns_false():
    x = leaf([1.0, 2.0])
    assert gradcheck(lambda t: CubeWithWrongFactor()(t), x, raise_exception=False) is False
    assert gradcheck(lambda t: t * t * t, x, raise_exception=False) is True


def test_gradcheck_error_is_an_assertion_error():
    assert issubclass(GradcheckError, AssertionError)


# ---------------------------------------------------------------------------------------------
# gradgradcheck
# ---------------------------------------------------------------------------------------------


def test_gradgradcheck_passes_on_twice_differentiable_ops():
    x = leaf([0.5, -1.0, 1.5])
    y = leaf([2.0, 0.3, -0.7])
    assert gradgradcheck(lambda t: t * t * t, x)
    assert gradgradcheck(minigrad.tanh, x)
    assert gradgradcheck(lambda s, t: s * t * s, (x, y))


def test_gradgradcheck_fails_when_backward_uses_a_detached_value():
    x = leaf([0.5, -1.0, 1.5])
    assert gradcheck(lambda t: SquareWithDetachedBackward()(t), x), "first derivative is right"
    with pytest.raises(GradcheckError, match="mismatch for input 0") as error:
        gradgradcheck(lambda t: SquareWithDetachedBackward()(t), x)
    numerical, analytical = _numbers(str(error.value))
    assert analytical == 0.0 and numerical != 0.0


def test_gradgradcheck_fails_when_backward_leaves_the_graph():
    x = leaf([0.5, -1.0, 1.5])
    assert gradcheck(lambda t: SquareWithArrayBackward()(t), x)
    with pytest.raises(GradcheckError, match="mismatch for input 0"):
        gradgradcheck(lambda t: SquareWithArrayBackward()(t), x)


def test_gradgradcheck_with_given_grad_outputs():
    x = leaf([0.5, -1.0])
    v = leaf([1.0, 2.0])
    assert gradgradcheck(lambda t: t * t * t, x, grad_outputs=v)


# ---------------------------------------------------------------------------------------------
# Bad inputs
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("check", [gradcheck, gradgradcheck])
def test_float32_inputs_are_rejected(check):
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(GradcheckError, match=r"input 0 has dtype float32.*float64.*\.double\(\)"):
        check(lambda t: t * t, x)


@pytest.mark.parametrize("check", [gradcheck, gradgradcheck])
def test_non_leaf_inputs_are_rejected(check):
    x = leaf([1.0]) * 2.0
    with pytest.raises(GradcheckError, match="input 0 is not a leaf"):
        check(lambda t: t * t, x)


def test_no_input_requiring_grad_is_an_error():
    with pytest.raises(GradcheckError, match="no input requires grad"):
        gradcheck(lambda t: t * 2.0, minigrad.tensor([1.0], dtype=f64))
