"""Shape and indexing ops: they move, pick, copy or join elements, never change their values.

Holds:
    reshape, flatten, unflatten, squeeze, unsqueeze           -- same elements, new shape
    permute, transpose, movedim (moveaxis)                     -- axes reordered
    broadcast_to / expand, sum_to                              -- each is the other's gradient;
                                                                  sum_to is THE one place where
                                                                  broadcast gradients are reduced
    getitem (``x[index]``), narrow, select, index_select       -- picking elements
    gather, take_along_dim, scatter_add                        -- picking along one dim by index
    masked_fill, tril, triu                                    -- overwriting elements
    cat, stack, split, chunk, unbind                           -- joining and cutting
    pad, flip, roll, repeat                                    -- copying elements around

Every gradient here is again a shape op: the gradient of a pick is a scatter of the gradient
into zeros (``GetItemGrad``), whose own gradient is the pick again, so double backward works.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .. import backend, cuda_kernels
from ..autograd import Function
from ..tensor import Tensor
from ._util import normalize_dim, normalize_dims, xp_of

__all__ = ["reshape", "flatten", "unflatten", "squeeze", "unsqueeze", "transpose", "permute",
           "movedim", "moveaxis", "broadcast_to", "expand", "sum_to", "getitem", "narrow",
           "select", "index_select", "gather", "take_along_dim", "scatter_add", "masked_fill",
           "tril", "triu", "cat", "concat", "stack", "split", "chunk", "unbind", "pad", "flip",
           "roll", "repeat",
           "Reshape", "Permute", "BroadcastTo", "SumTo", "GetItem", "GetItemGrad", "ScatterAdd",
           "MaskedFill", "Cat", "Stack", "Split", "Unbind", "Pad", "Flip", "Roll"]


def _shape_arg(shape) -> tuple:
    """Accept ``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])``."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


def _full_slices(count: int) -> tuple:
    """``(:, :, ...)``: ``count`` slices that keep whole axes (to reach axis ``count``)."""
    return (slice(None),) * count


# ---------------------------------------------------------------------------------------------
# reshape / flatten / squeeze / unsqueeze
# ---------------------------------------------------------------------------------------------


class Reshape(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.input_shape = x.shape
        return x.reshape(self.shape)

    # reshape only moves elements: the gradient is reshaped back
    def backward(self, grad):
        return reshape(grad, self.input_shape)


def reshape(x: Tensor, *shape) -> Tensor:
    """The same elements in a new shape (one entry may be -1).  ``(N, M) -> shape``.

    >>> import minigrad
    >>> minigrad.arange(6).reshape(2, -1).shape
    (2, 3)
    """
    shape = _shape_arg(shape)
    if shape == x.shape:
        return x
    try:
        return Reshape(shape)(x)
    except ValueError:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {tuple(x.shape)} "
                         f"({x.numel()} elements) into shape {shape}") from None


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge the axes ``start_dim..end_dim`` (inclusive) into one.

    Shape (N, C, H, W) with start_dim=1 -> (N, C*H*W).  A 0-d tensor becomes shape (1,).
    """
    if x.ndim == 0:
        return reshape(x, (1,))
    start = normalize_dim(start_dim, x.ndim, "flatten")
    end = normalize_dim(end_dim, x.ndim, "flatten")
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for a "
                         f"tensor of shape {tuple(x.shape)}")
    merged = math.prod(x.shape[start:end + 1])
    return reshape(x, x.shape[:start] + (merged,) + x.shape[end + 1:])


def unflatten(x: Tensor, dim: int, sizes) -> Tensor:
    """Split axis ``dim`` into several axes of ``sizes`` (one may be -1): the inverse of
    flatten.  Shape (N, 12) with dim=1, sizes=(3, 4) -> (N, 3, 4)."""
    dim = normalize_dim(dim, x.ndim, "unflatten")
    sizes = tuple(int(s) for s in sizes)
    known = math.prod(s for s in sizes if s != -1)
    if sizes.count(-1) == 1 and known > 0 and x.shape[dim] % known == 0:
        sizes = tuple(x.shape[dim] // known if s == -1 else s for s in sizes)
    if math.prod(sizes) != x.shape[dim] or any(s < 0 for s in sizes):
        raise ValueError(f"unflatten: sizes {sizes} do not multiply to the size "
                         f"{x.shape[dim]} of dim {dim} of a tensor of shape {tuple(x.shape)}")
    return reshape(x, x.shape[:dim] + sizes + x.shape[dim + 1:])


def squeeze(x: Tensor, dim=None) -> Tensor:
    """Remove axes of size 1 (all of them, or those in ``dim`` that have size 1)."""
    axes = normalize_dims(dim, x.ndim, "squeeze") if x.ndim else ()
    shape = tuple(n for i, n in enumerate(x.shape) if not (i in axes and n == 1))
    return reshape(x, shape)


def unsqueeze(x: Tensor, dim: int) -> Tensor:
    """Insert an axis of size 1 at ``dim`` (-1 appends one).  Shape (N, M), dim=1 -> (N, 1, M)."""
    dim = normalize_dim(dim, x.ndim + 1, "unsqueeze")
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


# ---------------------------------------------------------------------------------------------
# transpose / permute / movedim
# ---------------------------------------------------------------------------------------------


class Permute(Function):
    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        return x.transpose(self.axes)

    # permuting moves elements: the gradient is moved back by the inverse permutation
    def backward(self, grad):
        inverse = [0] * len(self.axes)
        for position, axis in enumerate(self.axes):
            inverse[axis] = position
        return permute(grad, *inverse)


def permute(x: Tensor, *dims) -> Tensor:
    """Reorder the axes: output axis i is input axis ``dims[i]``.

    Shape (N, H, W, C) with dims (0, 3, 1, 2) -> (N, C, H, W).
    """
    dims = _shape_arg(dims)
    axes = tuple(normalize_dim(d, x.ndim, "permute") for d in dims)
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"permute: dims {dims} are not a permutation of the {x.ndim} axes of "
                         f"a tensor of shape {tuple(x.shape)}")
    if axes == tuple(range(x.ndim)):
        return x
    return Permute(axes)(x)


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two axes.  Shape (N, L, E) with dims (0, 1) -> (L, N, E)."""
    dim0 = normalize_dim(dim0, x.ndim, "transpose")
    dim1 = normalize_dim(dim1, x.ndim, "transpose")
    if x.ndim == 0:
        return x
    axes = list(range(x.ndim))
    axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
    return permute(x, *axes)


def movedim(x: Tensor, source, destination) -> Tensor:
    """Move axis ``source`` to position ``destination`` (ints, or sequences of equal length);
    the other axes keep their order.  Shape (A, B, C) with source 0, destination -1 -> (B, C, A).
    """
    sources = [source] if isinstance(source, (int, np.integer)) else list(source)
    destinations = [destination] if isinstance(destination, (int, np.integer)) \
        else list(destination)
    if len(sources) != len(destinations):
        raise ValueError(f"movedim: source {source} and destination {destination} must have the "
                         "same number of dims")
    sources = [normalize_dim(d, x.ndim, "movedim") for d in sources]
    destinations = [normalize_dim(d, x.ndim, "movedim") for d in destinations]
    if len(set(sources)) != len(sources) or len(set(destinations)) != len(destinations):
        raise ValueError(f"movedim: repeated dim in source {source} or destination "
                         f"{destination}")
    rest = [axis for axis in range(x.ndim) if axis not in sources]
    order = [None] * x.ndim
    for src, dst in zip(sources, destinations):
        order[dst] = src
    for position in range(x.ndim):
        if order[position] is None:
            order[position] = rest.pop(0)
    return permute(x, *order)


moveaxis = movedim


# ---------------------------------------------------------------------------------------------
# broadcast_to / sum_to: each is the other's gradient
# ---------------------------------------------------------------------------------------------


def _broadcast_view(array, shape: tuple):
    """``xp.broadcast_to(array, shape)``: a read-only view in which every stretched axis has
    stride 0, so no element is copied.

    NumPy's own broadcast_to spends ~2.5 µs of Python on each call, which dominates the backward
    of small reductions; for a contiguous NumPy array the view is built directly instead.
    """
    if type(array) is not np.ndarray or not array.flags.c_contiguous:
        return backend.get_array_module(array).broadcast_to(array, shape)
    lead = len(shape) - array.ndim
    if lead < 0:
        raise ValueError(f"cannot broadcast shape {array.shape} to {shape}")
    strides = [0] * lead
    for size, target, stride in zip(array.shape, shape[lead:], array.strides):
        if size == target:
            strides.append(stride)
        elif size == 1:
            strides.append(0)
        else:
            raise ValueError(f"cannot broadcast shape {array.shape} to {shape}")
    view = np.ndarray(shape, array.dtype, buffer=array, strides=tuple(strides))
    view.flags.writeable = False
    return view


class BroadcastTo(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.input_shape = x.shape
        return _broadcast_view(x, self.shape)

    # each input element was copied to several places: its gradient is the sum over them
    def backward(self, grad):
        return sum_to(grad, self.input_shape)


def broadcast_to(x: Tensor, shape) -> Tensor:
    """``x`` repeated along new leading or size-1 axes to ``shape`` (a read-only view)."""
    shape = tuple(int(s) for s in shape)
    if shape == x.shape:
        return x
    try:
        return BroadcastTo(shape)(x)
    except ValueError:
        raise ValueError(f"broadcast_to: cannot broadcast shape {tuple(x.shape)} to "
                         f"{shape}") from None


def expand(x: Tensor, *shape) -> Tensor:
    """``broadcast_to`` where -1 keeps the existing size (PyTorch's ``expand``)."""
    shape = _shape_arg(shape)
    offset = len(shape) - x.ndim
    if offset < 0:
        raise ValueError(f"expand: target shape {shape} has fewer dimensions than the tensor's "
                         f"{tuple(x.shape)}")
    resolved = tuple(x.shape[i - offset] if s == -1 and i >= offset else s
                     for i, s in enumerate(shape))
    return broadcast_to(x, resolved)


class SumTo(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.input_shape = x.shape
        return sum_to_array(x, self.shape)

    # the sum gives every input element the gradient of the output element it went into
    def backward(self, grad):
        return broadcast_to(grad, self.input_shape)


def sum_to(x: Tensor, shape) -> Tensor:
    """Sum ``x`` over the axes that broadcasting added or stretched, so the result has ``shape``.

    This is how every broadcasting op reduces its gradient: if ``a`` of shape (3, 1) was added
    to ``b`` of shape (2, 3, 4), the gradient (2, 3, 4) is summed to (3, 1).

    >>> import minigrad
    >>> minigrad.ones(2, 3, 4).sum_to((3, 1)).tolist()
    [[8.0], [8.0], [8.0]]
    """
    shape = tuple(shape)
    if x.shape == shape:
        return x
    lead = x.ndim - len(shape)
    if lead < 0 or any(s != 1 and s != n for s, n in zip(shape, x.shape[lead:])):
        raise ValueError(f"sum_to: a tensor of shape {tuple(x.shape)} cannot be summed to "
                         f"shape {shape} (it does not broadcast to it)")
    return SumTo(shape)(x)


def sum_to_array(array, shape):
    """The array-level work of sum_to: sum away leading axes, then the stretched size-1 axes."""
    lead = array.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, size in enumerate(shape) if size == 1 and array.shape[lead + i] != 1
    )
    result = array.sum(axis=axes, keepdims=True) if axes else array
    if lead:
        result = result.reshape(shape)
    return result


# ---------------------------------------------------------------------------------------------
# getitem: x[index] and its gradient, a scatter-add into zeros
# ---------------------------------------------------------------------------------------------


def _is_array(item) -> bool:
    return isinstance(item, np.ndarray) or backend.is_cuda_array(item)


def _index_array(item, x: Tensor):
    """One index entry that is a Tensor, list or array, as an integer or boolean array on
    ``x``'s device.  A 0-d integer array becomes a Python int (a view, like ``x[2]``)."""
    if isinstance(item, Tensor):
        item = item.data
    if isinstance(item, (list, tuple)):
        array = np.asarray(item)
        if array.size == 0:
            array = array.astype(np.int64)
    else:
        array = item
    if array.dtype.kind not in "iub":
        raise IndexError(f"getitem: tensors used as indices must be integer or bool, got dtype "
                         f"{array.dtype} (indexing a tensor of shape {tuple(x.shape)})")
    if array.ndim == 0 and array.dtype.kind in "iu":
        return int(array)
    return backend.to_device(array, x.device)


def _normalize_index(index, x: Tensor, xp):
    """``index`` with every Tensor/list/array entry made a backend array on x's device.

    Returns (index, unique): ``unique`` is False when the index holds integer arrays, which may
    pick one element several times (then the gradient must be scatter-ADDED, not assigned).
    """
    items = index if isinstance(index, tuple) else (index,)
    normalized = []
    unique = True
    for item in items:
        if item is None or item is Ellipsis or isinstance(item, (int, slice, np.integer,
                                                                 np.bool_)):
            normalized.append(item)
            continue
        if isinstance(item, float):
            raise IndexError(f"getitem: only integers, slices, None, Ellipsis and integer or "
                             f"boolean tensors are valid indices, got the float {item}")
        if not isinstance(item, (Tensor, list, tuple)) and not _is_array(item):
            raise IndexError(f"getitem: unsupported index of type {type(item).__name__}")
        array = _index_array(item, x)
        if _is_array(array) and array.dtype.kind in "iu":
            unique = False
        normalized.append(array)
    if xp is not np:
        _check_bounds(normalized, x)
    return tuple(normalized), unique


def _check_bounds(items, x: Tensor) -> None:
    """IndexError for an integer array index out of range.  NumPy checks this itself; CuPy
    would wrap around silently, so on a GPU it is checked here (one small reduction each)."""
    consumed = sum(item.ndim if _is_array(item) and item.dtype.kind == "b"
                   else 0 if item is None or item is Ellipsis else 1 for item in items)
    axis = 0
    for item in items:
        if item is Ellipsis:
            axis += x.ndim - consumed
        elif _is_array(item) and item.dtype.kind == "b":
            axis += item.ndim
        elif item is not None:
            if axis >= x.ndim:
                return  # too many indices: the indexing itself reports it
            if _is_array(item) and item.size:
                size = x.shape[axis]
                low, high = int(item.min()), int(item.max())
                if low < -size or high >= size:
                    bad = low if low < -size else high
                    raise IndexError(f"getitem: index {bad} is out of bounds for dim {axis} "
                                     f"with size {size} (tensor of shape {tuple(x.shape)})")
            axis += 1


class GetItem(Function):
    def __init__(self, index, unique: bool):
        self.index = index
        self.unique = unique

    def forward(self, x):
        self.input_shape = x.shape
        return x[self.index]

    # d x[index] / dx: each picked element passes its gradient back to where it came from
    def backward(self, grad):
        return GetItemGrad(self.index, self.input_shape, self.unique)(grad)


class GetItemGrad(Function):
    """The gradient of ``x[index]``: ``grad`` scattered into zeros of x's shape, adding up the
    contributions of elements picked more than once."""

    def __init__(self, index, shape, unique: bool):
        self.index = index
        self.shape = shape
        self.unique = unique

    def forward(self, grad):
        result = xp_of(grad).zeros(self.shape, dtype=grad.dtype)
        if self.unique:
            result[self.index] = grad  # every position at most once: assignment is enough
        else:
            _scatter_add_into(result, self.index, grad)
        return result

    # scattering is linear; its adjoint is picking the same elements: d/dg scatter(g) = g[index]
    def backward(self, grad):
        return GetItem(self.index, self.unique)(grad)


def _scatter_add_into(target, index, values) -> None:
    """``target[index] += values``, where a position picked k times receives all k values."""
    positions = _leading_axis_positions(index)
    if positions is not None and cuda_kernels.runs_on(target, values) \
            and target.flags.c_contiguous:
        # GPU: one atomicAdd per value (kernels/embedding_backward.cu)
        cuda_kernels.embedding_backward(target, positions, values)
    elif positions is not None and positions.size >= target.shape[0] > 0:
        _scatter_add_rows(target, positions, values)
    else:
        xp_of(target).add.at(target, index, values)


def _leading_axis_positions(index):
    """The integer array when ``index`` picks whole rows of axis 0 (``x[idx]``, ``x[idx, :]``:
    embedding lookups, index_select along dim 0); else None."""
    items = index if isinstance(index, tuple) else (index,)
    first = items[0] if items else None
    if not (_is_array(first) and first.dtype.kind in "iu"):
        return None
    for item in items[1:]:
        if item is not Ellipsis and not (isinstance(item, slice) and item == slice(None)):
            return None
    return first


def _scatter_add_rows(target, positions, values) -> None:
    """``target[positions] += values`` for row picks, by one ``bincount``.

    View target as (rows, width): value (n, c) belongs to bin ``positions[n] * width + c``, and
    bincount sums every bin at once.  With at least as many picks as rows (a small vocabulary
    looked up many times) this beats ``add.at`` 2-3x; with fewer picks than rows, ``add.at``,
    which touches only the picked rows, is as fast, so it is used instead.
    """
    xp = xp_of(target)
    rows = target.shape[0]
    width = target.size // rows
    flat = positions.reshape(-1)
    flat = xp.where(flat < 0, flat + rows, flat)  # -1 and rows-1 are the same row
    bins = (flat.reshape(-1, 1) * width + xp.arange(width)).reshape(-1)
    sums = xp.bincount(bins, weights=values.reshape(-1), minlength=rows * width)
    target += sums.reshape(target.shape).astype(target.dtype, copy=False)


def getitem(x: Tensor, index) -> Tensor:
    """``x[index]`` with NumPy's rules: ints, slices (negative steps too), None, Ellipsis,
    integer arrays/lists/int64 tensors (advanced indexing) and boolean masks, mixed freely.

    Basic indexing gives a view; the gradient of a picked element flows back to its position,
    summed when an integer index picks the same element twice.

    >>> import minigrad
    >>> x = minigrad.arange(6.0).reshape(2, 3)
    >>> x[:, ::-1].tolist(), x[1, [0, 0]].tolist()
    ([[2.0, 1.0, 0.0], [5.0, 4.0, 3.0]], [3.0, 3.0])
    """
    xp = backend.get_array_module(x.data)
    if type(index) is int or type(index) is slice:
        normalized, unique = index, True
    else:
        normalized, unique = _normalize_index(index, x, xp)
    try:
        return GetItem(normalized, unique)(x)
    except IndexError as error:
        raise IndexError(f"getitem: {error} (indexing a tensor of shape {tuple(x.shape)})") \
            from None


def narrow(x: Tensor, dim: int, start: int, length: int) -> Tensor:
    """The elements ``start .. start+length-1`` along ``dim`` (a view).  ``start`` may be
    negative.  Shape (N, M) with dim=1, length=k -> (N, k)."""
    dim = normalize_dim(dim, x.ndim, "narrow")
    size = x.shape[dim]
    if not -size <= start <= size:
        raise IndexError(f"narrow: start {start} is out of range for dim {dim} of size {size} "
                         f"(tensor of shape {tuple(x.shape)})")
    start = start % size if size and start < 0 else start
    if length < 0 or start + length > size:
        raise IndexError(f"narrow: start {start} + length {length} exceeds the size {size} of "
                         f"dim {dim} (tensor of shape {tuple(x.shape)})")
    return getitem(x, _full_slices(dim) + (slice(start, start + length),))


def select(x: Tensor, dim: int, index: int) -> Tensor:
    """The slice at position ``index`` of ``dim``, that dim removed: ``select(x, 1, i)`` is
    ``x[:, i]``."""
    dim = normalize_dim(dim, x.ndim, "select")
    return getitem(x, _full_slices(dim) + (int(index),))


def _integer_index(index, x: Tensor, op: str):
    """An index argument (Tensor, list, array) as an integer array on x's device."""
    if isinstance(index, Tensor):
        array = index.data
    elif _is_array(index):
        array = index
    else:
        array = np.asarray(index, dtype=np.int64)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must be an integer tensor, got dtype {array.dtype}")
    return backend.to_device(array, x.device)


def index_select(x: Tensor, dim: int, index) -> Tensor:
    """The entries ``index`` (a 1-D integer tensor) along ``dim``: ``x[:, index]`` for dim=1.

    Shape (N, M) with dim=1 and index of length k -> (N, k).  Repeated entries get the sum of
    their gradients.
    """
    dim = normalize_dim(dim, x.ndim, "index_select")
    positions = _integer_index(index, x, "index_select")
    if positions.ndim > 1:
        raise ValueError(f"index_select: index must be 1-D, got shape {tuple(positions.shape)}")
    return getitem(x, _full_slices(dim) + (positions.reshape(-1),))


# ---------------------------------------------------------------------------------------------
# gather / take_along_dim / scatter_add
# ---------------------------------------------------------------------------------------------


def _along_dim_index(positions, dim: int, xp) -> tuple:
    """The advanced index that makes ``x[index][i, j, k] = x[i, positions[i, j, k], k]`` (for
    dim=1): ``positions`` at ``dim``, and an arange broadcast along every other axis."""
    parts = []
    for axis, size in enumerate(positions.shape):
        if axis == dim:
            parts.append(positions)
        else:
            view = [1] * positions.ndim
            view[axis] = size
            parts.append(xp.arange(size).reshape(view))
    return tuple(parts)


def _check_along_dim(x: Tensor, dim: int, positions, op: str) -> None:
    """gather's rules: same ndim, index no larger than x off ``dim``, entries in range."""
    if positions.ndim != x.ndim:
        raise ValueError(f"{op}: index of shape {tuple(positions.shape)} must have as many "
                         f"dimensions as the input of shape {tuple(x.shape)}")
    for axis, (n, m) in enumerate(zip(positions.shape, x.shape)):
        if axis != dim and n > m:
            raise ValueError(f"{op}: index of shape {tuple(positions.shape)} is larger than the "
                             f"input of shape {tuple(x.shape)} in dim {axis}")
    if positions.size:
        low, high = int(positions.min()), int(positions.max())
        if low < 0 or high >= x.shape[dim]:
            bad = low if low < 0 else high
            raise IndexError(f"{op}: index {bad} is out of bounds for dim {dim} with size "
                             f"{x.shape[dim]} (input of shape {tuple(x.shape)})")


def gather(x: Tensor, dim: int, index) -> Tensor:
    """``out[i][j][k] = x[i][index[i][j][k]][k]`` for dim=1 (likewise for other dims).

    ``index`` is an integer tensor with x's number of dimensions and no larger than x in the
    other dims; the result has index's shape.  The gradient scatters back (summed on repeats).

    >>> import minigrad
    >>> x = minigrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> x.gather(1, minigrad.tensor([[0, 0], [1, 0]])).tolist()
    [[1.0, 1.0], [4.0, 3.0]]
    """
    dim = normalize_dim(dim, x.ndim, "gather")
    positions = _integer_index(index, x, "gather")
    _check_along_dim(x, dim, positions, "gather")
    return GetItem(_along_dim_index(positions, dim, xp_of(x)), False)(x)


def take_along_dim(x: Tensor, indices, dim: int | None = None) -> Tensor:
    """``gather`` where x and ``indices`` broadcast against each other off ``dim``
    (``numpy.take_along_axis``).  With dim=None both are flattened first."""
    positions = _integer_index(indices, x, "take_along_dim")
    if dim is None:
        return gather(flatten(x), 0, positions.reshape(-1))
    dim = normalize_dim(dim, x.ndim, "take_along_dim")
    if positions.ndim != x.ndim:
        raise ValueError(f"take_along_dim: indices of shape {tuple(positions.shape)} must have "
                         f"as many dimensions as the input of shape {tuple(x.shape)}")
    x_off = x.shape[:dim] + (1,) + x.shape[dim + 1:]
    index_off = positions.shape[:dim] + (1,) + positions.shape[dim + 1:]
    try:
        common = np.broadcast_shapes(x_off, index_off)
    except ValueError:
        raise ValueError(f"take_along_dim: input of shape {tuple(x.shape)} and indices of "
                         f"shape {tuple(positions.shape)} do not broadcast off dim "
                         f"{dim}") from None
    x = broadcast_to(x, common[:dim] + (x.shape[dim],) + common[dim + 1:])
    index_shape = common[:dim] + (positions.shape[dim],) + common[dim + 1:]
    positions = xp_of(x).broadcast_to(positions, index_shape)
    return gather(x, dim, positions)


class ScatterAdd(Function):
    def __init__(self, index):
        self.index = index

    def forward(self, x, src):
        result = x.copy()
        _scatter_add_into(result, self.index, src)
        return result

    # d/dx = 1 (x passes through); d/dsrc = grad picked where src was added (gather)
    def backward(self, grad):
        grad_x = grad if self.needs_input_grad[0] else None
        grad_src = GetItem(self.index, False)(grad) if self.needs_input_grad[1] else None
        return grad_x, grad_src


def scatter_add(x: Tensor, dim: int, index, src: Tensor) -> Tensor:
    """A copy of ``x`` with ``src`` added at ``index`` along ``dim``: for dim=1,
    ``out[i][index[i][j][k]][k] += src[i][j][k]``, every repeat adding.  The inverse of gather:
    index has x's ndim, src is at least as large as index (its extra part is ignored)."""
    dim = normalize_dim(dim, x.ndim, "scatter_add")
    positions = _integer_index(index, x, "scatter_add")
    _check_along_dim(x, dim, positions, "scatter_add")
    if src.ndim != positions.ndim or any(s < n for s, n in zip(src.shape, positions.shape)):
        raise ValueError(f"scatter_add: src of shape {tuple(src.shape)} must be at least as "
                         f"large as index of shape {tuple(positions.shape)} in every dim")
    if src.shape != positions.shape:
        src = getitem(src, tuple(slice(0, n) for n in positions.shape))
    if src.dtype != x.dtype:
        raise TypeError(f"scatter_add: src has dtype {src.dtype} but the input has {x.dtype}")
    return ScatterAdd(_along_dim_index(positions, dim, xp_of(x)))(x, src)


# ---------------------------------------------------------------------------------------------
# masked_fill / tril / triu
# ---------------------------------------------------------------------------------------------


class MaskedFill(Function):
    def __init__(self, mask, value):
        self.mask = mask
        self.value = value

    def forward(self, x):
        xp = xp_of(x)
        return xp.where(self.mask, xp.asarray(self.value, dtype=x.dtype), x)

    # d/dx masked_fill(x) = 0 where the mask is true, 1 elsewhere
    def backward(self, grad):
        return MaskedFill(self.mask, 0)(grad)


def masked_fill(x: Tensor, mask, value) -> Tensor:
    """A copy of ``x`` with ``value`` wherever the boolean ``mask`` (broadcast to x's shape)
    is true; e.g. ``scores.masked_fill(~allowed, float('-inf'))`` before a softmax.  The
    gradient is zero at the filled positions."""
    mask_array = mask.data if isinstance(mask, Tensor) else mask
    if not _is_array(mask_array) or mask_array.dtype.kind != "b":
        raise TypeError("masked_fill: mask must be a boolean tensor")
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise ValueError(f"masked_fill: value must be a number or a one-element tensor, "
                             f"got shape {tuple(value.shape)}")
        value = value.item()
    try:
        shape = np.broadcast_shapes(mask_array.shape, x.shape)
    except ValueError:
        shape = None
    if shape != x.shape:
        raise ValueError(f"masked_fill: mask of shape {tuple(mask_array.shape)} does not "
                         f"broadcast to the tensor's shape {tuple(x.shape)}")
    return MaskedFill(backend.to_device(mask_array, x.device), value)(x)


def _triangle(x: Tensor, diagonal: int, lower: bool, op: str) -> Tensor:
    if x.ndim < 2:
        raise ValueError(f"{op}: expected a tensor with at least 2 dimensions, got shape "
                         f"{tuple(x.shape)}")
    rows, cols = x.shape[-2:]
    xp = xp_of(x)
    if lower:
        dropped = ~xp.tri(rows, cols, k=diagonal, dtype=bool)
    else:
        dropped = xp.tri(rows, cols, k=diagonal - 1, dtype=bool)
    return MaskedFill(dropped, 0)(x)


def tril(x: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dims: elements with ``col - row <= diagonal`` kept,
    the rest zero (their gradient too)."""
    return _triangle(x, diagonal, True, "tril")


def triu(x: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dims: elements with ``col - row >= diagonal`` kept,
    the rest zero (their gradient too)."""
    return _triangle(x, diagonal, False, "triu")


# ---------------------------------------------------------------------------------------------
# cat / stack and their inverses split / unbind
# ---------------------------------------------------------------------------------------------


def _same_dtype(tensors, op: str) -> list:
    """The tensors with one common dtype (the widest float among them, else NumPy's rule)."""
    if isinstance(tensors, Tensor):
        raise TypeError(f"{op}: expected a sequence of Tensors, got a single Tensor")
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty sequence of tensors")
    for tensor in tensors:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"{op}: expected a sequence of Tensors, got an element of type "
                            f"{type(tensor).__name__}")
    found = {tensor.dtype for tensor in tensors}
    if len(found) == 1:
        return list(tensors)
    floats = [dtype for dtype in found if dtype.kind == "f"]
    common = np.result_type(*floats) if floats else np.result_type(*found)
    return [tensor.to(common) for tensor in tensors]


class Cat(Function):
    def __init__(self, dim: int):
        self.dim = dim

    def forward(self, *xs):
        self.sizes = [x.shape[self.dim] for x in xs]
        return xp_of(xs[0]).concatenate(xs, axis=self.dim)

    # each input owns a slab of the output: its gradient is that slab of the gradient
    def backward(self, grad):
        return split(grad, self.sizes, self.dim)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing ``dim``; all other dims must agree.

    Shapes (2, 3) and (4, 3) with dim=0 -> (6, 3).

    >>> import minigrad
    >>> minigrad.cat([minigrad.zeros(2, 3), minigrad.ones(4, 3)]).shape
    (6, 3)
    """
    tensors = _same_dtype(tensors, "cat")
    first = tensors[0]
    dim = normalize_dim(dim, first.ndim, "cat")
    if first.ndim == 0:
        raise ValueError("cat: zero-dimensional tensors cannot be concatenated")
    for tensor in tensors[1:]:
        if tensor.ndim != first.ndim or \
                tensor.shape[:dim] + tensor.shape[dim + 1:] != first.shape[:dim] + \
                first.shape[dim + 1:]:
            listed = ", ".join(str(tuple(t.shape)) for t in tensors)
            raise ValueError(f"cat: shapes {listed} must agree in every dim except dim {dim}")
    if len(tensors) == 1:
        return tensors[0]
    return Cat(dim)(*tensors)


concat = cat


class Stack(Function):
    def __init__(self, dim: int):
        self.dim = dim

    def forward(self, *xs):
        return xp_of(xs[0]).stack(xs, axis=self.dim)

    # input i is the slice i of the output along dim: its gradient is that slice
    def backward(self, grad):
        return unbind(grad, self.dim)


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors of one shape along a new ``dim``.  k tensors (N, M), dim=0 -> (k, N, M)."""
    tensors = _same_dtype(tensors, "stack")
    first = tensors[0]
    dim = normalize_dim(dim, first.ndim + 1, "stack")
    for tensor in tensors[1:]:
        if tensor.shape != first.shape:
            listed = ", ".join(str(tuple(t.shape)) for t in tensors)
            raise ValueError(f"stack: expects tensors of equal shape, got {listed}")
    return Stack(dim)(*tensors)


class Split(Function):
    def __init__(self, sizes, dim: int):
        self.sizes = sizes
        self.dim = dim

    def forward(self, x):
        pieces = []
        start = 0
        before = _full_slices(self.dim)
        for size in self.sizes:
            pieces.append(x[before + (slice(start, start + size),)])
            start += size
        return tuple(pieces)

    # the pieces tile the input: its gradient is the pieces' gradients joined again
    def backward(self, *grads):
        return cat(list(grads), self.dim)


def split(x: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Cut ``x`` along ``dim`` into pieces of ``split_size`` (the last may be smaller), or of the
    sizes in a list.  Returns a tuple of views.

    >>> import minigrad
    >>> [p.shape for p in minigrad.zeros(5, 2).split(2)]
    [(2, 2), (2, 2), (1, 2)]
    """
    dim = normalize_dim(dim, x.ndim, "split")
    length = x.shape[dim]
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = int(split_size_or_sections)
        if size <= 0:
            raise ValueError(f"split: split_size must be positive, got {size}")
        sizes = [size] * (length // size)
        if length % size:
            sizes.append(length % size)
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != length or any(s < 0 for s in sizes):
            raise ValueError(f"split: sections {sizes} do not add up to the size {length} of "
                             f"dim {dim} (tensor of shape {tuple(x.shape)})")
    if not sizes:
        return ()
    return Split(sizes, dim)(x)


def chunk(x: Tensor, chunks: int, dim: int = 0) -> tuple:
    """Cut ``x`` into ``chunks`` pieces of ceil(size / chunks) along ``dim`` (fewer when the
    size runs out, as in PyTorch)."""
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    dim = normalize_dim(dim, x.ndim, "chunk")
    size = max(1, -(-x.shape[dim] // chunks))
    return split(x, size, dim)


class Unbind(Function):
    def __init__(self, dim: int):
        self.dim = dim

    def forward(self, x):
        before = _full_slices(self.dim)
        return tuple(x[before + (i,)] for i in range(x.shape[self.dim]))

    # output i is slice i of the input: the input's gradient stacks the outputs' gradients
    def backward(self, *grads):
        return stack(list(grads), self.dim)


def unbind(x: Tensor, dim: int = 0) -> tuple:
    """The slices of ``x`` along ``dim``, that dim removed: (T, N, H) -> T tensors (N, H).

    Iterate over time steps this way rather than with ``x[t]``: its backward is one stack,
    where T separate ``x[t]`` would each scatter into a full-size zero tensor.
    """
    dim = normalize_dim(dim, x.ndim, "unbind")
    if x.ndim == 0:
        raise ValueError("unbind: a 0-d tensor has no dim to unbind")
    return Unbind(dim)(x)


# ---------------------------------------------------------------------------------------------
# pad / flip / roll / repeat
# ---------------------------------------------------------------------------------------------


class Pad(Function):
    def __init__(self, widths, value):
        self.widths = widths  # one (before, after) pair per dim, all >= 0
        self.value = value

    def forward(self, x):
        xp = xp_of(x)
        shape = tuple(n + before + after for n, (before, after) in zip(x.shape, self.widths))
        result = xp.full(shape, self.value, dtype=x.dtype)
        result[self.inner(x.shape)] = x
        return result

    def inner(self, shape) -> tuple:
        return tuple(slice(before, before + n) for n, (before, _) in zip(shape, self.widths))

    # the padding is constant: the input's gradient is the inner block of the gradient
    def backward(self, grad):
        (x,) = self.inputs
        return GetItem(self.inner(x.shape), True)(grad)


def _pad_positions(size: int, before: int, after: int, mode: str, xp):
    """Which input position each output position copies along one axis, for the non-constant
    modes.  For size 4 and (2, 2): reflect 2 1 0 1 2 3 2 1, replicate 0 0 0 1 2 3 3 3,
    circular 2 3 0 1 2 3 0 1."""
    positions = xp.arange(-before, size + after)
    if mode == "replicate":
        return xp.clip(positions, 0, size - 1)
    if mode == "circular":
        return positions % size
    period = 2 * (size - 1)  # reflect: size >= 2 was checked by pad
    folded = xp.abs(positions) % period
    return xp.where(folded < size, folded, period - folded)


def pad(x: Tensor, pad: Sequence[int], mode: str = "constant",  # noqa: A002 -- F.pad's name
        value: float = 0.0) -> Tensor:
    """Pad with F.pad's convention: ``pad`` lists (before, after) pairs starting at the LAST
    dim, so (1, 1, 2, 0) pads the last dim by 1 on both sides and the one before by 2 on top.

    Modes: 'constant' (``value``; negative widths crop), 'reflect' (mirror without repeating
    the edge), 'replicate' (repeat the edge), 'circular' (wrap around).
    Shape (N, C, H, W) with (1, 1, 1, 1) -> (N, C, H+2, W+2).

    >>> import minigrad
    >>> minigrad.pad(minigrad.tensor([1.0, 2.0, 3.0]), (2, 1), mode="reflect").tolist()
    [3.0, 2.0, 1.0, 2.0, 3.0, 2.0]
    """
    widths_list = [int(w) for w in pad]
    if len(widths_list) % 2 or len(widths_list) > 2 * x.ndim:
        raise ValueError(f"pad: pad {tuple(pad)} must have an even length of at most "
                         f"2 * {x.ndim} for a tensor of shape {tuple(x.shape)}")
    widths = [(0, 0)] * x.ndim
    for i in range(len(widths_list) // 2):
        widths[x.ndim - 1 - i] = (widths_list[2 * i], widths_list[2 * i + 1])
    if mode == "constant":
        if any(before < 0 or after < 0 for before, after in widths):
            crop = tuple(slice(-min(before, 0), n + min(after, 0))
                         for n, (before, after) in zip(x.shape, widths))
            if any(c.start > c.stop for c in crop):
                raise ValueError(f"pad: negative pad {tuple(pad)} crops more than the tensor "
                                 f"of shape {tuple(x.shape)} holds")
            x = getitem(x, crop)
            widths = [(max(before, 0), max(after, 0)) for before, after in widths]
        if all(before == 0 and after == 0 for before, after in widths):
            return x
        return Pad(tuple(widths), value)(x)
    if mode not in ("reflect", "replicate", "circular"):
        raise ValueError(f"pad: unknown mode {mode!r}; expected 'constant', 'reflect', "
                         "'replicate' or 'circular'")
    xp = xp_of(x)
    for axis, (before, after) in enumerate(widths):
        if before == 0 and after == 0:
            continue
        size = x.shape[axis]
        if before < 0 or after < 0:
            raise ValueError(f"pad: mode {mode!r} needs non-negative pads, got {tuple(pad)}")
        # reflect mirrors without the edge, circular wraps once; replicate repeats the edge
        # value as often as asked (PyTorch's limits)
        limit = {"reflect": size - 1, "circular": size, "replicate": math.inf}[mode]
        if max(before, after) > limit or size == 0:
            raise ValueError(f"pad: mode {mode!r} pads of {before} and {after} are too large "
                             f"for dim {axis} of size {size} (tensor of shape {tuple(x.shape)})")
        positions = _pad_positions(size, before, after, mode, xp)
        x = GetItem(_full_slices(axis) + (positions,), False)(x)
    return x


class Flip(Function):
    def __init__(self, axes):
        self.axes = axes

    def forward(self, x):
        return xp_of(x).flip(x, axis=self.axes)

    # reversing moves elements: the gradient is reversed back
    def backward(self, grad):
        return Flip(self.axes)(grad)


def flip(x: Tensor, dims) -> Tensor:
    """Reverse the order of the elements along ``dims`` (an int or a sequence of ints)."""
    axes = normalize_dims(dims, x.ndim, "flip") if x.ndim else ()
    if not axes:
        return x
    return Flip(axes)(x)


class Roll(Function):
    def __init__(self, shifts, axes):
        self.shifts = shifts
        self.axes = axes

    def forward(self, x):
        return xp_of(x).roll(x, self.shifts, axis=self.axes)

    # rolling moves elements: the gradient is rolled back by the opposite shifts
    def backward(self, grad):
        return Roll(tuple(-s for s in self.shifts), self.axes)(grad)


def roll(x: Tensor, shifts, dims=None) -> Tensor:
    """Shift the elements along ``dims`` by ``shifts`` places, wrapping around (ints or
    sequences of equal length).  With dims=None the tensor is flattened, rolled and reshaped."""
    shifts = (int(shifts),) if isinstance(shifts, (int, np.integer)) else \
        tuple(int(s) for s in shifts)
    if dims is None:
        if len(shifts) != 1:
            raise ValueError(f"roll: with dims=None, shifts must be one int, got {shifts}")
        return reshape(Roll(shifts, (0,))(flatten(x)), x.shape)
    dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if len(dims) != len(shifts):
        raise ValueError(f"roll: shifts {shifts} and dims {dims} must have the same length")
    axes = tuple(normalize_dim(d, x.ndim, "roll") for d in dims)
    return Roll(shifts, axes)(x)


def repeat(x: Tensor, *repeats) -> Tensor:
    """Tile ``x``: dim i is repeated ``repeats[i]`` times (``torch.Tensor.repeat``, i.e.
    ``numpy.tile``).  Extra leading repeats add new dims: (2, 3) with (2, 1, 2) -> (2, 2, 6).

    Built from reshape, broadcast_to, reshape: view x as (1, a, 1, b), broadcast to
    (r0, a, r1, b), merge to (r0*a, r1*b).  The gradient follows through those ops.
    """
    repeats = _shape_arg(repeats)
    if len(repeats) < x.ndim:
        raise ValueError(f"repeat: {len(repeats)} repeats given for a tensor of shape "
                         f"{tuple(x.shape)}; need at least one per dim")
    if any(r < 0 for r in repeats):
        raise ValueError(f"repeat: repeats must be non-negative, got {repeats}")
    shape = (1,) * (len(repeats) - x.ndim) + tuple(x.shape)
    interleaved_in = []
    interleaved_out = []
    for r, n in zip(repeats, shape):
        interleaved_in += [1, n]
        interleaved_out += [r, n]
    result = broadcast_to(reshape(x, interleaved_in), interleaved_out)
    return reshape(result, tuple(r * n for r, n in zip(repeats, shape)))
