"""Recurrent cells: the LSTM and GRU step twice (fused and composite), and the plain RNN cell.

Holds:
    LSTMCellFunction, lstm_cell_fused       one LSTM step after the input projection, in one op
                                            with a hand-derived backward
    lstm_cell_composite                     the same step from primitive ops (autograd derives
                                            its backward)
    GRUCellFunction, gru_cell_fused         one GRU step, in one op
    gru_cell_composite                      the same step from primitive ops
    lstm_cell, gru_cell                     full cells: input projection + step (``fused=``)
    rnn_tanh_cell, rnn_relu_cell            Elman cell h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)

A step takes the input projection already made, ``gates_x = x W_ih^T + b`` (batch, G * hidden)
with G = 4 (LSTM) or 3 (GRU), because a recurrent layer computes it for the whole sequence in
one matmul before its time loop.  What is left for each step is the recurrent matmul
``h W_hh^T`` and the pointwise gate math.  Gate order and formulas are PyTorch's, so its
weights load unchanged (s is the logistic sigmoid):

    LSTM (i, f, g, o):  a = gates_x + h W_hh^T      (gates_x holds b_ih + b_hh)
                        i = s(a_i)  f = s(a_f)  g = tanh(a_g)  o = s(a_o)
                        c' = f * c + i * g
                        h' = o * tanh(c')
    GRU  (r, z, n):     x_* = blocks of gates_x     (it holds b_ih)
                        h_* = blocks of h W_hh^T + b_hh
                        r = s(x_r + h_r)  z = s(x_z + h_z)  n = tanh(x_n + r * h_n)
                        h' = (1 - z) * n + z * h

The fused Functions compute a step on arrays in one call and keep, for backward, the factors
the incoming gradient is multiplied by, so their backward is a few products and two matmuls.
With grad mode on during backward (``create_graph=True``) those factors are computed again from
the inputs with minigrad ops, so second derivatives are exact too.

This family is imported by ``minigrad.nn`` (it is not part of ``minigrad.ops.*``).
"""

from __future__ import annotations

from .. import cuda_kernels
from ..autograd import Function, is_grad_enabled
from ..creation import zeros
from ..tensor import Tensor
from ._util import check_floating, quiet, xp_of
from .linalg import matmul
from .shape import cat, split

__all__ = ["lstm_cell_fused", "lstm_cell_composite", "gru_cell_fused", "gru_cell_composite",
           "lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell", "LSTMCellFunction",
           "GRUCellFunction"]


def _constant(array) -> Tensor:
    """A saved array as a Tensor outside any graph (used by backward when grad mode is off)."""
    return Tensor._from_op(array, None, 0)


def _sigmoid_(xp, array) -> None:
    """Overwrite ``array`` with 1 / (1 + exp(-array)); exp overflow to inf gives exactly 0."""
    with quiet(xp):
        xp.negative(array, out=array)
        xp.exp(array, out=array)
        array += 1
        xp.reciprocal(array, out=array)


def _recording(*tensors) -> bool:
    """Will the op be recorded for backward?  (Only then does forward save what it needs.)"""
    return is_grad_enabled() and any(t.requires_grad for t in tensors)


def _check_step(op: str, count: int, gates_x, h, w_hh, c=None) -> None:
    """gates_x (batch, count * hidden); h and c (batch, hidden); w_hh (count * hidden, hidden);
    all Tensors of one floating dtype."""
    named = [("gates_x", gates_x), ("h", h)] + ([("c", c)] if c is not None else []) + \
        [("w_hh", w_hh)]
    for _, tensor in named:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"{op}: expected Tensors, got {type(tensor).__name__}")
        check_floating(tensor, op)
    batch, hidden = h.shape if h.ndim == 2 else (-1, -1)
    if h.ndim != 2 or gates_x.shape != (batch, count * hidden) or \
            w_hh.shape != (count * hidden, hidden) or (c is not None and c.shape != h.shape):
        states = "h, c" if c is not None else "h"
        got = ", ".join(f"{name} {tuple(tensor.shape)}" for name, tensor in named)
        raise ValueError(f"{op}: expected gates_x (batch, {count} * hidden), {states} (batch, "
                         f"hidden) and w_hh ({count} * hidden, hidden); got {got}")
    if len({tensor.dtype for _, tensor in named}) != 1:
        got = ", ".join(f"{name} {tensor.dtype}" for name, tensor in named)
        raise TypeError(f"{op}: expected one dtype, got {got}")


# ---------------------------------------------------------------------------------------------
# LSTM
# ---------------------------------------------------------------------------------------------


class LSTMCellFunction(Function):
    """Inputs gates_x (B, 4H), h (B, H), c (B, H), w_hh (4H, H); outputs h', c' (B, H).

    Backward, with dh' and dc' the incoming gradients and ' on a gate meaning the derivative of
    its activation (s' = s (1 - s) for i, f, o and tanh' = 1 - g^2 for g):

        dc      = dc' + dh' * o * (1 - tanh(c')^2)      (c' feeds h' as well as the next step)
        da_i    = dc * g * i'        da_f = dc * c * f'
        da_g    = dc * i * g'        da_o = dh' * tanh(c') * o'
        da      = [da_i, da_f, da_g, da_o]              (B, 4H)
        d gates_x = da      d h = da W_hh      d c = dc * f      d W_hh = da^T h

    Forward saves k = o (1 - tanh(c')^2), m = [g i', c f', i g', tanh(c') o'] and f, so the
    pointwise part of backward is dc = dc' + dh' k;  da = [dc, dc, dc, dh'] * m.

    ``w_hh_t``, optional: a C-contiguous copy of W_hh^T (an array) that a layer makes once per
    sequence -- BLAS multiplies by it faster than by the transposed view of W_hh.
    """

    def __init__(self, save: bool = True, w_hh_t=None):
        self.save = save
        self.w_hh_t = w_hh_t

    def forward(self, gates_x, h_prev, c_prev, w_hh):
        xp = xp_of(c_prev)
        hidden = c_prev.shape[1]
        block_g = slice(2 * hidden, 3 * hidden)
        act = xp.matmul(h_prev, w_hh.T if self.w_hh_t is None else self.w_hh_t)
        act += gates_x
        if cuda_kernels.runs_on(act, c_prev):  # GPU: one thread per unit (kernels/lstm_cell.cu)
            h, c, self.k, self.m, self.f = cuda_kernels.lstm_cell_forward(act, c_prev, self.save)
            self.w_hh_t = None
            return h, c
        g = xp.tanh(act[:, block_g])
        _sigmoid_(xp, act)  # i, f and o (the g block of act is not used after this)
        i = act[:, :hidden]
        f = act[:, hidden:2 * hidden]
        o = act[:, 3 * hidden:]
        c = f * c_prev
        c += i * g
        tanh_c = xp.tanh(c)
        h = o * tanh_c
        if self.save:
            # m: each gate's activation derivative, s' = s (1 - s) or tanh' = 1 - g^2 ...
            m = 1 - act
            m *= act
            m_g = m[:, block_g]
            xp.multiply(g, g, out=m_g)
            xp.subtract(1, m_g, out=m_g)
            # ... times what the gate was multiplied by
            m[:, :hidden] *= g
            m[:, hidden:2 * hidden] *= c_prev
            m_g *= i
            m[:, 3 * hidden:] *= tanh_c
            k = tanh_c * tanh_c
            xp.subtract(1, k, out=k)
            k *= o
            self.m, self.k, self.f = m, k, f.copy()  # (the copy lets act be freed)
        self.w_hh_t = None
        return h, c

    def _factors(self):
        """(k, m, f) as Tensors: the saved arrays, or -- when this backward is itself being
        recorded (create_graph=True) -- the same values computed from the inputs with ops."""
        if not is_grad_enabled():
            return _constant(self.k), _constant(self.m), _constant(self.f)
        gates_x, h_prev, c_prev, w_hh = self.inputs
        hidden = c_prev.shape[1]
        a_i, a_f, a_g, a_o = split(gates_x + matmul(h_prev, w_hh.mT), hidden, dim=1)
        i, f, g, o = a_i.sigmoid(), a_f.sigmoid(), a_g.tanh(), a_o.sigmoid()
        tanh_c = (f * c_prev + i * g).tanh()
        k = o * (1 - tanh_c * tanh_c)
        m = cat([g * i * (1 - i), c_prev * f * (1 - f), i * (1 - g * g),
                 tanh_c * o * (1 - o)], dim=1)
        return k, m, f

    # da = [dc g i', dc c f', dc i g', dh' tanh(c') o'], dc = dc' + dh' o tanh'(c'); dh = da W
    def backward(self, grad_h, grad_c):
        _, h_prev, _, w_hh = self.inputs
        needs = self.needs_input_grad
        if cuda_kernels.runs_on(grad_h.data, grad_c.data) and not is_grad_enabled():
            # GPU, ordinary backward: the pointwise part in one kernel (kernels/lstm_cell.cu)
            da, grad_c_prev = cuda_kernels.lstm_cell_backward(grad_h.data, grad_c.data, self.k,
                                                              self.m, self.f)
            da = _constant(da)
            grad_c_prev = _constant(grad_c_prev) if needs[2] else None
        else:
            k, m, f = self._factors()
            dc = grad_c + grad_h * k
            da = cat([dc, dc, dc, grad_h], dim=1) * m
            grad_c_prev = dc * f if needs[2] else None
        grad_gates_x = da if needs[0] else None
        grad_h_prev = matmul(da, w_hh) if needs[1] else None
        grad_w_hh = matmul(da.mT, h_prev) if needs[3] else None
        return grad_gates_x, grad_h_prev, grad_c_prev, grad_w_hh


def lstm_cell_fused(gates_x: Tensor, h: Tensor, c: Tensor, w_hh: Tensor,
                    w_hh_t=None) -> tuple[Tensor, Tensor]:
    """One LSTM step in one op: ``(h', c')`` from the input projection, the state and W_hh.

    Shapes: gates_x (batch, 4 * hidden) = x W_ih^T + b_ih + b_hh, gate order i, f, g, o;
    h, c (batch, hidden); w_hh (4 * hidden, hidden).  Same result as
    :func:`lstm_cell_composite`, with a hand-derived backward.  ``w_hh_t``: see
    :class:`LSTMCellFunction`.

    >>> import minigrad
    >>> h, c = lstm_cell_fused(minigrad.zeros(2, 12), minigrad.zeros(2, 3), minigrad.ones(2, 3),
    ...                        minigrad.zeros(12, 3))
    >>> c  # f = s(0) = 0.5 and i * g = 0.5 * tanh(0) = 0, so c' = 0.5 * c
    tensor([[0.5, 0.5, 0.5],
            [0.5, 0.5, 0.5]])
    """
    _check_step("lstm_cell_fused", 4, gates_x, h, w_hh, c)
    function = LSTMCellFunction(_recording(gates_x, h, c, w_hh), w_hh_t)
    return function(gates_x, h, c, w_hh)


def lstm_cell_composite(gates_x: Tensor, h: Tensor, c: Tensor,
                        w_hh: Tensor) -> tuple[Tensor, Tensor]:
    """One LSTM step written with primitive ops (autograd derives the backward).

    ``a = gates_x + h W_hh^T``; ``i, f, g, o = s(a_i), s(a_f), tanh(a_g), s(a_o)``;
    ``c' = f * c + i * g``; ``h' = o * tanh(c')``.  Shapes as in :func:`lstm_cell_fused`.
    """
    _check_step("lstm_cell_composite", 4, gates_x, h, w_hh, c)
    a_i, a_f, a_g, a_o = split(gates_x + matmul(h, w_hh.mT), h.shape[1], dim=1)
    i = a_i.sigmoid()
    f = a_f.sigmoid()
    g = a_g.tanh()
    o = a_o.sigmoid()
    c_next = f * c + i * g
    h_next = o * c_next.tanh()
    return h_next, c_next


# ---------------------------------------------------------------------------------------------
# GRU
# ---------------------------------------------------------------------------------------------


class GRUCellFunction(Function):
    """Inputs gates_x (B, 3H), h (B, H), w_hh (3H, H), b_hh (3H,); output h' (B, H).

    With x_*, h_* the blocks of gates_x and of gates_h = h W_hh^T + b_hh, and dh' the incoming
    gradient:

        dn      = dh' * (1 - z)          da_n = dn * (1 - n^2)        (a_n = x_n + r * h_n)
        dz      = dh' * (h - n)          da_z = dz * z (1 - z)
        dr      = da_n * h_n             da_r = dr * r (1 - r)
        d gates_x = [da_r, da_z, da_n]
        d gates_h = [da_r, da_z, da_n * r]  =: dg
        d h     = dh' * z + dg W_hh      d W_hh = dg^T h      d b_hh = sum over batch of dg

    Every block of d gates_x and d gates_h is dh' times a factor known after forward, which
    saves them: d gates_x = [dh', dh', dh'] * mx, dg = [dh', dh', dh'] * mh.
    """

    def __init__(self, save: bool = True, w_hh_t=None):
        self.save = save
        self.w_hh_t = w_hh_t

    def forward(self, gates_x, h_prev, w_hh, b_hh):
        xp = xp_of(h_prev)
        hidden = h_prev.shape[1]
        gates_h = xp.matmul(h_prev, w_hh.T if self.w_hh_t is None else self.w_hh_t)
        gates_h += b_hh
        if cuda_kernels.runs_on(gates_x, gates_h, h_prev):  # GPU: kernels/gru_cell.cu
            h, self.mx, self.mh, self.z = cuda_kernels.gru_cell_forward(gates_x, gates_h, h_prev,
                                                                        self.save)
            self.w_hh_t = None
            return h
        rz = gates_x[:, :2 * hidden] + gates_h[:, :2 * hidden]
        _sigmoid_(xp, rz)
        r = rz[:, :hidden]
        z = rz[:, hidden:]
        h_n = gates_h[:, 2 * hidden:]
        n = xp.tanh(gates_x[:, 2 * hidden:] + r * h_n)
        h = n + z * (h_prev - n)  # = (1 - z) n + z h
        if self.save:
            batch = h_prev.shape[0]
            mx = xp.empty((batch, 3, hidden), dtype=h.dtype)
            mx[:, 2] = (1 - z) * (1 - n * n)                 # d h' / d a_n
            mx[:, 1] = (h_prev - n) * z * (1 - z)            # d h' / d a_z
            mx[:, 0] = mx[:, 2] * h_n * r * (1 - r)          # d h' / d a_r
            mh = mx.copy()
            mh[:, 2] *= r                                    # a_n holds r * h_n
            self.mx = mx.reshape(batch, 3 * hidden)
            self.mh = mh.reshape(batch, 3 * hidden)
            self.z = z
        self.w_hh_t = None
        return h

    def _factors(self):
        """(mx, mh, z) as Tensors: saved, or recomputed with ops under create_graph=True."""
        if not is_grad_enabled():
            return _constant(self.mx), _constant(self.mh), _constant(self.z)
        gates_x, h_prev, w_hh, b_hh = self.inputs
        hidden = h_prev.shape[1]
        x_r, x_z, x_n = split(gates_x, hidden, dim=1)
        h_r, h_z, h_n = split(matmul(h_prev, w_hh.mT) + b_hh, hidden, dim=1)
        r = (x_r + h_r).sigmoid()
        z = (x_z + h_z).sigmoid()
        n = (x_n + r * h_n).tanh()
        d_n = (1 - z) * (1 - n * n)
        d_z = (h_prev - n) * z * (1 - z)
        d_r = d_n * h_n * r * (1 - r)
        return cat([d_r, d_z, d_n], dim=1), cat([d_r, d_z, d_n * r], dim=1), z

    # dx = dh' [h_n (1-z) tanh'(a_n) r', (h-n) z', (1-z) tanh'(a_n)]; dh = dh' z + dg W
    def backward(self, grad):
        mx, mh, z = self._factors()
        _, h_prev, w_hh, _ = self.inputs
        needs = self.needs_input_grad
        repeated = cat([grad, grad, grad], dim=1)
        grad_gates_x = repeated * mx if needs[0] else None
        grad_h_prev = grad_w_hh = grad_b_hh = None
        if needs[1] or needs[2] or needs[3]:
            dg = repeated * mh
            grad_h_prev = grad * z + matmul(dg, w_hh) if needs[1] else None
            grad_w_hh = matmul(dg.mT, h_prev) if needs[2] else None
            grad_b_hh = dg.sum(dim=0) if needs[3] else None
        return grad_gates_x, grad_h_prev, grad_w_hh, grad_b_hh


def _gru_bias(b_hh: Tensor | None, w_hh: Tensor) -> Tensor:
    """b_hh, or zeros (outside the graph) for a GRU without biases."""
    if b_hh is not None:
        return b_hh
    return zeros(w_hh.shape[0], dtype=w_hh.dtype, device=w_hh.device)


def gru_cell_fused(gates_x: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None = None,
                   w_hh_t=None) -> Tensor:
    """One GRU step in one op: ``h'`` from the input projection, the state, W_hh and b_hh.

    Shapes: gates_x (batch, 3 * hidden) = x W_ih^T + b_ih, gate order r, z, n; h (batch,
    hidden); w_hh (3 * hidden, hidden); b_hh (3 * hidden,) or None -- it stays separate
    because b_hn sits inside ``r * (W_hn h + b_hn)``.  ``w_hh_t``: see :class:`LSTMCellFunction`.

    >>> import minigrad
    >>> # z = s(0) = 0.5 and n = tanh(0) = 0, so h' = 0.5 * h
    >>> gru_cell_fused(minigrad.zeros(1, 6), minigrad.ones(1, 2), minigrad.zeros(6, 2))
    tensor([[0.5, 0.5]])
    """
    b_hh = _gru_bias(b_hh, w_hh)
    _check_step("gru_cell_fused", 3, gates_x, h, w_hh)
    _check_bias("gru_cell_fused", b_hh, w_hh)
    function = GRUCellFunction(_recording(gates_x, h, w_hh, b_hh), w_hh_t)
    return function(gates_x, h, w_hh, b_hh)


def gru_cell_composite(gates_x: Tensor, h: Tensor, w_hh: Tensor,
                       b_hh: Tensor | None = None) -> Tensor:
    """One GRU step written with primitive ops (autograd derives the backward).

    ``h_r, h_z, h_n = h W_hh^T + b_hh``; ``r = s(x_r + h_r)``, ``z = s(x_z + h_z)``,
    ``n = tanh(x_n + r * h_n)``, ``h' = (1 - z) * n + z * h``.  Shapes as in
    :func:`gru_cell_fused`.
    """
    b_hh = _gru_bias(b_hh, w_hh)
    _check_step("gru_cell_composite", 3, gates_x, h, w_hh)
    _check_bias("gru_cell_composite", b_hh, w_hh)
    hidden = h.shape[1]
    x_r, x_z, x_n = split(gates_x, hidden, dim=1)
    h_r, h_z, h_n = split(matmul(h, w_hh.mT) + b_hh, hidden, dim=1)
    r = (x_r + h_r).sigmoid()
    z = (x_z + h_z).sigmoid()
    n = (x_n + r * h_n).tanh()
    return (1 - z) * n + z * h


def _check_bias(op: str, bias: Tensor, weight: Tensor) -> None:
    if not isinstance(bias, Tensor) or bias.shape != (weight.shape[0],) \
            or bias.dtype != weight.dtype:
        shape = tuple(bias.shape) if isinstance(bias, Tensor) else type(bias).__name__
        raise ValueError(f"{op}: expected b_hh of shape ({weight.shape[0]},) and dtype "
                         f"{weight.dtype}, got {shape}")


# ---------------------------------------------------------------------------------------------
# Full cells: input projection, then the step
# ---------------------------------------------------------------------------------------------


def _project(x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """x W^T + b: (batch, in) @ (in, out) -> (batch, out)."""
    result = matmul(x, weight.mT)
    return result if bias is None else result + bias


def _check_cell(op: str, x: Tensor, states, w_ih: Tensor, w_hh: Tensor, count: int) -> None:
    """x (batch, input_size); each state (batch, hidden); w_ih (count*hidden, input_size) and
    w_hh (count*hidden, hidden)."""
    hidden = w_hh.shape[1] if w_hh.ndim == 2 else -1
    if w_ih.ndim != 2 or w_hh.ndim != 2 or w_hh.shape[0] != count * hidden \
            or w_ih.shape[0] != count * hidden:
        raise ValueError(f"{op}: expected w_ih of shape ({count} * hidden, input_size) and w_hh "
                         f"of shape ({count} * hidden, hidden), got {tuple(w_ih.shape)} and "
                         f"{tuple(w_hh.shape)}")
    if x.ndim != 2 or x.shape[1] != w_ih.shape[1]:
        raise ValueError(f"{op}: expected input of shape (batch, {w_ih.shape[1]}), got "
                         f"{tuple(x.shape)}")
    for state in states:
        if state.shape != (x.shape[0], hidden):
            raise ValueError(f"{op}: expected a state of shape ({x.shape[0]}, {hidden}), got "
                             f"{tuple(state.shape)}")


def lstm_cell(x: Tensor, h: Tensor, c: Tensor, w_ih: Tensor, w_hh: Tensor,
              b_ih: Tensor | None = None, b_hh: Tensor | None = None,
              fused: bool = True) -> tuple[Tensor, Tensor]:
    """One LSTM step: ``(h', c')`` for input x (batch, input_size) and state h, c (batch, hidden).

    w_ih (4 * hidden, input_size), w_hh (4 * hidden, hidden), b_ih, b_hh (4 * hidden,), gate
    order i, f, g, o as in PyTorch.  ``fused`` picks :func:`lstm_cell_fused` or
    :func:`lstm_cell_composite` for the step.
    """
    _check_cell("lstm_cell", x, (h, c), w_ih, w_hh, 4)
    bias = b_ih
    if b_hh is not None:
        bias = b_hh if b_ih is None else b_ih + b_hh
    gates_x = _project(x, w_ih, bias)
    if fused:
        return lstm_cell_fused(gates_x, h, c, w_hh)
    return lstm_cell_composite(gates_x, h, c, w_hh)


def gru_cell(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
             b_hh: Tensor | None = None, fused: bool = True) -> Tensor:
    """One GRU step: ``h'`` for input x (batch, input_size) and state h (batch, hidden).

    w_ih (3 * hidden, input_size), w_hh (3 * hidden, hidden), b_ih, b_hh (3 * hidden,), gate
    order r, z, n as in PyTorch.  ``fused`` picks :func:`gru_cell_fused` or
    :func:`gru_cell_composite`.
    """
    _check_cell("gru_cell", x, (h,), w_ih, w_hh, 3)
    gates_x = _project(x, w_ih, b_ih)
    if fused:
        return gru_cell_fused(gates_x, h, w_hh, b_hh)
    return gru_cell_composite(gates_x, h, w_hh, b_hh)


def rnn_tanh_cell(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
                  b_hh: Tensor | None = None) -> Tensor:
    """Elman step ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)``; x (batch, input_size),
    h (batch, hidden), w_ih (hidden, input_size), w_hh (hidden, hidden)."""
    _check_cell("rnn_tanh_cell", x, (h,), w_ih, w_hh, 1)
    return (_project(x, w_ih, b_ih) + _project(h, w_hh, b_hh)).tanh()


def rnn_relu_cell(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
                  b_hh: Tensor | None = None) -> Tensor:
    """Elman step with ReLU: ``h' = max(0, x W_ih^T + b_ih + h W_hh^T + b_hh)``; shapes as in
    :func:`rnn_tanh_cell`."""
    _check_cell("rnn_relu_cell", x, (h,), w_ih, w_hh, 1)
    return (_project(x, w_ih, b_ih) + _project(h, w_hh, b_hh)).relu()
