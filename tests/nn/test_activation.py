"""Activation layers (and their F.* forms) against NumPy formulas, with gradient checks."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.utils import gradcheck, gradgradcheck
from tests.harness import OpCase, assert_close, check_op, devices
from tests.strategies import arrays, shapes

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_erf = np.vectorize(math.erf)


def _softmax(x, dim):
    shifted = x - x.max(axis=dim, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=dim, keepdims=True)


def _single(shape_strategy=None, low=-3.0, high=3.0):
    if shape_strategy is None:
        shape_strategy = shapes()
    return st.tuples(arrays(shape_strategy, low, high))


MODULE_CASES = [
    OpCase("ReLU", nn.ReLU(), lambda x: np.maximum(x, 0), _single(), kinks=[0.0]),
    OpCase("LeakyReLU(0.1)", nn.LeakyReLU(0.1), lambda x: np.where(x > 0, x, 0.1 * x),
           _single(), kinks=[0.0]),
    # slopes outside [0, 1] take the general branch of the forward pass
    OpCase("LeakyReLU(1.5)", nn.LeakyReLU(1.5), lambda x: np.where(x > 0, x, 1.5 * x),
           _single(), kinks=[0.0]),
    OpCase("LeakyReLU(-0.2)", nn.LeakyReLU(-0.2), lambda x: np.where(x > 0, x, -0.2 * x),
           _single(), kinks=[0.0]),
    OpCase("ELU(0.5)", nn.ELU(0.5), lambda x: np.where(x > 0, x, 0.5 * (np.exp(x) - 1)),
           _single(), kinks=[0.0]),
    OpCase("SELU", nn.SELU(),
           lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * (np.exp(x) - 1)),
           _single(), kinks=[0.0]),
    OpCase("GELU", nn.GELU(), lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2))), _single()),
    OpCase("GELU(tanh)", nn.GELU("tanh"),
           lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))),
           _single()),
    OpCase("SiLU", nn.SiLU(), lambda x: x / (1 + np.exp(-x)), _single()),
    OpCase("Sigmoid", nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x)), _single()),
    OpCase("LogSigmoid", nn.LogSigmoid(), lambda x: -np.log1p(np.exp(-x)), _single(low=-30.0,
                                                                                  high=30.0)),
    OpCase("Tanh", nn.Tanh(), np.tanh, _single()),
    OpCase("Softplus(beta=2, threshold=3)", nn.Softplus(2.0, 3.0),
           lambda x: np.where(2 * x > 3, x, np.log1p(np.exp(2 * x)) / 2), _single(),
           kinks=[1.5], twice=False),
    OpCase("Softplus", nn.Softplus(), lambda x: np.log1p(np.exp(x)), _single()),
    OpCase("Hardtanh(-0.5, 1.5)", nn.Hardtanh(-0.5, 1.5), lambda x: np.clip(x, -0.5, 1.5),
           _single(), kinks=[-0.5, 1.5]),
    OpCase("Softmax(dim=1)", nn.Softmax(dim=1), lambda x: _softmax(x, 1),
           _single(shapes(min_dims=2))),
    OpCase("Softmax(dim=-1)", nn.Softmax(dim=-1), lambda x: _softmax(x, -1),
           _single(shapes(min_dims=1))),
    OpCase("LogSoftmax(dim=1)", nn.LogSoftmax(dim=1), lambda x: np.log(_softmax(x, 1)),
           _single(shapes(min_dims=2))),
]


@pytest.mark.parametrize("device", devices())
@pytest.mark.parametrize("case", MODULE_CASES, ids=repr)
@given(data=st.data())
def test_activation_modules(case, device, data):
    check_op(case, data, device)


def _prelu_reference(x, w):
    if w.size == 1 or x.ndim < 2:
        slope = w.reshape(())
    else:
        slope = w.reshape((1, -1) + (1,) * (x.ndim - 2))
    return np.where(x >= 0, x, slope * x)


@st.composite
def _prelu_inputs(draw):
    channels = draw(st.integers(1, 3))
    per_channel = draw(st.booleans())
    shape = (draw(st.integers(1, 2)), channels) + tuple(draw(st.lists(st.integers(1, 3),
                                                                       max_size=1)))
    return draw(arrays(shape)), draw(arrays((channels if per_channel else 1,), -1.0, 1.0))


PRELU = OpCase("prelu", F.prelu, _prelu_reference, _prelu_inputs(), kinks=[0.0])


@pytest.mark.parametrize("device", devices())
@given(data=st.data())
def test_functional_prelu(device, data):
    check_op(PRELU, data, device)


def test_prelu_module():
    layer = nn.PReLU(3)
    assert layer.weight.shape == (3,) and (layer.weight.detach().numpy() == 0.25).all()
    assert repr(layer) == "PReLU(num_parameters=3)"
    assert [n for n, _ in layer.named_parameters()] == ["weight"]
    x = minigrad.tensor([[[-1.0, 2.0], [-4.0, 0.5], [3.0, -2.0]]])  # (1, 3, 2)
    np.testing.assert_allclose(layer(x).detach().numpy(),
                               [[[-0.25, 2.0], [-1.0, 0.5], [3.0, -0.5]]])
    layer = nn.PReLU(2, init=0.1).double()
    minigrad.manual_seed(0)
    x = minigrad.randn(3, 2, dtype=minigrad.float64, requires_grad=True)
    with minigrad.no_grad():
        x.data[np.abs(x.data) < 0.05] = 0.5  # keep off the kink
    gradcheck(lambda x, w: layer(x), (x, layer.weight))
    with pytest.raises(ValueError, match="PReLU: num_parameters must be a positive int"):
        nn.PReLU(0)


def test_reprs_match_pytorch():
    assert repr(nn.ReLU()) == "ReLU()"
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)"
    assert repr(nn.LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert repr(nn.ELU()) == "ELU(alpha=1.0)"
    assert repr(nn.SELU()) == "SELU()"
    assert repr(nn.GELU()) == "GELU(approximate='none')"
    assert repr(nn.SiLU()) == "SiLU()"
    assert repr(nn.Sigmoid()) == "Sigmoid()"
    assert repr(nn.Tanh()) == "Tanh()"
    assert repr(nn.Softplus()) == "Softplus(beta=1.0, threshold=20.0)"
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)"
    assert repr(nn.LogSoftmax(dim=-1)) == "LogSoftmax(dim=-1)"
    assert repr(nn.Hardtanh()) == "Hardtanh(min_val=-1.0, max_val=1.0)"


def test_inplace_flag_gives_the_same_values():
    x = minigrad.tensor([-1.0, 2.0], requires_grad=True)
    y = nn.ReLU(inplace=True)(x)
    np.testing.assert_array_equal(y.detach().numpy(), [0.0, 2.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0])


def test_softmax_without_dim_warns_and_uses_pytorch_choice():
    x = minigrad.randn(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        y = nn.Softmax()(x)
    np.testing.assert_allclose(y.numpy().sum(axis=1), [1.0, 1.0], rtol=1e-6)
    with pytest.warns(UserWarning, match="log_softmax"):
        F.log_softmax(minigrad.randn(3))


def test_softmax_is_stable_for_large_logits():
    x = minigrad.tensor([[1e4, 0.0, -1e4]])
    np.testing.assert_allclose(nn.Softmax(dim=1)(x).numpy(), [[1.0, 0.0, 0.0]])
    np.testing.assert_allclose(nn.LogSoftmax(dim=1)(x).numpy(), [[0.0, -1e4, -2e4]])


def test_invalid_hyperparameters():
    with pytest.raises(ValueError, match="GELU: approximate must be 'none' or 'tanh', got 'fast'"):
        nn.GELU("fast")
    with pytest.raises(ValueError, match=r"Hardtanh: min_val \(2.0\) must not be greater than "
                                         r"max_val \(1.0\)"):
        nn.Hardtanh(2.0, 1.0)
    with pytest.raises(ValueError, match="Softplus: beta must be nonzero"):
        nn.Softplus(beta=0)


def test_functional_forms_match_modules():
    minigrad.manual_seed(0)
    x = minigrad.randn(3, 4)
    pairs = [(nn.ReLU(), F.relu), (nn.SiLU(), F.silu), (nn.Tanh(), F.tanh),
             (nn.Sigmoid(), F.sigmoid), (nn.SELU(), F.selu)]
    for module, function in pairs:
        np.testing.assert_array_equal(module(x).numpy(), function(x).numpy())
    assert_close(F.elu(x, 0.3), nn.ELU(0.3)(x), np.float32)
    assert_close(F.leaky_relu(x, 0.2), nn.LeakyReLU(0.2)(x), np.float32)
    assert_close(F.hardtanh(x, -0.1, 0.1), np.clip(x.numpy(), -0.1, 0.1), np.float32)
    assert_close(F.softmax(x, dim=0), _softmax(x.numpy().astype(np.float64), 0), np.float32)
    assert F.softmax(x, 1, dtype=minigrad.float64).dtype == minigrad.float64


def test_logsigmoid_is_stable_far_from_zero():
    values = np.array([-200.0, -30.0, 0.0, 30.0, 200.0])
    x = minigrad.tensor(values, dtype=minigrad.float64, requires_grad=True)
    y = F.logsigmoid(x)
    y.sum().backward()
    expected = -np.logaddexp(0.0, -values)  # log sigmoid(x) = -log(1 + e^-x)
    np.testing.assert_allclose(y.detach().numpy(), expected, rtol=1e-15)
    sigmoid_of_minus_x = 1.0 / (1.0 + np.exp(values))
    np.testing.assert_allclose(x.grad.numpy(), sigmoid_of_minus_x, rtol=1e-15)


def test_logsigmoid_bad_and_integer_inputs():
    with pytest.raises(TypeError, match="logsigmoid: expected a Tensor, got list"):
        F.logsigmoid([1.0, 2.0])
    integers = F.logsigmoid(minigrad.tensor([-1, 0, 2]))  # promoted like the other activations
    assert integers.dtype == minigrad.float32
    np.testing.assert_allclose(integers.numpy(), -np.log1p(np.exp([1.0, 0.0, -2.0])),
                               rtol=1e-6)


def test_activations_in_a_network_double_backward():
    minigrad.manual_seed(3)
    model = nn.Sequential(nn.Linear(3, 4), nn.GELU(), nn.Linear(4, 2), nn.Tanh()).double()
    x = minigrad.randn(2, 3, dtype=minigrad.float64, requires_grad=True)
    gradcheck(model, x)
    gradgradcheck(model, x)
