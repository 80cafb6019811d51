"""Turning a trained decoder into output sentences: greedy decoding and beam search.

Holds:
    greedy_decode(step, state, bos, eos, max_length)           the most probable token each step
    beam_search(step, state, bos, eos, beam_size, max_length)  keep the beam_size best prefixes

Both drive a model through one function, ``step(tokens, state) -> (log_probs, new_state)``:
``tokens`` is an int64 Tensor (k,) holding the last token of each of k hypotheses, ``log_probs``
a Tensor (k, V) of log-probabilities of the next token, ``state`` whatever the model carries
from step to step (an RNN's hidden state, an encoder's outputs, ...).  Decoding starts from
``bos`` and a hypothesis ends when it emits ``eos`` or after ``max_length`` steps.  The score of
a hypothesis is its total log-probability: the sum of the log-probabilities of its tokens,
including that of ``eos`` when it ended.  Returned token lists hold neither ``bos`` nor
``eos``.  Both functions run under ``minigrad.no_grad()``.

Beam search, step by step.  Keep a list of live hypotheses (at first only ``bos``).  Extend every
live hypothesis by every token of the vocabulary and keep the ``beam_size`` best extensions
by total score (fewer once some have finished: see below).  An extension that ends with
``eos`` is finished: it leaves the beam, which gets one place smaller, so that beam_size
hypotheses come back in the end.  Stop when the beam is empty or after ``max_length`` steps;
return the finished hypotheses and the live ones, best first.  With ``beam_size=1`` this is
greedy decoding; with a beam as large as the number of possible outputs it is exhaustive search.
No length normalisation is applied: longer hypotheses have lower totals.

Beam search is not exhaustive, and a larger beam is not always better: it can push the greedy
path's prefix out of the beam in favour of prefixes that turn out badly later.

>>> import math
>>> import minigrad
>>> from minigrad.text import greedy_decode, beam_search
>>> # A bigram model over the tokens eos = 0, "a" = 1, "b" = 2 (and bos = 3, never produced):
>>> # row r holds the probabilities of the next token after token r.
>>> table = minigrad.tensor([[0.2, 0.4, 0.4],     # after eos (never used)
...                          [0.3, 0.3, 0.4],     # after "a"
...                          [0.9, 0.05, 0.05],   # after "b"
...                          [0.1, 0.5, 0.4]]).log()  # after bos
>>> def step(tokens, state):
...     return table[tokens], state
>>> tokens, score = greedy_decode(step, None, bos=3, eos=0, max_length=5)
>>> tokens, round(math.exp(score), 4)    # a, b, eos: 0.5 * 0.4 * 0.9
([1, 2], 0.18)
>>> [(tokens, round(math.exp(score), 4))  # b, eos: 0.4 * 0.9 beats the greedy path
...  for tokens, score in beam_search(step, None, bos=3, eos=0, beam_size=2, max_length=5)]
[([2], 0.36), ([1, 2], 0.18)]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import backend
from ..autograd import no_grad
from ..ops import index_select
from ..tensor import Tensor

__all__ = ["greedy_decode", "beam_search"]


def _check_int(value, name: str, function: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{function}: {name} must be an int, got {value!r}")
    if value < low:
        raise ValueError(f"{function}: {name} must be at least {low}, got {value}")
    return int(value)


def _find_device(state):
    """The device of the first Tensor inside a (nested) state, or None."""
    if isinstance(state, Tensor):
        return state.device
    if isinstance(state, (tuple, list)):
        for item in state:
            device = _find_device(item)
            if device is not None:
                return device
    return None


def _run_step(step: Callable, tokens: list[int], state, device, eos: int, function: str):
    """Call the model for k hypotheses; returns (log_probs as a float64 NumPy array (k, V),
    new_state, the device of log_probs)."""
    token_tensor = Tensor(np.array(tokens, dtype=np.int64), device=device)
    result = step(token_tensor, state)
    if not isinstance(result, tuple) or len(result) != 2:
        raise TypeError(f"{function}: step must return a pair (log_probs, new_state), got "
                        f"{type(result).__name__}")
    log_probs, new_state = result
    if not isinstance(log_probs, Tensor):
        raise TypeError(f"{function}: step must return log_probs as a Tensor, got "
                        f"{type(log_probs).__name__}")
    if log_probs.ndim != 2 or log_probs.shape[0] != len(tokens):
        raise ValueError(f"{function}: step returned log_probs of shape "
                         f"{tuple(log_probs.shape)} for {len(tokens)} hypotheses; expected "
                         f"({len(tokens)}, V)")
    if not 0 <= eos < log_probs.shape[1]:
        raise ValueError(f"{function}: eos={eos} is not a token of a vocabulary of "
                         f"{log_probs.shape[1]} (the width of log_probs)")
    values = backend.to_device(log_probs.data, "cpu").astype(np.float64)
    if np.isnan(values).any():
        raise ValueError(f"{function}: step returned NaN log-probabilities")
    return values, new_state, log_probs.device


def greedy_decode(step: Callable, state, bos: int, eos: int,
                  max_length: int) -> tuple[list[int], float]:
    """Decode by taking the most probable next token at every step.

    Returns ``(tokens, score)``: the tokens without ``bos`` and ``eos`` (at most
    ``max_length``, eos counted as a step), and their total log-probability (including the
    eos step when the sentence ended).  See the module docstring for ``step``, and
    beam_search for the device of the tokens.
    """
    function = "greedy_decode"
    bos = _check_int(bos, "bos", function, 0)
    eos = _check_int(eos, "eos", function, 0)
    max_length = _check_int(max_length, "max_length", function, 1)
    device = _find_device(state)
    tokens = []
    score = 0.0
    last = bos
    with no_grad():
        for _ in range(max_length):
            log_probs, state, device = _run_step(step, [last], state, device, eos, function)
            # The largest total is the most probable token (score is the same for all); we
            # compare totals so that beam_search with beam_size=1 makes exactly these choices,
            # ties and rounding included.
            totals = score + log_probs[0]
            last = int(np.argmax(totals))
            score = float(totals[last])
            if last == eos:
                break
            tokens.append(last)
    return tokens, score


def _reorder(state, index: Tensor):
    """The default ``reorder``: index-select dim 0 of every Tensor in a (nested) tuple/list."""
    if state is None:
        return None
    if isinstance(state, Tensor):
        return index_select(state, 0, index)
    if isinstance(state, (tuple, list)):
        items = [_reorder(item, index) for item in state]
        if hasattr(state, "_fields"):  # a namedtuple takes its fields one by one
            return type(state)(*items)
        return type(state)(items)
    raise TypeError(f"beam_search: cannot reorder a state of type {type(state).__name__}; "
                    f"pass reorder=function(state, index) to beam_search")


def beam_search(step: Callable, state, bos: int, eos: int, beam_size: int, max_length: int,
                reorder: Callable | None = None) -> list[tuple[list[int], float]]:
    """Decode by keeping the ``beam_size`` best hypotheses at every step.

    Returns at most ``beam_size`` pairs ``(tokens, score)``, best (highest total
    log-probability) first: the hypotheses that emitted ``eos`` and those still going after
    ``max_length`` steps.  Tokens exclude ``bos`` and ``eos``.

    ``state`` describes one hypothesis (dim 0 of its Tensors has size 1); after each step the
    states of the kept hypotheses are gathered with ``reorder(state, index)``, ``index`` an
    int64 Tensor (k',) naming for each kept hypothesis the row of its parent.  The default
    index-selects dim 0 of every Tensor in a (nested) tuple/list, None entries passing through;
    give your own ``reorder`` for states laid out otherwise, e.g. for the ``(h, c)`` state of
    ``nn.LSTM``, shaped (layers, k, hidden)::

        reorder=lambda state, index: tuple(minigrad.index_select(s, 1, index) for s in state)

    The tokens given to ``step`` are made on the device of the first Tensor in ``state`` (the
    CPU when it holds none), then on the device of the log-probabilities ``step`` returned.
    """
    function = "beam_search"
    bos = _check_int(bos, "bos", function, 0)
    eos = _check_int(eos, "eos", function, 0)
    beam_size = _check_int(beam_size, "beam_size", function, 1)
    max_length = _check_int(max_length, "max_length", function, 1)
    if reorder is None:
        reorder = _reorder
    device = _find_device(state)

    live_tokens = [[]]  # the tokens of each live hypothesis (row i of the state)
    live_scores = np.zeros(1)  # their total log-probabilities
    last = [bos]
    parents = None
    finished = []
    with no_grad():
        for _ in range(max_length):
            if parents is not None:
                # row i of the new state is the state of the parent of live hypothesis i
                state = reorder(state, Tensor(np.array(parents, dtype=np.int64), device=device))
            log_probs, state, device = _run_step(step, last, state, device, eos, function)
            vocabulary = log_probs.shape[1]
            totals = live_scores[:, None] + log_probs  # (k, V): every extension's score
            # the best extensions, best first; a stable sort keeps ties in index order
            room = beam_size - len(finished)
            best = np.argsort(-totals.ravel(), kind="stable")[:room]
            parents = []
            live_tokens_next = []
            live_scores_next = []
            for flat_index in best.tolist():
                parent, token = divmod(flat_index, vocabulary)
                score = float(totals[parent, token])
                if token == eos:
                    finished.append((live_tokens[parent], score))
                else:
                    parents.append(parent)
                    live_tokens_next.append(live_tokens[parent] + [token])
                    live_scores_next.append(score)
            live_tokens = live_tokens_next
            live_scores = np.array(live_scores_next)
            if not live_tokens:
                break  # every place in the beam went to a finished hypothesis
            last = [tokens[-1] for tokens in live_tokens]
    results = finished + [(tokens, float(score))
                          for tokens, score in zip(live_tokens, live_scores)]
    # best first; sorted() is stable, so equal scores keep the order above
    return sorted(results, key=lambda pair: -pair[1])
