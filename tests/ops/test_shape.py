"""Shape ops of minigrad/ops/shape.py (reshape ... repeat, cat/stack/split, pad, flip, roll,
tril/triu) through the op harness, round-trip properties, and bad-input errors.

Indexing ops (getitem, gather, ...) are in test_indexing.py.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from tests.harness import OpCase, assert_close, check_op, devices
from tests.strategies import arrays, broadcastable_shapes, shapes


def _check(data, device, name, op, reference, inputs, **options):
    """Run the whole harness on fixed input arrays (drawn by the test itself)."""
    case = OpCase(name, op, reference, st.just(tuple(inputs)), **options)
    check_op(case, data, device)


def _array(data, shape):
    return data.draw(arrays(shape), label="x")


def _small(min_dims=0, max_dims=3):
    return shapes(min_dims=min_dims, max_dims=max_dims, max_side=3)


# ---------------------------------------------------------------------------------------------
# reshape / flatten / unflatten / squeeze / unsqueeze
# ---------------------------------------------------------------------------------------------


def _reshape_targets(size: int) -> list:
    """Shapes holding ``size`` elements, with and without a -1."""
    targets = [(size,), (-1,), (1, size), (size, 1, 1), (-1, 1)]
    for factor in range(2, size):
        if size % factor == 0:
            targets += [(factor, size // factor), (size // factor, 1, factor), (factor, -1)]
    return targets


@pytest.mark.parametrize("device", devices())
@given(data=st.data())
def test_reshape(device, data):
    x = _array(data, _small())
    target = data.draw(st.sampled_from(_reshape_targets(x.size)), label="target")
    _check(data, device, "reshape", lambda t: t.reshape(*target), lambda a: a.reshape(target),
           [x])


@pytest.mark.parametrize("device", devices())
@given(data=st.data())
def test_flatten(device, data):
    x = _array(data, _small(min_dims=1, max_dims=4))
    start = data.draw(st.integers(0, x.ndim - 1), label="start")
    end = data.draw(st.integers(start, x.ndim - 1), label="end")
    merged = x.shape[:start] + (math.prod(x.shape[start:end + 1]),) + x.shape[end + 1:]
    _check(data, device, "flatten", lambda t: minigrad.flatten(t, start, end - x.ndim),
           lambda a: a.reshape(merged), [x])


def test_flatten_0d_gives_one_element():
    assert minigrad.flatten(minigrad.tensor(3.0)).shape == (1,)


def test_unflatten_inverts_flatten():
    x = minigrad.randn(2, 12)
    y = minigrad.unflatten(x, 1, (3, -1))
    assert y.shape == (2, 3, 4)
    np.testing.assert_array_equal(y.flatten(1).numpy(), x.numpy())


@pytest.mark.parametrize("device", devices())
@given(data=st.data())
def test_squeeze_unsqueeze(device, data):
    x = _array(data, shapes(min_dims=1, max_dims=4, max_side=2))
    dim = data.draw(st.integers(-x.ndim - 1, x.ndim), label="dim")
    _check(data, device, "unsqueeze", lambda t: t.unsqueeze(dim),
           lambda a: np.expand_dims(a, dim), [x])
    _check(data, device, "squeeze", lambda t: t.squeeze(), np.squeeze, [x])
    axis = data.draw(st.integers(0, x.ndim - 1), label="axis")
    expected = np.squeeze(x, axis) if x.shape[axis] == 1 else x
    _check(data, device, "squeeze(dim)", lambda t: t.squeeze(axis), lambda a: expected, [x])


# ---------------------------------------------------------------------------------------------
# permute / transpose / movedim
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("device", devices())
@given(data=st.data())
def test_permute_transpose(device, data):
    x = _array(data, _small(min_dims=1))
    order = data.draw(st.permutations(range(x.ndim)), label="order")
    _check(data, device, "permute", lambda t: t.permute(*order),
           lambda a: np.transpose(a, order), [x])
    d0 = data.draw(st.integers(-x.ndim, x.ndim - 1), label="d0")
    d1 = data.draw(st.integers(-x.ndim, x.ndim - 1), label="d1")
    _check(data, device, "transpose", lambda t: t.transpose(d0, d1),
           lambda a: np.swapaxes(a, d0, d1), [x])


@pytest.mark.parametrize("device", devices())
@given(data=st.data())
def test_movedim(device, data):
    x = _array(data, _small(min_dims=1))
    source = data.draw(st.lists(st.integers(0, x.ndim - 1), unique=True, min_size=1),
                       label="source")
    destination = data.draw(st.lists(st.integers(0, x.ndim - 1), unique=True,
                                     min_size=len(source), max_size=len(source)), label="dest")
    _check(data, device, "movedim", lambda t: minigrad.movedim(t, source, destination),
           lambda a: np.moveaxis(a, source, destination), [x])


# ---------------------------------------------------------------------------------------------
# broadcast_to / expand / sum_to
# ---------------------------------------------------------------------------------------------


def _sum_to_reference(array, shape):
    """Plain loops: every element of ``array`` is added into the position it broadcast from."""
    result = np.zeros(shape)
    lead = array.ndim - len(shape)
    for position in np.ndindex(*array.shape):
        source = tuple(0 if n == 1 else i for i, n in zip(position[lead:], shape))
        result[source] += array[position]
    return result


@pytest.mark.parametrize("device", devices())
@given(data=st.data())
def test_broadcast_to_and_sum_to(device, data):
    small, other = data.draw(broadcastable_shapes(2, max_side=3), label="shapes")
    full = np.broadcast_shapes(small, other)
    x = _array(data, small)
    _check(data, device, "broadcast_to", lambda t: t.broadcast_to(full),
           lambda a: np.broadcast_to(a, full), [x])
    offset = len(full) - len(small)
    keep = tuple(-1 if i >= offset and small[i - offset] == n else n for i, n in enumerate(full))
    _check(data, device, "expand", lambda t: t.expand(*keep),
           lambda a: np.broadcast_to(a, full), [x])
    y = _array(data, full)
    _check(data, device, "sum_to", lambda t: t.sum_to(small),
           lambda a: _sum_to_reference(a, small), [y])


@given(data=st.data())
def test_sum_to_is_adjoint_of_broadcast_to(data):
    small, other = data.draw(broadcastable_shapes(2), label="shapes")
    full = np.broadcast_shapes(small, other)
    x, y = _array(data, small), _array(data, full)
    left = (minigrad.tensor(x).broadcast_to(full) * minigrad.tensor(y)).sum().item()
    right = (minigrad.tensor(x) * minigrad.tensor(y).sum_to(small)).sum().item()
    assert np.isclose(left, right, rtol=1e-4, atol=1e-4)


def test_expand_keeps_minus_one_dims():
    x = minigrad.ones(3, 1)
    assert x.expand(2, -1, 4).shape == (2, 3, 4)


# ---------------------------------------------------------------------------------------------
# cat / stack / split / chunk / unbind
# ---------------------------------------------------------------------------------------------


@st.composite
def _cat_inputs(draw):
    shape = list(draw(_small(min_dims=1)))
    dim = draw(st.integers(0, len(shape) - 1))
    count = draw(st.integers(1, 3))
    pieces = []
    for _ in range(count):
        shape[dim] = draw(st.integers(0, 3))
        pieces.append(draw(arrays(tuple(shape))))
    return pieces, dim


@pytest.mark.parametrize("device", devices())
@given(data=st.data())
def test_cat(device, data):
    pieces, dim = data.draw(_cat_inputs(), label="pieces")
    negative = data.draw(st.booleans(), label="negative dim")
    use = dim - pieces[0].ndim if negative else dim
    _check(data, device, "cat", lambda *ts: minigrad.cat(ts, use),
           lambda *arrays_: np.concatenate(arrays_, axis=dim), pieces)


@given(data=st.data())
def test_cat_then_split_is_identity(data):
    pieces, dim = data.draw(_cat_inputs(), label="pieces")
    joined = minigrad.cat([minigrad.tensor(p) for p in pieces], dim)
    back = joined.split([p.shape[dim] for p in pieces], dim)
    assert len(back) == len(pieces)
    for got, want in zip(back, pieces):
        assert_close(got, want.astype(np.float32), np.float32)


@pytest.mark.parametrize("device", devices())
@given(data=st.data())
def test_stack(device, data):
    shape = data.draw(_small(), label="shape")
    count = data.draw(st.integers(1, 3), label="count")
    pieces = [_array(data, shape) for _ in range(count)]
    dim = data.draw(st.integers(-len(shape) - 1, len(shape)), label="dim")
    _check(data, device, "stack", lambda *ts: minigrad.stack(ts, dim),
           lambda *arrays_: np.stack(arrays_, axis=dim), pieces)


@given(data=st.data())
def test_stack_unbind_round_trip(data):
    x = _array(data, _small(min_dims=1))
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1), label="dim")
    slices = minigrad.unbind(minigrad.tensor(x, dtype=minigrad.float64), dim)
    assert len(slices) == x.shape[dim]
    assert_close(minigrad.stack(slices, dim), x)


@pytest.mark.parametrize("device", devices())
@given(data=st.data())
def test_split_by_size_and_sections(device, data):
    x = _array(data, _small(min_dims=1))
    dim = data.draw(st.integers(0, x.ndim - 1), label="dim")
    length = x.shape[dim]
    size = data.draw(st.integers(1, 4), label="size")
    bounds = list(range(size, length, size))
    _check(data, device, "split(size)", lambda t: t.split(size, dim),
           lambda a: tuple(np.split(a, bounds, axis=dim)), [x])
    cuts = sorted(data.draw(st.lists(st.integers(0, length), max_size=3), label="cuts"))
    sections = [b - a for a, b in zip([0] + cuts, cuts + [length])]
    _check(data, device, "split(sections)", lambda t: minigrad.split(t, sections, dim),
           lambda a: tuple(np.split(a, cuts, axis=dim)), [x])


@pytest.mark.parametrize("device", devices())
@given(data=st.data())
def test_chunk(device, data):
    x = _array(data, _small(min_dims=1))
    dim = data.draw(st.integers(0, x.ndim - 1), label="dim")
    chunks = data.draw(st.integers(1, 4), label="chunks")
    step = math.ceil(x.shape[dim] / chunks)
    starts = range(0, x.shape[dim], step)
    expected = tuple(np.take(x, range(s, min(s + step, x.shape[dim])), axis=dim) for s in starts)
    _check(data, device, "chunk", lambda t: t.chunk(chunks, dim), lambda a: expected, [x])


@pytest.mark.parametrize("device", devices())
@given(data=st.data())
def test_unbind(device, data):
    x = _array(data, _small(min_dims=1))
    dim = data.draw(st.integers(0, x.ndim - 1), label="dim")
    expected = tuple(np.take(x, i, axis=dim) for i in range(x.shape[dim]))
    _check(data, device, "unbind", lambda t: minigrad.unbind(t, dim), lambda a: expected, [x])


def test_split_gradient_of_unused_piece_is_zero():
    x = minigrad.ones(5, 2, requires_grad=True)
    first, _, _ = x.split(2)
    (first * 3.0).sum().backward()
    expected = np.zeros((5, 2), np.float32)
    expected[:2] = 3.0
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_cat_promotes_dtypes_like_pytorch():
    joined = minigrad.cat([minigrad.ones(2), minigrad.arange(2)])
    assert joined.dtype == minigrad.float32
    joined = minigrad.cat([minigrad.ones(2), minigrad.ones(2, dtype=minigrad.float64)])
    assert joined.dtype == minigrad.float64


# ---------------------------------------------------------------------------------------------
# pad / flip / roll / repeat / tril / triu
# ---------------------------------------------------------------------------------------------

NUMPY_PAD_MODE = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
                  "circular": "wrap"}


@st.composite
def _pad_inputs(draw, mode):
    shape = draw(shapes(min_dims=1, max_dims=3, min_side=2, max_side=3))
    padded = draw(st.integers(1, len(shape)))
    limit = {"constant": 2, "reflect": 1, "replicate": 2, "circular": 2}[mode]
    widths = [draw(st.integers(0, limit)) for _ in range(2 * padded)]
    return draw(arrays(shape)), widths


def _numpy_pad(array, widths, mode, value=0.0):
    """F.pad's (last-dim-first) widths given to np.pad, which wants first-dim-first pairs."""
    pairs = [(0, 0)] * array.ndim
    for i in range(len(widths) // 2):
        pairs[array.ndim - 1 - i] = (widths[2 * i], widths[2 * i + 1])
    if mode == "constant":
        return np.pad(array, pairs, mode="constant", constant_values=value)
    return np.pad(array, pairs, mode=NUMPY_PAD_MODE[mode])


@pytest.mark.parametrize("device", devices())
@pytest.mark.parametrize("mode", list(NUMPY_PAD_MODE))
@given(data=st.data())
def test_pad(device, mode, data):
    x, widths = data.draw(_pad_inputs(mode), label="x, pad")
    _check(data, device, f"pad {mode}", lambda t: minigrad.pad(t, widths, mode, 1.5),
           lambda a: _numpy_pad(a, widths, mode, 1.5), [x])


@given(data=st.data())
def test_pad_then_slice_back_is_identity(data):
    x, widths = data.draw(_pad_inputs("constant"), label="x, pad")
    padded = minigrad.pad(minigrad.tensor(x, dtype=minigrad.float64), widths)
    index = [slice(None)] * x.ndim
    for i in range(len(widths) // 2):
        axis = x.ndim - 1 - i
        index[axis] = slice(widths[2 * i], widths[2 * i] + x.shape[axis])
    assert_close(padded[tuple(index)], x)


def test_pad_negative_widths_crop():
    x = minigrad.arange(12.0).reshape(3, 4)
    got = minigrad.pad(x, (-1, 2, 0, -1))
    expected = np.pad(np.arange(12.0).reshape(3, 4)[:2, 1:], [(0, 0), (0, 2)])
    np.testing.assert_array_equal(got.numpy(), expected)


@pytest.mark.parametrize("device", devices())
@given(data=st.data())
def test_flip(device, data):
    x = _array(data, _small(min_dims=1))
    dims = data.draw(st.lists(st.integers(-x.ndim, x.ndim - 1), min_size=1,
                              unique_by=lambda d: d % x.ndim), label="dims")
    _check(data, device, "flip", lambda t: t.flip(dims), lambda a: np.flip(a, dims), [x])


@given(data=st.data())
def test_flip_twice_is_identity(data):
    x = _array(data, _small(min_dims=1))
    dims = data.draw(st.lists(st.integers(0, x.ndim - 1), min_size=1, unique=True), label="d")
    tensor = minigrad.tensor(x, dtype=minigrad.float64)
    assert_close(tensor.flip(dims).flip(dims), x)


@pytest.mark.parametrize("device", devices())
@given(data=st.data())
def test_roll(device, data):
    x = _array(data, _small(min_dims=1))
    dims = data.draw(st.lists(st.integers(0, x.ndim - 1), min_size=1, max_size=2, unique=True),
                     label="dims")
    shifts = data.draw(st.lists(st.integers(-4, 4), min_size=len(dims), max_size=len(dims)),
                       label="shifts")
    _check(data, device, "roll", lambda t: minigrad.roll(t, shifts, dims),
           lambda a: np.roll(a, shifts, axis=dims), [x])
    _check(data, device, "roll flat", lambda t: minigrad.roll(t, shifts[0]),
           lambda a: np.roll(a, shifts[0]), [x])


@pytest.mark.parametrize("device", devices())
@given(data=st.data())
def test_repeat(device, data):
    x = _array(data, shapes(min_dims=0, max_dims=2, max_side=3))
    extra = data.draw(st.integers(0, 1), label="extra dims")
    repeats = data.draw(st.lists(st.integers(0, 2), min_size=x.ndim + extra,
                                 max_size=x.ndim + extra), label="repeats")
    _check(data, device, "repeat", lambda t: t.repeat(*repeats), lambda a: np.tile(a, repeats),
           [x])


@pytest.mark.parametrize("device", devices())
@given(data=st.data())
def test_tril_triu(device, data):
    x = _array(data, _small(min_dims=2, max_dims=3))
    diagonal = data.draw(st.integers(-3, 3), label="diagonal")
    _check(data, device, "tril", lambda t: minigrad.tril(t, diagonal),
           lambda a: np.tril(a, diagonal), [x])
    _check(data, device, "triu", lambda t: minigrad.triu(t, diagonal),
           lambda a: np.triu(a, diagonal), [x])


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------


def test_reshape_to_impossible_shape():
    with pytest.raises(ValueError, match=r"reshape: cannot reshape a tensor of shape \(2, 3\) "
                                         r"\(6 elements\) into shape \(4,\)"):
        minigrad.ones(2, 3).reshape(4)


def test_cat_of_mismatched_shapes():
    with pytest.raises(ValueError, match=r"cat: shapes \(2, 3\), \(2, 4\) must agree in every "
                                         r"dim except dim 0"):
        minigrad.cat([minigrad.ones(2, 3), minigrad.ones(2, 4)])
    with pytest.raises(ValueError, match="cat: expected a non-empty sequence"):
        minigrad.cat([])
    with pytest.raises(TypeError, match="cat: expected a sequence of Tensors"):
        minigrad.cat([minigrad.ones(2), [1.0, 2.0]])
    with pytest.raises(TypeError, match="cat: expected a sequence of Tensors, got a single"):
        minigrad.cat(minigrad.ones(2, 2))
    assert minigrad.cat(t for t in [minigrad.ones(1), minigrad.zeros(2)]).shape == (3,)


def test_stack_of_mismatched_shapes():
    with pytest.raises(ValueError, match=r"stack: expects tensors of equal shape, got \(2,\), "
                                         r"\(3,\)"):
        minigrad.stack([minigrad.ones(2), minigrad.ones(3)])


def test_split_bad_sections():
    with pytest.raises(ValueError, match=r"split: sections \[2, 2\] do not add up to the size "
                                         r"5 of dim 0"):
        minigrad.ones(5).split([2, 2])
    with pytest.raises(ValueError, match="split: split_size must be positive"):
        minigrad.ones(5).split(0)
    with pytest.raises(ValueError, match="chunk: chunks must be positive"):
        minigrad.ones(5).chunk(0)


def test_dim_out_of_range():
    with pytest.raises(IndexError, match=r"flatten: dim 3 is out of range"):
        minigrad.ones(2, 3).flatten(3)
    with pytest.raises(IndexError, match=r"cat: dim 2 is out of range"):
        minigrad.cat([minigrad.ones(2, 3)], dim=2)


def test_permute_and_sum_to_bad_arguments():
    with pytest.raises(ValueError, match=r"permute: dims \(0, 0\) are not a permutation"):
        minigrad.ones(2, 3).permute(0, 0)
    with pytest.raises(ValueError, match=r"sum_to: a tensor of shape \(2, 3\) cannot be summed "
                                         r"to shape \(2,\)"):
        minigrad.ones(2, 3).sum_to((2,))
    with pytest.raises(ValueError, match=r"broadcast_to: cannot broadcast shape \(2,\) to "
                                         r"\(3,\)"):
        minigrad.ones(2).broadcast_to((3,))


def test_pad_bad_arguments():
    with pytest.raises(ValueError, match=r"pad: pad \(1,\) must have an even length"):
        minigrad.pad(minigrad.ones(3), (1,))
    with pytest.raises(ValueError, match=r"pad: mode 'reflect' pads of 3 and 0 are too large "
                                         r"for dim 0 of size 3"):
        minigrad.pad(minigrad.ones(3), (3, 0), mode="reflect")
    with pytest.raises(ValueError, match="pad: unknown mode 'mirror'"):
        minigrad.pad(minigrad.ones(3), (1, 1), mode="mirror")


def test_repeat_and_flatten_bad_arguments():
    with pytest.raises(ValueError, match=r"repeat: 1 repeats given for a tensor of shape "
                                         r"\(2, 3\)"):
        minigrad.ones(2, 3).repeat(2)
    with pytest.raises(ValueError, match="flatten: start_dim 1 comes after end_dim 0"):
        minigrad.ones(2, 3).flatten(1, 0)
    with pytest.raises(ValueError, match=r"tril: expected a tensor with at least 2 dimensions"):
        minigrad.tril(minigrad.ones(3))


def test_basic_reshape_and_split_are_views():
    """Basic reshapes and splits are views (cheap), like PyTorch's."""
    x = minigrad.zeros(4, 6)
    pieces = x.split(3, 1)
    x.data[0, 0] = 7.0
    assert pieces[0].data[0, 0] == 7.0
    assert x.reshape(24).data.base is not None
