"""Transfer learning: pretrain on five Fashion-MNIST classes, reuse the features on the other five.

Source task: classes 0-4 (T-shirt, trouser, pullover, dress, coat), all their bundled training
images (5,000).  Target task: classes 5-9 (sandal, shirt, sneaker, bag, ankle boot) with only a
few labelled images per class.  The same network -- a convolutional feature extractor and an MLP
head -- is trained on the target task three ways, with the same number of steps:

    scratch    random initialisation, everything trained
    finetune   the feature extractor starts from the pretrained weights, everything trained
    frozen     the pretrained feature extractor is fixed (``requires_grad_(False)``) and only the
               new head is trained

and tested on all 1,000 bundled test images of classes 5-9.

    python examples/transfer_learning.py [--shots 10 100] [--steps 150] [--fast] [--device cuda]

Prints the accuracy table, one row per number of labelled images per class, and a ``RESULT``
line.
"""

from __future__ import annotations

import time

import numpy as np
from common import evaluate, fashion_mnist, make_parser, report, seed_everything

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.data import DataLoader, TensorDataset
from minigrad.utils import Progress

METHODS = ("scratch", "finetune", "frozen")
FEATURES = 32 * 7 * 7


def feature_extractor() -> nn.Sequential:
    """Two conv -> ReLU -> max-pool stages: (N, 1, 28, 28) -> (N, 32 * 7 * 7) features."""
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # 28 -> 14
        nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 14 -> 7
        nn.Flatten(),
    )


def head(num_classes: int = 5) -> nn.Sequential:
    """The classifier on top of the features: Linear -> ReLU -> Linear, (N, 1568) -> (N, 5)."""
    return nn.Sequential(nn.Linear(FEATURES, 128), nn.ReLU(), nn.Linear(128, num_classes))


def split_classes(dataset: TensorDataset, classes: range) -> TensorDataset:
    """The samples whose label is in ``classes``, relabelled 0, 1, ... (label - classes.start)."""
    images, labels = dataset.tensors
    label_array = labels.cpu().numpy()
    keep = np.nonzero((label_array >= classes.start) & (label_array < classes.stop))[0]
    keep = minigrad.tensor(keep).to(labels.device)
    return TensorDataset(images[keep], labels[keep] - classes.start)


def few_shot(dataset: TensorDataset, shots: int, num_classes: int) -> TensorDataset:
    """The first ``shots`` samples of each class (the bundled data are in random order)."""
    images, labels = dataset.tensors
    label_array = labels.cpu().numpy()
    keep = np.concatenate([np.nonzero(label_array == c)[0][:shots] for c in range(num_classes)])
    keep = minigrad.tensor(np.sort(keep)).to(labels.device)
    return TensorDataset(images[keep], labels[keep])


def train_steps(model: nn.Module, parameters: list, loader: DataLoader, steps: int, lr: float,
                desc: str) -> list[float]:
    """``steps`` Adam steps on cross-entropy, cycling through ``loader``; returns the losses."""
    optimizer = minigrad.optim.Adam(parameters, lr=lr)
    model.train()
    losses = []
    bar = Progress(total=steps, desc=desc)
    while len(losses) < steps:
        for images, labels in loader:
            loss = F.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            bar.update(1, loss=losses[-1])
            if len(losses) == steps:
                break
    bar.close()
    return losses


def transfer(method: str, pretrained: nn.Module, train_set: TensorDataset, test_loader,
             args) -> dict:
    """Train a fresh 5-class model on ``train_set`` the way ``method`` says; test accuracy."""
    features = feature_extractor().to(args.device)
    if method in ("finetune", "frozen"):
        features.load_state_dict(pretrained.state_dict())   # a copy: pretrained stays as it is
    classifier = head().to(args.device)
    model = nn.Sequential(features, classifier)
    if method == "frozen":
        features.requires_grad_(False)
        parameters = list(classifier.parameters())
    else:
        parameters = list(model.parameters())
    loader = DataLoader(train_set, batch_size=min(args.batch_size, len(train_set)),
                        shuffle=True)
    losses = train_steps(model, parameters, loader, args.steps, args.lr,
                         desc=f"{method} {len(train_set)}")
    test = evaluate(model, test_loader)
    return {"acc": test["acc"], "first_loss": losses[0], "last_loss": losses[-1]}


def main(argv: list[str] | None = None) -> dict:
    parser = make_parser(__doc__.splitlines()[0], epochs=3, batch_size=64, lr=1e-3)
    parser.add_argument("--shots", type=int, nargs="+", default=[10, 100],
                        help="labelled training images per target class (default 10 100)")
    parser.add_argument("--steps", type=int, default=150,
                        help="optimizer steps on the target task per method (default 150)")
    args = parser.parse_args(argv)
    seed_everything(args.seed)

    train_set, test_set = fashion_mnist(args.data, device=args.device)
    source_train = split_classes(train_set, range(0, 5))
    source_test = split_classes(test_set, range(0, 5))
    target_train = split_classes(train_set, range(5, 10))
    target_test = split_classes(test_set, range(5, 10))
    if args.fast:
        # a smoke test: a short pretraining on 160 images, a few steps per method
        args.epochs, args.steps, args.shots = 2, 6, [10]
        source_train = few_shot(source_train, 32, 5)
        source_test = few_shot(source_test, 40, 5)
        target_test = few_shot(target_test, 40, 5)
    print(f"source: {len(source_train)} train / {len(source_test)} test images of classes 0-4; "
          f"target: classes 5-9, {len(target_test)} test images")
    start = time.perf_counter()

    # 1. pretrain the feature extractor (with its own 5-way head) on the source classes
    pretrained = feature_extractor().to(args.device)
    source_model = nn.Sequential(pretrained, head().to(args.device))
    source_loader = DataLoader(source_train, batch_size=args.batch_size, shuffle=True)
    steps = args.epochs * len(source_loader)
    pretrain_losses = train_steps(source_model, list(source_model.parameters()), source_loader,
                                  steps, args.lr, desc="pretrain")
    per_epoch = len(source_loader)
    pretrain_first = float(np.mean(pretrain_losses[:per_epoch]))
    pretrain_last = float(np.mean(pretrain_losses[-per_epoch:]))
    source_acc = evaluate(source_model, DataLoader(source_test, batch_size=500))["acc"]
    print(f"pretraining: loss {pretrain_first:.4f} (epoch 1) -> {pretrain_last:.4f} "
          f"(epoch {args.epochs}), source test acc {source_acc:.4f}")

    # 2. the target task, three ways, for each number of labels
    target_loader = DataLoader(target_test, batch_size=500)
    metrics = {"pretrain_first_loss": pretrain_first, "pretrain_last_loss": pretrain_last,
               "source_acc": source_acc}
    rows = []
    for shots in args.shots:
        labelled = few_shot(target_train, shots, 5)
        row = {}
        for method in METHODS:
            result = transfer(method, pretrained, labelled, target_loader, args)
            row[method] = result["acc"]
            metrics[f"{method}_{shots}_acc"] = result["acc"]
            metrics[f"{method}_{shots}_first_loss"] = result["first_loss"]
            metrics[f"{method}_{shots}_last_loss"] = result["last_loss"]
        rows.append((shots, row))
    metrics["seconds"] = time.perf_counter() - start

    print(f"\ntest accuracy on classes 5-9 ({len(target_test)} images), {args.steps} steps each")
    print(f"{'labels/class':>12} | " + " | ".join(f"{m:>8}" for m in METHODS))
    print("-" * 13 + "+" + "+".join(["-" * 10] * len(METHODS)))
    for shots, row in rows:
        print(f"{shots:>12} | " + " | ".join(f"{row[m]:>8.4f}" for m in METHODS))
    report("transfer_learning", metrics)
    return metrics


if __name__ == "__main__":
    main()
