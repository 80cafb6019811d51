"""Pooling layers (minigrad/nn/pooling.py) and the 1-D functional pools."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.utils import gradcheck
from tests.harness import assert_close, make_distinct
from tests.strategies import arrays


def test_pool_layers_match_their_functional_forms():
    rng = np.random.default_rng(0)
    x = minigrad.tensor(rng.standard_normal((2, 3, 7, 6)))
    assert_close(nn.MaxPool2d(3, 2, 1, ceil_mode=True)(x), F.max_pool2d(x, 3, 2, 1,
                                                                         ceil_mode=True))
    assert_close(nn.AvgPool2d(2, count_include_pad=False, padding=1)(x),
                 F.avg_pool2d(x, 2, padding=1, count_include_pad=False))
    assert_close(nn.AdaptiveAvgPool2d((2, 3))(x), F.adaptive_avg_pool2d(x, (2, 3)))
    assert_close(nn.AdaptiveMaxPool2d(2)(x), F.adaptive_max_pool2d(x, 2))


def test_global_average_pool_and_lenet_shapes():
    x = minigrad.ones(2, 6, 28, 28)
    assert nn.AvgPool2d(2, stride=2)(x).shape == (2, 6, 14, 14)
    assert nn.MaxPool2d(2)(x).shape == (2, 6, 14, 14)
    y = nn.AdaptiveAvgPool2d(1)(x)
    assert y.shape == (2, 6, 1, 1)
    assert_close(y, np.ones((2, 6, 1, 1)), np.float32)


def test_max_unpool_layer_round_trip():
    x = minigrad.tensor(make_distinct(np.random.default_rng(1).standard_normal((1, 2, 4, 4))))
    pooled, index = nn.MaxPool2d(2, return_indices=True)(x)
    restored = nn.MaxUnpool2d(2)(pooled, index)
    assert restored.shape == x.shape
    # every max is back where it came from; everything else is zero
    again = nn.MaxPool2d(2)(restored)
    assert_close(again, pooled)
    assert int((restored.numpy() != 0).sum()) == 8


@given(length=st.integers(2, 8), kernel=st.integers(1, 2), stride=st.integers(1, 2),
       data=st.data())
def test_one_dimensional_pools_against_loops(length, kernel, stride, data):
    x = make_distinct(data.draw(arrays((2, 2, length))))
    out = (length - kernel) // stride + 1
    maxima = np.stack([x[:, :, i * stride:i * stride + kernel].max(axis=2) for i in range(out)],
                      axis=2)
    means = np.stack([x[:, :, i * stride:i * stride + kernel].mean(axis=2) for i in range(out)],
                     axis=2)
    tensor = minigrad.tensor(x, requires_grad=True)
    assert_close(nn.MaxPool1d(kernel, stride)(tensor), maxima)
    assert_close(nn.AvgPool1d(kernel, stride)(tensor), means)
    values, index = F.max_pool1d(tensor, kernel, stride, return_indices=True)
    np.testing.assert_array_equal(np.take_along_axis(x, index.numpy(), axis=2), maxima)
    gradcheck(lambda t: F.max_pool1d(t, kernel, stride), tensor)
    gradcheck(lambda t: F.avg_pool1d(t, kernel, stride), tensor)
    assert_close(nn.AdaptiveAvgPool1d(1)(tensor), x.mean(axis=2, keepdims=True))
    assert_close(nn.AdaptiveMaxPool1d(1)(tensor), x.max(axis=2, keepdims=True))


def test_pool_layers_reject_bad_hyperparameters_at_construction():
    with pytest.raises(ValueError, match=r"MaxPool2d: padding \(2, 2\) should be at most half "
                                         r"of the kernel size \(2, 2\)"):
        nn.MaxPool2d(2, padding=2)
    with pytest.raises(ValueError, match=r"AvgPool2d: stride must be positive"):
        nn.AvgPool2d(2, stride=0)
    with pytest.raises(ValueError, match=r"MaxPool2d: kernel_size must be positive"):
        nn.MaxPool2d(0)
    with pytest.raises(ValueError, match=r"MaxPool1d: padding \(0, 3\) should be at most half"):
        nn.MaxPool1d(2, padding=3)
    with pytest.raises(ValueError, match=r"AvgPool2d: divisor_override must be a positive int"):
        nn.AvgPool2d(2, divisor_override=0)


def test_pool_layers_reject_bad_input_at_call():
    with pytest.raises(ValueError, match=r"MaxPool2d: expected input of shape \(N, C, H, W\) or "
                                         r"\(C, H, W\), got input of shape \(4, 4\)"):
        nn.MaxPool2d(2)(minigrad.zeros(4, 4))
    with pytest.raises(ValueError, match=r"AvgPool2d: avg_pool2d: kernel of size \(5, 5\) .* "
                                         r"larger than the input of size \(3, 3\)"):
        nn.AvgPool2d(5)(minigrad.zeros(1, 1, 3, 3))
    with pytest.raises(ValueError, match=r"MaxPool1d: expected input of shape \(N, C, L\) or "
                                         r"\(C, L\), got input of shape \(1, 1, 2, 2\)"):
        nn.MaxPool1d(2)(minigrad.zeros(1, 1, 2, 2))
