"""Adadelta against a NumPy re-implementation of the published rule, for every option
combination that changes the arithmetic; properties and errors."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from minigrad.optim import Adadelta
from tests.optim.common import assert_same_trajectory, either, problems, run


def adadelta_reference(theta, grads, lr, rho, eps, weight_decay, maximize):
    """torch.optim.Adadelta's documented algorithm, step by step, in float64."""
    theta = np.array(theta, dtype=np.float64)
    square_avg = np.zeros_like(theta)
    acc_delta = np.zeros_like(theta)
    trajectory = []
    for grad in grads:
        g = -grad if maximize else grad
        if weight_decay != 0:
            g = g + weight_decay * theta
        square_avg = rho * square_avg + (1 - rho) * g * g
        delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * g
        acc_delta = rho * acc_delta + (1 - rho) * delta * delta
        theta = theta - lr * delta
        trajectory.append(theta)
    return trajectory


@pytest.mark.parametrize("decay_on,maximize", list(itertools.product([False, True], repeat=2)))
@given(data=st.data())
def test_adadelta_matches_reference(decay_on, maximize, data):
    theta, grads = data.draw(problems())
    settings = {
        "lr": data.draw(st.floats(0.1, 2.0), label="lr"),
        "rho": data.draw(st.floats(0.0, 0.99), label="rho"),
        "eps": data.draw(st.sampled_from([1e-6, 1e-3, 0.1]), label="eps"),
        "weight_decay": data.draw(either(decay_on, 1e-3, 0.5), label="weight_decay"),
        "maximize": maximize,
    }
    actual = run(lambda params: Adadelta(params, **settings), theta, grads)
    assert_same_trajectory(actual, adadelta_reference(theta, grads, **settings),
                           what=f"Adadelta {settings}")


def test_defaults_are_pytorchs():
    group = Adadelta([minigrad.zeros(1, requires_grad=True)]).param_groups[0]
    assert (group["lr"], group["rho"], group["eps"], group["weight_decay"]) == (1.0, 0.9, 1e-6, 0)


def test_state_follows_the_parameter_dtype():
    param = minigrad.ones(2, requires_grad=True)
    optimizer = Adadelta([param])
    param.grad = minigrad.ones(2)
    optimizer.step()
    state = optimizer.state[param]
    assert state["step"] == 1
    assert state["square_avg"].dtype == minigrad.float32
    assert state["acc_delta"].dtype == minigrad.float32


@pytest.mark.parametrize("kwargs,message", [
    (dict(lr=-1.0), "Adadelta: invalid learning rate: -1.0"),
    (dict(rho=1.5), r"Adadelta: invalid rho value: 1.5 \(it must be in \[0, 1\]\)"),
    (dict(rho=-0.1), "Adadelta: invalid rho value: -0.1"),
    (dict(eps=-1.0), "Adadelta: invalid epsilon value: -1.0"),
    (dict(weight_decay=-1.0), "Adadelta: invalid weight_decay value: -1.0"),
])
def test_bad_hyperparameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Adadelta([minigrad.zeros(2, requires_grad=True)], **kwargs)
