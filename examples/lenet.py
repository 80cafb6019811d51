"""LeNet-5 on Fashion-MNIST, with sigmoid (as in LeCun et al., 1998) or ReLU, and batch norm.

The network (input 1x28x28, padded by 2 so the first convolution sees 32x32 as in the paper):

    Conv2d(1, 6, 5, padding=2) [BN] act  AvgPool2d(2)     -> 6x14x14
    Conv2d(6, 16, 5)           [BN] act  AvgPool2d(2)     -> 16x5x5
    Flatten  Linear(400, 120)  [BN] act
             Linear(120, 84)   [BN] act
             Linear(84, 10)

    python examples/lenet.py [--act sigmoid|relu] [--batch-norm] [--epochs N] [--lr 0.1]
                             [--data bundled|full] [--device cuda] [--fast] [--out DIR]

Training: SGD with momentum 0.9, weight decay 5e-4 and a cosine learning-rate schedule, for 10
epochs by default -- 30 for sigmoid without batch norm, which spends its first few hundred steps
on a plateau at loss ~2.30 (ln 10) before it starts to learn: batch norm removes that.  Prints
a progress bar per epoch, train/test loss and accuracy after each epoch, and a final line
``RESULT lenet ...``; saves ``lenet_<act>[_bn]_curves.png`` and a grid of test predictions
``lenet_<act>[_bn]_predictions.png`` into --out when matplotlib is installed.

``make demo`` runs ``--act relu --batch-norm`` on the bundled 10,000-image subset.
"""

from __future__ import annotations

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
from minigrad.data import DataLoader, FashionMNIST, TensorDataset
from minigrad.optim.lr_scheduler import CosineAnnealingLR
from minigrad.utils.plot import save_curves, save_image_grid

FAST_BATCHES = 20


def lenet(act: str = "sigmoid", batch_norm: bool = False) -> nn.Sequential:
    """LeNet-5 for 1x28x28 inputs; ``act`` is 'sigmoid' or 'relu'; ``batch_norm`` puts a
    BatchNorm2d/BatchNorm1d between each convolution or hidden linear layer and its activation."""
    def activation() -> nn.Module:
        return nn.Sigmoid() if act == "sigmoid" else nn.ReLU()

    def block(layer: nn.Module, norm: nn.Module) -> list[nn.Module]:
        return [layer, norm, activation()] if batch_norm else [layer, activation()]

    return nn.Sequential(
        *block(nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.BatchNorm2d(6)),
        nn.AvgPool2d(kernel_size=2, stride=2),
        *block(nn.Conv2d(6, 16, kernel_size=5), nn.BatchNorm2d(16)),
        nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        *block(nn.Linear(16 * 5 * 5, 120), nn.BatchNorm1d(120)),
        *block(nn.Linear(120, 84), nn.BatchNorm1d(84)),
        nn.Linear(84, 10),
    )


def initialise(model: nn.Module, act: str) -> None:
    """Xavier for sigmoid networks, Kaiming for ReLU ones; biases 0."""
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            if act == "sigmoid":
                nn.init.xavier_uniform_(module.weight)
            else:
                nn.init.kaiming_uniform_(module.weight, nonlinearity="relu")
            nn.init.zeros_(module.bias)


def main(argv=None) -> dict:
    parser = make_parser(__doc__.splitlines()[0], epochs=None, batch_size=128, lr=0.1)
    parser.add_argument("--act", choices=("sigmoid", "relu"), default="sigmoid")
    parser.add_argument("--batch-norm", action="store_true")
    parser.add_argument("--weight-decay", type=float, default=5e-4)
    args = parser.parse_args(argv)
    if args.epochs is None:
        # sigmoid LeNet sits on a plateau (loss ~2.30) for its first few hundred steps
        args.epochs = 30 if args.act == "sigmoid" and not args.batch_norm else 10
    epochs = 1 if args.fast else args.epochs
    max_batches = FAST_BATCHES if args.fast else None
    seed_everything(args.seed)

    train_data, test_data = fashion_mnist(args.data, device=args.device)
    if args.fast:  # a smoke test: score on 500 test images only
        test_data = TensorDataset(*(tensor[:500] for tensor in test_data.tensors))
    train_loader = DataLoader(train_data, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_data, batch_size=1000)
    name = f"lenet_{args.act}" + ("_bn" if args.batch_norm else "")
    model = lenet(args.act, args.batch_norm)
    initialise(model, args.act)
    model.to(args.device)
    print(f"LeNet-5 ({args.act}{', batch norm' if args.batch_norm else ''}) on Fashion-MNIST "
          f"({args.data}): {len(train_data)} train / {len(test_data)} test images, "
          f"{sum(p.numel() for p in model.parameters())} parameters, device {args.device}")

    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=0.9,
                          weight_decay=args.weight_decay)
    scheduler = CosineAnnealingLR(optimizer, T_max=epochs)
    initial = evaluate(model, test_loader, loss_fn)
    curves = {"train loss": [], "test loss": [], "train acc": [], "test acc": []}
    start = time.perf_counter()
    for epoch in range(epochs):
        train = train_epoch(model, train_loader, loss_fn, optimizer,
                            desc=f"epoch {epoch + 1}/{epochs}", max_batches=max_batches)
        test = evaluate(model, test_loader, loss_fn)
        scheduler.step()
        for key, value in (("train loss", train["loss"]), ("test loss", test["loss"]),
                           ("train acc", train["acc"]), ("test acc", test["acc"])):
            curves[key].append(value)
        print(f"epoch {epoch + 1}: train loss {train['loss']:.4f}, train acc {train['acc']:.4f}, "
              f"test loss {test['loss']:.4f}, test acc {test['acc']:.4f}", flush=True)
    elapsed = time.perf_counter() - start
    print(f"test accuracy {test['acc']:.4f} after {epochs} epochs ({elapsed:.1f} s)")

    folder = output_dir(args)
    title = f"LeNet-5 ({args.act}{' + BN' if args.batch_norm else ''}), Fashion-MNIST"
    if save_curves(folder / f"{name}_curves.png", curves, title=title):
        print(f"saved {folder / f'{name}_curves.png'}")
    model.eval()
    with minigrad.no_grad():
        images, labels = test_data.tensors[0][:16], test_data.tensors[1][:16]
        predicted = model(images).argmax(dim=1).tolist()
    classes = FashionMNIST.classes
    names = [classes[p] + ("" if p == y else f" (is {classes[y]})")
             for p, y in zip(predicted, labels.tolist())]
    if save_image_grid(folder / f"{name}_predictions.png", images, names, ncols=8):
        print(f"saved {folder / f'{name}_predictions.png'}")

    result = {"act": args.act, "batch_norm": args.batch_norm, "data": args.data,
              "epochs": epochs, "initial_test_loss": initial["loss"], "test_loss": test["loss"],
              "test_acc": test["acc"], "train_loss": train["loss"], "seconds": elapsed}
    report("lenet", result)
    return result


if __name__ == "__main__":
    main()
    sys.exit(0)
