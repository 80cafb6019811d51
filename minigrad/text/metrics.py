"""How good is generated text: perplexity for language models, BLEU for translations.

Holds:
    perplexity(mean_negative_log_likelihood)        exp(mean NLL per token)
    bleu(candidate, references, max_n=4)            sentence BLEU
    corpus_bleu(candidates, references, max_n=4)    corpus BLEU (Papineni et al., 2002)

This is the "BLEU" chapter of the course.

Perplexity.  A language model that spends a mean negative log-likelihood of ``L`` nats per token
is as unsure as a uniform choice among ``exp(L)`` tokens: a model that knows nothing about a
vocabulary of V tokens has ``L = log V`` and perplexity V; a perfect one has perplexity 1.

BLEU compares a candidate translation with one or more reference translations:

    p_n  = (candidate n-grams also found in a reference, each counted at most as often as it
            appears in the one reference that has it most: "clipped")
           / (candidate n-grams)                                          for n = 1 ... max_n
    BP   = 1 if c > r else exp(1 - r / c)    the brevity penalty: c is the candidate's length,
                                             r the length of the reference closest to c
    BLEU = BP * exp(sum_n log(p_n) / max_n)  (a geometric mean; 0 as soon as some p_n is 0)

Without clipping, "the the the the" would score a perfect unigram precision against "the cat";
without the brevity penalty, a one-word candidate "the" would.  ``corpus_bleu`` adds up the
clipped counts, the n-gram totals and the lengths of all sentences first and computes one score
from the sums: this is the BLEU that papers (and the examples) report, and it is not the mean of
the sentence scores.

>>> from minigrad.text import bleu
>>> bleu("the cat is on the mat".split(), "the cat is on the mat".split())
1.0
>>> round(bleu("the cat sat on the mat".split(), "the cat is on the mat".split(), max_n=2), 4)
0.7071
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

__all__ = ["perplexity", "bleu", "corpus_bleu"]


def perplexity(mean_negative_log_likelihood: float) -> float:
    """``exp(mean_negative_log_likelihood)``: the mean NLL per token in nats (natural log), as
    ``cross_entropy`` returns it.  A float or a one-element Tensor; returns a float (inf when
    the exponential overflows).

    >>> import math
    >>> round(perplexity(math.log(50)), 6)
    50.0
    """
    value = float(mean_negative_log_likelihood)
    if math.isnan(value) or value < 0:
        raise ValueError(f"perplexity: the mean negative log-likelihood must be a number >= 0, "
                         f"got {value}")
    try:
        return math.exp(value)
    except OverflowError:
        return math.inf


def _ngrams(tokens: Sequence, n: int) -> Counter:
    """How often each n-gram (a tuple of n tokens) occurs in ``tokens``."""
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def _as_reference_list(references, function: str) -> list[list]:
    """One reference (a list of tokens) or several (a list of token lists) -> list of lists."""
    if isinstance(references, str):
        raise TypeError(f"{function}: references must be lists of tokens, got a str (split "
                        f"it into tokens first)")
    references = list(references)
    if not references:
        raise ValueError(f"{function}: expected at least one reference, got none")
    if all(isinstance(reference, (list, tuple)) for reference in references):
        return [list(reference) for reference in references]
    if any(isinstance(reference, (list, tuple)) for reference in references):
        raise TypeError(f"{function}: references mixes tokens and token lists: give one "
                        f"reference (a list of tokens) or a list of references")
    return [references]


def _check_candidate(candidate, function: str) -> list:
    if isinstance(candidate, str):
        raise TypeError(f"{function}: the candidate must be a list of tokens, got a str "
                        f"(split it into tokens first)")
    return list(candidate)


def _closest_length(candidate_length: int, references: list[list]) -> int:
    """The reference length closest to the candidate's; the shorter one on a tie."""
    lengths = sorted(len(reference) for reference in references)
    return min(lengths, key=lambda length: abs(length - candidate_length))


def _clipped_counts(candidate: list, references: list[list], max_n: int):
    """For n = 1 ... max_n: (clipped matches, candidate n-grams)."""
    matches = []
    totals = []
    for n in range(1, max_n + 1):
        candidate_counts = _ngrams(candidate, n)
        most_in_one_reference = Counter()
        for reference in references:
            for gram, count in _ngrams(reference, n).items():
                most_in_one_reference[gram] = max(most_in_one_reference[gram], count)
        clipped = 0
        for gram, count in candidate_counts.items():
            clipped += min(count, most_in_one_reference[gram])
        matches.append(clipped)
        totals.append(max(len(candidate) - n + 1, 0))
    return matches, totals


def _score(matches: list[int], totals: list[int], candidate_length: int,
           reference_length: int) -> float:
    """BP * geometric mean of the precisions matches[n] / totals[n]."""
    if candidate_length == 0 or min(matches) == 0:
        return 0.0  # some p_n is 0 (or undefined: no n-grams of that order at all)
    log_precision = 0.0
    for match, total in zip(matches, totals):
        log_precision += math.log(match / total)
    log_precision /= len(matches)
    if candidate_length > reference_length:
        brevity_penalty = 1.0
    else:
        brevity_penalty = math.exp(1.0 - reference_length / candidate_length)
    return brevity_penalty * math.exp(log_precision)


def _check_max_n(max_n, function: str) -> int:
    if isinstance(max_n, bool) or not isinstance(max_n, int):
        raise TypeError(f"{function}: max_n must be an int, got {max_n!r}")
    if max_n < 1:
        raise ValueError(f"{function}: max_n must be at least 1, got {max_n}")
    return max_n


def bleu(candidate: Sequence[str], references: Sequence, max_n: int = 4) -> float:
    """Sentence BLEU of ``candidate`` (a list of tokens) against ``references`` (one list of
    tokens, or a list of several), with n-grams up to ``max_n`` weighted 1 / max_n each.

    Returns a float in [0, 1].  A candidate shorter than ``max_n`` tokens has no max_n-grams,
    so its score is 0: pass a smaller ``max_n`` for very short sentences.

    >>> bleu("the cat".split(), [["the", "cat", "sat"], ["a", "cat"]], max_n=1)
    1.0
    """
    max_n = _check_max_n(max_n, "bleu")
    candidate = _check_candidate(candidate, "bleu")
    if not candidate:
        raise ValueError("bleu: the candidate is empty (0 tokens); BLEU needs at least one "
                         "token")
    references = _as_reference_list(references, "bleu")
    matches, totals = _clipped_counts(candidate, references, max_n)
    reference_length = _closest_length(len(candidate), references)
    return _score(matches, totals, len(candidate), reference_length)


def corpus_bleu(candidates: Sequence[Sequence[str]], references: Sequence,
                max_n: int = 4) -> float:
    """Corpus BLEU: ``references[i]`` (one token list, or a list of them) belongs to
    ``candidates[i]``.  The clipped matches, the n-gram totals, the candidate lengths c and the
    closest reference lengths r are summed over all sentences, then BLEU is computed once from
    the sums.

    An empty candidate is allowed here (a model may stop at once): it adds its reference length
    to r and nothing else.  When every candidate is empty the score is 0.

    >>> corpus_bleu([["a", "b"], ["c", "d"]], [["a", "b"], ["c", "x"]], max_n=1)
    0.75
    """
    max_n = _check_max_n(max_n, "corpus_bleu")
    if isinstance(candidates, str):
        raise TypeError("corpus_bleu: candidates must be a list of token lists, got a str")
    candidates = list(candidates)
    references = list(references)
    if not candidates:
        raise ValueError("corpus_bleu: expected at least one candidate, got none")
    if len(candidates) != len(references):
        raise ValueError(f"corpus_bleu: got {len(candidates)} candidates but "
                         f"{len(references)} references; give one entry per candidate")
    matches = [0] * max_n
    totals = [0] * max_n
    candidate_length = 0
    reference_length = 0
    for candidate, sentence_references in zip(candidates, references):
        candidate = _check_candidate(candidate, "corpus_bleu")
        sentence_references = _as_reference_list(sentence_references, "corpus_bleu")
        sentence_matches, sentence_totals = _clipped_counts(candidate, sentence_references,
                                                            max_n)
        for n in range(max_n):
            matches[n] += sentence_matches[n]
            totals[n] += sentence_totals[n]
        candidate_length += len(candidate)
        reference_length += _closest_length(len(candidate), sentence_references)
    return _score(matches, totals, candidate_length, reference_length)
