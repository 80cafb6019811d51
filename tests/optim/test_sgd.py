"""SGD against a NumPy re-implementation of the published rule, for every option combination
that changes the arithmetic; properties (weight decay as L2 equals decoupled decay) and errors."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from minigrad.optim import SGD
from tests.harness import devices
from tests.optim.common import assert_same_trajectory, either, problems, run


def sgd_reference(theta, grads, lr, momentum, dampening, weight_decay, nesterov, maximize):
    """torch.optim.SGD's documented algorithm, step by step, in float64."""
    theta = np.array(theta, dtype=np.float64)
    buffer = None
    trajectory = []
    for t, grad in enumerate(grads, start=1):
        g = -grad if maximize else grad
        if weight_decay != 0:
            g = g + weight_decay * theta
        if momentum != 0:
            if t == 1:
                buffer = g
            else:
                buffer = momentum * buffer + (1 - dampening) * g
            if nesterov:
                g = g + momentum * buffer
            else:
                g = buffer
        theta = theta - lr * g
        trajectory.append(theta)
    return trajectory


# (momentum on, dampening on, nesterov, weight decay on, maximize): every combination allowed
COMBINATIONS = [
    combo for combo in itertools.product([False, True], repeat=5)
    if not (combo[2] and (not combo[0] or combo[1]))      # Nesterov needs momentum, no dampening
    and not (combo[1] and not combo[0])                   # dampening only acts with momentum
]


@pytest.mark.parametrize("momentum_on,dampening_on,nesterov,decay_on,maximize", COMBINATIONS)
@given(data=st.data())
def test_sgd_matches_reference(momentum_on, dampening_on, nesterov, decay_on, maximize, data):
    theta, grads = data.draw(problems())
    settings = {
        "lr": data.draw(st.floats(1e-3, 0.5), label="lr"),
        "momentum": data.draw(either(momentum_on, 0.1, 0.99), label="momentum"),
        "dampening": data.draw(either(dampening_on, 0.1, 0.9), label="dampening"),
        "weight_decay": data.draw(either(decay_on, 1e-3, 0.5), label="weight_decay"),
        "nesterov": nesterov,
        "maximize": maximize,
    }
    actual = run(lambda params: SGD(params, **settings), theta, grads)
    assert_same_trajectory(actual, sgd_reference(theta, grads, **settings), what=f"SGD {settings}")


@pytest.mark.parametrize("device", devices())
def test_sgd_float32_follows_the_reference_and_keeps_dtype(device):
    rng = np.random.default_rng(1)
    theta = rng.standard_normal((3, 4))
    grads = [rng.standard_normal((3, 4)) for _ in range(20)]
    settings = dict(lr=0.05, momentum=0.9, dampening=0.0, weight_decay=0.01, nesterov=True,
                    maximize=False)
    param = minigrad.tensor(theta, dtype=minigrad.float32, device=device, requires_grad=True)
    optimizer = SGD([param], **settings)
    for grad in grads:
        param.grad = minigrad.tensor(grad, dtype=minigrad.float32, device=device)
        optimizer.step()
    assert param.dtype == minigrad.float32
    assert optimizer.state[param]["momentum_buffer"].dtype == minigrad.float32
    assert optimizer.state[param]["momentum_buffer"].device == param.device
    expected = sgd_reference(theta, grads, **settings)[-1]
    np.testing.assert_allclose(param.detach().cpu().numpy(), expected, rtol=1e-4, atol=1e-5)


def test_zero_gradient_leaves_parameters_unchanged():
    param = minigrad.tensor([1.0, -2.0, 3.0], requires_grad=True)
    before = param.detach().numpy().copy()
    optimizer = SGD([param], lr=0.1, momentum=0.9, nesterov=True)
    for _ in range(5):
        param.grad = minigrad.zeros(3)
        optimizer.step()
    np.testing.assert_array_equal(param.detach().numpy(), before)


@given(problem=problems(steps=10), lr=st.floats(1e-3, 0.5), decay=st.floats(1e-3, 0.5))
def test_weight_decay_equals_decoupled_decay_for_sgd(problem, lr, decay):
    """SGD's L2 term lr * wd * theta is exactly the decoupled shrink theta -= lr * wd * theta."""
    theta, grads = problem
    with_l2 = run(lambda params: SGD(params, lr=lr, weight_decay=decay), theta, grads)

    param = minigrad.tensor(theta, dtype=minigrad.float64, requires_grad=True)
    plain = SGD([param], lr=lr)
    decoupled = []
    for grad in grads:
        with minigrad.no_grad():
            param.sub_(param.detach() * (lr * decay))     # theta <- theta - lr * wd * theta
        param.grad = minigrad.tensor(grad, dtype=minigrad.float64)
        plain.step()                                      # theta <- theta - lr * g
        decoupled.append(param.detach().numpy().copy())
    assert_same_trajectory(with_l2, decoupled, what="SGD L2 vs decoupled decay")


def test_update_is_in_place_and_reads_gradients_only():
    param = minigrad.tensor([1.0, 2.0], requires_grad=True)
    storage = param.data
    grad = minigrad.tensor([0.5, -0.5])
    grad_copy = grad.data.copy()
    param.grad = grad
    SGD([param], lr=0.1, momentum=0.9, weight_decay=0.1, maximize=True).step()
    assert param.data is storage                   # the same array, changed in place
    np.testing.assert_array_equal(grad.data, grad_copy)
    assert param.creator is None and param.requires_grad


@pytest.mark.parametrize("kwargs,message", [
    (dict(lr=-0.1), "SGD: invalid learning rate: -0.1"),
    (dict(lr=0.1, momentum=-0.5), "SGD: invalid momentum value: -0.5"),
    (dict(lr=0.1, weight_decay=-1e-4), "SGD: invalid weight_decay value: -0.0001"),
    (dict(lr=0.1, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    (dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
     "Nesterov momentum requires a momentum and zero dampening"),
])
def test_bad_hyperparameters(kwargs, message):
    param = minigrad.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match=message):
        SGD([param], **kwargs)


def test_bad_hyperparameter_in_a_group():
    param = minigrad.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="SGD: invalid learning rate: -1"):
        SGD([{"params": [param], "lr": -1}], lr=0.1)
