"""Tests of examples/dann.py (gradient reversal, the generated target domain, a --fast run) and
examples/style_transfer.py (Gram matrix, total variation, the bundled images, a --fast run).

The gradient reversal layer is not a smooth function of its input in the gradcheck sense (its
backward deliberately is not the derivative of its forward), so it is asserted exactly: forward
returns the input, backward returns -lambda times the incoming gradient.
"""

from __future__ import annotations

import importlib
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from minigrad.utils import gradcheck, gradgradcheck
from tests.strategies import arrays, shapes

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
if str(EXAMPLES_DIR) not in sys.path:
    sys.path.insert(0, str(EXAMPLES_DIR))


def example(name: str):
    """The module examples/<name>.py."""
    return importlib.import_module(name)


# ---------------------------------------------------------------------------------------------
# examples/dann.py: the gradient reversal layer
# ---------------------------------------------------------------------------------------------

def test_grad_reverse_is_identity_forward_and_negates_backward_exactly():
    dann = example("dann")
    rng = np.random.default_rng(0)
    values = rng.standard_normal((3, 4))
    upstream = rng.standard_normal((3, 4))
    x = minigrad.tensor(values, requires_grad=True)
    y = dann.grad_reverse(x, 0.7)
    assert y.dtype == x.dtype and y.shape == x.shape
    assert np.array_equal(y.detach().numpy(), values)
    y.backward(minigrad.tensor(upstream))
    assert np.array_equal(x.grad.numpy(), -0.7 * upstream)


def test_grad_reverse_keeps_float32_and_does_not_alias_its_input():
    dann = example("dann")
    x = minigrad.ones(2, 3, requires_grad=True)
    y = dann.grad_reverse(x, 1.0)
    assert y.dtype == minigrad.float32
    y.data[...] = 5.0
    assert np.array_equal(x.detach().numpy(), np.ones((2, 3), dtype=np.float32))


@given(values=arrays(shapes(min_dims=1, max_dims=3)),
       lambda_=st.floats(0.0, 4.0, allow_nan=False, allow_infinity=False))
def test_grad_reverse_property_any_shape_and_lambda(values, lambda_):
    dann = example("dann")
    x = minigrad.tensor(values, requires_grad=True)
    weights = np.arange(values.size, dtype=np.float64).reshape(values.shape) - 1.5
    y = dann.grad_reverse(x, lambda_)
    (y * minigrad.tensor(weights)).sum().backward()
    assert np.array_equal(y.detach().numpy(), values)
    # d/dx sum(w * y) through the layer is -lambda * w
    np.testing.assert_array_equal(x.grad.numpy(), weights * -lambda_)


def test_grad_reverse_second_derivative_is_reversed_too():
    dann = example("dann")
    x = minigrad.tensor([0.5, -2.0], dtype=minigrad.float64, requires_grad=True)
    # f = sum(y^2) with y = grad_reverse(x, lambda): the first derivative is -lambda * 2y ...
    (first,) = minigrad.grad((dann.grad_reverse(x, 3.0) ** 2).sum(), x, create_graph=True)
    np.testing.assert_array_equal(first.detach().numpy(), [-3.0, 12.0])
    # ... and it still depends on x through y, so differentiating it again passes the layer
    # a second time: d/dx sum(-2 lambda y) = -2 lambda * (-lambda) = 2 lambda^2 = 18
    (second,) = minigrad.grad(first.sum(), x)
    np.testing.assert_array_equal(second.numpy(), [18.0, 18.0])


def test_gradcheck_sees_the_reversal():
    # In value grad_reverse(x) = x, so finite differences give d/dx = +1 while autograd reports
    # -lambda: gradcheck must reject it (the layer is not its own derivative, by design).
    dann = example("dann")
    x = minigrad.tensor([0.3, -1.2, 2.0], dtype=minigrad.float64, requires_grad=True)
    assert not gradcheck(lambda t: dann.grad_reverse(t, 0.5), x, raise_exception=False)
    assert gradcheck(lambda t: t * 1.0, x)


def test_grad_reverse_rejects_bad_inputs():
    dann = example("dann")
    x = minigrad.ones(2)
    with pytest.raises(TypeError, match="grad_reverse: expected a Tensor, got list"):
        dann.grad_reverse([1.0, 2.0], 1.0)
    with pytest.raises(TypeError, match="grad_reverse: lambda_ must be a number, got str"):
        dann.grad_reverse(x, "1")
    with pytest.raises(ValueError, match=r"lambda_ must be finite and >= 0, got -0\.5"):
        dann.grad_reverse(x, -0.5)
    with pytest.raises(ValueError, match="grad_reverse: lambda_ must be finite and >= 0, got nan"):
        dann.grad_reverse(x, float("nan"))


def test_lambda_schedule_follows_ganin():
    dann = example("dann")
    assert dann.lambda_schedule(0.0) == 0.0
    for p in (0.1, 0.5, 1.0):
        assert dann.lambda_schedule(p) == pytest.approx(2 / (1 + math.exp(-10 * p)) - 1,
                                                        rel=1e-15)
    values = [dann.lambda_schedule(p / 10) for p in range(11)]
    assert all(a < b for a, b in zip(values, values[1:]))
    assert 0.999 < values[-1] < 1.0


# ---------------------------------------------------------------------------------------------
# examples/dann.py: the target domain
# ---------------------------------------------------------------------------------------------

def test_textures_are_deterministic_colour_images_in_unit_range():
    dann = example("dann")
    first = dann.make_textures(np.random.default_rng(3), count=3, size=32)
    again = dann.make_textures(np.random.default_rng(3), count=3, size=32)
    other = dann.make_textures(np.random.default_rng(4), count=3, size=32)
    assert first.shape == (3, 3, 32, 32) and first.dtype == np.float32
    assert first.min() >= 0.0 and first.max() <= 1.0
    assert np.array_equal(first, again) and not np.array_equal(first, other)
    # colour: the three channels of a texture differ
    assert np.abs(first[:, 0] - first[:, 1]).mean() > 0.01


def test_blend_is_absolute_difference_with_a_texture_window():
    dann = example("dann")
    rng = np.random.default_rng(0)
    textures = rng.uniform(size=(2, 3, 30, 30)).astype(np.float32)
    digits = np.zeros((5, 28, 28), dtype=np.float32)
    digits[:, 10:18, 12:16] = 1.0
    out = dann.blend_over_textures(digits, textures, np.random.default_rng(1))
    assert out.shape == (5, 3, 28, 28) and out.dtype == np.float32
    for image, digit in zip(out, digits):
        # undo |crop - digit| where the digit is 0 (crop) and 1 (1 - crop), then find the crop
        crop = np.where(digit[None] > 0.5, 1.0 - image, image)
        windows = [textures[t, :, top:top + 28, left:left + 28]
                   for t in range(2) for top in range(3) for left in range(3)]
        assert any(np.allclose(crop, window, atol=1e-6) for window in windows)


# ---------------------------------------------------------------------------------------------
# examples/dann.py: --fast runs
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("adversarial", [False, True])
def test_dann_fast_run(adversarial, tmp_path):
    flags = ["--fast", "--out", str(tmp_path)] + (["--adversarial"] if adversarial else [])
    result = example("dann").main(flags)
    assert result["adversarial"] is adversarial
    for key in ("initial_target_acc", "source_acc", "target_acc", "domain_acc"):
        assert 0.0 <= result[key] <= 1.0, key
    for key in ("initial_source_loss", "source_loss", "class_loss", "domain_loss"):
        assert math.isfinite(result[key]), key
    assert result["source_loss"] < result["initial_source_loss"]
    if adversarial:
        # the domain classifier starts at chance: binary cross-entropy near ln 2
        assert 0.3 < result["domain_loss"] < 1.5
    else:
        assert result["domain_loss"] == 0.0
    name = "dann_adversarial" if adversarial else "dann_source_only"
    # image grids are written with or without matplotlib
    assert (tmp_path / f"{name}_target_samples.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ---------------------------------------------------------------------------------------------
# examples/style_transfer.py
# ---------------------------------------------------------------------------------------------

def test_gram_matrix_matches_plain_numpy():
    style = example("style_transfer")
    rng = np.random.default_rng(0)
    features = rng.standard_normal((2, 3, 4, 5))
    gram = style.gram_matrix(minigrad.tensor(features)).numpy()
    expected = np.zeros((2, 3, 3))
    for n in range(2):
        for i in range(3):
            for j in range(3):
                expected[n, i, j] = np.sum(features[n, i] * features[n, j]) / 20
    np.testing.assert_allclose(gram, expected, rtol=1e-12, atol=1e-14)
    assert style.gram_matrix(minigrad.tensor(features, dtype=minigrad.float32)).dtype \
        == minigrad.float32


def test_gram_matrix_gradients():
    style = example("style_transfer")
    features = minigrad.randn(1, 2, 3, 3, dtype=minigrad.float64, requires_grad=True)
    assert gradcheck(style.gram_matrix, features)
    assert gradgradcheck(style.gram_matrix, features)


@given(values=arrays(st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(1, 3),
                               st.integers(1, 3))))
def test_gram_matrix_property_symmetric_positive_semidefinite(values):
    style = example("style_transfer")
    gram = style.gram_matrix(minigrad.tensor(values)).numpy()
    n, c, h, w = values.shape
    assert gram.shape == (n, c, c)
    np.testing.assert_allclose(gram, gram.transpose(0, 2, 1), atol=1e-12)
    for matrix in gram:
        assert np.linalg.eigvalsh(matrix).min() > -1e-9
    # the trace is the mean squared activation, summed over channels
    flat = values.reshape(n, c, h * w)
    np.testing.assert_allclose(np.trace(gram, axis1=1, axis2=2),
                               (flat ** 2).sum(axis=(1, 2)) / (h * w), rtol=1e-10, atol=1e-12)


def test_gram_matrix_rejects_wrong_rank():
    style = example("style_transfer")
    with pytest.raises(ValueError, match=r"gram_matrix: expected features \(N, C, H, W\), got "
                                         r"shape \(3, 4\)"):
        style.gram_matrix(minigrad.ones(3, 4))


def test_total_variation_matches_plain_numpy_and_gradcheck():
    style = example("style_transfer")
    rng = np.random.default_rng(1)
    image = rng.uniform(size=(1, 2, 3, 4))
    across = image[..., 1:] - image[..., :-1]
    down = image[..., 1:, :] - image[..., :-1, :]
    expected = (across ** 2).mean() + (down ** 2).mean()
    assert style.total_variation(minigrad.tensor(image)).item() == pytest.approx(expected,
                                                                                 rel=1e-12)
    x = minigrad.tensor(image, requires_grad=True)
    assert gradcheck(style.total_variation, x)


def test_bundled_images_load_in_unit_range():
    style = example("style_transfer")
    for name in style.IMAGE_NAMES:
        image = style.load_image(name, size=32)
        assert image.shape == (1, 3, 32, 32) and image.dtype == minigrad.float32
        assert 0.0 <= image.numpy().min() and image.numpy().max() <= 1.0
    full = style.load_image("chelsea").numpy()
    small = style.load_image("chelsea", size=64).numpy()
    # shrinking averages 2x2 blocks
    np.testing.assert_allclose(small[0, 1, 3, 5], full[0, 1, 6:8, 10:12].mean(), rtol=1e-6)


def test_load_image_rejects_unknown_names_and_sizes():
    style = example("style_transfer")
    with pytest.raises(ValueError, match="unknown image 'mona'; the bundled ones are chelsea"):
        style.load_image("mona")
    with pytest.raises(ValueError, match="--size must divide 128, got 100"):
        style.load_image("chelsea", size=100)


def test_style_transfer_fast_lowers_both_losses(tmp_path):
    # equal weights: at 32x32 the default style weight pulls the content loss up
    result = example("style_transfer").main(["--fast", "--style-weight", "1", "--tv-weight", "1",
                                             "--out", str(tmp_path)])
    assert result["content_loss"] < result["initial_content_loss"]
    assert result["style_loss"] < result["initial_style_loss"]
    assert 0.0 < result["content_ratio"] < 1.0 and 0.0 < result["style_ratio"] < 1.0
    assert (result["content"], result["style"]) == ("chelsea", "coffee")
    grid = tmp_path / "style_transfer_chelsea_coffee.png"
    assert grid.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
