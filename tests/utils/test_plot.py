"""plot helpers: PNG files when matplotlib is installed, a silent False when it is not."""

import importlib.util

import numpy as np
import pytest

import minigrad
from minigrad.utils import plot

HAS_MATPLOTLIB = importlib.util.find_spec("matplotlib") is not None
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_without_matplotlib_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(plot, "plotting_available", lambda: False)
    assert plot.save_curves(tmp_path / "c.png", {"loss": [1.0, 0.5]}) is False
    assert plot.save_image_grid(tmp_path / "g.png", np.zeros((2, 4, 4))) is False
    assert list(tmp_path.iterdir()) == []


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
