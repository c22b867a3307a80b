"""Pair-verification metrics, pure numpy: ROC AUC, equal error rate, best accuracy, rank-1."""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata


def roc_auc(scores: np.ndarray, same: np.ndarray) -> float:
    """P(score of a random positive > score of a random negative), ties counted half."""
    scores, same = np.asarray(scores, dtype=np.float64), np.asarray(same, dtype=bool)
    n_pos, n_neg = int(same.sum()), int((~same).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(scores)
    return float((ranks[same].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _roc(scores: np.ndarray, same: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], same[order].astype(bool)
    tp = np.cumsum(y)
    fp = np.cumsum(~y)
    last = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]  # one point per distinct threshold
    return tp[last] / max(y.sum(), 1), fp[last] / max((~y).sum(), 1), s[last]


def equal_error_rate(scores: np.ndarray, same: np.ndarray) -> float:
    tpr, fpr, _ = _roc(np.asarray(scores, float), np.asarray(same, bool))
    fnr = 1 - tpr
    k = int(np.argmin(np.abs(fnr - fpr)))
    return float((fnr[k] + fpr[k]) / 2)


def best_accuracy(scores: np.ndarray, same: np.ndarray) -> tuple[float, float]:
    """Highest accuracy over thresholds (predict "same" when score >= t) and that threshold."""
    scores, same = np.asarray(scores, float), np.asarray(same, bool)
    tpr, fpr, thresholds = _roc(scores, same)
    n_pos, n_neg = same.sum(), (~same).sum()
    accuracy = (tpr * n_pos + (1 - fpr) * n_neg) / len(same)
    k = int(np.argmax(accuracy))
    return float(accuracy[k]), float(thresholds[k])


def rank1(scores: np.ndarray, same: np.ndarray, query: np.ndarray) -> float:
    """Fraction of queries (with a true match among their candidates) whose best candidate is right.

    ``query`` groups pairs: all pairs with the same query value share one query box.
    """
    scores, same, query = np.asarray(scores, float), np.asarray(same, bool), np.asarray(query)
    order = np.lexsort((-scores, query))
    q = query[order]
    first = np.r_[True, q[1:] != q[:-1]]
    groups = np.cumsum(first) - 1
    has_match = np.bincount(groups, weights=same[order].astype(float)) > 0
    top_is_same = same[order][first]
    return float(top_is_same[has_match].mean()) if has_match.any() else float("nan")
