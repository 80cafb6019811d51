"""Saving training curves, image grids and heat maps as PNG files.

Holds:
    plotting_available()                                   -- True when matplotlib imports
    save_curves(path, curves, title=, xlabel=, ylabel=)    -- line plot of named series
    save_image_grid(path, images, labels=None, ncols=8)    -- a grid of (N, H, W[, C]) images
    save_heatmap(path, matrix, row_labels=, col_labels=, title=)  -- a matrix as coloured cells

Each returns True when the file was written.  Curves need matplotlib (``pip install
minigrad[plot]``): without it ``save_curves`` returns False silently, so examples can call it
unconditionally.  Image grids and heat maps are drawn with matplotlib when it is installed (with
titles and labels) and otherwise written by minigrad's own PNG writer (``png.py``: the pixels
only, without text), so they always produce a file.  Matplotlib figures are drawn on a private
Figure with the Agg canvas: no window opens, no global pyplot state changes, and the backend of
the caller's matplotlib is left alone.
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
from .png import tile_images, to_uint8, write_png

__all__ = ["plotting_available", "save_curves", "save_image_grid", "save_heatmap"]


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
    grid, each titled by its entry of ``labels`` (titles need matplotlib; without it the grid is
    written by minigrad's PNG writer, float images in [0, 1] as they are, others stretched from
    their minimum to their maximum)."""
    images = _numpy(images)
    if images.ndim == 4 and images.shape[1] in (1, 3) and images.shape[-1] not in (1, 3):
        images = images.transpose(0, 2, 3, 1)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim not in (3, 4):
        raise ValueError(f"save_image_grid: expected images of shape (N, H, W), (N, H, W, C) or "
                         f"(N, C, H, W), got {images.shape}")
    if not plotting_available():
        write_png(path, tile_images(to_uint8(images), ncols=ncols))
        return True
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


def _colour_map(values: np.ndarray) -> np.ndarray:
    """Values in [0, 1] (H, W) -> RGB uint8 (H, W, 3): dark blue through green to yellow."""
    anchors = np.array([[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98],
                        [253, 231, 37]], dtype=np.float64)
    position = np.clip(values, 0.0, 1.0) * (len(anchors) - 1)
    lower = np.minimum(np.floor(position).astype(int), len(anchors) - 2)
    fraction = (position - lower)[..., None]
    colours = anchors[lower] * (1.0 - fraction) + anchors[lower + 1] * fraction
    return np.round(colours).astype(np.uint8)


def save_heatmap(path: str | os.PathLike, matrix, row_labels: Sequence[str] | None = None,
                 col_labels: Sequence[str] | None = None, title: str = "",
                 cell_pixels: int = 16) -> bool:
    """Draw ``matrix`` (R, C) -- e.g. attention weights, one row per output token -- as coloured
    cells, rows labelled by ``row_labels`` and columns by ``col_labels``.  Without matplotlib the
    cells are written as ``cell_pixels``-wide squares by minigrad's PNG writer, without text."""
    matrix = _numpy(matrix).astype(np.float64)
    if matrix.ndim != 2:
        raise ValueError(f"save_heatmap: expected a matrix (R, C), got shape {matrix.shape}")
    rows, columns = matrix.shape
    if row_labels is not None and len(row_labels) != rows:
        raise ValueError(f"save_heatmap: {len(row_labels)} row labels for {rows} rows")
    if col_labels is not None and len(col_labels) != columns:
        raise ValueError(f"save_heatmap: {len(col_labels)} column labels for {columns} columns")
    if not plotting_available():
        low, high = float(matrix.min(initial=0.0)), float(matrix.max(initial=0.0))
        scaled = (matrix - low) / max(high - low, 1e-12)
        cells = np.repeat(np.repeat(scaled, cell_pixels, axis=0), cell_pixels, axis=1)
        write_png(path, _colour_map(cells))
        return True
    figure = _figure(min(1.0 + 0.45 * columns, 20.0), min(1.0 + 0.35 * rows, 20.0))
    axes = figure.add_subplot()
    image = axes.imshow(matrix, cmap="viridis", aspect="auto")
    figure.colorbar(image, ax=axes)
    axes.set_xticks(range(columns))
    axes.set_yticks(range(rows))
    if col_labels is not None:
        axes.set_xticklabels([str(label) for label in col_labels], rotation=60, ha="right",
                             fontsize=8)
    if row_labels is not None:
        axes.set_yticklabels([str(label) for label in row_labels], fontsize=8)
    axes.set_title(title)
    figure.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    return True
