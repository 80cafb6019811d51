"""RMSprop against a NumPy re-implementation of the published rule, for every option
combination that changes the arithmetic; properties and errors."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from minigrad.optim import RMSprop
from tests.optim.common import assert_same_trajectory, either, problems, run


def rmsprop_reference(theta, grads, lr, alpha, eps, weight_decay, momentum, centered, maximize):
    """torch.optim.RMSprop's documented algorithm, step by step, in float64."""
    theta = np.array(theta, dtype=np.float64)
    square_avg = np.zeros_like(theta)
    grad_avg = np.zeros_like(theta)
    buffer = np.zeros_like(theta)
    trajectory = []
    for grad in grads:
        g = -grad if maximize else grad
        if weight_decay != 0:
            g = g + weight_decay * theta
        square_avg = alpha * square_avg + (1 - alpha) * g * g
        if centered:
            grad_avg = alpha * grad_avg + (1 - alpha) * g
            denominator = np.sqrt(square_avg - grad_avg * grad_avg) + eps
        else:
            denominator = np.sqrt(square_avg) + eps
        if momentum > 0:
            buffer = momentum * buffer + g / denominator
            theta = theta - lr * buffer
        else:
            theta = theta - lr * g / denominator
        trajectory.append(theta)
    return trajectory


@pytest.mark.parametrize("decay_on,momentum_on,centered,maximize",
                         list(itertools.product([False, True], repeat=4)))
@given(data=st.data())
def test_rmsprop_matches_reference(decay_on, momentum_on, centered, maximize, data):
    theta, grads = data.draw(problems())
    settings = {
        "lr": data.draw(st.floats(1e-4, 0.1), label="lr"),
        "alpha": data.draw(st.floats(0.5, 0.999), label="alpha"),
        "eps": data.draw(st.sampled_from([1e-8, 1e-4, 0.1]), label="eps"),
        "weight_decay": data.draw(either(decay_on, 1e-3, 0.5), label="weight_decay"),
        "momentum": data.draw(either(momentum_on, 0.1, 0.99), label="momentum"),
        "centered": centered,
        "maximize": maximize,
    }
    actual = run(lambda params: RMSprop(params, **settings), theta, grads)
    assert_same_trajectory(actual, rmsprop_reference(theta, grads, **settings),
                           what=f"RMSprop {settings}")


def test_defaults_are_pytorchs():
    group = RMSprop([minigrad.zeros(1, requires_grad=True)]).param_groups[0]
    assert (group["lr"], group["alpha"], group["eps"], group["weight_decay"], group["momentum"],
            group["centered"]) == (1e-2, 0.99, 1e-8, 0, 0, False)


def test_state_holds_only_the_buffers_the_options_need():
    plain, full = minigrad.ones(2, requires_grad=True), minigrad.ones(2, requires_grad=True)
    optimizers = [RMSprop([plain]), RMSprop([full], momentum=0.9, centered=True)]
    for param, optimizer in zip([plain, full], optimizers):
        param.grad = minigrad.ones(2)
        optimizer.step()
    assert set(optimizers[0].state[plain]) == {"step", "square_avg"}
    assert set(optimizers[1].state[full]) == {"step", "square_avg", "grad_avg",
                                              "momentum_buffer"}
    assert all(v.dtype == minigrad.float32 for k, v in optimizers[1].state[full].items()
               if k != "step")


@pytest.mark.parametrize("kwargs,message", [
    (dict(lr=-1.0), "RMSprop: invalid learning rate: -1.0"),
    (dict(eps=-1.0), "RMSprop: invalid epsilon value: -1.0"),
    (dict(momentum=-1.0), "RMSprop: invalid momentum value: -1.0"),
    (dict(weight_decay=-1.0), "RMSprop: invalid weight_decay value: -1.0"),
    (dict(alpha=-1.0), "RMSprop: invalid alpha value: -1.0"),
])
def test_bad_hyperparameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RMSprop([minigrad.zeros(2, requires_grad=True)], **kwargs)
