"""Digit adder: two handwritten digits in, their sum (0..18) out, on a pretrained digit encoder.

Data: the bundled MNIST subset ``mnist-5k`` (4,000 train / 1,000 test digits).  Steps:

1. pretrain a small CNN digit classifier (encoder + 10-way linear head) on the training digits;
2. build pairs of digits, random pairs of training digits for training and random pairs of test
   digits for testing, labelled with the sum of their two labels (19 classes);
3. train an adder: the same encoder applied to each digit, the two feature vectors
   concatenated, an MLP head giving 19 logits.  The encoder is either

       scratch    randomly initialised and trained (no pretraining, for reference)
       frozen     the pretrained encoder, fixed (``requires_grad_(False)``): only the head learns
       finetune   the pretrained encoder as the starting point, trained with the head

The baseline "classifier" needs no training at all: add the pretrained classifier's two
predicted digits.

    python examples/digit_adder.py [--epochs 3] [--pairs 4000] [--fast] [--device cuda]

Prints the sum accuracy of every variant on the test pairs and a ``RESULT`` line.
"""

from __future__ import annotations

import time

import numpy as np
from common import evaluate, make_parser, report, seed_everything

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.data import DataLoader, TensorDataset, load_bundled
from minigrad.utils import Progress

FEATURES = 64
NUM_SUMS = 19
VARIANTS = ("scratch", "frozen", "finetune")


def encoder() -> nn.Sequential:
    """A digit encoder: (N, 1, 28, 28) -> (N, 64) features."""
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # 28 -> 14
        nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # 14 -> 7
        nn.Flatten(),
        nn.Linear(32 * 7 * 7, FEATURES), nn.ReLU(),
    )


class DigitAdder(nn.Module):
    """Pairs (N, 2, 28, 28) -> sum logits (N, 19): the shared encoder on each digit, the two
    feature vectors concatenated (N, 128), then Linear -> ReLU -> Linear."""

    def __init__(self, digit_encoder: nn.Module, hidden: int = 128):
        super().__init__()
        self.encoder = digit_encoder
        self.head = nn.Sequential(
            nn.Linear(2 * FEATURES, hidden), nn.ReLU(), nn.Linear(hidden, NUM_SUMS))

    def forward(self, pairs: minigrad.Tensor) -> minigrad.Tensor:
        n = pairs.shape[0]
        # both digits through the encoder in one batch: rows 0..n-1 first digits, then second
        digits = minigrad.cat([pairs[:, 0:1], pairs[:, 1:2]], dim=0)
        features = self.encoder(digits)
        return self.head(minigrad.cat([features[:n], features[n:]], dim=1))


def mnist_tensors(device: str) -> tuple[TensorDataset, TensorDataset]:
    """mnist-5k as (train, test) TensorDatasets: images (N, 1, 28, 28) in [0, 1], labels."""
    (x_train, y_train), (x_test, y_test) = load_bundled("mnist-5k")
    datasets = []
    for x, y in ((x_train, y_train), (x_test, y_test)):
        images = minigrad.tensor(x.astype(np.float32)[:, None] / 255.0).to(device)
        datasets.append(TensorDataset(images, minigrad.tensor(y).to(device)))
    return datasets[0], datasets[1]


def make_pairs(digits: TensorDataset, count: int, rng: np.random.Generator) -> TensorDataset:
    """``count`` random pairs of distinct digits: images (count, 2, 28, 28), sums (count,)."""
    images, labels = digits.tensors
    n = len(digits)
    first = rng.integers(0, n, size=count)
    second = (first + rng.integers(1, n, size=count)) % n     # never the same image twice
    first = minigrad.tensor(first).to(images.device)
    second = minigrad.tensor(second).to(images.device)
    pairs = minigrad.cat([images[first], images[second]], dim=1)
    return TensorDataset(pairs, labels[first] + labels[second])


def train(model: nn.Module, parameters: list, loader: DataLoader, epochs: int, lr: float,
          desc: str) -> list[float]:
    """Adam on cross-entropy for ``epochs`` epochs; returns each epoch's mean training loss."""
    optimizer = minigrad.optim.Adam(parameters, lr=lr)
    model.train()
    epoch_losses = []
    for epoch in range(epochs):
        bar = Progress(loader, desc=f"{desc} epoch {epoch + 1}")
        for inputs, labels in bar:
            loss = F.cross_entropy(model(inputs), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            bar.log(len(labels), loss=loss.item())
        epoch_losses.append(bar.metrics["loss"])
    return epoch_losses


def classifier_sum_accuracy(classifier: nn.Module, test_pairs: TensorDataset) -> float:
    """Accuracy of 'predict each digit with the classifier, add the two predictions'."""
    pairs, sums = test_pairs.tensors
    classifier.eval()
    with minigrad.no_grad():
        predicted = classifier(pairs[:, 0:1]).argmax(dim=1) + classifier(pairs[:, 1:2]).argmax(
            dim=1)
    return float((predicted == sums).float().mean().item())


def main(argv: list[str] | None = None) -> dict:
    parser = make_parser(__doc__.splitlines()[0], epochs=3, batch_size=64, lr=2e-3)
    parser.add_argument("--pairs", type=int, default=4000,
                        help="training pairs (default 4000); 1000 test pairs")
    args = parser.parse_args(argv)
    seed_everything(args.seed)
    rng = np.random.default_rng(args.seed)

    train_digits, test_digits = mnist_tensors(args.device)
    test_count = 1000
    if args.fast:
        # a smoke test: 128 digits, 128 pairs, 100 test pairs, 2 epochs of batches of 32
        args.pairs, test_count, args.batch_size, args.epochs = 128, 100, 32, 2
        images, labels = train_digits.tensors
        train_digits = TensorDataset(images[:128], labels[:128])
        images, labels = test_digits.tensors
        test_digits = TensorDataset(images[:200], labels[:200])
    train_pairs = make_pairs(train_digits, args.pairs, rng)
    test_pairs = make_pairs(test_digits, test_count, rng)
    print(f"{len(train_digits)} training digits, {len(train_pairs)} training pairs, "
          f"{len(test_pairs)} test pairs (of test digits)")
    start = time.perf_counter()

    # 1. the digit classifier: encoder + 10-way head
    pretrained = encoder().to(args.device)
    classifier = nn.Sequential(pretrained, nn.Linear(FEATURES, 10).to(args.device))
    digit_loader = DataLoader(train_digits, batch_size=args.batch_size, shuffle=True)
    digit_losses = train(classifier, list(classifier.parameters()), digit_loader, args.epochs,
                         args.lr, desc="digits")
    digit_acc = evaluate(classifier, DataLoader(test_digits, batch_size=500))["acc"]
    baseline = classifier_sum_accuracy(classifier, test_pairs)
    print(f"digit classifier: test accuracy {digit_acc:.4f}; adding its two predictions gives "
          f"sum accuracy {baseline:.4f}")
    metrics = {"digit_first_loss": digit_losses[0], "digit_last_loss": digit_losses[-1],
               "digit_acc": digit_acc, "classifier_sum_acc": baseline}

    # 2. the adder, three ways
    pair_loader = DataLoader(train_pairs, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_pairs, batch_size=500)
    for variant in VARIANTS:
        digit_encoder = encoder().to(args.device)
        if variant != "scratch":
            digit_encoder.load_state_dict(pretrained.state_dict())
        model = DigitAdder(digit_encoder).to(args.device)
        if variant == "frozen":
            digit_encoder.requires_grad_(False)
            parameters = list(model.head.parameters())
        else:
            parameters = list(model.parameters())
        losses = train(model, parameters, pair_loader, args.epochs, args.lr, desc=variant)
        sum_acc = evaluate(model, test_loader)["acc"]
        print(f"{variant}: training loss {losses[0]:.4f} -> {losses[-1]:.4f}, "
              f"test sum accuracy {sum_acc:.4f}")
        metrics[f"{variant}_first_loss"] = losses[0]
        metrics[f"{variant}_last_loss"] = losses[-1]
        metrics[f"{variant}_sum_acc"] = sum_acc
    metrics["seconds"] = time.perf_counter() - start

    print(f"\nsum accuracy on {len(test_pairs)} test pairs")
    print(f"  classifier + classifier  {baseline:.4f}")
    for variant in VARIANTS:
        print(f"  adder, {variant:<17} {metrics[f'{variant}_sum_acc']:.4f}")
    report("digit_adder", metrics)
    return metrics


if __name__ == "__main__":
    main()
