"""Generative adversarial networks on MNIST digits: MLP GAN, DCGAN and conditional GAN.

A generator G turns noise z ~ N(0, I) into an image; a discriminator D scores how real an image
looks.  They play the minimax game of Goodfellow et al. (2014),

    min_G max_D  E_x[log D(x)] + E_z[log(1 - D(G(z)))],

taking turns: one Adam step on D (real images labelled 1, generated ones 0, binary
cross-entropy), then one on G, which -- as in the paper's practical advice -- maximises
log D(G(z)) instead of minimising log(1 - D(G(z))), whose gradient vanishes while D still wins
easily ("non-saturating" loss).

    --arch mlp      G: z (64) -> 256 -> 512 -> 784, batch norm and ReLU, tanh out;
                    D: 784 -> 256 -> 128 -> 1, LeakyReLU(0.2) and dropout 0.3
    --arch dcgan    DCGAN (Radford et al., 2016): G = Linear -> 64x7x7 -> transposed
                    convolutions 4x4 stride 2 (7 -> 14 -> 28) with batch norm and ReLU, tanh
                    out; D = strided 4x4 convolutions (28 -> 14 -> 7) with LeakyReLU(0.2) and
                    batch norm, no pooling
    --conditional   conditional GAN (Mirza and Osindero, 2014): the class label goes into both
                    networks -- one-hot, appended to z for G and to the image for D (as 10
                    constant channels for the DCGAN discriminator) -- so G learns p(x | y) and
                    can be asked for a given digit

Training: Adam with betas (0.5, 0.999) as in DCGAN, but lr 5e-4 rather than DCGAN's 2e-4,
which learned more slowly in this budget (judge confidence after the default epochs: DCGAN 0.70
vs 0.76, MLP 0.70 vs 0.77); batches of 64 real digits, scaled to [-1, 1] like tanh's output.

Objective evaluation (examples/judge.py): a CNN trained on the real digits (97.7% test accuracy,
trained once and cached in --out) classifies 1,000 generated images.  Reported: the entropy of
its class histogram (ln 10 = 2.303 nats when all digits are made equally often; lower means
mode dropping), its mean confidence, and for --conditional the fraction of images it recognises
as the digit they were generated for -- next to the same numbers for the real test digits.

    python examples/gan.py [--arch mlp|dcgan] [--conditional] [--epochs N] [--lr 5e-4]
                           [--fast] [--device cuda] [--out DIR]

Writes gan_<arch>[_cond]_samples.png (a grid of samples from fixed noise; with --conditional
row k asks for digit k), gan_<arch>[_cond]_losses.png and gan_<arch>[_cond]_scores.png (the
judge's numbers over training) into --out, and prints a final ``RESULT gan ...`` line.

Measured with the defaults on the bundled 4,000 training digits (seed 0, CPU, BLAS on one
thread; wall time on the 2-core machine while other jobs kept a load of 1-2 on it, and the
process's CPU time, about the wall time on an idle machine; runs are reproducible bit for bit):

    run                         epochs  entropy  confidence  recognised as asked  wall (CPU)
    real test digits (judge)        -    2.302     0.956          0.977                -
    --arch mlp                    100    2.279     0.770            -             96 s (92 s)
    --arch mlp --conditional      100    2.254     0.817          0.760           86 s (86 s)
    --arch dcgan                   20    2.197     0.758            -            131 s (128 s)
    --arch dcgan --conditional     20    2.300     0.891          0.898          149 s (149 s)

The untrained generators score entropy 0.0-0.7 (all their blobs look like one or two digits)
and confidence 0.46; conditioning buys confidence as well as control, since the label tells G
which digit to commit to.  The first run also trains the judge (6 epochs, ~20 s CPU).
"""

from __future__ import annotations

import math
import time

import judge as judging
from common import limit, make_parser, mnist, output_dir, report, seed_everything

import minigrad
import minigrad.nn.functional as F
from minigrad import nn, optim
from minigrad.data import DataLoader
from minigrad.utils import Progress
from minigrad.utils.plot import save_curves
from minigrad.utils.png import tile_images, to_uint8, write_png

NUM_CLASSES = 10
LATENT = 64
FAST_BATCHES = 5
EVAL_SAMPLES = 1000  # generated images scored by the judge at the end
DEFAULT_EPOCHS = {"mlp": 100, "dcgan": 20}


def one_hot(labels: minigrad.Tensor, dtype) -> minigrad.Tensor:
    """Class indices (N,) -> one-hot rows (N, 10) of ``dtype``."""
    return F.one_hot(labels, NUM_CLASSES).to(dtype)


# ---------------------------------------------------------------------------------------------
# The networks.  Each takes ``labels`` (N,) when built with conditional=True, else None.
# ---------------------------------------------------------------------------------------------

class MLPGenerator(nn.Module):
    """z (N, 64) [+ one-hot label] -> 256 -> 512 -> 784 -> image (N, 1, 28, 28) in [-1, 1];
    batch norm and ReLU in the hidden layers, tanh out."""

    def __init__(self, conditional: bool = False):
        super().__init__()
        self.conditional = conditional
        inputs = LATENT + (NUM_CLASSES if conditional else 0)
        self.net = nn.Sequential(
            nn.Linear(inputs, 256), nn.BatchNorm1d(256), nn.ReLU(),
            nn.Linear(256, 512), nn.BatchNorm1d(512), nn.ReLU(),
            nn.Linear(512, 28 * 28), nn.Tanh(),
        )

    def forward(self, z: minigrad.Tensor, labels: minigrad.Tensor | None = None):
        if self.conditional:
            z = minigrad.cat([z, one_hot(labels, z.dtype)], dim=1)
        return self.net(z).reshape(-1, 1, 28, 28)


class MLPDiscriminator(nn.Module):
    """image (N, 1, 28, 28) [+ one-hot label] -> 256 -> 128 -> one logit (N, 1); LeakyReLU(0.2)
    and dropout 0.3 (it keeps D from memorising the 4,000 training digits)."""

    def __init__(self, conditional: bool = False):
        super().__init__()
        self.conditional = conditional
        inputs = 28 * 28 + (NUM_CLASSES if conditional else 0)
        self.net = nn.Sequential(
            nn.Linear(inputs, 256), nn.LeakyReLU(0.2), nn.Dropout(0.3),
            nn.Linear(256, 128), nn.LeakyReLU(0.2), nn.Dropout(0.3),
            nn.Linear(128, 1),
        )

    def forward(self, images: minigrad.Tensor, labels: minigrad.Tensor | None = None):
        x = images.reshape(len(images), -1)
        if self.conditional:
            x = minigrad.cat([x, one_hot(labels, x.dtype)], dim=1)
        return self.net(x)


class DCGANGenerator(nn.Module):
    """z (N, 64) [+ one-hot label] -> Linear -> (N, 2c, 7, 7) -> ConvTranspose 4x4/2 ->
    (N, c, 14, 14) -> ConvTranspose 4x4/2 -> (N, 1, 28, 28), tanh; batch norm and ReLU between.
    """

    def __init__(self, conditional: bool = False, channels: int = 32):
        super().__init__()
        self.conditional = conditional
        self.channels = channels
        inputs = LATENT + (NUM_CLASSES if conditional else 0)
        self.project = nn.Sequential(
            nn.Linear(inputs, 2 * channels * 7 * 7, bias=False),
            nn.BatchNorm1d(2 * channels * 7 * 7), nn.ReLU(),
        )
        self.upsample = nn.Sequential(
            nn.ConvTranspose2d(2 * channels, channels, 4, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(channels), nn.ReLU(),                                # 7 -> 14
            nn.ConvTranspose2d(channels, 1, 4, stride=2, padding=1), nn.Tanh(),  # 14 -> 28
        )

    def forward(self, z: minigrad.Tensor, labels: minigrad.Tensor | None = None):
        if self.conditional:
            z = minigrad.cat([z, one_hot(labels, z.dtype)], dim=1)
        features = self.project(z).reshape(len(z), 2 * self.channels, 7, 7)
        return self.upsample(features)


class DCGANDiscriminator(nn.Module):
    """image (N, 1, 28, 28) [+ 10 one-hot label channels] -> Conv 4x4/2 -> (N, c, 14, 14) ->
    Conv 4x4/2 -> (N, 2c, 7, 7) -> one logit (N, 1); LeakyReLU(0.2), batch norm on the second
    convolution (DCGAN leaves it off the first layer)."""

    def __init__(self, conditional: bool = False, channels: int = 32):
        super().__init__()
        self.conditional = conditional
        inputs = 1 + (NUM_CLASSES if conditional else 0)
        self.net = nn.Sequential(
            nn.Conv2d(inputs, channels, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
            nn.Conv2d(channels, 2 * channels, 4, stride=2, padding=1, bias=False),
            nn.BatchNorm2d(2 * channels), nn.LeakyReLU(0.2),
            nn.Flatten(), nn.Linear(2 * channels * 7 * 7, 1),
        )

    def forward(self, images: minigrad.Tensor, labels: minigrad.Tensor | None = None):
        if self.conditional:
            maps = one_hot(labels, images.dtype).reshape(len(images), NUM_CLASSES, 1, 1)
            maps = maps.expand(len(images), NUM_CLASSES, 28, 28)
            images = minigrad.cat([images, maps], dim=1)
        return self.net(images)


def initialise(network: nn.Module) -> nn.Module:
    """DCGAN's initialisation: linear and convolution weights N(0, 0.02^2), biases 0, batch-norm
    scales N(1, 0.02^2) and shifts 0.  Returns ``network``."""
    for module in network.modules():
        if isinstance(module, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(module.weight, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.normal_(module.weight, mean=1.0, std=0.02)
            nn.init.zeros_(module.bias)
    return network


def build(arch: str, conditional: bool) -> tuple[nn.Module, nn.Module]:
    """(generator, discriminator) for ``arch`` 'mlp' or 'dcgan', initialised by ``initialise``."""
    if arch == "mlp":
        generator, discriminator = MLPGenerator(conditional), MLPDiscriminator(conditional)
    else:
        generator, discriminator = DCGANGenerator(conditional), DCGANDiscriminator(conditional)
    return initialise(generator), initialise(discriminator)


# ---------------------------------------------------------------------------------------------
# Sampling and scoring
# ---------------------------------------------------------------------------------------------

def sample_labels(count: int, device) -> minigrad.Tensor:
    """0, 1, ..., 9, 0, 1, ... (count,): every class equally often."""
    return minigrad.arange(count, device=device) % NUM_CLASSES


def generate(generator: nn.Module, z: minigrad.Tensor,
             labels: minigrad.Tensor | None = None) -> minigrad.Tensor:
    """Images (N, 1, 28, 28) in [0, 1] from noise ``z`` (N, 64), in eval mode without a graph;
    the generator's mode is restored afterwards."""
    was_training = generator.training
    generator.eval()
    with minigrad.no_grad():
        images = (generator(z, labels) + 1.0) / 2.0
    generator.train(was_training)
    return images


def data_and_judge(args, folder) -> tuple:
    """MNIST, the judge (trained once, then loaded from ``folder``) and its scores on the real
    test digits, printed as the reference.  Returns (train_data, judge, judge_info,
    real_scores)."""
    train_data, test_data = mnist(args.data, device=args.device)
    judge, judge_info = judging.load_or_train_judge(
        folder, train_data, test_data, epochs=1 if args.fast else judging.JUDGE_EPOCHS,
        max_batches=20 if args.fast else None, seed=args.seed, device=args.device)
    test_images, test_labels = test_data.tensors
    real_scores = judging.evaluate_generated(test_images, judge, conditioned_labels=test_labels)
    print(judging.describe("real test digits (reference)", real_scores))
    return train_data, judge, judge_info, real_scores


def score(generator: nn.Module, judge: nn.Module, conditional: bool, count: int,
          device) -> dict:
    """The judge's numbers (judge.evaluate_generated) for ``count`` fresh samples; with
    ``conditional`` every class is asked for equally often."""
    labels = sample_labels(count, device) if conditional else None
    images = generate(generator, minigrad.randn(count, LATENT, device=device), labels)
    return judging.evaluate_generated(images, judge, conditioned_labels=labels)


def save_grid(path, images: minigrad.Tensor, ncols: int, scale: int = 2) -> None:
    """Write ``images`` (N, 1, 28, 28) in [0, 1] to the PNG ``path`` as a grid of ``ncols``
    columns, each pixel drawn as a ``scale`` x ``scale`` block."""
    pixels = images.detach().cpu().numpy()[:, 0].clip(0.0, 1.0)
    pixels = pixels.repeat(scale, axis=1).repeat(scale, axis=2)
    write_png(path, tile_images(to_uint8(pixels), ncols=ncols))


def save_samples(path, generator: nn.Module, z: minigrad.Tensor, conditional: bool) -> None:
    """A grid of samples from the fixed noise ``z``: 8x8, or with ``conditional`` 10 rows of 8,
    row k asking for digit k (the same noise in every row, so a column keeps its style)."""
    if conditional:
        columns = 8
        noise = z[:columns].repeat(NUM_CLASSES, 1)
        digits = minigrad.arange(NUM_CLASSES, device=z.device).reshape(NUM_CLASSES, 1)
        labels = digits.repeat(1, columns).reshape(-1)  # 0 0 ... 0 1 1 ... 9
        save_grid(path, generate(generator, noise, labels), ncols=columns)
    else:
        save_grid(path, generate(generator, z[:64]), ncols=8)


# ---------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------

def train_step(generator, discriminator, opt_g, opt_d, real, labels) -> dict[str, float]:
    """One discriminator step and one generator step on the real batch ``real`` (N, 1, 28, 28)
    in [-1, 1].  Returns both losses and D's mean probabilities for real and fake images."""
    n = len(real)
    ones = minigrad.ones(n, 1, device=real.device)
    zeros = minigrad.zeros(n, 1, device=real.device)
    fake = generator(minigrad.randn(n, LATENT, device=real.device), labels)

    # D: maximise log D(x) + log(1 - D(G(z)));  G's output is detached, so G is left alone
    real_logits = discriminator(real, labels)
    fake_logits = discriminator(fake.detach(), labels)
    loss_d = (F.binary_cross_entropy_with_logits(real_logits, ones)
              + F.binary_cross_entropy_with_logits(fake_logits, zeros))
    opt_d.zero_grad()
    loss_d.backward()
    opt_d.step()

    # G: maximise log D(G(z)) (the non-saturating loss); D's gradients are cleared before D's
    # next step, so the ones this backward leaves in D do no harm
    loss_g = F.binary_cross_entropy_with_logits(discriminator(fake, labels), ones)
    opt_g.zero_grad()
    loss_g.backward()
    opt_g.step()
    return {"loss_d": loss_d.item(), "loss_g": loss_g.item(),
            "d_real": F.sigmoid(real_logits).mean().item(),
            "d_fake": F.sigmoid(fake_logits).mean().item()}


def main(argv=None) -> dict:
    parser = make_parser(__doc__.splitlines()[0], epochs=None, batch_size=64, lr=5e-4)
    parser.add_argument("--arch", choices=("mlp", "dcgan"), default="mlp")
    parser.add_argument("--conditional", action="store_true",
                        help="conditional GAN: the class label goes into both networks")
    parser.add_argument("--eval-every", type=int, default=None,
                        help="epochs between the judge's scores (default: epochs / 10)")
    args = parser.parse_args(argv)
    epochs = 1 if args.fast else (args.epochs or DEFAULT_EPOCHS[args.arch])
    eval_every = args.eval_every or max(1, epochs // 10)
    max_batches = FAST_BATCHES if args.fast else None
    name = f"gan_{args.arch}" + ("_cond" if args.conditional else "")
    folder = output_dir(args)

    train_data, judge, judge_info, real_scores = data_and_judge(args, folder)

    seed_everything(args.seed)  # the same GAN whether the judge was trained or loaded
    generator, discriminator = build(args.arch, args.conditional)
    generator.to(args.device)
    discriminator.to(args.device)
    fixed_z = minigrad.randn(64, LATENT, device=args.device)
    loader = DataLoader(train_data, batch_size=args.batch_size, shuffle=True, drop_last=True)
    opt_g = optim.Adam(generator.parameters(), lr=args.lr, betas=(0.5, 0.999))
    opt_d = optim.Adam(discriminator.parameters(), lr=args.lr, betas=(0.5, 0.999))
    eval_count = 200 if args.fast else EVAL_SAMPLES
    initial = score(generator, judge, args.conditional, eval_count, args.device)
    print(f"{name}: G {sum(p.numel() for p in generator.parameters())} and D "
          f"{sum(p.numel() for p in discriminator.parameters())} parameters, {epochs} epochs of "
          f"{len(loader) if max_batches is None else max_batches} batches of {args.batch_size}")
    print(judging.describe("untrained generator", initial))

    losses = {"D loss": [], "G loss": []}
    scores = {"entropy / ln 10": [], "confidence": []}
    if args.conditional:
        scores["conditional accuracy"] = []
    start = time.perf_counter()
    for epoch in range(epochs):
        total = len(loader) if max_batches is None else min(len(loader), max_batches)
        bar = Progress(limit(loader, max_batches), total=total,
                       desc=f"{name} epoch {epoch + 1}/{epochs}")
        for images, labels in bar:
            step = train_step(generator, discriminator, opt_g, opt_d, images * 2.0 - 1.0,
                              labels if args.conditional else None)
            bar.log(len(images), **step)
        metrics = bar.metrics
        losses["D loss"].append(metrics["loss_d"])
        losses["G loss"].append(metrics["loss_g"])
        if (epoch + 1) % eval_every == 0 or epoch + 1 == epochs:
            now = score(generator, judge, args.conditional, eval_count // 2, args.device)
            scores["entropy / ln 10"].append(now["entropy"] / math.log(NUM_CLASSES))
            scores["confidence"].append(now["confidence"])
            if args.conditional:
                scores["conditional accuracy"].append(now["conditional_accuracy"])
            print(f"epoch {epoch + 1}: D loss {metrics['loss_d']:.3f}, G loss "
                  f"{metrics['loss_g']:.3f}, D(x) {metrics['d_real']:.2f}, D(G(z)) "
                  f"{metrics['d_fake']:.2f}; judge: entropy {now['entropy']:.3f}, confidence "
                  f"{now['confidence']:.3f}"
                  + (f", conditional accuracy {now['conditional_accuracy']:.3f}"
                     if args.conditional else ""), flush=True)
    elapsed = time.perf_counter() - start

    final = score(generator, judge, args.conditional, eval_count, args.device)
    print(judging.describe(f"{name} after {epochs} epochs ({elapsed:.0f} s)", final))
    save_samples(folder / f"{name}_samples.png", generator, fixed_z, args.conditional)
    print(f"saved {folder / f'{name}_samples.png'}")
    path = folder / f"{name}_losses.png"
    if save_curves(path, losses, title=f"{name}: mean loss per epoch",
                   ylabel="binary cross-entropy"):
        print(f"saved {path}")
    path = folder / f"{name}_scores.png"
    if save_curves(path, scores, title=f"{name}: the judge on 500 samples",
                   xlabel=f"evaluation (every {eval_every} epochs)"):
        print(f"saved {path}")

    result = {"arch": args.arch, "conditional": args.conditional, "epochs": epochs,
              "loss_d": losses["D loss"][-1], "loss_g": losses["G loss"][-1],
              "initial_entropy": initial["entropy"], "initial_confidence": initial["confidence"],
              "entropy": final["entropy"], "confidence": final["confidence"]}
    if args.conditional:
        result["initial_conditional_accuracy"] = initial["conditional_accuracy"]
        result["conditional_accuracy"] = final["conditional_accuracy"]
    result.update({"real_entropy": real_scores["entropy"],
                   "real_confidence": real_scores["confidence"],
                   "judge_test_acc": judge_info["test_acc"], "seconds": elapsed})
    report("gan", result)
    return result


if __name__ == "__main__":
    main()
