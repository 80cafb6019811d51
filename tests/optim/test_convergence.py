"""Every optimizer, driven by minigrad's own autograd, minimizes a convex quadratic and makes
progress along the Rosenbrock valley within a fixed budget of steps."""

import numpy as np
import pytest

import minigrad
from minigrad.optim import SGD, Adadelta, Adagrad, Adam, AdamW, RMSprop

# f(x) = 1/2 (x - x*)^T A (x - x*), A symmetric with eigenvalues 1 ... 10: minimum at x*.
_rng = np.random.default_rng(0)
_rotation, _ = np.linalg.qr(_rng.standard_normal((5, 5)))
A = _rotation @ np.diag([1.0, 2.0, 4.0, 7.0, 10.0]) @ _rotation.T
X_STAR = _rng.standard_normal(5)

# (optimizer, settings, largest distance |x - x*| allowed after 500 steps from x = 0, where
# |x0 - x*| = 1.29)
QUADRATIC = [
    (SGD, dict(lr=0.1), 1e-8),
    (SGD, dict(lr=0.05, momentum=0.9), 1e-6),
    (SGD, dict(lr=0.05, momentum=0.9, nesterov=True), 1e-6),
    (Adagrad, dict(lr=0.5), 1e-8),
    # Adadelta's unit-corrected step does not shrink by itself near the minimum: it hovers there
    (Adadelta, dict(), 5e-2),
    # with a constant lr, RMSprop's normalized steps keep a size of about lr
    (RMSprop, dict(lr=0.003, alpha=0.9), 1e-2),
    (RMSprop, dict(lr=0.003, momentum=0.9, centered=True), 1e-6),
    (Adam, dict(lr=0.05), 1e-6),
    (Adam, dict(lr=0.05, amsgrad=True), 1e-5),
    (AdamW, dict(lr=0.05, weight_decay=0.0), 1e-6),
]


@pytest.mark.parametrize("cls,settings,tolerance", QUADRATIC,
                         ids=[f"{c.__name__}-{i}" for i, (c, _, _) in enumerate(QUADRATIC)])
def test_quadratic_reaches_its_minimum(cls, settings, tolerance):
    x = minigrad.zeros(5, dtype=minigrad.float64, requires_grad=True)
    matrix, target = minigrad.tensor(A), minigrad.tensor(X_STAR)
    optimizer = cls([x], **settings)
    for _ in range(500):
        optimizer.zero_grad()
        offset = x - target
        loss = 0.5 * (offset * (matrix @ offset)).sum()
        loss.backward()
        optimizer.step()
    distance = np.linalg.norm(x.detach().numpy() - X_STAR)
    assert distance < tolerance, f"{cls.__name__} {settings}: |x - x*| = {distance:.3e}"


# Rosenbrock f(x, y) = (1 - x)^2 + 100 (y - x^2)^2 from (-1.5, 2), where f = 12.5.  The valley
# floor there has f = (1 - x)^2 = 6.25: f < 5 means the optimizer moved along the valley.
ROSENBROCK = [
    (SGD, dict(lr=1e-3)),
    (SGD, dict(lr=2e-4, momentum=0.9)),
    (SGD, dict(lr=2e-4, momentum=0.9, nesterov=True)),
    (Adagrad, dict(lr=0.5)),
    (Adadelta, dict(lr=1.0)),
    (RMSprop, dict(lr=0.01)),
    (RMSprop, dict(lr=0.003, momentum=0.5, centered=True)),
    (Adam, dict(lr=0.05)),
    (Adam, dict(lr=0.05, amsgrad=True)),
    (AdamW, dict(lr=0.05, weight_decay=1e-3)),
]


@pytest.mark.parametrize("cls,settings", ROSENBROCK,
                         ids=[f"{c.__name__}-{i}" for i, (c, _) in enumerate(ROSENBROCK)])
def test_rosenbrock_progress(cls, settings):
    point = minigrad.tensor([-1.5, 2.0], dtype=minigrad.float64, requires_grad=True)
    optimizer = cls([point], **settings)
    losses = []
    for _ in range(500):
        optimizer.zero_grad()
        x, y = point[0], point[1]
        loss = (1 - x) ** 2 + 100 * (y - x * x) ** 2
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    x, y = point.detach().numpy()
    final = (1 - x) ** 2 + 100 * (y - x * x) ** 2
    assert np.isfinite(final)
    assert final < 5.0, f"{cls.__name__} {settings}: f = {final:.3f} after 500 steps"
    assert final < losses[0]
