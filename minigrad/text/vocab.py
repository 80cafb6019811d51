"""Tokens and vocabularies: the first two steps from raw text to the integers a model eats.

Holds:
    tokenize(text, level='word')   text -> list of tokens ('word' or 'char' level)
    Vocab(tokens, min_freq, ...)   token <-> index tables, reserved tokens first

This is the "language model data" chapter of the course: split a novel into tokens, count them,
give the frequent ones an index each and map everything else to ``<unk>``.

>>> from minigrad.text import tokenize, Vocab
>>> tokens = tokenize("It is a truth universally acknowledged, that a truth is a truth.")
>>> tokens[:6]
['it', 'is', 'a', 'truth', 'universally', 'acknowledged']
>>> vocab = Vocab(tokens, min_freq=2)
>>> vocab.itos
['<pad>', '<unk>', '<bos>', '<eos>', 'a', 'truth', 'is']
>>> vocab.encode(["a", "truth", "that", "is"])
[4, 5, 1, 6]
>>> vocab.decode([4, 5, 1, 6])
['a', 'truth', '<unk>', 'is']
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["tokenize", "Vocab"]

# A word: letters or digits, possibly joined by single inner apostrophes or hyphens
# ("don't", "well-bred").  [^\W_] is "a word character that is not the underscore".
_WORD = r"[^\W_]+(?:['\u2019\-][^\W_]+)*"
# Anything else that is not white space is one punctuation token per character.
_PUNCTUATION = r"[^\w\s]|_"
_WORD_OR_PUNCTUATION = re.compile(f"{_WORD}|{_PUNCTUATION}")

LEVELS = ("word", "char")


def tokenize(text: str, level: str = "word") -> list[str]:
    """Split ``text`` into tokens.

    ``level='char'``: every character is a token, spaces and newlines included, so that a
    character-level model can learn where words end.

    ``level='word'``: the text is lower-cased; a word is a run of letters and digits, which may
    hold inner apostrophes or hyphens ("don't", "well-bred"); every punctuation mark is a token
    of its own; white space only separates tokens.

    >>> tokenize("Mr. Darcy's well-bred--reply!")
    ['mr', '.', "darcy's", 'well-bred', '-', '-', 'reply', '!']
    >>> tokenize("Hi, you", level="char")
    ['H', 'i', ',', ' ', 'y', 'o', 'u']
    """
    if not isinstance(text, str):
        raise TypeError(f"tokenize: expected a str, got {type(text).__name__}")
    if level == "char":
        return list(text)
    if level == "word":
        return _WORD_OR_PUNCTUATION.findall(text.lower())
    raise ValueError(f"tokenize: unknown level {level!r}; expected 'word' or 'char'")


def _flatten(tokens) -> list:
    """A flat list of tokens from a flat list or from a list of token lists (lines)."""
    if isinstance(tokens, str):
        raise TypeError("Vocab: expected a list of tokens, got a str (tokenize it first)")
    tokens = list(tokens)
    flat = []
    for item in tokens:
        if isinstance(item, str):
            flat.append(item)
        elif isinstance(item, (list, tuple)):
            for token in item:
                if not isinstance(token, str):
                    raise TypeError(f"Vocab: tokens must be str, got {type(token).__name__}")
                flat.append(token)
        else:
            raise TypeError(f"Vocab: tokens must be str (or lists of str), got "
                            f"{type(item).__name__}")
    return flat


class Vocab:
    """A vocabulary: the list of known tokens (``itos``, index -> string) and its inverse
    (``stoi``, string -> index).

    Arguments:
        tokens           a flat list of tokens, or a list of token lists (one per line)
        min_freq         tokens seen fewer times than this are left out (they become ``<unk>``)
        reserved_tokens  tokens that come first, in this order, whatever their counts: by
                         default ``<pad>`` = 0, ``<unk>`` = 1, ``<bos>`` = 2, ``<eos>`` = 3
        max_size         the most tokens the vocabulary may hold, reserved ones included
                         (None: no limit); the least frequent are left out

    After the reserved tokens come the others, most frequent first; ties are broken
    alphabetically, so the same text always gives the same indices.

    ``token_freqs`` lists every distinct token of the text with its count, most frequent first
    (the data of a Zipf plot), including those left out by ``min_freq`` or ``max_size``.

    >>> vocab = Vocab([["b", "a"], ["b", "c"]])
    >>> len(vocab), vocab["b"], vocab["zebra"] == vocab.unk, "c" in vocab
    (7, 4, True, True)
    >>> vocab.token_freqs
    [('b', 2), ('a', 1), ('c', 1)]
    """

    def __init__(self, tokens: Iterable = (), min_freq: int = 1,
                 reserved_tokens: Sequence[str] = ("<pad>", "<unk>", "<bos>", "<eos>"),
                 max_size: int | None = None):
        reserved = list(reserved_tokens)
        for token in reserved:
            if not isinstance(token, str):
                raise TypeError(f"Vocab: reserved tokens must be str, got {token!r}")
        if len(set(reserved)) != len(reserved):
            raise ValueError(f"Vocab: reserved_tokens {reserved} holds a token twice")
        if isinstance(min_freq, bool) or not isinstance(min_freq, (int, np.integer)):
            raise TypeError(f"Vocab: min_freq must be an int, got {min_freq!r}")
        if min_freq < 0:
            raise ValueError(f"Vocab: min_freq must be >= 0, got {min_freq}")
        if max_size is not None:
            if isinstance(max_size, bool) or not isinstance(max_size, (int, np.integer)):
                raise TypeError(f"Vocab: max_size must be an int or None, got {max_size!r}")
            if max_size < len(reserved):
                raise ValueError(f"Vocab: max_size={max_size} cannot hold the "
                                 f"{len(reserved)} reserved tokens {reserved}")

        counts = Counter(_flatten(tokens))
        # most frequent first; among equal counts, alphabetical order
        self.token_freqs = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))

        self.itos = list(reserved)
        for token, count in self.token_freqs:
            if max_size is not None and len(self.itos) >= max_size:
                break
            if count < min_freq:
                break  # the list is sorted by count: every later token is rarer
            if token not in reserved:
                self.itos.append(token)
        self.stoi = {token: index for index, token in enumerate(self.itos)}

        self.pad = self.stoi.get("<pad>")
        self.unk = self.stoi.get("<unk>")
        self.bos = self.stoi.get("<bos>")
        self.eos = self.stoi.get("<eos>")

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token) -> bool:
        return token in self.stoi

    def __getitem__(self, token):
        """The index of a token (``unk`` when unknown); a list or tuple gives a list."""
        if isinstance(token, (list, tuple)):
            return [self[item] for item in token]
        index = self.stoi.get(token)
        if index is not None:
            return index
        if self.unk is None:
            raise KeyError(f"Vocab: unknown token {token!r}, and the vocabulary has no <unk>")
        return self.unk

    def encode(self, tokens: Sequence[str]) -> list[int]:
        """Tokens -> indices; unknown tokens become ``unk``.

        >>> Vocab(["x", "y"], reserved_tokens=["<unk>"]).encode(["y", "q", "x"])
        [2, 0, 1]
        """
        if isinstance(tokens, str):
            raise TypeError("Vocab.encode: expected a list of tokens, got a str (tokenize it "
                            "first)")
        return [self[token] for token in tokens]

    def decode(self, indices) -> list[str]:
        """Indices (a list, or a 1-D integer Tensor or array) -> tokens."""
        if hasattr(indices, "tolist"):
            indices = indices.tolist()
        tokens = []
        for index in indices:
            if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
                raise TypeError(f"Vocab.decode: indices must be ints, got {index!r}")
            if not 0 <= index < len(self.itos):
                raise ValueError(f"Vocab.decode: index {index} is out of range for a "
                                 f"vocabulary of {len(self.itos)} tokens")
            tokens.append(self.itos[index])
        return tokens

    def __repr__(self) -> str:
        shown = ", ".join(repr(token) for token in self.itos[:8])
        more = ", ..." if len(self.itos) > 8 else ""
        return f"Vocab(size={len(self.itos)}: [{shown}{more}])"
