"""Embedding, F.embedding and F.one_hot."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.utils import gradcheck, gradgradcheck
from tests.harness import devices
from tests.strategies import arrays, shapes


def reference_lookup(table, ids):
    out = np.zeros(ids.shape + (table.shape[1],))
    for position in np.ndindex(*ids.shape):
        out[position] = table[ids[position]]
    return out


def reference_grad(table_shape, ids, upstream, padding_idx=None):
    """Row r of the gradient is the sum of the upstream rows of every position holding r."""
    grad = np.zeros(table_shape)
    for position in np.ndindex(*ids.shape):
        if ids[position] != padding_idx:
            grad[ids[position]] += upstream[position]
    return grad


@st.composite
def lookup_problems(draw):
    rows, cols = draw(st.integers(1, 5)), draw(st.integers(1, 3))
    table = draw(arrays((rows, cols)))
    ids = draw(hnp.arrays(np.int64, shapes(min_dims=0, max_dims=2),
                          elements=st.integers(0, rows - 1)))
    padding = draw(st.none() | st.integers(0, rows - 1))
    return table, ids, padding


@pytest.mark.parametrize("device", devices())
@given(problem=lookup_problems())
def test_embedding_forward_backward_property(device, problem):
    table, ids, padding = problem
    weight = minigrad.tensor(table, dtype=minigrad.float64, device=device, requires_grad=True)
    index = minigrad.tensor(ids, device=device)
    out = F.embedding(index, weight, padding_idx=padding)
    np.testing.assert_array_equal(out.detach().cpu().numpy(), reference_lookup(table, ids))
    upstream = np.random.default_rng(0).standard_normal(out.shape)
    out.backward(minigrad.tensor(upstream, device=device))
    np.testing.assert_allclose(weight.grad.cpu().numpy(),
                               reference_grad(table.shape, ids, upstream, padding))
    # (with a padding index the gradient deliberately differs from finite differences)
    weight = minigrad.tensor(table, dtype=minigrad.float64, device=device, requires_grad=True)
    gradcheck(lambda w: F.embedding(index, w), weight)
    gradgradcheck(lambda w: F.embedding(index, w) ** 2, weight)


def test_embedding_module():
    minigrad.manual_seed(0)
    layer = nn.Embedding(10, 4)
    assert layer.weight.shape == (10, 4) and layer.weight.requires_grad
    ids = minigrad.tensor([[1, 2, 1], [9, 0, 3]])
    out = layer(ids)
    assert out.shape == (2, 3, 4)
    np.testing.assert_array_equal(out.detach().numpy(),
                                  layer.weight.detach().numpy()[ids.numpy()])
    assert repr(layer) == "Embedding(10, 4)"
    assert repr(nn.Embedding(5, 2, padding_idx=-1, max_norm=1.0)) == \
        "Embedding(5, 2, padding_idx=4, max_norm=1.0)"


def test_embedding_init_is_standard_normal():
    minigrad.manual_seed(1)
    values = nn.Embedding(1000, 100).weight.detach().numpy()
    assert abs(values.mean()) < 0.02 and abs(values.std() - 1.0) < 0.02


def test_padding_row_starts_at_zero_and_stays_there():
    minigrad.manual_seed(2)
    layer = nn.Embedding(6, 3, padding_idx=0)
    assert not layer.weight.detach().numpy()[0].any()
    ids = minigrad.tensor([[0, 1, 0], [2, 0, 5]])
    (layer(ids) ** 2).sum().backward()
    assert not layer.weight.grad.numpy()[0].any()
    assert layer.weight.grad.numpy()[1].any()
    # a nonzero padding row is still returned (only its gradient is blocked)
    with minigrad.no_grad():
        layer.weight.data[0] = 7.0
    np.testing.assert_array_equal(layer(minigrad.tensor([0])).detach().numpy(), [[7.0] * 3])


def test_max_norm_renormalizes_looked_up_rows_in_place():
    table = minigrad.tensor([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]])
    layer = nn.Embedding(3, 2, max_norm=1.0, _weight=table)
    out = layer(minigrad.tensor([0, 1]))
    norms = np.linalg.norm(layer.weight.detach().numpy(), axis=1)
    np.testing.assert_allclose(norms[:2], [1.0, 0.5], rtol=1e-5)
    assert norms[2] == pytest.approx(10.0)  # not looked up: untouched
    np.testing.assert_allclose(out.detach().numpy(), [[0.6, 0.8], [0.3, 0.4]], rtol=1e-5)


def test_from_pretrained():
    vectors = minigrad.tensor([[1.0, 2.0], [3.0, 4.0]])
    frozen = nn.Embedding.from_pretrained(vectors)
    assert not frozen.weight.requires_grad
    np.testing.assert_array_equal(frozen(minigrad.tensor([1])).numpy(), [[3.0, 4.0]])
    trainable = nn.Embedding.from_pretrained(vectors, freeze=False)
    assert trainable.weight.requires_grad
    with pytest.raises(ValueError, match=r"embeddings must be 2-D, got shape \(2,\)"):
        nn.Embedding.from_pretrained(minigrad.ones(2))


def test_embedding_bad_inputs():
    layer = nn.Embedding(5, 2)
    with pytest.raises(IndexError, match=r"embedding: index 7 is out of range for an embedding "
                                         r"table of 5 rows \(valid indices are 0 to 4\)"):
        layer(minigrad.tensor([1, 7]))
    with pytest.raises(IndexError, match="index -1 is out of range"):
        layer(minigrad.tensor([-1]))
    with pytest.raises(TypeError, match="embedding: expected an integer tensor of indices"):
        layer(minigrad.tensor([1.0]))
    with pytest.raises(TypeError, match="expected the indices to be a Tensor"):
        layer([1, 2])
    with pytest.raises(ValueError, match=r"padding_idx 5 must be within num_embeddings \(5\)"):
        nn.Embedding(5, 2, padding_idx=5)
    with pytest.raises(ValueError, match="Embedding: num_embeddings must be a positive int"):
        nn.Embedding(0, 2)
    with pytest.raises(ValueError, match="max_norm must be positive"):
        nn.Embedding(3, 2, max_norm=0.0)
    with pytest.raises(ValueError, match=r"weight must be 2-D"):
        F.embedding(minigrad.tensor([0]), minigrad.ones(3))


@given(ids=hnp.arrays(np.int64, shapes(min_dims=0, max_dims=2), elements=st.integers(0, 4)),
       extra=st.integers(0, 2))
def test_one_hot_property(ids, extra):
    classes = int(ids.max()) + 1 + extra if ids.size else 5
    out = F.one_hot(minigrad.tensor(ids), classes)
    assert out.dtype == minigrad.int64 and out.shape == ids.shape + (classes,)
    expected = np.zeros(ids.shape + (classes,), dtype=np.int64)
    for position in np.ndindex(*ids.shape):
        expected[position + (ids[position],)] = 1
    np.testing.assert_array_equal(out.numpy(), expected)


def test_one_hot_inferred_classes_and_errors():
    np.testing.assert_array_equal(F.one_hot(minigrad.tensor([2, 0])).numpy(),
                                  [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(IndexError, match=r"one_hot: index 3 is out of range for num_classes=3"):
        F.one_hot(minigrad.tensor([0, 3]), 3)
    with pytest.raises(IndexError, match="index -2 is out of range"):
        F.one_hot(minigrad.tensor([-2]), 3)
    with pytest.raises(TypeError, match="one_hot: expected an integer tensor"):
        F.one_hot(minigrad.tensor([0.0]), 3)
    with pytest.raises(ValueError, match="num_classes must be a positive int or -1"):
        F.one_hot(minigrad.tensor([0]), 0)
