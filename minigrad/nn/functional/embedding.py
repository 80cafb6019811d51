"""nn.functional.embedding: looking rows up in a table, and one-hot encoding.

Holds: embedding(input, weight, padding_idx, max_norm), one_hot(tensor, num_classes).

An embedding is indexing: ``weight[input]`` picks one row of the (V, D) table per index.  Its
gradient adds each output row's gradient into the row it came from (indexing's backward), so a
word used twice gets two contributions.
"""

from __future__ import annotations

from ... import backend, dtypes
from ...autograd import no_grad
from ...ops.unary import where
from ...tensor import Tensor

__all__ = ["embedding", "one_hot"]


def _index_array(indices, op: str):
    """The integer array behind ``indices`` (a Tensor of an integer dtype)."""
    if not isinstance(indices, Tensor):
        raise TypeError(f"{op}: expected the indices to be a Tensor, got "
                        f"{type(indices).__name__}")
    if indices.dtype.kind not in "iu":
        raise TypeError(f"{op}: expected an integer tensor of indices (int64), got dtype "
                        f"{indices.dtype}")
    return indices.data


def _check_range(array, low: int, high: int, op: str, what: str) -> None:
    """IndexError naming the first value outside [low, high)."""
    if array.size == 0:
        return
    bad = (array < low) | (array >= high)
    if bool(bad.any()):
        value = int(array[bad].ravel()[0])
        raise IndexError(f"{op}: index {value} is out of range for {what} (valid indices are "
                         f"{low} to {high - 1})")


def _renormalize_rows(weight: Tensor, indices, max_norm: float, norm_type: float) -> None:
    """Scale the rows of ``weight`` named in ``indices`` whose norm exceeds max_norm down to
    max_norm, in place (PyTorch's ``max_norm`` behaviour; no gradient flows through it)."""
    xp = backend.get_array_module(weight.data)
    rows = xp.unique(indices.ravel())
    picked = weight.data[rows]
    norms = (xp.abs(picked) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(weight.dtype)
    with no_grad():
        weight.data[rows] = picked * scale[:, None]


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,  # noqa: A002
              max_norm: float | None = None, norm_type: float = 2.0) -> Tensor:
    """Rows of ``weight`` picked by ``input``: out[..., :] = weight[input[...], :].

    Shapes: input (*) integer, weight (num_embeddings, embedding_dim) -> (*, embedding_dim).
    Positions equal to ``padding_idx`` give weight[padding_idx] but send no gradient to it.
    With ``max_norm``, the looked-up rows are first rescaled in place to norm <= max_norm.

    >>> import minigrad
    >>> table = minigrad.arange(6.0).reshape(3, 2)
    >>> embedding(minigrad.tensor([2, 0]), table)
    tensor([[4., 5.],
            [0., 1.]])
    """
    indices = _index_array(input, "embedding")
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got "
                         f"shape {tuple(weight.shape)}")
    num_embeddings = weight.shape[0]
    _check_range(indices, 0, num_embeddings, "embedding",
                 f"an embedding table of {num_embeddings} rows")
    if max_norm is not None:
        _renormalize_rows(weight, indices, max_norm, norm_type)
    rows = weight[indices]
    if padding_idx is None:
        return rows
    if padding_idx < 0:
        padding_idx += num_embeddings
    # The padding positions take their value from a detached copy, so no gradient reaches the
    # padding row: where() sends the gradient of those positions to the detached branch.
    is_padding = (indices == padding_idx)[..., None]
    return where(Tensor._from_op(is_padding, None, 0), rows.detach(), rows)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """Integer class indices (*) -> int64 one-hot encoding (*, num_classes).

    ``num_classes=-1`` uses max(tensor) + 1.

    >>> import minigrad
    >>> one_hot(minigrad.tensor([0, 2]), 3)
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    indices = _index_array(tensor, "one_hot")
    xp = backend.get_array_module(indices)
    if num_classes == -1:
        if indices.size == 0:
            raise ValueError("one_hot: can not infer the number of classes from an empty tensor")
        num_classes = int(indices.max()) + 1
    if not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"one_hot: num_classes must be a positive int or -1, got "
                         f"{num_classes!r}")
    _check_range(indices, 0, num_classes, "one_hot", f"num_classes={num_classes}")
    classes = xp.arange(num_classes)
    encoded = (indices[..., None] == classes).astype(dtypes.int64)
    return Tensor._from_op(encoded, None, 0)
