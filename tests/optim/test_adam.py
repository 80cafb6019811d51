"""Adam against a NumPy re-implementation of the published rule, for every option combination
that changes the arithmetic; properties (zero gradient, first step ~lr) and errors."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from minigrad.optim import Adam
from tests.harness import devices
from tests.optim.common import assert_same_trajectory, either, problems, run


def adam_reference(theta, grads, lr, betas, eps, weight_decay, amsgrad, maximize):
    """Adam as published (Kingma & Ba, Algorithm 1; torch.optim.Adam's documented form with
    L2 weight decay and AMSGrad), step by step, in float64."""
    beta1, beta2 = betas
    theta = np.array(theta, dtype=np.float64)
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    v_max = np.zeros_like(theta)
    trajectory = []
    for t, grad in enumerate(grads, start=1):
        g = -grad if maximize else grad
        if weight_decay != 0:
            g = g + weight_decay * theta
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1 ** t)
        if amsgrad:
            v_max = np.maximum(v_max, v)
            v_hat = v_max / (1 - beta2 ** t)
        else:
            v_hat = v / (1 - beta2 ** t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        trajectory.append(theta)
    return trajectory


def settings_strategy(data, decay_on, amsgrad, maximize):
    return {
        "lr": data.draw(st.floats(1e-4, 0.1), label="lr"),
        "betas": (data.draw(st.floats(0.0, 0.99), label="beta1"),
                  data.draw(st.floats(0.5, 0.9999), label="beta2")),
        "eps": data.draw(st.sampled_from([1e-8, 1e-4, 0.1]), label="eps"),
        "weight_decay": data.draw(either(decay_on, 1e-3, 0.5), label="weight_decay"),
        "amsgrad": amsgrad,
        "maximize": maximize,
    }


@pytest.mark.parametrize("decay_on,amsgrad,maximize",
                         list(itertools.product([False, True], repeat=3)))
@given(data=st.data())
def test_adam_matches_reference(decay_on, amsgrad, maximize, data):
    theta, grads = data.draw(problems())
    settings = settings_strategy(data, decay_on, amsgrad, maximize)
    actual = run(lambda params: Adam(params, **settings), theta, grads)
    assert_same_trajectory(actual, adam_reference(theta, grads, **settings),
                           what=f"Adam {settings}")


@pytest.mark.parametrize("device", devices())
def test_adam_float32_follows_the_reference_and_keeps_dtype(device):
    rng = np.random.default_rng(2)
    theta = rng.standard_normal((4, 3))
    grads = [rng.standard_normal((4, 3)) for _ in range(20)]
    settings = dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, amsgrad=True,
                    maximize=False)
    actual = run(lambda params: Adam(params, **settings), theta, grads, dtype=np.float32,
                 device=device)
    assert_same_trajectory(actual, adam_reference(theta, grads, **settings), np.float32)

    param = minigrad.ones(3, requires_grad=True, device=device)
    optimizer = Adam([param], amsgrad=True)
    param.grad = minigrad.ones(3, device=device)
    optimizer.step()
    assert param.dtype == minigrad.float32
    for name in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
        assert optimizer.state[param][name].dtype == minigrad.float32
        assert optimizer.state[param][name].device == param.device


def test_zero_gradient_leaves_parameters_unchanged():
    param = minigrad.tensor([1.0, -2.0, 3.0], requires_grad=True)
    before = param.detach().numpy().copy()
    optimizer = Adam([param], lr=0.1, amsgrad=True)
    for _ in range(5):
        param.grad = minigrad.zeros(3)
        optimizer.step()
    np.testing.assert_array_equal(param.detach().numpy(), before)


@given(problem=problems(steps=1), lr=st.floats(1e-4, 0.1))
def test_first_step_moves_each_coordinate_by_lr_against_the_gradient(problem, lr):
    """m_hat = g and v_hat = g^2 after one step, so the step is lr * g / (|g| + eps)."""
    theta, (grad,) = problem
    grad = np.where(np.abs(grad) < 1e-3, 1e-3, grad)       # |g| >> eps, so the step is ~lr
    (after,) = run(lambda params: Adam(params, lr=lr), theta, [grad])
    step = after - theta
    np.testing.assert_allclose(np.abs(step), lr, rtol=1e-4)
    np.testing.assert_array_equal(np.sign(step), -np.sign(grad))


def test_decoupled_flag_is_adamw():
    rng = np.random.default_rng(3)
    theta = rng.standard_normal(5)
    grads = [rng.standard_normal(5) for _ in range(10)]
    flagged = run(lambda p: Adam(p, lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
                  theta, grads)
    adamw = run(lambda p: minigrad.optim.AdamW(p, lr=0.01, weight_decay=0.1), theta, grads)
    assert_same_trajectory(flagged, adamw)


def test_defaults_are_pytorchs():
    group = Adam([minigrad.zeros(1, requires_grad=True)]).param_groups[0]
    assert (group["lr"], group["betas"], group["eps"], group["weight_decay"],
            group["amsgrad"]) == (1e-3, (0.9, 0.999), 1e-8, 0, False)


@pytest.mark.parametrize("kwargs,message", [
    (dict(lr=-1e-3), "Adam: invalid learning rate: -0.001"),
    (dict(eps=-1e-8), "Adam: invalid epsilon value: -1e-08"),
    (dict(betas=(1.0, 0.999)), r"Adam: invalid beta parameter at index 0: 1.0 \(it must be in"),
    (dict(betas=(-0.1, 0.999)), "Adam: invalid beta parameter at index 0: -0.1"),
    (dict(betas=(0.9, 1.0)), "Adam: invalid beta parameter at index 1: 1.0"),
    (dict(betas=(0.9,)), "Adam: invalid betas"),
    (dict(weight_decay=-0.1), "Adam: invalid weight_decay value: -0.1"),
])
def test_bad_hyperparameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Adam([minigrad.zeros(2, requires_grad=True)], **kwargs)
