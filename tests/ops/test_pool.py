"""max_pool2d, avg_pool2d, adaptive pools, max_unpool2d and interpolate (minigrad/ops/pool.py).

References loop over every output and every window element, from the definitions.
"""

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import minigrad
from minigrad.ops.pool import (
    adaptive_avg_pool2d,
    adaptive_max_pool2d,
    avg_pool2d,
    interpolate,
    max_pool2d,
    max_unpool2d,
    pool_output_size,
)
from minigrad.utils import gradcheck, gradgradcheck
from tests.harness import OpCase, assert_close, check_op, devices, make_distinct
from tests.strategies import arrays

# ---------------------------------------------------------------------------------------------
# References
# ---------------------------------------------------------------------------------------------


def reference_output_size(size, k, s, p, d, ceil_mode):
    """PyTorch's documented formula, written out independently."""
    value = (size + 2 * p - d * (k - 1) - 1) / s
    out = (math.ceil(value) if ceil_mode else math.floor(value)) + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def reference_max_pool(x, k, s, p, d, ceil_mode):
    """Max and flat argmax (first on ties) over every window; padding never wins."""
    batch, channels, height, width = x.shape
    out_h = reference_output_size(height, k[0], s[0], p[0], d[0], ceil_mode)
    out_w = reference_output_size(width, k[1], s[1], p[1], d[1], ceil_mode)
    y = np.zeros((batch, channels, out_h, out_w))
    index = np.zeros((batch, channels, out_h, out_w), dtype=np.int64)
    for n in range(batch):
        for c in range(channels):
            for i in range(out_h):
                for j in range(out_w):
                    best, where = -np.inf, -1
                    for a in range(k[0]):
                        for b in range(k[1]):
                            row, col = i * s[0] + a * d[0] - p[0], j * s[1] + b * d[1] - p[1]
                            if 0 <= row < height and 0 <= col < width and x[n, c, row, col] > best:
                                best, where = x[n, c, row, col], row * width + col
                    y[n, c, i, j], index[n, c, i, j] = best, where
    return y, index


def reference_avg_pool(x, k, s, p, ceil_mode, count_include_pad, divisor_override):
    batch, channels, height, width = x.shape
    out_h = reference_output_size(height, k[0], s[0], p[0], 1, ceil_mode)
    out_w = reference_output_size(width, k[1], s[1], p[1], 1, ceil_mode)
    y = np.zeros((batch, channels, out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            h0, w0 = i * s[0] - p[0], j * s[1] - p[1]
            h1, w1 = min(h0 + k[0], height + p[0]), min(w0 + k[1], width + p[1])
            with_pad = (h1 - h0) * (w1 - w0)
            h0, w0, h1, w1 = max(h0, 0), max(w0, 0), min(h1, height), min(w1, width)
            total = x[:, :, h0:h1, w0:w1].sum(axis=(2, 3))
            if divisor_override:
                divisor = divisor_override
            else:
                divisor = with_pad if count_include_pad else (h1 - h0) * (w1 - w0)
            y[:, :, i, j] = total / divisor
    return y


def reference_adaptive(x, out, reduce):
    batch, channels, height, width = x.shape
    y = np.zeros((batch, channels) + out)
    for i in range(out[0]):
        for j in range(out[1]):
            h0, h1 = (i * height) // out[0], math.ceil((i + 1) * height / out[0])
            w0, w1 = (j * width) // out[1], math.ceil((j + 1) * width / out[1])
            y[:, :, i, j] = reduce(x[:, :, h0:h1, w0:w1], axis=(2, 3))
    return y


# ---------------------------------------------------------------------------------------------
# max_pool2d
# ---------------------------------------------------------------------------------------------


@st.composite
def pool_problems(draw, dilate=True):
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 2)))
    p = (draw(st.integers(0, k[0] // 2)), draw(st.integers(0, k[1] // 2)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if dilate else (1, 1)
    ceil_mode = draw(st.booleans())
    height = draw(st.integers(max(1, d[0] * (k[0] - 1) + 1 - 2 * p[0]), 6))
    width = draw(st.integers(max(1, d[1] * (k[1] - 1) + 1 - 2 * p[1]), 6))
    x = draw(arrays((draw(st.integers(1, 2)), draw(st.integers(1, 2)), height, width)))
    return x, k, s, p, d, ceil_mode


@pytest.mark.parametrize("device", devices())
@given(problem=pool_problems(), data=st.data())
def test_max_pool2d_against_loops_with_gradients(device, problem, data):
    x, k, s, p, d, ceil_mode = problem
    x = make_distinct(x)  # no ties: the argmax (and the gradient) is unique
    # a window of padding only gives -inf, where finite differences mean nothing; such windows
    # have their own test (test_max_pool2d_window_of_padding_only_...)
    assume((reference_max_pool(x, k, s, p, d, ceil_mode)[1] >= 0).all())

    def op(t):
        return max_pool2d(t, k, s, p, d, ceil_mode)

    def reference(a):
        return reference_max_pool(a, k, s, p, d, ceil_mode)[0]

    check_op(OpCase(f"max_pool2d {k} {s} {p} {d} {ceil_mode}", op, reference, st.just((x,)),
                    distinct=True), data, device)
    y, index = max_pool2d(minigrad.tensor(x), k, s, p, d, ceil_mode, return_indices=True)
    np.testing.assert_array_equal(index.numpy(), reference_max_pool(x, k, s, p, d,
                                                                   ceil_mode)[1])
    assert index.dtype == minigrad.int64


def test_max_pool2d_window_of_padding_only_gives_minus_infinity_and_no_gradient():
    # width 2, padding 1, dilation 3: the one window reads columns -1 and 2, both padding
    x = minigrad.tensor([[[[1.0, 2.0]]]], dtype=minigrad.float64, requires_grad=True)
    y, index = max_pool2d(x, (1, 2), 1, (0, 1), (1, 3), return_indices=True)
    assert y.tolist() == [[[[-np.inf]]]] and index.tolist() == [[[[-1]]]]
    y.sum().backward()
    assert x.grad.tolist() == [[[[0.0, 0.0]]]]
    assert max_unpool2d(y, index, (1, 2), 1, (0, 1), output_size=(1, 2)).tolist() == \
        [[[[0.0, 0.0]]]]


def test_max_pool2d_window_of_minus_infinity_never_picks_padding():
    # the first window reads padding, then x[0] = -inf: the input position wins, not the padding
    x = minigrad.tensor([[[[-np.inf, 3.0, -np.inf]]]], dtype=minigrad.float64,
                        requires_grad=True)
    y, index = max_pool2d(x, (1, 2), 1, (0, 1), return_indices=True)
    assert y.tolist() == [[[[-np.inf, 3.0, 3.0, -np.inf]]]]
    assert index.tolist() == [[[[0, 1, 1, 2]]]]
    y.backward(minigrad.ones_like(y))
    assert x.grad.tolist() == [[[[1.0, 2.0, 1.0]]]]


def test_max_pool2d_gradient_goes_to_the_argmax_and_accumulates():
    x = minigrad.tensor([[[[1.0, 5.0, 2.0], [0.0, 3.0, 4.0]]]], requires_grad=True)
    # overlapping windows (stride 1): 5.0 wins both windows that contain it
    max_pool2d(x, (2, 2), stride=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[[[0.0, 2.0, 0.0], [0.0, 0.0, 0.0]]]])


def test_max_pool2d_default_stride_is_kernel_and_shapes():
    x = minigrad.zeros(2, 3, 28, 28)
    assert max_pool2d(x, 2).shape == (2, 3, 14, 14)
    assert max_pool2d(minigrad.zeros(3, 5, 5), 2, ceil_mode=True).shape == (3, 3, 3)
    for size, k, s, p, d, ceil_mode in [(5, 2, 2, 0, 1, True), (7, 3, 2, 1, 2, True),
                                        (6, 3, 3, 1, 1, False), (10, 4, 3, 2, 1, True)]:
        assert pool_output_size(size, k, s, p, d, ceil_mode) == \
            reference_output_size(size, k, s, p, d, ceil_mode)


# ---------------------------------------------------------------------------------------------
# avg_pool2d
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("device", devices())
@given(problem=pool_problems(dilate=False), count_include_pad=st.booleans(),
       divisor_override=st.sampled_from([None, None, 3]), data=st.data())
def test_avg_pool2d_against_loops_with_gradients(device, problem, count_include_pad,
                                                 divisor_override, data):
    x, k, s, p, _, ceil_mode = problem

    def op(t):
        return avg_pool2d(t, k, s, p, ceil_mode, count_include_pad, divisor_override)

    def reference(a):
        return reference_avg_pool(a, k, s, p, ceil_mode, count_include_pad, divisor_override)

    check_op(OpCase(f"avg_pool2d {k} {s} {p} {ceil_mode} {count_include_pad}", op, reference,
                    st.just((x,))), data, device)


# ---------------------------------------------------------------------------------------------
# Adaptive pooling
# ---------------------------------------------------------------------------------------------


@st.composite
def adaptive_problems(draw):
    height, width = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    out = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    x = draw(arrays((draw(st.integers(1, 2)), 2, height, width)))
    return x, out


@pytest.mark.parametrize("device", devices())
@given(problem=adaptive_problems(), data=st.data())
def test_adaptive_avg_pool2d_against_loops(device, problem, data):
    x, out = problem
    check_op(OpCase(f"adaptive_avg_pool2d {out}", lambda t: adaptive_avg_pool2d(t, out),
                    lambda a: reference_adaptive(a, out, np.mean), st.just((x,))), data, device)


@pytest.mark.parametrize("device", devices())
@given(problem=adaptive_problems(), data=st.data())
def test_adaptive_max_pool2d_against_loops(device, problem, data):
    x, out = problem
    check_op(OpCase(f"adaptive_max_pool2d {out}", lambda t: adaptive_max_pool2d(t, out),
                    lambda a: reference_adaptive(a, out, np.max), st.just((x,)), distinct=True),
             data, device)


def test_adaptive_pools_none_keeps_size_and_indices():
    x = np.arange(30.0).reshape(1, 1, 5, 6)
    assert adaptive_avg_pool2d(minigrad.tensor(x), (2, None)).shape == (1, 1, 2, 6)
    y, index = adaptive_max_pool2d(minigrad.tensor(x), (2, 3), return_indices=True)
    # increasing values: each window's maximum is its bottom-right corner
    np.testing.assert_array_equal(index.numpy(), [[[[13, 15, 17], [25, 27, 29]]]])
    np.testing.assert_array_equal(y.numpy(), x.reshape(-1)[index.numpy()])


# ---------------------------------------------------------------------------------------------
# max_unpool2d
# ---------------------------------------------------------------------------------------------


@given(data=st.data())
def test_max_unpool2d_puts_values_back_and_gradients(data):
    x = make_distinct(data.draw(arrays((2, 2, 4, 6))))
    pooled, index = max_pool2d(minigrad.tensor(x), 2, return_indices=True)
    restored = max_unpool2d(pooled, index, 2)
    expected = np.zeros_like(x)
    for n in range(2):
        for c in range(2):
            for value, where in zip(pooled.numpy()[n, c].ravel(), index.numpy()[n, c].ravel()):
                expected[n, c].flat[where] = value
    assert_close(restored, expected)
    # with output_size, and differentiable twice
    values = minigrad.tensor(data.draw(arrays(pooled.shape)), requires_grad=True)
    gradcheck(lambda v: max_unpool2d(v, index, 2, output_size=(5, 7)), values)
    gradgradcheck(lambda v: max_unpool2d(v, index, 2, output_size=(5, 7)), values)


def test_max_pool2d_gradgradcheck():
    rng = np.random.default_rng(0)
    x = minigrad.tensor(make_distinct(rng.standard_normal((1, 2, 5, 5))), requires_grad=True)
    gradgradcheck(lambda t: max_pool2d(t, 3, 2, 1), x)
    gradgradcheck(lambda t: adaptive_max_pool2d(t, (2, 3)), x)
    gradgradcheck(lambda t: avg_pool2d(t, 3, 2, 1, ceil_mode=True), x)


# ---------------------------------------------------------------------------------------------
# interpolate
# ---------------------------------------------------------------------------------------------


def reference_nearest(x, out):
    """Output i copies input floor(i * in / out) (float32 arithmetic as in PyTorch)."""
    y = np.zeros(x.shape[:2] + out)
    for i in range(out[0]):
        for j in range(out[1]):
            row = min(int(np.floor(np.float32(i) * np.float32(x.shape[2] / out[0]))),
                      x.shape[2] - 1)
            col = min(int(np.floor(np.float32(j) * np.float32(x.shape[3] / out[1]))),
                      x.shape[3] - 1)
            y[:, :, i, j] = x[:, :, row, col]
    return y


def reference_bilinear(x, out, align_corners):
    """Each output mixes the four inputs around its source point (PyTorch's source formula)."""
    height, width = x.shape[2:]

    def source(i, size_in, size_out):
        if align_corners:
            return i * (size_in - 1) / (size_out - 1) if size_out > 1 else 0.0
        return max((i + 0.5) * size_in / size_out - 0.5, 0.0)

    y = np.zeros(x.shape[:2] + out)
    for i in range(out[0]):
        for j in range(out[1]):
            r, c = source(i, height, out[0]), source(j, width, out[1])
            r0, c0 = min(int(r), height - 1), min(int(c), width - 1)
            r1, c1 = min(r0 + 1, height - 1), min(c0 + 1, width - 1)
            fr, fc = r - r0, c - c0
            y[:, :, i, j] = ((1 - fr) * (1 - fc) * x[:, :, r0, c0] + (1 - fr) * fc * x[:, :, r0, c1]
                             + fr * (1 - fc) * x[:, :, r1, c0] + fr * fc * x[:, :, r1, c1])
    return y


@pytest.mark.parametrize("device", devices())
@given(size=st.tuples(st.integers(1, 4), st.integers(1, 4)),
       out=st.tuples(st.integers(1, 7), st.integers(1, 7)),
       mode=st.sampled_from(["nearest", "bilinear-aligned", "bilinear"]), data=st.data())
def test_interpolate_against_loops_with_gradients(device, size, out, mode, data):
    x = data.draw(arrays((1, 2) + size))
    if mode == "nearest":
        def op(t):
            return interpolate(t, size=out)

        def reference(a):
            return reference_nearest(a, out)
    else:
        aligned = mode == "bilinear-aligned"

        def op(t):
            return interpolate(t, size=out, mode="bilinear", align_corners=aligned)

        def reference(a):
            return reference_bilinear(a, out, aligned)
    check_op(OpCase(f"interpolate {mode} {size}->{out}", op, reference, st.just((x,))), data,
             device)


def test_interpolate_invariants():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 4, 5))
    # nearest with an integer factor repeats every pixel
    twice = interpolate(minigrad.tensor(x), scale_factor=2)
    assert_close(twice, x.repeat(2, axis=2).repeat(2, axis=3))
    # bilinear keeps constants constant and (align_corners) keeps the corners
    constant = interpolate(minigrad.full((1, 1, 3, 3), 2.5), size=(7, 4), mode="bilinear")
    assert_close(constant, np.full((1, 1, 7, 4), 2.5), np.float32)
    aligned = interpolate(minigrad.tensor(x), size=(9, 11), mode="bilinear",
                          align_corners=True).numpy()
    assert_close(aligned[:, :, ::8, ::10], x[:, :, ::3, ::4])
    # scale_factor: output size floor(in * scale), source scale 1 / scale_factor
    half = interpolate(minigrad.tensor(x), scale_factor=1.5, mode="bilinear")
    assert half.shape == (2, 3, 6, 7)
    # 1-D linear on (N, C, L)
    line = interpolate(minigrad.tensor([[[0.0, 4.0]]]), size=5, mode="linear",
                       align_corners=True)
    assert_close(line, [[[0.0, 1.0, 2.0, 3.0, 4.0]]], np.float32)


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------


def test_pooling_bad_inputs():
    with pytest.raises(ValueError, match=r"max_pool2d: expected a 3-D \(C, H, W\) or 4-D "
                                         r"\(N, C, H, W\) input, got input of shape \(4, 4\)"):
        max_pool2d(minigrad.zeros(4, 4), 2)
    with pytest.raises(ValueError, match=r"max_pool2d: padding \(2, 2\) should be at most half "
                                         r"of the kernel size \(3, 3\)"):
        max_pool2d(minigrad.zeros(1, 1, 8, 8), 3, padding=2)
    with pytest.raises(ValueError, match=r"avg_pool2d: kernel of size \(5, 5\) .* larger than "
                                         r"the input of size \(3, 3\)"):
        avg_pool2d(minigrad.zeros(1, 1, 3, 3), 5)
    with pytest.raises(ValueError, match=r"stride must be positive"):
        avg_pool2d(minigrad.zeros(1, 1, 3, 3), 2, stride=0)
    with pytest.raises(TypeError, match=r"max_pool2d: expected a floating point input"):
        max_pool2d(minigrad.zeros(1, 1, 4, 4, dtype=minigrad.int64), 2)
    with pytest.raises(ValueError, match=r"adaptive_avg_pool2d: output_size must be positive"):
        adaptive_avg_pool2d(minigrad.zeros(1, 1, 4, 4), (0, 2))
    y, index = max_pool2d(minigrad.zeros(1, 1, 4, 4), 2, return_indices=True)
    with pytest.raises(ValueError, match=r"max_unpool2d: indices must lie in \[-1, 4\)"):
        max_unpool2d(y, index, 2, output_size=(2, 2))
    with pytest.raises(ValueError, match=r"indices of shape \(1, 1, 2, 2\) do not match input "
                                         r"of shape \(1, 2, 2, 2\)"):
        max_unpool2d(minigrad.zeros(1, 2, 2, 2), index, 2)


def test_interpolate_bad_inputs():
    x = minigrad.zeros(1, 1, 4, 4)
    with pytest.raises(ValueError, match="give exactly one of size and scale_factor"):
        interpolate(x)
    with pytest.raises(ValueError, match="give exactly one of size and scale_factor"):
        interpolate(x, size=2, scale_factor=2)
    with pytest.raises(ValueError, match=r"mode must be one of"):
        interpolate(x, size=2, mode="bicubic")
    with pytest.raises(ValueError, match=r"mode 'bilinear' expects a 4-D input, got input of "
                                         r"shape \(1, 1, 4\)"):
        interpolate(minigrad.zeros(1, 1, 4), size=2, mode="bilinear")
    with pytest.raises(ValueError, match="align_corners can only be set"):
        interpolate(x, size=2, align_corners=True)
