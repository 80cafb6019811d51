"""Recurrent cells: the LSTM and GRU cell twice (fused and composite), and the plain RNN cell.

Holds:
    LSTMCellFunction, lstm_cell_fused       LSTM gate math for one time step, hand-derived backward
    lstm_cell_composite                     the same math from primitive ops (autograd derives it)
    GRUCellFunction, gru_cell_fused         GRU gate math for one time step, hand-derived backward
    gru_cell_composite                      the same math from primitive ops
    lstm_cell, gru_cell                     full cells: projections + gate math (``fused=`` picks)
    rnn_tanh_cell, rnn_relu_cell            Elman cell h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)

The gate math of a cell takes the two projections already made,

    gates_x = x W_ih^T + b_ih        (batch, G * hidden)   G = 4 for LSTM, 3 for GRU
    gates_h = h W_hh^T + b_hh        (batch, G * hidden)

because a recurrent layer computes ``gates_x`` for the whole sequence in one matmul before its
time loop, leaving one matmul per step (``gates_h``) and the pointwise math below.  Gate order
and formulas are PyTorch's, so its weights load unchanged:

    LSTM  (i, f, g, o):  i = s(a_i)  f = s(a_f)  g = tanh(a_g)  o = s(a_o),  a = gates_x + gates_h
                         c' = f * c + i * g
                         h' = o * tanh(c')
    GRU   (r, z, n):     r = s(x_r + h_r)  z = s(x_z + h_z)  n = tanh(x_n + r * h_n)
                         h' = (1 - z) * n + z * h

(s is the logistic sigmoid).  The fused Functions compute this on arrays in one call and keep,
for backward, the factors that the gradient is multiplied by, so their backward is a handful of
products.  With grad mode on during backward (``create_graph=True``) those factors are computed
again from the inputs with minigrad ops, so second derivatives are exact too.

This family is imported by ``minigrad.nn`` (it is not part of ``minigrad.ops.*``).
"""

from __future__ import annotations

from ..autograd import Function, is_grad_enabled
from ..tensor import Tensor
from ._util import check_floating, quiet, xp_of
from .arithmetic import add
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


def _check_gates(op: str, gates_x: Tensor, gates_h: Tensor, state: Tensor, count: int) -> None:
    """Shapes (batch, count * hidden), (batch, count * hidden), (batch, hidden); one dtype."""
    for tensor in (gates_x, gates_h, state):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"{op}: expected Tensors, got {type(tensor).__name__}")
        check_floating(tensor, op)
    expected = (state.shape[0], count * state.shape[1]) if state.ndim == 2 else None
    if expected is None or gates_x.shape != expected or gates_h.shape != expected:
        raise ValueError(
            f"{op}: expected gates_x and gates_h of shape (batch, {count} * hidden) and a state "
            f"of shape (batch, hidden), got gates_x {tuple(gates_x.shape)}, gates_h "
            f"{tuple(gates_h.shape)} and state {tuple(state.shape)}"
        )
    if not gates_x.dtype == gates_h.dtype == state.dtype:
        raise TypeError(f"{op}: expected one dtype, got {gates_x.dtype}, {gates_h.dtype} and "
                        f"{state.dtype}")


def _recording(*tensors) -> bool:
    """Will the op be recorded for backward?  (Then forward saves what backward needs.)"""
    return is_grad_enabled() and any(t.requires_grad for t in tensors)


# ---------------------------------------------------------------------------------------------
# LSTM
# ---------------------------------------------------------------------------------------------


class LSTMCellFunction(Function):
    """Inputs gates_x, gates_h (B, 4H) and c (B, H); outputs h', c' (B, H).

    Backward, with dh' and dc' the incoming gradients and ' on a gate meaning the derivative of
    its activation (s' = s (1 - s) for i, f, o and tanh' = 1 - g^2 for g):

        dc      = dc' + dh' * o * (1 - tanh(c')^2)      (c' feeds h' as well as the next step)
        da_i    = dc * g * i'        da_f = dc * c * f'
        da_g    = dc * i * g'        da_o = dh' * tanh(c') * o'
        d gates_x = d gates_h = [da_i, da_f, da_g, da_o]
        d c     = dc * f

    Forward saves k = o (1 - tanh(c')^2), m = [g i', c f', i g', tanh(c') o'] and f, so backward
    is dc = dc' + dh' k;  d gates = [dc, dc, dc, dh'] * m;  d c = dc f.
    """

    def __init__(self, save: bool = True):
        self.save = save

    def forward(self, gates_x, gates_h, c_prev):
        xp = xp_of(c_prev)
        hidden = c_prev.shape[1]
        act = gates_x + gates_h
        g = xp.tanh(act[:, 2 * hidden:3 * hidden])
        _sigmoid_(xp, act)  # i, f and o; the g block is overwritten next
        act[:, 2 * hidden:3 * hidden] = g
        i = act[:, :hidden]
        f = act[:, hidden:2 * hidden]
        o = act[:, 3 * hidden:]
        c = f * c_prev
        c += i * g
        tanh_c = xp.tanh(c)
        h = o * tanh_c
        if self.save:
            # activation derivatives: s' = s (1 - s), tanh' = 1 - g^2 ...
            m = act * (1 - act)
            m[:, 2 * hidden:3 * hidden] = 1 - g * g
            # ... times what each gate was multiplied by
            m[:, :hidden] *= g
            m[:, hidden:2 * hidden] *= c_prev
            m[:, 2 * hidden:3 * hidden] *= i
            m[:, 3 * hidden:] *= tanh_c
            self.k = o * (1 - tanh_c * tanh_c)
            self.m = m
            self.f = f
        return h, c

    def _factors(self):
        """(k, m, f) as Tensors: the saved arrays, or -- when this backward is itself being
        recorded (create_graph=True) -- the same values computed from the inputs with ops."""
        if not is_grad_enabled():
            return _constant(self.k), _constant(self.m), _constant(self.f)
        gates_x, gates_h, c_prev = self.inputs
        hidden = c_prev.shape[1]
        a_i, a_f, a_g, a_o = split(gates_x + gates_h, hidden, dim=1)
        i, f, g, o = a_i.sigmoid(), a_f.sigmoid(), a_g.tanh(), a_o.sigmoid()
        tanh_c = (f * c_prev + i * g).tanh()
        k = o * (1 - tanh_c * tanh_c)
        m = cat([g * i * (1 - i), c_prev * f * (1 - f), i * (1 - g * g),
                 tanh_c * o * (1 - o)], dim=1)
        return k, m, f

    # dc = dc' + dh' o (1 - tanh(c')^2); d gates = [dc g i', dc c f', dc i g', dh' tanh(c') o']
    def backward(self, grad_h, grad_c):
        k, m, f = self._factors()
        dc = grad_c + grad_h * k
        grad_gates = cat([dc, dc, dc, grad_h], dim=1) * m
        grad_x = grad_gates if self.needs_input_grad[0] else None
        grad_h_proj = grad_gates if self.needs_input_grad[1] else None
        grad_c_prev = dc * f if self.needs_input_grad[2] else None
        return grad_x, grad_h_proj, grad_c_prev


def lstm_cell_fused(gates_x: Tensor, gates_h: Tensor, c: Tensor) -> tuple[Tensor, Tensor]:
    """One LSTM step's gate math in one op: ``(h', c')`` from the two projections and ``c``.

    Shapes: gates_x, gates_h (batch, 4 * hidden) in gate order i, f, g, o; c (batch, hidden).
    Same result as :func:`lstm_cell_composite`, with a hand-derived backward.

    >>> import minigrad
    >>> h, c = lstm_cell_fused(minigrad.zeros(2, 12), minigrad.zeros(2, 12), minigrad.ones(2, 3))
    >>> c  # f = s(0) = 0.5 and i * g = 0.5 * tanh(0) = 0, so c' = 0.5 * c
    tensor([[0.5, 0.5, 0.5],
            [0.5, 0.5, 0.5]])
    """
    _check_gates("lstm_cell_fused", gates_x, gates_h, c, 4)
    return LSTMCellFunction(_recording(gates_x, gates_h, c))(gates_x, gates_h, c)


def lstm_cell_composite(gates_x: Tensor, gates_h: Tensor, c: Tensor) -> tuple[Tensor, Tensor]:
    """One LSTM step's gate math written with primitive ops (autograd derives the backward).

    ``i, f, g, o = s(a_i), s(a_f), tanh(a_g), s(a_o)`` with ``a = gates_x + gates_h``;
    ``c' = f * c + i * g``; ``h' = o * tanh(c')``.  Shapes as in :func:`lstm_cell_fused`.
    """
    _check_gates("lstm_cell_composite", gates_x, gates_h, c, 4)
    a_i, a_f, a_g, a_o = split(gates_x + gates_h, c.shape[1], dim=1)
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
    """Inputs gates_x, gates_h (B, 3H) and h (B, H); output h' (B, H).

    With x_*, h_* the blocks of gates_x and gates_h, and dh' the incoming gradient:

        dn      = dh' * (1 - z)          da_n = dn * (1 - n^2)        (a_n = x_n + r * h_n)
        dz      = dh' * (h - n)          da_z = dz * z (1 - z)
        dr      = da_n * h_n             da_r = dr * r (1 - r)
        d gates_x = [da_r, da_z, da_n]
        d gates_h = [da_r, da_z, da_n * r]
        d h     = dh' * z

    Every line is dh' times a factor known after forward, which saves them:
    d gates_x = dh' * mx, d gates_h = dh' * mh (dh' repeated over the three blocks), d h = dh' z.
    """

    def __init__(self, save: bool = True):
        self.save = save

    def forward(self, gates_x, gates_h, h_prev):
        xp = xp_of(h_prev)
        hidden = h_prev.shape[1]
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
        return h

    def _factors(self):
        """(mx, mh, z) as Tensors: saved, or recomputed with ops under create_graph=True."""
        if not is_grad_enabled():
            return _constant(self.mx), _constant(self.mh), _constant(self.z)
        gates_x, gates_h, h_prev = self.inputs
        hidden = h_prev.shape[1]
        x_r, x_z, x_n = split(gates_x, hidden, dim=1)
        h_r, h_z, h_n = split(gates_h, hidden, dim=1)
        r = (x_r + h_r).sigmoid()
        z = (x_z + h_z).sigmoid()
        n = (x_n + r * h_n).tanh()
        d_n = (1 - z) * (1 - n * n)
        d_z = (h_prev - n) * z * (1 - z)
        d_r = d_n * h_n * r * (1 - r)
        return cat([d_r, d_z, d_n], dim=1), cat([d_r, d_z, d_n * r], dim=1), z

    # d gates_x = dh' [h_n (1-z)(1-n^2) r', (h-n) z', (1-z)(1-n^2)]; d gates_h: last block * r
    def backward(self, grad):
        mx, mh, z = self._factors()
        repeated = cat([grad, grad, grad], dim=1)
        grad_x = repeated * mx if self.needs_input_grad[0] else None
        grad_h_proj = repeated * mh if self.needs_input_grad[1] else None
        grad_h_prev = grad * z if self.needs_input_grad[2] else None
        return grad_x, grad_h_proj, grad_h_prev


def gru_cell_fused(gates_x: Tensor, gates_h: Tensor, h: Tensor) -> Tensor:
    """One GRU step's gate math in one op: ``h'`` from the two projections and ``h``.

    Shapes: gates_x, gates_h (batch, 3 * hidden) in gate order r, z, n -- gates_h must include
    b_hh, because b_hn sits inside ``r * (W_hn h + b_hn)``; h (batch, hidden).

    >>> import minigrad
    >>> # z = s(0) = 0.5 and n = tanh(0) = 0, so h' = 0.5 * h
    >>> gru_cell_fused(minigrad.zeros(1, 6), minigrad.zeros(1, 6), minigrad.ones(1, 2))
    tensor([[0.5, 0.5]])
    """
    _check_gates("gru_cell_fused", gates_x, gates_h, h, 3)
    return GRUCellFunction(_recording(gates_x, gates_h, h))(gates_x, gates_h, h)


def gru_cell_composite(gates_x: Tensor, gates_h: Tensor, h: Tensor) -> Tensor:
    """One GRU step's gate math written with primitive ops (autograd derives the backward).

    ``r = s(x_r + h_r)``, ``z = s(x_z + h_z)``, ``n = tanh(x_n + r * h_n)``,
    ``h' = (1 - z) * n + z * h``.  Shapes as in :func:`gru_cell_fused`.
    """
    _check_gates("gru_cell_composite", gates_x, gates_h, h, 3)
    hidden = h.shape[1]
    x_r, x_z, x_n = split(gates_x, hidden, dim=1)
    h_r, h_z, h_n = split(gates_h, hidden, dim=1)
    r = (x_r + h_r).sigmoid()
    z = (x_z + h_z).sigmoid()
    n = (x_n + r * h_n).tanh()
    return (1 - z) * n + z * h


# ---------------------------------------------------------------------------------------------
# Full cells: projections, then the gate math
# ---------------------------------------------------------------------------------------------


def _project(x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """x W^T + b: (batch, in) @ (in, out) -> (batch, out)."""
    result = matmul(x, weight.mT)
    return result if bias is None else add(result, bias)


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
    :func:`lstm_cell_composite` for the gate math.
    """
    _check_cell("lstm_cell", x, (h, c), w_ih, w_hh, 4)
    gates_x = _project(x, w_ih, b_ih)
    gates_h = _project(h, w_hh, b_hh)
    if fused:
        return lstm_cell_fused(gates_x, gates_h, c)
    return lstm_cell_composite(gates_x, gates_h, c)


def gru_cell(x: Tensor, h: Tensor, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None = None,
             b_hh: Tensor | None = None, fused: bool = True) -> Tensor:
    """One GRU step: ``h'`` for input x (batch, input_size) and state h (batch, hidden).

    w_ih (3 * hidden, input_size), w_hh (3 * hidden, hidden), b_ih, b_hh (3 * hidden,), gate
    order r, z, n as in PyTorch.  ``fused`` picks :func:`gru_cell_fused` or
    :func:`gru_cell_composite`.
    """
    _check_cell("gru_cell", x, (h,), w_ih, w_hh, 3)
    gates_x = _project(x, w_ih, b_ih)
    gates_h = _project(h, w_hh, b_hh)
    if fused:
        return gru_cell_fused(gates_x, gates_h, h)
    return gru_cell_composite(gates_x, gates_h, h)


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
