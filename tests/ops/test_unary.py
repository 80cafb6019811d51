"""Elementwise math (minigrad/ops/unary.py) through the op harness, plus erf accuracy, numerical
stability at +-1e4, dtype rules, piecewise gradients at their kinks and bad inputs."""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from minigrad.utils import gradcheck, gradgradcheck
from tests.harness import OpCase, assert_close, check_op, devices
from tests.strategies import arrays, broadcastable_shapes, positive_arrays, shapes

# ---------------------------------------------------------------------------------------------
# References, written plainly from the definitions
# ---------------------------------------------------------------------------------------------


def _erf_reference(a):
    return np.vectorize(math.erf, otypes=[np.float64])(a)


def _sigmoid_reference(a):
    return 1.0 / (1.0 + np.exp(-a))


def _elu_reference(a, alpha=1.0):
    return np.where(a > 0, a, alpha * (np.exp(a) - 1.0))


def _selu_reference(a):
    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946
    return scale * _elu_reference(a, alpha)


def _gelu_reference(a):
    return 0.5 * a * (1.0 + _erf_reference(a / math.sqrt(2.0)))


def _gelu_tanh_reference(a):
    return 0.5 * a * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (a + 0.044715 * a ** 3)))


def _softplus_reference(beta, threshold):
    return lambda a: np.where(beta * a > threshold, a, np.log(1.0 + np.exp(beta * a)) / beta)


def _prelu_reference(a, weight):
    out = np.empty_like(a)
    for index in np.ndindex(a.shape):
        slope = weight[0] if weight.size == 1 else weight[index[1]]
        out[index] = a[index] if a[index] > 0 else slope * a[index]
    return out


@st.composite
def _prelu_inputs(draw):
    shape = draw(shapes(min_dims=1))
    channels = shape[1] if len(shape) >= 2 else 1
    per_channel = draw(st.booleans())
    return draw(arrays(shape)), draw(arrays((channels if per_channel else 1,), -1.0, 1.0))


# Values on two interleaved grids (k + 0.25 and k + 0.75) never tie, so maximum/minimum/clamp
# are tested away from their kinks; ties get tests of their own below.
def _grid(shape, offset):
    return arrays(shape, -3, 3).map(lambda a: np.round(a) + offset)


def _grid_pair():
    return broadcastable_shapes(2).flatmap(
        lambda s: st.tuples(_grid(s[0], 0.25), _grid(s[1], 0.75)))


def _clamp_triple():
    # x on the 0.25 grid, min on the 0.75 grid, max on the 0.5 grid: no two can be equal
    return broadcastable_shapes(3).flatmap(
        lambda s: st.tuples(_grid(s[0], 0.25), _grid(s[1], 0.75), _grid(s[2], 0.5)))


def _one(low=-3.0, high=3.0):
    return st.tuples(arrays(shapes(), low, high))


CASES = [
    OpCase("exp", minigrad.exp, np.exp, _one()),
    OpCase("log", minigrad.log, np.log, st.tuples(positive_arrays(shapes()))),
    OpCase("log1p", minigrad.log1p, np.log1p, _one(-0.9, 3.0)),
    OpCase("log2", minigrad.log2, np.log2, st.tuples(positive_arrays(shapes()))),
    OpCase("sqrt", minigrad.sqrt, np.sqrt, st.tuples(positive_arrays(shapes()))),
    OpCase("rsqrt", minigrad.rsqrt, lambda a: 1.0 / np.sqrt(a),
           st.tuples(positive_arrays(shapes(), 0.2, 3.0))),
    OpCase("abs", minigrad.abs, np.abs, _one(), kinks=[0.0]),
    OpCase("sin", minigrad.sin, np.sin, _one()),
    OpCase("cos", minigrad.cos, np.cos, _one()),
    OpCase("tanh", minigrad.tanh, np.tanh, _one()),
    OpCase("erf", minigrad.erf, _erf_reference, _one(-5.0, 5.0)),
    OpCase("sigmoid", minigrad.sigmoid, _sigmoid_reference, _one(-6.0, 6.0)),
    OpCase("relu", minigrad.relu, lambda a: np.where(a > 0, a, 0.0), _one(), kinks=[0.0]),
    OpCase("leaky_relu", minigrad.leaky_relu, lambda a: np.where(a > 0, a, 0.01 * a), _one(),
           kinks=[0.0]),
    OpCase("leaky_relu slope 0.2", lambda x: minigrad.leaky_relu(x, negative_slope=0.2),
           lambda a: np.where(a > 0, a, 0.2 * a), _one(), kinks=[0.0]),
    OpCase("prelu", minigrad.prelu, _prelu_reference, _prelu_inputs(), kinks=[0.0]),
    OpCase("elu", minigrad.elu, _elu_reference, _one(), kinks=[0.0]),
    OpCase("elu alpha 0.5", lambda x: minigrad.elu(x, alpha=0.5),
           lambda a: _elu_reference(a, 0.5), _one(), kinks=[0.0]),
    OpCase("selu", minigrad.selu, _selu_reference, _one(), kinks=[0.0]),
    OpCase("silu", minigrad.silu, lambda a: a * _sigmoid_reference(a), _one()),
    OpCase("normal_cdf", minigrad.normal_cdf,
           lambda a: 0.5 * (1.0 + _erf_reference(a / math.sqrt(2.0))), _one(-7.0, 7.0)),
    OpCase("gelu", minigrad.gelu, _gelu_reference, _one(-5.0, 5.0)),
    OpCase("gelu tanh", lambda x: minigrad.gelu(x, approximate="tanh"), _gelu_tanh_reference,
           _one(-5.0, 5.0)),
    OpCase("softplus", minigrad.softplus, _softplus_reference(1.0, 20.0), _one(-6.0, 6.0)),
    OpCase("softplus beta 2 threshold 3", lambda x: minigrad.softplus(x, beta=2, threshold=3),
           _softplus_reference(2.0, 3.0), _one(), kinks=[1.5]),
    OpCase("hardtanh", minigrad.hardtanh, lambda a: np.clip(a, -1.0, 1.0), _one(),
           kinks=[-1.0, 1.0]),
    OpCase("hardtanh(-0.5, 2)", lambda x: minigrad.hardtanh(x, -0.5, 2.0),
           lambda a: np.clip(a, -0.5, 2.0), _one(), kinks=[-0.5, 2.0]),
    OpCase("clamp(-1, 1.5)", lambda x: minigrad.clamp(x, -1.0, 1.5),
           lambda a: np.clip(a, -1.0, 1.5), _one(), kinks=[-1.0, 1.5]),
    OpCase("clamp min only", lambda x: minigrad.clamp(x, min=0.5),
           lambda a: np.maximum(a, 0.5), _one(), kinks=[0.5]),
    OpCase("clamp max only", lambda x: x.clamp(max=-0.5),
           lambda a: np.minimum(a, -0.5), _one(), kinks=[-0.5]),
    OpCase("clamp tensor bounds", lambda x, low, high: minigrad.clamp(x, low, high),
           lambda a, low, high: np.minimum(np.maximum(a, low), high), _clamp_triple()),
    OpCase("maximum", minigrad.maximum, np.maximum, _grid_pair()),
    OpCase("minimum", minigrad.minimum, np.minimum, _grid_pair()),
    OpCase("where", lambda a, b, c: minigrad.where(c > 0, a, b),
           lambda a, b, c: np.where(c > 0, a, b),
           broadcastable_shapes(3).flatmap(
               lambda s: st.tuples(arrays(s[0]), arrays(s[1]), arrays(s[2]))),
           grad_inputs=(0, 1), kinks=[0.0]),  # c near 0 could flip sign in float32
]


@pytest.mark.parametrize("device", devices())
@pytest.mark.parametrize("case", CASES, ids=repr)
@given(data=st.data())
def test_op(case, device, data):
    check_op(case, data, device)


# ---------------------------------------------------------------------------------------------
# erf: accuracy against math.erf
# ---------------------------------------------------------------------------------------------


def _erf_points():
    return np.concatenate([
        np.linspace(-7.0, 7.0, 40001),
        np.logspace(-300, 1.5, 2000), -np.logspace(-300, 1.5, 2000),
        # the ends of Cody's three ranges, and where erf becomes +-1 in float64
        [0.46875, np.nextafter(0.46875, 1.0), 4.0, np.nextafter(4.0, 5.0), 5.9, 6.0, 6.5],
        [27.0, 1e10, 1e300, -1e300],
    ])


def test_erf_float64_relative_error_is_near_machine_precision():
    x = _erf_points()
    got = minigrad.erf(minigrad.tensor(x, dtype=minigrad.float64)).numpy()
    want = _erf_reference(x)
    assert np.all(got[want == 0] == 0)
    got, want, x = got[want != 0], want[want != 0], x[want != 0]
    relative = np.abs(got - want) / np.abs(want)
    worst = int(np.argmax(relative))
    assert relative[worst] <= 1e-15, f"erf({x[worst]!r}): {got[worst]!r} vs {want[worst]!r}"


def test_erf_special_values():
    x = minigrad.tensor([np.inf, -np.inf, np.nan, -0.0, 0.0], dtype=minigrad.float64)
    got = minigrad.erf(x).numpy()
    assert got[0] == 1.0 and got[1] == -1.0
    assert np.isnan(got[2])
    assert got[3] == 0.0 and np.signbit(got[3]) and not np.signbit(got[4])


def test_erf_is_odd_and_monotonic():
    x = np.linspace(0.0, 8.0, 5001)
    positive = minigrad.erf(minigrad.tensor(x, dtype=minigrad.float64)).numpy()
    negative = minigrad.erf(minigrad.tensor(-x, dtype=minigrad.float64)).numpy()
    np.testing.assert_array_equal(negative, -positive)
    assert np.all(np.diff(positive) >= 0)


def test_erf_float32_stays_float32():
    x = np.linspace(-5.0, 5.0, 1001).astype(np.float32)
    got = minigrad.erf(minigrad.tensor(x))
    assert got.dtype == minigrad.float32
    np.testing.assert_allclose(got.numpy(), _erf_reference(x.astype(np.float64)), atol=1e-6)


def test_erf_gradient_is_two_over_sqrt_pi_exp_minus_x_squared():
    x = minigrad.tensor([-2.0, -0.3, 0.0, 0.5, 3.0], dtype=minigrad.float64, requires_grad=True)
    minigrad.erf(x).sum().backward()
    values = np.array([-2.0, -0.3, 0.0, 0.5, 3.0])
    np.testing.assert_allclose(x.grad.numpy(), 2 / math.sqrt(math.pi) * np.exp(-values ** 2),
                               rtol=1e-14)


# ---------------------------------------------------------------------------------------------
# Numerical stability: answers, not warnings
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [minigrad.float32, minigrad.float64])
def test_sigmoid_is_stable_at_1e4(dtype):
    x = minigrad.tensor([-1e4, -30.0, 0.0, 30.0, 1e4], dtype=dtype, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = minigrad.sigmoid(x)
        y.sum().backward()
    values = y.detach().numpy()
    assert values[0] == 0.0 and values[2] == 0.5 and values[4] == 1.0
    np.testing.assert_allclose(values[1], math.exp(-30.0) / (1 + math.exp(-30.0)), rtol=1e-6)
    assert np.isfinite(x.grad.numpy()).all()
    assert x.grad.numpy()[0] == 0.0 and x.grad.numpy()[2] == 0.25


@pytest.mark.parametrize("dtype", [minigrad.float32, minigrad.float64])
def test_softplus_is_stable_at_1e4(dtype):
    x = minigrad.tensor([-1e4, -50.0, 0.0, 50.0, 1e4], dtype=dtype, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = minigrad.softplus(x)
        y.sum().backward()
        large_beta = minigrad.softplus(x, beta=10.0, threshold=1e9)
    values = y.detach().numpy()
    assert values[0] == 0.0 and values[4] == 1e4 and values[3] == 50.0
    np.testing.assert_allclose(values[1], math.exp(-50.0), rtol=1e-5)
    np.testing.assert_allclose(values[2], math.log(2.0), rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), [0.0, math.exp(-50.0), 0.5, 1.0, 1.0],
                               rtol=1e-5, atol=1e-30)
    # no threshold shortcut: log(1 + e^(10 x)) / 10 must still be finite and equal x for big x
    assert large_beta.detach().numpy()[4] == 1e4


def test_exp_overflow_and_log_of_zero_are_answers_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        big = minigrad.exp(minigrad.tensor([1000.0, -1000.0]))
        logs = minigrad.log(minigrad.tensor([0.0, -1.0]))
        logs2 = minigrad.log2(minigrad.tensor([0.0]))
        root = minigrad.sqrt(minigrad.tensor([-1.0]))
    assert big.numpy()[0] == np.inf and big.numpy()[1] == 0.0
    assert logs.numpy()[0] == -np.inf and np.isnan(logs.numpy()[1])
    assert logs2.numpy()[0] == -np.inf
    assert np.isnan(root.numpy()[0])


def test_elu_of_large_input_does_not_overflow():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = minigrad.elu(minigrad.tensor([1e4, -1e4], dtype=minigrad.float64))
    np.testing.assert_array_equal(y.numpy(), [1e4, -1.0])


def test_gelu_at_large_inputs():
    y = minigrad.gelu(minigrad.tensor([-1e4, 1e4], dtype=minigrad.float64))
    np.testing.assert_array_equal(y.numpy(), [0.0, 1e4])
    y = minigrad.gelu(minigrad.tensor([-1e4, 1e4], dtype=minigrad.float64), approximate="tanh")
    np.testing.assert_array_equal(y.numpy(), [0.0, 1e4])


# ---------------------------------------------------------------------------------------------
# Piecewise ops at their kinks: PyTorch's conventions
# ---------------------------------------------------------------------------------------------


def _grad_of(fn, values, dtype=minigrad.float64):
    x = minigrad.tensor(values, dtype=dtype, requires_grad=True)
    fn(x).sum().backward()
    return x.grad.numpy()


def test_relu_abs_leaky_relu_gradients_at_zero():
    np.testing.assert_array_equal(_grad_of(minigrad.relu, [-1.0, 0.0, 2.0]), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(_grad_of(minigrad.abs, [-1.0, 0.0, 2.0]), [-1.0, 0.0, 1.0])
    np.testing.assert_allclose(_grad_of(minigrad.leaky_relu, [-1.0, 0.0, 2.0]),
                               [0.01, 0.01, 1.0])
    np.testing.assert_array_equal(_grad_of(minigrad.elu, [0.0, 1.0]), [1.0, 1.0])


def test_hardtanh_gradient_is_zero_at_the_bounds_but_clamp_keeps_it():
    values = [-2.0, -1.0, 0.0, 1.0, 2.0]
    np.testing.assert_array_equal(_grad_of(minigrad.hardtanh, values), [0, 0, 1, 0, 0])
    np.testing.assert_array_equal(_grad_of(lambda x: minigrad.clamp(x, -1.0, 1.0), values),
                                  [0, 1, 1, 1, 0])


def test_clamp_tensor_bounds_get_the_gradient_where_they_are_the_result():
    x = minigrad.tensor([-3.0, 0.0, 3.0, 1.0], dtype=minigrad.float64, requires_grad=True)
    low = minigrad.tensor([-1.0, -1.0, -1.0, 1.0], dtype=minigrad.float64, requires_grad=True)
    high = minigrad.tensor(2.0, dtype=minigrad.float64, requires_grad=True)
    y = minigrad.clamp(x, low, high)
    np.testing.assert_array_equal(y.detach().numpy(), [-1.0, 0.0, 2.0, 1.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, 0.0, 1.0])  # tie x == min: x's
    np.testing.assert_array_equal(low.grad.numpy(), [1.0, 0.0, 0.0, 0.0])
    assert high.grad.item() == 1.0  # summed over the broadcast


def test_clamp_with_min_above_max_gives_max():
    x = minigrad.tensor([0.0, 5.0], dtype=minigrad.float64, requires_grad=True)
    low = minigrad.tensor(3.0, dtype=minigrad.float64, requires_grad=True)
    high = minigrad.tensor(1.0, dtype=minigrad.float64, requires_grad=True)
    y = minigrad.clamp(x, low, high)
    np.testing.assert_array_equal(y.detach().numpy(), [1.0, 1.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])
    assert low.grad.item() == 0.0 and high.grad.item() == 2.0


@pytest.mark.parametrize("op", [minigrad.maximum, minigrad.minimum], ids=["maximum", "minimum"])
def test_ties_split_the_gradient_equally(op):
    a = minigrad.tensor([1.0, 2.0, 5.0], dtype=minigrad.float64, requires_grad=True)
    b = minigrad.tensor([1.0, 3.0, 4.0], dtype=minigrad.float64, requires_grad=True)
    op(a, b).sum().backward()
    first_wins = [0.0, 0.0, 1.0] if op is minigrad.maximum else [0.0, 1.0, 0.0]
    np.testing.assert_array_equal(a.grad.numpy(), np.array([0.5, 0.0, 0.0]) + first_wins)
    np.testing.assert_array_equal(b.grad.numpy(), np.array([0.5, 1.0, 1.0]) - first_wins)


def test_second_derivatives_of_piecewise_ops_are_zero_away_from_kinks():
    for fn in (minigrad.relu, minigrad.abs, lambda t: minigrad.clamp(t, -1.0, 1.0)):
        x = minigrad.tensor([-2.0, -0.5, 0.5, 2.0], dtype=minigrad.float64, requires_grad=True)
        (first,) = minigrad.grad(fn(x).sum(), x, create_graph=True)
        (second,) = minigrad.grad((first * x).sum(), x)
        # d/dx sum(f'(x) x) = f'(x) + f''(x) x = f'(x) for piecewise-linear f
        np.testing.assert_array_equal(second.numpy(), first.detach().numpy())


def test_third_derivative_through_saved_outputs():
    # tanh keeps its result; d^3/dx^3 tanh = -2 (1 - t^2)(1 - 3 t^2), derived by hand
    x = minigrad.tensor([0.3, -1.2], dtype=minigrad.float64, requires_grad=True)
    (d1,) = minigrad.grad(minigrad.tanh(x).sum(), x, create_graph=True)
    (d2,) = minigrad.grad(d1.sum(), x, create_graph=True)
    (d3,) = minigrad.grad(d2.sum(), x)
    t = np.tanh(np.array([0.3, -1.2]))
    np.testing.assert_allclose(d1.detach().numpy(), 1 - t ** 2, rtol=1e-13)
    np.testing.assert_allclose(d2.detach().numpy(), -2 * t * (1 - t ** 2), rtol=1e-13)
    np.testing.assert_allclose(d3.numpy(), -2 * (1 - t ** 2) * (1 - 3 * t ** 2), rtol=1e-12)


@pytest.mark.parametrize("name", ["exp", "sqrt", "rsqrt", "sigmoid", "tanh", "elu"])
def test_ops_that_keep_their_result_survive_dropped_outputs_and_retain_graph(name):
    op = getattr(minigrad, name)
    x = minigrad.tensor([0.5, 1.5], dtype=minigrad.float64, requires_grad=True)
    loss = (op(x) * 3.0).sum()  # op's output is not kept by the caller
    loss.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first)
    assert gradgradcheck(op, minigrad.tensor([0.5, 1.5], dtype=minigrad.float64,
                                             requires_grad=True))


# ---------------------------------------------------------------------------------------------
# dtypes
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["exp", "log", "log1p", "sqrt", "sin", "cos", "tanh", "erf",
                                  "sigmoid", "gelu", "silu", "softplus", "elu"])
def test_integer_tensors_become_the_default_float(name):
    x = minigrad.tensor([1, 2, 3])
    y = getattr(minigrad, name)(x)
    assert y.dtype == minigrad.float32
    assert_close(y, getattr(minigrad, name)(x.float()), np.float32, name)


def test_relu_abs_clamp_keep_integer_dtypes():
    x = minigrad.tensor([-2, 0, 3])
    assert minigrad.relu(x).dtype == minigrad.int64
    np.testing.assert_array_equal(minigrad.relu(x).numpy(), [0, 0, 3])
    np.testing.assert_array_equal(minigrad.abs(x).numpy(), [2, 0, 3])
    assert minigrad.clamp(x, 0, 1).dtype == minigrad.int64
    assert minigrad.clamp(x, 0, 1.5).dtype == minigrad.float32  # a float bound gives floats
    assert minigrad.maximum(x, 1).dtype == minigrad.int64


def test_python_scalars_do_not_upcast_float32():
    x = minigrad.ones(3)
    assert minigrad.clamp(x, -0.5, 0.5).dtype == minigrad.float32
    assert minigrad.maximum(x, 0.5).dtype == minigrad.float32
    assert minigrad.leaky_relu(x, 0.3).dtype == minigrad.float32
    assert minigrad.softplus(x, beta=2.0).dtype == minigrad.float32
    assert minigrad.where(x > 0, x, 0.0).dtype == minigrad.float32


def test_tensor_methods_and_aliases():
    x = minigrad.tensor([-1.0, 0.25, 4.0])
    assert_close(x.clip(-0.5, 0.5), np.clip([-1.0, 0.25, 4.0], -0.5, 0.5), np.float32)
    assert_close(x.abs().sqrt(), np.sqrt([1.0, 0.25, 4.0]), np.float32)
    assert_close(x.maximum(minigrad.zeros(3)), [0.0, 0.25, 4.0], np.float32)
    assert_close(x.minimum(minigrad.zeros(3)), [-1.0, 0.0, 0.0], np.float32)
    assert_close(x.relu(), [0.0, 0.25, 4.0], np.float32)


# ---------------------------------------------------------------------------------------------
# Bad inputs
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "abs", "relu", "sigmoid", "gelu", "erf",
                                  "normal_cdf", "logsigmoid", "leaky_relu"])
def test_non_tensor_input_is_a_type_error(name):
    with pytest.raises(TypeError, match=f"{name}: expected a Tensor, got list"):
        getattr(minigrad, name)([1.0, 2.0])


def test_gelu_rejects_an_unknown_approximation():
    with pytest.raises(ValueError, match="gelu: approximate must be 'none' or 'tanh'"):
        minigrad.gelu(minigrad.ones(2), approximate="erf")


def test_clamp_needs_a_bound():
    with pytest.raises(ValueError, match="clamp: at least one of min and max"):
        minigrad.clamp(minigrad.ones(2))


def test_clamp_bounds_that_do_not_broadcast():
    with pytest.raises(ValueError, match=r"clamp: shapes \(2, 3\) and \(4,\)"):
        minigrad.clamp(minigrad.ones(2, 3), min=minigrad.zeros(4))


def test_maximum_shapes_that_do_not_broadcast():
    with pytest.raises(ValueError, match=r"maximum: shapes \(2,\) and \(3,\)"):
        minigrad.maximum(minigrad.ones(2), minigrad.ones(3))


def test_hardtanh_with_min_above_max():
    with pytest.raises(ValueError, match=r"hardtanh: min_val \(1.0\) must not exceed"):
        minigrad.hardtanh(minigrad.ones(2), 1.0, -1.0)


def test_prelu_weight_must_match_the_channels():
    with pytest.raises(ValueError, match=r"prelu: weight of shape \(2,\) needs 1 or 3 elements"):
        minigrad.prelu(minigrad.ones(4, 3), minigrad.ones(2))


def test_where_needs_a_boolean_condition():
    with pytest.raises(TypeError, match="where: condition must be a boolean tensor"):
        minigrad.where(minigrad.ones(2), minigrad.ones(2), 0.0)


def test_gradcheck_catches_a_wrong_derivative():
    """The harness can fail: a deliberately wrong backward is caught."""

    class WrongSin(minigrad.ops.Sin):
        def backward(self, grad):
            (x,) = self.inputs
            return grad * minigrad.sin(x)  # should be cos

    x = minigrad.tensor([0.3, 1.0], dtype=minigrad.float64, requires_grad=True)
    assert not gradcheck(lambda t: WrongSin()(t), x, raise_exception=False)
