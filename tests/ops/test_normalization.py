"""batch_norm, layer_norm (fused and composite), group_norm, instance_norm and
local_response_norm (minigrad/ops/normalization.py).

The fused Functions are checked against a textbook NumPy reference, against finite differences
(first and second order), and against their composite twins: same outputs, same gradients for
every input, same second derivatives.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from minigrad.ops.normalization import (
    batch_norm,
    batch_norm_composite,
    group_norm,
    instance_norm,
    layer_norm,
    layer_norm_composite,
    local_response_norm,
)
from minigrad.utils import gradcheck, gradgradcheck
from tests.harness import OpCase, assert_close, check_op, devices
from tests.strategies import arrays

EPS = 1e-5


def reference_normalize(x, axes, eps=EPS):
    """The textbook formula: (x - mean) / sqrt(biased var + eps), statistics over ``axes``."""
    count = np.prod([x.shape[a] for a in axes])
    mean = x.sum(axis=axes, keepdims=True) / count
    var = ((x - mean) ** 2).sum(axis=axes, keepdims=True) / count
    return (x - mean) / np.sqrt(var + eps)


def reference_batch_norm(x, weight, bias):
    axes = (0,) + tuple(range(2, x.ndim))
    view = (1, -1) + (1,) * (x.ndim - 2)
    return reference_normalize(x, axes) * weight.reshape(view) + bias.reshape(view)


@st.composite
def batch_norm_problems(draw):
    channels = draw(st.integers(1, 3))
    spatial = draw(st.lists(st.integers(1, 3), min_size=0, max_size=2))
    batch = draw(st.integers(2 if not spatial else 1, 3))
    shape = (batch, channels) + tuple(spatial)
    if np.prod(shape) // channels < 2:
        shape = (2,) + shape[1:]
    # spread-out values: a near-constant channel would make 1/sqrt(var + eps) explode
    x = draw(arrays(shape)) + np.linspace(-1, 1, int(np.prod(shape))).reshape(shape)
    return x, draw(arrays((channels,), 0.5, 2.0)), draw(arrays((channels,)))


@pytest.mark.parametrize("device", devices())
@given(problem=batch_norm_problems(), data=st.data())
def test_batch_norm_training_against_textbook(device, problem, data):
    def op(x, w, b):
        return batch_norm(x, None, None, w, b, training=True)

    case = OpCase("batch_norm", op, reference_batch_norm, st.just(problem), atol=1e-4)
    check_op(case, data, device)


@st.composite
def layer_norm_problems(draw):
    lead = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)))
    normalized = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)))
    if np.prod(normalized) < 2:
        normalized = normalized[:-1] + (2,)
    shape = lead + normalized
    x = draw(arrays(shape)) + np.linspace(-1, 1, int(np.prod(shape))).reshape(shape)
    return x, draw(arrays(normalized, 0.5, 2.0)), draw(arrays(normalized))


@pytest.mark.parametrize("device", devices())
@given(problem=layer_norm_problems(), data=st.data())
def test_layer_norm_against_textbook(device, problem, data):
    normalized = problem[1].shape
    axes = tuple(range(problem[0].ndim - len(normalized), problem[0].ndim))

    def op(x, w, b):
        return layer_norm(x, normalized, w, b)

    def reference(x, w, b):
        return reference_normalize(x, axes) * w + b

    check_op(OpCase("layer_norm", op, reference, st.just(problem), atol=1e-4), data, device)


# ---------------------------------------------------------------------------------------------
# Fused == composite (outputs, gradients, second derivatives)
# ---------------------------------------------------------------------------------------------


def _outputs_and_gradients(function, arrays_, seed=0):
    """The output, first gradients (for a random cotangent) and a second derivative of
    function(*arrays_)."""
    rng = np.random.default_rng(seed)
    tensors = [minigrad.tensor(a, requires_grad=True) for a in arrays_]
    y = function(*tensors)
    cotangent = minigrad.tensor(rng.standard_normal(y.shape))
    grads = minigrad.grad((y * cotangent).sum(), tensors, create_graph=True)
    # d/d(inputs) of a scalar made from all first gradients
    mix = sum(((g * g).sum() for g in grads), minigrad.tensor(0.0, dtype=minigrad.float64))
    second = minigrad.grad(mix, tensors, allow_unused=True)  # bias: d2/db2 is None (zero)
    second = [minigrad.zeros_like(t) if s is None else s for t, s in zip(tensors, second)]
    return [y.detach()] + [g.detach() for g in grads] + second


@given(problem=batch_norm_problems())
def test_fused_batch_norm_agrees_with_composite(problem):
    fused = _outputs_and_gradients(
        lambda x, w, b: batch_norm(x, None, None, w, b, training=True), problem)
    composite = _outputs_and_gradients(
        lambda x, w, b: batch_norm_composite(x, None, None, w, b, training=True), problem)
    names = ["y", "dx", "dweight", "dbias", "d2x", "d2weight", "d2bias"]
    for name, a, b in zip(names, fused, composite):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-8, atol=1e-9, err_msg=name)


@given(problem=layer_norm_problems())
def test_fused_layer_norm_agrees_with_composite(problem):
    shape = problem[1].shape
    fused = _outputs_and_gradients(lambda x, w, b: layer_norm(x, shape, w, b), problem)
    composite = _outputs_and_gradients(lambda x, w, b: layer_norm_composite(x, shape, w, b),
                                       problem)
    names = ["y", "dx", "dweight", "dbias", "d2x", "d2weight", "d2bias"]
    for name, a, b in zip(names, fused, composite):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-8, atol=1e-9, err_msg=name)


def test_fused_without_affine_parameters_gradchecks():
    rng = np.random.default_rng(1)
    x = minigrad.tensor(rng.standard_normal((3, 2, 2)), requires_grad=True)
    gradcheck(lambda t: batch_norm(t, None, None, training=True), x)
    gradgradcheck(lambda t: batch_norm(t, None, None, training=True), x)
    gradgradcheck(lambda t: layer_norm(t, (2, 2)), x)
    # weight without bias (and the reverse) fill in constants
    w = minigrad.tensor(rng.standard_normal(2), requires_grad=True)
    gradcheck(lambda t, w: batch_norm(t, None, None, w, None, training=True), (x, w))
    gradcheck(lambda t, b: layer_norm(t, 2, None, b), (x, w))


# ---------------------------------------------------------------------------------------------
# Running statistics and evaluation mode
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("function", [batch_norm, batch_norm_composite])
def test_running_statistics_update_and_eval(function):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 3, 2, 2)) * 2 + 1
    running_mean = minigrad.zeros(3, dtype=minigrad.float64)
    running_var = minigrad.ones(3, dtype=minigrad.float64)
    function(minigrad.tensor(x), running_mean, running_var, training=True, momentum=0.3)
    batch_mean = x.mean(axis=(0, 2, 3))
    unbiased = x.var(axis=(0, 2, 3), ddof=1)
    assert_close(running_mean, 0.7 * 0 + 0.3 * batch_mean)
    assert_close(running_var, 0.7 * 1 + 0.3 * unbiased)
    # eval mode: the running statistics, not the batch's, and nothing updated
    w, b = rng.standard_normal(3), rng.standard_normal(3)
    y = function(minigrad.tensor(x), running_mean, running_var, minigrad.tensor(w),
                 minigrad.tensor(b), training=False)
    view = (1, 3, 1, 1)
    expected = (x - running_mean.numpy().reshape(view)) / np.sqrt(
        running_var.numpy().reshape(view) + EPS) * w.reshape(view) + b.reshape(view)
    assert_close(y, expected)
    assert_close(running_mean, 0.3 * batch_mean)


def test_batch_norm_eval_gradcheck():
    rng = np.random.default_rng(3)
    mean, var = minigrad.tensor(rng.standard_normal(2)), minigrad.tensor(rng.random(2) + 0.5)
    tensors = [minigrad.tensor(rng.standard_normal(s), requires_grad=True)
               for s in [(3, 2, 2), (2,), (2,)]]
    gradgradcheck(lambda x, w, b: batch_norm(x, mean, var, w, b, training=False), tensors)


# ---------------------------------------------------------------------------------------------
# group_norm, instance_norm, local_response_norm
# ---------------------------------------------------------------------------------------------


@given(groups=st.sampled_from([1, 2, 4]), data=st.data())
def test_group_norm_against_textbook(groups, data):
    x = data.draw(arrays((2, 4, 3))) + np.linspace(-1, 1, 24).reshape(2, 4, 3)
    w, b = data.draw(arrays((4,))), data.draw(arrays((4,)))
    grouped = x.reshape(2, groups, -1)
    expected = reference_normalize(grouped, (2,)).reshape(x.shape) * w.reshape(1, 4, 1) + \
        b.reshape(1, 4, 1)
    tensors = [minigrad.tensor(a, requires_grad=True) for a in (x, w, b)]
    assert_close(group_norm(*tensors[:1], groups, *tensors[1:]), expected)
    gradcheck(lambda x, w, b: group_norm(x, groups, w, b), tensors, atol=1e-4)


def test_instance_norm_statistics_and_running_update():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 2, 4, 3)) * 3 - 1
    running_mean, running_var = minigrad.zeros(2, dtype=minigrad.float64), \
        minigrad.ones(2, dtype=minigrad.float64)
    tensor = minigrad.tensor(x, requires_grad=True)
    y = instance_norm(tensor, running_mean, running_var, momentum=0.5)
    assert_close(y, reference_normalize(x, (2, 3)))
    per_instance_mean = x.mean(axis=(2, 3)).mean(axis=0)
    per_instance_var = x.var(axis=(2, 3), ddof=1).mean(axis=0)
    assert_close(running_mean, 0.5 * per_instance_mean)
    assert_close(running_var, 0.5 + 0.5 * per_instance_var)
    small = minigrad.tensor(x[:1, :, :2, :2], requires_grad=True)
    gradcheck(lambda t: instance_norm(t), small, atol=1e-4)
    frozen = instance_norm(minigrad.tensor(x), running_mean, running_var, use_input_stats=False)
    expected = (x - running_mean.numpy().reshape(1, 2, 1, 1)) / np.sqrt(
        running_var.numpy().reshape(1, 2, 1, 1) + EPS)
    assert_close(frozen, expected)


@given(size=st.integers(1, 4), data=st.data())
def test_local_response_norm_against_loops(size, data):
    x = data.draw(arrays((2, 4, 3)))
    alpha, beta, k = 0.3, 0.75, 1.5
    expected = np.zeros_like(x)
    for c in range(4):
        window = range(max(c - size // 2, 0), min(c + (size - 1) // 2, 3) + 1)
        energy = sum(x[:, j] ** 2 for j in window) / size
        expected[:, c] = x[:, c] / (k + alpha * energy) ** beta
    tensor = minigrad.tensor(x, requires_grad=True)
    assert_close(local_response_norm(tensor, size, alpha, beta, k), expected)
    gradcheck(lambda t: local_response_norm(t, size, alpha, beta, k), tensor)


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------


def test_normalization_bad_inputs():
    x = minigrad.zeros(4, 3, 2)
    with pytest.raises(ValueError, match=r"batch_norm: expected weight of shape \(3,\), got "
                                         r"\(4,\)"):
        batch_norm(x, None, None, minigrad.ones(4), training=True)
    with pytest.raises(ValueError, match=r"batch_norm: expected more than 1 value per channel "
                                         r"when training, got input of shape \(1, 3\)"):
        batch_norm(minigrad.zeros(1, 3), None, None, training=True)
    with pytest.raises(ValueError, match=r"running_mean and running_var are needed"):
        batch_norm(x, None, None, training=False)
    with pytest.raises(ValueError, match=r"layer_norm: normalized_shape \(3,\) does not match "
                                         r"the last dimensions of input of shape \(4, 3, 2\)"):
        layer_norm(x, 3)
    with pytest.raises(ValueError, match=r"group_norm: num_groups=2 must be a positive divisor "
                                         r"of the 3 channels"):
        group_norm(x, 2)
    with pytest.raises(TypeError, match=r"layer_norm: expected a floating point input"):
        layer_norm(minigrad.zeros(2, 2, dtype=minigrad.int64), 2)
    with pytest.raises(ValueError, match=r"instance_norm: expected an input with at least 3 "
                                         r"dimensions, got input of shape \(4, 3\)"):
        instance_norm(minigrad.zeros(4, 3))
