"""Neural style transfer: optimise the pixels of an image so that its features match a content
image and its feature correlations (Gram matrices) match a style image.

The idea (Gatys, Ecker & Bethge, 2016): in a convolutional network, the feature maps of a deep
layer say *what* is where (content), while the correlations between the channels of each layer
-- the Gram matrix G = F F^T / (H W), averaged over positions -- say which local patterns occur
together, whatever their place (style, texture).  Starting from noise, gradient descent on the
image itself (the network stays fixed) lowers

    loss = content_weight * |F(x) - F(content)|^2 / |F(content)|^2
         + style_weight * mean over stages l of |G_l(x) - G_l(style)|^2 / |G_l(style)|^2
         + tv_weight * total variation of x

No pretrained ImageNet network can be downloaded here, so the features come from a
*random-weight* multi-scale CNN: four stages of 3x3 convolutions and ReLUs, with 2x2 average
pooling between them, so each stage sees the image at half the previous resolution.  Random
convolutional features already carry much of what Gram-matrix texture statistics need (Ulyanov
et al., 2016; He, Wang & Hopcroft, 2016; Ustyuzhaninov et al., 2017); the content is matched at
the third stage.  The images are the public-domain / CC0 samples of scikit-image, bundled as
128x128 crops in ``minigrad/data/bundled/style-images.npz`` by
``scripts/build_style_images.py``.

    python examples/style_transfer.py [--content chelsea] [--style coffee] [--steps 300]
                                      [--style-weight 5] [--tv-weight 10] [--size 128]
                                      [--fast] [--device cuda] [--out DIR]

Images: chelsea (a cat), astronaut, coffee, hubble (deep field), brick, gravel.  Prints the
progress, the final content and style losses relative to their starting values and a
``RESULT style_transfer ...`` line; writes ``style_transfer_<content>_<style>.png`` (content /
style / result) and ``style_transfer_losses.png`` into --out.

Measured with the defaults (the cat in the style of the coffee cup, 128x128, 300 Adam steps at
lr 0.03 from uniform noise; 2-core CPU, light load): style loss 0.661 -> 0.038 (5.8 % of its
start), content loss 0.632 -> 0.562 (89 %), 12 s wall clock.  The losses settle after about 120
steps.  The content loss of the noise is already small because random ReLU features of any two
images share a large positive mean; the result still shows the cat's face, recoloured in the
cup's reds and creams.  A larger --style-weight trades content for style: with --tv-weight 1,
at 30 the content loss ended at 2.4 times its start, and at 300 the face was gone.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from common import make_parser, output_dir, report, seed_everything

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.data.bundled import BUNDLED_DIR
from minigrad.tensor import Tensor
from minigrad.utils import Progress
from minigrad.utils.plot import save_curves, save_image_grid

IMAGES_FILE = BUNDLED_DIR / "style-images.npz"
IMAGE_NAMES = ("chelsea", "astronaut", "coffee", "hubble", "brick", "gravel")
FAST_STEPS = 12
FAST_SIZE = 32


def load_image(name: str, size: int = 128, device: str | None = None) -> Tensor:
    """Bundled image ``name`` as a (1, 3, size, size) float32 tensor in [0, 1]; ``size`` must
    divide 128 (the image is shrunk by averaging blocks of pixels)."""
    if name not in IMAGE_NAMES:
        raise ValueError(f"unknown image {name!r}; the bundled ones are {', '.join(IMAGE_NAMES)}")
    if size < 1 or 128 % size:
        raise ValueError(f"--size must divide 128, got {size}")
    with np.load(IMAGES_FILE, allow_pickle=False) as archive:
        pixels = archive[name]
    image = minigrad.tensor(pixels.transpose(2, 0, 1)[None].astype(np.float32) / 255.0)
    if size != 128:
        image = F.avg_pool2d(image, kernel_size=128 // size)
    return image.to(device) if device is not None else image


def gram_matrix(features: Tensor) -> Tensor:
    """Channel correlations of feature maps (N, C, H, W): G[n, i, j] = sum over positions p of
    F[n, i, p] F[n, j, p] / (H W), shape (N, C, C)."""
    if features.ndim != 4:
        raise ValueError(f"gram_matrix: expected features (N, C, H, W), got shape "
                         f"{tuple(features.shape)}")
    n, c, h, w = features.shape
    flat = features.reshape(n, c, h * w)
    return minigrad.bmm(flat, flat.transpose(1, 2)) / (h * w)


class RandomFeatures(nn.Module):
    """A fixed random-weight CNN: stage k is 3x3 conv -> ReLU at 1 / 2^k of the input size.
    Returns the feature maps of every stage (a list of four (1, C_k, H / 2^k, W / 2^k))."""

    def __init__(self, widths: tuple[int, ...] = (32, 64, 128, 256)):
        super().__init__()
        layers = []
        previous = 3
        for width in widths:
            conv = nn.Conv2d(previous, width, kernel_size=3)
            nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
            nn.init.zeros_(conv.bias)
            layers.append(conv)
            previous = width
        self.convs = nn.ModuleList(layers)
        for parameter in self.parameters():
            parameter.requires_grad_(False)

    def forward(self, image: Tensor) -> list[Tensor]:
        features = []
        x = image - 0.5
        for index, conv in enumerate(self.convs):
            if index > 0:
                x = F.avg_pool2d(x, kernel_size=2)
            # reflection padding: no dark frame for the Gram matrices to copy
            x = F.relu(conv(minigrad.pad(x, (1, 1, 1, 1), mode="reflect")))
            features.append(x)
        return features


def total_variation(image: Tensor) -> Tensor:
    """Mean squared difference between neighbouring pixels, across and down."""
    across = image[:, :, :, 1:] - image[:, :, :, :-1]
    down = image[:, :, 1:, :] - image[:, :, :-1, :]
    return (across * across).mean() + (down * down).mean()


class StyleLoss:
    """The three terms of the loss for one content and one style image (targets fixed)."""

    def __init__(self, network: RandomFeatures, content: Tensor, style: Tensor,
                 content_layer: int = 2):
        self.network = network
        self.content_layer = content_layer
        with minigrad.no_grad():
            self.content_target = network(content)[content_layer]
            self.style_targets = [gram_matrix(f) for f in network(style)]

    def __call__(self, image: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """(content loss, style loss, total variation) of ``image``, each a scalar Tensor."""
        features = self.network(image)
        difference = features[self.content_layer] - self.content_target
        content = (difference * difference).sum() / (self.content_target ** 2).sum()
        style = 0.0
        for feature, target in zip(features, self.style_targets):
            difference = gram_matrix(feature) - target
            style = style + (difference * difference).sum() / (target * target).sum()
        return content, style / len(self.style_targets), total_variation(image)


def main(argv=None) -> dict:
    parser = make_parser(__doc__.splitlines()[0], epochs=None, batch_size=1, lr=0.03, data=False)
    parser.add_argument("--content", choices=IMAGE_NAMES, default="chelsea")
    parser.add_argument("--style", choices=IMAGE_NAMES, default="coffee")
    parser.add_argument("--steps", type=int, default=300, help="Adam steps on the pixels")
    parser.add_argument("--size", type=int, default=128, help="image side: 128, 64 or 32")
    parser.add_argument("--content-weight", type=float, default=1.0)
    parser.add_argument("--style-weight", type=float, default=5.0)
    parser.add_argument("--tv-weight", type=float, default=10.0)
    args = parser.parse_args(argv)
    steps = FAST_STEPS if args.fast else args.steps
    size = FAST_SIZE if args.fast else args.size
    seed_everything(args.seed)

    content = load_image(args.content, size, args.device)
    style = load_image(args.style, size, args.device)
    network = RandomFeatures().to(args.device)
    loss_fn = StyleLoss(network, content, style)
    image = nn.Parameter(minigrad.rand(1, 3, size, size, device=args.device))
    optimizer = minigrad.optim.Adam([image], lr=args.lr)
    print(f"style transfer: content {args.content}, style {args.style}, {size}x{size}, "
          f"{steps} Adam steps, device {args.device}")

    curves = {"content loss": [], "style loss": []}
    start = time.perf_counter()
    bar = Progress(range(steps), desc="optimise")
    for _ in bar:
        content_loss, style_loss, tv = loss_fn(image)
        loss = (args.content_weight * content_loss + args.style_weight * style_loss
                + args.tv_weight * tv)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with minigrad.no_grad():
            image.clamp_(0.0, 1.0)
        curves["content loss"].append(content_loss.item())
        curves["style loss"].append(style_loss.item())
        bar.log(1, content=curves["content loss"][-1], style=curves["style loss"][-1])
    bar.close()
    elapsed = time.perf_counter() - start
    with minigrad.no_grad():
        final_content, final_style, _ = loss_fn(image)
    result = {
        "content": args.content, "style": args.style, "size": size, "steps": steps,
        "initial_content_loss": curves["content loss"][0],
        "initial_style_loss": curves["style loss"][0],
        "content_loss": final_content.item(), "style_loss": final_style.item(),
    }
    result["content_ratio"] = result["content_loss"] / result["initial_content_loss"]
    result["style_ratio"] = result["style_loss"] / result["initial_style_loss"]
    result["seconds"] = elapsed
    print(f"content loss {result['initial_content_loss']:.4g} -> {result['content_loss']:.4g} "
          f"({result['content_ratio']:.3f} of the start), style loss "
          f"{result['initial_style_loss']:.4g} -> {result['style_loss']:.4g} "
          f"({result['style_ratio']:.4f} of the start), {elapsed:.1f} s")

    folder = output_dir(args)
    grid_path = folder / f"style_transfer_{args.content}_{args.style}.png"
    panels = minigrad.cat([content, style, image.detach()])
    if save_image_grid(grid_path, panels, ["content", "style", "result"], ncols=3):
        print(f"saved {grid_path}")
    curve_path = folder / "style_transfer_losses.png"
    if save_curves(curve_path, curves, title="style transfer: losses", xlabel="step",
                   ylabel="relative loss"):
        print(f"saved {curve_path}")
    report("style_transfer", result)
    return result


if __name__ == "__main__":
    main()
    sys.exit(0)
