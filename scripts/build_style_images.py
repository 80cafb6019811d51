"""Build the bundled images of examples/style_transfer.py (minigrad/data/bundled/style-images.npz)
from the sample images in scikit-image's wheel.

    pip download --no-deps scikit-image==0.26.0        # the wheel only; nothing is installed
    python scripts/build_style_images.py --wheel scikit_image-0.26.0-*.whl
    python scripts/build_style_images.py               # or read an installed scikit-image
    python scripts/build_style_images.py --check       # rebuild in memory, compare with the file

PyPI ``scikit-image`` ships a few sample images as ``skimage/data/*.png|jpg``; the docstrings
of ``skimage/data/_fetchers.py`` give their sources and licenses.  Only images in the public
domain or under CC0 are taken:

    chelsea    Chelsea the cat, CC0 by the photographer (Stefan van der Walt)
    astronaut  Eileen Collins, NASA Great Images database, public domain
    coffee     a coffee cup, CC0 by the photographer (Rachel Michetti)
    hubble     the Hubble eXtreme Deep Field, NASA, public domain
    brick      a brick wall, CC0Textures "Bricks25", CC0
    gravel     gravel, CC0Textures "Gravel04", CC0

Each is cropped to a square (the box below), resized to 128x128 with Pillow's Lanczos filter
and stored as uint8 (128, 128, 3) RGB (the grey textures with three equal channels) under its
name; ``credits`` holds one line per image.  Pillow decodes the PNG/JPEG files here only: the
example reads the .npz with NumPy.  The archive is written with fixed time stamps, so a re-run
with the same wheel and Pillow gives the same bytes.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

SCRIPTS = Path(__file__).resolve().parent
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))
from build_bundled_data import npz_bytes  # noqa: E402  (the shared .npz convention)

REPO = Path(__file__).resolve().parents[1]
OUTPUT = REPO / "minigrad" / "data" / "bundled" / "style-images.npz"
SIZE = 128

# name: (file in skimage/data, crop box (left, upper, right, lower) in pixels, credit line)
IMAGES = {
    "chelsea": ("chelsea.png", (90, 0, 390, 300),
                "Chelsea the cat; CC0 by the photographer (Stefan van der Walt)"),
    "astronaut": ("astronaut.png", (0, 0, 512, 512),
                  "astronaut Eileen Collins; NASA Great Images database; public domain"),
    "coffee": ("coffee.png", (100, 0, 500, 400),
               "coffee cup; CC0 by the photographer (Rachel Michetti)"),
    "hubble": ("hubble_deep_field.jpg", (300, 300, 556, 556),
               "Hubble eXtreme Deep Field (a 256x256 crop); NASA; public domain"),
    "brick": ("brick.png", (0, 0, 512, 512),
              "brick wall; CC0Textures 'Bricks25'; CC0"),
    "gravel": ("gravel.png", (0, 0, 256, 256),
               "gravel (a 256x256 crop); CC0Textures 'Gravel04'; CC0"),
}


def read_sample(name: str, wheel: Path | None) -> bytes:
    """The bytes of ``skimage/data/<name>`` from the wheel, or from an installed skimage."""
    if wheel is not None:
        with zipfile.ZipFile(wheel) as archive:
            return archive.read(f"skimage/data/{name}")
    spec = importlib.util.find_spec("skimage")
    if spec is None or spec.origin is None:
        raise SystemExit("scikit-image is not installed: pass --wheel (see the docstring)")
    return (Path(spec.origin).parent / "data" / name).read_bytes()


def build(wheel: Path | None) -> dict:
    """{name: uint8 (128, 128, 3)} for every image, plus 'credits'."""
    from PIL import Image

    arrays = {}
    for key, (file_name, box, _) in IMAGES.items():
        image = Image.open(io.BytesIO(read_sample(file_name, wheel))).convert("RGB")
        image = image.crop(box).resize((SIZE, SIZE), Image.LANCZOS)
        arrays[key] = np.asarray(image, dtype=np.uint8)
    arrays["credits"] = np.array([f"{key}: {credit}" for key, (_, _, credit) in IMAGES.items()])
    return arrays


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=Path, default=None,
                        help="a scikit-image wheel (default: the installed scikit-image)")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true",
                        help="rebuild in memory and compare with --output; exit 1 if different")
    args = parser.parse_args(argv)
    payload = npz_bytes(build(args.wheel))
    if args.check:
        same = args.output.is_file() and args.output.read_bytes() == payload
        print(f"{'same' if same else 'DIFFERENT'}  {args.output.name}")
        return 0 if same else 1
    temp = args.output.with_name(args.output.name + ".part")
    temp.write_bytes(payload)
    temp.replace(args.output)
    print(f"{len(payload):,} bytes  {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
