"""Evaluation metrics computed on the host from scores and labels (no gradients).

Holds:
    roc_auc(scores, labels) -- area under the ROC curve: the probability that a randomly chosen
                               positive scores higher than a randomly chosen negative, ties
                               counted half (the Mann-Whitney U statistic divided by n+ * n-)
"""

from __future__ import annotations

import numpy as np

from .. import backend
from ..tensor import Tensor

__all__ = ["roc_auc"]


def _host_vector(values, name: str) -> np.ndarray:
    """A Tensor, a NumPy/CuPy array or a list as a flat NumPy array on the host."""
    data = values.data if isinstance(values, Tensor) else values
    if backend.is_cuda_array(data):
        data = backend.to_device(data, "cpu")
    array = np.asarray(data)
    if array.dtype == object:
        raise TypeError(f"roc_auc: {name} must hold numbers, got an object array")
    return array.reshape(-1)


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n of ``values`` in ascending order, tied values sharing the mean of their ranks.

    For [0.5, 0.1, 0.5] the sorted order is 0.1, 0.5, 0.5: rank 1 for 0.1, and the two 0.5s
    share ranks 2 and 3, so each gets 2.5 -> [2.5, 1.0, 2.5]."""
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    # start of each run of equal values in the sorted array
    new_run = np.empty(len(values), dtype=bool)
    new_run[:1] = True
    new_run[1:] = sorted_values[1:] != sorted_values[:-1]
    run_starts = np.flatnonzero(new_run)
    run_ends = np.append(run_starts[1:], len(values))  # one past the last of each run
    # the ranks start .. end-1 (0-based) average to (start + end - 1) / 2, plus 1 for 1-based
    run_ranks = (run_starts + run_ends - 1) / 2.0 + 1.0
    run_of_position = np.cumsum(new_run) - 1
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = run_ranks[run_of_position]
    return ranks


def roc_auc(scores, labels) -> float:
    """Area under the ROC curve of ``scores`` (N,) for binary ``labels`` (N,).

    A higher score means "more likely positive".  With P the positives and Q the negatives,

        AUC = (1 / (|P| |Q|)) * sum over p in P, q in Q of  [s_p > s_q] + 0.5 [s_p = s_q]

    which is the Mann-Whitney U statistic over |P| |Q| and equals the trapezoidal area under the
    ROC curve (true positive rate against false positive rate over all thresholds).  It is
    computed from ranks in O(N log N): with R the sum of the positives' ranks (ties given the
    mean of their ranks), U = R - |P| (|P| + 1) / 2.

    Arguments: ``scores`` and ``labels`` are Tensors, NumPy arrays or lists of the same number
    of elements; ``labels`` are 0/1 or booleans (any nonzero value counts as positive).
    1.0 means every positive outscores every negative, 0.5 is chance (or all scores tied),
    0.0 is perfectly reversed.  ValueError when the sizes differ, when a score is NaN, or when
    only one class is present (the area is then undefined).

    >>> roc_auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])
    0.75
    >>> roc_auc([1.0, 1.0, 2.0], [0, 1, 1])   # pairs (2 > 1) and (1 = 1): (1 + 0.5) / 2
    0.75
    """
    scores = _host_vector(scores, "scores")
    labels = _host_vector(labels, "labels")
    if scores.shape != labels.shape:
        raise ValueError(f"roc_auc: scores and labels must have the same number of elements, "
                         f"got {scores.shape[0]} and {labels.shape[0]}")
    if scores.dtype.kind not in "biuf":
        raise TypeError(f"roc_auc: scores must be real numbers, got dtype {scores.dtype}")
    if labels.dtype.kind not in "biuf":
        raise TypeError(f"roc_auc: labels must be 0/1 or booleans, got dtype {labels.dtype}")
    scores = scores.astype(np.float64)
    if np.isnan(scores).any():
        raise ValueError("roc_auc: scores contain NaN")
    positive = labels != 0
    n_positive = int(positive.sum())
    n_negative = len(labels) - n_positive
    if n_positive == 0 or n_negative == 0:
        raise ValueError(f"roc_auc: needs both classes, got {n_positive} positive and "
                         f"{n_negative} negative labels")
    ranks = _average_ranks(scores)
    rank_sum = float(ranks[positive].sum())
    u_statistic = rank_sum - n_positive * (n_positive + 1) / 2.0
    return u_statistic / (n_positive * n_negative)
