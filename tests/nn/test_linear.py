"""Linear, Identity, Flatten, Unflatten and F.linear."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.utils import gradcheck, gradgradcheck
from tests.harness import assert_close, devices
from tests.strategies import arrays


def reference_linear(x, w, b):
    """y[..., o] = sum_i x[..., i] w[o, i] + b[o], with explicit loops over rows."""
    flat = x.reshape(-1, x.shape[-1])
    out = np.zeros((flat.shape[0], w.shape[0]))
    for r in range(flat.shape[0]):
        for o in range(w.shape[0]):
            out[r, o] = sum(flat[r, i] * w[o, i] for i in range(w.shape[1]))
            if b is not None:
                out[r, o] += b[o]
    return out.reshape(x.shape[:-1] + (w.shape[0],))


@st.composite
def linear_problems(draw):
    lead = draw(st.lists(st.integers(1, 3), min_size=0, max_size=2))
    fan_in, fan_out = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    x = draw(arrays(tuple(lead) + (fan_in,)))
    w = draw(arrays((fan_out, fan_in)))
    b = draw(st.none() | arrays((fan_out,)))
    return x, w, b


@pytest.mark.parametrize("device", devices())
@given(problem=linear_problems())
def test_functional_linear_forward_and_gradients(device, problem):
    x, w, b = problem
    expected = reference_linear(x, w, b)
    for dtype in (np.float64, np.float32):
        args = [minigrad.tensor(a, dtype=dtype, device=device) if a is not None else None
                for a in (x, w, b)]
        out = F.linear(*args)
        assert out.dtype == np.dtype(dtype)
        assert_close(out.cpu().numpy().astype(np.float64), expected, dtype, "linear")
    args = [minigrad.tensor(a, dtype=minigrad.float64, device=device, requires_grad=True)
            for a in (x, w, b) if a is not None]
    gradcheck(F.linear, args)
    gradgradcheck(F.linear, args)


def test_linear_module_gradcheck_through_parameters():
    minigrad.manual_seed(1)
    layer = nn.Linear(3, 2).double()
    x = minigrad.randn(4, 3, dtype=minigrad.float64, requires_grad=True)
    inputs = (x, layer.weight, layer.bias)
    gradcheck(lambda x, w, b: layer(x), inputs)
    gradgradcheck(lambda x, w, b: layer(x), inputs)


def test_linear_module_matches_reference_and_shapes():
    layer = nn.Linear(4, 3)
    assert layer.weight.shape == (3, 4) and layer.bias.shape == (3,)
    x = minigrad.randn(2, 5, 4)
    expected = reference_linear(x.numpy().astype(np.float64),
                                layer.weight.detach().numpy().astype(np.float64),
                                layer.bias.detach().numpy().astype(np.float64))
    assert_close(layer(x), expected, np.float32)
    no_bias = nn.Linear(4, 3, bias=False)
    assert no_bias.bias is None and len(list(no_bias.parameters())) == 1
    assert repr(no_bias) == "Linear(in_features=4, out_features=3, bias=False)"
    assert layer(minigrad.randn(4)).shape == (3,)


def test_linear_default_init_matches_pytorch_bounds():
    # kaiming_uniform_(a=sqrt(5)): gain = sqrt(2 / (1 + 5)), bound = gain * sqrt(3 / fan_in)
    # = 1 / sqrt(fan_in); the bias is U(-1/sqrt(fan_in), 1/sqrt(fan_in)) too.
    minigrad.manual_seed(0)
    fan_in = 64
    layer = nn.Linear(fan_in, 512)
    bound = 1 / math.sqrt(fan_in)
    weight = layer.weight.detach().numpy()
    assert weight.min() >= -bound and weight.max() <= bound
    assert weight.max() > 0.98 * bound and weight.min() < -0.98 * bound
    # U(-b, b) has standard deviation b / sqrt(3); 32768 samples give ~0.4% accuracy
    assert abs(weight.std() - bound / math.sqrt(3)) < 0.02 * bound / math.sqrt(3)
    assert abs(weight.mean()) < 0.01 * bound
    bias = layer.bias.detach().numpy()
    assert bias.min() >= -bound and bias.max() <= bound


def test_linear_init_is_seeded():
    minigrad.manual_seed(7)
    a = nn.Linear(3, 3).weight.detach().numpy().copy()
    minigrad.manual_seed(7)
    b = nn.Linear(3, 3).weight.detach().numpy()
    np.testing.assert_array_equal(a, b)


def test_linear_dtype_and_device_arguments():
    layer = nn.Linear(2, 2, dtype=minigrad.float64)
    assert layer.weight.dtype == minigrad.float64 and layer.bias.dtype == minigrad.float64


def test_linear_bad_inputs():
    layer = nn.Linear(4, 3)
    with pytest.raises(ValueError, match=r"Linear: expected input of shape \(\*, 4\) to match "
                                         r"weight of shape \(3, 4\), got input of shape "
                                         r"\(2, 5\)"):
        layer(minigrad.randn(2, 5))
    with pytest.raises(ValueError, match=r"Linear: .*got input of shape \(\)"):
        layer(minigrad.tensor(1.0))
    with pytest.raises(TypeError, match="Linear: input dtype float64 does not match weight "
                                        "dtype float32"):
        layer(minigrad.randn(2, 4, dtype=minigrad.float64))
    with pytest.raises(ValueError, match=r"Linear: bias must have shape \(3,\), got \(2,\)"):
        F.linear(minigrad.randn(2, 4), minigrad.randn(3, 4), minigrad.randn(2))
    with pytest.raises(ValueError, match="Linear: in_features must be a non-negative int"):
        nn.Linear(-1, 2)
    with pytest.raises(ValueError, match="out_features"):
        nn.Linear(2, 2.5)
    with pytest.raises(TypeError, match="expected the input to be a Tensor"):
        layer(np.ones((2, 4), dtype=np.float32))


def test_identity():
    x = minigrad.randn(2, 3)
    assert nn.Identity(54, unused="x")(x) is x
    assert repr(nn.Identity()) == "Identity()"


def test_flatten_and_unflatten():
    x = minigrad.randn(2, 3, 4, 5, requires_grad=True)
    y = nn.Flatten()(x)
    assert y.shape == (2, 60)
    np.testing.assert_array_equal(y.detach().numpy(), x.detach().numpy().reshape(2, 60))
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Flatten(1, 2)(x).shape == (2, 12, 5)
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    z = nn.Unflatten(1, (3, 20))(y)
    assert z.shape == (2, 3, 20)
    assert nn.Unflatten(-1, (-1, 5))(y).shape == (2, 12, 5)
    z.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((2, 3, 4, 5)))
    assert repr(nn.Unflatten(1, (3, 20))) == "Unflatten(dim=1, unflattened_size=(3, 20))"
    with pytest.raises(ValueError, match=r"Unflatten: cannot split dimension 1 of size 60 "
                                         r"\(input shape \(2, 60\)\) into \(7, 8\)"):
        nn.Unflatten(1, (7, 8))(y)
    with pytest.raises(TypeError, match="tuple of ints"):
        nn.Unflatten(1, (2.5, 2))
    with pytest.raises(IndexError, match="dim 3 is out of range"):
        nn.Unflatten(3, (2, 30))(y)
