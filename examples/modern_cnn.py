"""Modern convolutional networks, scaled down for 28x28 Fashion-MNIST.

One small member of each family from the "Modern convolutional neural networks" chapter of the
textbooks, with the same building blocks as the original and fewer channels:

    alexnet    5 convolutions (a wide first one), max pooling, a dropout MLP head (2012)
    vgg        VGG blocks: n 3x3 convolutions + ReLU, then a 2x2 max pool (2014)
    nin        NiN blocks: a convolution + two 1x1 convolutions; no dense layer, the last block
               has one channel per class and global average pooling gives the logits (2013)
    googlenet  Inception blocks: 1x1, 1x1->3x3, 1x1->5x5 and pool->1x1 paths, concatenated (2014)
    resnet     residual blocks (x + f(x), a 1x1 convolution on the shortcut when the shape
               changes) and a bottleneck block (1x1 reduce -> 3x3 -> 1x1 expand) (2015)
    densenet   dense blocks (each layer's output is concatenated to its input) joined by
               transition layers (1x1 convolution + 2x2 average pool) (2017)

Data: the bundled Fashion-MNIST subset (10,000 train / 2,000 test images), with data
augmentation on the training images: a random 28x28 crop of the image padded by 2 pixels, and a
random horizontal flip.  Training: Adam with a cosine learning-rate schedule.

    python examples/modern_cnn.py --arch resnet [--epochs 3] [--fast] [--device cuda]

Prints a progress line per epoch, then the test accuracy and a ``RESULT`` line.
"""

from __future__ import annotations

import time

from common import evaluate, fashion_mnist, make_parser, report, seed_everything

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.data import DataLoader, FashionMNIST, Subset
from minigrad.data import transforms as T
from minigrad.utils import Progress

ARCHS = ("alexnet", "vgg", "nin", "googlenet", "resnet", "densenet")
NUM_CLASSES = 10


# ---------------------------------------------------------------------------------------------
# AlexNet
# ---------------------------------------------------------------------------------------------


def alexnet() -> nn.Module:
    """AlexNet's shape: a wide first convolution, 3 stacked 3x3 ones, 3 max pools, and a
    dropout-regularised MLP head.  (N, 1, 28, 28) -> (N, 10)."""
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=5, padding=2), nn.ReLU(),
        nn.MaxPool2d(2),                                            # 28 -> 14
        nn.Conv2d(16, 32, kernel_size=3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2),                                            # 14 -> 7
        nn.Conv2d(32, 48, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(48, 48, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(48, 32, kernel_size=3, padding=1), nn.ReLU(),
        nn.MaxPool2d(3, stride=2),                                  # 7 -> 3
        nn.Flatten(),
        nn.Linear(32 * 3 * 3, 256), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(256, 256), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(256, NUM_CLASSES),
    )


# ---------------------------------------------------------------------------------------------
# VGG
# ---------------------------------------------------------------------------------------------


def vgg_block(num_convs: int, in_channels: int, out_channels: int) -> nn.Sequential:
    """``num_convs`` 3x3 convolutions (padding 1, so the size stays) with ReLU, then a 2x2 max
    pool that halves height and width."""
    layers = []
    for _ in range(num_convs):
        layers.append(nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1))
        layers.append(nn.ReLU())
        in_channels = out_channels
    layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers)


def vgg(conv_arch: tuple = ((1, 16), (1, 32), (2, 64))) -> nn.Module:
    """VGG: a stack of VGG blocks given as (number of convolutions, channels), then the MLP
    head.  28 -> 14 -> 7 -> 3 with the default three blocks.  (N, 1, 28, 28) -> (N, 10)."""
    blocks = []
    in_channels = 1
    for num_convs, out_channels in conv_arch:
        blocks.append(vgg_block(num_convs, in_channels, out_channels))
        in_channels = out_channels
    side = 28 // 2 ** len(conv_arch)
    return nn.Sequential(
        *blocks, nn.Flatten(),
        nn.Linear(in_channels * side * side, 256), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(256, 256), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(256, NUM_CLASSES),
    )


# ---------------------------------------------------------------------------------------------
# Network in Network
# ---------------------------------------------------------------------------------------------


def nin_block(in_channels: int, out_channels: int, kernel_size: int,
              padding: int) -> nn.Sequential:
    """A convolution followed by two 1x1 convolutions: a small MLP applied at every pixel."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, padding=padding), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(),
        nn.Conv2d(out_channels, out_channels, kernel_size=1), nn.ReLU(),
    )


def nin() -> nn.Module:
    """NiN: NiN blocks and max pools; the last block outputs one channel per class and global
    average pooling turns each channel into a logit (no dense layer).  (N, 1, 28, 28) ->
    (N, 10)."""
    return nn.Sequential(
        nin_block(1, 24, kernel_size=5, padding=2), nn.MaxPool2d(2),    # 28 -> 14
        nin_block(24, 48, kernel_size=3, padding=1), nn.MaxPool2d(2),   # 14 -> 7
        nin_block(48, 64, kernel_size=3, padding=1), nn.MaxPool2d(3, stride=2),  # 7 -> 3
        nn.Dropout(0.5),
        nn.Conv2d(64, NUM_CLASSES, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(NUM_CLASSES, NUM_CLASSES, kernel_size=1),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),
    )


# ---------------------------------------------------------------------------------------------
# GoogLeNet
# ---------------------------------------------------------------------------------------------


class Inception(nn.Module):
    """Four parallel paths over the same input, concatenated along the channels:

        path 1: 1x1 convolution                           -> c1 channels
        path 2: 1x1 convolution (c2[0]) -> 3x3 convolution -> c2[1] channels
        path 3: 1x1 convolution (c3[0]) -> 5x5 convolution -> c3[1] channels
        path 4: 3x3 max pool (stride 1) -> 1x1 convolution -> c4 channels

    Every path keeps height and width, so the output is (N, c1 + c2[1] + c3[1] + c4, H, W).
    """

    def __init__(self, in_channels: int, c1: int, c2: tuple, c3: tuple, c4: int):
        super().__init__()
        self.p1 = nn.Sequential(nn.Conv2d(in_channels, c1, kernel_size=1), nn.ReLU())
        self.p2 = nn.Sequential(
            nn.Conv2d(in_channels, c2[0], kernel_size=1), nn.ReLU(),
            nn.Conv2d(c2[0], c2[1], kernel_size=3, padding=1), nn.ReLU(),
        )
        self.p3 = nn.Sequential(
            nn.Conv2d(in_channels, c3[0], kernel_size=1), nn.ReLU(),
            nn.Conv2d(c3[0], c3[1], kernel_size=5, padding=2), nn.ReLU(),
        )
        self.p4 = nn.Sequential(
            nn.MaxPool2d(3, stride=1, padding=1),
            nn.Conv2d(in_channels, c4, kernel_size=1), nn.ReLU(),
        )
        self.out_channels = c1 + c2[1] + c3[1] + c4

    def forward(self, x: minigrad.Tensor) -> minigrad.Tensor:
        return minigrad.cat([self.p1(x), self.p2(x), self.p3(x), self.p4(x)], dim=1)


def googlenet() -> nn.Module:
    """GoogLeNet: a convolutional stem, two Inception blocks per stage, global average pooling
    and one linear layer.  (N, 1, 28, 28) -> (N, 10)."""
    inception_a = Inception(16, 8, (8, 12), (4, 6), 6)                 # -> 32 channels
    inception_b = Inception(32, 12, (12, 16), (4, 8), 8)               # -> 44 channels
    inception_c = Inception(44, 16, (16, 24), (4, 8), 8)               # -> 56 channels
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2),                                                # 28 -> 14
        inception_a, inception_b,
        nn.MaxPool2d(3, stride=2, padding=1),                           # 14 -> 7
        inception_c,
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(inception_c.out_channels, NUM_CLASSES),
    )


# ---------------------------------------------------------------------------------------------
# ResNet
# ---------------------------------------------------------------------------------------------


class Residual(nn.Module):
    """The basic residual block: y = relu(f(x) + shortcut(x)) with
    f = conv3x3 -> BN -> ReLU -> conv3x3 -> BN.  The shortcut is the identity, or a 1x1
    convolution (with the same stride) when the channels or the size change."""

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1,
                               stride=stride)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1)
        self.bn2 = nn.BatchNorm2d(out_channels)
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride)
        else:
            self.shortcut = nn.Identity()

    def forward(self, x: minigrad.Tensor) -> minigrad.Tensor:
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + self.shortcut(x))


class Bottleneck(nn.Module):
    """The bottleneck residual block of the deeper ResNets: 1x1 convolution down to ``width``
    channels, 3x3 convolution (carrying the stride), 1x1 convolution up to ``out_channels``,
    each followed by BN; plus the (projected) shortcut, then ReLU."""

    def __init__(self, in_channels: int, width: int, out_channels: int, stride: int = 1):
        super().__init__()
        self.reduce = nn.Sequential(
            nn.Conv2d(in_channels, width, kernel_size=1), nn.BatchNorm2d(width), nn.ReLU())
        self.conv = nn.Sequential(
            nn.Conv2d(width, width, kernel_size=3, padding=1, stride=stride),
            nn.BatchNorm2d(width), nn.ReLU())
        self.expand = nn.Sequential(
            nn.Conv2d(width, out_channels, kernel_size=1), nn.BatchNorm2d(out_channels))
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride)
        else:
            self.shortcut = nn.Identity()

    def forward(self, x: minigrad.Tensor) -> minigrad.Tensor:
        y = self.expand(self.conv(self.reduce(x)))
        return F.relu(y + self.shortcut(x))


def resnet() -> nn.Module:
    """A small ResNet: stem, two basic residual blocks (the second halves the size), one
    bottleneck block (halving again), global average pooling, linear.  (N, 1, 28, 28) ->
    (N, 10)."""
    return nn.Sequential(
        nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
        Residual(16, 16),
        Residual(16, 32, stride=2),                                     # 28 -> 14
        Bottleneck(32, 16, 64, stride=2),                               # 14 -> 7
        Bottleneck(64, 16, 64),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(64, NUM_CLASSES),
    )


# ---------------------------------------------------------------------------------------------
# DenseNet
# ---------------------------------------------------------------------------------------------


def conv_block(in_channels: int, out_channels: int) -> nn.Sequential:
    """DenseNet's pre-activation layer: BN -> ReLU -> 3x3 convolution."""
    return nn.Sequential(
        nn.BatchNorm2d(in_channels), nn.ReLU(),
        nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1),
    )


class DenseBlock(nn.Module):
    """``num_convs`` conv blocks; each one sees the concatenation of the block's input and all
    earlier outputs, and adds ``growth_rate`` channels: in_channels + num_convs * growth_rate
    channels come out."""

    def __init__(self, num_convs: int, in_channels: int, growth_rate: int):
        super().__init__()
        self.layers = nn.ModuleList(
            [conv_block(in_channels + i * growth_rate, growth_rate) for i in range(num_convs)])
        self.out_channels = in_channels + num_convs * growth_rate

    def forward(self, x: minigrad.Tensor) -> minigrad.Tensor:
        for layer in self.layers:
            x = minigrad.cat([x, layer(x)], dim=1)
        return x


def transition_block(in_channels: int, out_channels: int) -> nn.Sequential:
    """Between dense blocks: BN -> ReLU -> 1x1 convolution (fewer channels) -> 2x2 average pool
    (half the size)."""
    return nn.Sequential(
        nn.BatchNorm2d(in_channels), nn.ReLU(),
        nn.Conv2d(in_channels, out_channels, kernel_size=1),
        nn.AvgPool2d(2),
    )


def densenet(growth_rate: int = 8) -> nn.Module:
    """A small DenseNet: stem, dense block, transition, dense block, transition, dense block,
    BN -> ReLU -> global average pooling -> linear.  (N, 1, 28, 28) -> (N, 10)."""
    layers = [nn.Conv2d(1, 16, kernel_size=3, padding=1), nn.MaxPool2d(2)]   # 28 -> 14
    channels = 16
    for index in range(3):
        block = DenseBlock(3, channels, growth_rate)
        layers.append(block)
        channels = block.out_channels
        if index < 2:
            layers.append(transition_block(channels, channels // 2))     # 14 -> 7 -> 3
            channels = channels // 2
    layers += [nn.BatchNorm2d(channels), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
               nn.Linear(channels, NUM_CLASSES)]
    return nn.Sequential(*layers)


BUILDERS = {"alexnet": alexnet, "vgg": vgg, "nin": nin, "googlenet": googlenet,
            "resnet": resnet, "densenet": densenet}


# ---------------------------------------------------------------------------------------------
# Data and training
# ---------------------------------------------------------------------------------------------


def augmented_train_set(data: str) -> FashionMNIST:
    """The training images with augmentation: pad by 2, random 28x28 crop, random flip."""
    augment = T.Compose([T.ToTensor(), T.RandomCrop(28, padding=2), T.RandomHorizontalFlip()])
    return FashionMNIST(train=True, subset="bundled" if data == "bundled" else None,
                        transform=augment)


def main(argv: list[str] | None = None) -> dict:
    parser = make_parser(__doc__.splitlines()[0], epochs=3, batch_size=128, lr=2e-3)
    parser.add_argument("--arch", choices=ARCHS, default="resnet")
    args = parser.parse_args(argv)
    seed_everything(args.seed)

    train_set = augmented_train_set(args.data)
    _, test_set = fashion_mnist(args.data)
    if args.fast:
        # a smoke test: 4 passes over 2 batches of 32 images, a small slice of the test set
        args.epochs, args.batch_size = 4, 32
        train_set = Subset(train_set, range(64))
        test_set = Subset(test_set, range(100))
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True,
                              device=args.device)
    test_loader = DataLoader(test_set, batch_size=500, device=args.device)

    model = BUILDERS[args.arch]().to(args.device)
    num_params = sum(p.numel() for p in model.parameters())
    print(f"{args.arch}: {num_params:,} parameters, {len(train_set)} training images "
          f"(augmented), {len(test_set)} test images")
    optimizer = minigrad.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = minigrad.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, T_max=args.epochs * len(train_loader))

    start = time.perf_counter()
    losses = []
    for epoch in range(args.epochs):
        model.train()
        bar = Progress(train_loader, desc=f"epoch {epoch + 1}")
        for images, labels in bar:
            logits = model(images)
            loss = F.cross_entropy(logits, labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            bar.log(len(labels), loss=loss.item())
        losses.append(bar.metrics["loss"])
        test = evaluate(model, test_loader, F.cross_entropy)
        print(f"epoch {epoch + 1}: train loss {losses[-1]:.4f}, "
              f"test loss {test['loss']:.4f}, test acc {test['acc']:.4f}")
    elapsed = time.perf_counter() - start

    metrics = {
        "arch": args.arch,
        "params": num_params,
        "first_loss": losses[0],        # mean training loss of the first epoch
        "last_loss": losses[-1],        # ... and of the last
        "test_acc": test["acc"],
        "test_loss": test["loss"],
        "seconds": elapsed,
    }
    report("modern_cnn", metrics)
    return metrics


if __name__ == "__main__":
    main()
