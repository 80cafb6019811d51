"""conv2d, conv_transpose2d, conv1d, conv2d_weight and im2col/col2im (minigrad/ops/conv.py).

References are direct nested loops over every output (and kernel) position, written from the
definition -- never the im2col code under test.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from minigrad.ops.conv import (
    ConvGeometry,
    col2im,
    conv1d,
    conv2d,
    conv2d_weight,
    conv_output_size,
    conv_transpose2d,
    conv_transpose_output_size,
    im2col,
)
from minigrad.utils import gradcheck, gradgradcheck
from tests.harness import OpCase, assert_close, check_op, devices
from tests.strategies import arrays

# ---------------------------------------------------------------------------------------------
# References
# ---------------------------------------------------------------------------------------------


def reference_conv2d(x, w, b=None, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1),
                     groups=1):
    """y[n,o,i,j] = b[o] + sum_{c,a,b} w[o,c,a,b] x[n, g*C/G + c, i*sh + a*dh - top, ...]."""
    batch, channels, height, width = x.shape
    out_channels, group_in, kh, kw = w.shape
    top, bottom, left, right = padding
    (sh, sw), (dh, dw) = stride, dilation
    out_h = (height + top + bottom - dh * (kh - 1) - 1) // sh + 1
    out_w = (width + left + right - dw * (kw - 1) - 1) // sw + 1
    group_out = out_channels // groups
    y = np.zeros((batch, out_channels, out_h, out_w))
    for n in range(batch):
        for o in range(out_channels):
            first = (o // group_out) * group_in
            for i in range(out_h):
                for j in range(out_w):
                    total = 0.0 if b is None else b[o]
                    for c in range(group_in):
                        for a in range(kh):
                            for e in range(kw):
                                row = i * sh + a * dh - top
                                col = j * sw + e * dw - left
                                if 0 <= row < height and 0 <= col < width:
                                    total += w[o, c, a, e] * x[n, first + c, row, col]
                    y[n, o, i, j] = total
    return y


def reference_conv_transpose2d(x, w, b=None, stride=(1, 1), padding=(0, 0),
                               output_padding=(0, 0), dilation=(1, 1), groups=1):
    """Every input value x[n,c,h,w] times the kernel w[c, o] added at (h*sh + a*dh - ph, ...)."""
    batch, in_channels, height, width = x.shape
    _, group_out, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    out_h = (height - 1) * sh - 2 * ph + dh * (kh - 1) + output_padding[0] + 1
    out_w = (width - 1) * sw - 2 * pw + dw * (kw - 1) + output_padding[1] + 1
    group_in = in_channels // groups
    y = np.zeros((batch, group_out * groups, out_h, out_w))
    for n in range(batch):
        for c in range(in_channels):
            first = (c // group_in) * group_out
            for h in range(height):
                for v in range(width):
                    for o in range(group_out):
                        for a in range(kh):
                            for e in range(kw):
                                row = h * sh + a * dh - ph
                                col = v * sw + e * dw - pw
                                if 0 <= row < out_h and 0 <= col < out_w:
                                    y[n, first + o, row, col] += x[n, c, h, v] * w[c, o, a, e]
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y


# ---------------------------------------------------------------------------------------------
# Problems drawn by hypothesis (small: the references are loops, gradcheck is exhaustive)
# ---------------------------------------------------------------------------------------------


@st.composite
def conv_problems(draw, max_side=6):
    groups = draw(st.sampled_from([1, 1, 2]))
    group_in, group_out = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 1)))
    # an input at least as large as the dilated kernel minus the padding
    height = draw(st.integers(max(1, dilation[0] * (kh - 1) + 1 - 2 * padding[0]), max_side))
    width = draw(st.integers(max(1, dilation[1] * (kw - 1) + 1 - 2 * padding[1]), max_side))
    batch = draw(st.integers(1, 2))
    x = draw(arrays((batch, group_in * groups, height, width)))
    w = draw(arrays((group_out * groups, group_in, kh, kw)))
    b = draw(st.none() | arrays((group_out * groups,)))
    params = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    return x, w, b, params


@st.composite
def conv_transpose_problems(draw, max_side=4):
    groups = draw(st.sampled_from([1, 1, 2]))
    group_in, group_out = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    height, width = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    # keep the output non-empty: (H-1)*s + d*(k-1) + op + 1 - 2p >= 1
    pad_h = draw(st.integers(0, ((height - 1) * stride[0] + dilation[0] * (kh - 1)
                                 + output_padding[0]) // 2))
    pad_w = draw(st.integers(0, ((width - 1) * stride[1] + dilation[1] * (kw - 1)
                                 + output_padding[1]) // 2))
    batch = draw(st.integers(1, 2))
    x = draw(arrays((batch, group_in * groups, height, width)))
    w = draw(arrays((group_in * groups, group_out, kh, kw)))
    b = draw(st.none() | arrays((group_out * groups,)))
    params = dict(stride=stride, padding=(pad_h, pad_w), output_padding=output_padding,
                  dilation=dilation, groups=groups)
    return x, w, b, params


def _with_optional_bias(function, reference, b, params, reference_params=None):
    """(op, reference) taking (x, w) or (x, w, b), for the harness."""
    reference_params = params if reference_params is None else reference_params
    if b is None:
        return (lambda x, w: function(x, w, None, **params),
                lambda x, w: reference(x, w, None, **reference_params))
    return (lambda x, w, bias: function(x, w, bias, **params),
            lambda x, w, bias: reference(x, w, bias, **reference_params))


# ---------------------------------------------------------------------------------------------
# conv2d
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("device", devices())
@given(problem=conv_problems(), data=st.data())
def test_conv2d_against_loops_with_gradients(device, problem, data):
    """Forward (float64 and float32), gradcheck and gradgradcheck of input, weight and bias."""
    x, w, b, params = problem
    pad_h, pad_w = params["padding"]
    op, reference = _with_optional_bias(conv2d, reference_conv2d, b, params,
                                        dict(params, padding=(pad_h, pad_h, pad_w, pad_w)))
    inputs = (x, w) if b is None else (x, w, b)
    case = OpCase(f"conv2d {params}", op, reference, st.just(inputs))
    check_op(case, data, device)


def test_conv2d_output_shape_follows_pytorch_formula():
    for (h, k, s, p, d) in [(28, 5, 1, 2, 1), (32, 3, 2, 1, 1), (7, 3, 3, 0, 2), (10, 4, 3, 2, 2)]:
        x = minigrad.zeros(1, 1, h, h + 1)
        w = minigrad.zeros(2, 1, k, k)
        expected = [(n + 2 * p - d * (k - 1) - 1) // s + 1 for n in (h, h + 1)]
        assert conv2d(x, w, stride=s, padding=p, dilation=d).shape == (1, 2, *expected)
        assert conv_output_size(h, k, s, p, d) == expected[0]


def test_conv2d_same_and_valid_padding():
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((2, 3, 6, 7)), rng.standard_normal((4, 3, 4, 3))
    same = conv2d(minigrad.tensor(x), minigrad.tensor(w), padding="same", dilation=(1, 2))
    assert same.shape == (2, 4, 6, 7)
    # PyTorch pads d*(k-1) in total, the odd extra at the end: rows (1, 2), columns (2, 2)
    expected = reference_conv2d(x, w, padding=(1, 2, 2, 2), dilation=(1, 2))
    assert_close(same, expected)
    valid = conv2d(minigrad.tensor(x), minigrad.tensor(w), padding="valid")
    assert_close(valid, reference_conv2d(x, w))


def test_conv2d_unbatched_input_and_float32():
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    y = conv2d(minigrad.tensor(x, dtype=minigrad.float32), minigrad.tensor(w,
                                                                          dtype=minigrad.float32))
    assert y.shape == (3, 3, 3) and y.dtype == minigrad.float32
    assert_close(y, reference_conv2d(x[None], w)[0], np.float32)


def test_conv2d_weight_is_the_weight_gradient():
    rng = np.random.default_rng(2)
    x = minigrad.tensor(rng.standard_normal((2, 4, 6, 5)))
    w = minigrad.tensor(rng.standard_normal((6, 2, 3, 2)), requires_grad=True)
    g = rng.standard_normal((2, 6, 3, 6))
    (conv2d(x, w, stride=(2, 1), padding=1, groups=2) * minigrad.tensor(g)).sum().backward()
    direct = conv2d_weight(x, minigrad.tensor(g), (3, 2), stride=(2, 1), padding=1, groups=2)
    assert_close(direct, w.grad)


# ---------------------------------------------------------------------------------------------
# conv_transpose2d
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("device", devices())
@given(problem=conv_transpose_problems(), data=st.data())
def test_conv_transpose2d_against_loops_with_gradients(device, problem, data):
    x, w, b, params = problem
    op, reference = _with_optional_bias(conv_transpose2d, reference_conv_transpose2d, b, params)
    inputs = (x, w) if b is None else (x, w, b)
    case = OpCase(f"conv_transpose2d {params}", op, reference, st.just(inputs))
    check_op(case, data, device)


def test_conv_transpose2d_output_shape_follows_pytorch_formula():
    for (h, k, s, p, op, d) in [(14, 2, 2, 0, 0, 1), (7, 4, 2, 1, 0, 1), (5, 3, 2, 1, 1, 1),
                                (4, 3, 1, 2, 0, 2)]:
        x = minigrad.zeros(1, 1, h, h)
        w = minigrad.zeros(1, 3, k, k)
        expected = (h - 1) * s - 2 * p + d * (k - 1) + op + 1
        y = conv_transpose2d(x, w, stride=s, padding=p, output_padding=op, dilation=d)
        assert y.shape == (1, 3, expected, expected)
        assert conv_transpose_output_size(h, k, s, p, op, d) == expected


def test_conv_transpose2d_is_the_adjoint_of_conv2d():
    """<conv2d(x, W), y> = <x, conv_transpose2d(y, W)> for every stride/padding/dilation."""
    rng = np.random.default_rng(3)
    for stride, padding, dilation, groups in [(1, 0, 1, 1), (2, 1, 1, 2), (3, 2, 2, 1),
                                              (1, 3, 1, 1), (2, 0, 2, 2)]:
        x = rng.standard_normal((2, 4, 9, 8))
        w = rng.standard_normal((6, 4 // groups, 3, 3))
        y = conv2d(minigrad.tensor(x), minigrad.tensor(w), stride=stride, padding=padding,
                   dilation=dilation, groups=groups)
        g = rng.standard_normal(y.shape)
        extra = [9 - conv_transpose_output_size(y.shape[2], 3, stride, padding, 0, dilation),
                 8 - conv_transpose_output_size(y.shape[3], 3, stride, padding, 0, dilation)]
        back = conv_transpose2d(minigrad.tensor(g), minigrad.tensor(w), stride=stride,
                                padding=padding, output_padding=tuple(extra), groups=groups,
                                dilation=dilation)
        assert back.shape == x.shape
        np.testing.assert_allclose((y.numpy() * g).sum(), (x * back.numpy()).sum(), rtol=1e-10)


# ---------------------------------------------------------------------------------------------
# conv1d
# ---------------------------------------------------------------------------------------------


@given(length=st.integers(3, 7), kernel=st.integers(1, 3), stride=st.integers(1, 2),
       dilation=st.integers(1, 2), padding=st.sampled_from([0, 1, "same", "valid"]),
       data=st.data())
def test_conv1d_is_conv2d_of_height_one(length, kernel, stride, dilation, padding, data):
    if padding == "same":
        stride = 1
    x = data.draw(arrays((2, 2, length)))
    w = data.draw(arrays((3, 2, kernel)))
    b = data.draw(arrays((3,)))
    if dilation * (kernel - 1) + 1 > length + 2 * (padding if isinstance(padding, int) else 0) \
            and padding != "same":
        return
    if padding == "same":
        total = dilation * (kernel - 1)
        pads = (0, 0, total // 2, total - total // 2)
    else:
        p = 0 if padding == "valid" else padding
        pads = (0, 0, p, p)
    expected = reference_conv2d(x[:, :, None], w[:, :, None], b, (1, stride), pads,
                                (1, dilation))[:, :, 0]
    tensors = [minigrad.tensor(a, requires_grad=True) for a in (x, w, b)]

    def op(x, w, b):
        return conv1d(x, w, b, stride, padding, dilation)

    assert_close(op(*tensors), expected)
    gradcheck(op, tensors)


# ---------------------------------------------------------------------------------------------
# Second derivatives: the gradient penalty of WGAN-GP
# ---------------------------------------------------------------------------------------------


def test_wgan_gp_gradient_penalty_through_conv():
    """penalty = (||d critic(x)/dx|| - 1)^2 needs d/dW of a gradient: conv's double backward.
    Its gradient with respect to every critic weight must match finite differences."""
    rng = np.random.default_rng(4)
    x = minigrad.tensor(rng.standard_normal((2, 1, 6, 6)), requires_grad=True)
    w1 = minigrad.tensor(rng.standard_normal((3, 1, 3, 3)) * 0.5, requires_grad=True)
    w2 = minigrad.tensor(rng.standard_normal((3, 1, 2, 2)) * 0.5, requires_grad=True)

    def penalty(w1, w2, x):
        # enable_grad: gradcheck evaluates under no_grad, but the penalty needs a gradient
        with minigrad.enable_grad():
            hidden = minigrad.tanh(conv2d(x, w1, stride=2, padding=1))
            score = conv_transpose2d(hidden, w2, stride=2).sum()
            (gradient,) = minigrad.grad(score, x, create_graph=True)
        norms = (gradient * gradient).sum((1, 2, 3)).sqrt()
        return ((norms - 1.0) ** 2).mean()

    loss = penalty(w1, w2, x)
    loss.backward()
    assert w1.grad is not None and w2.grad is not None and x.grad is not None
    gradcheck(penalty, (w1.detach().requires_grad_(), w2.detach().requires_grad_(),
                        x.detach().requires_grad_()))


def test_conv_gradgradcheck_strided_grouped():
    rng = np.random.default_rng(5)
    x = minigrad.tensor(rng.standard_normal((1, 2, 5, 6)), requires_grad=True)
    w = minigrad.tensor(rng.standard_normal((2, 1, 2, 3)), requires_grad=True)
    b = minigrad.tensor(rng.standard_normal(2), requires_grad=True)
    gradgradcheck(lambda x, w, b: conv2d(x, w, b, stride=2, padding=(1, 0), dilation=(1, 2),
                                         groups=2), (x, w, b))
    gradgradcheck(lambda x, w, b: conv_transpose2d(x, w, b, stride=2, padding=1,
                                                   output_padding=1, groups=2), (x, w, b))


# ---------------------------------------------------------------------------------------------
# im2col / col2im
# ---------------------------------------------------------------------------------------------


@given(stride=st.integers(1, 3), dilation=st.integers(1, 2), padding=st.integers(0, 2),
       data=st.data())
def test_col2im_is_the_adjoint_of_im2col(stride, dilation, padding, data):
    x = data.draw(arrays((2, 3, 6, 5)))
    geometry = ConvGeometry((stride, stride), (padding,) * 4, (dilation, dilation))
    cols = im2col(x, (2, 3), geometry)
    c = data.draw(arrays(cols.shape))
    back = col2im(c, (6, 5), geometry).transpose(1, 0, 2, 3)
    np.testing.assert_allclose((cols * c).sum(), (x * back).sum(), rtol=1e-10, atol=1e-10)
    # and im2col reads what the definition says
    top = padding
    for (ci, a, e, n, i, j) in [(0, 0, 0, 0, 0, 0), (2, 1, 2, 1, cols.shape[4] - 1, 0)]:
        row, col = i * stride + a * dilation - top, j * stride + e * dilation - top
        inside = 0 <= row < 6 and 0 <= col < 5
        assert cols[ci, a, e, n, i, j] == (x[n, ci, row, col] if inside else 0.0)


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------


def test_conv2d_bad_inputs_name_op_and_shapes():
    x = minigrad.zeros(1, 4, 8, 8)
    with pytest.raises(ValueError, match=r"conv2d: weight of shape \(6, 3, 3, 3\) with "
                                         r"groups=1 expects input with 3 channels, got input "
                                         r"of shape \(1, 4, 8, 8\)"):
        conv2d(x, minigrad.zeros(6, 3, 3, 3))
    with pytest.raises(ValueError, match=r"conv2d: expected a 3-D .* got input of shape "
                                         r"\(4, 8\)"):
        conv2d(minigrad.zeros(4, 8), minigrad.zeros(6, 4, 3, 3))
    with pytest.raises(ValueError, match=r"groups=4 does not divide the 6 output channels"):
        conv2d(x, minigrad.zeros(6, 1, 3, 3), groups=4)
    with pytest.raises(ValueError, match=r"kernel of size \(5, 5\) \(dilated to \(9, 9\)\) is "
                                         r"larger than the padded input of size \(8, 8\)"):
        conv2d(x, minigrad.zeros(2, 4, 5, 5), dilation=2)
    with pytest.raises(ValueError, match=r"padding must be non-negative, got \(-1, -1\)"):
        conv2d(x, minigrad.zeros(2, 4, 3, 3), padding=-1)
    with pytest.raises(ValueError, match=r"stride must be positive"):
        conv2d(x, minigrad.zeros(2, 4, 3, 3), stride=0)
    with pytest.raises(ValueError, match=r"padding='same' is only supported with stride 1"):
        conv2d(x, minigrad.zeros(2, 4, 3, 3), stride=2, padding="same")
    with pytest.raises(ValueError, match=r"expected bias of shape \(2,\), got \(3,\)"):
        conv2d(x, minigrad.zeros(2, 4, 3, 3), minigrad.zeros(3))
    with pytest.raises(TypeError, match=r"conv2d: input has dtype float32 but weight has dtype "
                                        r"float64"):
        conv2d(x, minigrad.zeros(2, 4, 3, 3, dtype=minigrad.float64))


def test_conv_transpose2d_bad_inputs():
    x = minigrad.zeros(1, 4, 5, 5)
    with pytest.raises(ValueError, match=r"conv_transpose2d: weight of shape \(3, 2, 3, 3\) "
                                         r"expects input with 3 channels, got input of shape "
                                         r"\(1, 4, 5, 5\)"):
        conv_transpose2d(x, minigrad.zeros(3, 2, 3, 3))
    with pytest.raises(ValueError, match=r"output_padding \(2, 2\) must be smaller than either "
                                         r"stride \(2, 2\) or dilation \(1, 1\)"):
        conv_transpose2d(x, minigrad.zeros(4, 2, 3, 3), stride=2, output_padding=2)
    with pytest.raises(ValueError, match=r"empty output"):
        conv_transpose2d(minigrad.zeros(1, 4, 1, 1), minigrad.zeros(4, 2, 1, 1), padding=1)


def test_conv1d_bad_input():
    with pytest.raises(ValueError, match=r"conv1d: expected a 2-D \(C, L\) or 3-D \(N, C, L\) "
                                         r"input, got input of shape \(1, 2, 3, 4\)"):
        conv1d(minigrad.zeros(1, 2, 3, 4), minigrad.zeros(1, 2, 3))
