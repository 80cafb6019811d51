"""Reductions (minigrad/ops/reduce.py) through the op harness over dims/keepdim variants, plus
ties, zeros in prod, subgradients at 0, stability of logsumexp and bad inputs."""

import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import minigrad
from minigrad.utils import gradcheck, gradgradcheck
from tests.harness import OpCase, check_op, devices
from tests.strategies import array_and_dim, array_and_dims, arrays, shapes

# ---------------------------------------------------------------------------------------------
# Plain NumPy references
# ---------------------------------------------------------------------------------------------


def _axis_count(shape, dim):
    if dim is None:
        return math.prod(shape)
    axes = dim if isinstance(dim, tuple) else (dim,)
    return math.prod(shape[a] for a in axes)


def _var_reference(correction):
    def reference(a, dim, keepdim):
        deviation = a - a.mean(axis=dim, keepdims=True)
        total = (deviation ** 2).sum(axis=dim, keepdims=keepdim)
        return total / (_axis_count(a.shape, dim) - correction)
    return reference


def _std_reference(correction):
    return lambda a, dim, keepdim: np.sqrt(_var_reference(correction)(a, dim, keepdim))


def _logsumexp_reference(a, dim, keepdim):
    return np.log(np.exp(a).sum(axis=dim, keepdims=keepdim))


def _norm_reference(p):
    def reference(a, dim, keepdim):
        magnitude = np.abs(a)
        if p in (2, "fro"):
            return np.sqrt((a * a).sum(axis=dim, keepdims=keepdim))
        if p == math.inf:
            return magnitude.max(axis=dim, keepdims=keepdim)
        if p == -math.inf:
            return magnitude.min(axis=dim, keepdims=keepdim)
        return (magnitude ** p).sum(axis=dim, keepdims=keepdim) ** (1.0 / p)
    return reference


# Each entry: name, minigrad call (x, dim, keepdim), reference (a, dim, keepdim), options.
DIMS_CASES = [
    ("sum", minigrad.sum, lambda a, d, k: a.sum(axis=d, keepdims=k), {}),
    ("mean", minigrad.mean, lambda a, d, k: a.mean(axis=d, keepdims=k), {}),
    ("amax", minigrad.amax, lambda a, d, k: a.max(axis=d, keepdims=k), {"distinct": True}),
    ("amin", minigrad.amin, lambda a, d, k: a.min(axis=d, keepdims=k), {"distinct": True}),
    ("logsumexp", minigrad.logsumexp, _logsumexp_reference, {}),
    # exact zeros have tests of their own below; values like 1e-183 make finite differences of
    # second derivatives meaningless (x^2 underflows), so keep them off 0 here
    ("prod", minigrad.prod, lambda a, d, k: a.prod(axis=d, keepdims=k),
     {"low": -2.0, "high": 2.0, "max_dims": 2, "kinks": [0.0]}),
    # a norm over one element is |x|: keep values off that kink
    ("norm p=2", lambda x, d, k: minigrad.norm(x, 2, d, k), _norm_reference(2), {"kinks": [0.0]}),
    ("norm p=fro", lambda x, d, k: x.norm("fro", d, k), _norm_reference("fro"), {"kinks": [0.0]}),
    ("norm p=1", lambda x, d, k: minigrad.norm(x, 1, d, k), _norm_reference(1),
     {"kinks": [0.0]}),
    ("norm p=3", lambda x, d, k: minigrad.norm(x, 3, d, k), _norm_reference(3),
     {"kinks": [0.0]}),
    # |x| ties when x and -x both occur: keep the values positive and distinct
    ("norm p=inf", lambda x, d, k: minigrad.norm(x, math.inf, d, k), _norm_reference(math.inf),
     {"low": 0.1, "distinct": True}),
    ("norm p=-inf", lambda x, d, k: minigrad.norm(x, -math.inf, d, k),
     _norm_reference(-math.inf), {"low": 0.1, "distinct": True}),
]

# var and std: (name, op for a correction, reference for a correction)
SPREAD_CASES = [
    ("var", lambda c: lambda x, d, k: minigrad.var(x, d, k, correction=c), _var_reference),
    ("std", lambda c: lambda x, d, k: x.std(d, keepdim=k, correction=c), _std_reference),
]


def _draw_dims_case(data, name, op, reference, low=-3.0, high=3.0, max_dims=3, min_count=0,
                    **options):
    """An OpCase for one drawn (array, dim, keepdim): dim None, an int or a tuple.  Each output
    element reduces at least ``min_count`` input elements."""
    array, dim = data.draw(array_and_dims(max_dims=max_dims, low=low, high=high),
                           label="array, dim")
    assume(_axis_count(array.shape, dim) >= min_count)
    keepdim = data.draw(st.booleans(), label="keepdim")
    return OpCase(f"{name}(dim={dim}, keepdim={keepdim})",
                  lambda x: op(x, dim, keepdim), lambda a: reference(a, dim, keepdim),
                  st.just((array,)), **options)


@pytest.mark.parametrize("device", devices())
@pytest.mark.parametrize("name, op, reference, options", DIMS_CASES, ids=[c[0] for c in DIMS_CASES])
@given(data=st.data())
def test_reduction_over_dims(name, op, reference, options, device, data):
    check_op(_draw_dims_case(data, name, op, reference, **options), data, device)


@pytest.mark.parametrize("device", devices())
@pytest.mark.parametrize("correction", [0, 1, 2])
@pytest.mark.parametrize("name, op, reference", SPREAD_CASES, ids=[c[0] for c in SPREAD_CASES])
@given(data=st.data())
def test_var_std_over_dims(name, op, reference, correction, device, data):
    # every slice must hold more elements than the correction (else the answer is inf or nan)
    # std has a kink where every value of a slice is equal: keep the values apart
    case = _draw_dims_case(data, f"{name} correction={correction}", op(correction),
                           reference(correction), min_count=correction + 1, distinct=True)
    check_op(case, data, device)


# ---------------------------------------------------------------------------------------------
# Reductions along one int dim: cumsum, max/min with indices
# ---------------------------------------------------------------------------------------------


def _draw_dim_case(data, name, op, reference, **options):
    array, dim = data.draw(array_and_dim(), label="array, dim")
    keepdim = data.draw(st.booleans(), label="keepdim")
    return OpCase(f"{name}(dim={dim}, keepdim={keepdim})", lambda x: op(x, dim, keepdim),
                  lambda a: reference(a, dim, keepdim), st.just((array,)), **options)


ONE_DIM_CASES = [
    ("cumsum", lambda x, d, k: minigrad.cumsum(x, d), lambda a, d, k: np.cumsum(a, axis=d), {}),
    ("max with dim", lambda x, d, k: minigrad.max(x, d, k),
     lambda a, d, k: (a.max(axis=d, keepdims=k), a.argmax(axis=d, keepdims=k)),
     {"distinct": True}),
    ("min with dim", lambda x, d, k: x.min(d, k),
     lambda a, d, k: (a.min(axis=d, keepdims=k), a.argmin(axis=d, keepdims=k)),
     {"distinct": True}),
]


@pytest.mark.parametrize("device", devices())
@pytest.mark.parametrize("name, op, reference, options", ONE_DIM_CASES,
                         ids=[c[0] for c in ONE_DIM_CASES])
@given(data=st.data())
def test_reduction_along_one_dim(name, op, reference, options, device, data):
    check_op(_draw_dim_case(data, name, op, reference, **options), data, device)


ALL_CASES = [
    OpCase("max of all", minigrad.max, np.max, st.tuples(arrays(shapes())), distinct=True),
    OpCase("min of all", lambda x: x.min(), np.min, st.tuples(arrays(shapes())), distinct=True),
]


@pytest.mark.parametrize("device", devices())
@pytest.mark.parametrize("case", ALL_CASES, ids=repr)
@given(data=st.data())
def test_reduction_of_all_elements(case, device, data):
    check_op(case, data, device)


# ---------------------------------------------------------------------------------------------
# Not differentiable: argmax/argmin, all/any
# ---------------------------------------------------------------------------------------------


@given(data=st.data())
def test_argmax_argmin_match_numpy(data):
    array, dim = data.draw(array_and_dims(max_dims=3))
    if isinstance(dim, tuple):  # argmax takes None or one int
        dim = dim[0]
    keepdim = data.draw(st.booleans())
    x = minigrad.tensor(array, dtype=minigrad.float64)
    for name, reference in (("argmax", np.argmax), ("argmin", np.argmin)):
        got = getattr(minigrad, name)(x, dim, keepdim)
        if dim is None:
            want = np.asarray(reference(array)).reshape((1,) * array.ndim if keepdim else ())
        else:
            want = reference(array, axis=dim, keepdims=keepdim)
        assert got.dtype == minigrad.int64 and not got.requires_grad
        np.testing.assert_array_equal(got.numpy(), want, err_msg=f"{name} dim={dim}")


@given(data=st.data())
def test_all_any_match_numpy(data):
    array, dim = data.draw(array_and_dims())
    keepdim = data.draw(st.booleans())
    mask = array > 0
    x = minigrad.tensor(mask)
    for name, reference in (("all", np.all), ("any", np.any)):
        got = getattr(minigrad, name)(x, dim, keepdim)
        assert got.dtype == minigrad.bool_
        np.testing.assert_array_equal(got.numpy(), reference(mask, axis=dim, keepdims=keepdim))
    np.testing.assert_array_equal(minigrad.tensor(array).any(dim, keepdim).numpy(),
                                  np.any(array != 0, axis=dim, keepdims=keepdim))


# ---------------------------------------------------------------------------------------------
# Ties: amax/amin and max() share, max(dim) picks one
# ---------------------------------------------------------------------------------------------


def _leaf(values):
    return minigrad.tensor(values, dtype=minigrad.float64, requires_grad=True)


def test_amax_ties_share_the_gradient_equally():
    x = _leaf([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    minigrad.amax(x, dim=1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0.0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])


def test_amin_ties_over_a_tuple_of_dims():
    x = _leaf([[[0.0, 1.0], [0.0, 5.0]], [[2.0, 3.0], [4.0, -1.0]]])
    minigrad.amin(x, dim=(1, 2)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[[0.5, 0.0], [0.5, 0.0]],
                                                [[0.0, 0.0], [0.0, 1.0]]])


def test_max_of_all_elements_shares_ties():
    x = _leaf([3.0, 1.0, 3.0])
    y = minigrad.max(x)
    assert y.shape == ()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.5, 0.0, 0.5])


def test_max_with_dim_sends_the_gradient_to_the_returned_index_only():
    x = _leaf([[3.0, 3.0, 1.0], [0.0, 2.0, 2.0]])
    result = minigrad.max(x, dim=1)
    assert isinstance(result, minigrad.ops.ValuesIndices)
    values, indices = result
    assert result.values is values and result.indices is indices
    assert indices.dtype == minigrad.int64 and not indices.requires_grad
    np.testing.assert_array_equal(values.detach().numpy(), [3.0, 2.0])
    chosen = indices.numpy()
    values.sum().backward()
    expected = np.zeros((2, 3))
    expected[[0, 1], chosen] = 1.0
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_max_with_another_tensor_is_maximum():
    a = minigrad.tensor([1.0, 5.0])
    b = minigrad.tensor([2.0, 4.0])
    np.testing.assert_array_equal(minigrad.max(a, b).numpy(), [2.0, 5.0])
    np.testing.assert_array_equal(minigrad.min(a, b).numpy(), [1.0, 4.0])


def test_max_of_a_0d_tensor_with_dim():
    x = _leaf(2.5)
    values, indices = minigrad.max(x, 0)
    assert values.item() == 2.5 and indices.item() == 0 and indices.dtype == minigrad.int64
    values.backward()
    assert x.grad.item() == 1.0


# ---------------------------------------------------------------------------------------------
# prod with zeros
# ---------------------------------------------------------------------------------------------


def _product_of_others(row):
    """d prod / d x_i = product of every other element, by brute force."""
    return np.array([np.prod(np.delete(row, i)) for i in range(len(row))])


def _hessian_of_product(row):
    """d^2 prod / dx_i dx_k = product of all elements but i and k (0 on the diagonal)."""
    n = len(row)
    hessian = np.zeros((n, n))
    for i, k in itertools.product(range(n), range(n)):
        if i != k:
            hessian[i, k] = np.prod(np.delete(row, [i, k]))
    return hessian


PROD_ROWS = [
    [2.0, -1.5, 3.0, 0.5],   # no zero
    [2.0, 0.0, 3.0, 4.0],    # one zero
    [0.0, 2.0, 0.0, 3.0],    # two zeros
    [0.0, 0.0, 5.0, 0.0],    # three zeros
]


@pytest.mark.parametrize("row", PROD_ROWS, ids=["no zero", "one zero", "two zeros", "three"])
def test_prod_gradient_and_hessian_with_zeros(row):
    x = _leaf(row)
    (gradient,) = minigrad.grad(minigrad.prod(x), x, create_graph=True)
    np.testing.assert_allclose(gradient.detach().numpy(), _product_of_others(np.array(row)))
    rows = []
    for one_hot in np.eye(len(row)):
        seed = minigrad.tensor(one_hot, dtype=minigrad.float64)
        rows.append(minigrad.grad(gradient, x, grad_outputs=seed, retain_graph=True)[0].numpy())
    hessian = np.stack(rows)
    np.testing.assert_allclose(hessian, _hessian_of_product(np.array(row)))


def test_prod_gradcheck_and_gradgradcheck_with_zeros_along_a_dim():
    x = _leaf([[2.0, 0.0, 3.0], [0.0, 0.0, 1.5], [1.0, -2.0, 0.5], [0.0, 4.0, 0.0]])
    for dim in (0, 1):
        assert gradcheck(lambda t, d=dim: minigrad.prod(t, d), x)
        assert gradgradcheck(lambda t, d=dim: minigrad.prod(t, d, keepdim=True), x)


def test_prod_of_integers_stays_integer():
    x = minigrad.tensor([[1, 2], [3, 4]])
    assert minigrad.prod(x).item() == 24 and minigrad.prod(x).dtype == minigrad.int64
    np.testing.assert_array_equal(x.prod(1).numpy(), [2, 12])


# ---------------------------------------------------------------------------------------------
# Subgradients at 0 and degenerate slices
# ---------------------------------------------------------------------------------------------


def test_norm2_gradient_at_zero_is_zero_not_nan():
    x = _leaf([[0.0, 0.0], [3.0, 4.0]])
    minigrad.norm(x, dim=1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0.0, 0.0], [0.6, 0.8]])
    whole = _leaf([0.0, 0.0, 0.0])
    minigrad.norm(whole).backward()
    np.testing.assert_array_equal(whole.grad.numpy(), [0.0, 0.0, 0.0])


def test_norm1_and_norm_inf_gradient_at_zero():
    x = _leaf([0.0, -2.0, 1.0])
    minigrad.norm(x, 1).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, -1.0, 1.0])
    y = _leaf([0.0, -2.0, 1.0])
    minigrad.norm(y, math.inf).backward()
    np.testing.assert_array_equal(y.grad.numpy(), [0.0, -1.0, 0.0])


def test_norm_p0_counts_non_zeros():
    assert minigrad.norm(minigrad.tensor([0.0, 2.0, -1.0]), 0).item() == 2.0


def test_std_gradient_of_a_constant_slice_is_zero():
    x = _leaf([[2.0, 2.0, 2.0], [1.0, 2.0, 6.0]])
    minigrad.std(x, dim=1).sum().backward()
    assert np.isfinite(x.grad.numpy()).all()
    np.testing.assert_array_equal(x.grad.numpy()[0], [0.0, 0.0, 0.0])


def test_var_and_std_of_a_single_element_is_nan_without_warnings():
    x = minigrad.tensor([3.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert math.isnan(minigrad.var(x).item()) and math.isnan(minigrad.std(x).item())
        assert minigrad.var(x, correction=0).item() == 0.0
        assert math.isnan(minigrad.mean(minigrad.zeros(0)).item())


# ---------------------------------------------------------------------------------------------
# logsumexp stability
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [minigrad.float32, minigrad.float64])
def test_logsumexp_is_stable_at_1e4(dtype):
    x = minigrad.tensor([[1e4, 1e4], [-1e4, -1e4], [1e4, -1e4]], dtype=dtype,
                        requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = minigrad.logsumexp(x, dim=1)
        y.sum().backward()
    log2 = math.log(2.0)
    np.testing.assert_allclose(y.detach().numpy(), [1e4 + log2, -1e4 + log2, 1e4], rtol=1e-7)
    # the gradient is exp(x - y): y = 1e4 + log 2 is stored to within half an ulp of 1e4
    # (4.9e-4 in float32), which is the error exp(x - y) then carries
    half_ulp = np.spacing(np.array(1e4, dtype=dtype)) / 2
    np.testing.assert_allclose(x.grad.numpy(), [[0.5, 0.5], [0.5, 0.5], [1.0, 0.0]],
                               rtol=float(half_ulp) * 1.01, atol=1e-300)


def test_logsumexp_of_minus_infinity_is_minus_infinity():
    x = minigrad.tensor([[-np.inf, -np.inf], [0.0, -np.inf]], dtype=minigrad.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = minigrad.logsumexp(x, 1)
    np.testing.assert_array_equal(y.numpy(), [-np.inf, 0.0])


# ---------------------------------------------------------------------------------------------
# cumsum backward, 0-d tensors, Tensor methods
# ---------------------------------------------------------------------------------------------


def test_cumsum_backward_is_a_reversed_cumsum():
    x = _leaf([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    weights = np.array([[1.0, 10.0, 100.0], [2.0, 20.0, 200.0]])
    (minigrad.cumsum(x, 1) * minigrad.tensor(weights, dtype=minigrad.float64)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[111.0, 110.0, 100.0], [222.0, 220.0, 200.0]])


def test_cumsum_of_integers_and_bools():
    np.testing.assert_array_equal(minigrad.tensor([True, True, False]).long().cumsum(0)
                                  .numpy(), [1, 2, 2])
    assert minigrad.cumsum(minigrad.tensor([1, 2]), 0).dtype == minigrad.int64


def test_reductions_of_a_0d_tensor_accept_dim_0():
    x = _leaf(3.0)
    for op in (minigrad.sum, minigrad.mean, minigrad.amax, minigrad.prod, minigrad.logsumexp):
        assert op(x, 0).shape == ()
    assert minigrad.cumsum(x, 0).item() == 3.0
    assert minigrad.argmax(x, 0).item() == 0 and minigrad.argmax(x).item() == 0


def test_tensor_methods_pass_their_arguments_in_order():
    data = np.arange(24, dtype=np.float64).reshape(2, 3, 4) % 7 - 3
    x = minigrad.tensor(data, dtype=minigrad.float64)
    np.testing.assert_allclose(x.sum(1, True).numpy(), data.sum(1, keepdims=True))
    np.testing.assert_allclose(x.mean((0, 2)).numpy(), data.mean((0, 2)))
    np.testing.assert_allclose(x.amax(-1, True).numpy(), data.max(-1, keepdims=True))
    np.testing.assert_allclose(x.var(1, keepdim=True, correction=0).numpy(),
                               data.var(1, keepdims=True))
    np.testing.assert_allclose(x.std(2).numpy(), data.std(2, ddof=1))
    np.testing.assert_allclose(x.logsumexp(0).numpy(), np.log(np.exp(data).sum(0)))
    np.testing.assert_allclose(x.norm(1, 2).numpy(), np.abs(data).sum(2))
    np.testing.assert_allclose(x.prod(2, True).numpy(), data.prod(2, keepdims=True))
    np.testing.assert_allclose(x.cumsum(-1).numpy(), data.cumsum(-1))
    np.testing.assert_array_equal(x.argmin(1, True).numpy(), data.argmin(1, keepdims=True))
    np.testing.assert_array_equal(x.max(2).indices.numpy(), data.argmax(2))
    np.testing.assert_array_equal(x.all(0).numpy(), data.all(0))


# ---------------------------------------------------------------------------------------------
# Bad inputs
# ---------------------------------------------------------------------------------------------

DIM_OPS = ["sum", "mean", "var", "std", "prod", "cumsum", "max", "min", "amax", "amin",
           "argmax", "argmin", "logsumexp", "norm", "all", "any"]


def _call(name, x, dim):
    if name == "norm":
        return minigrad.norm(x, 2, dim)
    return getattr(minigrad, name)(x, dim)


@pytest.mark.parametrize("name", DIM_OPS)
def test_dim_out_of_range_is_an_index_error_naming_the_op(name):
    with pytest.raises(IndexError, match=rf"{name}: dim 2 is out of range .* 2 dimensions"):
        _call(name, minigrad.ones(2, 3), 2)
    with pytest.raises(IndexError, match=rf"{name}: dim -3 is out of range"):
        _call(name, minigrad.ones(2, 3), -3)


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "logsumexp", "norm", "all"])
def test_repeated_dim_is_a_value_error(name):
    with pytest.raises(ValueError, match=rf"{name}: dim \(1, -1\) names an axis twice"):
        _call(name, minigrad.ones(2, 3), (1, -1))


@pytest.mark.parametrize("name", DIM_OPS)
def test_non_tensor_input_is_a_type_error(name):
    with pytest.raises(TypeError, match=f"{name}: expected a Tensor, got list"):
        _call(name, [1.0, 2.0], 0)


@pytest.mark.parametrize("name", ["mean", "var", "std", "norm"])
def test_integer_input_is_rejected_where_pytorch_rejects_it(name):
    with pytest.raises(TypeError, match=f"{name}: expected a floating point tensor, got dtype "
                                        "int64"):
        _call(name, minigrad.tensor([1, 2, 3]), 0)


@pytest.mark.parametrize("name", ["max", "min", "amax", "amin", "argmax", "argmin"])
def test_max_of_an_empty_tensor_is_a_value_error(name):
    with pytest.raises(ValueError, match=rf"{name}: cannot reduce over an empty dimension of "
                                         r"a tensor of shape \(2, 0\)"):
        _call(name, minigrad.zeros(2, 0), 1)
    with pytest.raises(ValueError, match=f"{name}: cannot reduce"):
        getattr(minigrad, name)(minigrad.zeros(0))


def test_norm_rejects_unknown_orders():
    with pytest.raises(ValueError, match="norm: p must be a number or 'fro', got 'nuc'"):
        minigrad.norm(minigrad.ones(3), "nuc")
    with pytest.raises(ValueError, match="norm: p must be positive"):
        minigrad.norm(minigrad.ones(3), -1)


def test_dim_of_the_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match="sum: dim must be an int, got str"):
        minigrad.sum(minigrad.ones(3), "0")
