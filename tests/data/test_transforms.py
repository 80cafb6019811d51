"""Transforms: shapes, value ranges, flips are flips, crops come from the padded image."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad
from minigrad.data import transforms as T

uint8_images = hnp.arrays(np.uint8, st.tuples(st.integers(1, 9), st.integers(1, 9)).flatmap(
    lambda hw: st.sampled_from([hw, hw + (1,), hw + (3,)])))


@given(image=uint8_images)
def test_to_tensor_layout_and_range(image):
    x = T.ToTensor()(image)
    assert isinstance(x, minigrad.Tensor) and x.dtype == np.float32
    height, width = image.shape[:2]
    channels = image.shape[2] if image.ndim == 3 else 1
    assert x.shape == (channels, height, width)
    values = x.numpy()
    assert values.min() >= 0.0 and values.max() <= 1.0
    for c in range(channels):  # pixel (c, i, j) of the tensor is pixel (i, j, c) of the image
        plane = image[:, :, c] if image.ndim == 3 else image
        np.testing.assert_allclose(values[c], plane / 255.0, rtol=1e-6)


def test_to_tensor_bad_input():
    with pytest.raises(ValueError, match=r"\(H, W\) or \(H, W, C\), got \(2, 2, 2, 2\)"):
        T.ToTensor()(np.zeros((2, 2, 2, 2), dtype=np.uint8))
    with pytest.raises(TypeError, match="uint8 or float pixels, got int64"):
        T.ToTensor()(np.zeros((2, 2), dtype=np.int64))
    with pytest.raises(TypeError, match="already a Tensor"):
        T.ToTensor()(minigrad.zeros(1, 2, 2))


def test_normalize_per_channel():
    rng = np.random.default_rng(0)
    x = rng.random((3, 4, 5)).astype(np.float32)
    mean, std = (0.1, 0.5, 0.9), (0.2, 0.3, 0.4)
    out = T.Normalize(mean, std)(minigrad.tensor(x)).numpy()
    for c in range(3):
        np.testing.assert_allclose(out[c], (x[c] - mean[c]) / std[c], rtol=1e-5)
    assert out.dtype == np.float32
    single = T.Normalize(0.5, 0.5)(minigrad.tensor(x)).numpy()
    np.testing.assert_allclose(single, (x - 0.5) / 0.5, rtol=1e-5)


def test_normalize_bad_input():
    with pytest.raises(ValueError, match="2 means for an image with 3 channels"):
        T.Normalize((0.1, 0.2), (1.0, 1.0))(minigrad.zeros(3, 2, 2))
    with pytest.raises(TypeError, match="apply ToTensor first"):
        T.Normalize(0.5, 0.5)(np.zeros((2, 2), dtype=np.uint8))
    with pytest.raises(ValueError, match="std must not contain 0"):
        T.Normalize(0.5, 0.0)


def test_horizontal_flip_is_a_mirror():
    image = np.arange(12, dtype=np.uint8).reshape(3, 4)
    flipped = T.RandomHorizontalFlip(p=1.0)(image)
    for j in range(4):
        np.testing.assert_array_equal(flipped[:, j], image[:, 3 - j])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=0.0)(image), image)
    # an (H, W, C) array flips along W, a (C, H, W) tensor along its last axis
    hwc = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(hwc), hwc[:, ::-1, :])
    chw = minigrad.tensor(np.arange(24.0).reshape(3, 2, 4))
    np.testing.assert_array_equal(T.RandomHorizontalFlip(1.0)(chw).numpy(),
                                  chw.numpy()[:, :, ::-1])


def test_horizontal_flip_probability_and_seed():
    image = np.arange(6, dtype=np.uint8).reshape(2, 3)
    flip = T.RandomHorizontalFlip(p=0.5)
    minigrad.manual_seed(0)
    first = [bool((flip(image) != image).any()) for _ in range(400)]
    minigrad.manual_seed(0)
    again = [bool((flip(image) != image).any()) for _ in range(400)]
    assert first == again
    assert 150 < sum(first) < 250  # about half (binomial sd = 10)


@given(height=st.integers(1, 6), width=st.integers(1, 6), padding=st.integers(0, 3),
       seed=st.integers(0, 1000), data=st.data())
def test_random_crop_is_a_window_of_the_padded_image(height, width, padding, seed, data):
    crop_h = data.draw(st.integers(1, height + 2 * padding))
    crop_w = data.draw(st.integers(1, width + 2 * padding))
    image = np.arange(1, height * width + 1, dtype=np.float32).reshape(height, width)
    padded = np.zeros((height + 2 * padding, width + 2 * padding), dtype=np.float32)
    padded[padding:padding + height, padding:padding + width] = image
    crop = T.RandomCrop((crop_h, crop_w), padding=padding,
                        generator=np.random.default_rng(seed))(image)
    assert crop.shape == (crop_h, crop_w)
    windows = [padded[top:top + crop_h, left:left + crop_w]
               for top in range(padded.shape[0] - crop_h + 1)
               for left in range(padded.shape[1] - crop_w + 1)]
    assert any(np.array_equal(crop, window) for window in windows)


def test_random_crop_reaches_every_position():
    image = np.arange(1, 5, dtype=np.uint8).reshape(2, 2)
    crop = T.RandomCrop(2, padding=1, generator=np.random.default_rng(0))
    tops_lefts = set()
    for _ in range(200):
        out = crop(image)
        # the padded image is 4x4 with the picture at rows/cols 1-2; locate the crop by its 1
        where = np.argwhere(out == 1)
        tops_lefts.add(tuple(where[0]) if len(where) else None)
    # a 2x2 window over a 4x4 image has 9 positions; 4 of them contain pixel 1 (at (1, 1)),
    # the other 5 show it as missing
    assert {(1, 1), (0, 1), (1, 0), (0, 0), None} == tops_lefts


def test_random_crop_on_tensor_keeps_channels():
    x = minigrad.rand(3, 8, 8)
    out = T.RandomCrop(6, padding=2)(x)
    assert out.shape == (3, 6, 6) and isinstance(out, minigrad.Tensor)
    with pytest.raises(ValueError, match=r"crop size \(9, 9\) is larger than the padded image"):
        T.RandomCrop(9)(np.zeros((8, 8)))


def test_resize_nearest_against_loops():
    image = np.arange(20, dtype=np.uint8).reshape(4, 5)
    out = T.Resize((7, 3), interpolation="nearest")(image)
    expected = np.empty((7, 3), dtype=np.uint8)
    for i in range(7):
        for j in range(3):
            expected[i, j] = image[i * 4 // 7, j * 5 // 3]
    np.testing.assert_array_equal(out, expected)


def _bilinear_reference(image, out_h, out_w):
    """Plain loops: sample at ((i + 0.5) * in / out - 0.5), clamped, 4-neighbour blend."""
    in_h, in_w = image.shape
    out = np.empty((out_h, out_w))
    for i in range(out_h):
        y = min(max((i + 0.5) * in_h / out_h - 0.5, 0), in_h - 1)
        y0 = int(np.floor(y))
        y1 = min(y0 + 1, in_h - 1)
        for j in range(out_w):
            x = min(max((j + 0.5) * in_w / out_w - 0.5, 0), in_w - 1)
            x0 = int(np.floor(x))
            x1 = min(x0 + 1, in_w - 1)
            wy, wx = y - y0, x - x0
            out[i, j] = ((1 - wy) * (1 - wx) * image[y0, x0] + (1 - wy) * wx * image[y0, x1]
                         + wy * (1 - wx) * image[y1, x0] + wy * wx * image[y1, x1])
    return out


@given(image=hnp.arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 6)),
                        elements=st.floats(0, 1)),
       out_h=st.integers(1, 8), out_w=st.integers(1, 8))
def test_resize_bilinear_against_loops(image, out_h, out_w):
    out = T.Resize((out_h, out_w))(image)
    np.testing.assert_allclose(out, _bilinear_reference(image, out_h, out_w), atol=1e-12)


def test_resize_keeps_dtype_layout_and_constant_images():
    flat = np.full((5, 7, 3), 200, dtype=np.uint8)
    out = T.Resize((10, 4))(flat)
    assert out.dtype == np.uint8 and out.shape == (10, 4, 3) and (out == 200).all()
    tensor = T.Resize(14)(minigrad.ones(1, 28, 56))  # int: the shorter edge, aspect kept
    assert tensor.shape == (1, 14, 28)
    with pytest.raises(ValueError, match="'nearest' or 'bilinear', got 'cubic'"):
        T.Resize(4, interpolation="cubic")


def test_gaussian_noise_statistics_and_seed():
    x = minigrad.zeros(1, 100, 100)
    minigrad.manual_seed(1)
    noisy = T.GaussianNoise(std=0.5)(x).numpy()
    minigrad.manual_seed(1)
    np.testing.assert_array_equal(T.GaussianNoise(std=0.5)(x).numpy(), noisy)
    assert noisy.dtype == np.float32
    # 10,000 draws: the sample mean is within 5 standard errors (0.025) of 0, the std near 0.5
    assert abs(noisy.mean()) < 0.025
    assert abs(noisy.std() - 0.5) < 0.02
    with pytest.raises(TypeError, match="floating pixels, got uint8"):
        T.GaussianNoise(0.1)(np.zeros((2, 2), dtype=np.uint8))


def test_compose_applies_in_order_and_reprs():
    pipeline = T.Compose([T.ToTensor(), T.Lambda(lambda x: x * 2), T.Normalize(1.0, 1.0)])
    out = pipeline(np.full((2, 2), 255, dtype=np.uint8)).numpy()
    np.testing.assert_allclose(out, np.full((1, 2, 2), 1.0))  # (255/255 * 2 - 1) / 1
    assert repr(pipeline).startswith("Compose([ToTensor(), Lambda(<lambda>), Normalize(")
