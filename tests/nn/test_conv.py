"""Conv1d, Conv2d, ConvTranspose2d layers (minigrad/nn/conv.py)."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.utils import gradcheck
from tests.harness import assert_close


def _params_as_numpy(layer):
    return layer.weight.detach().numpy(), layer.bias.detach().numpy()


# ---------------------------------------------------------------------------------------------
# Shapes and forward
# ---------------------------------------------------------------------------------------------


@given(in_channels=st.integers(1, 3), out_channels=st.integers(1, 3),
       kernel=st.integers(1, 3), stride=st.integers(1, 2), padding=st.integers(0, 2),
       dilation=st.integers(1, 2), size=st.integers(5, 8))
def test_conv2d_shapes_follow_pytorch_formula(in_channels, out_channels, kernel, stride,
                                              padding, dilation, size):
    layer = nn.Conv2d(in_channels, out_channels, kernel, stride, padding, dilation)
    assert layer.weight.shape == (out_channels, in_channels, kernel, kernel)
    assert layer.bias.shape == (out_channels,)
    out = (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1
    assert layer(minigrad.zeros(2, in_channels, size, size + 1)).shape == \
        (2, out_channels, out, (size + 1 + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1)
    # unbatched input
    assert layer(minigrad.zeros(in_channels, size, size)).shape == (out_channels, out, out)


def test_conv2d_forward_is_functional_conv_with_its_parameters():
    minigrad.manual_seed(0)
    layer = nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), groups=2)
    x = minigrad.randn(2, 4, 7, 5)
    assert layer.weight.shape == (6, 2, 3, 2)
    expected = F.conv2d(x, layer.weight, layer.bias, (2, 1), (1, 0), 1, 2)
    assert_close(layer(x).detach(), expected.detach(), np.float32)


def test_conv1d_and_same_padding():
    minigrad.manual_seed(1)
    layer = nn.Conv1d(3, 5, 4, padding="same", dilation=2, bias=False)
    assert layer.weight.shape == (5, 3, 4) and layer.bias is None
    x = minigrad.randn(2, 3, 11)
    y = layer(x)
    assert y.shape == (2, 5, 11)
    # the same numbers as a Conv2d of height 1 with PyTorch's asymmetric 'same' padding (3, 3)
    w = layer.weight.detach().numpy()
    padded = np.pad(x.numpy(), ((0, 0), (0, 0), (3, 3)))
    expected = np.zeros((2, 5, 11))
    for o in range(5):
        for t in range(11):
            expected[:, o, t] = sum(w[o, c, k] * padded[:, c, t + 2 * k]
                                    for c in range(3) for k in range(4))
    assert_close(y.detach(), expected, np.float32)


def test_conv_transpose2d_shapes_and_output_size():
    layer = nn.ConvTranspose2d(8, 4, kernel_size=3, stride=2, padding=1)
    assert layer.weight.shape == (8, 4, 3, 3)
    x = minigrad.zeros(2, 8, 5, 5)
    assert layer(x).shape == (2, 4, 9, 9)  # (5-1)*2 - 2 + 2 + 1
    assert layer(x, output_size=(10, 10)).shape == (2, 4, 10, 10)
    grouped = nn.ConvTranspose2d(4, 6, 2, stride=2, groups=2, output_padding=1, dilation=2)
    assert grouped.weight.shape == (4, 3, 2, 2)
    assert grouped(minigrad.zeros(1, 4, 3, 3)).shape == (1, 6, 8, 8)  # 2*2 + 2 + 1 + 1


def test_conv_layer_gradients_reach_parameters():
    minigrad.manual_seed(2)
    layer = nn.Conv2d(2, 3, 2, stride=2).double()
    x = minigrad.randn(1, 2, 4, 4, dtype=minigrad.float64, requires_grad=True)

    def through_layer(x, w, b):
        return F.conv2d(x, w, b, stride=2)

    gradcheck(through_layer, (x, layer.weight, layer.bias))
    layer(x).sum().backward()
    assert layer.weight.grad.shape == layer.weight.shape
    assert layer.bias.grad.shape == layer.bias.shape


# ---------------------------------------------------------------------------------------------
# Initialisation
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("make, fan_in", [
    (lambda: nn.Conv2d(6, 16, 5), 6 * 25),
    (lambda: nn.Conv2d(8, 4, 3, groups=2), 4 * 9),
    (lambda: nn.Conv1d(10, 20, 7), 10 * 7),
    (lambda: nn.ConvTranspose2d(16, 8, 4), 8 * 16),  # weight (16, 8, 4, 4): fan_in = 8 * 16
])
def test_pytorch_default_initialisation(make, fan_in):
    """kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)); the bias too."""
    minigrad.manual_seed(3)
    layer = make()
    weight, bias = _params_as_numpy(layer)
    bound = 1 / math.sqrt(fan_in)
    assert np.abs(weight).max() <= bound and np.abs(bias).max() <= bound
    # a uniform distribution on [-bound, bound] has standard deviation bound / sqrt(3)
    assert abs(weight.std() - bound / math.sqrt(3)) < 0.15 * bound
    assert np.abs(weight).max() > 0.8 * bound
    assert layer.weight.dtype == minigrad.float32


def test_repr():
    assert repr(nn.Conv2d(1, 6, 5, padding=2)) == \
        "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))"
    assert repr(nn.ConvTranspose2d(4, 2, 3, stride=2, bias=False)) == \
        "ConvTranspose2d(4, 2, kernel_size=(3, 3), stride=(2, 2), bias=False)"
    assert "padding='same'" in repr(nn.Conv1d(2, 2, 3, padding="same"))


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


def test_bad_hyperparameters_rejected_at_construction():
    with pytest.raises(ValueError, match=r"Conv2d: groups=2 must divide both in_channels=3 and "
                                         r"out_channels=4"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match=r"Conv2d: padding must be non-negative, got \(-1, -1\)"):
        nn.Conv2d(3, 4, 3, padding=-1)
    with pytest.raises(ValueError, match=r"Conv2d: kernel_size must be positive"):
        nn.Conv2d(3, 4, 0)
    with pytest.raises(ValueError, match=r"Conv1d: padding='same' is only supported with "
                                         r"stride 1"):
        nn.Conv1d(3, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match=r"Conv2d: in_channels must be a positive int"):
        nn.Conv2d(0, 4, 3)
    with pytest.raises(ValueError, match=r"ConvTranspose2d: output_padding \(2, 2\) must be "
                                         r"non-negative and smaller than either stride"):
        nn.ConvTranspose2d(3, 4, 3, stride=2, output_padding=2)
    with pytest.raises(ValueError, match=r"only padding_mode='zeros'"):
        nn.Conv2d(3, 4, 3, padding_mode="reflect")
    with pytest.raises(TypeError, match=r"Conv2d: kernel_size must be an int or a tuple of 2"):
        nn.Conv2d(3, 4, (3, 3, 3))


def test_bad_input_rejected_at_call_naming_layer_and_shapes():
    layer = nn.Conv2d(3, 4, 3)
    with pytest.raises(ValueError, match=r"Conv2d: expected input of shape \(N, 3, H, W\) or "
                                         r"\(3, H, W\), got input of shape \(2, 4, 8, 8\)"):
        layer(minigrad.zeros(2, 4, 8, 8))
    with pytest.raises(ValueError, match=r"Conv2d: expected input of shape .* got input of "
                                         r"shape \(8, 8\)"):
        layer(minigrad.zeros(8, 8))
    with pytest.raises(ValueError, match=r"Conv2d: conv2d: kernel of size \(3, 3\) .* larger "
                                         r"than the padded input of size \(2, 2\)"):
        layer(minigrad.zeros(1, 3, 2, 2))
    with pytest.raises(ValueError, match=r"Conv1d: expected input of shape \(N, 2, L\) or "
                                         r"\(2, L\), got input of shape \(1, 3, 5\)"):
        nn.Conv1d(2, 2, 3)(minigrad.zeros(1, 3, 5))
    with pytest.raises(ValueError, match=r"ConvTranspose2d: requested output_size \(20, 20\) is "
                                         r"not reachable"):
        nn.ConvTranspose2d(2, 2, 3, stride=2)(minigrad.zeros(1, 2, 4, 4), output_size=(20, 20))
