"""Indexing ops of minigrad/ops/shape.py: getitem (``x[index]``) with basic, advanced, boolean
and mixed indices, narrow, select, index_select, gather, take_along_dim, scatter_add,
masked_fill -- through the op harness, gradient properties, and bad-input errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad
from tests.harness import OpCase, assert_close, check_op, devices
from tests.strategies import arrays, shapes


def _check(data, device, name, op, reference, inputs, **options):
    """Run the whole harness on fixed input arrays (drawn by the test itself)."""
    case = OpCase(name, op, reference, st.just(tuple(inputs)), **options)
    check_op(case, data, device)


def _small(min_dims=1, max_dims=3):
    return shapes(min_dims=min_dims, max_dims=max_dims, max_side=3)


def _scatter_reference(shape, index, upstream):
    """The gradient of x[index] written as NumPy's unbuffered add: every pick adds."""
    expected = np.zeros(shape)
    np.add.at(expected, index, upstream)
    return expected


def _index_gradient(x, index, upstream):
    tensor = minigrad.tensor(x, dtype=minigrad.float64, requires_grad=True)
    out = tensor[index]
    out.backward(minigrad.tensor(upstream, dtype=minigrad.float64))
    return tensor.grad.numpy()


# ---------------------------------------------------------------------------------------------
# getitem
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("device", devices())
@given(data=st.data())
def test_getitem_basic(device, data):
    """ints, slices with any step (negative too), None and Ellipsis."""
    x = data.draw(arrays(_small(min_dims=0)), label="x")
    index = data.draw(hnp.basic_indices(x.shape, min_dims=0, allow_newaxis=True,
                                        allow_ellipsis=True), label="index")
    _check(data, device, f"x[{index}]", lambda t: t[index], lambda a: a[index], [x])


@pytest.mark.parametrize("device", devices())
@given(data=st.data())
def test_getitem_integer_arrays(device, data):
    """Integer arrays (repeats and negative entries included) as arrays, lists and tensors."""
    x = data.draw(arrays(_small()), label="x")
    index = data.draw(hnp.integer_array_indices(x.shape, result_shape=_small(max_dims=2)),
                      label="index")
    as_tensors = tuple(minigrad.tensor(i) for i in index)
    _check(data, device, "x[int arrays]", lambda t: t[as_tensors], lambda a: a[index], [x])
    as_lists = tuple(i.tolist() for i in index)
    _check(data, device, "x[lists]", lambda t: t[as_lists], lambda a: a[index], [x])


@given(data=st.data())
def test_getitem_gradient_with_repeated_indices_is_np_add_at(data):
    x = data.draw(arrays(_small()), label="x")
    index = data.draw(hnp.integer_array_indices(x.shape, result_shape=_small(max_dims=2)),
                      label="index")
    out_shape = x[index].shape
    ones = np.ones(out_shape)
    np.testing.assert_allclose(_index_gradient(x, index, ones),
                               _scatter_reference(x.shape, index, ones))
    upstream = data.draw(arrays(out_shape), label="upstream")
    np.testing.assert_allclose(_index_gradient(x, index, upstream),
                               _scatter_reference(x.shape, index, upstream), atol=1e-12)


@given(data=st.data())
def test_getitem_one_axis_gradient(data):
    """(:, ..., :, int array): at axis 0 with at least as many picks as rows the scatter takes
    the bincount path, elsewhere add.at; both must equal NumPy's add.at."""
    x = data.draw(arrays(shapes(min_dims=1, max_dims=4, max_side=4)), label="x")
    axis = data.draw(st.integers(0, x.ndim - 1), label="axis")
    positions = data.draw(hnp.arrays(np.int64, _small(max_dims=2),
                                     elements=st.integers(-x.shape[axis], x.shape[axis] - 1)),
                          label="positions")
    index = (slice(None),) * axis + (positions,)
    upstream = data.draw(arrays(x[index].shape), label="upstream")
    np.testing.assert_allclose(_index_gradient(x, index, upstream),
                               _scatter_reference(x.shape, index, upstream), atol=1e-12)


@pytest.mark.parametrize("device", devices())
@given(data=st.data())
def test_getitem_boolean_mask(device, data):
    x = data.draw(arrays(_small()), label="x")
    masked_dims = data.draw(st.integers(1, x.ndim), label="masked dims")
    mask = data.draw(hnp.arrays(np.bool_, x.shape[:masked_dims]), label="mask")
    as_tensor = minigrad.tensor(mask)
    _check(data, device, "x[mask]", lambda t: t[as_tensor], lambda a: a[mask], [x])
    trailing = data.draw(hnp.arrays(np.bool_, x.shape[x.ndim - masked_dims:]), label="trailing")
    as_tensor_trailing = minigrad.tensor(trailing)
    _check(data, device, "x[..., mask]", lambda t: t[..., as_tensor_trailing],
           lambda a: a[..., trailing], [x])


MIXED_INDICES = [
    (slice(None), [0, 0, 2]),
    ([2, 0], Ellipsis, None),
    ([[0], [1]], slice(None, None, -1), [1, 2]),  # broadcast pair around a slice
    (1, [0, 2, 0], slice(1, None)),
    ([0, 2], slice(None), [1, 1]),  # advanced indices apart: their dims go first
    (None, slice(None, None, -2), 0, [2, 2, 1]),
    (np.array([True, False, True]), [1, 0]),
]


@pytest.mark.parametrize("device", devices())
@pytest.mark.parametrize("index", MIXED_INDICES, ids=repr)
@given(data=st.data())
def test_getitem_mixed(device, index, data):
    x = data.draw(arrays((3, 3, 3)), label="x")
    _check(data, device, f"x[{index}]", lambda t: t[index], lambda a: a[index], [x])


def test_getitem_gradient_of_mixed_index_with_repeats():
    x = np.arange(27.0).reshape(3, 3, 3)
    index = ([0, 2, 0], slice(None, None, -1), [1, 1, 1])
    upstream = np.arange(9.0).reshape(3, 3)
    np.testing.assert_allclose(_index_gradient(x, index, upstream),
                               _scatter_reference(x.shape, index, upstream))


def test_getitem_embedding_lookup():
    """The embedding pattern: a (B, T) integer tensor into a (V, D) table."""
    rng = np.random.default_rng(0)
    table = rng.standard_normal((7, 4))
    tokens = rng.integers(0, 7, size=(3, 5))
    weight = minigrad.tensor(table, dtype=minigrad.float64, requires_grad=True)
    out = weight[minigrad.tensor(tokens)]
    np.testing.assert_array_equal(out.detach().numpy(), table[tokens])
    upstream = rng.standard_normal((3, 5, 4))
    out.backward(minigrad.tensor(upstream, dtype=minigrad.float64))
    expected = np.zeros((7, 4))
    for b in range(3):
        for t in range(5):
            expected[tokens[b, t]] += upstream[b, t]
    np.testing.assert_allclose(weight.grad.numpy(), expected, atol=1e-12)


def test_getitem_keeps_dtype_and_views():
    x = minigrad.arange(12.0).reshape(3, 4)
    assert x[1].dtype == minigrad.float32
    assert x[1:, ::2].data.base is not None
    assert x[minigrad.tensor([0, 2])].dtype == minigrad.float32
    assert x[0, 0].shape == ()
    assert x[minigrad.tensor(1)].shape == (4,)


def test_iterating_a_tensor_uses_getitem():
    rows = list(minigrad.arange(6.0).reshape(3, 2))
    assert [r.tolist() for r in rows] == [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]


# ---------------------------------------------------------------------------------------------
# narrow / select / index_select
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("device", devices())
@given(data=st.data())
def test_narrow_select_index_select(device, data):
    x = data.draw(arrays(_small()), label="x")
    dim = data.draw(st.integers(0, x.ndim - 1), label="dim")
    size = x.shape[dim]
    start = data.draw(st.integers(0, size), label="start")
    length = data.draw(st.integers(0, size - start), label="length")
    _check(data, device, "narrow", lambda t: minigrad.narrow(t, dim, start, length),
           lambda a: np.take(a, range(start, start + length), axis=dim), [x])
    position = data.draw(st.integers(-size, size - 1), label="position")
    _check(data, device, "select", lambda t: minigrad.select(t, dim, position),
           lambda a: np.take(a, position, axis=dim), [x])
    picks = data.draw(st.lists(st.integers(0, size - 1), max_size=4), label="picks")
    _check(data, device, "index_select",
           lambda t: minigrad.index_select(t, dim, minigrad.tensor(picks, dtype=minigrad.int64)),
           lambda a: np.take(a, np.array(picks, dtype=np.int64), axis=dim), [x])


# ---------------------------------------------------------------------------------------------
# gather / take_along_dim / scatter_add
# ---------------------------------------------------------------------------------------------


@st.composite
def _gather_inputs(draw):
    """x, dim and an index no larger than x off dim (as PyTorch's gather allows)."""
    x = draw(arrays(_small()))
    dim = draw(st.integers(0, x.ndim - 1))
    index_shape = tuple(draw(st.integers(1, 3)) if axis == dim else draw(st.integers(1, n))
                        for axis, n in enumerate(x.shape))
    index = draw(hnp.arrays(np.int64, index_shape, elements=st.integers(0, x.shape[dim] - 1)))
    return x, dim, index


def _gather_reference(x, dim, index):
    """Plain loops: out[p] = x[p with its dim entry replaced by index[p]]."""
    out = np.zeros(index.shape)
    for position in np.ndindex(*index.shape):
        source = list(position)
        source[dim] = index[position]
        out[position] = x[tuple(source)]
    return out


def _scatter_add_reference(x, dim, index, src):
    out = x.copy()
    for position in np.ndindex(*index.shape):
        target = list(position)
        target[dim] = index[position]
        out[tuple(target)] += src[position]
    return out


@pytest.mark.parametrize("device", devices())
@given(data=st.data())
def test_gather(device, data):
    x, dim, index = data.draw(_gather_inputs(), label="x, dim, index")
    positions = minigrad.tensor(index)
    _check(data, device, "gather", lambda t: t.gather(dim, positions),
           lambda a: _gather_reference(a, dim, index), [x])


@pytest.mark.parametrize("device", devices())
@given(data=st.data())
def test_scatter_add(device, data):
    x, dim, index = data.draw(_gather_inputs(), label="x, dim, index")
    src = data.draw(arrays(index.shape), label="src")
    positions = minigrad.tensor(index)
    _check(data, device, "scatter_add",
           lambda t, s: minigrad.scatter_add(t, dim, positions, s),
           lambda a, s: _scatter_add_reference(a, dim, index, s), [x, src])


@given(data=st.data())
def test_gather_backward_equals_scatter_add_of_gradient(data):
    x, dim, index = data.draw(_gather_inputs(), label="x, dim, index")
    upstream = data.draw(arrays(index.shape), label="upstream")
    tensor = minigrad.tensor(x, dtype=minigrad.float64, requires_grad=True)
    tensor.gather(dim, minigrad.tensor(index)).backward(minigrad.tensor(upstream,
                                                                        dtype=minigrad.float64))
    np.testing.assert_allclose(tensor.grad.numpy(),
                               _scatter_add_reference(np.zeros(x.shape), dim, index, upstream),
                               atol=1e-12)


@pytest.mark.parametrize("device", devices())
@given(data=st.data())
def test_take_along_dim(device, data):
    x = data.draw(arrays(_small()), label="x")
    dim = data.draw(st.integers(0, x.ndim - 1), label="dim")
    # indices broadcast against x off dim: size 1 or x's size in every other dim
    index_shape = tuple(data.draw(st.integers(1, 3)) if axis == dim
                        else data.draw(st.sampled_from([1, n])) for axis, n in enumerate(x.shape))
    index = data.draw(hnp.arrays(np.int64, index_shape,
                                 elements=st.integers(0, x.shape[dim] - 1)), label="index")
    positions = minigrad.tensor(index)
    _check(data, device, "take_along_dim", lambda t: minigrad.take_along_dim(t, positions, dim),
           lambda a: np.take_along_axis(a, index, axis=dim), [x])
    flat = minigrad.tensor(index.reshape(-1) % x.size)
    _check(data, device, "take_along_dim(None)",
           lambda t: minigrad.take_along_dim(t, flat),
           lambda a: a.reshape(-1)[index.reshape(-1) % x.size], [x])


# ---------------------------------------------------------------------------------------------
# masked_fill
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("device", devices())
@given(data=st.data())
def test_masked_fill(device, data):
    x = data.draw(arrays(_small()), label="x")
    # a shape that broadcasts TO x's: some leading dims dropped, some dims made 1
    dropped = data.draw(st.integers(0, x.ndim), label="dropped dims")
    mask_shape = tuple(data.draw(st.sampled_from([1, n])) for n in x.shape[dropped:])
    mask = data.draw(hnp.arrays(np.bool_, mask_shape), label="mask")
    as_tensor = minigrad.tensor(mask)
    _check(data, device, "masked_fill", lambda t: t.masked_fill(as_tensor, -2.5),
           lambda a: np.where(mask, -2.5, a), [x])


def test_masked_fill_with_minus_infinity_then_gradient_is_zero_there():
    x = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    mask = minigrad.tensor([False, True, False])
    y = x.masked_fill(mask, float("-inf"))
    assert y.tolist() == [1.0, float("-inf"), 3.0]
    y.masked_fill(mask, 0.0).sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 1.0]


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------


def test_index_out_of_range_names_op_and_shape():
    x = minigrad.ones(2, 3)
    with pytest.raises(IndexError, match=r"getitem: index 5 is out of bounds.*shape \(2, 3\)"):
        x[5]
    with pytest.raises(IndexError, match=r"getitem: index 3 is out of bounds.*shape \(2, 3\)"):
        x[:, minigrad.tensor([0, 3])]
    with pytest.raises(IndexError, match=r"getitem: too many indices.*shape \(2, 3\)"):
        x[0, 0, 0]
    with pytest.raises(IndexError, match=r"getitem: boolean index did not match.*shape \(2, 3\)"):
        x[minigrad.tensor([True, False, True])]


def test_bad_index_types():
    x = minigrad.ones(2, 3)
    with pytest.raises(IndexError, match="getitem: tensors used as indices must be integer or "
                                         "bool, got dtype float32"):
        x[minigrad.tensor([0.0, 1.0])]
    with pytest.raises(IndexError, match="getitem: only integers, slices"):
        x[1.0]
    with pytest.raises(IndexError, match="getitem: unsupported index of type str"):
        x["a"]


def test_gather_bad_index():
    x = minigrad.ones(2, 3)
    with pytest.raises(ValueError, match=r"gather: index of shape \(2,\) must have as many "
                                         r"dimensions as the input of shape \(2, 3\)"):
        x.gather(1, minigrad.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"gather: index of shape \(3, 1\) is larger than the "
                                         r"input of shape \(2, 3\) in dim 0"):
        x.gather(1, minigrad.tensor([[0], [1], [2]]))
    with pytest.raises(IndexError, match=r"gather: index 3 is out of bounds for dim 1 with "
                                         r"size 3"):
        x.gather(1, minigrad.tensor([[0], [3]]))
    with pytest.raises(IndexError, match=r"gather: index -1 is out of bounds"):
        x.gather(1, minigrad.tensor([[0], [-1]]))
    with pytest.raises(TypeError, match="gather: index must be an integer tensor"):
        x.gather(1, minigrad.tensor([[0.0], [1.0]]))


def test_narrow_and_index_select_bad_arguments():
    x = minigrad.ones(2, 3)
    with pytest.raises(IndexError, match=r"narrow: start 2 \+ length 2 exceeds the size 3 of "
                                         r"dim 1 \(tensor of shape \(2, 3\)\)"):
        minigrad.narrow(x, 1, 2, 2)
    with pytest.raises(ValueError, match=r"index_select: index must be 1-D, got shape \(1, 2\)"):
        minigrad.index_select(x, 1, minigrad.tensor([[0, 1]]))


def test_masked_fill_bad_mask():
    x = minigrad.ones(2, 3)
    with pytest.raises(TypeError, match="masked_fill: mask must be a boolean tensor"):
        x.masked_fill(minigrad.ones(2, 3), 0.0)
    with pytest.raises(ValueError, match=r"masked_fill: mask of shape \(3, 3\) does not "
                                         r"broadcast to the tensor's shape \(2, 3\)"):
        x.masked_fill(minigrad.ones(3, 3).bool(), 0.0)


def test_scatter_add_bad_src():
    x = minigrad.zeros(2, 3)
    index = minigrad.tensor([[0, 1, 2], [0, 0, 0]])
    with pytest.raises(ValueError, match=r"scatter_add: src of shape \(2, 2\) must be at least "
                                         r"as large as index of shape \(2, 3\)"):
        minigrad.scatter_add(x, 1, index, minigrad.ones(2, 2))
    out = minigrad.scatter_add(x, 1, index, minigrad.ones(2, 4))
    assert_close(out, np.array([[1.0, 1.0, 1.0], [3.0, 0.0, 0.0]], np.float32), np.float32)


def test_bounds_check_used_on_gpu_maps_each_index_to_its_dim():
    """CuPy wraps out-of-range indices silently, so getitem checks them itself there; the check
    must find the dim each integer array indexes past None, Ellipsis and boolean masks."""
    from minigrad.ops.shape import _check_bounds

    x = minigrad.ones(2, 3, 4)
    mask = np.array([True, False])
    _check_bounds((None, Ellipsis, np.array([3, -4])), x)  # dim 2: in range
    with pytest.raises(IndexError, match=r"index 4 is out of bounds for dim 2 with size 4"):
        _check_bounds((None, Ellipsis, np.array([4])), x)
    with pytest.raises(IndexError, match=r"index -4 is out of bounds for dim 1 with size 3"):
        _check_bounds((mask, np.array([0, -4]), slice(None)), x)
    with pytest.raises(IndexError, match=r"index 2 is out of bounds for dim 0 with size 2"):
        _check_bounds((np.array([[2]]), None, 0), x)
