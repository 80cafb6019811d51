"""Helpers shared by the examples: command line, seeding, data, accuracy, evaluation, results.

Holds:
    make_parser(description, epochs=, batch_size=, lr=, data=)  -- argparse with the common
        flags: --epochs --batch-size --lr --seed --device [--data {bundled,full}] --out --fast
    seed_everything(seed)                  -- seed minigrad's generators (and NumPy's global one)
    fashion_mnist(data, device=None)       -- (train, test) TensorDatasets, images (N, 1, 28, 28)
                                              float32 in [0, 1], labels int64
    mnist(data, device=None)               -- the same for MNIST digits (bundled: 4,000 / 1,000)
    accuracy(logits, labels)               -- the fraction of rows whose argmax is the label
    evaluate(model, loader, loss_fn=None)  -- {'loss': mean loss, 'acc': accuracy} over a loader,
                                              in eval mode and without building a graph
    limit(loader, max_batches)             -- the first ``max_batches`` batches (all when None)
    train_epoch(model, loader, loss_fn, optimizer, desc=, max_batches=)
                                           -- one epoch with a Progress bar; returns
                                              {'loss': mean loss, 'acc': accuracy}
    output_dir(args)                       -- the folder for PNGs, created (``--out``, default out/)
    report(name, metrics)                  -- print the final ``RESULT name k=v ...`` line

Every example is run as ``python examples/NAME.py [--fast] [--device cuda]`` and also as
``main(argv)`` from the tests; ``main`` returns a dict of its final metrics.  ``--fast`` means a
few batches only, so a smoke test finishes in seconds.
"""

from __future__ import annotations

import argparse
import os
import random
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

import minigrad
from minigrad.data import MNIST, FashionMNIST, TensorDataset
from minigrad.utils import Progress

__all__ = ["make_parser", "seed_everything", "fashion_mnist", "mnist", "accuracy", "evaluate",
           "limit", "train_epoch", "output_dir", "report"]

EXAMPLES_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = EXAMPLES_DIR.parent / "out"


def make_parser(description: str, epochs: int | None = 10, batch_size: int | None = 256,
                lr: float | None = 0.1, data: bool = True) -> argparse.ArgumentParser:
    """An ArgumentParser with the flags every example shares; add your own to it.
    ``epochs``, ``batch_size`` or ``lr`` None leaves that flag None unless given, for the example
    to choose; ``data=False`` leaves out ``--data`` (for examples with a single data set)."""

    def default_help(value, prefix: str = "") -> str:
        return prefix + (f"default {value}" if value is not None else
                         "default: depends on the other options")

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--epochs", type=int, default=epochs, help=default_help(epochs))
    parser.add_argument("--batch-size", type=int, default=batch_size,
                        help=default_help(batch_size))
    parser.add_argument("--lr", type=float, default=lr,
                        help=default_help(lr, prefix="learning rate, "))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda, cuda:1, ...")
    if data:
        parser.add_argument("--data", choices=("bundled", "full"), default="bundled",
                            help="bundled: the subset shipped with minigrad (default); full: "
                                 "the complete data set (must be installed or downloaded)")
    parser.add_argument("--out", default=None,
                        help=f"folder for the curve PNGs (default {DEFAULT_OUT})")
    parser.add_argument("--fast", action="store_true",
                        help="a few batches only: a smoke test for CI")
    return parser


def seed_everything(seed: int) -> None:
    """Seed minigrad's generators (weights, dropout, shuffling) and Python's and NumPy's."""
    minigrad.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed)


def fashion_mnist(data: str = "bundled",
                  device: str | None = None) -> tuple[TensorDataset, TensorDataset]:
    """Fashion-MNIST as ``(train, test)`` TensorDatasets of images (N, 1, 28, 28) float32 in
    [0, 1] and labels (N,) int64, on ``device``.  ``data='bundled'``: 10,000 / 2,000 images
    shipped with minigrad; ``data='full'``: 60,000 / 10,000 (installed or in the cache)."""
    return _image_datasets(FashionMNIST, data, device)


def mnist(data: str = "bundled",
          device: str | None = None) -> tuple[TensorDataset, TensorDataset]:
    """MNIST digits as ``(train, test)`` TensorDatasets of images (N, 1, 28, 28) float32 in
    [0, 1] and labels (N,) int64, on ``device``.  ``data='bundled'``: 4,000 / 1,000 digits
    shipped with minigrad; ``data='full'``: 60,000 / 10,000 (installed or in the cache)."""
    return _image_datasets(MNIST, data, device)


def _image_datasets(dataset_class, data: str,
                    device: str | None) -> tuple[TensorDataset, TensorDataset]:
    subset = "bundled" if data == "bundled" else None
    datasets = []
    for train in (True, False):
        raw = dataset_class(train=train, subset=subset)
        images = minigrad.tensor(raw.data.astype(np.float32)[:, None] / 255.0)
        labels = minigrad.tensor(raw.targets)
        if device is not None:
            images, labels = images.to(device), labels.to(device)
        datasets.append(TensorDataset(images, labels))
    return datasets[0], datasets[1]


def accuracy(logits: minigrad.Tensor, labels: minigrad.Tensor) -> float:
    """The fraction of rows of ``logits`` (N, C) whose largest entry is at ``labels`` (N,)."""
    predicted = logits.argmax(dim=1)
    return float((predicted == labels).float().mean().item())


def evaluate(model: Callable, loader: Iterable,
             loss_fn: Callable | None = None) -> dict[str, float]:
    """Mean loss (when ``loss_fn`` is given) and accuracy of ``model`` over ``loader``, in eval
    mode and under ``no_grad``; the model's train/eval mode is restored afterwards."""
    was_training = getattr(model, "training", None)
    if was_training is not None:
        model.eval()
    total_loss, total_correct, count = 0.0, 0.0, 0
    with minigrad.no_grad():
        for inputs, labels in loader:
            logits = model(inputs)
            n = len(labels)
            if loss_fn is not None:
                total_loss += float(loss_fn(logits, labels).item()) * n
            total_correct += accuracy(logits, labels) * n
            count += n
    if was_training:
        model.train()
    result = {"acc": total_correct / max(count, 1)}
    if loss_fn is not None:
        result["loss"] = total_loss / max(count, 1)
    return result


def limit(loader: Iterable, max_batches: int | None) -> Iterator:
    """The first ``max_batches`` batches of ``loader`` (all of them when None)."""
    for index, batch in enumerate(loader):
        if max_batches is not None and index >= max_batches:
            return
        yield batch


def train_epoch(model: Callable, loader, loss_fn: Callable, optimizer, desc: str = "train",
                max_batches: int | None = None) -> dict[str, float]:
    """One pass over ``loader`` (at most ``max_batches`` batches) in train mode: forward, loss,
    backward, ``optimizer.step()``, with a Progress bar showing the running loss and accuracy.
    Returns the epoch's mean training loss and accuracy."""
    if hasattr(model, "train"):
        model.train()
    total = len(loader) if max_batches is None else min(len(loader), max_batches)
    bar = Progress(limit(loader, max_batches), total=total, desc=desc)
    for inputs, labels in bar:
        logits = model(inputs)
        loss = loss_fn(logits, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        bar.log(len(labels), loss=loss.item(), acc=accuracy(logits.detach(), labels))
    return dict(bar.metrics)


def output_dir(args: argparse.Namespace) -> Path:
    """The folder for this run's PNGs: ``--out`` or ``out/`` next to ``examples/``, created."""
    folder = Path(args.out) if args.out else DEFAULT_OUT
    os.makedirs(folder, exist_ok=True)
    return folder


def report(name: str, metrics: dict) -> str:
    """Print and return the parseable final line ``RESULT name key=value ...``."""
    parts = [f"RESULT {name}"]
    for key, value in metrics.items():
        text = f"{value:.6g}" if isinstance(value, float) else str(value)
        parts.append(f"{key}={text}")
    line = " ".join(parts)
    print(line, flush=True)
    return line
