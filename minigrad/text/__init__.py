"""minigrad.text: from raw text to model inputs, and from model outputs back to scored text.

    vocab.py      tokenize (word or character level), Vocab (token <-> index)
    batching.py   LanguageModelLoader (language-model minibatches), pad_or_truncate, pad_batch
    metrics.py    perplexity, bleu, corpus_bleu
    decoding.py   greedy_decode, beam_search

>>> from minigrad.data import load_austen
>>> from minigrad.text import tokenize, Vocab, LanguageModelLoader
>>> tokens = tokenize(load_austen("prideprejudice")[:2000])
>>> vocab = Vocab(tokens)
>>> loader = LanguageModelLoader(vocab.encode(tokens), batch_size=4, num_steps=10)
>>> inputs, targets = next(iter(loader))
>>> inputs.shape, targets.shape
((4, 10), (4, 10))
"""

from .batching import LanguageModelLoader, pad_batch, pad_or_truncate
from .decoding import beam_search, greedy_decode
from .metrics import bleu, corpus_bleu, perplexity
from .vocab import Vocab, tokenize

__all__ = ["tokenize", "Vocab", "LanguageModelLoader", "pad_or_truncate", "pad_batch",
           "perplexity", "bleu", "corpus_bleu", "greedy_decode", "beam_search"]
