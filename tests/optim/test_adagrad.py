"""Adagrad against a NumPy re-implementation of the published rule, for every option
combination that changes the arithmetic; properties and errors."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from minigrad.optim import Adagrad
from tests.optim.common import assert_same_trajectory, either, problems, run


def adagrad_reference(theta, grads, lr, lr_decay, weight_decay, initial_accumulator_value,
                      eps, maximize):
    """torch.optim.Adagrad's documented algorithm, step by step, in float64."""
    theta = np.array(theta, dtype=np.float64)
    state_sum = np.full_like(theta, initial_accumulator_value)
    trajectory = []
    for t, grad in enumerate(grads, start=1):
        g = -grad if maximize else grad
        decayed_lr = lr / (1 + (t - 1) * lr_decay)
        if weight_decay != 0:
            g = g + weight_decay * theta
        state_sum = state_sum + g * g
        theta = theta - decayed_lr * g / (np.sqrt(state_sum) + eps)
        trajectory.append(theta)
    return trajectory


@pytest.mark.parametrize("lr_decay_on,decay_on,accumulator_on,maximize",
                         list(itertools.product([False, True], repeat=4)))
@given(data=st.data())
def test_adagrad_matches_reference(lr_decay_on, decay_on, accumulator_on, maximize, data):
    theta, grads = data.draw(problems())
    settings = {
        "lr": data.draw(st.floats(1e-3, 0.5), label="lr"),
        "lr_decay": data.draw(either(lr_decay_on, 1e-3, 0.5), label="lr_decay"),
        "weight_decay": data.draw(either(decay_on, 1e-3, 0.5), label="weight_decay"),
        "initial_accumulator_value": data.draw(either(accumulator_on, 0.01, 2.0),
                                               label="initial_accumulator_value"),
        "eps": data.draw(st.sampled_from([1e-10, 1e-6, 0.1]), label="eps"),
        "maximize": maximize,
    }
    actual = run(lambda params: Adagrad(params, **settings), theta, grads)
    assert_same_trajectory(actual, adagrad_reference(theta, grads, **settings),
                           what=f"Adagrad {settings}")


def test_defaults_are_pytorchs():
    optimizer = Adagrad([minigrad.zeros(1, requires_grad=True)])
    group = optimizer.param_groups[0]
    assert (group["lr"], group["lr_decay"], group["weight_decay"],
            group["initial_accumulator_value"], group["eps"]) == (1e-2, 0, 0, 0, 1e-10)


def test_state_follows_the_parameter_dtype():
    param = minigrad.ones(3, requires_grad=True)
    optimizer = Adagrad([param], initial_accumulator_value=0.5)
    param.grad = minigrad.ones(3)
    optimizer.step()
    assert optimizer.state[param]["step"] == 1
    assert optimizer.state[param]["sum"].dtype == minigrad.float32
    np.testing.assert_allclose(optimizer.state[param]["sum"].numpy(), [1.5, 1.5, 1.5])
    assert param.dtype == minigrad.float32


@pytest.mark.parametrize("kwargs,message", [
    (dict(lr=-1.0), "Adagrad: invalid learning rate: -1.0"),
    (dict(lr_decay=-0.1), "Adagrad: invalid lr_decay value: -0.1"),
    (dict(weight_decay=-0.1), "Adagrad: invalid weight_decay value: -0.1"),
    (dict(initial_accumulator_value=-1.0), "Adagrad: invalid initial_accumulator_value: -1.0"),
    (dict(eps=-1e-10), "Adagrad: invalid epsilon value: -1e-10"),
])
def test_bad_hyperparameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Adagrad([minigrad.zeros(2, requires_grad=True)], **kwargs)
