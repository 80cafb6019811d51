"""nn.attention: attention layers.

Holds:
    MultiheadAttention   PyTorch's layer: in_proj_weight / in_proj_bias / out_proj layout,
                         key_padding_mask, attn_mask, need_weights, batch_first, kdim / vdim
    AdditiveAttention    Bahdanau attention for seq2seq, with a softmax masked by valid lengths
                         (as in d2l: ``AdditiveAttention(key_size, query_size, num_hiddens)``)
    PositionalEncoding   the sinusoidal encoding of "Attention Is All You Need", plus dropout

Multi-head attention, for h heads of size d = embed_dim / h:

    head_i = softmax(Q_i K_i^T / sqrt(d) + mask) V_i,   Q_i = query W_q,i + b_q,i  (same for K, V)
    output = concat(head_1, ..., head_h) W_o^T + b_o

Masks follow nn.MultiheadAttention: a bool mask is True where attending is NOT allowed, a float
mask is added to the scores.  (F.scaled_dot_product_attention uses the opposite bool meaning.)
"""

from __future__ import annotations

import math

import numpy as np

from .. import backend, creation
from ..ops.linalg import matmul
from ..ops.shape import cat
from ..tensor import Tensor
from . import init
from .dropout import Dropout
from .functional.attention import _masked_attention_weights, masked_softmax
from .functional.dropout import dropout as dropout_fn
from .functional.linear import linear
from .linear import Linear
from .module import Module, Parameter

__all__ = ["MultiheadAttention", "AdditiveAttention", "PositionalEncoding"]


def _allowed(mask: Tensor) -> Tensor:
    """MultiheadAttention's mask as scaled_dot_product_attention's: a bool mask is inverted
    (True = may attend), a float mask is kept (it is added either way)."""
    if mask.dtype.kind == "b":
        return Tensor(~mask.data)
    return mask


class MultiheadAttention(Module):
    """Multi-head attention with PyTorch's parameters, arguments and results.

    ``MultiheadAttention(embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
    add_zero_attn=False, kdim=None, vdim=None, batch_first=False)``

    Parameters: ``in_proj_weight`` (3 * embed_dim, embed_dim) holding W_q, W_k, W_v stacked (or
    ``q_proj_weight``, ``k_proj_weight``, ``v_proj_weight`` when kdim or vdim differ from
    embed_dim), ``in_proj_bias`` (3 * embed_dim,), ``out_proj`` (a Linear), and ``bias_k``,
    ``bias_v`` (1, 1, embed_dim) with ``add_bias_kv``.  Initialised as PyTorch does: Xavier
    uniform projections, zero biases.

    ``forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False) -> (output, weights)``

        query (L, N, E), key (S, N, kdim), value (S, N, vdim)  -- (N, L, E) etc. with
              batch_first, or (L, E) etc. for one unbatched example
        key_padding_mask (N, S): True (or -inf) for keys to ignore, such as padding
        attn_mask (L, S) or (N * num_heads, L, S): True (or -inf) where query i may not attend
              to key j; ``is_causal=True`` without a mask masks every j > i
        output like query; weights (N, L, S) averaged over heads, (N, num_heads, L, S) with
              ``average_attn_weights=False``, None with ``need_weights=False``

    A query that may attend to no key gets zero weights and output ``out_proj.bias`` (PyTorch
    gives NaN there).  Dropout acts on the attention weights in training mode.

    >>> import minigrad
    >>> attention = MultiheadAttention(8, num_heads=2, batch_first=True)
    >>> x = minigrad.randn(3, 5, 8)
    >>> output, weights = attention(x, x, x)
    >>> output.shape, weights.shape
    ((3, 5, 8), (3, 5, 5))
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False,
                 kdim: int | None = None, vdim: int | None = None, batch_first: bool = False,
                 device=None, dtype=None):
        super().__init__()
        for name, value in (("embed_dim", embed_dim), ("num_heads", num_heads)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"MultiheadAttention: {name} must be a positive int, got "
                                 f"{value!r}")
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by "
                             f"num_heads ({num_heads})")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"MultiheadAttention: dropout must be in [0, 1), got {dropout}")
        self.embed_dim = embed_dim
        self.kdim = embed_dim if kdim is None else kdim
        self.vdim = embed_dim if vdim is None else vdim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        self.add_zero_attn = add_zero_attn

        def empty(*shape):
            return Parameter(creation.empty(*shape, dtype=dtype, device=device))

        if self._qkv_same_embed_dim:
            self.in_proj_weight = empty(3 * embed_dim, embed_dim)
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.register_parameter("in_proj_weight", None)
            self.q_proj_weight = empty(embed_dim, embed_dim)
            self.k_proj_weight = empty(embed_dim, self.kdim)
            self.v_proj_weight = empty(embed_dim, self.vdim)
        if bias:
            self.in_proj_bias = empty(3 * embed_dim)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, device=device, dtype=dtype)
        if add_bias_kv:
            self.bias_k = empty(1, 1, embed_dim)
            self.bias_v = empty(1, 1, embed_dim)
        else:
            self.bias_k = self.bias_v = None
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for weight in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(weight)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}"

    # -----------------------------------------------------------------------------------------

    def _projections(self):
        """(W_q, W_k, W_v) and (b_q, b_k, b_v) (the biases None without bias)."""
        if self._qkv_same_embed_dim:
            e = self.embed_dim
            weight = self.in_proj_weight
            weights = (weight[:e], weight[e:2 * e], weight[2 * e:])
        else:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        if self.in_proj_bias is None:
            return weights, (None, None, None)
        e = self.embed_dim
        bias = self.in_proj_bias
        return weights, (bias[:e], bias[e:2 * e], bias[2 * e:])

    def _check_inputs(self, query, key, value):
        """Check shapes; return query, key, value as batch-major (N, L, E) and ``batched``."""
        for name, tensor in (("query", query), ("key", key), ("value", value)):
            if not isinstance(tensor, Tensor):
                raise TypeError(f"MultiheadAttention: {name} must be a Tensor, got "
                                f"{type(tensor).__name__}")
        batched = query.ndim == 3
        layout = "(batch, length, features)" if self.batch_first else \
            "(length, batch, features)"
        expected_dims = 3 if batched else 2
        for tensor, size in ((query, self.embed_dim), (key, self.kdim), (value, self.vdim)):
            if tensor.ndim != expected_dims or tensor.shape[-1] != size:
                raise ValueError(f"MultiheadAttention: expected query, key and value of shape "
                                 f"{layout} (or (length, features) unbatched) with features "
                                 f"{self.embed_dim}, {self.kdim} and {self.vdim}; got query "
                                 f"{tuple(query.shape)}, key {tuple(key.shape)} and value "
                                 f"{tuple(value.shape)}")
        if not batched:
            query, key, value = query.unsqueeze(0), key.unsqueeze(0), value.unsqueeze(0)
        elif not self.batch_first:
            query, key, value = query.transpose(0, 1), key.transpose(0, 1), value.transpose(0, 1)
        if key.shape[:2] != value.shape[:2] or key.shape[0] != query.shape[0]:
            raise ValueError(f"MultiheadAttention: key and value must have the same batch and "
                             f"length, and the batch of query; got query {tuple(query.shape)}, "
                             f"key {tuple(key.shape)} and value {tuple(value.shape)} (as "
                             "(batch, length, features))")
        return query, key, value, batched

    def _masks(self, key_padding_mask, attn_mask, is_causal, batch, length, source, batched):
        """The masks in scaled_dot_product_attention's form, shaped to broadcast against the
        scores (N, heads, L, S)."""
        masks = []
        if attn_mask is not None:
            heads = self.num_heads
            allowed = [(length, source), (batch * heads, length, source)] if batched else \
                [(length, source), (heads, length, source)]
            if not isinstance(attn_mask, Tensor) or tuple(attn_mask.shape) not in allowed:
                shape = tuple(attn_mask.shape) if isinstance(attn_mask, Tensor) else attn_mask
                raise ValueError(f"MultiheadAttention: expected attn_mask of shape "
                                 f"{' or '.join(str(s) for s in allowed)}, got {shape}")
            if attn_mask.ndim == 3:
                attn_mask = attn_mask.reshape(batch, heads, length, source)
            masks.append(_allowed(attn_mask))
        elif is_causal:
            xp = backend.get_array_module(self.out_proj.weight.data)
            masks.append(Tensor(xp.tril(xp.ones((length, source), dtype=bool))))
        if key_padding_mask is not None:
            expected = (batch, source) if batched else (source,)
            if not isinstance(key_padding_mask, Tensor) or \
                    tuple(key_padding_mask.shape) != expected:
                shape = tuple(key_padding_mask.shape) if isinstance(key_padding_mask, Tensor) \
                    else key_padding_mask
                raise ValueError(f"MultiheadAttention: expected key_padding_mask of shape "
                                 f"{expected} (batch, key length), got {shape}")
            masks.append(_allowed(key_padding_mask.reshape(batch, 1, 1, source)))
        return masks

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Tensor | None = None, need_weights: bool = True,
                attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False):
        query, key, value, batched = self._check_inputs(query, key, value)
        batch, length, source = query.shape[0], query.shape[1], key.shape[1]
        (w_q, w_k, w_v), (b_q, b_k, b_v) = self._projections()
        q = linear(query, w_q, b_q)
        k = linear(key, w_k, b_k)
        v = linear(value, w_v, b_v)
        pad_columns = 0
        if self.bias_k is not None:
            k = cat([k, self.bias_k.expand(batch, 1, self.embed_dim)], dim=1)
            v = cat([v, self.bias_v.expand(batch, 1, self.embed_dim)], dim=1)
            pad_columns += 1
        if self.add_zero_attn:
            zeros = creation.zeros(batch, 1, self.embed_dim, dtype=k.dtype, device=k.device)
            k = cat([k, zeros], dim=1)
            v = cat([v, zeros], dim=1)
            pad_columns += 1

        masks = self._masks(key_padding_mask, attn_mask, is_causal, batch, length, source,
                            batched)
        if pad_columns:
            # the added keys may be attended by every query: widen the masks with "allowed"
            masks = [_widen(mask, pad_columns) for mask in masks]

        # (N, len, E) -> (N, heads, len, head_dim)
        def heads(x):
            return x.reshape(batch, x.shape[1], self.num_heads, self.head_dim).transpose(1, 2)

        q, k, v = heads(q), heads(k), heads(v)
        scores = matmul(q, k.mT) * (1.0 / math.sqrt(self.head_dim))
        weights = _masked_attention_weights(scores, masks)
        if self.dropout > 0:
            weights = dropout_fn(weights, p=self.dropout, training=self.training)
        output = matmul(weights, v).transpose(1, 2).reshape(batch, length, self.embed_dim)
        output = self.out_proj(output)

        if not batched:
            output = output.squeeze(0)
        elif not self.batch_first:
            output = output.transpose(0, 1)
        if not need_weights:
            return output, None
        if average_attn_weights:
            weights = weights.mean(dim=1)
        return output, (weights if batched else weights.squeeze(0))


def _widen(mask: Tensor, columns: int) -> Tensor:
    """Append ``columns`` keys that every query may attend to (bias_k / zero attention)."""
    xp = backend.get_array_module(mask.data)
    shape = mask.shape[:-1] + (columns,)
    extra = xp.ones(shape, dtype=bool) if mask.dtype.kind == "b" else \
        xp.zeros(shape, dtype=mask.dtype)
    return Tensor(xp.concatenate([mask.data, extra], axis=-1))


class AdditiveAttention(Module):
    """Additive (Bahdanau) attention: score(q, k) = w_v^T tanh(W_q q + W_k k).

    ``AdditiveAttention(key_size, query_size, num_hiddens, dropout=0.0)`` -- d2l's signature.
    The values are not projected, so any value size works.

    ``forward(queries, keys, values, valid_lens=None)``: queries (B, Q, query_size), keys
    (B, K, key_size), values (B, K, value_size); ``valid_lens`` (B,) or (B, Q) ints: only the
    first valid_lens keys take part (masked softmax).  Returns (B, Q, value_size) and keeps the
    weights (B, Q, K) in ``self.attention_weights`` (for plotting, as in d2l).

    >>> import minigrad
    >>> attention = AdditiveAttention(key_size=2, query_size=3, num_hiddens=8)
    >>> out = attention(minigrad.ones(2, 1, 3), minigrad.ones(2, 10, 2), minigrad.ones(2, 10, 4),
    ...                 valid_lens=[2, 6])
    >>> out.shape, attention.attention_weights.shape
    ((2, 1, 4), (2, 1, 10))
    """

    def __init__(self, key_size: int, query_size: int, num_hiddens: int, dropout: float = 0.0,
                 device=None, dtype=None):
        super().__init__()
        self.W_k = Linear(key_size, num_hiddens, bias=False, device=device, dtype=dtype)
        self.W_q = Linear(query_size, num_hiddens, bias=False, device=device, dtype=dtype)
        self.w_v = Linear(num_hiddens, 1, bias=False, device=device, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.attention_weights = None

    def forward(self, queries: Tensor, keys: Tensor, values: Tensor, valid_lens=None) -> Tensor:
        if queries.ndim != 3 or keys.ndim != 3 or values.ndim != 3 or \
                keys.shape[:2] != values.shape[:2] or queries.shape[0] != keys.shape[0]:
            raise ValueError(f"AdditiveAttention: expected queries (B, Q, query_size), keys "
                             f"(B, K, key_size) and values (B, K, value_size), got "
                             f"{tuple(queries.shape)}, {tuple(keys.shape)} and "
                             f"{tuple(values.shape)}")
        queries, keys = self.W_q(queries), self.W_k(keys)
        # every query meets every key: (B, Q, 1, h) + (B, 1, K, h) -> (B, Q, K, h)
        features = (queries.unsqueeze(2) + keys.unsqueeze(1)).tanh()
        scores = self.w_v(features).squeeze(-1)  # (B, Q, K)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return matmul(self.dropout(self.attention_weights), values)


class PositionalEncoding(Module):
    """Adds the sinusoidal position code, then dropout:

        PE[pos, 2i]     = sin(pos / 10000^(2i / d_model))
        PE[pos, 2i + 1] = cos(pos / 10000^(2i / d_model))

    ``PositionalEncoding(d_model, dropout=0.1, max_len=5000, batch_first=False)``; input
    (L, N, d_model), or (N, L, d_model) with ``batch_first``; L <= max_len.  The table is the
    buffer ``pe`` (max_len, d_model).

    >>> import minigrad
    >>> encode = PositionalEncoding(4, dropout=0.0)
    >>> encode(minigrad.zeros(2, 1, 4))[:, 0]  # row 0: sin 0, cos 0, ...; row 1: sin 1, cos 1, ...
    tensor([[0.0000, 1.0000, 0.0000, 1.0000],
            [0.8415, 0.5403, 0.0100, 0.9999]])
    """

    def __init__(self, d_model: int, dropout: float = 0.1, max_len: int = 5000,
                 batch_first: bool = False, device=None, dtype=None):
        super().__init__()
        if not isinstance(d_model, int) or d_model <= 0 or not isinstance(max_len, int) \
                or max_len <= 0:
            raise ValueError(f"PositionalEncoding: d_model and max_len must be positive ints, "
                             f"got {d_model!r} and {max_len!r}")
        self.d_model = d_model
        self.max_len = max_len
        self.batch_first = batch_first
        self.dropout = Dropout(dropout)
        position = np.arange(max_len, dtype=np.float64)[:, None]
        frequency = np.exp(np.arange(0, d_model, 2, dtype=np.float64)
                           * (-math.log(10000.0) / d_model))
        table = np.zeros((max_len, d_model))
        table[:, 0::2] = np.sin(position * frequency)
        table[:, 1::2] = np.cos(position * frequency[:d_model // 2])
        self.register_buffer("pe", creation.tensor(table, dtype=dtype, device=device))

    def extra_repr(self) -> str:
        return f"d_model={self.d_model}, max_len={self.max_len}"

    def forward(self, x: Tensor) -> Tensor:
        length = x.shape[1 if self.batch_first else 0] if x.ndim == 3 else 0
        if x.ndim != 3 or x.shape[-1] != self.d_model or length > self.max_len:
            raise ValueError(f"PositionalEncoding: expected input of shape "
                             f"{'(N, L, d_model)' if self.batch_first else '(L, N, d_model)'} "
                             f"with d_model={self.d_model} and L <= {self.max_len}, got "
                             f"{tuple(x.shape)}")
        table = self.pe[:length].to(x.dtype)
        table = table if self.batch_first else table.unsqueeze(1)
        return self.dropout(x + table)
