"""matmul (1-D, 2-D, batched with broadcasting), mm/bmm/mv/dot/outer and einsum through the op
harness, against references written with explicit sums, plus bad-input errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad
from tests.harness import OpCase, assert_close, check_op, devices
from tests.strategies import arrays, broadcastable_shapes


def _check(data, device, name, op, reference, inputs, **options):
    case = OpCase(name, op, reference, st.just(tuple(inputs)), **options)
    check_op(case, data, device)


def _matmul_reference(a, b):
    """numpy.matmul's rules spelled out: a 1-D operand becomes a matrix, batch dims broadcast,
    each output element is an explicit sum over k, the added axes are dropped again."""
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    batch = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
    a2 = np.broadcast_to(a2, batch + a2.shape[-2:])
    b2 = np.broadcast_to(b2, batch + b2.shape[-2:])
    n, k, m = a2.shape[-2], a2.shape[-1], b2.shape[-1]
    out = np.zeros(batch + (n, m))
    for position in np.ndindex(*batch):
        for i in range(n):
            for j in range(m):
                out[position + (i, j)] = sum(a2[position + (i, t)] * b2[position + (t, j)]
                                             for t in range(k))
    if a.ndim == 1:
        out = out[..., 0, :]
    if b.ndim == 1:
        out = out[..., 0]
    return out


KINDS = ["vector", "matrix", "batched"]


@st.composite
def _matmul_shapes(draw, kind_a, kind_b):
    """Shapes of a and b that matmul accepts: 1-D, 2-D, and N-D with broadcast batch dims
    (the N-D @ 2-D case of every Linear layer included)."""
    n, k, m = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    batch_a, batch_b = draw(broadcastable_shapes(2, min_dims=1, max_dims=2, max_side=2))
    shape_a = {"vector": (k,), "matrix": (n, k), "batched": tuple(batch_a) + (n, k)}[kind_a]
    shape_b = {"vector": (k,), "matrix": (k, m), "batched": tuple(batch_b) + (k, m)}[kind_b]
    return shape_a, shape_b


@pytest.mark.parametrize("device", devices())
@pytest.mark.parametrize("kind_b", KINDS)
@pytest.mark.parametrize("kind_a", KINDS)
@settings(max_examples=10)
@given(data=st.data())
def test_matmul(device, kind_a, kind_b, data):
    shape_a, shape_b = data.draw(_matmul_shapes(kind_a, kind_b), label="shapes")
    a, b = data.draw(arrays(shape_a), label="a"), data.draw(arrays(shape_b), label="b")
    _check(data, device, f"matmul {shape_a} @ {shape_b}", minigrad.matmul, _matmul_reference,
           [a, b])
    which = data.draw(st.sampled_from([0, 1]), label="differentiated input")
    _check(data, device, "matmul, one input differentiated", lambda x, y: x @ y,
           _matmul_reference, [a, b], grad_inputs=(which,))


def test_linear_layer_shapes_match_plain_loops():
    """(B, T, k) @ (k, m): the path that folds the batch into one GEMM, forward and backward."""
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((2, 5, 4)), rng.standard_normal((4, 3))
    upstream = rng.standard_normal((2, 5, 3))
    xt = minigrad.tensor(x, dtype=minigrad.float64, requires_grad=True)
    wt = minigrad.tensor(w, dtype=minigrad.float64, requires_grad=True)
    out = xt @ wt
    assert_close(out, _matmul_reference(x, w))
    out.backward(minigrad.tensor(upstream, dtype=minigrad.float64))
    grad_w = sum(x[b].T @ upstream[b] for b in range(2))
    assert_close(wt.grad, grad_w)
    assert_close(xt.grad, np.stack([upstream[b] @ w.T for b in range(2)]))


def test_matmul_float32_stays_float32():
    assert (minigrad.ones(2, 3) @ minigrad.ones(3, 4)).dtype == minigrad.float32


# ---------------------------------------------------------------------------------------------
# mm / bmm / mv / dot / outer
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("device", devices())
@given(data=st.data())
def test_fixed_rank_products(device, data):
    n, k, m, batch = (data.draw(st.integers(1, 3), label=name) for name in "nkmB")
    a, b = data.draw(arrays((n, k)), label="a"), data.draw(arrays((k, m)), label="b")
    _check(data, device, "mm", minigrad.mm, _matmul_reference, [a, b])
    a3, b3 = data.draw(arrays((batch, n, k)), label="a3"), data.draw(arrays((batch, k, m)))
    _check(data, device, "bmm", minigrad.bmm, _matmul_reference, [a3, b3])
    u, v = data.draw(arrays((k,)), label="u"), data.draw(arrays((k,)), label="v")
    _check(data, device, "mv", minigrad.mv, _matmul_reference, [a, v])
    _check(data, device, "dot", minigrad.dot, lambda p, q: sum(p[i] * q[i] for i in range(k)),
           [u, v])
    w = data.draw(arrays((m,)), label="w")
    _check(data, device, "outer", minigrad.outer,
           lambda p, q: np.array([[p[i] * q[j] for j in range(m)] for i in range(k)]), [u, w])


# ---------------------------------------------------------------------------------------------
# einsum
# ---------------------------------------------------------------------------------------------


def _loops(fn, shape):
    """An array of ``shape`` whose element at p is fn(*p): references written element-wise."""
    out = np.zeros(shape)
    for position in np.ndindex(*shape):
        out[position] = fn(*position)
    return out


EINSUM_CASES = [
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)],
     lambda a, b: _loops(lambda p, i, k: sum(a[p, i, j] * b[p, j, k] for j in range(3)),
                         (2, 2, 2))),
    ("ij->ji", [(2, 3)], lambda a: _loops(lambda j, i: a[i, j], (3, 2))),
    ("ij->", [(2, 3)], lambda a: np.array(sum(a[i, j] for i in range(2) for j in range(3)))),
    ("ij,j", [(2, 3), (3,)], lambda a, v: _loops(lambda i: sum(a[i, j] * v[j] for j in range(3)),
                                                  (2,))),
    ("i,j->ij", [(3,), (2,)], lambda u, v: _loops(lambda i, j: u[i] * v[j], (3, 2))),
    ("ij,ij->i", [(1, 3), (2, 3)],  # size-1 dim broadcast
     lambda a, b: _loops(lambda i: sum(a[0, j] * b[i, j] for j in range(3)), (2,))),
    ("...ij,...j->...i", [(2, 2, 3), (3,)],
     lambda a, v: _loops(lambda p, i: sum(a[p, i, j] * v[j] for j in range(3)), (2, 2))),
    ("ab,bc,cd->ad", [(2, 3), (3, 2), (2, 2)],
     lambda a, b, c: _loops(lambda i, d: sum(a[i, j] * b[j, k] * c[k, d] for j in range(3)
                                             for k in range(2)), (2, 2))),
    ("bhqd,bhkd->bhqk", [(1, 2, 2, 3), (1, 2, 3, 3)],  # attention scores
     lambda q, k: _loops(lambda b, h, i, j: sum(q[b, h, i, d] * k[b, h, j, d] for d in range(3)),
                         (1, 2, 2, 3))),
]


@pytest.mark.parametrize("device", devices())
@pytest.mark.parametrize("equation, input_shapes, reference", EINSUM_CASES,
                         ids=[case[0] for case in EINSUM_CASES])
@settings(max_examples=10)
@given(data=st.data())
def test_einsum(device, equation, input_shapes, reference, data):
    inputs = [data.draw(arrays(shape), label=f"operand {i}") for i, shape in
              enumerate(input_shapes)]
    _check(data, device, f"einsum {equation}", lambda *ts: minigrad.einsum(equation, *ts),
           reference, inputs)


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------


def test_matmul_shape_mismatch_names_op_and_shapes():
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) and \(4, 5\) are not "
                                         r"aligned \(3 != 4\)"):
        minigrad.ones(2, 3) @ minigrad.ones(4, 5)
    with pytest.raises(ValueError, match=r"matmul: shapes \(3,\) and \(2,\) are not aligned"):
        minigrad.matmul(minigrad.ones(3), minigrad.ones(2))
    with pytest.raises(ValueError, match=r"matmul: batch dimensions of shapes \(2, 2, 3\) and "
                                         r"\(3, 3, 2\) cannot be broadcast"):
        minigrad.ones(2, 2, 3) @ minigrad.ones(3, 3, 2)
    with pytest.raises(ValueError, match="matmul: both arguments need at least 1 dimension"):
        minigrad.matmul(minigrad.tensor(2.0), minigrad.ones(2))


def test_matmul_bad_types():
    with pytest.raises(TypeError, match="matmul: expected both tensors to have the same dtype"):
        minigrad.ones(2, 2) @ minigrad.ones(2, 2, dtype=minigrad.float64)
    with pytest.raises(TypeError, match="matmul: expected two Tensors"):
        minigrad.matmul(minigrad.ones(2), [1.0, 2.0])


def test_fixed_rank_products_check_ranks():
    with pytest.raises(ValueError, match=r"mm: expected 2-D and 2-D tensors, got shapes "
                                         r"\(2, 2, 2\) and \(2, 2\)"):
        minigrad.mm(minigrad.ones(2, 2, 2), minigrad.ones(2, 2))
    with pytest.raises(ValueError, match=r"bmm: batch sizes of shapes \(2, 2, 2\) and "
                                         r"\(3, 2, 2\) differ"):
        minigrad.bmm(minigrad.ones(2, 2, 2), minigrad.ones(3, 2, 2))
    with pytest.raises(ValueError, match=r"dot: expected 1-D and 1-D tensors"):
        minigrad.dot(minigrad.ones(2, 1), minigrad.ones(2))


def test_einsum_bad_equations():
    a = minigrad.ones(2, 3)
    with pytest.raises(ValueError, match=r"einsum: subscripts 'ijk' do not match an operand of "
                                         r"shape \(2, 3\)"):
        minigrad.einsum("ijk->i", a)
    with pytest.raises(ValueError, match="einsum: equation 'ij,jk->ik' names 2 operands but 1"):
        minigrad.einsum("ij,jk->ik", a)
    with pytest.raises(ValueError, match=r"einsum: subscript 'j' has sizes 3 and 2"):
        minigrad.einsum("ij,jk->ik", a, a)
    with pytest.raises(ValueError, match="einsum: a letter repeated in one operand"):
        minigrad.einsum("ii->i", minigrad.ones(2, 2))
    with pytest.raises(ValueError, match="einsum: output 'iz' of 'ij->iz' must use"):
        minigrad.einsum("ij->iz", a)
