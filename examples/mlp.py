"""Multilayer perceptrons on Fashion-MNIST: dropout, weight decay, early stopping, an LR schedule,
under- and over-fitting, and why initialisation matters.

    python examples/mlp.py [--demo train|overfit|init] [--epochs 30] [--data bundled|full]
                           [--device cuda] [--fast] [--out DIR]

--demo train (default)
    784-256-256-10 ReLU MLP with dropout (0.2 and 0.5 after the hidden layers) and weight decay,
    trained with SGD + momentum and a cosine learning-rate schedule.  10 % of the training images
    are held out for validation: early stopping watches the validation loss and restores the
    best weights, and the test set is used once at the end.
--demo overfit
    Only 1,000 training images.  Three models trained for the same number of epochs: an MLP
    with 2 hidden units (under-fits: train and test errors both stay high), a wide MLP without
    regularisation (over-fits: the train loss goes to ~0 while the test loss climbs) and the
    same MLP with dropout and weight decay (a smaller gap).  Plots train vs test loss for each.
--demo init
    A deep (5 hidden layers) ReLU MLP initialised three ways: N(0, 0.01^2), Xavier and Kaiming.
    Prints the standard deviation of each layer's activations at initialisation -- with 0.01
    the signal shrinks ~9x per layer (0.01 * sqrt(256 / 2) ~ 0.11) and vanishes -- then trains
    each and plots the loss curves.

Prints progress bars and a final line ``RESULT mlp ...``; saves ``mlp_<demo>*.png`` into --out
when matplotlib is installed.
"""

from __future__ import annotations

import math
import sys
import time

from common import (
    evaluate,
    fashion_mnist,
    make_parser,
    output_dir,
    report,
    seed_everything,
    train_epoch,
)

import minigrad
from minigrad import nn, optim
from minigrad.data import DataLoader, Subset, TensorDataset, random_split
from minigrad.optim.lr_scheduler import CosineAnnealingLR
from minigrad.train import EarlyStopping
from minigrad.utils.plot import save_curves

NUM_INPUTS = 28 * 28
NUM_CLASSES = 10
FAST_BATCHES = 20
DEPTH = 5  # hidden layers of the --demo init network


def build_mlp(hidden: list[int], dropouts: list[float] | None = None) -> nn.Sequential:
    """Flatten, then Linear + ReLU (+ Dropout(p)) for each hidden width, then Linear to 10
    classes.  ``hidden=[]`` gives a linear model (softmax regression)."""
    layers: list[nn.Module] = [nn.Flatten()]
    width = NUM_INPUTS
    for index, size in enumerate(hidden):
        layers += [nn.Linear(width, size), nn.ReLU()]
        if dropouts and dropouts[index] > 0:
            layers.append(nn.Dropout(dropouts[index]))
        width = size
    layers.append(nn.Linear(width, NUM_CLASSES))
    return nn.Sequential(*layers)


def fit(model: nn.Module, train_loader: DataLoader, eval_loaders: dict[str, DataLoader],
        optimizer, epochs: int, max_batches: int | None, label: str,
        scheduler=None, stopper: EarlyStopping | None = None, monitor: str = "") -> dict:
    """Train for ``epochs`` epochs; after each, evaluate on every loader of ``eval_loaders``.
    Returns the curves {'train loss', 'train acc', '<name> loss', '<name> acc', ...}.  With a
    ``stopper``, ``'<monitor> loss'`` decides when to stop and the best weights are restored."""
    loss_fn = nn.CrossEntropyLoss()
    curves: dict[str, list[float]] = {"train loss": [], "train acc": []}
    for epoch in range(epochs):
        train = train_epoch(model, train_loader, loss_fn, optimizer,
                            desc=f"{label} epoch {epoch + 1}/{epochs}", max_batches=max_batches)
        curves["train loss"].append(train["loss"])
        curves["train acc"].append(train["acc"])
        message = f"{label} epoch {epoch + 1}: train loss {train['loss']:.4f}"
        for name, loader in eval_loaders.items():
            metrics = evaluate(model, loader, loss_fn)
            curves.setdefault(f"{name} loss", []).append(metrics["loss"])
            curves.setdefault(f"{name} acc", []).append(metrics["acc"])
            message += f", {name} loss {metrics['loss']:.4f} acc {metrics['acc']:.4f}"
        if scheduler is not None:
            message += f", lr {optimizer.param_groups[0]['lr']:.4f}"
            scheduler.step()
        print(message, flush=True)
        if stopper is not None and stopper.step(curves[f"{monitor} loss"][-1], model):
            print(f"early stopping after epoch {epoch + 1}: best {monitor} loss "
                  f"{stopper.best:.4f} at epoch {stopper.best_epoch + 1}, weights restored")
            break
    return curves


# ---------------------------------------------------------------------------------------------
# --demo train: dropout + weight decay + cosine schedule + early stopping
# ---------------------------------------------------------------------------------------------

def demo_train(args, train_data, test_data) -> dict:
    validation_size = len(train_data) // 10
    train_part, validation = random_split(train_data, [len(train_data) - validation_size,
                                                       validation_size])
    train_loader = DataLoader(train_part, batch_size=args.batch_size, shuffle=True)
    validation_loader = DataLoader(validation, batch_size=1000)
    test_loader = DataLoader(test_data, batch_size=1000)

    model = build_mlp([256, 256], dropouts=[0.2, 0.5]).to(args.device)
    loss_fn = nn.CrossEntropyLoss()
    initial = evaluate(model, test_loader, loss_fn)
    optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=0.9,
                          weight_decay=args.weight_decay)
    epochs = 1 if args.fast else args.epochs
    scheduler = CosineAnnealingLR(optimizer, T_max=epochs)
    stopper = EarlyStopping(patience=args.patience, mode="min", restore_best=True)
    curves = fit(model, train_loader, {"validation": validation_loader}, optimizer, epochs,
                 FAST_BATCHES if args.fast else None, "mlp", scheduler, stopper, "validation")
    stopper.restore(model)  # also when the epochs ran out before the patience did
    test = evaluate(model, test_loader, loss_fn)
    print(f"test loss {test['loss']:.4f}, test accuracy {test['acc']:.4f} "
          f"(best epoch {stopper.best_epoch + 1})")
    path = output_dir(args) / "mlp_train.png"
    if save_curves(path, {name: values for name, values in curves.items() if "loss" in name},
                   title="MLP on Fashion-MNIST", ylabel="cross-entropy"):
        print(f"saved {path}")
    return {"demo": "train", "data": args.data, "epochs_run": len(curves["train loss"]),
            "best_epoch": stopper.best_epoch + 1, "initial_test_loss": initial["loss"],
            "test_loss": test["loss"], "test_acc": test["acc"]}


# ---------------------------------------------------------------------------------------------
# --demo overfit: a tiny MLP, a big MLP, the big MLP with dropout and weight decay
# ---------------------------------------------------------------------------------------------

def demo_overfit(args, train_data, test_data) -> dict:
    small_size = 200 if args.fast else args.train_size
    small = Subset(train_data, list(range(small_size)))
    train_loader = DataLoader(small, batch_size=min(args.batch_size, 100), shuffle=True)
    eval_loaders = {"train (eval)": DataLoader(small, batch_size=1000),
                    "test": DataLoader(test_data, batch_size=1000)}
    epochs = 2 if args.fast else args.epochs
    configs = {
        "MLP with 2 hidden units (under-fits)": dict(hidden=[2], dropouts=None,
                                                     weight_decay=0.0),
        "MLP 1024x2 (over-fits)": dict(hidden=[1024, 1024], dropouts=None, weight_decay=0.0),
        "MLP 1024x2 + dropout + wd": dict(hidden=[1024, 1024], dropouts=[0.5, 0.5],
                                          weight_decay=args.weight_decay * 10),
    }
    result = {"demo": "overfit", "data": args.data, "train_size": small_size}
    folder = output_dir(args)
    for number, (label, config) in enumerate(configs.items()):
        seed_everything(args.seed)
        model = build_mlp(config["hidden"], config["dropouts"]).to(args.device)
        optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=0.9,
                              weight_decay=config["weight_decay"])
        initial = evaluate(model, eval_loaders["test"], nn.CrossEntropyLoss())
        curves = fit(model, train_loader, eval_loaders, optimizer, epochs,
                     FAST_BATCHES if args.fast else None, label)
        train_loss = curves["train (eval) loss"][-1]
        test_loss = curves["test loss"][-1]
        print(f"{label}: train loss {train_loss:.4f} acc {curves['train (eval) acc'][-1]:.4f}, "
              f"test loss {test_loss:.4f} acc {curves['test acc'][-1]:.4f}, "
              f"best test loss {min(curves['test loss']):.4f}")
        key = ("underfit", "overfit", "regularized")[number]
        result[f"{key}_initial_test_loss"] = initial["loss"]
        result[f"{key}_train_loss"] = train_loss
        result[f"{key}_test_loss"] = test_loss
        result[f"{key}_test_acc"] = curves["test acc"][-1]
        path = folder / f"mlp_overfit_{key}.png"
        if save_curves(path, {"train loss": curves["train (eval) loss"], "test loss":
                              curves["test loss"]}, title=f"{label}, {small_size} images",
                       ylabel="cross-entropy"):
            print(f"saved {path}")
    return result


# ---------------------------------------------------------------------------------------------
# --demo init: N(0, 0.01^2) vs Xavier vs Kaiming on a deep ReLU MLP
# ---------------------------------------------------------------------------------------------

def initialise(model: nn.Module, scheme: str) -> None:
    """Set every Linear layer's weight by ``scheme`` and its bias to 0."""
    for module in model.modules():
        if isinstance(module, nn.Linear):
            if scheme == "normal":
                nn.init.normal_(module.weight, std=0.01)
            elif scheme == "xavier":
                nn.init.xavier_normal_(module.weight)
            else:
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            nn.init.zeros_(module.bias)


def activation_stds(model: nn.Sequential, images: minigrad.Tensor) -> list[float]:
    """Standard deviation of the output of every ReLU, for one batch, at the current weights."""
    stds = []
    with minigrad.no_grad():
        x = images
        for layer in model:
            x = layer(x)
            if isinstance(layer, nn.ReLU):
                stds.append(float(x.std().item()))
    return stds


def demo_init(args, train_data, test_data) -> dict:
    train_loader = DataLoader(train_data, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_data, batch_size=1000)
    probe = train_data.tensors[0][:256]
    epochs = 1 if args.fast else min(args.epochs, 10)
    result = {"demo": "init", "data": args.data}
    all_curves = {}
    for scheme in ("normal", "xavier", "kaiming"):
        seed_everything(args.seed)
        model = build_mlp([256] * DEPTH).to(args.device)
        initialise(model, scheme)
        stds = activation_stds(model, probe)
        print(f"{scheme}: activation std per layer at init: "
              + " ".join(f"{value:.2e}" for value in stds))
        initial = evaluate(model, test_loader, nn.CrossEntropyLoss())
        optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
        curves = fit(model, train_loader, {"test": test_loader}, optimizer, epochs,
                     FAST_BATCHES if args.fast else None, scheme)
        all_curves[f"{scheme} train loss"] = curves["train loss"]
        result[f"{scheme}_last_layer_std"] = stds[-1]
        result[f"{scheme}_initial_test_loss"] = initial["loss"]
        result[f"{scheme}_test_loss"] = curves["test loss"][-1]
        result[f"{scheme}_test_acc"] = curves["test acc"][-1]
    path = output_dir(args) / "mlp_init.png"
    if save_curves(path, all_curves, title=f"{DEPTH}-hidden-layer ReLU MLP: initialisation",
                   ylabel="train cross-entropy"):
        print(f"saved {path}")
    return result


def main(argv=None) -> dict:
    parser = make_parser(__doc__.splitlines()[0], epochs=30, batch_size=256, lr=0.1)
    parser.add_argument("--demo", choices=("train", "overfit", "init"), default="train")
    parser.add_argument("--weight-decay", type=float, default=1e-4)
    parser.add_argument("--patience", type=int, default=5,
                        help="early stopping: epochs without a better validation loss")
    parser.add_argument("--train-size", type=int, default=1000,
                        help="--demo overfit: number of training images")
    args = parser.parse_args(argv)
    seed_everything(args.seed)
    train_data, test_data = fashion_mnist(args.data, device=args.device)
    if args.fast:  # a smoke test: score on 500 test images only
        test_data = TensorDataset(*(tensor[:500] for tensor in test_data.tensors))
    print(f"MLP --demo {args.demo} on Fashion-MNIST ({args.data}): {len(train_data)} train / "
          f"{len(test_data)} test images, device {args.device}")
    start = time.perf_counter()
    demos = {"train": demo_train, "overfit": demo_overfit, "init": demo_init}
    result = demos[args.demo](args, train_data, test_data)
    result["seconds"] = time.perf_counter() - start
    report("mlp", {key: value for key, value in result.items()
                   if not (isinstance(value, float) and math.isnan(value))})
    return result


if __name__ == "__main__":
    main()
    sys.exit(0)
