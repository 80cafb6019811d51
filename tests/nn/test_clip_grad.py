"""clip_grad_norm_ and clip_grad_value_ against plain NumPy: the joint norm of all gradients,
the norm after clipping, element bounds, the inf norm, and bad input."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from minigrad.nn.utils import clip_grad_norm_, clip_grad_value_, get_total_norm
from tests.strategies import arrays, shapes


def with_grads(grad_arrays, dtype=minigrad.float64):
    params = []
    for grad in grad_arrays:
        param = minigrad.zeros(*grad.shape, dtype=dtype, requires_grad=True)
        param.grad = minigrad.tensor(grad, dtype=dtype)
        params.append(param)
    return params


def joint_norm(grad_arrays, order):
    """The norm of all gradients concatenated into one vector."""
    flat = np.concatenate([np.ravel(g) for g in grad_arrays])
    if order == np.inf:
        return np.max(np.abs(flat))
    return np.sum(np.abs(flat) ** order) ** (1 / order)


gradient_lists = st.lists(arrays(shapes(min_dims=0, max_dims=3), -5.0, 5.0), min_size=1,
                          max_size=4)


@given(grads=gradient_lists, max_norm=st.floats(0.1, 20.0),
       order=st.sampled_from([1.0, 2.0, 3.0, np.inf]))
def test_clip_grad_norm(grads, max_norm, order):
    params = with_grads(grads)
    total = clip_grad_norm_(params, max_norm, norm_type=order)
    norm_before = joint_norm(grads, order)
    assert isinstance(total, minigrad.Tensor) and total.shape == ()
    np.testing.assert_allclose(total.item(), norm_before, rtol=1e-12, atol=1e-300)

    clipped = [p.grad.numpy() for p in params]
    factor = min(1.0, max_norm / (norm_before + 1e-6))
    for got, grad in zip(clipped, grads):
        np.testing.assert_allclose(got, grad * factor, rtol=1e-12, atol=1e-300)
    if factor < 1.0:
        # the norm becomes max_norm, up to the 1e-6 guard in the denominator
        np.testing.assert_allclose(joint_norm(clipped, order),
                                   max_norm * norm_before / (norm_before + 1e-6), rtol=1e-12)
        assert abs(joint_norm(clipped, order) - max_norm) <= 1.01e-6 * max_norm / norm_before
    else:
        for got, grad in zip(clipped, grads):
            np.testing.assert_array_equal(got, grad)


@given(grads=gradient_lists, clip_value=st.floats(0.0, 4.0))
def test_clip_grad_value(grads, clip_value):
    params = with_grads(grads)
    assert clip_grad_value_(params, clip_value) is None
    for param, grad in zip(params, grads):
        got = param.grad.numpy()
        assert np.all(np.abs(got) <= clip_value)
        np.testing.assert_array_equal(got, np.minimum(np.maximum(grad, -clip_value), clip_value))


def test_inf_norm_is_the_largest_absolute_element():
    params = with_grads([np.array([1.0, -7.0]), np.array([[3.0], [5.0]])])
    total = clip_grad_norm_(params, max_norm=3.5, norm_type=float("inf"))
    assert total.item() == 7.0
    np.testing.assert_allclose(params[0].grad.numpy(), np.array([1.0, -7.0]) * 3.5 / (7 + 1e-6))
    assert max(np.abs(p.grad.numpy()).max() for p in params) == pytest.approx(3.5, rel=1e-6)
    assert get_total_norm([p.grad for p in params], "inf").item() == pytest.approx(3.5, rel=1e-6)


def test_parameters_without_gradients_are_skipped_and_inputs_can_be_one_tensor():
    with_grad = with_grads([np.array([3.0, 4.0])])[0]
    without = minigrad.zeros(3, requires_grad=True)
    total = clip_grad_norm_(iter([with_grad, without]), max_norm=1.0)
    assert total.item() == pytest.approx(5.0)
    assert without.grad is None
    assert clip_grad_norm_(with_grad, max_norm=10.0).item() == pytest.approx(1.0, rel=1e-6)
    assert clip_grad_norm_([without], max_norm=1.0).item() == 0.0


def test_a_shared_gradient_array_is_scaled_once():
    first, second = with_grads([np.array([3.0, 4.0]), np.array([0.0, 0.0])])
    second.grad = first.grad                        # the same gradient Tensor on both
    total = clip_grad_norm_([first, second], max_norm=1.0)
    assert total.item() == pytest.approx(np.sqrt(50.0))
    np.testing.assert_allclose(first.grad.numpy(), np.array([3.0, 4.0]) / (np.sqrt(50) + 1e-6))


def test_float32_gradients_give_a_float32_norm():
    params = with_grads([np.array([3.0, 4.0])], dtype=minigrad.float32)
    total = clip_grad_norm_(params, max_norm=1.0)
    assert total.dtype == minigrad.float32
    assert params[0].grad.dtype == minigrad.float32


def test_clipping_after_backward_in_a_training_step():
    x = minigrad.tensor([10.0, -10.0], requires_grad=True)
    (x * x).sum().backward()                        # gradient [20, -20], norm 28.28
    clip_grad_norm_([x], max_norm=2.0)
    np.testing.assert_allclose(np.linalg.norm(x.grad.numpy()), 2.0, rtol=1e-5)


def test_nonfinite_norm():
    params = with_grads([np.array([np.inf, 1.0])])
    with pytest.raises(RuntimeError, match="The total norm of order 2.0 for gradients from "
                                           "`parameters` is non-finite"):
        clip_grad_norm_(params, max_norm=1.0, error_if_nonfinite=True)
    nan_params = with_grads([np.array([np.nan, 1.0])])
    assert np.isnan(clip_grad_norm_(nan_params, max_norm=1.0).item())


@pytest.mark.parametrize("call,error,message", [
    (lambda p: clip_grad_norm_(p, max_norm=-1.0), ValueError, "max_norm must be >= 0, got -1.0"),
    (lambda p: clip_grad_norm_(p, max_norm=1.0, norm_type=0), ValueError,
     "norm_type must be > 0 or inf, got 0"),
    (lambda p: clip_grad_value_(p, clip_value=-0.5), ValueError,
     "clip_value must be >= 0, got -0.5"),
    (lambda p: clip_grad_norm_([np.zeros(2)], max_norm=1.0), TypeError,
     "clip_grad_norm_: expected Tensors, but item 0 is a ndarray"),
])
def test_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call(with_grads([np.array([1.0, 2.0])]))
