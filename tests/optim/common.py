"""Shared by the optimizer tests: random problems drawn by hypothesis, running an optimizer on
a sequence of given gradients, and comparing its trajectory with a NumPy reference."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

import minigrad
from tests.harness import assert_close
from tests.strategies import shapes

STEPS = 20


@st.composite
def problems(draw, steps: int = STEPS):
    """(theta_0, [grad_1, ..., grad_steps]): a random start and random gradients of a drawn
    shape (from a drawn seed, so a failing example is reproducible and prints small)."""
    shape = draw(shapes(min_dims=0, max_dims=3), label="shape")
    seed = draw(st.integers(0, 2**32 - 1), label="seed")
    rng = np.random.default_rng(seed)
    theta = rng.standard_normal(shape)
    grads = [rng.standard_normal(shape) for _ in range(steps)]
    return theta, grads


def either(zero_or_not: bool, low: float, high: float):
    """0.0 when ``zero_or_not`` is False, else a float drawn in [low, high]: used to switch an
    option of the update rule off or on while hypothesis picks its value."""
    if not zero_or_not:
        return st.just(0.0)
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def run(make_optimizer, theta, grads, dtype=np.float64, device: str = "cpu") -> list:
    """Set each gradient in turn and step; return the parameter after every step (NumPy)."""
    param = minigrad.tensor(theta, dtype=dtype, device=device, requires_grad=True)
    optimizer = make_optimizer([param])
    trajectory = []
    for grad in grads:
        param.grad = minigrad.tensor(grad, dtype=dtype, device=device)
        optimizer.step()
        trajectory.append(param.detach().cpu().numpy().astype(np.float64))
    return trajectory


def assert_same_trajectory(actual: list, expected: list, dtype=np.float64,
                           what: str = "trajectory") -> None:
    """Every step of ``actual`` matches ``expected`` within the dtype's tolerance."""
    assert len(actual) == len(expected)
    for step, (got, want) in enumerate(zip(actual, expected), start=1):
        assert_close(got, np.asarray(want, dtype=np.float64), dtype, f"{what}, step {step}")
