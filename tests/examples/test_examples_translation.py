"""Tests of the translation task (examples/number_words.py) and of its two examples,
examples/seq2seq.py (GRU encoder-decoder, with and without Bahdanau attention) and
examples/transformer.py.

The number words are checked against hand-checked renderings and, for random numbers, against
plain parsers written here that read the words back into the number.  The models are checked
for what decoding relies on (step-by-step decoding gives the teacher-forced logits; padding does
not change a sentence's result), and each example runs in-process with ``--fast`` and must bring
its test loss down from the untrained model's.
"""

from __future__ import annotations

import importlib
import math
import struct
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from minigrad.text import pad_batch

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
if str(EXAMPLES_DIR) not in sys.path:
    sys.path.insert(0, str(EXAMPLES_DIR))


def example(name: str):
    """The module examples/<name>.py."""
    return importlib.import_module(name)


numbers = st.integers(min_value=0, max_value=999_999)


# ---------------------------------------------------------------------------------------------
# Number words: hand-checked renderings
# ---------------------------------------------------------------------------------------------

# Traditional (pre-1990) French spelling, checked by hand against the rules: hyphens inside
# compounds under 100 except around "et"; "et" in 21..61 and 71 only; "vingt"/"cent" plural
# when multiplied and ending the number, not before another number nor before "mille".
FRENCH = [
    (0, "zéro"),
    (1, "un"),
    (16, "seize"),
    (17, "dix-sept"),
    (21, "vingt et un"),
    (22, "vingt-deux"),
    (61, "soixante et un"),
    (70, "soixante-dix"),
    (71, "soixante et onze"),
    (77, "soixante-dix-sept"),
    (80, "quatre-vingts"),
    (81, "quatre-vingt-un"),
    (90, "quatre-vingt-dix"),
    (91, "quatre-vingt-onze"),
    (99, "quatre-vingt-dix-neuf"),
    (100, "cent"),
    (101, "cent un"),
    (200, "deux cents"),
    (201, "deux cent un"),
    (280, "deux cent quatre-vingts"),
    (1000, "mille"),
    (1001, "mille un"),
    (2000, "deux mille"),
    (21000, "vingt et un mille"),
    (71200, "soixante et onze mille deux cents"),
    (80000, "quatre-vingt mille"),
    (200000, "deux cent mille"),
    (280080, "deux cent quatre-vingt mille quatre-vingts"),
    (999999, "neuf cent quatre-vingt-dix-neuf mille neuf cent quatre-vingt-dix-neuf"),
]

ENGLISH = [
    (0, "zero"),
    (13, "thirteen"),
    (40, "forty"),
    (71, "seventy-one"),
    (100, "one hundred"),
    (101, "one hundred one"),
    (280, "two hundred eighty"),
    (1000, "one thousand"),
    (1001, "one thousand one"),
    (21000, "twenty-one thousand"),
    (71200, "seventy-one thousand two hundred"),
    (999999, "nine hundred ninety-nine thousand nine hundred ninety-nine"),
]


@pytest.mark.parametrize("n, words", FRENCH)
def test_french_matches_hand_checked_spelling(n, words):
    assert example("number_words").french(n) == words


@pytest.mark.parametrize("n, words", ENGLISH)
def test_english_matches_hand_checked_spelling(n, words):
    assert example("number_words").english(n) == words


@pytest.mark.parametrize("bad, error, message", [
    (-1, ValueError, "expected 0 <= n <= 999,999, got -1"),
    (1_000_000, ValueError, "expected 0 <= n <= 999,999, got 1,000,000"),
    (7.0, TypeError, "expected an int, got float"),
    (True, TypeError, "expected an int, got bool"),
])
def test_number_words_reject_bad_input(bad, error, message):
    number_words = example("number_words")
    for render in (number_words.english, number_words.french):
        with pytest.raises(error, match=message):
            render(bad)


# ---------------------------------------------------------------------------------------------
# Number words: read back by plain parsers
# ---------------------------------------------------------------------------------------------

FRENCH_VALUES = {"zéro": 0, "un": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
                 "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12,
                 "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16, "trente": 30,
                 "quarante": 40, "cinquante": 50, "soixante": 60}
ENGLISH_VALUES = {word: value for value, word in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen".split())}
ENGLISH_VALUES.update({"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
                       "seventy": 70, "eighty": 80, "ninety": 90})


def parse_french(text: str) -> int:
    """The number that French words denote: add the parts, "quatre-vingt" is 4 * 20, "cent"
    multiplies what precedes it (1 when nothing does), "mille" closes the thousands."""
    total, current, previous = 0, 0, None
    for word in text.replace("-", " ").split():
        if word in ("vingt", "vingts"):
            current += 76 if previous == "quatre" else 20   # quatre (4) + 76 = 80
        elif word in ("cent", "cents"):
            current = max(current, 1) * 100
        elif word == "mille":
            total, current = max(current, 1) * 1000, 0
        elif word != "et":
            current += FRENCH_VALUES[word]
        previous = word
    return total + current


def parse_english(text: str) -> int:
    total, current = 0, 0
    for word in text.replace("-", " ").split():
        if word == "hundred":
            current *= 100
        elif word == "thousand":
            total, current = current * 1000, 0
        else:
            current += ENGLISH_VALUES[word]
    return total + current


@given(numbers)
def test_words_read_back_to_the_number(n):
    number_words = example("number_words")
    assert parse_english(number_words.english(n)) == n
    assert parse_french(number_words.french(n)) == n


@given(numbers)
def test_french_agreement_and_hyphen_rules_hold(n):
    words = example("number_words").french(n)
    parts = words.split()
    # plural -s only on the last word of the number
    for index, part in enumerate(parts):
        if part.endswith(("cents", "vingts")):
            assert index == len(parts) - 1, words
    # "et" joins a tens word to "un" (21 ... 61) or, after soixante, to "onze" (71), with
    # spaces, never hyphens
    for index, part in enumerate(parts):
        if part == "et":
            assert parts[index - 1] in ("vingt", "trente", "quarante", "cinquante", "soixante")
            allowed = ("un", "onze") if parts[index - 1] == "soixante" else ("un",)
            assert parts[index + 1] in allowed, words
    assert "-et" not in words and "et-" not in words
    assert not words.startswith("un mille") and words.count("mille") <= 1


@given(numbers)
def test_tokens_detokenize_back_to_the_words(n):
    number_words = example("number_words")
    for words in (number_words.english(n), number_words.french(n)):
        tokens = number_words.tokenize(words)
        assert number_words.detokenize(tokens) == words
        assert all(token == "-" or "-" not in token for token in tokens)


# ---------------------------------------------------------------------------------------------
# The data set
# ---------------------------------------------------------------------------------------------

def test_split_is_disjoint_deterministic_and_covers_every_length():
    number_words = example("number_words")
    train, test = number_words.split_numbers(3000, 300, seed=0)
    assert len(train) == len(set(train)) == 3000 and len(test) == len(set(test)) == 300
    assert not set(train) & set(test)
    assert all(0 <= n <= 999_999 for n in train + test)
    assert number_words.split_numbers(3000, 300, seed=0) == (train, test)
    assert number_words.split_numbers(3000, 300, seed=1) != (train, test)
    # every length is drawn; the 9 one-digit numbers on the training side are used up first
    assert {len(str(n)) for n in train} == set(range(1, 7))
    assert len([n for n in train if n < 10]) == 9
    # a smaller test set is a prefix of a larger one: the held-out side never changes
    assert number_words.split_numbers(10, 100, seed=0)[1] == test[:100]


def test_split_rejects_more_numbers_than_one_side_holds():
    number_words = example("number_words")
    with pytest.raises(ValueError, match="asked for 200000 test numbers, but only 100000 are"):
        number_words.split_numbers(10, 200_000)
    with pytest.raises(ValueError, match="sizes must be >= 0"):
        number_words.split_numbers(-1, 10)


def test_vocabularies_and_batches_are_laid_out_for_teacher_forcing():
    number_words = example("number_words")
    data = number_words.load_translation(train_size=2000, test_size=50, seed=0)
    src_vocab, tgt_vocab = data["src_vocab"], data["tgt_vocab"]
    # 31 English and 28 French word types (hyphen included) + <pad> <unk> <bos> <eos>
    assert (len(src_vocab), len(tgt_vocab)) == (35, 32)
    assert tgt_vocab.itos[:4] == ["<pad>", "<unk>", "<bos>", "<eos>"]
    pairs = [number_words.make_pairs([n])[0] for n in (4, 71200)]
    src, src_lengths, tgt_in, tgt_out = next(number_words.batches(pairs, src_vocab, tgt_vocab,
                                                                  batch_size=8))
    french = ["soixante", "et", "onze", "mille", "deux", "cents"]
    assert src_lengths.tolist() == [1, 6]          # seventy - one thousand two hundred
    assert src.tolist()[0] == [src_vocab["four"]] + [src_vocab.pad] * 5
    assert tgt_in.tolist() == [[tgt_vocab.bos, tgt_vocab["quatre"]] + [tgt_vocab.pad] * 5,
                               [tgt_vocab.bos] + tgt_vocab.encode(french)]
    assert tgt_out.tolist() == [[tgt_vocab["quatre"], tgt_vocab.eos] + [tgt_vocab.pad] * 5,
                                tgt_vocab.encode(french) + [tgt_vocab.eos]]


def test_sequence_loss_ignores_padding():
    number_words = example("number_words")
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(2, 3, 5))
    targets = np.array([[1, 2, 0], [3, 0, 0]])          # 0 is padding
    loss = number_words.sequence_loss(minigrad.tensor(logits), minigrad.tensor(targets), 0)
    terms = []
    for b, t in [(0, 0), (0, 1), (1, 0)]:
        row = logits[b, t]
        terms.append(math.log(np.exp(row).sum()) - row[targets[b, t]])
    assert loss.item() == pytest.approx(sum(terms) / 3, rel=1e-12)


# ---------------------------------------------------------------------------------------------
# The models: step-by-step decoding and padding
# ---------------------------------------------------------------------------------------------

def small_models():
    seq2seq, transformer = example("seq2seq"), example("transformer")
    minigrad.manual_seed(0)
    models = {"none": seq2seq.Seq2Seq(9, 11, attention="none", embed_size=6, hidden_size=8),
              "bahdanau": seq2seq.Seq2Seq(9, 11, attention="bahdanau", embed_size=6,
                                          hidden_size=8),
              "transformer": transformer.TransformerTranslator(9, 11, d_model=8, nhead=2,
                                                               num_layers=1,
                                                               dim_feedforward=16)}
    for model in models.values():
        model.eval()
    return models


@pytest.mark.parametrize("kind", ["none", "bahdanau", "transformer"])
def test_step_by_step_decoding_gives_the_teacher_forced_log_probs(kind):
    model = small_models()[kind]
    src, src_lengths = pad_batch([[4, 5, 6, 7]], 0)
    tgt_in = minigrad.tensor([[2, 5, 8, 4, 9]])
    with minigrad.no_grad():
        expected = model(src, src_lengths, tgt_in).log_softmax(dim=-1)[0].numpy()
        state = model.start(src, src_lengths)
        for t in range(tgt_in.shape[1]):
            log_probs, state = model.step(tgt_in[:, t], state)
            np.testing.assert_allclose(log_probs.numpy()[0], expected[t], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("kind", ["none", "bahdanau", "transformer"])
def test_padding_does_not_change_a_sentence(kind):
    model = small_models()[kind]
    short, long = [4, 5, 6], [7, 8, 5, 6, 4, 8]
    tgt = minigrad.tensor([[2, 3, 5], [2, 6, 7]])
    with minigrad.no_grad():
        alone_src, alone_lengths = pad_batch([short], 0)
        alone = model(alone_src, alone_lengths, tgt[:1]).numpy()
        src, src_lengths = pad_batch([short, long], 0)
        batched = model(src, src_lengths, tgt).numpy()
    np.testing.assert_allclose(batched[0], alone[0], rtol=1e-4, atol=1e-5)


def test_seq2seq_rejects_an_unknown_attention():
    with pytest.raises(ValueError, match="attention must be 'none' or 'bahdanau', got 'luong'"):
        example("seq2seq").Seq2Seq(9, 11, attention="luong")


def test_attention_weights_cover_only_the_real_source_tokens():
    model = small_models()["bahdanau"]
    src, src_lengths = pad_batch([[4, 5], [7, 8, 5, 6]], 0)
    with minigrad.no_grad():
        model(src, src_lengths, minigrad.tensor([[2, 3, 5], [2, 6, 7]]))
    weights = model.decoder.attention_weights.numpy()            # (B, T, S)
    assert weights.shape == (2, 3, 4)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=1e-5)
    assert np.all(weights[0, :, 2:] == 0.0)


# ---------------------------------------------------------------------------------------------
# The examples, --fast
# ---------------------------------------------------------------------------------------------

def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG file's signature and IHDR chunk."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def check_scores(result: dict) -> None:
    assert result["test_loss"] < result["initial_test_loss"] - 0.5
    for key in ("bleu_greedy", "bleu_beam4", "exact_greedy", "exact_beam4"):
        assert 0.0 <= result[key] <= 1.0, key


@pytest.mark.parametrize("attention", ["none", "bahdanau"])
def test_seq2seq_fast_learns_and_draws_attention(attention, tmp_path):
    result = example("seq2seq").main(["--fast", "--attention", attention,
                                      "--out", str(tmp_path)])
    check_scores(result)
    maps = sorted(tmp_path.glob("seq2seq_attention_*.png"))
    if attention == "bahdanau":
        assert result["heatmaps"] == len(maps) == 2
        width, height = png_size(maps[0])
        assert width > 0 and height > 0
    else:
        assert result["heatmaps"] == len(maps) == 0


def test_transformer_fast_learns_and_draws_attention(tmp_path):
    result = example("transformer").main(["--fast", "--out", str(tmp_path)])
    check_scores(result)
    maps = sorted(tmp_path.glob("transformer_attention_*.png"))
    assert result["heatmaps"] == len(maps) == 2
    width, height = png_size(maps[0])
    assert width > 0 and height > 0
