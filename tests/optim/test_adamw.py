"""AdamW against a NumPy re-implementation of the published rule (decoupled weight decay), and
against Adam with L2 decay, which must give a different trajectory."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from minigrad.optim import Adam, AdamW
from tests.optim.common import assert_same_trajectory, either, problems, run


def adamw_reference(theta, grads, lr, betas, eps, weight_decay, amsgrad, maximize):
    """AdamW as published (Loshchilov & Hutter, Algorithm 2, with the decay scaled by lr as in
    torch.optim.AdamW), step by step, in float64."""
    beta1, beta2 = betas
    theta = np.array(theta, dtype=np.float64)
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    v_max = np.zeros_like(theta)
    trajectory = []
    for t, grad in enumerate(grads, start=1):
        g = -grad if maximize else grad
        theta = theta - lr * weight_decay * theta
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


@pytest.mark.parametrize("decay_on,amsgrad,maximize",
                         list(itertools.product([False, True], repeat=3)))
@given(data=st.data())
def test_adamw_matches_reference(decay_on, amsgrad, maximize, data):
    theta, grads = data.draw(problems())
    settings = {
        "lr": data.draw(st.floats(1e-4, 0.1), label="lr"),
        "betas": (data.draw(st.floats(0.0, 0.99), label="beta1"),
                  data.draw(st.floats(0.5, 0.9999), label="beta2")),
        "eps": data.draw(st.sampled_from([1e-8, 1e-4, 0.1]), label="eps"),
        "weight_decay": data.draw(either(decay_on, 1e-3, 0.5), label="weight_decay"),
        "amsgrad": amsgrad,
        "maximize": maximize,
    }
    actual = run(lambda params: AdamW(params, **settings), theta, grads)
    assert_same_trajectory(actual, adamw_reference(theta, grads, **settings),
                           what=f"AdamW {settings}")


@given(problem=problems(steps=5), decay=st.floats(0.05, 0.5))
def test_adamw_and_adam_with_l2_take_different_paths(problem, decay):
    theta, grads = problem
    theta = theta + np.sign(theta) * 0.5        # keep weights away from 0, where decay vanishes
    adamw = run(lambda p: AdamW(p, lr=0.01, weight_decay=decay), theta, grads)
    adam_l2 = run(lambda p: Adam(p, lr=0.01, weight_decay=decay), theta, grads)
    assert not np.allclose(adamw[-1], adam_l2[-1], rtol=1e-6, atol=1e-8)
    # Without decay the two are the same algorithm.
    assert_same_trajectory(run(lambda p: AdamW(p, lr=0.01, weight_decay=0), theta, grads),
                           run(lambda p: Adam(p, lr=0.01), theta, grads))


def test_only_the_decay_acts_on_a_zero_gradient():
    param = minigrad.tensor([1.0, -2.0], dtype=minigrad.float64, requires_grad=True)
    optimizer = AdamW([param], lr=0.1, weight_decay=0.5)
    for _ in range(3):
        param.grad = minigrad.zeros(2, dtype=minigrad.float64)
        optimizer.step()
    np.testing.assert_allclose(param.detach().numpy(), np.array([1.0, -2.0]) * 0.95 ** 3,
                               rtol=1e-14)


def test_defaults_are_pytorchs():
    group = AdamW([minigrad.zeros(1, requires_grad=True)]).param_groups[0]
    assert (group["lr"], group["betas"], group["eps"], group["weight_decay"],
            group["amsgrad"]) == (1e-3, (0.9, 0.999), 1e-8, 1e-2, False)


@pytest.mark.parametrize("kwargs,message", [
    (dict(lr=-1.0), "AdamW: invalid learning rate: -1.0"),
    (dict(betas=(0.9, 1.5)), "AdamW: invalid beta parameter at index 1: 1.5"),
    (dict(eps=-1.0), "AdamW: invalid epsilon value: -1.0"),
    (dict(weight_decay=-1.0), "AdamW: invalid weight_decay value: -1.0"),
])
def test_bad_hyperparameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        AdamW([minigrad.zeros(2, requires_grad=True)], **kwargs)
