"""Recurrent layers with PyTorch's names, shapes, gate order and parameter layout, so that a
PyTorch state dict loads by name.

Holds:
    RNNCell, LSTMCell, GRUCell   one time step: input (batch, input_size) -> state(s)
    RNN, LSTM, GRU               a whole sequence, ``num_layers`` deep, optionally bidirectional

Shapes (T = sequence length, B = batch, D = 2 if bidirectional else 1, L = num_layers):

    input     (T, B, input_size), or (B, T, input_size) with ``batch_first=True``,
              or (T, input_size) for one unbatched sequence
    h0, c0    (D * L, B, hidden_size)                (batch_first never changes these)
    output    (T, B, D * hidden_size)  -- the last layer's h at every step, both directions
    h_n, c_n  (D * L, B, hidden_size)  -- the final states of every layer and direction

Parameters of layer k (``_reverse`` added for the backward direction), G = 1 (RNN), 4 (LSTM,
gates i, f, g, o) or 3 (GRU, gates r, z, n):

    weight_ih_l{k}  (G * hidden_size, input_size or D * hidden_size)
    weight_hh_l{k}  (G * hidden_size, hidden_size)
    bias_ih_l{k}, bias_hh_l{k}  (G * hidden_size,)

all drawn from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) as in PyTorch.

How a layer runs: the input projections of the whole sequence are one matmul,
``X W_ih^T + b`` of shape (T * B, G * hidden_size), cut into T blocks of B rows; what is left
for each step is one matmul ``h W_hh^T`` and the gate math.  For LSTM and GRU the step is, by
default, one fused op from ``minigrad.ops.rnn`` with a hand-derived backward; ``fused=False``
(the constructor argument, or the ``fused`` attribute) runs the composite step instead: the
textbook equations written with primitive ops, from which autograd derives backpropagation
through time.  Both give the same numbers.

Variable-length batches: pass ``lengths`` (a list or integer Tensor of B ints) to ``forward``.
Sequence b then uses its first ``lengths[b]`` steps only, as PyTorch's packed sequences do:
steps after the end leave the states unchanged (so h_n holds each sequence's own last state;
the backward direction starts at the sequence's last real step), their outputs are zero, and
the padded inputs receive exactly zero gradient.
"""

from __future__ import annotations

import math

import numpy as np

from .. import backend, creation
from ..ops.linalg import matmul
from ..ops.rnn import (
    gru_cell,
    gru_cell_composite,
    gru_cell_fused,
    lstm_cell,
    lstm_cell_composite,
    lstm_cell_fused,
    rnn_relu_cell,
    rnn_tanh_cell,
)
from ..ops.shape import cat, reshape, split, stack
from ..ops.unary import where
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module, Parameter

__all__ = ["RNNCellBase", "RNNCell", "LSTMCell", "GRUCell", "RNNBase", "RNN", "LSTM", "GRU"]


def _check_size(owner: str, name: str, value) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{owner}: {name} must be a positive int, got {value!r}")


def _zeros_state(like: Tensor, *shape) -> Tensor:
    return creation.zeros(*shape, dtype=like.dtype, device=like.device)


# ---------------------------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------------------------


class RNNCellBase(Module):
    """Parameters and checks shared by the cells: weight_ih (G * hidden, input_size),
    weight_hh (G * hidden, hidden), bias_ih, bias_hh (G * hidden,)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        _check_size(name, "input_size", input_size)
        _check_size(name, "hidden_size", hidden_size)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        rows = num_chunks * hidden_size
        self.weight_ih = Parameter(creation.empty(rows, input_size, dtype=dtype, device=device))
        self.weight_hh = Parameter(creation.empty(rows, hidden_size, dtype=dtype, device=device))
        if bias:
            self.bias_ih = Parameter(creation.empty(rows, dtype=dtype, device=device))
            self.bias_hh = Parameter(creation.empty(rows, dtype=dtype, device=device))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for param in self.parameters():
            init.uniform_(param, -bound, bound)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            text += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity={self.nonlinearity}"
        return text

    def _check_input(self, x: Tensor) -> tuple[Tensor, bool]:
        """x as (batch, input_size), and whether it came with a batch dimension."""
        name = type(self).__name__
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}: expected a Tensor input, got {type(x).__name__}")
        if x.ndim not in (1, 2) or x.shape[-1] != self.input_size:
            raise ValueError(f"{name}: expected input of shape (batch, {self.input_size}) or "
                             f"({self.input_size},), got {tuple(x.shape)}")
        return (x, True) if x.ndim == 2 else (x.unsqueeze(0), False)

    def _check_state(self, state, x: Tensor, batched: bool, what: str) -> Tensor:
        """A given state as (batch, hidden), or zeros when it is None."""
        batch = x.shape[0]
        if state is None:
            return _zeros_state(x, batch, self.hidden_size)
        expected = (batch, self.hidden_size) if batched else (self.hidden_size,)
        if not isinstance(state, Tensor) or tuple(state.shape) != expected:
            shape = tuple(state.shape) if isinstance(state, Tensor) else type(state).__name__
            raise ValueError(f"{type(self).__name__}: expected {what} of shape {expected}, got "
                             f"{shape}")
        return state if batched else state.unsqueeze(0)


class RNNCell(RNNCellBase):
    """Elman cell: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` (or ReLU).

    ``forward(x, hx=None)``: x (batch, input_size) or (input_size,), hx like h' (zeros if
    None); returns h' (batch, hidden_size).

    >>> import minigrad
    >>> cell = RNNCell(3, 5)
    >>> cell(minigrad.ones(2, 3)).shape
    (2, 5)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r} (expected 'tanh' "
                             "or 'relu')")
        super().__init__(input_size, hidden_size, bias, 1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, x: Tensor, hx: Tensor | None = None) -> Tensor:
        x, batched = self._check_input(x)
        h = self._check_state(hx, x, batched, "hx")
        cell = rnn_tanh_cell if self.nonlinearity == "tanh" else rnn_relu_cell
        h = cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """LSTM cell, gates i, f, g, o (PyTorch's order):

        i = s(W_ii x + b_ii + W_hi h + b_hi)     f = s(W_if x + b_if + W_hf h + b_hf)
        g = tanh(W_ig x + b_ig + W_hg h + b_hg)  o = s(W_io x + b_io + W_ho h + b_ho)
        c' = f * c + i * g                        h' = o * tanh(c')

    ``forward(x, hx=None)``: x (batch, input_size), hx = (h, c) each (batch, hidden_size)
    (zeros if None); returns (h', c').  ``fused`` picks the fused gate op (default) or the
    composite one.

    >>> import minigrad
    >>> h, c = LSTMCell(3, 5)(minigrad.ones(2, 3))
    >>> h.shape, c.shape
    ((2, 5), (2, 5))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, fused: bool = True,
                 device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device=device, dtype=dtype)
        self.fused = fused

    def forward(self, x: Tensor, hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        x, batched = self._check_input(x)
        h, c = (None, None) if hx is None else hx
        h = self._check_state(h, x, batched, "h")
        c = self._check_state(c, x, batched, "c")
        h, c = lstm_cell(x, h, c, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh,
                         fused=self.fused)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """GRU cell, gates r, z, n (PyTorch's order):

        r = s(W_ir x + b_ir + W_hr h + b_hr)     z = s(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
        h' = (1 - z) * n + z * h

    ``forward(x, hx=None)``: x (batch, input_size), hx (batch, hidden_size) (zeros if None);
    returns h'.  ``fused`` picks the fused gate op (default) or the composite one.

    >>> import minigrad
    >>> GRUCell(3, 5)(minigrad.ones(2, 3)).shape
    (2, 5)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, fused: bool = True,
                 device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device=device, dtype=dtype)
        self.fused = fused

    def forward(self, x: Tensor, hx: Tensor | None = None) -> Tensor:
        x, batched = self._check_input(x)
        h = self._check_state(hx, x, batched, "hx")
        h = gru_cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh,
                     fused=self.fused)
        return h if batched else h.squeeze(0)


# ---------------------------------------------------------------------------------------------
# Layers
# ---------------------------------------------------------------------------------------------

_GATE_COUNT = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class RNNBase(Module):
    """The machinery shared by RNN, LSTM and GRU: parameters, checks and the time loop.

    ``mode`` is 'RNN_TANH', 'RNN_RELU', 'LSTM' or 'GRU'.
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, fused: bool = True, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        if mode not in _GATE_COUNT:
            raise ValueError(f"{name}: unknown mode {mode!r}")
        _check_size(name, "input_size", input_size)
        _check_size(name, "hidden_size", hidden_size)
        _check_size(name, "num_layers", num_layers)
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) \
                or not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout should be a number in [0, 1] giving the "
                             f"probability of an element being zeroed, got {dropout!r}")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.fused = fused
        directions = 2 if bidirectional else 1
        rows = _GATE_COUNT[mode] * hidden_size
        self._flat_weights_names = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                shapes = [("weight_ih", (rows, layer_input)), ("weight_hh", (rows, hidden_size))]
                if bias:
                    shapes += [("bias_ih", (rows,)), ("bias_hh", (rows,))]
                for kind, shape in shapes:
                    param = Parameter(creation.empty(*shape, dtype=dtype, device=device))
                    setattr(self, kind + suffix, param)
                    self._flat_weights_names.append(kind + suffix)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for param in self.parameters():
            init.uniform_(param, -bound, bound)

    @property
    def all_weights(self) -> list:
        """The parameters grouped per layer and direction: [[w_ih, w_hh, b_ih, b_hh], ...]."""
        per_group = 4 if self.bias else 2
        params = [getattr(self, name) for name in self._flat_weights_names]
        return [params[i:i + per_group] for i in range(0, len(params), per_group)]

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.mode == "RNN_RELU":
            text += ", nonlinearity='relu'"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text

    # -----------------------------------------------------------------------------------------
    # Checks
    # -----------------------------------------------------------------------------------------

    def _layout(self) -> str:
        return "(batch, seq_len, features)" if self.batch_first else \
            "(seq_len, batch, features)"

    def _swap_hint(self, x_shape: tuple, seen_batch: int) -> str:
        """A hint for when a batch size that disagrees with the input matches its time axis."""
        batch_axis, time_axis = (0, 1) if self.batch_first else (1, 0)
        if len(x_shape) == 3 and x_shape[0] != x_shape[1] and seen_batch == x_shape[time_axis]:
            return (f"; with batch_first={self.batch_first} the input {x_shape} is read as "
                    f"{self._layout()}, so batch={x_shape[batch_axis]}: are batch and time "
                    f"swapped (did you mean batch_first={not self.batch_first})?")
        return ""

    def _check_input(self, x: Tensor) -> tuple[Tensor, bool]:
        """x as time-major (T, B, input_size), and whether it had a batch dimension."""
        name = type(self).__name__
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}: expected a Tensor input, got {type(x).__name__}")
        if x.ndim not in (2, 3):
            raise ValueError(f"{name}: expected input of shape {self._layout()} or (seq_len, "
                             f"features) with features={self.input_size}, got {tuple(x.shape)}")
        if x.shape[-1] != self.input_size:
            raise ValueError(f"{name}: expected input with input_size={self.input_size} "
                             f"features in its last dimension, got input of shape "
                             f"{tuple(x.shape)}")
        if x.ndim == 2:
            return x.unsqueeze(1), False
        return (x.transpose(0, 1) if self.batch_first else x), True

    def _check_state(self, state, what: str, batch: int, batched: bool,
                     x_shape: tuple) -> Tensor | None:
        """A given initial state as (D * L, B, hidden); None stays None."""
        if state is None:
            return None
        layers = self.num_layers * (2 if self.bidirectional else 1)
        expected = (layers, batch, self.hidden_size) if batched else (layers, self.hidden_size)
        if not isinstance(state, Tensor):
            raise TypeError(f"{type(self).__name__}: expected {what} to be a Tensor, got "
                            f"{type(state).__name__}")
        if tuple(state.shape) != expected:
            hint = ""
            if state.ndim == 3 and state.shape[0] == layers and \
                    state.shape[2] == self.hidden_size:
                hint = self._swap_hint(x_shape, state.shape[1])
            raise ValueError(f"{type(self).__name__}: expected {what} of shape {expected} "
                             f"(num_layers * num_directions, batch, hidden_size), got "
                             f"{tuple(state.shape)}{hint}")
        return state if batched else state.unsqueeze(1)

    def _check_lengths(self, lengths, steps: int, batch: int, batched: bool,
                       x_shape: tuple) -> np.ndarray | None:
        """``lengths`` as a NumPy int array of B values in [0, T]; None stays None."""
        if lengths is None:
            return None
        name = type(self).__name__
        if not batched:
            raise ValueError(f"{name}: lengths needs a batched input, got input of shape "
                             f"{x_shape}")
        if isinstance(lengths, Tensor):
            lengths = backend.to_device(lengths.data, "cpu")
        values = np.asarray(lengths)
        if values.dtype.kind not in "iu" or values.ndim != 1:
            raise TypeError(f"{name}: lengths must be a 1-D list or Tensor of ints, got "
                            f"{values.dtype} values of shape {values.shape}")
        if values.shape[0] != batch:
            raise ValueError(f"{name}: expected {batch} lengths (one per sequence), got "
                             f"{values.shape[0]}{self._swap_hint(x_shape, values.shape[0])}")
        if values.min() < 0 or values.max() > steps:
            raise ValueError(f"{name}: lengths must lie in [0, {steps}] (the padded length), "
                             f"got min {values.min()} and max {values.max()}")
        return values

    # -----------------------------------------------------------------------------------------
    # Forward
    # -----------------------------------------------------------------------------------------

    def forward(self, x: Tensor, hx=None, lengths=None):
        """Run the sequence; see the class docstring for shapes.  ``hx`` is h0 (RNN, GRU) or
        (h0, c0) (LSTM; either may be None), zeros when None.  ``lengths``: one int per
        sequence for a padded batch (see the module docstring)."""
        x_shape = tuple(x.shape) if isinstance(x, Tensor) else ()
        x, batched = self._check_input(x)
        steps, batch = x.shape[0], x.shape[1]
        is_lstm = self.mode == "LSTM"
        h0, c0 = hx, None
        if is_lstm:
            h0, c0 = (None, None) if hx is None else hx
        h0 = self._check_state(h0, "h0", batch, batched, x_shape)
        c0 = self._check_state(c0, "c0", batch, batched, x_shape)
        lengths = self._check_lengths(lengths, steps, batch, batched, x_shape)
        masks = _step_masks(lengths, steps, x)

        directions = 2 if self.bidirectional else 1
        layer_input = x
        final_h, final_c = [], []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                h = _zeros_state(x, batch, self.hidden_size) if h0 is None else h0[index]
                c = None
                if is_lstm:
                    c = _zeros_state(x, batch, self.hidden_size) if c0 is None else c0[index]
                weights = self.all_weights[index]
                output, h, c = self._run_direction(layer_input, h, c, weights, direction == 1,
                                                   masks)
                outputs.append(output)
                final_h.append(h)
                final_c.append(c)
            layer_input = outputs[0] if directions == 1 else cat(outputs, dim=2)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, p=self.dropout, training=True)

        output = layer_input
        h_n = stack(final_h, dim=0)
        c_n = stack(final_c, dim=0) if is_lstm else None
        if not batched:
            output = output.squeeze(1)
            h_n = h_n.squeeze(1)
            c_n = c_n.squeeze(1) if is_lstm else None
        elif self.batch_first:
            output = output.transpose(0, 1)
        return (output, (h_n, c_n)) if is_lstm else (output, h_n)

    def _run_direction(self, x: Tensor, h: Tensor, c: Tensor | None, weights: list,
                       reverse: bool, masks: list | None):
        """One layer, one direction over the sequence x (T, B, features).

        Returns the outputs (T, B, hidden) and the final h (and c for LSTM)."""
        steps, batch, features = x.shape
        w_ih, w_hh = weights[0], weights[1]
        b_ih, b_hh = (weights[2], weights[3]) if self.bias else (None, None)
        # One matmul projects every step's input; the recurrent bias of the LSTM and RNN
        # folds into it too (the GRU keeps b_hh in the step: b_hn sits inside r * (.)).
        bias = b_ih
        if self.bias and self.mode != "GRU":
            bias = b_ih + b_hh
        projected = matmul(reshape(x, (steps * batch, features)), w_ih.mT)
        if bias is not None:
            projected = projected + bias
        inputs = split(projected, batch, dim=0)  # T blocks of B rows: (B, G * hidden) each
        fused = self.fused and self.mode in ("LSTM", "GRU")
        # The fused steps multiply by a C-contiguous copy of W_hh^T, made once per sequence
        # (BLAS is faster with it than with the transposed view); it is not part of the graph.
        w_hh_t = w_hh.data.T.copy() if fused else None
        outputs = [None] * steps
        order = range(steps - 1, -1, -1) if reverse else range(steps)
        for t in order:
            c_new = None
            if self.mode == "LSTM" and fused:
                h_new, c_new = lstm_cell_fused(inputs[t], h, c, w_hh, w_hh_t)
            elif self.mode == "LSTM":
                h_new, c_new = lstm_cell_composite(inputs[t], h, c, w_hh)
            elif self.mode == "GRU" and fused:
                h_new = gru_cell_fused(inputs[t], h, w_hh, b_hh, w_hh_t)
            elif self.mode == "GRU":
                h_new = gru_cell_composite(inputs[t], h, w_hh, b_hh)
            else:
                pre = inputs[t] + matmul(h, w_hh.mT)
                h_new = pre.tanh() if self.mode == "RNN_TANH" else pre.relu()
            mask = None if masks is None else masks[t]
            if mask is None:
                outputs[t] = h_new
            else:
                # finished sequences keep their state and output zeros
                outputs[t] = where(mask, h_new, 0.0)
                h_new = where(mask, h_new, h)
                if c_new is not None:
                    c_new = where(mask, c_new, c)
            h, c = h_new, c_new
        return stack(outputs, dim=0), h, c


def _step_masks(lengths: np.ndarray | None, steps: int, like: Tensor) -> list | None:
    """For each step, None when every sequence is still running, else a (B, 1) bool Tensor
    that is True for the sequences that are."""
    if lengths is None:
        return None
    xp = backend.get_array_module(like.data)
    masks = []
    for t in range(steps):
        running = lengths > t
        if running.all():
            masks.append(None)
        else:
            array = backend.to_device(running.reshape(-1, 1), like.device)
            masks.append(Tensor(xp.asarray(array)))
    return masks


class RNN(RNNBase):
    """Elman RNN over a sequence: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``
    (or ReLU with ``nonlinearity='relu'``), stacked ``num_layers`` deep.

    ``forward(x, h0=None, lengths=None) -> (output, h_n)``; shapes in the module docstring.

    >>> import minigrad
    >>> rnn = RNN(4, 8, num_layers=2)
    >>> output, h_n = rnn(minigrad.ones(5, 3, 4))
    >>> output.shape, h_n.shape
    ((5, 3, 8), (2, 3, 8))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r} (expected 'tanh' or "
                             "'relu')")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory over a sequence (gates i, f, g, o as in :class:`LSTMCell`),
    stacked ``num_layers`` deep, with dropout ``dropout`` between layers in training mode.

    ``forward(x, (h0, c0)=None, lengths=None) -> (output, (h_n, c_n))``; shapes in the module
    docstring.  ``fused=True`` (default) uses the fused gate op, ``fused=False`` the composite.

    >>> import minigrad
    >>> lstm = LSTM(4, 8, bidirectional=True, batch_first=True)
    >>> output, (h_n, c_n) = lstm(minigrad.ones(3, 5, 4))
    >>> output.shape, h_n.shape, c_n.shape
    ((3, 5, 16), (2, 3, 8), (2, 3, 8))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 fused: bool = True, device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, fused, device=device, dtype=dtype)


class GRU(RNNBase):
    """Gated recurrent unit over a sequence (gates r, z, n as in :class:`GRUCell`), stacked
    ``num_layers`` deep.

    ``forward(x, h0=None, lengths=None) -> (output, h_n)``; shapes in the module docstring.
    ``fused=True`` (default) uses the fused gate op, ``fused=False`` the composite.

    >>> import minigrad
    >>> gru = GRU(4, 8, num_layers=2)
    >>> output, h_n = gru(minigrad.ones(5, 3, 4), lengths=[5, 2, 4])
    >>> output.shape, h_n.shape
    ((5, 3, 8), (2, 3, 8))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 fused: bool = True, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, fused, device=device, dtype=dtype)
