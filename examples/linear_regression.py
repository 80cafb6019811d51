"""Linear regression from scratch: the classic first example of every deep-learning course.

Data: y = X w + b + noise with true w = [2, -3.4], b = 4.2, 1,000 samples, Gaussian noise of
standard deviation 0.01.  Model: the same linear form with w ~ N(0, 0.01^2) and b = 0.
Training: minibatch SGD on the squared loss, written by hand -- the gradients come from
``loss.backward()``, the update is two lines under ``no_grad``.

    python examples/linear_regression.py [--epochs 3] [--lr 0.03] [--batch-size 10] [--fast]

Prints the loss after each epoch and the recovered parameters; exits with status 1 if the
error of w or b is not below 0.01.
"""

from __future__ import annotations

import argparse
import sys
import time

import minigrad

TRUE_W = [2.0, -3.4]
TRUE_B = 4.2


def synthetic_data(w: minigrad.Tensor, b: float, num_examples: int):
    """X ~ N(0, 1) of shape (num_examples, len(w)); y = X w + b + N(0, 0.01^2), shape (n, 1)."""
    features = minigrad.randn(num_examples, len(w))
    labels = features @ w + b
    labels = labels + minigrad.randn(*labels.shape) * 0.01
    return features, labels.reshape(-1, 1)


def data_iter(batch_size: int, features: minigrad.Tensor, labels: minigrad.Tensor):
    """Yield shuffled minibatches (features (B, 2), labels (B, 1))."""
    order = minigrad.randperm(len(features))
    for start in range(0, len(features), batch_size):
        batch = order[start:start + batch_size]
        yield features[batch], labels[batch]


def linreg(X, w, b):
    """The model: X (B, 2) @ w (2, 1) + b (1,) -> (B, 1)."""
    return X @ w + b


def squared_loss(y_hat, y):
    """Half squared error per example, shape (B, 1)."""
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd(params, lr: float, batch_size: int) -> None:
    """Minibatch stochastic gradient descent: p <- p - lr * grad / batch_size."""
    with minigrad.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad = None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=0.03)
    parser.add_argument("--batch-size", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fast", action="store_true", help="one epoch (smoke test)")
    args = parser.parse_args(argv)
    if args.fast:
        args.epochs = 1

    minigrad.manual_seed(args.seed)
    true_w = minigrad.tensor(TRUE_W)
    features, labels = synthetic_data(true_w, TRUE_B, 1000)

    w = (minigrad.randn(2, 1) * 0.01).requires_grad_()
    b = minigrad.zeros(1, requires_grad=True)

    start = time.perf_counter()
    for epoch in range(args.epochs):
        for X, y in data_iter(args.batch_size, features, labels):
            loss = squared_loss(linreg(X, w, b), y).sum()
            loss.backward()
            sgd([w, b], args.lr, args.batch_size)
        with minigrad.no_grad():
            train_loss = squared_loss(linreg(features, w, b), labels).mean()
        print(f"epoch {epoch + 1}, loss {train_loss.item():f}")
    elapsed = time.perf_counter() - start

    w_error = (true_w - w.detach().reshape(true_w.shape)).abs().max().item()
    b_error = abs(TRUE_B - b.item())
    print(f"estimated w: {w.detach().reshape(-1).tolist()}  (true {TRUE_W})")
    print(f"estimated b: {b.item():.4f}  (true {TRUE_B})")
    print(f"error in w: {w_error:.5f}, error in b: {b_error:.5f}  ({elapsed:.2f} s)")
    if args.fast:
        return 0
    return 0 if w_error < 0.01 and b_error < 0.01 else 1


if __name__ == "__main__":
    sys.exit(main())
