"""Tensor: creation and dtype inference, attributes, conversions, printing, comparisons,
indexing assignment, iteration and the in-place methods (with their errors on graph tensors)."""

import numpy as np
import pytest

import minigrad
from minigrad import backend
from tests.harness import assert_close

f64 = minigrad.float64


# ---------------------------------------------------------------------------------------------
# Creation and dtype inference
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [minigrad.Tensor, minigrad.tensor], ids=["Tensor", "tensor"])
def test_python_data_gives_torch_dtypes(make):
    assert make([1.0, 2.5]).dtype == minigrad.float32
    assert make(3.0).dtype == minigrad.float32
    assert make([1, 2]).dtype == minigrad.int64
    assert make(7).dtype == minigrad.int64
    assert make([True, False]).dtype == minigrad.bool
    assert make([1, 2.5]).dtype == minigrad.float32  # mixed ints and floats: float
    assert make([]).dtype == minigrad.float32
    assert make([[1.0, 2.0], [3.0, 4.0]]).shape == (2, 2)
    assert make([1, 2], dtype=f64).dtype == minigrad.float64


def test_explicit_dtype_by_name_and_by_object():
    assert minigrad.tensor([1, 2], dtype="float64").dtype == minigrad.float64
    assert minigrad.tensor([1.5], dtype=minigrad.int64).tolist() == [1]
    with pytest.raises(TypeError, match="not a dtype"):
        minigrad.tensor([1.0], dtype="floaty")


def test_numpy_arrays_and_scalars_keep_their_dtype():
    assert minigrad.tensor(np.zeros(2, dtype=np.float64)).dtype == minigrad.float64
    assert minigrad.tensor(np.zeros(2, dtype=np.int32)).dtype == minigrad.int32
    assert minigrad.tensor(np.float64(2.5)).dtype == minigrad.float64
    assert minigrad.tensor(np.float64(2.5)).item() == 2.5
    assert minigrad.tensor(np.int32(3)).dtype == minigrad.int32


def test_tensor_copies_but_Tensor_wraps():
    array = np.array([1.0, 2.0], dtype=np.float32)
    wrapped = minigrad.Tensor(array)
    copied = minigrad.tensor(array)
    array[0] = 9.0
    assert wrapped.tolist() == [9.0, 2.0]
    assert copied.tolist() == [1.0, 2.0]
    from_tensor = minigrad.tensor(wrapped)
    wrapped.data[1] = 7.0
    assert from_tensor.tolist() == [9.0, 2.0]


def test_tensor_of_a_list_of_tensors():
    parts = [minigrad.tensor(1.0), minigrad.tensor(2.0)]
    assert minigrad.tensor(parts).tolist() == [1.0, 2.0]


def test_unsupported_data_raises_type_error():
    with pytest.raises(TypeError, match="cannot make a tensor"):
        minigrad.tensor(["a", "b"])
    with pytest.raises(TypeError, match="cannot make a tensor"):
        minigrad.tensor(None)


def test_requires_grad_at_creation():
    x = minigrad.tensor([1.0], requires_grad=True)
    assert x.requires_grad and x.is_leaf and x.grad is None and x.grad_fn is None
    with pytest.raises(TypeError, match="floating point"):
        minigrad.tensor([1], requires_grad=True)


# ---------------------------------------------------------------------------------------------
# Attributes and sizes
# ---------------------------------------------------------------------------------------------


def test_attributes():
    x = minigrad.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4)
    assert x.ndim == 3 and x.dim() == 3
    assert x.dtype == minigrad.float32
    assert x.device == "cpu" and x.device.type == "cpu"
    assert not x.is_cuda
    assert x.size() == (2, 3, 4)
    assert x.size(1) == 3 and x.size(-1) == 4
    assert x.numel() == 24
    assert x.element_size() == 4
    assert len(x) == 2
    assert x.is_floating_point()
    assert not minigrad.tensor([1]).is_floating_point()


def test_grad_fn_of_an_op_result():
    y = minigrad.tensor([1.0], requires_grad=True) * 2.0
    assert not y.is_leaf
    assert y.grad_fn is y.creator
    assert y.grad_fn.name == "Mul"


def test_len_of_0d_tensor_raises():
    with pytest.raises(TypeError, match="0-d"):
        len(minigrad.tensor(1.0))


def test_T_and_mT():
    array = np.arange(24.0).reshape(2, 3, 4)
    x = minigrad.tensor(array)
    assert_close(x.T, array.transpose(2, 1, 0), dtype=np.float32)
    assert_close(x.mT, array.transpose(0, 2, 1), dtype=np.float32)
    matrix = minigrad.tensor(array[0])
    assert_close(matrix.T, array[0].T, dtype=np.float32)
    assert_close(matrix.t(), array[0].T, dtype=np.float32)
    vector = minigrad.tensor([1.0, 2.0])
    assert vector.T.shape == (2,)


def test_gradient_flows_through_T():
    x = minigrad.tensor(np.arange(6.0).reshape(2, 3), dtype=f64, requires_grad=True)
    weights = np.arange(6.0).reshape(3, 2) + 1.0
    (x.T * minigrad.tensor(weights, dtype=f64)).sum().backward()
    assert_close(x.grad, weights.T)


# ---------------------------------------------------------------------------------------------
# Conversion
# ---------------------------------------------------------------------------------------------


def test_numpy_shares_memory():
    x = minigrad.tensor([1.0, 2.0])
    array = x.numpy()
    array[0] = 5.0
    assert x.tolist() == [5.0, 2.0]


def test_numpy_on_requires_grad_points_to_detach():
    x = minigrad.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"requires grad.*detach\(\)\.numpy\(\)"):
        x.numpy()
    assert x.detach().numpy().tolist() == [1.0]


def test_item_tolist_float_int_bool():
    assert minigrad.tensor([[2.5]]).item() == 2.5
    assert isinstance(minigrad.tensor(3).item(), int)
    assert minigrad.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert float(minigrad.tensor(1.5)) == 1.5
    assert int(minigrad.tensor(4)) == 4
    assert bool(minigrad.tensor([True]))
    with pytest.raises(ValueError, match="2 elements"):
        minigrad.tensor([1.0, 2.0]).item()
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(minigrad.tensor([1.0, 2.0]))


def test_array_protocol():
    x = minigrad.tensor([1.0, 2.0])
    shared = np.asarray(x)
    assert np.shares_memory(shared, x.data)
    copied = np.array(x)
    copied[0] = 10.0
    assert x.tolist() == [1.0, 2.0], "np.array(tensor) must copy"
    assert np.asarray(x, dtype=np.float64).dtype == np.float64
    assert (np.ones(2) + x).tolist() == [2.0, 3.0], "NumPy defers to Tensor's operators"


def test_dtype_conversions():
    x = minigrad.tensor([1.5, -2.5])
    assert x.double().dtype == minigrad.float64
    assert x.float() is x, "to() returns self when nothing changes"
    assert x.long().dtype == minigrad.int64
    assert x.long().tolist() == [1, -2]
    assert x.int().dtype == minigrad.int32
    assert x.half().dtype == minigrad.float16
    assert x.bool().tolist() == [True, True]
    assert x.to(f64).dtype == minigrad.float64
    assert x.to(dtype=f64).dtype == minigrad.float64
    assert x.to("cpu") is x
    assert x.to(minigrad.zeros(1, dtype=f64)).dtype == minigrad.float64
    assert x.type() == "minigrad.float32"
    assert x.type_as(minigrad.zeros(1, dtype=f64)).dtype == minigrad.float64


def test_gradient_flows_through_float_double_casts():
    # y = sum(3 * double(x)) back to float32: dy/dx = 3 in x's dtype
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    y = (x.double() * 3.0).float().sum()
    y.backward()
    assert x.grad.dtype == minigrad.float32
    assert_close(x.grad, np.array([3.0, 3.0]), dtype=np.float32)

    w = minigrad.tensor([1.0], dtype=f64, requires_grad=True)
    (w.float() * 2.0).sum().backward()
    assert w.grad.dtype == minigrad.float64
    assert_close(w.grad, np.array([2.0]))


def test_cast_to_integer_is_a_constant():
    x = minigrad.tensor([1.7], requires_grad=True)
    assert not x.long().requires_grad


# ---------------------------------------------------------------------------------------------
# Printing
# ---------------------------------------------------------------------------------------------


def test_repr_like_pytorch():
    x = minigrad.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"
    assert repr(x * 2.0) == "tensor([2., 4.], grad_fn=<MulBackward>)"
    assert repr(minigrad.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(minigrad.tensor(3.0)) == "tensor(3.)"
    assert repr(minigrad.tensor([1.0, 2.0], dtype=f64)) == \
        "tensor([1., 2.], dtype=minigrad.float64)"
    assert repr(minigrad.tensor([1.0], dtype=f64, requires_grad=True)) == \
        "tensor([1.], dtype=minigrad.float64, requires_grad=True)"
    assert repr(minigrad.tensor([True, False])) == "tensor([ True, False])"
    assert repr(minigrad.tensor([[1.0, 2.0], [3.0, 4.0]])) == \
        "tensor([[1., 2.],\n        [3., 4.]])"
    assert repr(minigrad.zeros(0)) == "tensor([])"
    assert repr(minigrad.zeros(0, 3)) == "tensor([], size=(0, 3))"
    assert repr(minigrad.zeros(0, dtype=minigrad.int64)) == "tensor([], dtype=minigrad.int64)"
    assert str(x) == repr(x)


# ---------------------------------------------------------------------------------------------
# Comparisons
# ---------------------------------------------------------------------------------------------


def test_comparisons_give_bool_tensors_without_grad():
    x = minigrad.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = minigrad.tensor([2.0, 2.0, 2.0])
    expected = {
        "==": [False, True, False], "!=": [True, False, True], "<": [True, False, False],
        "<=": [True, True, False], ">": [False, False, True], ">=": [False, True, True],
    }
    results = {"==": x == y, "!=": x != y, "<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}
    for name, result in results.items():
        assert result.dtype == minigrad.bool, name
        assert not result.requires_grad, name
        assert result.tolist() == expected[name], name
    assert (x > 1.5).tolist() == [False, True, True]


def test_tensors_stay_hashable():
    x = minigrad.tensor([1.0])
    assert {x: 1}[x] == 1


# ---------------------------------------------------------------------------------------------
# Indexing assignment, len, iteration
# ---------------------------------------------------------------------------------------------


def test_setitem_on_plain_tensor():
    x = minigrad.zeros(2, 3)
    x[0, 1] = 5.0
    x[1] = minigrad.tensor([1.0, 2.0, 3.0])
    x[minigrad.tensor([True, False])] = 7.0
    assert x.tolist() == [[7.0, 7.0, 7.0], [1.0, 2.0, 3.0]]


def test_setitem_on_tensor_that_requires_grad_raises():
    w = minigrad.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"__setitem__.*requires_grad=True.*no_grad"):
        w[0] = 1.0
    y = w * 2.0
    with pytest.raises(RuntimeError, match="__setitem__"):
        y[0] = 1.0
    with minigrad.no_grad(), pytest.raises(RuntimeError, match="__setitem__"):
        y[0] = 1.0  # a graph node stays protected even under no_grad


def test_setitem_on_a_leaf_under_no_grad():
    w = minigrad.zeros(3, requires_grad=True)
    with minigrad.no_grad():
        w[1] = 4.0
    assert w.detach().tolist() == [0.0, 4.0, 0.0]
    assert w.requires_grad


def test_iteration_yields_rows():
    x = minigrad.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    rows = list(x)
    assert len(rows) == 3
    assert [row.tolist() for row in rows] == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    with pytest.raises(TypeError, match="0-d"):
        iter(minigrad.tensor(1.0)).__next__()


def test_iteration_keeps_the_graph():
    x = minigrad.tensor([1.0, 2.0], dtype=f64, requires_grad=True)
    total = None
    for i, element in enumerate(x):
        term = element * float(i + 1)
        total = term if total is None else total + term
    total.backward()
    assert_close(x.grad, np.array([1.0, 2.0]))


# ---------------------------------------------------------------------------------------------
# In-place methods
# ---------------------------------------------------------------------------------------------


def test_in_place_methods_modify_data_and_return_self():
    x = minigrad.ones(3)
    assert x.zero_() is x and x.tolist() == [0.0, 0.0, 0.0]
    assert x.fill_(2.0) is x and x.tolist() == [2.0, 2.0, 2.0]
    assert x.add_(minigrad.tensor([1.0, 2.0, 3.0])) is x and x.tolist() == [3.0, 4.0, 5.0]
    x.add_(1.0, alpha=2.0)
    assert x.tolist() == [5.0, 6.0, 7.0]
    assert x.mul_(2.0) is x and x.tolist() == [10.0, 12.0, 14.0]
    x.sub_(minigrad.ones(3), alpha=4)
    assert x.tolist() == [6.0, 8.0, 10.0]
    x.div_(2.0)
    assert x.tolist() == [3.0, 4.0, 5.0]
    assert x.copy_(minigrad.tensor([7.0, 8.0, 9.0])) is x and x.tolist() == [7.0, 8.0, 9.0]
    x.copy_(minigrad.tensor(1.0))  # broadcast into the tensor's shape
    assert x.tolist() == [1.0, 1.0, 1.0]
    x.copy_(np.array([4.0, 5.0, 6.0]))
    assert x.tolist() == [4.0, 5.0, 6.0]
    x.clamp_(min=4.5, max=5.5)
    assert x.tolist() == [4.5, 5.0, 5.5]


def test_in_place_keeps_dtype_and_memory():
    x = minigrad.zeros(4)
    memory = x.data
    x.copy_(np.arange(4, dtype=np.float64))
    x.add_(np.ones(4))
    assert x.data is memory
    assert x.dtype == minigrad.float32


def test_uniform_and_normal_are_seeded_and_in_range():
    minigrad.manual_seed(3)
    a = minigrad.empty(2000).uniform_(-2.0, 3.0)
    minigrad.manual_seed(3)
    b = minigrad.empty(2000).uniform_(-2.0, 3.0)
    assert a.tolist() == b.tolist()
    values = a.numpy()
    assert values.dtype == np.float32
    assert values.min() >= -2.0 and values.max() < 3.0
    assert abs(values.mean() - 0.5) < 4 * (5.0 / np.sqrt(12)) / np.sqrt(values.size)

    n = minigrad.empty(4000, dtype=f64).normal_(1.0, 0.5)
    values = n.numpy()
    assert abs(values.mean() - 1.0) < 4 * 0.5 / np.sqrt(values.size)
    assert abs(values.std() - 0.5) < 0.05


@pytest.mark.parametrize("method, args", [
    ("zero_", ()), ("fill_", (1.0,)), ("add_", (1.0,)), ("sub_", (1.0,)), ("mul_", (2.0,)),
    ("div_", (2.0,)), ("copy_", (np.zeros(2),)), ("uniform_", ()), ("normal_", ()),
    ("clamp_", (0.0, 1.0)),
])
def test_in_place_on_graph_tensors_raises(method, args):
    w = minigrad.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=f"{method}: a tensor that is part of a graph"):
        getattr(w, method)(*args)
    y = w * 2.0
    with pytest.raises(RuntimeError, match=method):
        getattr(y, method)(*args)
    with minigrad.no_grad():
        getattr(w, method)(*args)  # a leaf may be updated under no_grad (optimizers do this)


def test_augmented_assignment():
    w = minigrad.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\+="):
        w += 1.0
    with minigrad.no_grad():
        w -= 0.5
    assert w.is_leaf and w.detach().tolist() == [0.5, 0.5]
    y = w * 2.0
    before = y
    y += 1.0  # a graph node: rebinds to the out-of-place result, keeping the graph right
    assert y is not before
    y.sum().backward()
    assert_close(w.grad, np.array([2.0, 2.0]), dtype=np.float32)
    plain = minigrad.zeros(2)
    memory = plain.data
    plain *= 3.0
    plain += 1.0
    assert plain.data is memory and plain.tolist() == [1.0, 1.0]


def test_grad_can_be_zeroed_in_place():
    w = minigrad.ones(2, requires_grad=True)
    (w * 3.0).sum().backward()
    w.grad.zero_()
    assert w.grad.tolist() == [0.0, 0.0]


# ---------------------------------------------------------------------------------------------
# A GPU tensor's conversions, simulated: backend.is_cuda_array only asks whether an array is a
# cupy.ndarray, so a stand-in module with its own ndarray class is enough to reach the checks.
# ---------------------------------------------------------------------------------------------


class _FakeCudaDevice:
    id = 0


class _FakeCudaArray:
    dtype = np.dtype(np.float32)
    shape = (2,)
    ndim = 1
    size = 2
    device = _FakeCudaDevice  # cupy arrays say where they live as ``array.device.id``


class _FakeCupy:
    ndarray = _FakeCudaArray


@pytest.fixture
def fake_gpu_tensor(monkeypatch):
    if backend.cuda_is_available():
        pytest.skip("a real GPU is present: tests/gpu covers this")
    monkeypatch.setattr(backend, "_cupy", _FakeCupy)
    return minigrad.Tensor._from_op(_FakeCudaArray(), None, 0)


def test_gpu_tensor_numpy_error_points_to_cpu(fake_gpu_tensor):
    assert fake_gpu_tensor.is_cuda
    assert fake_gpu_tensor.device == "cuda:0"
    with pytest.raises(TypeError, match=r"tensor on cuda:0 to numpy.*\.cpu\(\)"):
        fake_gpu_tensor.numpy()
    with pytest.raises(TypeError, match=r"cuda:0.*\.cpu\(\)"):
        np.asarray(fake_gpu_tensor)
