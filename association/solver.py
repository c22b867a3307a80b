"""From link probabilities to one-to-one assignments."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

_FORBIDDEN = 1e6


def solve(probability: np.ndarray, min_probability: float) -> tuple[np.ndarray, np.ndarray]:
    """Assign rows to columns maximising the product of probabilities (min sum of -log p).

    Pairs below ``min_probability`` are gated out: they can never be chosen, and a row or column
    whose only options are gated stays unassigned. Returns matched (rows, cols).
    """
    probability = np.asarray(probability, dtype=np.float64)
    if probability.size == 0:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    allowed = probability >= min_probability
    cost = np.where(allowed, -np.log(np.clip(probability, 1e-12, 1.0)), _FORBIDDEN)
    rows, cols = linear_sum_assignment(cost)
    keep = allowed[rows, cols]
    return rows[keep], cols[keep]
