"""Finished tracklets joined offline: one person's track broken in two gets one identity again.

Why: the online tracker decides each link when it meets it, with what it knows then. A person
occluded for a second comes back with a new identity whenever the link looked unsure at that
moment, or the gap outlasted the rule for how long a lost track stays linkable. After the run,
both pieces are known whole: where the first was heading when it ended, where the second came
from when it began. Joining ends and starts that agree both ways is what appearance-free
linking does for offline trackers (StrongSORT's AFLink); here the agreement is geometric, from a
straight-line fit to each piece's ends, so it needs no model and behaves the same on any camera.

Pure: rows in, rows out; the same rows give the same result.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

Row = tuple[int, int, float, float, float, float, float]


def _end_fit(frames: np.ndarray, boxes: np.ndarray, at_end: bool, span: int) -> tuple[float, np.ndarray, np.ndarray]:
    """(frame, centre and size there, their change per frame) from a line fitted to the piece's
    first or last ``span`` frames of observations."""
    take = slice(-span, None) if at_end else slice(0, span)
    f, b = frames[take].astype(np.float64), boxes[take]
    values = np.concatenate([b[:, :2] + b[:, 2:] / 2, b[:, 2:]], axis=1)  # centre x, y, w, h
    anchor = f[-1] if at_end else f[0]
    if len(f) < 2:
        return anchor, values[-1 if at_end else 0], np.zeros(4)
    slope, intercept = np.polyfit(f - anchor, values, 1)
    return anchor, intercept, slope


def stitch(rows: list[Row], frame_rate: float, max_gap_seconds: float, max_distance: float = 0.5,
           max_size_change: float = 0.3, fit_seconds: float = 0.5) -> list[Row]:
    """``rows`` with tracklets that continue one another given one identity, the gaps between them
    filled linearly (score -1, as interpolated rows).

    A piece ending at frame a may continue as one starting at b, a < b <= a + gap, when each one's
    line, extended across the gap, lands within ``max_distance`` box heights of the other's end,
    on average over both directions, and their heights differ by at most ``max_size_change`` in
    log terms. Among the pairs that qualify, one global assignment of the least total distance
    (each end continues at most once, each start is continued at most once); chains follow.
    Extrapolation is held to at most ``fit_seconds`` of motion, so a long gap is not bridged on a
    guess of where a person would have walked.
    """
    if not rows or max_gap_seconds <= 0:
        return list(rows)
    table = np.array(rows, dtype=np.float64)
    ids = np.unique(table[:, 1]).astype(int)
    span = max(2, int(round(fit_seconds * frame_rate)))
    gap_limit = max(1, int(round(max_gap_seconds * frame_rate)))
    pieces = []
    for identity in ids:
        own = table[table[:, 1] == identity]
        own = own[np.argsort(own[:, 0])]
        seen = own[own[:, 6] >= 0] if (own[:, 6] >= 0).any() else own  # fit to detections, not filled frames
        pieces.append((identity, _end_fit(seen[:, 0], seen[:, 2:6], False, span),
                       _end_fit(seen[:, 0], seen[:, 2:6], True, span), own))
    n = len(pieces)
    cost = np.full((n, n), np.inf)
    for i, (_, _, (end, end_value, end_slope), _) in enumerate(pieces):
        for j, (_, (start, start_value, start_slope), _, _) in enumerate(pieces):
            gap = start - end
            if i == j or not 0 < gap <= gap_limit:
                continue
            h = 0.5 * (max(end_value[3], 1.0) + max(start_value[3], 1.0))
            if abs(np.log(max(start_value[3], 1.0) / max(end_value[3], 1.0))) > max_size_change:
                continue
            reach = min(gap, span)  # frames of motion extrapolated
            forward = end_value[:2] + end_slope[:2] * reach
            backward = start_value[:2] - start_slope[:2] * reach
            distance = 0.5 * (np.linalg.norm(forward - start_value[:2]) + np.linalg.norm(backward - end_value[:2])) / h
            if distance <= max_distance:
                cost[i, j] = distance
    if not np.isfinite(cost).any():
        return list(rows)
    finite = np.where(np.isfinite(cost), cost, 1e6)
    ends, starts = linear_sum_assignment(finite)
    successor = {int(i): int(j) for i, j in zip(ends, starts, strict=True) if np.isfinite(cost[i, j])}
    has_predecessor = set(successor.values())
    out: list[Row] = []
    for head in range(n):
        if head in has_predecessor:
            continue
        identity = int(pieces[head][0])
        k, previous = head, None
        while k is not None:
            own = pieces[k][3]
            if previous is not None:  # fill the gap from the previous piece's last box to this one's first
                a, b = previous[-1], own[0]
                for f in range(int(a[0]) + 1, int(b[0])):
                    t = (f - a[0]) / (b[0] - a[0])
                    out.append((f, identity, *map(float, (1 - t) * a[2:6] + t * b[2:6]), -1.0))
            out.extend((int(r[0]), identity, *map(float, r[2:7])) for r in own)
            previous, k = own, successor.get(k)
    out.sort(key=lambda r: (r[1], r[0]))
    return out
