"""BatchNorm1d/2d, LayerNorm, GroupNorm, InstanceNorm2d, LocalResponseNorm
(minigrad/nn/normalization.py)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from minigrad import nn
from minigrad.utils import gradcheck
from tests.harness import assert_close
from tests.strategies import arrays

EPS = 1e-5


def textbook_batch_norm(x, axes):
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS)


@given(shape=st.sampled_from([(5, 3), (4, 3, 2)]), data=st.data())
def test_batchnorm1d_training_then_eval(shape, data):
    x = data.draw(arrays(shape)) + np.linspace(-2, 2, int(np.prod(shape))).reshape(shape)
    layer = nn.BatchNorm1d(3).double()
    axes = (0,) if len(shape) == 2 else (0, 2)
    assert layer.training
    y = layer(minigrad.tensor(x))
    assert_close(y.detach(), textbook_batch_norm(x, axes))  # weight 1, bias 0 at start
    assert_close(layer.running_mean, 0.1 * x.mean(axis=axes))
    assert_close(layer.running_var, 0.9 + 0.1 * x.var(axis=axes, ddof=1))
    assert layer.num_batches_tracked.item() == 1
    layer.eval()
    y = layer(minigrad.tensor(x))
    view = (1, 3) + (1,) * (len(shape) - 2)
    expected = (x - layer.running_mean.numpy().reshape(view)) / np.sqrt(
        layer.running_var.numpy().reshape(view) + EPS)
    assert_close(y.detach(), expected)
    assert layer.num_batches_tracked.item() == 1  # eval leaves the statistics alone


def test_batchnorm2d_parameters_buffers_and_gradients():
    layer = nn.BatchNorm2d(4)
    names = [name for name, _ in layer.named_parameters()]
    assert names == ["weight", "bias"]
    assert set(layer.state_dict()) == {"weight", "bias", "running_mean", "running_var",
                                       "num_batches_tracked"}
    assert layer.num_batches_tracked.dtype == minigrad.int64
    np.testing.assert_array_equal(layer.weight.detach().numpy(), np.ones(4))
    layer = layer.double()
    x = minigrad.randn(3, 4, 2, 2, dtype=minigrad.float64, requires_grad=True)
    gradcheck(lambda x, w, b: nn.functional.batch_norm(x, None, None, w, b, True),
              (x, layer.weight, layer.bias), atol=1e-4)
    layer(x).sum().backward()
    assert layer.weight.grad.shape == (4,)


def test_batchnorm_momentum_none_is_a_cumulative_average():
    layer = nn.BatchNorm1d(2, momentum=None).double()
    rng = np.random.default_rng(0)
    batches = [rng.standard_normal((4, 2)) * (i + 1) + i for i in range(3)]
    for batch in batches:
        layer(minigrad.tensor(batch))
    assert_close(layer.running_mean, np.mean([b.mean(axis=0) for b in batches], axis=0))
    assert_close(layer.running_var, np.mean([b.var(axis=0, ddof=1) for b in batches], axis=0))


def test_batchnorm_without_running_stats_or_affine():
    layer = nn.BatchNorm2d(2, affine=False, track_running_stats=False).double()
    assert layer.weight is None and layer.running_mean is None
    assert list(layer.parameters()) == []
    x = np.random.default_rng(1).standard_normal((2, 2, 3, 3))
    layer.eval()  # no running statistics: batch statistics even in eval mode
    assert_close(layer(minigrad.tensor(x)), textbook_batch_norm(x, (0, 2, 3)))


def test_layer_group_instance_and_local_response_norm_layers():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 4, 3, 3))
    layer = nn.LayerNorm((3, 3)).double()
    assert layer.weight.shape == (3, 3)
    assert_close(layer(minigrad.tensor(x)).detach(), textbook_batch_norm(x, (2, 3)))
    group = nn.GroupNorm(2, 4).double()
    expected = textbook_batch_norm(x.reshape(2, 2, 18), (2,)).reshape(x.shape)
    assert_close(group(minigrad.tensor(x)).detach(), expected)
    instance = nn.InstanceNorm2d(4).double()
    assert list(instance.parameters()) == []
    assert_close(instance(minigrad.tensor(x)), textbook_batch_norm(x, (2, 3)))
    assert_close(instance(minigrad.tensor(x[0])), textbook_batch_norm(x[:1], (2, 3))[0])
    tracked = nn.InstanceNorm2d(4, affine=True, track_running_stats=True).double()
    tracked(minigrad.tensor(x))
    assert_close(tracked.running_mean, 0.1 * x.mean(axis=(2, 3)).mean(axis=0))
    lrn = nn.LocalResponseNorm(3, alpha=0.5, beta=1.0, k=1.0)
    ones = lrn(minigrad.ones(1, 3, 1, 1)).numpy().ravel()
    # channel 0 sees channels 0..1 (2 ones), channel 1 sees 0..2 (3 ones), channel 2 sees 1..2
    assert_close(ones, [1 / (1 + 0.5 * 2 / 3), 1 / (1 + 0.5 * 3 / 3), 1 / (1 + 0.5 * 2 / 3)],
                 np.float32)


def test_bad_inputs_and_hyperparameters():
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected input of shape \(N, C, H, W\), "
                                         r"got input of shape \(2, 3\)"):
        nn.BatchNorm2d(3)(minigrad.zeros(2, 3))
    with pytest.raises(ValueError, match=r"BatchNorm1d: expected input with 3 channels "
                                         r"\(\(N, C\) or \(N, C, L\)\), got input of shape "
                                         r"\(2, 4\)"):
        nn.BatchNorm1d(3)(minigrad.zeros(2, 4))
    with pytest.raises(ValueError, match=r"BatchNorm1d: batch_norm: expected more than 1 value "
                                         r"per channel when training"):
        nn.BatchNorm1d(3)(minigrad.zeros(1, 3))
    with pytest.raises(ValueError, match=r"LayerNorm: expected input of shape \(\*, 4\), got "
                                         r"input of shape \(2, 3\)"):
        nn.LayerNorm(4)(minigrad.zeros(2, 3))
    with pytest.raises(ValueError, match=r"GroupNorm: num_channels=6 must be divisible by "
                                         r"num_groups=4"):
        nn.GroupNorm(4, 6)
    with pytest.raises(ValueError, match=r"GroupNorm: expected input of shape \(N, 6, \*\), "
                                         r"got input of shape \(2, 4, 3\)"):
        nn.GroupNorm(3, 6)(minigrad.zeros(2, 4, 3))
    with pytest.raises(ValueError, match=r"InstanceNorm2d: expected input with 3 channels"):
        nn.InstanceNorm2d(3)(minigrad.zeros(2, 4, 3, 3))
    with pytest.raises(ValueError, match=r"BatchNorm2d: num_features must be a positive int"):
        nn.BatchNorm2d(0)
    with pytest.raises(ValueError, match=r"BatchNorm2d: momentum must be None or a number in "
                                         r"\[0, 1\]"):
        nn.BatchNorm2d(3, momentum=2.0)
    with pytest.raises(ValueError, match=r"LocalResponseNorm: expected input of shape "
                                         r"\(N, C, \*\)"):
        nn.LocalResponseNorm(2)(minigrad.zeros(2, 3))
