"""plot helpers: PNG files through matplotlib when it is installed; without it curves are skipped
(False) and image grids / heat maps go through minigrad's own PNG writer."""

import importlib.util

import numpy as np
import pytest

import minigrad
from minigrad.utils import plot
from minigrad.utils.png import read_png

HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_without_matplotlib_curves_are_skipped(tmp_path, monkeypatch):
    monkeypatch.setattr(plot, "plotting_available", lambda: False)
    assert plot.save_curves(tmp_path / "c.png", {"loss": [1.0, 0.5]}) is False
    assert list(tmp_path.iterdir()) == []


def test_without_matplotlib_image_grid_uses_own_png_writer(tmp_path, monkeypatch):
    monkeypatch.setattr(plot, "plotting_available", lambda: False)
    images = np.zeros((3, 1, 4, 5))          # channels-first, values in [0, 1]
    images[1] = 1.0
    images[2, 0, 1, 2] = 0.5
    assert plot.save_image_grid(tmp_path / "g.png", images, ncols=2) is True
    grid = read_png(tmp_path / "g.png")
    # 2 columns, 2 rows of 4x5 images with a 2-pixel white border: (2*6+2, 2*7+2)
    assert grid.shape == (14, 16)
    assert (grid[2:6, 2:7] == 0).all()                  # image 0: black
    assert (grid[2:6, 9:14] == 255).all()               # image 1: white
    assert grid[8 + 1, 2 + 2] == 128                    # image 2: round(0.5 * 255)
    assert grid[0].tolist() == [255] * 16               # the border


def test_without_matplotlib_heatmap_cells(tmp_path, monkeypatch):
    monkeypatch.setattr(plot, "plotting_available", lambda: False)
    matrix = np.array([[0.0, 1.0, 0.5]])
    assert plot.save_heatmap(tmp_path / "h.png", matrix, cell_pixels=2) is True
    cells = read_png(tmp_path / "h.png")
    assert cells.shape == (2, 6, 3)
    assert cells[0, 0].tolist() == [68, 1, 84]          # the minimum: first colour anchor
    assert cells[1, 3].tolist() == [253, 231, 37]       # the maximum: last anchor
    assert cells[0, 4].tolist() == [33, 145, 140]       # halfway: the middle anchor


def test_heatmap_bad_input(tmp_path):
    with pytest.raises(ValueError, match=r"save_heatmap: expected a matrix \(R, C\), got shape"):
        plot.save_heatmap(tmp_path / "h.png", np.zeros(3))
    with pytest.raises(ValueError, match="save_heatmap: 1 row labels for 2 rows"):
        plot.save_heatmap(tmp_path / "h.png", np.zeros((2, 2)), row_labels=["a"])


@pytest.mark.skipif(not HAS_MATPLOTLIB, reason="matplotlib is not installed")
def test_heatmap_png_with_labels(tmp_path):
    path = tmp_path / "attention.png"
    weights = minigrad.tensor(np.random.default_rng(1).random((3, 4)))
    assert plot.save_heatmap(path, weights, row_labels=list("xyz"), col_labels=list("abcd"),
                             title="attention") is True
    assert path.read_bytes()[:8] == PNG_SIGNATURE


@pytest.mark.skipif(not HAS_MATPLOTLIB, reason="matplotlib is not installed")
def test_curves_png(tmp_path):
    path = tmp_path / "sub" / "curves.png"
    curves = {"train": [1.0, 0.5, 0.25], "test": minigrad.tensor([1.1, 0.7, 0.4])}
    assert plot.save_curves(path, curves, title="loss", ylabel="loss") is True
    assert path.read_bytes()[:8] == PNG_SIGNATURE


@pytest.mark.skipif(not HAS_MATPLOTLIB, reason="matplotlib is not installed")
@pytest.mark.parametrize("shape", [(5, 8, 8), (5, 1, 8, 8), (5, 3, 8, 8), (5, 8, 8, 3)])
def test_image_grid_png(tmp_path, shape):
    images = np.random.default_rng(0).random(shape)
    path = tmp_path / "grid.png"
    assert plot.save_image_grid(path, images, labels=list("abcde"), ncols=3) is True
    assert path.read_bytes()[:8] == PNG_SIGNATURE


@pytest.mark.skipif(not HAS_MATPLOTLIB, reason="matplotlib is not installed")
def test_image_grid_bad_shape(tmp_path):
    with pytest.raises(ValueError, match=r"save_image_grid: expected images .* got \(4,\)"):
        plot.save_image_grid(tmp_path / "g.png", np.zeros(4))
