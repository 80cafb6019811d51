"""greedy_decode and beam_search on toy models whose log-probabilities come from a table.

A toy model gives log p(next token | prefix) = table[position, key], the prefix being the tokens
generated so far (without bos).  Three families:

    position  key = 0: the next token ignores the history (only the position matters)
    bigram    position 0 always, key = the last token (bos at first)
    history   key = a hash of the whole prefix, carried in the model's state, so a beam search
              that gathers the states wrongly (``reorder``) gets wrong log-probabilities

The model also has a plain ``log_probs(prefix)``, used by the references in this file
(exhaustive search, a loop-by-loop beam search, a textbook greedy decoder): they never call
``step`` or minigrad.
"""

import math
from collections import namedtuple

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from minigrad.text import beam_search, greedy_decode
from tests.harness import devices

HASH_BUCKETS = 13


class TableModel:
    def __init__(self, kind: str, vocabulary: int, max_length: int, seed: int,
                 ties: bool = False, device: str = "cpu"):
        rng = np.random.default_rng(seed)
        self.kind = kind
        self.vocabulary = vocabulary
        self.bos = vocabulary  # an input-only token: never produced
        self.device = device
        positions = 1 if kind == "bigram" else max_length
        keys = {"position": 1, "bigram": vocabulary + 1, "history": HASH_BUCKETS}[kind]
        if ties:  # logits 0 or 1: many exactly equal log-probabilities
            logits = rng.integers(0, 2, size=(positions, keys, vocabulary)).astype(np.float64)
        else:
            logits = 2.0 * rng.standard_normal((positions, keys, vocabulary))
        # log-softmax, written out
        shifted = logits - logits.max(axis=2, keepdims=True)
        self.table = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))

    @staticmethod
    def _hash(previous: int, token: int) -> int:
        return (previous * 7 + token + 1) % HASH_BUCKETS

    def _row_of(self, position: int, last: int, hashed: int) -> tuple:
        if self.kind == "position":
            return position, 0
        if self.kind == "bigram":
            return 0, last
        return position, hashed

    def log_probs(self, prefix: list) -> np.ndarray:
        """The reference: the next-token log-probabilities after ``prefix``, from the table."""
        hashed = 0
        for token in [self.bos] + prefix:
            hashed = self._hash(hashed, token)
        last = prefix[-1] if prefix else self.bos
        return self.table[self._row_of(len(prefix), last, hashed)]

    def initial_state(self):
        # (positions, hashes of the prefix before the last token, an entry that is not a Tensor)
        zero = minigrad.tensor([0], device=self.device)
        return (zero, zero, None)

    def step(self, tokens, state):
        assert tokens.dtype == minigrad.int64 and tokens.ndim == 1
        assert tokens.device == minigrad.device(self.device)
        assert not minigrad.is_grad_enabled()
        positions, hashes, nothing = state
        assert nothing is None
        rows = []
        new_hashes = []
        for token, position, previous in zip(tokens.tolist(), positions.tolist(),
                                             hashes.tolist()):
            hashed = self._hash(previous, token)
            new_hashes.append(hashed)
            rows.append(self.table[self._row_of(position, token, hashed)])
        new_state = (positions + 1, minigrad.tensor(new_hashes, device=self.device), None)
        return minigrad.tensor(np.array(rows), device=self.device), new_state


def exhaustive_search(model: TableModel, eos: int, max_length: int) -> list:
    """Every possible output with its total log-probability, best first: sequences that end
    with eos after at most max_length steps, and those still going after max_length steps."""
    results = []

    def extend(prefix, score):
        if len(prefix) == max_length:
            results.append((prefix, score))
            return
        row = model.log_probs(prefix)
        for token in range(model.vocabulary):
            if token == eos:
                results.append((prefix, score + row[token]))
            else:
                extend(prefix + [token], score + row[token])

    extend([], 0.0)
    return sorted(results, key=lambda pair: -pair[1])


def reference_beam_search(model: TableModel, eos: int, beam_size: int,
                          max_length: int) -> list:
    """Beam search as the docstring tells it, one loop per idea: extend every live prefix by
    every token, keep the best (beam_size - finished) extensions, move those ending in eos to
    the finished list."""
    live = [([], 0.0)]
    finished = []
    for _ in range(max_length):
        candidates = []
        for prefix, score in live:
            row = model.log_probs(prefix)
            for token in range(model.vocabulary):
                candidates.append((score + row[token], prefix, token))
        candidates.sort(key=lambda candidate: -candidate[0])
        room = beam_size - len(finished)
        live = []
        for total, prefix, token in candidates[:room]:
            if token == eos:
                finished.append((prefix, total))
            else:
                live.append((prefix + [token], total))
        if not live:
            break
    return sorted(finished + live, key=lambda pair: -pair[1])


def textbook_greedy(model: TableModel, eos: int, max_length: int):
    """Take the most probable next token until eos or max_length tokens."""
    prefix, score = [], 0.0
    for _ in range(max_length):
        row = model.log_probs(prefix)
        token = int(np.argmax(row))
        score += row[token]
        if token == eos:
            break
        prefix.append(token)
    return prefix, score


def _beam(model, eos, beam_size, max_length, **kwargs):
    return beam_search(model.step, model.initial_state(), model.bos, eos, beam_size, max_length,
                       **kwargs)


def _greedy(model, eos, max_length):
    return greedy_decode(model.step, model.initial_state(), model.bos, eos, max_length)


@st.composite
def toy_models(draw, kinds=("position", "bigram", "history"), ties=False, max_vocabulary=5,
               max_max_length=4):
    kind = draw(st.sampled_from(kinds))
    vocabulary = draw(st.integers(2, max_vocabulary))
    max_length = draw(st.integers(1, max_max_length))
    seed = draw(st.integers(0, 2**32 - 1))
    eos = draw(st.integers(0, vocabulary - 1))
    return TableModel(kind, vocabulary, max_length, seed, ties=ties), eos, max_length


def _possible_outputs(vocabulary: int, max_length: int) -> int:
    # ending with eos after t = 0 ... max_length - 1 other tokens, or max_length other tokens
    others = vocabulary - 1
    return sum(others ** t for t in range(max_length)) + others ** max_length


# ---------------------------------------------------------------------------------------------
# greedy and beam_size = 1
# ---------------------------------------------------------------------------------------------


@given(toy_models())
def test_greedy_matches_the_textbook_definition(case):
    model, eos, max_length = case
    tokens, score = _greedy(model, eos, max_length)
    expected_tokens, expected_score = textbook_greedy(model, eos, max_length)
    assert tokens == expected_tokens
    assert score == pytest.approx(expected_score, rel=1e-12, abs=1e-12)
    assert len(tokens) <= max_length and eos not in tokens


@pytest.mark.parametrize("ties", [False, True], ids=["distinct", "ties"])
@given(data=st.data())
def test_beam_size_one_is_greedy_exactly(ties, data):
    model, eos, max_length = data.draw(toy_models(ties=ties, max_max_length=6))
    greedy = _greedy(model, eos, max_length)
    assert _beam(model, eos, 1, max_length) == [greedy]  # same tokens, bit-identical score


# ---------------------------------------------------------------------------------------------
# beam search against references
# ---------------------------------------------------------------------------------------------


@given(toy_models(max_vocabulary=4, max_max_length=3), st.integers(0, 5))
def test_a_beam_holding_every_output_is_exhaustive_search(case, extra):
    model, eos, max_length = case
    expected = exhaustive_search(model, eos, max_length)
    assert len(expected) == _possible_outputs(model.vocabulary, max_length)
    got = _beam(model, eos, len(expected) + extra, max_length)
    assert got == expected  # every output, the same order, the same scores


@given(toy_models(), st.integers(1, 6))
def test_beam_search_matches_the_plain_reference(case, beam_size):
    model, eos, max_length = case
    got = _beam(model, eos, beam_size, max_length)
    assert got == reference_beam_search(model, eos, beam_size, max_length)


@given(toy_models(), st.integers(1, 6))
def test_returned_hypotheses_are_scored_and_ordered(case, beam_size):
    model, eos, max_length = case
    results = _beam(model, eos, beam_size, max_length)
    assert 1 <= len(results) <= beam_size
    assert len({tuple(tokens) for tokens, _ in results}) == len(results)  # no duplicates
    scores = [score for _, score in results]
    assert scores == sorted(scores, reverse=True)
    for tokens, score in results:
        assert eos not in tokens and len(tokens) <= max_length
        # recompute the total log-probability by teacher forcing the model on the tokens
        running = 0.0
        for i, token in enumerate(tokens):
            running += model.log_probs(tokens[:i])[token]
        if len(tokens) < max_length:  # it must have ended: the eos step counts
            assert score == pytest.approx(running + model.log_probs(tokens)[eos], rel=1e-12,
                                          abs=1e-12)
        else:  # still going after max_length steps
            assert score == pytest.approx(running, rel=1e-12, abs=1e-12)
    # when the greedy output survives in the beam, the best hypothesis is at least as good
    greedy_tokens, greedy_score = _greedy(model, eos, max_length)
    for tokens, score in results:
        if tokens == greedy_tokens:
            assert score == greedy_score
            assert results[0][1] >= greedy_score


# ---------------------------------------------------------------------------------------------
# larger beams
# ---------------------------------------------------------------------------------------------


@given(toy_models(kinds=("position",), max_vocabulary=5, max_max_length=5))
def test_larger_beams_never_score_lower_when_the_history_is_ignored(case):
    """For models whose next-token log-probabilities depend on the position only,
    log p(v | prefix) = c_t(v), a larger beam returns a superset of what a smaller one returns,
    so its best score is never lower.

    Why.  Let L_t be the list of all one-token extensions of all live-able prefixes of length t
    (prefixes without eos), ranked by total score s(p) + c_t(v).  Claim: at step t, a beam of
    size k keeps exactly the top n_t(k) entries of L_t, and n_t(k) grows with k.
    (1) If the live prefixes A_t are the top |A_t| prefixes of length t, the top |A_t| entries
        of L_t only extend prefixes in A_t: for p outside A_t and any v, the |A_t| prefixes q
        in A_t have s(q) >= s(p), so q + v all score at least p + v -- the increment c_t(v)
        does not depend on the prefix.  The beam's room equals |A_t| (every place not taken
        by a finished hypothesis holds a live one), unless A_t holds every prefix of length t;
        either way the beam keeps the top `room` entries of L_t.
    (2) The kept non-eos entries are the top entries of L_t's non-eos part: the top prefixes
        of length t + 1, so (1) holds again at step t + 1.
    (3) The next room is the number of non-eos entries among the top n_t, which grows with
        n_t: a larger beam keeps a longer top of the same list at every step.
    Finished hypotheses are the eos entries kept, and the survivors at the end are the non-eos
    entries kept at the last step: both grow with k.  (With a history-dependent model, step (1)
    fails: see the next test.)
    """
    model, eos, max_length = case
    previous_outputs = set()
    previous_best = -math.inf
    for beam_size in range(1, 8):
        results = _beam(model, eos, beam_size, max_length)
        outputs = {tuple(tokens) for tokens, _ in results}
        assert previous_outputs <= outputs
        assert results[0][1] >= previous_best
        previous_outputs, previous_best = outputs, results[0][1]


def test_a_larger_beam_can_lose_the_greedy_path():
    """Not a theorem in general: on this model (the log-probabilities depend on the position
    and the last token) beam_size=2 drops the greedy prefix and ends lower than greedy.

    Tokens: eos = 0, a = 1, b = 2, c = 3; bos = 4.  Probabilities (unlisted rows are uniform):
        step 0, after bos:  eos .01  a .50  b .45  c .04
        step 1, after a:    eos .01  a .33  b .32  c .34
        step 1, after b:    eos .01  a .55  b .43  c .01
        step 2, after c:    eos .97  a .01  b .01  c .01
        step 2, after a/b:  eos .40  a .20  b .20  c .20
    Greedy: a (.50), c (.34), eos (.97): .5 * .34 * .97 = .1649.
    Beam 2: step 0 keeps a (.50), b (.45).  Step 1: b a = .45 * .55 = .2475 and
    b b = .45 * .43 = .1935 both beat a c = .17, so the greedy prefix is dropped.  Step 2:
    the best extensions are b a eos = .2475 * .4 = .099 and b b eos = .1935 * .4 = .0774.
    Best: .099 < .1649.  Beam 3 keeps a c as well (.17 is third) and finds the greedy output.
    """
    probabilities = {
        (0, 4): [0.01, 0.50, 0.45, 0.04],
        (1, 1): [0.01, 0.33, 0.32, 0.34],
        (1, 2): [0.01, 0.55, 0.43, 0.01],
        (2, 3): [0.97, 0.01, 0.01, 0.01],
        (2, 1): [0.40, 0.20, 0.20, 0.20],
        (2, 2): [0.40, 0.20, 0.20, 0.20],
    }

    def step(tokens, positions):
        rows = [probabilities.get((p, t), [0.25] * 4)
                for p, t in zip(positions.tolist(), tokens.tolist())]
        return minigrad.tensor(rows, dtype=minigrad.float64).log(), positions + 1

    start = minigrad.tensor([0])
    greedy = greedy_decode(step, start, bos=4, eos=0, max_length=3)
    assert greedy[0] == [1, 3]
    assert greedy[1] == pytest.approx(math.log(0.5 * 0.34 * 0.97), rel=1e-12)
    two = beam_search(step, start, bos=4, eos=0, beam_size=2, max_length=3)
    assert [tokens for tokens, _ in two] == [[2, 1], [2, 2]]
    assert two[0][1] == pytest.approx(math.log(0.45 * 0.55 * 0.40), rel=1e-12)
    assert two[1][1] == pytest.approx(math.log(0.45 * 0.43 * 0.40), rel=1e-12)
    assert two[0][1] < greedy[1]
    three = beam_search(step, start, bos=4, eos=0, beam_size=3, max_length=3)
    assert three[0] == (greedy[0], pytest.approx(greedy[1], rel=1e-12))


# ---------------------------------------------------------------------------------------------
# states, devices, errors
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("device", devices())
@given(case=toy_models(kinds=("history",)), beam_size=st.integers(2, 5))
def test_custom_reorder_for_a_state_with_the_batch_in_dim_1(device, case, beam_size):
    model, eos, max_length = case
    model.device = device
    seen = []

    def step(tokens, state):
        positions, hashes = state  # shaped (1, k) like an RNN's (layers, batch, hidden)
        log_probs, (new_positions, new_hashes, _) = model.step(
            tokens, (positions.reshape(-1), hashes.reshape(-1), None))
        return log_probs, (new_positions.reshape(1, -1), new_hashes.reshape(1, -1))

    def reorder(state, index):
        assert index.dtype == minigrad.int64 and index.ndim == 1
        assert index.device == minigrad.device(device)
        seen.append(index.shape[0])
        return tuple(minigrad.index_select(tensor, 1, index) for tensor in state)

    zero = minigrad.tensor([[0]], device=device)
    got = beam_search(step, (zero, zero), model.bos, eos, beam_size, max_length, reorder=reorder)
    assert got == reference_beam_search(model, eos, beam_size, max_length)
    assert all(1 <= k <= beam_size for k in seen)


def test_default_reorder_walks_nested_lists_and_namedtuples():
    State = namedtuple("State", ["hidden", "extra"])

    def step(tokens, state):
        assert isinstance(state, State) and isinstance(state.extra, list)
        hidden, (memory, nothing) = state.hidden, state.extra
        assert nothing is None
        # row i of hidden and memory must still belong together after every reorder
        assert (memory == hidden * 10).all()
        log_probs = minigrad.log_softmax(hidden.reshape(-1, 1) * minigrad.tensor([0.0, 1.0, 2.0]),
                                         dim=1)
        new_hidden = hidden + tokens.float()
        return log_probs, State(new_hidden, [new_hidden * 10, None])

    start = State(minigrad.tensor([1.0]), [minigrad.tensor([10.0]), None])
    results = beam_search(step, start, bos=0, eos=0, beam_size=3, max_length=4)
    assert len(results) == 3


def test_default_reorder_needs_tensors_in_tuples_or_lists():
    def step(tokens, state):
        return minigrad.zeros(len(tokens), 3).log_softmax(1), state

    with pytest.raises(TypeError, match=r"beam_search: cannot reorder a state of type dict; "
                                        r"pass reorder="):
        beam_search(step, {"h": minigrad.zeros(1, 2)}, bos=3, eos=0, beam_size=2, max_length=3)


def _uniform_step(tokens, state):
    return minigrad.zeros(len(tokens), 4).log_softmax(1), state


def test_decoding_errors():
    with pytest.raises(ValueError, match=r"beam_search: beam_size must be at least 1, got 0"):
        beam_search(_uniform_step, None, bos=1, eos=0, beam_size=0, max_length=5)
    with pytest.raises(ValueError, match=r"greedy_decode: max_length must be at least 1, got 0"):
        greedy_decode(_uniform_step, None, bos=1, eos=0, max_length=0)
    with pytest.raises(ValueError, match=r"beam_search: max_length must be at least 1, got -1"):
        beam_search(_uniform_step, None, bos=1, eos=0, beam_size=2, max_length=-1)
    with pytest.raises(ValueError, match=r"greedy_decode: eos=4 is not a token of a vocabulary "
                                         r"of 4"):
        greedy_decode(_uniform_step, None, bos=1, eos=4, max_length=3)

    def wrong_shape(tokens, state):
        return minigrad.zeros(4), state

    with pytest.raises(ValueError, match=r"beam_search: step returned log_probs of shape "
                                         r"\(4,\) for 1 hypotheses; expected \(1, V\)"):
        beam_search(wrong_shape, None, bos=1, eos=0, beam_size=2, max_length=3)

    def not_a_pair(tokens, state):
        return minigrad.zeros(1, 4)

    with pytest.raises(TypeError, match=r"greedy_decode: step must return a pair"):
        greedy_decode(not_a_pair, None, bos=1, eos=0, max_length=3)

    def nan_step(tokens, state):
        return minigrad.full((len(tokens), 3), float("nan")), state

    with pytest.raises(ValueError, match=r"greedy_decode: step returned NaN log-probabilities"):
        greedy_decode(nan_step, None, bos=1, eos=0, max_length=3)


def test_stops_at_max_length_without_eos():
    # eos (token 0) is never likely: every hypothesis runs max_length steps
    def step(tokens, state):
        rows = minigrad.tensor([[-50.0, math.log(0.75), math.log(0.25)]] * len(tokens),
                               dtype=minigrad.float64)
        return rows, state

    tokens, score = greedy_decode(step, None, bos=3, eos=0, max_length=4)
    assert tokens == [1, 1, 1, 1] and score == pytest.approx(4 * math.log(0.75), rel=1e-12)
    results = beam_search(step, None, bos=3, eos=0, beam_size=2, max_length=2)
    # step 0 keeps 1 (.75) and 2 (.25); step 1 keeps the 2 best of 1 1 (.5625), 1 2 and 2 1
    # (.1875 each, a tie: the stable sort takes the first it meets, parent 0's) and 2 2
    assert [tokens for tokens, _ in results] == [[1, 1], [1, 2]]
    assert [math.exp(score) for _, score in results] == \
        pytest.approx([0.5625, 0.1875], rel=1e-12)
