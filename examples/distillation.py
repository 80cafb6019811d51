"""Knowledge distillation: a small student network learns from a CNN teacher's soft targets.

Data: the bundled Fashion-MNIST subset (10,000 train / 2,000 test images).  Steps:

1. train the teacher, a CNN, on the hard labels;
2. train the student, a small MLP, on the hard labels alone (cross-entropy);
3. train a fresh student of the same size, with the same epochs, on the distillation loss of
   Hinton, Vinyals and Dean (2015):

       loss = alpha * T^2 * KL(softmax(teacher / T) || softmax(student / T))
              + (1 - alpha) * cross_entropy(student, labels)

   The temperature T > 1 softens both distributions, so the student also learns which wrong
   classes the teacher finds likely ("a shirt looks more like a T-shirt than a boot"); the
   gradients of the softened term shrink like 1 / T^2, and the T^2 factor restores their scale.

The teacher's logits on the training images are computed once (the teacher is fixed).

    python examples/distillation.py [--temperature 2] [--alpha 0.5] [--fast] [--device cuda]

Prints the test accuracy of the teacher, the student alone and the distilled student, and a
``RESULT`` line.
"""

from __future__ import annotations

import time

from common import evaluate, fashion_mnist, make_parser, report, seed_everything

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.data import DataLoader, Subset, TensorDataset
from minigrad.utils import Progress


def teacher_net() -> nn.Sequential:
    """The teacher: two conv -> BN -> ReLU -> max-pool stages, then an MLP head."""
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
        nn.MaxPool2d(2),                                                # 28 -> 14
        nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.MaxPool2d(2),                                                # 14 -> 7
        nn.Flatten(),
        nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.3),
        nn.Linear(128, 10),
    )


def student_net(hidden: int) -> nn.Sequential:
    """The student: an MLP with one small hidden layer, 784 -> hidden -> 10."""
    return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, hidden), nn.ReLU(),
                         nn.Linear(hidden, 10))


def distillation_loss(student_logits: minigrad.Tensor, teacher_logits: minigrad.Tensor,
                      labels: minigrad.Tensor, temperature: float,
                      alpha: float) -> minigrad.Tensor:
    """alpha * T^2 * KL(softmax(teacher/T) || softmax(student/T)) + (1 - alpha) * CE(student,
    labels); logits (N, C), labels (N,).  KL is summed over the classes, averaged over rows."""
    soft_targets = F.softmax(teacher_logits / temperature, dim=1)
    log_student = F.log_softmax(student_logits / temperature, dim=1)
    soft = F.kl_div(log_student, soft_targets, reduction="batchmean")
    hard = F.cross_entropy(student_logits, labels)
    return alpha * temperature ** 2 * soft + (1 - alpha) * hard


def train(model: nn.Module, loader: DataLoader, epochs: int, lr: float, loss_fn,
          desc: str) -> list[float]:
    """Adam for ``epochs`` epochs; ``loss_fn(logits, batch)`` gives the loss of a batch (whose
    first element is the input).  Returns each epoch's mean training loss."""
    optimizer = minigrad.optim.Adam(model.parameters(), lr=lr)
    model.train()
    epoch_losses = []
    for epoch in range(epochs):
        bar = Progress(loader, desc=f"{desc} epoch {epoch + 1}")
        for batch in bar:
            loss = loss_fn(model(batch[0]), batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            bar.log(len(batch[0]), loss=loss.item())
        epoch_losses.append(bar.metrics["loss"])
    return epoch_losses


def logits_of(model: nn.Module, images: minigrad.Tensor, batch_size: int = 500):
    """``model(images)`` in eval mode without a graph, computed in batches."""
    model.eval()
    parts = []
    with minigrad.no_grad():
        for start in range(0, images.shape[0], batch_size):
            parts.append(model(images[start:start + batch_size]))
    return minigrad.cat(parts, dim=0)


def main(argv: list[str] | None = None) -> dict:
    parser = make_parser(__doc__.splitlines()[0], epochs=10, batch_size=128, lr=1e-3)
    parser.add_argument("--teacher-epochs", type=int, default=4)
    parser.add_argument("--hidden", type=int, default=32, help="student hidden units")
    parser.add_argument("--temperature", type=float, default=2.0)
    parser.add_argument("--alpha", type=float, default=0.5,
                        help="weight of the soft (distillation) term")
    args = parser.parse_args(argv)
    seed_everything(args.seed)

    train_set, test_set = fashion_mnist(args.data, device=args.device)
    if args.fast:
        # a smoke test: 256 training and 200 test images, two short epochs each
        args.epochs, args.teacher_epochs, args.batch_size = 2, 2, 64
        images, labels = train_set.tensors
        train_set = TensorDataset(images[:256], labels[:256])
        test_set = Subset(test_set, range(200))
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=500)
    print(f"{len(train_set)} training / {len(test_set)} test images; T = {args.temperature}, "
          f"alpha = {args.alpha}")

    def hard_loss(logits, batch):
        return F.cross_entropy(logits, batch[1])

    start = time.perf_counter()
    teacher = teacher_net().to(args.device)
    teacher_losses = train(teacher, train_loader, args.teacher_epochs, args.lr, hard_loss,
                           desc="teacher")
    teacher_acc = evaluate(teacher, test_loader)["acc"]
    print(f"teacher: {sum(p.numel() for p in teacher.parameters()):,} parameters, "
          f"test acc {teacher_acc:.4f}")

    alone = student_net(args.hidden).to(args.device)
    alone_losses = train(alone, train_loader, args.epochs, args.lr, hard_loss, desc="student")
    alone_acc = evaluate(alone, test_loader)["acc"]
    print(f"student alone: {sum(p.numel() for p in alone.parameters()):,} parameters, "
          f"test acc {alone_acc:.4f}")

    # the teacher is fixed: its logits on the training images are computed once and travel
    # with the images and labels through the (shuffling) loader
    images, labels = train_set.tensors
    with_teacher = TensorDataset(images, labels, logits_of(teacher, images))
    distill_loader = DataLoader(with_teacher, batch_size=args.batch_size, shuffle=True)

    def soft_loss(logits, batch):
        return distillation_loss(logits, batch[2], batch[1], args.temperature, args.alpha)

    distilled = student_net(args.hidden).to(args.device)
    distilled_losses = train(distilled, distill_loader, args.epochs, args.lr, soft_loss,
                             desc="distilled")
    distilled_acc = evaluate(distilled, test_loader)["acc"]
    elapsed = time.perf_counter() - start

    print(f"\ntest accuracy ({len(test_set)} images)")
    print(f"  teacher (CNN)                {teacher_acc:.4f}")
    print(f"  student alone (MLP {args.hidden:>3})      {alone_acc:.4f}")
    print(f"  distilled student (MLP {args.hidden:>3})  {distilled_acc:.4f}")
    metrics = {
        "teacher_first_loss": teacher_losses[0], "teacher_last_loss": teacher_losses[-1],
        "student_first_loss": alone_losses[0], "student_last_loss": alone_losses[-1],
        "distilled_first_loss": distilled_losses[0],
        "distilled_last_loss": distilled_losses[-1],
        "teacher_acc": teacher_acc, "student_acc": alone_acc, "distilled_acc": distilled_acc,
        "seconds": elapsed,
    }
    report("distillation", metrics)
    return metrics


if __name__ == "__main__":
    main()
