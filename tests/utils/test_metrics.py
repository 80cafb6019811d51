"""Tests of minigrad/utils/metrics.py: roc_auc against hand-worked cases, a plain O(n^2) pair
count and the trapezoidal area under an ROC curve traced threshold by threshold."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad
from minigrad.utils.metrics import roc_auc


def pair_count_auc(scores, labels) -> float:
    """Every (positive, negative) pair: 1 when the positive scores higher, 1/2 when tied."""
    positives = [s for s, y in zip(scores, labels) if y]
    negatives = [s for s, y in zip(scores, labels) if not y]
    total = 0.0
    for p in positives:
        for q in negatives:
            if p > q:
                total += 1.0
            elif p == q:
                total += 0.5
    return total / (len(positives) * len(negatives))


def trapezoid_auc(scores, labels) -> float:
    """Trace the ROC curve: lower the threshold through every distinct score (highest first),
    record (false positive rate, true positive rate), and add up the trapezoids."""
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels, dtype=bool)
    n_pos, n_neg = labels.sum(), (~labels).sum()
    points = [(0.0, 0.0)]
    for threshold in sorted(set(scores.tolist()), reverse=True):
        predicted = scores >= threshold
        points.append(((predicted & ~labels).sum() / n_neg, (predicted & labels).sum() / n_pos))
    area = 0.0
    for (x0, y0), (x1, y1) in zip(points[:-1], points[1:]):
        area += (x1 - x0) * (y0 + y1) / 2.0
    return area


def test_perfect_separation_is_one():
    assert roc_auc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]) == 1.0


def test_reversed_order_is_zero():
    assert roc_auc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]) == 0.0


def test_all_scores_tied_is_one_half():
    assert roc_auc([3.0] * 5, [1, 0, 0, 1, 0]) == 0.5


def test_small_case_with_ties():
    # positives score 0.5 and 0.7, negatives 0.2, 0.5, 0.5.  The 3 x 2 = 6 pairs:
    #   0.5 vs 0.2 -> 1,  0.5 vs 0.5 -> 1/2,  0.5 vs 0.5 -> 1/2,
    #   0.7 vs 0.2 -> 1,  0.7 vs 0.5 -> 1,    0.7 vs 0.5 -> 1       total 5, AUC = 5/6
    scores = [0.2, 0.5, 0.5, 0.7, 0.5]
    labels = [0, 1, 0, 1, 0]
    assert roc_auc(scores, labels) == pytest.approx(5 / 6, abs=1e-15)


def test_one_positive_among_negatives_is_its_fraction_beaten():
    # the positive (4.0) beats 0, 1, 2 and 3 and loses to 5: 4 of 5 negatives beaten
    assert roc_auc([0.0, 1.0, 2.0, 3.0, 4.0, 5.0], [0, 0, 0, 0, 1, 0]) == pytest.approx(0.8)


def test_tensors_bool_labels_and_2d_inputs_are_accepted():
    scores = minigrad.tensor([[0.2, 0.5], [0.5, 0.7]])
    labels = minigrad.tensor([[False, True], [False, True]])
    # positives 0.5, 0.7; negatives 0.2, 0.5: pairs 1 + 0.5 + 1 + 1 = 3.5 of 4
    assert roc_auc(scores, labels) == pytest.approx(3.5 / 4)
    assert roc_auc(np.array([0.2, 0.5], dtype=np.float32), np.array([0, 1])) == 1.0


def test_auc_is_unchanged_by_a_monotone_transform_and_flips_with_negation():
    rng = np.random.default_rng(0)
    scores = rng.normal(size=40)
    labels = rng.integers(0, 2, size=40)
    labels[:2] = [0, 1]
    auc = roc_auc(scores, labels)
    assert roc_auc(np.exp(scores), labels) == pytest.approx(auc, abs=1e-12)
    assert roc_auc(-scores, labels) == pytest.approx(1 - auc, abs=1e-12)


@given(st.lists(st.tuples(st.integers(0, 6).map(lambda v: v / 2.0), st.booleans()),
                min_size=2, max_size=30))
def test_matches_pair_count_and_trapezoid(pairs):
    # scores drawn from a handful of values so that ties are common
    scores = [s for s, _ in pairs]
    labels = [y for _, y in pairs]
    if all(labels) or not any(labels):
        with pytest.raises(ValueError, match="needs both classes"):
            roc_auc(scores, labels)
        return
    expected = pair_count_auc(scores, labels)
    assert roc_auc(scores, labels) == pytest.approx(expected, abs=1e-12)
    assert trapezoid_auc(scores, labels) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("labels", [[1, 1, 1], [0, 0, 0]])
def test_one_class_only_raises(labels):
    with pytest.raises(ValueError, match=r"roc_auc: needs both classes, got \d positive"):
        roc_auc([0.1, 0.2, 0.3], labels)


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="roc_auc: scores and labels must have the same "
                                         "number of elements, got 3 and 2"):
        roc_auc([0.1, 0.2, 0.3], [0, 1])
    with pytest.raises(ValueError, match="roc_auc: scores contain NaN"):
        roc_auc([0.1, float("nan")], [0, 1])
    with pytest.raises(TypeError, match="roc_auc: scores must be real numbers"):
        roc_auc(np.array(["a", "b"]), [0, 1])
    with pytest.raises(TypeError, match="roc_auc: labels must be 0/1 or booleans"):
        roc_auc([0.1, 0.2], np.array(["no", "yes"]))
