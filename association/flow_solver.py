"""Global data association as a min-cost flow, solved as a linear program (scipy HiGHS).

The paper's formulation (after Zhang, Li & Nevatia 2008): every detection i may be a track start
(entry), a track end (exit), part of a track (observation) and linked to later detections. With
flow variables in [0, 1] the constraint matrix is a network matrix, so the LP optimum is integral
and no integer solver is needed. Costs are negative log-odds, so the optimum keeps a detection
only when the evidence for it (its score and its links) outweighs starting and ending a track.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix


def log_odds_cost(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    return -np.log(p / (1 - p))


def solve_min_cost_flow(n: int, observation_cost: np.ndarray, link_from: np.ndarray, link_to: np.ndarray,
                        link_cost: np.ndarray, entry_cost: float, exit_cost: float) -> list[list[int]]:
    """Chains of detection indices (each a track, in link order) of the min-cost flow.

    Variables: entry (n), exit (n), observation (n), links (L). Flow conservation at each
    detection: entry + incoming links = observation = exit + outgoing links.
    """
    n_links = len(link_cost)
    if n == 0:
        return []
    idx = np.arange(n)
    # columns: [entry 0..n) [exit n..2n) [obs 2n..3n) [links 3n..3n+L)
    rows, cols, vals = [], [], []

    def add(r, c, v):
        rows.append(np.asarray(r))
        cols.append(np.asarray(c))
        vals.append(np.full(len(np.atleast_1d(r)), v, dtype=np.float64))

    # in-balance: entry_i + sum_in link - obs_i = 0       (rows 0..n)
    add(idx, idx, 1.0)
    add(idx, 2 * n + idx, -1.0)
    add(link_to, 3 * n + np.arange(n_links), 1.0)
    # out-balance: exit_i + sum_out link - obs_i = 0      (rows n..2n)
    add(n + idx, n + idx, 1.0)
    add(n + idx, 2 * n + idx, -1.0)
    add(n + link_from, 3 * n + np.arange(n_links), 1.0)
    a_eq = coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(2 * n, 3 * n + n_links)).tocsr()
    cost = np.concatenate([np.full(n, entry_cost), np.full(n, exit_cost), observation_cost, link_cost])
    result = linprog(cost, A_eq=a_eq, b_eq=np.zeros(2 * n), bounds=(0, 1), method="highs")
    if result.status != 0:
        raise RuntimeError(f"min-cost flow LP failed: {result.message}")
    x = result.x
    used = x[2 * n:3 * n] > 0.5
    links = x[3 * n:] > 0.5
    successor = np.full(n, -1)
    successor[link_from[links]] = link_to[links]
    has_predecessor = np.zeros(n, bool)
    has_predecessor[link_to[links]] = True
    chains = []
    for start in np.nonzero(used & ~has_predecessor)[0]:
        chain = [int(start)]
        while successor[chain[-1]] >= 0:
            chain.append(int(successor[chain[-1]]))
        chains.append(chain)
    return chains
