"""Smoke tests of examples/char_rnn.py: the character language model for each cell type, the
bidirectional capital-letter tagger, and the pieces they are made of (truncated-BPTT state
detaching, validation perplexity with the state carried, sampling, tagging windows).

The examples run in-process as ``main([... '--fast'])``: a tiny model, a few batches of the
first 20,000 characters of Pride and Prejudice.
"""

from __future__ import annotations

import importlib
import math
import sys
from pathlib import Path

import numpy as np
import pytest

import minigrad
from minigrad.data import load_austen
from minigrad.text import Vocab, tokenize
from minigrad.utils.plot import plotting_available

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
if str(EXAMPLES_DIR) not in sys.path:
    sys.path.insert(0, str(EXAMPLES_DIR))

SNIPPET = load_austen("prideprejudice")[:3000]


def char_rnn():
    return importlib.import_module("char_rnn")


def small_lm(cell: str, vocab_size: int, hidden: int = 8):
    minigrad.manual_seed(0)
    return char_rnn().CharLM(vocab_size, cell, hidden, embed_size=4)


# ---------------------------------------------------------------------------------------------
# The whole example, --fast
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cell, layers", [("rnn", 1), ("gru", 2), ("lstm", 1)])
def test_language_model_fast_learns_and_samples(cell, layers, tmp_path):
    length = 25
    result = char_rnn().main(["--fast", "--cell", cell, "--layers", str(layers),
                              "--sample-length", str(length),
                              "--temperatures", "0.5", "1.5", "--out", str(tmp_path)])
    text = load_austen("prideprejudice")[:char_rnn().FAST_CHARACTERS]
    characters = set(text)
    assert result["vocab_size"] == len(characters) + 4          # + <pad> <unk> <bos> <eos>
    # the untrained model is close to a uniform guess; a few batches already beat it clearly
    assert 0.5 * result["vocab_size"] < result["initial_validation_perplexity"] \
        < 1.5 * result["vocab_size"]
    assert math.isfinite(result["validation_perplexity"])
    assert 1.0 < result["validation_perplexity"] < 0.8 * result["initial_validation_perplexity"]
    assert sorted(result["samples"]) == [0.5, 1.5]
    for sample in result["samples"].values():
        assert isinstance(sample, str) and len(sample) == length
        assert set(sample) <= characters
    if plotting_available():
        assert (tmp_path / f"char_rnn_{cell}_perplexity.png").stat().st_size > 1000


def test_bidirectional_tagging_fast(tmp_path):
    result = char_rnn().main(["--fast", "--bidirectional", "--cell", "gru",
                              "--out", str(tmp_path)])
    # the majority baseline, counted here from the validation split of the --fast text
    text = load_austen("prideprejudice")[:char_rnn().FAST_CHARACTERS]
    validation = text[int(len(text) * 0.9):]
    window = 32                                      # --fast caps --num-steps at 32
    validation = validation[:len(validation) // window * window]
    lower_share = sum(not c.isupper() for c in validation) / len(validation)
    assert result["majority_acc"] == pytest.approx(lower_share)
    for name in ("bidirectional", "unidirectional"):
        assert result[f"{name}_validation_loss"] < result[f"{name}_initial_validation_loss"]
        assert 0.0 <= result[f"{name}_acc"] <= 1.0
        assert 0.0 <= result[f"{name}_upper_f1"] <= 1.0
    matrix, passage = result["upper_probabilities"], result["passage"]
    assert matrix.shape == (3, len(passage)) and "Mr" in passage
    np.testing.assert_array_equal(matrix[0], [float(c.isupper()) for c in passage])
    assert np.all((matrix >= 0) & (matrix <= 1))
    if plotting_available():
        assert (tmp_path / "char_rnn_tagging_gru.png").is_file()
    assert (tmp_path / "char_rnn_tagging_gru_heatmap.png").stat().st_size > 100


def test_unknown_cell_is_rejected():
    with pytest.raises(SystemExit):
        char_rnn().main(["--fast", "--cell", "transformer"])


# ---------------------------------------------------------------------------------------------
# The pieces
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_detach_state_keeps_values_and_cuts_the_graph(cell):
    model = small_lm(cell, 10)
    _, state = model(minigrad.tensor([[1, 2, 3]]))
    parts = state if isinstance(state, tuple) else (state,)
    assert all(part.requires_grad for part in parts)
    detached = char_rnn().detach_state(state)
    detached_parts = detached if isinstance(detached, tuple) else (detached,)
    assert len(detached_parts) == len(parts)
    for before, after in zip(parts, detached_parts):
        assert not after.requires_grad and after.grad_fn is None
        np.testing.assert_array_equal(after.numpy(), before.detach().numpy())
    assert char_rnn().detach_state(None) is None


def log_softmax_rows(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_validation_nll_matches_character_by_character_reading(cell):
    vocab = Vocab(tokenize(SNIPPET[:200], "char"))
    ids = vocab.encode(tokenize(SNIPPET[:103], "char"))
    model = small_lm(cell, len(vocab))
    model.eval()
    nll, count = char_rnn().validation_nll(model, ids, "cpu", streams=4)
    # reference: 4 contiguous pieces of (103 - 1) // 4 = 25 inputs, each read one character at
    # a time with the state carried by hand, log-softmax in NumPy
    piece, total = 25, 0.0
    with minigrad.no_grad():
        for stream in range(4):
            state = None
            for position in range(stream * piece, (stream + 1) * piece):
                logits, state = model(minigrad.tensor([[ids[position]]]), state)
                total -= log_softmax_rows(logits.numpy()[0, 0])[ids[position + 1]]
    assert count == 4 * piece
    assert nll == pytest.approx(total / count, rel=1e-5)


def test_sampling_is_greedy_when_cold_and_never_emits_reserved_tokens():
    vocab = Vocab(tokenize(SNIPPET, "char"))
    model = small_lm("gru", len(vocab), hidden=16)
    rng = np.random.default_rng(0)
    cold = char_rnn().sample(model, vocab, "It is", 12, 1e-4, rng, "cpu")
    # reference: always the most likely character, the reserved tokens excluded
    expected = []
    with minigrad.no_grad():
        logits, state = model(minigrad.tensor([vocab.encode(list("It is"))]))
        for _ in range(12):
            scores = logits.numpy()[0, -1].copy()
            scores[[vocab.pad, vocab.unk, vocab.bos, vocab.eos]] = -np.inf
            index = int(np.argmax(scores))
            expected.append(vocab.itos[index])
            logits, state = model(minigrad.tensor([[index]]), state)
    assert cold == "".join(expected)
    hot = char_rnn().sample(model, vocab, "It is", 200, 50.0, rng, "cpu")
    assert len(hot) == 200 and set(hot) <= set(SNIPPET)
    assert len(set(hot)) > 20       # nearly uniform over the ~60 characters of the snippet


def test_capital_windows_lower_case_inputs_and_upper_tags():
    text = "Mr. Darcy and Elizabeth\nwalked ON."
    vocab = Vocab(tokenize(text.lower(), "char"))
    dataset = char_rnn().capital_windows(text, vocab, length=10)
    inputs, tags = dataset.tensors
    assert inputs.shape == tags.shape == (3, 10)               # 34 characters: 3 whole windows
    decoded = "".join(vocab.decode(inputs.reshape(-1).tolist()))
    assert decoded == text[:30].lower()
    assert tags.reshape(-1).tolist() == [int(c.isupper()) for c in text[:30]]


def test_tagging_scores_count_upper_precision_and_recall():
    module = char_rnn()

    class Fixed(minigrad.nn.Module):
        """Predicts "upper" exactly at the even positions."""

        def forward(self, tokens):
            even = np.zeros(tokens.shape + (2,), dtype=np.float32)
            even[..., 0::2, 1] = 1.0
            even[..., 1::2, 0] = 1.0
            return minigrad.tensor(even)

    inputs = minigrad.zeros(2, 4, dtype=minigrad.int64)
    tags = minigrad.tensor([[1, 1, 0, 0], [0, 0, 0, 0]])
    scores = module.tagging_scores(Fixed(), [(inputs, tags)])
    # predicted upper at (0,0) (0,2) (1,0) (1,2): one hit of two upper tags, four predicted
    assert scores["acc"] == pytest.approx(4 / 8)
    assert scores["precision"] == pytest.approx(1 / 4)
    assert scores["recall"] == pytest.approx(1 / 2)
    assert scores["f1"] == pytest.approx(2 * (1 / 4) * (1 / 2) / (1 / 4 + 1 / 2))
    # each step gives its tag probability 1/(1 + e^-1) when right (4 of them), 1/(1 + e) when
    # wrong (the other 4): the loss is the mean of -log of those
    assert scores["loss"] == pytest.approx(
        (4 * math.log1p(math.exp(-1.0)) + 4 * math.log1p(math.exp(1.0))) / 8, rel=1e-6)
