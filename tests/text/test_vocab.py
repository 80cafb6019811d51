"""tokenize and Vocab: tokeniser rules, index order, round trips, min_freq/max_size, errors."""

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minigrad.data import load_austen
from minigrad.text import Vocab, tokenize

# Text drawn from printable ASCII plus a few non-ASCII letters and a curly apostrophe.
TEXT = st.text(alphabet=string.printable + "éÉß’", max_size=60)
WORDS = st.lists(st.sampled_from(["emma", "knightley", "harriet", "the", "of", "a", "and"]),
                 max_size=40)


# ---------------------------------------------------------------------------------------------
# tokenize
# ---------------------------------------------------------------------------------------------


def test_word_level_examples():
    assert tokenize("It is a truth universally acknowledged.") == \
        ["it", "is", "a", "truth", "universally", "acknowledged", "."]
    # inner apostrophes and hyphens stay inside the word; a double hyphen is two dashes
    assert tokenize("Don't--the well-bred Miss Bennet's 2nd ball!") == \
        ["don't", "-", "-", "the", "well-bred", "miss", "bennet's", "2nd", "ball", "!"]
    # leading/trailing apostrophes and hyphens are punctuation; underscores (italics) too
    assert tokenize("'Tis -so- _very_ fine'") == \
        ["'", "tis", "-", "so", "-", "_", "very", "_", "fine", "'"]
    assert tokenize("  \n\t ") == []


def test_char_level_keeps_every_character():
    assert tokenize("Ab c\n", level="char") == ["A", "b", " ", "c", "\n"]


@given(TEXT)
def test_char_level_round_trip(text):
    assert "".join(tokenize(text, level="char")) == text


@given(TEXT)
def test_word_level_covers_every_non_space_character(text):
    tokens = tokenize(text)
    # nothing but white space is dropped, and the order is kept
    assert "".join(tokens) == "".join(text.lower().split())
    for token in tokens:
        assert token and not any(ch.isspace() for ch in token)
        assert token == token.lower()
        if len(token) > 1:  # a multi-character token is a word: letters/digits inside
            assert token[0].isalnum() and token[-1].isalnum()


@given(WORDS)
def test_words_separated_by_spaces_come_back(words):
    assert tokenize(" ".join(words).upper()) == words


def test_austen_tokens():
    tokens = tokenize(load_austen("prideprejudice")[:200])
    assert tokens[:4] == ["pride", "and", "prejudice", "by"]


def test_unknown_level():
    with pytest.raises(ValueError, match=r"tokenize: unknown level 'words'"):
        tokenize("hello", level="words")


def test_tokenize_needs_a_string():
    with pytest.raises(TypeError, match=r"tokenize: expected a str, got list"):
        tokenize(["hello"])


# ---------------------------------------------------------------------------------------------
# Vocab
# ---------------------------------------------------------------------------------------------


def _expected_order(tokens, min_freq, reserved, max_size):
    """The vocabulary the docs promise, computed plainly: reserved first, then by count
    (descending), ties alphabetically."""
    counts = {}
    for token in tokens:
        counts[token] = counts.get(token, 0) + 1
    others = [t for t in counts if counts[t] >= min_freq and t not in reserved]
    # two stable sorts: alphabetical, then by count descending (ties stay alphabetical)
    others.sort()
    others.sort(key=lambda t: counts[t], reverse=True)
    order = list(reserved) + others
    return order if max_size is None else order[:max_size]


def test_reserved_indices():
    vocab = Vocab(["x", "y", "x"])
    assert (vocab.pad, vocab.unk, vocab.bos, vocab.eos) == (0, 1, 2, 3)
    assert vocab.itos[:4] == ["<pad>", "<unk>", "<bos>", "<eos>"]
    assert vocab.itos[4:] == ["x", "y"]
    assert vocab["<eos>"] == 3


def test_frequency_order_with_alphabetical_ties():
    tokens = "b c a c b d c e".split()  # c: 3, b: 2, a d e: 1
    vocab = Vocab(tokens)
    assert vocab.itos[4:] == ["c", "b", "a", "d", "e"]
    assert vocab.token_freqs == [("c", 3), ("b", 2), ("a", 1), ("d", 1), ("e", 1)]


@given(st.lists(st.lists(st.sampled_from(list("abcdefg")), max_size=8), max_size=6),
       st.integers(0, 4), st.one_of(st.none(), st.integers(4, 9)))
def test_vocab_against_plain_reference(lines, min_freq, max_size):
    flat = [token for line in lines for token in line]
    reserved = ("<pad>", "<unk>", "<bos>", "<eos>")
    vocab = Vocab(lines, min_freq=min_freq, max_size=max_size)
    assert vocab.itos == _expected_order(flat, min_freq, reserved, max_size)
    assert vocab.stoi == {token: i for i, token in enumerate(vocab.itos)}
    assert len(vocab) == len(vocab.itos)
    if max_size is not None:
        assert len(vocab) <= max_size
    for token, count in vocab.token_freqs:
        assert count == flat.count(token)
        if token in vocab and token not in reserved:
            assert count >= min_freq
    # a list of lines and the same tokens flat give the same vocabulary
    assert Vocab(flat, min_freq=min_freq, max_size=max_size).itos == vocab.itos


@given(st.lists(st.sampled_from(["sense", "sensibility", "elinor", "marianne", ",", "."]),
                min_size=1, max_size=30), st.data())
def test_round_trip(corpus, data):
    vocab = Vocab(corpus)
    sentence = data.draw(st.lists(st.sampled_from(corpus), max_size=10))
    indices = vocab.encode(sentence)
    assert all(isinstance(i, int) for i in indices)
    assert vocab.decode(indices) == sentence
    assert vocab[sentence] == indices


@given(st.lists(st.sampled_from(list("abc")), max_size=10),
       st.lists(st.sampled_from(list("xyz")), min_size=1, max_size=5))
def test_unknown_words_map_to_unk(known, unknown):
    vocab = Vocab(known)
    assert vocab.encode(unknown) == [vocab.unk] * len(unknown)
    assert vocab.decode(vocab.encode(unknown)) == ["<unk>"] * len(unknown)
    for token in unknown:
        assert token not in vocab


def test_min_freq_and_max_size():
    tokens = "a a a b b c".split()
    assert Vocab(tokens, min_freq=2).itos[4:] == ["a", "b"]
    assert Vocab(tokens, min_freq=3).itos[4:] == ["a"]
    assert Vocab(tokens, max_size=5).itos == ["<pad>", "<unk>", "<bos>", "<eos>", "a"]
    assert Vocab(tokens, max_size=4).itos == ["<pad>", "<unk>", "<bos>", "<eos>"]


def test_custom_reserved_tokens():
    vocab = Vocab(["x", "<unk>", "x"], reserved_tokens=["<unk>"])
    assert vocab.itos == ["<unk>", "x"]
    assert vocab.unk == 0 and vocab.pad is None and vocab.bos is None
    without_unk = Vocab(["x"], reserved_tokens=())
    assert without_unk.itos == ["x"]
    with pytest.raises(KeyError, match=r"unknown token 'y', and the vocabulary has no <unk>"):
        without_unk["y"]


def test_decode_accepts_a_tensor():
    import minigrad

    vocab = Vocab(["p", "q"])
    assert vocab.decode(minigrad.tensor([5, 4, 3])) == ["q", "p", "<eos>"]


def test_vocab_errors():
    with pytest.raises(ValueError, match=r"Vocab: max_size=3 cannot hold the 4 reserved"):
        Vocab(["a"], max_size=3)
    with pytest.raises(ValueError, match=r"Vocab: reserved_tokens .* holds a token twice"):
        Vocab(["a"], reserved_tokens=["<pad>", "<pad>"])
    with pytest.raises(ValueError, match=r"Vocab: min_freq must be >= 0, got -1"):
        Vocab(["a"], min_freq=-1)
    with pytest.raises(TypeError, match=r"Vocab: expected a list of tokens, got a str"):
        Vocab("some text")
    with pytest.raises(TypeError, match=r"Vocab: tokens must be str .*, got int"):
        Vocab([1, 2])
    vocab = Vocab(["a"])
    with pytest.raises(ValueError, match=r"Vocab.decode: index 5 is out of range for a "
                                         r"vocabulary of 5 tokens"):
        vocab.decode([4, 5])
    with pytest.raises(TypeError, match=r"Vocab.encode: expected a list of tokens, got a str"):
        vocab.encode("a")
