"""Saving training curves and image grids as PNG files, when matplotlib is installed.

Holds:
    plotting_available()                                   -- True when matplotlib imports
    save_curves(path, curves, title=, xlabel=, ylabel=)    -- line plot of named series
    save_image_grid(path, images, labels=None, ncols=8)    -- a grid of (N, H, W[, C]) images

Both return True when the file was written and False -- silently, without raising -- when
matplotlib is not installed (``pip install minigrad[plot]`` adds it), so examples can call them
unconditionally.  They draw on a private Figure with the Agg canvas: no window opens, no global
pyplot state changes, and the backend of the caller's matplotlib is left alone.
"""

from __future__ import annotations

import importlib.util
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from .. import backend
from ..tensor import Tensor

__all__ = ["plotting_available", "save_curves", "save_image_grid"]


def plotting_available() -> bool:
    """True when matplotlib can be imported."""
    return importlib.util.find_spec("matplotlib") is not None


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    return figure


def _numpy(values) -> np.ndarray:
    """A Tensor, a NumPy/CuPy array or a list as a NumPy array on the host."""
    data = values.data if isinstance(values, Tensor) else values
    if backend.is_cuda_array(data):
        data = backend.to_device(data, "cpu")
    return np.asarray(data)


def save_curves(path: str | os.PathLike, curves: Mapping[str, Sequence[float]],
                title: str = "", xlabel: str = "epoch", ylabel: str = "") -> bool:
    """Plot each named series of ``curves`` (e.g. ``{"train loss": [...], "test loss": [...]}``)
    against 1, 2, 3, ... and save the figure to ``path``.  Returns False without matplotlib."""
    if not plotting_available():
        return False
    figure = _figure(6, 4)
    axes = figure.add_subplot()
    for name, values in curves.items():
        values = _numpy(values).reshape(-1)
        axes.plot(np.arange(1, len(values) + 1), values, marker="o", markersize=3, label=name)
    axes.set_title(title)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.grid(True, alpha=0.3)
    if curves:
        axes.legend()
    figure.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    return True


def save_image_grid(path: str | os.PathLike, images, labels: Sequence[str] | None = None,
                    ncols: int = 8) -> bool:
    """Save images (N, H, W), (N, H, W, C) or channels-first (N, C, H, W) with C in {1, 3} as a
    grid, each titled by its entry of ``labels``.  Returns False without matplotlib."""
    if not plotting_available():
        return False
    images = _numpy(images)
    if images.ndim == 4 and images.shape[1] in (1, 3) and images.shape[-1] not in (1, 3):
        images = images.transpose(0, 2, 3, 1)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim not in (3, 4):
        raise ValueError(f"save_image_grid: expected images of shape (N, H, W), (N, H, W, C) or "
                         f"(N, C, H, W), got {images.shape}")
    count = len(images)
    ncols = max(1, min(ncols, count))
    nrows = max(1, math.ceil(count / ncols))
    figure = _figure(1.3 * ncols, 1.5 * nrows)
    for i in range(count):
        axes = figure.add_subplot(nrows, ncols, i + 1)
        axes.imshow(images[i], cmap="gray" if images.ndim == 3 else None)
        axes.set_xticks([])
        axes.set_yticks([])
        if labels is not None:
            axes.set_title(str(labels[i]), fontsize=8)
    figure.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    return True
