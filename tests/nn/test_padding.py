"""Padding layers (ZeroPad2d, ReflectionPad1d, ...) and F.pad against np.pad, with gradient
checks; the op itself (minigrad.pad) is tested in tests/ops/test_shape.py."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
import minigrad.nn.functional as F
from minigrad import nn
from tests.harness import OpCase, check_op, devices
from tests.ops.test_shape import _numpy_pad  # F.pad's widths given to np.pad
from tests.strategies import arrays


def _inputs(spatial_dims, batched=True, min_side=3):
    """(N, C, L) / (N, C, H, W) arrays (without N when not batched), each side >= min_side so
    that a reflection by 2 fits."""
    ndim = spatial_dims + (2 if batched else 1)
    shape = st.tuples(*[st.integers(1, 2)] * (ndim - spatial_dims),
                      *[st.integers(min_side, 4)] * spatial_dims)
    return st.tuples(arrays(shape))


CASES = [
    OpCase("ZeroPad1d(2)", nn.ZeroPad1d(2), lambda x: _numpy_pad(x, (2, 2), "constant"),
           _inputs(1)),
    OpCase("ConstantPad1d((0, 3), 1.5)", nn.ConstantPad1d((0, 3), 1.5),
           lambda x: _numpy_pad(x, (0, 3), "constant", 1.5), _inputs(1, batched=False)),
    OpCase("ReflectionPad1d((2, 1))", nn.ReflectionPad1d((2, 1)),
           lambda x: _numpy_pad(x, (2, 1), "reflect"), _inputs(1)),
    OpCase("ReplicationPad1d(3)", nn.ReplicationPad1d(3),
           lambda x: _numpy_pad(x, (3, 3), "replicate"), _inputs(1, min_side=1)),
    OpCase("CircularPad1d(1)", nn.CircularPad1d(1),
           lambda x: _numpy_pad(x, (1, 1), "circular"), _inputs(1, min_side=1)),
    OpCase("ZeroPad2d((1, 0, 2, 1))", nn.ZeroPad2d((1, 0, 2, 1)),
           lambda x: _numpy_pad(x, (1, 0, 2, 1), "constant"), _inputs(2)),
    OpCase("ConstantPad2d(1, -2.0)", nn.ConstantPad2d(1, -2.0),
           lambda x: _numpy_pad(x, (1, 1, 1, 1), "constant", -2.0), _inputs(2, batched=False)),
    OpCase("ReflectionPad2d((2, 2, 1, 0))", nn.ReflectionPad2d((2, 2, 1, 0)),
           lambda x: _numpy_pad(x, (2, 2, 1, 0), "reflect"), _inputs(2)),
    OpCase("ReplicationPad2d(2)", nn.ReplicationPad2d(2),
           lambda x: _numpy_pad(x, (2, 2, 2, 2), "replicate"), _inputs(2, min_side=1)),
    OpCase("CircularPad2d((1, 1, 0, 2))", nn.CircularPad2d((1, 1, 0, 2)),
           lambda x: _numpy_pad(x, (1, 1, 0, 2), "circular"), _inputs(2)),
    OpCase("F.pad reflect", lambda x: F.pad(x, (1, 2), mode="reflect"),
           lambda x: _numpy_pad(x, (1, 2), "reflect"), _inputs(1)),
    OpCase("F.pad constant value", lambda x: F.pad(x, (1, 1, 0, 1), value=4.0),
           lambda x: _numpy_pad(x, (1, 1, 0, 1), "constant", 4.0), _inputs(2)),
]


@pytest.mark.parametrize("device", devices())
@pytest.mark.parametrize("case", CASES, ids=repr)
@given(data=st.data())
def test_padding_layers(case, device, data):
    check_op(case, data, device)


def test_reflection_pad_by_hand():
    x = minigrad.tensor([[[1.0, 2.0, 3.0]]])
    assert nn.ReflectionPad1d((2, 1))(x).tolist() == [[[3.0, 2.0, 1.0, 2.0, 3.0, 2.0]]]
    assert nn.ReplicationPad1d((2, 1))(x).tolist() == [[[1.0, 1.0, 1.0, 2.0, 3.0, 3.0]]]
    assert nn.CircularPad1d((2, 1))(x).tolist() == [[[2.0, 3.0, 1.0, 2.0, 3.0, 1.0]]]


def test_gradient_of_a_replicated_edge_collects_every_copy():
    x = minigrad.tensor([[[1.0, 2.0, 3.0]]], requires_grad=True)
    nn.ReplicationPad1d((2, 1))(x).sum().backward()
    assert x.grad.tolist() == [[[3.0, 1.0, 2.0]]]


def test_reprs_match_pytorch():
    assert repr(nn.ZeroPad2d(2)) == "ZeroPad2d((2, 2, 2, 2))"
    assert repr(nn.ReflectionPad1d((1, 2))) == "ReflectionPad1d((1, 2))"
    assert repr(nn.ConstantPad2d(1, 3.5)) == "ConstantPad2d(padding=(1, 1, 1, 1), value=3.5)"


def test_bad_padding_and_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match=r"ZeroPad2d: padding must be an int or a tuple of 4"):
        nn.ZeroPad2d((1, 2))
    with pytest.raises(ValueError, match=r"ReflectionPad1d: padding must be .* 2 ints"):
        nn.ReflectionPad1d((1.5, 1))
    with pytest.raises(ValueError, match=r"ReflectionPad2d: expected a 3-D or 4-D input, got "
                                         r"shape \(4, 4\)"):
        nn.ReflectionPad2d(1)(minigrad.zeros(4, 4))
    with pytest.raises(ValueError, match=r"pad: mode 'reflect' pads of 3 and 3 are too large "
                                         r"for dim 2 of size 3"):
        nn.ReflectionPad1d(3)(minigrad.zeros(1, 1, 3))
    with pytest.raises(TypeError, match="pad: input must be a Tensor, got list"):
        F.pad([1.0, 2.0], (1, 1))
    with pytest.raises(ValueError, match="pad: value is only used with mode 'constant'"):
        F.pad(minigrad.zeros(1, 3), (1, 1), mode="reflect", value=1.0)


def test_functional_pad_is_the_op():
    x = minigrad.randn(2, 3, 4)
    np.testing.assert_array_equal(F.pad(x, (1, 2, 0, 1), mode="replicate").numpy(),
                                  minigrad.pad(x, (1, 2, 0, 1), mode="replicate").numpy())
