"""Transforms: per-sample preprocessing and data augmentation for images.

Holds:
    Compose               -- apply transforms one after another
    ToTensor              -- uint8 image (H, W) or (H, W, C) -> float32 Tensor (C, H, W) in [0, 1]
    Normalize             -- (x - mean[c]) / std[c] for each channel c
    RandomHorizontalFlip  -- mirror left-right with probability p
    RandomCrop            -- zero-pad each side by ``padding``, then cut a random size x size window
    Resize                -- resample to a new height and width ('nearest' or 'bilinear')
    GaussianNoise         -- add N(mean, std^2) noise
    Lambda                -- wrap any function as a transform

Layout convention: a NumPy array is an image as datasets give it, (H, W) or (H, W, C); a Tensor
is what ToTensor made, (C, H, W) -- more generally (..., H, W).  Every transform returns the
same kind it was given (array in, array out; Tensor in, Tensor out), except ToTensor.
Random transforms draw from the seeded CPU generator (``minigrad.manual_seed``) unless a
``numpy.random.Generator`` is passed as ``generator``.  Transforms prepare data; they record
no autograd graph.

>>> import numpy as np
>>> import minigrad
>>> image = np.full((28, 28), 255, dtype=np.uint8)
>>> prepare = Compose([ToTensor(), Normalize((0.5,), (0.5,))])
>>> x = prepare(image)
>>> x.shape, x.dtype, float(x.max())
((1, 28, 28), dtype('float32'), 1.0)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .. import backend
from ..tensor import Tensor

__all__ = ["Compose", "ToTensor", "Normalize", "RandomHorizontalFlip", "RandomCrop", "Resize",
           "GaussianNoise", "Lambda"]


# ---------------------------------------------------------------------------------------------
# Helpers: arrays in and out, where the height and width axes are
# ---------------------------------------------------------------------------------------------


def _unwrap(image):
    """(array, was_tensor) for a Tensor or a NumPy/CuPy array."""
    if isinstance(image, Tensor):
        return image.data, True
    if isinstance(image, np.ndarray) or backend.is_cuda_array(image):
        return image, False
    raise TypeError(f"expected an image as a NumPy array or a Tensor, got {type(image).__name__}")


def _wrap(array, was_tensor: bool):
    return Tensor._from_op(array, None, 0) if was_tensor else array


def _hw_axes(array, was_tensor: bool, what: str) -> tuple[int, int]:
    """The height and width axes: (0, 1) for an (H, W[, C]) array, (-2, -1) for a Tensor."""
    if was_tensor:
        if array.ndim < 2:
            raise ValueError(f"{what}: expected a tensor of shape (..., H, W), got {array.shape}")
        return array.ndim - 2, array.ndim - 1
    if array.ndim not in (2, 3):
        raise ValueError(f"{what}: expected an array image of shape (H, W) or (H, W, C), "
                         f"got {array.shape}")
    return 0, 1


def _pair(size, what: str) -> tuple[int, int]:
    if isinstance(size, (int, np.integer)):
        size = (int(size), int(size))
    size = tuple(int(s) for s in size)
    if len(size) != 2 or min(size) < 1:
        raise ValueError(f"{what}: size must be a positive int or (height, width), got {size}")
    return size


def _generator(generator):
    return backend.generator("cpu") if generator is None else generator


# ---------------------------------------------------------------------------------------------
# Transforms
# ---------------------------------------------------------------------------------------------


class Compose:
    """Apply ``transforms`` in order: ``Compose([t1, t2])(x) == t2(t1(x))``."""

    def __init__(self, transforms: Sequence[Callable]):
        self.transforms = list(transforms)

    def __call__(self, image):
        for transform in self.transforms:
            image = transform(image)
        return image

    def __repr__(self) -> str:
        inner = ", ".join(repr(t) for t in self.transforms)
        return f"Compose([{inner}])"


class Lambda:
    """Use any function ``fn(image) -> image`` as a transform."""

    def __init__(self, fn: Callable):
        if not callable(fn):
            raise TypeError(f"Lambda expects a callable, got {type(fn).__name__}")
        self.fn = fn

    def __call__(self, image):
        return self.fn(image)

    def __repr__(self) -> str:
        return f"Lambda({getattr(self.fn, '__name__', 'fn')})"


class ToTensor:
    """An image array (H, W) or (H, W, C) -> float32 Tensor (C, H, W).

    uint8 pixels are divided by 255, so values land in [0, 1]; float arrays keep their values.
    """

    def __call__(self, image) -> Tensor:
        if isinstance(image, Tensor):
            raise TypeError("ToTensor: the image is already a Tensor")
        array, _ = _unwrap(image)
        _hw_axes(array, False, "ToTensor")
        xp = backend.get_array_module(array)
        if array.ndim == 2:
            array = array[:, :, None]
        chw = xp.ascontiguousarray(array.transpose(2, 0, 1))
        if chw.dtype == np.uint8:
            result = chw.astype(np.float32) / np.float32(255)
        elif chw.dtype.kind == "f":
            result = chw.astype(np.float32)
        else:
            raise TypeError(f"ToTensor: expected uint8 or float pixels, got {chw.dtype}")
        return Tensor._from_op(result, None, 0)

    def __repr__(self) -> str:
        return "ToTensor()"


class Normalize:
    """``(x - mean[c]) / std[c]`` for each channel c of a (C, H, W) Tensor (or (N, C, H, W)).

    One value for mean/std applies to every channel.
    """

    def __init__(self, mean: Sequence[float] | float, std: Sequence[float] | float):
        self.mean = tuple(float(m) for m in np.atleast_1d(mean))
        self.std = tuple(float(s) for s in np.atleast_1d(std))
        if len(self.mean) != len(self.std):
            raise ValueError(f"Normalize: mean {self.mean} and std {self.std} differ in length")
        if any(s == 0 for s in self.std):
            raise ValueError(f"Normalize: std must not contain 0, got {self.std}")

    def __call__(self, image):
        array, was_tensor = _unwrap(image)
        if not was_tensor:
            raise TypeError("Normalize expects a Tensor of shape (C, H, W): apply ToTensor first")
        if array.dtype.kind != "f":
            raise TypeError(f"Normalize expects a floating tensor, got {array.dtype}")
        if array.ndim < 3:
            raise ValueError(f"Normalize expects a tensor of shape (C, H, W), got {array.shape}")
        channels = array.shape[-3]
        if len(self.mean) not in (1, channels):
            raise ValueError(
                f"Normalize: {len(self.mean)} means for an image with {channels} channels "
                f"(shape {array.shape})"
            )
        xp = backend.get_array_module(array)
        mean = xp.asarray(self.mean, dtype=array.dtype).reshape(-1, 1, 1)
        std = xp.asarray(self.std, dtype=array.dtype).reshape(-1, 1, 1)
        return _wrap((array - mean) / std, True)

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean}, std={self.std})"


class RandomHorizontalFlip:
    """Mirror the image left-right (reverse the width axis) with probability ``p``."""

    def __init__(self, p: float = 0.5, generator=None):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"RandomHorizontalFlip: p must be in [0, 1], got {p}")
        self.p = float(p)
        self.generator = generator

    def __call__(self, image):
        array, was_tensor = _unwrap(image)
        _, w_axis = _hw_axes(array, was_tensor, "RandomHorizontalFlip")
        if _generator(self.generator).random() < self.p:
            xp = backend.get_array_module(array)
            array = xp.flip(array, axis=w_axis).copy()
        return _wrap(array, was_tensor)

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"


class RandomCrop:
    """Pad height and width by ``padding`` zeros on each side, then cut a random window.

    ``size`` is an int (square) or (height, width).  Every window position of the padded image
    is equally likely: top in [0, H + 2*padding - height], left likewise.
    """

    def __init__(self, size, padding: int = 0, fill: float = 0, generator=None):
        self.size = _pair(size, "RandomCrop")
        if padding < 0:
            raise ValueError(f"RandomCrop: padding must be >= 0, got {padding}")
        self.padding = int(padding)
        self.fill = fill
        self.generator = generator

    def __call__(self, image):
        array, was_tensor = _unwrap(image)
        h_axis, w_axis = _hw_axes(array, was_tensor, "RandomCrop")
        xp = backend.get_array_module(array)
        if self.padding:
            # a canvas of the padded size filled with `fill`, the image pasted in the middle
            # (what np.pad(mode="constant") does, several times faster on small images)
            p = self.padding
            padded_shape = list(array.shape)
            padded_shape[h_axis] += 2 * p
            padded_shape[w_axis] += 2 * p
            canvas = xp.full(padded_shape, self.fill, dtype=array.dtype)
            middle = [slice(None)] * array.ndim
            middle[h_axis] = slice(p, p + array.shape[h_axis])
            middle[w_axis] = slice(p, p + array.shape[w_axis])
            canvas[tuple(middle)] = array
            array = canvas
        height, width = array.shape[h_axis], array.shape[w_axis]
        crop_h, crop_w = self.size
        if crop_h > height or crop_w > width:
            raise ValueError(
                f"RandomCrop: crop size {self.size} is larger than the padded image "
                f"({height}, {width})"
            )
        generator = _generator(self.generator)
        top = int(generator.integers(0, height - crop_h + 1))
        left = int(generator.integers(0, width - crop_w + 1))
        window = [slice(None)] * array.ndim
        window[h_axis] = slice(top, top + crop_h)
        window[w_axis] = slice(left, left + crop_w)
        return _wrap(xp.ascontiguousarray(array[tuple(window)]), was_tensor)

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class Resize:
    """Resample the image to ``size``: an (height, width) pair, or an int for the shorter edge
    (the other edge keeps the aspect ratio, as in PyTorch).

    'nearest' takes pixel ``floor(i * in / out)``.  'bilinear' blends the 4 pixels around the
    source point ``(i + 0.5) * in / out - 0.5`` (pixel centres aligned, no antialiasing), and
    rounds back to uint8 when the input was uint8.
    """

    def __init__(self, size, interpolation: str = "bilinear"):
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(
                f"Resize: interpolation must be 'nearest' or 'bilinear', got {interpolation!r}"
            )
        if isinstance(size, (int, np.integer)):
            if size < 1:
                raise ValueError(f"Resize: size must be positive, got {size}")
            self.size = int(size)
        else:
            self.size = _pair(size, "Resize")
        self.interpolation = interpolation

    def _target(self, height: int, width: int) -> tuple[int, int]:
        if isinstance(self.size, tuple):
            return self.size
        if height <= width:
            return self.size, max(1, int(self.size * width / height))
        return max(1, int(self.size * height / width)), self.size

    def __call__(self, image):
        array, was_tensor = _unwrap(image)
        h_axis, w_axis = _hw_axes(array, was_tensor, "Resize")
        xp = backend.get_array_module(array)
        out_h, out_w = self._target(array.shape[h_axis], array.shape[w_axis])
        if self.interpolation == "nearest":
            rows = _nearest_index(xp, array.shape[h_axis], out_h)
            cols = _nearest_index(xp, array.shape[w_axis], out_w)
            result = xp.take(xp.take(array, rows, axis=h_axis), cols, axis=w_axis)
        else:
            result = _bilinear_axis(xp, array.astype(np.float64), out_h, h_axis)
            result = _bilinear_axis(xp, result, out_w, w_axis)
            if array.dtype == np.uint8:
                result = xp.clip(xp.rint(result), 0, 255)
            result = result.astype(array.dtype)
        return _wrap(xp.ascontiguousarray(result), was_tensor)

    def __repr__(self) -> str:
        return f"Resize(size={self.size}, interpolation={self.interpolation!r})"


def _nearest_index(xp, size_in: int, size_out: int):
    """Source index floor(i * in / out) for each output index i."""
    return (xp.arange(size_out) * size_in) // size_out


def _bilinear_axis(xp, array, size_out: int, axis: int):
    """Linear interpolation along one axis; bilinear = this along height, then width."""
    size_in = array.shape[axis]
    source = (xp.arange(size_out, dtype=np.float64) + 0.5) * (size_in / size_out) - 0.5
    source = xp.clip(source, 0, size_in - 1)
    lower = xp.floor(source).astype(np.int64)
    upper = xp.minimum(lower + 1, size_in - 1)
    weight_shape = [1] * array.ndim
    weight_shape[axis] = size_out
    weight = (source - lower).reshape(weight_shape)
    below = xp.take(array, lower, axis=axis)
    above = xp.take(array, upper, axis=axis)
    return below * (1 - weight) + above * weight


class GaussianNoise:
    """Add noise drawn from N(mean, std^2) to every element of a floating image."""

    def __init__(self, std: float = 0.1, mean: float = 0.0, generator=None):
        if std < 0:
            raise ValueError(f"GaussianNoise: std must be >= 0, got {std}")
        self.std = float(std)
        self.mean = float(mean)
        self.generator = generator

    def __call__(self, image):
        array, was_tensor = _unwrap(image)
        if array.dtype.kind != "f":
            raise TypeError(
                f"GaussianNoise expects floating pixels, got {array.dtype} (apply ToTensor first)"
            )
        noise = _generator(self.generator).standard_normal(array.shape)
        noise = (noise * self.std + self.mean).astype(array.dtype)
        noise = backend.to_device(noise, backend.device_of(array))
        return _wrap(array + noise, was_tensor)

    def __repr__(self) -> str:
        return f"GaussianNoise(std={self.std}, mean={self.mean})"
