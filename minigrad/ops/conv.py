"""Convolution: conv1d, conv2d and conv_transpose2d, by im2col and one matrix product.

Holds:
    conv2d(x, weight, bias, stride, padding, dilation, groups)        -- Conv2d
    conv_transpose2d(x, weight, bias, stride, padding, output_padding, groups, dilation)
                                                                      -- ConvTranspose2d
    conv1d(x, weight, bias, stride, padding, dilation, groups)        -- conv2d of height 1
    conv2d_weight(x, grad_output, kernel_size, ...)                   -- Conv2dWeight
    im2col(x, ...) / col2im(cols, ...)                                -- the array-level work

How a convolution becomes one matrix product (im2col).  For an input x of shape (N, C, H, W)
and a weight W of shape (O, C, kh, kw) the output is

    y[n, o, i, j] = sum_{c, a, b} W[o, c, a, b] * xpad[n, c, i*sh + a*dh, j*sw + b*dw]

Gather, for every output position (n, i, j), the C*kh*kw input values it reads into one column:
that is ``cols`` of shape (C*kh*kw, N*Ho*Wo).  Then ``y = W.reshape(O, C*kh*kw) @ cols`` -- one
GEMM for the whole batch.  ``cols`` is read out of the padded input through a strided *view*
(no Python loop, one copy); its layout (C, kh, kw, N, Ho, Wo) keeps the innermost axis the
output row, which is contiguous in the input when the stride is 1.

The three Functions are each other's derivatives, which is why second derivatives work:

    Conv2d(x, W)           y = W (*) x
    ConvTranspose2d(g, W)  the adjoint of x -> W (*) x: spreads every output value back over the
                           inputs it read.  It is conv's gradient with respect to x, and
                           nn.ConvTranspose2d's forward.  Computed as cols = W^T @ g, then col2im
                           adds each kernel offset's block of cols into a strided slice.
    Conv2dWeight(x, g)     the gradient with respect to W: g @ cols(x)^T, also one GEMM.

with  <W (*) x, g> = <x, W^T (*) g> = <W, Conv2dWeight(x, g)>, so the derivative of each one is
a call of another.  Groups split the channels into ``groups`` independent convolutions: the GEMM
becomes a batched matmul over the groups.

Padding is stored as (top, bottom, left, right) so that ``padding='same'`` with an even kernel
can pad one more row/column at the end, as PyTorch does.
"""

from __future__ import annotations

import numbers

from .. import cuda_kernels, dtypes
from ..autograd import Function, is_grad_enabled
from ..tensor import Tensor
from ._util import xp_of
from .reduce import sum as reduce_sum
from .shape import reshape

__all__ = ["conv1d", "conv2d", "conv_transpose2d", "conv2d_weight", "im2col", "col2im",
           "conv_output_size", "conv_transpose_output_size", "ConvGeometry", "Conv2d",
           "ConvTranspose2d", "Conv2dWeight"]


# ---------------------------------------------------------------------------------------------
# Geometry: stride, padding, dilation, groups and the output-size formulas
# ---------------------------------------------------------------------------------------------


def conv_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0,
                     dilation: int = 1, padding_after: int | None = None) -> int:
    """PyTorch's formula: floor((size + pad_before + pad_after - dilation*(kernel-1) - 1) / stride)
    + 1.

    >>> conv_output_size(28, 5, padding=2)
    28
    >>> conv_output_size(32, 3, stride=2, padding=1)
    16
    """
    after = padding if padding_after is None else padding_after
    return (size + padding + after - dilation * (kernel - 1) - 1) // stride + 1


def conv_transpose_output_size(size: int, kernel: int, stride: int = 1, padding: int = 0,
                               output_padding: int = 0, dilation: int = 1) -> int:
    """PyTorch's formula: (size - 1)*stride - 2*padding + dilation*(kernel - 1) + output_padding
    + 1.

    >>> conv_transpose_output_size(14, 2, stride=2)
    28
    """
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


class ConvGeometry:
    """How the kernel moves: ``stride`` (sh, sw), ``padding`` (top, bottom, left, right),
    ``dilation`` (dh, dw) and ``groups``.  Shared by the three convolution Functions."""

    __slots__ = ("stride", "padding", "dilation", "groups")

    def __init__(self, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1), groups=1):
        self.stride = tuple(stride)
        self.padding = tuple(padding)
        self.dilation = tuple(dilation)
        self.groups = groups

    def output_size(self, in_size, kernel) -> tuple:
        """(Ho, Wo) of the convolution of an (H, W) input with a (kh, kw) kernel."""
        top, bottom, left, right = self.padding
        height = conv_output_size(in_size[0], kernel[0], self.stride[0], top,
                                  self.dilation[0], bottom)
        width = conv_output_size(in_size[1], kernel[1], self.stride[1], left,
                                 self.dilation[1], right)
        return height, width

    def kernel_offsets(self, kernel, out_size):
        """For every kernel offset (a, b): the rows and columns of the padded input it touches,
        as slices.  Offset (a, b) of output (i, j) reads padded input (i*sh + a*dh, j*sw + b*dw).
        """
        (sh, sw), (dh, dw) = self.stride, self.dilation
        for a in range(kernel[0]):
            rows = slice(a * dh, a * dh + sh * (out_size[0] - 1) + 1, sh)
            for b in range(kernel[1]):
                columns = slice(b * dw, b * dw + sw * (out_size[1] - 1) + 1, sw)
                yield a, b, rows, columns

    def __repr__(self) -> str:
        return (f"ConvGeometry(stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, groups={self.groups})")


# ---------------------------------------------------------------------------------------------
# im2col / col2im on arrays
# ---------------------------------------------------------------------------------------------


def _pad_channels_first(x, padding):
    """x (N, C, H, W) as a zero-padded array laid out (C, N, H + top + bottom, W + left + right).

    Channels first is the layout of ``cols``; when x itself came out of a convolution it is
    already stored that way, so the transpose below is free.
    """
    top, bottom, left, right = padding
    x_cn = x.transpose(1, 0, 2, 3)
    if top == bottom == left == right == 0:
        return x_cn
    channels, batch, height, width = x_cn.shape
    padded = xp_of(x).zeros((channels, batch, height + top + bottom, width + left + right),
                            dtype=x.dtype)
    padded[:, :, top:top + height, left:left + width] = x_cn
    return padded


def im2col(x, kernel, geometry: ConvGeometry, out_size=None):
    """The input windows of a convolution as one array ``cols`` of shape (C, kh, kw, N, Ho, Wo):

        cols[c, a, b, n, i, j] = xpad[n, c, i*sh + a*dh, j*sw + b*dw]

    Read from the padded input through ``as_strided`` (a view that repeats memory, no loop);
    the single copy happens in ``ascontiguousarray``.  ``out_size`` (Ho, Wo) defaults to the
    convolution formula; a smaller one keeps only the first rows/columns of windows.
    """
    xp = xp_of(x)
    if out_size is None:
        out_size = geometry.output_size(x.shape[2:], kernel)
    if cuda_kernels.runs_on(x):  # GPU: one thread per entry of cols (kernels/im2col.cu)
        return cuda_kernels.im2col(x, kernel, geometry, out_size)
    padded = _pad_channels_first(x, geometry.padding)
    channels, batch = padded.shape[:2]
    stride_c, stride_n, stride_h, stride_w = padded.strides
    (sh, sw), (dh, dw) = geometry.stride, geometry.dilation
    windows = xp.lib.stride_tricks.as_strided(
        padded,
        shape=(channels, kernel[0], kernel[1], batch, out_size[0], out_size[1]),
        strides=(stride_c, dh * stride_h, dw * stride_w, stride_n, sh * stride_h, sw * stride_w),
    )
    return xp.ascontiguousarray(windows)


def col2im(cols, in_size, geometry: ConvGeometry):
    """The adjoint of im2col: add every column back onto the input position it was read from.

    ``cols`` has shape (C, kh, kw, N, Ho, Wo); the result has shape (C, N, H, W) for the input
    size ``in_size`` (H, W) (channels first: transpose for NCHW).  One strided slice-add per
    kernel offset -- kh*kw vectorised additions, no ``np.add.at`` -- because for a fixed offset
    (a, b) the output positions touch distinct input positions.
    """
    if cuda_kernels.runs_on(cols):  # GPU: one thread per input element gathers (kernels/col2im.cu)
        return cuda_kernels.col2im(cols, in_size, geometry)
    xp = xp_of(cols)
    channels, kh, kw, batch, out_h, out_w = cols.shape
    top, bottom, left, right = geometry.padding
    height, width = in_size
    padded = xp.zeros((channels, batch, height + top + bottom, width + left + right),
                      dtype=cols.dtype)
    for a, b, rows, columns in geometry.kernel_offsets((kh, kw), (out_h, out_w)):
        padded[:, :, rows, columns] += cols[:, a, b]
    return padded[:, :, top:top + height, left:left + width]


def _channels_by_positions(y):
    """(N, C, H, W) -> the matrix (C, N*H*W).  Free when y is stored channels first (as conv
    outputs are); otherwise one copy."""
    batch, channels = y.shape[:2]
    return y.transpose(1, 0, 2, 3).reshape(channels, -1)


def _weight_times_columns(weight, cols, bias, groups: int):
    """The GEMM of a convolution: (O, C/G*kh*kw) @ cols, batched over the G groups, plus bias.

    ``cols`` is im2col's (C, kh, kw, N, Ho, Wo); the result is the (N, O, Ho, Wo) view of an
    array stored channels first (O, N, Ho, Wo), which is how the GEMM writes it.
    """
    out_channels = weight.shape[0]
    batch, out_h, out_w = cols.shape[3:]
    rows = weight[0].size  # (C / groups) * kh * kw
    if groups == 1:
        y = weight.reshape(out_channels, rows) @ cols.reshape(rows, -1)
    else:
        y = xp_of(cols).matmul(weight.reshape(groups, out_channels // groups, rows),
                               cols.reshape(groups, rows, -1))
        y = y.reshape(out_channels, -1)
    if bias is not None:
        y += bias.reshape(out_channels, 1)
    return y.reshape(out_channels, batch, out_h, out_w).transpose(1, 0, 2, 3)


def _flipped_transposed_weight(weight, groups: int):
    """W (O, C/G, kh, kw) -> W' (C, O/G, kh, kw) with W'[c, o, a, b] = W[o, c, kh-1-a, kw-1-b]
    (per group): the kernel of the correlation that equals W's transposed convolution."""
    out_channels, group_in, kh, kw = weight.shape
    per_group = weight.reshape(groups, out_channels // groups, group_in, kh, kw)
    swapped = per_group.transpose(0, 2, 1, 3, 4).reshape(groups * group_in, -1, kh, kw)
    return swapped[:, :, ::-1, ::-1]


def _transposed_as_correlation(geometry: ConvGeometry, kernel, in_size, out_size):
    """For stride 1, W^T (*) g is an ordinary correlation of g with the flipped kernel, padded by
    dilation*(k-1) - padding ('full' padding).  Returns that correlation's geometry, or None when
    it does not apply (stride > 1, or padding larger than the dilated kernel)."""
    if geometry.stride != (1, 1):
        return None
    (dh, dw), (top, _, left, _) = geometry.dilation, geometry.padding
    full_h, full_w = dh * (kernel[0] - 1), dw * (kernel[1] - 1)
    top, left = full_h - top, full_w - left
    bottom = out_size[0] + full_h - in_size[0] - top
    right = out_size[1] + full_w - in_size[1] - left
    if min(top, bottom, left, right) < 0:
        return None
    return ConvGeometry((1, 1), (top, bottom, left, right), geometry.dilation, geometry.groups)


# ---------------------------------------------------------------------------------------------
# The three Functions
# ---------------------------------------------------------------------------------------------


class Conv2d(Function):
    """y = W (*) x + b.  ``out_size`` limits the output to its first (Ho, Wo) positions (used
    when this op is the gradient of a transposed convolution with output_padding)."""

    def __init__(self, geometry: ConvGeometry, out_size=None, keep_columns: bool = False):
        self.geometry = geometry
        self.out_size = out_size
        self.keep_columns = keep_columns
        self.columns = None

    def forward(self, x, weight, bias=None):
        cols = im2col(x, weight.shape[2:], self.geometry, self.out_size)
        if self.keep_columns:
            self.columns = cols  # Conv2dWeight reuses them in backward
        return _weight_times_columns(weight, cols, bias, self.geometry.groups)

    # dL/dx = W^T (*) g (transposed conv),  dL/dW = Conv2dWeight(x, g),  dL/db = sum_{n,i,j} g
    def backward(self, grad):
        x, weight = self.inputs[0], self.inputs[1]
        grad_x = grad_weight = grad_bias = None
        if self.needs_input_grad[0]:
            grad_x = ConvTranspose2d(self.geometry, x.shape[2:])(grad, weight)
        if self.needs_input_grad[1]:
            grad_weight = Conv2dWeight(self.geometry, weight.shape[2:], self.columns)(x, grad)
        if len(self.inputs) == 3 and self.needs_input_grad[2]:
            grad_bias = reduce_sum(grad, (0, 2, 3))
        return (grad_x, grad_weight, grad_bias)[:len(self.inputs)]


class ConvTranspose2d(Function):
    """y = W^T (*) x + b: the adjoint of Conv2d (its gradient with respect to the input).

    ``x`` has shape (N, Cin, H, W), ``weight`` (Cin, Cout/groups, kh, kw) -- the layout of the
    Conv2d that maps (N, Cout, Ho, Wo) back to (N, Cin, H, W) -- and ``out_size`` is (Ho, Wo).
    """

    def __init__(self, geometry: ConvGeometry, out_size):
        self.geometry = geometry
        self.out_size = tuple(out_size)

    def forward(self, x, weight, bias=None):
        kernel = weight.shape[2:]
        in_channels, group_out = weight.shape[:2]
        correlation = _transposed_as_correlation(self.geometry, kernel, x.shape[2:],
                                                 self.out_size)
        # Two ways to the same numbers: which one moves less data?  The correlation's columns
        # have Cin*kh*kw rows and N*Ho*Wo columns, the GEMM + col2im's Cout*kh*kw and N*H*W
        # (plus kh*kw slice-adds).
        correlation_size = in_channels * self.out_size[0] * self.out_size[1]
        col2im_size = group_out * self.geometry.groups * x.shape[2] * x.shape[3]
        if correlation is not None and correlation_size <= col2im_size:
            # Stride 1: one im2col of x and one GEMM with the flipped kernel.
            cols = im2col(x, kernel, correlation, self.out_size)
            flipped = _flipped_transposed_weight(weight, self.geometry.groups)
            return _weight_times_columns(flipped, cols, bias, self.geometry.groups)
        xp = xp_of(x)
        groups = self.geometry.groups
        kh, kw = kernel
        batch, _, height, width = x.shape
        rows = weight[0].size  # (Cout / groups) * kh * kw
        x_matrix = _channels_by_positions(x)  # (Cin, N*H*W)
        if groups == 1:
            cols = weight.reshape(in_channels, rows).T @ x_matrix
        else:
            per_group = in_channels // groups
            cols = xp.matmul(weight.reshape(groups, per_group, rows).transpose(0, 2, 1),
                             x_matrix.reshape(groups, per_group, -1))
        cols = cols.reshape(groups * group_out, kh, kw, batch, height, width)
        y = col2im(cols, self.out_size, self.geometry)  # (Cout, N, Ho, Wo)
        if bias is not None:
            y += bias.reshape(-1, 1, 1, 1)
        return y.transpose(1, 0, 2, 3)

    # dL/dx = W (*) g (a convolution),  dL/dW = Conv2dWeight(g, x),  dL/db = sum_{n,i,j} g
    def backward(self, grad):
        x, weight = self.inputs[0], self.inputs[1]
        grad_x = grad_weight = grad_bias = None
        if self.needs_input_grad[0]:
            grad_x = Conv2d(self.geometry, x.shape[2:])(grad, weight)
        if self.needs_input_grad[1]:
            grad_weight = Conv2dWeight(self.geometry, weight.shape[2:])(grad, x)
        if len(self.inputs) == 3 and self.needs_input_grad[2]:
            grad_bias = reduce_sum(grad, (0, 2, 3))
        return (grad_x, grad_weight, grad_bias)[:len(self.inputs)]


class Conv2dWeight(Function):
    """dW = Conv2dWeight(x, g): the gradient of ``W (*) x`` with respect to W, for the output
    gradient g of shape (N, O, Ho, Wo).  ``dW[o, c, a, b] = sum_{n,i,j} g[n,o,i,j] *
    cols[c,a,b,n,i,j]`` -- one GEMM.  ``columns`` may pass im2col(x) kept by the forward."""

    def __init__(self, geometry: ConvGeometry, kernel, columns=None):
        self.geometry = geometry
        self.kernel = tuple(kernel)
        self.columns = columns

    def forward(self, x, grad_output):
        xp = xp_of(x)
        groups = self.geometry.groups
        kh, kw = self.kernel
        cols = self.columns
        if cols is None:
            cols = im2col(x, self.kernel, self.geometry, grad_output.shape[2:])
        out_channels, channels = grad_output.shape[1], x.shape[1]
        g_matrix = _channels_by_positions(grad_output)  # (O, N*Ho*Wo)
        # dW = g @ cols^T, computed as (cols @ g^T)^T: the same numbers, but BLAS runs this
        # long-and-thin product markedly faster with the big operand un-transposed.
        if groups == 1:
            weight_grad = (cols.reshape(channels * kh * kw, -1) @ g_matrix.T).T
        else:
            rows = channels // groups * kh * kw
            weight_grad = xp.matmul(cols.reshape(groups, rows, -1),
                                    g_matrix.reshape(groups, out_channels // groups, -1)
                                    .transpose(0, 2, 1)).transpose(0, 2, 1)
        self.columns = None
        return weight_grad.reshape(out_channels, channels // groups, kh, kw)

    # <Conv2dWeight(x, g), G> = <G (*) x, g>:  d/dx = G^T (*) g,  d/dg = G (*) x
    def backward(self, grad):
        x, grad_output = self.inputs
        grad_x = grad_g = None
        if self.needs_input_grad[0]:
            grad_x = ConvTranspose2d(self.geometry, x.shape[2:])(grad_output, grad)
        if self.needs_input_grad[1]:
            grad_g = Conv2d(self.geometry, grad_output.shape[2:])(x, grad)
        return grad_x, grad_g


# ---------------------------------------------------------------------------------------------
# Argument checking shared by the public functions
# ---------------------------------------------------------------------------------------------


def _int_tuple(value, count: int, name: str, op: str) -> tuple:
    """An int or a sequence of ``count`` ints as a tuple (``stride=2`` -> (2, 2))."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return (int(value),) * count
    if isinstance(value, (tuple, list)) and len(value) == count and all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in value):
        return tuple(int(v) for v in value)
    raise TypeError(f"{op}: {name} must be an int or a tuple of {count} ints, got {value!r}")


def _check_positive(values: tuple, name: str, op: str) -> None:
    if any(v <= 0 for v in values):
        raise ValueError(f"{op}: {name} must be positive, got {values}")


def _check_non_negative(values: tuple, name: str, op: str) -> None:
    if any(v < 0 for v in values):
        raise ValueError(f"{op}: {name} must be non-negative, got {values}")


def _check_tensors(op: str, x, weight, bias) -> None:
    for name, t in (("input", x), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}")
        if not dtypes.is_floating(t.dtype):
            raise TypeError(f"{op}: {name} must be floating point, got dtype {t.dtype}")
    if bias is not None and not isinstance(bias, Tensor):
        raise TypeError(f"{op}: bias must be a Tensor or None, got {type(bias).__name__}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.dtype != x.dtype:
            raise TypeError(f"{op}: input has dtype {x.dtype} but {name} has dtype {t.dtype}")


def _same_padding(kernel: tuple, dilation: tuple, stride: tuple, op: str) -> tuple:
    """'same': pad so that the output has the input's size; the odd extra row/column goes at
    the end (PyTorch's choice).  Only defined for stride 1."""
    if any(s != 1 for s in stride):
        raise ValueError(f"{op}: padding='same' is only supported with stride 1, got stride "
                         f"{stride}")
    padding = []
    for k, d in zip(kernel, dilation):
        total = d * (k - 1)
        padding += [total // 2, total - total // 2]
    return tuple(padding)


def _conv_padding(padding, kernel, dilation, stride, op: str) -> tuple:
    """padding (an int, a pair, 'same' or 'valid') as (top, bottom, left, right)."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding == "same":
            return _same_padding(kernel, dilation, stride, op)
        raise ValueError(f"{op}: padding must be 'same', 'valid', an int or a tuple, got "
                         f"{padding!r}")
    pad_h, pad_w = _int_tuple(padding, 2, "padding", op)
    _check_non_negative((pad_h, pad_w), "padding", op)
    return (pad_h, pad_h, pad_w, pad_w)


def _batched(x: Tensor, op: str) -> tuple[Tensor, bool]:
    """Accept a 3-D unbatched (C, H, W) input as a batch of one; anything else but 4-D is an
    error."""
    if x.ndim == 3:
        return reshape(x, (1,) + tuple(x.shape)), True
    if x.ndim != 4:
        raise ValueError(f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got input "
                         f"of shape {tuple(x.shape)}")
    return x, False


# ---------------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------------


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,  # noqa: A002
           dilation=1, groups: int = 1) -> Tensor:
    """2-D cross-correlation (what deep learning calls convolution), as ``torch.conv2d``.

    ``y[n, o, i, j] = b[o] + sum_{c, a, b} W[o, c, a, b] * xpad[n, g*C/G + c, i*sh + a*dh,
    j*sw + b*dw]`` where g is o's group.

    Shapes: input (N, C, H, W) or (C, H, W); weight (O, C/groups, kh, kw); bias (O,);
    output (N, O, Ho, Wo) with Ho = floor((H + 2*ph - dh*(kh-1) - 1)/sh) + 1.
    ``padding`` is an int, a pair, 'valid' (no padding) or 'same' (stride 1 only).

    >>> import minigrad
    >>> x = minigrad.ones(1, 1, 3, 3)
    >>> w = minigrad.ones(1, 1, 2, 2)
    >>> conv2d(x, w).tolist()
    [[[[4.0, 4.0], [4.0, 4.0]]]]
    >>> conv2d(x, w, padding=1).shape
    (1, 1, 4, 4)
    """
    op = "conv2d"
    _check_tensors(op, input, weight, bias)
    x, unbatched = _batched(input, op)
    geometry = _conv_geometry(x, weight, bias, stride, padding, dilation, groups, op)
    keep_columns = is_grad_enabled() and weight.requires_grad
    inputs = (x, weight) if bias is None else (x, weight, bias)
    y = Conv2d(geometry, keep_columns=keep_columns)(*inputs)
    return reshape(y, y.shape[1:]) if unbatched else y


def _conv_geometry(x, weight, bias, stride, padding, dilation, groups, op) -> ConvGeometry:
    """Check a convolution's arguments against the shapes; return its geometry."""
    if weight.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D weight (out_channels, in_channels/groups, kh, "
                         f"kw), got weight of shape {tuple(weight.shape)}")
    if not isinstance(groups, numbers.Integral) or isinstance(groups, bool) or groups <= 0:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    stride = _int_tuple(stride, 2, "stride", op)
    dilation = _int_tuple(dilation, 2, "dilation", op)
    _check_positive(stride, "stride", op)
    _check_positive(dilation, "dilation", op)
    kernel = tuple(weight.shape[2:])
    padding = _conv_padding(padding, kernel, dilation, stride, op)
    out_channels, group_channels = weight.shape[:2]
    if out_channels % groups:
        raise ValueError(f"{op}: groups={groups} does not divide the {out_channels} output "
                         f"channels of weight of shape {tuple(weight.shape)}")
    if x.shape[1] != group_channels * groups:
        raise ValueError(f"{op}: weight of shape {tuple(weight.shape)} with groups={groups} "
                         f"expects input with {group_channels * groups} channels, got input of "
                         f"shape {tuple(x.shape)}")
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise ValueError(f"{op}: expected bias of shape ({out_channels},), got "
                         f"{tuple(bias.shape)}")
    top, bottom, left, right = padding
    padded = (x.shape[2] + top + bottom, x.shape[3] + left + right)
    dilated = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if dilated[0] > padded[0] or dilated[1] > padded[1]:
        raise ValueError(f"{op}: kernel of size {kernel} (dilated to {dilated}) is larger than "
                         f"the padded input of size {padded} (input shape {tuple(x.shape)})")
    return ConvGeometry(stride, padding, dilation, groups)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1,  # noqa: A002
                     padding=0, output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """2-D transposed convolution ("deconvolution"), as ``torch.conv_transpose2d``: the
    gradient of conv2d with respect to its input, used to upsample.  Every input value is
    multiplied by the kernel and added into the output at stride spacing.

    Shapes: input (N, Cin, H, W) or (Cin, H, W); weight (Cin, Cout/groups, kh, kw); bias (Cout,);
    output (N, Cout, Ho, Wo) with Ho = (H-1)*sh - 2*ph + dh*(kh-1) + output_padding + 1.
    ``output_padding`` (< stride or < dilation) adds rows/columns at the bottom/right to pick
    one of the input sizes a strided conv2d maps to the same output size.

    >>> import minigrad
    >>> x = minigrad.ones(1, 1, 2, 2)
    >>> w = minigrad.ones(1, 1, 2, 2)
    >>> conv_transpose2d(x, w).tolist()
    [[[[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]]]
    """
    op = "conv_transpose2d"
    _check_tensors(op, input, weight, bias)
    x, unbatched = _batched(input, op)
    if weight.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D weight (in_channels, out_channels/groups, kh, "
                         f"kw), got weight of shape {tuple(weight.shape)}")
    if not isinstance(groups, numbers.Integral) or isinstance(groups, bool) or groups <= 0:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    stride = _int_tuple(stride, 2, "stride", op)
    dilation = _int_tuple(dilation, 2, "dilation", op)
    pad = _int_tuple(padding, 2, "padding", op)
    out_pad = _int_tuple(output_padding, 2, "output_padding", op)
    _check_positive(stride, "stride", op)
    _check_positive(dilation, "dilation", op)
    _check_non_negative(pad, "padding", op)
    _check_non_negative(out_pad, "output_padding", op)
    for p, s, d in zip(out_pad, stride, dilation):
        if p >= s and p >= d:
            raise ValueError(f"{op}: output_padding {out_pad} must be smaller than either "
                             f"stride {stride} or dilation {dilation}")
    in_channels, group_out = weight.shape[:2]
    if in_channels % groups:
        raise ValueError(f"{op}: groups={groups} does not divide the {in_channels} input "
                         f"channels of weight of shape {tuple(weight.shape)}")
    if x.shape[1] != in_channels:
        raise ValueError(f"{op}: weight of shape {tuple(weight.shape)} expects input with "
                         f"{in_channels} channels, got input of shape {tuple(x.shape)}")
    if bias is not None and tuple(bias.shape) != (group_out * groups,):
        raise ValueError(f"{op}: expected bias of shape ({group_out * groups},), got "
                         f"{tuple(bias.shape)}")
    kernel = tuple(weight.shape[2:])
    out_size = tuple(conv_transpose_output_size(x.shape[2 + i], kernel[i], stride[i], pad[i],
                                                out_pad[i], dilation[i]) for i in range(2))
    if min(out_size) <= 0:
        raise ValueError(f"{op}: input of shape {tuple(x.shape)} gives an empty output of size "
                         f"{out_size} (padding {pad} is too large)")
    geometry = ConvGeometry(stride, (pad[0], pad[0], pad[1], pad[1]), dilation, groups)
    inputs = (x, weight) if bias is None else (x, weight, bias)
    y = ConvTranspose2d(geometry, out_size)(*inputs)
    return reshape(y, y.shape[1:]) if unbatched else y


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,  # noqa: A002
           dilation=1, groups: int = 1) -> Tensor:
    """1-D cross-correlation, as ``torch.conv1d``: conv2d on an image of height 1.

    Shapes: input (N, C, L) or (C, L); weight (O, C/groups, k); bias (O,); output (N, O, Lo)
    with Lo = floor((L + 2*p - d*(k-1) - 1)/s) + 1.  ``padding``: int, 'valid' or 'same'.

    >>> import minigrad
    >>> conv1d(minigrad.ones(1, 1, 4), minigrad.ones(1, 1, 3), padding='same').tolist()
    [[[2.0, 3.0, 3.0, 2.0]]]
    """
    op = "conv1d"
    _check_tensors(op, input, weight, bias)
    if input.ndim not in (2, 3):
        raise ValueError(f"{op}: expected a 2-D (C, L) or 3-D (N, C, L) input, got input of "
                         f"shape {tuple(input.shape)}")
    if weight.ndim != 3:
        raise ValueError(f"{op}: expected a 3-D weight (out_channels, in_channels/groups, k), "
                         f"got weight of shape {tuple(weight.shape)}")
    stride = _int_tuple(stride, 1, "stride", op)[0]
    dilation = _int_tuple(dilation, 1, "dilation", op)[0]
    if not isinstance(padding, str):
        padding = (0, _int_tuple(padding, 1, "padding", op)[0])
    unbatched = input.ndim == 2
    x = reshape(input, (1,) + tuple(input.shape)) if unbatched else input
    x = reshape(x, (x.shape[0], x.shape[1], 1, x.shape[2]))
    w = reshape(weight, (weight.shape[0], weight.shape[1], 1, weight.shape[2]))
    try:
        y = conv2d(x, w, bias, (1, stride), padding, (1, dilation), groups)
    except ValueError as error:
        raise ValueError(str(error).replace("conv2d", op) + f" (conv1d input shape "
                         f"{tuple(input.shape)}, weight shape {tuple(weight.shape)})") from None
    y = reshape(y, (y.shape[0], y.shape[1], y.shape[3]))
    return reshape(y, y.shape[1:]) if unbatched else y


def conv2d_weight(input: Tensor, grad_output: Tensor, kernel_size, stride=1, padding=0,  # noqa: A002
                  dilation=1, groups: int = 1) -> Tensor:
    """The gradient of conv2d with respect to its weight, for the output gradient
    ``grad_output`` (N, O, Ho, Wo); result (O, C/groups, kh, kw).  Differentiable."""
    op = "conv2d_weight"
    kernel = _int_tuple(kernel_size, 2, "kernel_size", op)
    stride = _int_tuple(stride, 2, "stride", op)
    dilation = _int_tuple(dilation, 2, "dilation", op)
    pad_h, pad_w = _int_tuple(padding, 2, "padding", op)
    geometry = ConvGeometry(stride, (pad_h, pad_h, pad_w, pad_w), dilation, groups)
    expected = geometry.output_size(input.shape[2:], kernel)
    if input.ndim != 4 or grad_output.ndim != 4 or tuple(grad_output.shape[2:]) != expected \
            or input.shape[0] != grad_output.shape[0]:
        raise ValueError(f"{op}: grad_output of shape {tuple(grad_output.shape)} does not match "
                         f"input of shape {tuple(input.shape)} (expected spatial size "
                         f"{expected})")
    return Conv2dWeight(geometry, kernel)(input, grad_output)
