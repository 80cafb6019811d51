"""nn.functional.attention: attention as functions.

Holds:
    scaled_dot_product_attention(q, k, v, ...)   softmax(q k^T * scale + mask) v, PyTorch's API
    masked_softmax(scores, valid_lens)            softmax over the first valid_lens keys (d2l)
    causal_mask(n)                               float mask, -inf above the diagonal

Two mask conventions meet here, both PyTorch's:

    scaled_dot_product_attention   bool attn_mask: True = may attend (takes part)
    nn.MultiheadAttention          bool masks:     True = may NOT attend (is masked out)

A float mask is added to the scores in both (0 = attend, -inf = masked out).  A query that may
attend to no key at all gets zero weights (and a zero output) instead of NaN.
"""

from __future__ import annotations

import math

import numpy as np

from ... import backend, dtypes
from ...ops._util import xp_of
from ...ops.linalg import matmul
from ...ops.unary import where
from ...tensor import Tensor
from .dropout import dropout

__all__ = ["scaled_dot_product_attention", "masked_softmax", "causal_mask"]


def causal_mask(n: int, device=None, dtype=None) -> Tensor:
    """The (n, n) float mask that stops position i from attending to positions j > i: 0 on and
    below the diagonal, -inf above (what ``Transformer.generate_square_subsequent_mask`` gives).

    >>> causal_mask(3)
    tensor([[  0., -inf, -inf],
            [  0.,   0., -inf],
            [  0.,   0.,   0.]])
    """
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"causal_mask: n must be a non-negative int, got {n!r}")
    dtype = dtypes.as_dtype(dtype) or dtypes.get_default_dtype()
    xp = backend.array_module(device)
    above = xp.triu(xp.ones((n, n), dtype=bool), k=1)
    array = xp.where(above, -np.inf, 0.0).astype(dtype)
    return Tensor(array)


def _check_mask(op: str, mask, target_shape: tuple, name: str) -> None:
    if not isinstance(mask, Tensor):
        raise TypeError(f"{op}: {name} must be a Tensor, got {type(mask).__name__}")
    if mask.dtype.kind not in "bf":
        raise TypeError(f"{op}: {name} must be bool or floating point, got {mask.dtype}")
    try:
        np.broadcast_shapes(tuple(mask.shape), target_shape)
    except ValueError:
        raise ValueError(f"{op}: {name} of shape {tuple(mask.shape)} cannot be broadcast to the "
                         f"attention scores of shape {target_shape}") from None


def _masked_attention_weights(scores: Tensor, masks: list) -> Tensor:
    """softmax over the last axis of ``scores`` after applying ``masks``: each a bool Tensor
    (True = may attend) or a float Tensor (added).  Rows with no allowed key get zeros."""
    for mask in masks:
        if mask.dtype.kind == "b":
            scores = where(mask, scores, -math.inf)
        else:
            scores = scores + mask.to(scores.dtype)
    xp = xp_of(scores)
    dead = xp.isneginf(scores.data).all(axis=-1, keepdims=True)
    if not dead.any():
        return scores.softmax(dim=-1)
    # A row of -inf would give 0/0: softmax a row of zeros instead and zero the result, so that
    # neither the weights nor their gradients carry NaN.
    dead = Tensor(dead)
    weights = where(dead, 0.0, scores).softmax(dim=-1)
    return where(dead, 0.0, weights)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None) -> Tensor:
    """Attention(Q, K, V) = softmax(Q K^T * scale + M) V, with scale = 1 / sqrt(E) by default.

    Shapes: query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev); the leading
    dimensions broadcast (batch, heads).  ``attn_mask`` broadcasts to (..., L, S): a bool mask
    is True where a query may attend to a key, a float mask is added to the scores.
    ``is_causal`` masks keys after the query's position (j > i).  ``dropout_p`` drops attention
    weights (always, as PyTorch does: pass 0 in evaluation).

    >>> import minigrad
    >>> q = k = v = minigrad.ones(2, 3, 4)
    >>> scaled_dot_product_attention(q, k, v, is_causal=True).shape
    (2, 3, 4)
    """
    op = "scaled_dot_product_attention"
    for name, tensor in (("query", query), ("key", key), ("value", value)):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(tensor).__name__}")
        if tensor.ndim < 2:
            raise ValueError(f"{op}: {name} needs at least 2 dimensions (..., length, features),"
                             f" got shape {tuple(tensor.shape)}")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ValueError(f"{op}: expected query (..., L, E), key (..., S, E) and value (..., S, "
                         f"Ev), got {tuple(query.shape)}, {tuple(key.shape)} and "
                         f"{tuple(value.shape)}")
    if not 0.0 <= dropout_p < 1.0:
        raise ValueError(f"{op}: dropout_p must be in [0, 1), got {dropout_p}")
    length, source = query.shape[-2], key.shape[-2]
    try:
        batch = np.broadcast_shapes(query.shape[:-2], key.shape[:-2], value.shape[:-2])
    except ValueError:
        raise ValueError(f"{op}: the leading dimensions of query {tuple(query.shape)}, key "
                         f"{tuple(key.shape)} and value {tuple(value.shape)} cannot be "
                         "broadcast") from None
    masks = []
    if attn_mask is not None:
        _check_mask(op, attn_mask, tuple(batch) + (length, source), "attn_mask")
        masks.append(attn_mask)
    if is_causal:
        xp = xp_of(query)
        masks.append(Tensor(xp.tril(xp.ones((length, source), dtype=bool))))
    if scale is None:
        scale = 1.0 / math.sqrt(query.shape[-1])
    scores = matmul(query, key.mT) * scale
    weights = _masked_attention_weights(scores, masks)
    if dropout_p > 0:
        weights = dropout(weights, p=dropout_p, training=True)
    return matmul(weights, value)


def masked_softmax(scores: Tensor, valid_lens=None) -> Tensor:
    """Softmax over the last axis that ignores the keys at positions >= ``valid_lens``.

    scores (B, Q, K); valid_lens None (plain softmax), (B,) (one length per example) or (B, Q)
    (one per query), ints.  Ignored keys get weight exactly 0 (their scores are replaced by
    -1e6 first, as in d2l, so a length of 0 gives uniform weights rather than NaN).

    >>> import minigrad
    >>> masked_softmax(minigrad.zeros(1, 1, 4), [2])
    tensor([[[0.5, 0.5, 0.0, 0.0]]])
    """
    if valid_lens is None:
        return scores.softmax(dim=-1)
    if scores.ndim != 3:
        raise ValueError(f"masked_softmax: expected scores of shape (batch, queries, keys), got "
                         f"{tuple(scores.shape)}")
    if isinstance(valid_lens, Tensor):
        valid_lens = backend.to_device(valid_lens.data, "cpu")
    lengths = np.asarray(valid_lens)
    batch, queries, keys = scores.shape
    if lengths.shape not in ((batch,), (batch, queries)):
        raise ValueError(f"masked_softmax: expected valid_lens of shape ({batch},) or ({batch}, "
                         f"{queries}) for scores of shape {tuple(scores.shape)}, got "
                         f"{lengths.shape}")
    if lengths.ndim == 1:
        lengths = lengths[:, None]
    keep = np.arange(keys)[None, None, :] < lengths[:, :, None]
    keep = Tensor(backend.to_device(keep, scores.device))
    return where(keep, scores, -1e6).softmax(dim=-1)

