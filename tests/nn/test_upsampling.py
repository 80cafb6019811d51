"""Upsample, UpsamplingNearest2d, UpsamplingBilinear2d (minigrad/nn/upsampling.py)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.utils import gradcheck, gradgradcheck
from tests.harness import assert_close
from tests.strategies import arrays


@given(factor=st.integers(1, 3), data=st.data())
def test_nearest_upsampling_repeats_pixels(factor, data):
    x = data.draw(arrays((1, 2, 3, 2)))
    expected = x.repeat(factor, axis=2).repeat(factor, axis=3)
    assert_close(nn.Upsample(scale_factor=factor)(minigrad.tensor(x)), expected)
    assert_close(nn.UpsamplingNearest2d(scale_factor=factor)(minigrad.tensor(x)), expected)
    assert_close(F.upsample_nearest(minigrad.tensor(x), size=(3 * factor, 2 * factor)),
                 expected)


def test_bilinear_upsampling_values_and_gradients():
    # align_corners=True on a ramp gives the ramp at the finer spacing
    ramp = minigrad.tensor([[[[0.0, 2.0, 4.0]]]])
    assert_close(nn.UpsamplingBilinear2d(size=(1, 5))(ramp), [[[[0.0, 1.0, 2.0, 3.0, 4.0]]]],
                 np.float32)
    # align_corners=False, factor 2: outputs sit at -0.25, 0.25, 0.75, ... input positions
    y = nn.Upsample(scale_factor=2, mode="bilinear")(ramp)
    assert_close(y[0, 0, 0], [0.0, 0.5, 1.5, 2.5, 3.5, 4.0], np.float32)
    x = minigrad.randn(1, 2, 3, 3, dtype=minigrad.float64, requires_grad=True)
    layer = nn.Upsample(size=(4, 5), mode="bilinear", align_corners=False)
    gradcheck(layer, x)
    gradgradcheck(layer, x)
    gradcheck(nn.Upsample(scale_factor=2), x)


def test_upsample_rejects_bad_arguments():
    with pytest.raises(ValueError, match="Upsample: give exactly one of size and scale_factor"):
        nn.Upsample()
    with pytest.raises(ValueError, match="Upsample: mode must be one of"):
        nn.Upsample(scale_factor=2, mode="trilinear")
    with pytest.raises(ValueError, match="Upsample: align_corners can only be set"):
        nn.Upsample(scale_factor=2, align_corners=True)
    with pytest.raises(ValueError, match=r"Upsample: scale_factor must be positive"):
        nn.Upsample(scale_factor=-1)
    with pytest.raises(ValueError, match=r"Upsample: interpolate: mode 'bilinear' expects a 4-D "
                                         r"input, got input of shape \(1, 2, 3\)"):
        nn.Upsample(scale_factor=2, mode="bilinear")(minigrad.zeros(1, 2, 3))
    assert repr(nn.Upsample(scale_factor=2)) == "Upsample(scale_factor=2, mode='nearest')"
