"""perplexity, bleu and corpus_bleu against hand-computed cases and a plain reference."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
import minigrad.nn.functional as F
from minigrad.text import bleu, corpus_bleu, perplexity

REFERENCE = "the cat is on the mat".split()

# ---------------------------------------------------------------------------------------------
# perplexity
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("vocabulary", [2, 10, 1000])
def test_uniform_model_has_perplexity_v(vocabulary):
    # a model with equal logits gives every token probability 1 / V: NLL = log V per token
    logits = minigrad.zeros(8, vocabulary, dtype=minigrad.float64)
    targets = minigrad.tensor(np.arange(8) % vocabulary)
    nll = F.cross_entropy(logits, targets)
    assert perplexity(nll.item()) == pytest.approx(vocabulary, rel=1e-12)
    assert perplexity(nll) == pytest.approx(vocabulary, rel=1e-12)  # a Tensor works too


def test_perplexity_values():
    assert perplexity(0.0) == 1.0  # a model that is always certain and right
    assert perplexity(math.log(7.5)) == pytest.approx(7.5, rel=1e-15)
    assert perplexity(1e6) == math.inf
    with pytest.raises(ValueError, match=r"perplexity: the mean negative log-likelihood must "
                                         r"be a number >= 0, got -0.5"):
        perplexity(-0.5)
    with pytest.raises(ValueError, match=r"perplexity: .* got nan"):
        perplexity(float("nan"))


# ---------------------------------------------------------------------------------------------
# bleu: hand-computed cases
# ---------------------------------------------------------------------------------------------


def test_perfect_match_is_one():
    assert bleu(REFERENCE, REFERENCE) == 1.0
    assert bleu(REFERENCE, [REFERENCE, "a cat sat".split()]) == 1.0


def test_no_overlap_is_zero():
    assert bleu("a dog ran off quickly".split(), REFERENCE) == 0.0
    # every unigram matches but no bigram does: p_2 = 0, so the geometric mean is 0
    assert bleu("mat the on is cat the".split(), REFERENCE) == 0.0


def test_clipping():
    # the classic: 7 x "the" against "the cat is on the mat".  Unclipped, all 7 unigrams
    # match; clipped, "the" counts at most twice (its count in the reference): p_1 = 2/7.
    # c = 7 > r = 6: no brevity penalty.
    candidate = "the the the the the the the".split()
    assert bleu(candidate, REFERENCE, max_n=1) == pytest.approx(2 / 7, rel=1e-15)
    # against two references the clip is the largest count in any one reference (3 here)
    assert bleu(candidate, [REFERENCE, "the the the end".split()], max_n=1) == \
        pytest.approx(3 / 7, rel=1e-15)


def test_brevity_penalty_worked_example():
    # candidate "the cat" (c = 2) against "the cat is on the mat" (r = 6), max_n = 2:
    #   p_1 = 2/2 ("the", "cat"), p_2 = 1/1 ("the cat") -> geometric mean 1
    #   c <= r: BP = exp(1 - r/c) = exp(1 - 6/2) = exp(-2) = 0.1353...
    assert bleu("the cat".split(), REFERENCE, max_n=2) == pytest.approx(math.exp(-2), rel=1e-15)
    # a 4-token candidate, max_n = 4: "the cat is on" has every n-gram in the reference
    #   p_1 = p_2 = p_3 = p_4 = 1, c = 4, r = 6: BP = exp(1 - 6/4) = exp(-0.5)
    assert bleu("the cat is on".split(), REFERENCE) == pytest.approx(math.exp(-0.5), rel=1e-15)


def test_partial_matches_worked_example():
    # "the cat sat on the mat" vs "the cat is on the mat", max_n = 2
    #   unigrams: the x2, cat, on, mat match, "sat" does not -> p_1 = 5/6
    #   bigrams: "the cat", "on the", "the mat" match; "cat sat", "sat on" do not -> p_2 = 3/5
    #   c = r = 6 -> BP = exp(1 - 1) = 1;  BLEU = sqrt(5/6 * 3/5) = sqrt(1/2)
    candidate = "the cat sat on the mat".split()
    assert bleu(candidate, REFERENCE, max_n=2) == pytest.approx(math.sqrt(0.5), rel=1e-15)


def test_multiple_references():
    candidate = "the the cat".split()
    first, second = "the cat".split(), "the the dog".split()
    # against "the cat" alone: p_1 = 2/3 ("the" clipped to 1), p_2 = 1/2 ("the cat"),
    #   c = 3 > r = 2: BP = 1 -> sqrt(2/3 * 1/2) = sqrt(1/3)
    assert bleu(candidate, first, max_n=2) == pytest.approx(math.sqrt(1 / 3), rel=1e-15)
    # with "the the dog" as well: "the" may count twice, "the the" matches too:
    #   p_1 = 3/3, p_2 = 2/2; r = 3 (the reference length closest to c = 3) -> BP = 1 -> 1
    assert bleu(candidate, [first, second], max_n=2) == pytest.approx(1.0, rel=1e-15)


def test_closest_reference_length_prefers_the_shorter_on_a_tie():
    # c = 3 lies between reference lengths 2 and 4: r = 2 (the shorter), so c > r: BP = 1.
    # Had r been 4, BP would be exp(1 - 4/3).
    candidate = "a b c".split()
    references = ["a b".split(), "a b c d".split()]
    assert bleu(candidate, references, max_n=1) == pytest.approx(1.0, rel=1e-15)
    assert bleu(candidate, references[1:], max_n=1) == pytest.approx(math.exp(1 - 4 / 3),
                                                                      rel=1e-15)


def test_short_candidate_has_no_high_order_ngrams():
    # 3 tokens have no 4-gram: p_4 is undefined and the score is 0 (as in Papineni et al.)
    assert bleu("the cat is".split(), "the cat is".split()) == 0.0
    assert bleu("the cat is".split(), "the cat is".split(), max_n=3) == 1.0


def test_corpus_bleu_adds_counts_not_scores():
    # max_n = 1.  Sentence 1: "a b c d" vs "a b c d": 4/4 matches, c = r = 4 -> 1.0
    #             Sentence 2: "x y" vs "p q": 0/2 matches -> 0.0; the mean of the two is 0.5.
    # Corpus:     p_1 = (4 + 0) / (4 + 2) = 2/3, c = 6, r = 6 -> BP = 1 -> 2/3, not 0.5
    candidates = ["a b c d".split(), "x y".split()]
    references = ["a b c d".split(), "p q".split()]
    sentence_scores = [bleu(c, r, max_n=1) for c, r in zip(candidates, references)]
    assert sentence_scores == [1.0, 0.0]
    assert corpus_bleu(candidates, references, max_n=1) == pytest.approx(2 / 3, rel=1e-15)
    # one brevity penalty for the whole corpus: c = 2 + 4 = 6 against r = 2 + 8 = 10
    #   sentence 1 "a b" vs "a b" (p_1 = 1), sentence 2 "c d e f" vs 8 tokens (p_1 = 4/4)
    #   -> BLEU = exp(1 - 10/6), while the sentence scores are 1 and exp(1 - 8/4)
    candidates = ["a b".split(), "c d e f".split()]
    references = ["a b".split(), "c d e f g h i j".split()]
    assert corpus_bleu(candidates, references, max_n=1) == \
        pytest.approx(math.exp(1 - 10 / 6), rel=1e-15)


def test_corpus_bleu_with_several_references_and_an_empty_candidate():
    candidates = [[], "the the cat".split()]
    references = [["a b".split()], ["the cat".split(), "the the dog".split()]]
    # the empty candidate adds r = 2 and nothing else: p_1 = 3/3, p_2 = 2/2, c = 3, r = 2 + 3
    #   -> BP = exp(1 - 5/3)
    assert corpus_bleu(candidates, references, max_n=2) == \
        pytest.approx(math.exp(1 - 5 / 3), rel=1e-15)
    assert corpus_bleu([[], []], [["a"], ["b"]]) == 0.0


def test_bleu_errors():
    with pytest.raises(ValueError, match=r"bleu: the candidate is empty \(0 tokens\)"):
        bleu([], REFERENCE)
    with pytest.raises(ValueError, match=r"bleu: expected at least one reference, got none"):
        bleu(REFERENCE, [])
    with pytest.raises(ValueError, match=r"bleu: max_n must be at least 1, got 0"):
        bleu(REFERENCE, REFERENCE, max_n=0)
    with pytest.raises(TypeError, match=r"bleu: the candidate must be a list of tokens, got a "
                                        r"str"):
        bleu("the cat", REFERENCE)
    with pytest.raises(TypeError, match=r"bleu: references mixes tokens and token lists"):
        bleu(REFERENCE, ["the", ["the", "cat"]])
    with pytest.raises(ValueError, match=r"corpus_bleu: got 2 candidates but 1 references"):
        corpus_bleu([REFERENCE, REFERENCE], [REFERENCE])
    with pytest.raises(ValueError, match=r"corpus_bleu: expected at least one candidate"):
        corpus_bleu([], [])


# ---------------------------------------------------------------------------------------------
# bleu: properties against a plain reference
# ---------------------------------------------------------------------------------------------


def _reference_counts(candidate, references, max_n):
    """Clipped matches and totals per order, by plain list scans (no Counter)."""
    matches, totals = [], []
    for n in range(1, max_n + 1):
        grams = [candidate[i:i + n] for i in range(len(candidate) - n + 1)]
        total = len(grams)
        matched = 0
        seen = []
        for gram in grams:
            if gram in seen:
                continue
            seen.append(gram)
            in_candidate = grams.count(gram)
            in_references = max(
                [reference[i:i + n] for i in range(len(reference) - n + 1)].count(gram)
                for reference in references)
            matched += min(in_candidate, in_references)
        matches.append(matched)
        totals.append(total)
    return matches, totals


def _reference_bleu(matches, totals, c, r, max_n):
    if any(m == 0 for m in matches):
        return 0.0
    mean = math.exp(sum(math.log(m / t) for m, t in zip(matches, totals)) / max_n)
    return mean * (1.0 if c > r else math.exp(1 - r / c))


def _closest(c, references):
    best = None
    for reference in references:
        r = len(reference)
        if best is None or abs(r - c) < abs(best - c) or (abs(r - c) == abs(best - c)
                                                          and r < best):
            best = r
    return best


SENTENCE = st.lists(st.sampled_from(list("abcd")), min_size=1, max_size=9)


@given(SENTENCE, st.lists(SENTENCE, min_size=1, max_size=3), st.integers(1, 4))
def test_bleu_against_plain_reference(candidate, references, max_n):
    matches, totals = _reference_counts(candidate, references, max_n)
    expected = _reference_bleu(matches, totals, len(candidate),
                               _closest(len(candidate), references), max_n)
    got = bleu(candidate, references, max_n=max_n)
    assert got == pytest.approx(expected, rel=1e-12, abs=0)
    assert 0.0 <= got <= 1.0
    # the order of the references does not matter; a candidate scores 1 against itself
    assert bleu(candidate, references[::-1], max_n=max_n) == pytest.approx(got, rel=1e-12)
    if len(candidate) >= max_n:
        assert bleu(candidate, candidate, max_n=max_n) == 1.0


@given(st.lists(st.tuples(SENTENCE, st.lists(SENTENCE, min_size=1, max_size=2)), min_size=1,
                max_size=4), st.integers(1, 4))
def test_corpus_bleu_against_plain_reference(pairs, max_n):
    candidates = [candidate for candidate, _ in pairs]
    references = [refs for _, refs in pairs]
    matches, totals, c, r = [0] * max_n, [0] * max_n, 0, 0
    for candidate, refs in pairs:
        m, t = _reference_counts(candidate, refs, max_n)
        matches = [a + b for a, b in zip(matches, m)]
        totals = [a + b for a, b in zip(totals, t)]
        c += len(candidate)
        r += _closest(len(candidate), refs)
    expected = _reference_bleu(matches, totals, c, r, max_n)
    assert corpus_bleu(candidates, references, max_n=max_n) == \
        pytest.approx(expected, rel=1e-12, abs=0)
    # a corpus of one sentence is that sentence's BLEU
    assert corpus_bleu(candidates[:1], references[:1], max_n=max_n) == \
        pytest.approx(bleu(candidates[0], references[0], max_n=max_n), rel=1e-12, abs=0)
