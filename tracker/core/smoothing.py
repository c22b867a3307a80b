"""A finished track's boxes smoothed over time: local linear regression with Gaussian weights.

Why: a detector's box jitters by a few pixels from frame to frame around a person who moves
smoothly, and every pixel of jitter costs localisation accuracy (HOTA's DetA) and draws a
shaking box. A track that is finished (or written out) is known on both sides of each frame, so
each box can be re-estimated from its neighbours in time, as offline trackers do (StrongSORT's
GSI). A local *linear* fit, not a plain weighted mean: it follows a walking person to the first
and last frame of the track without pulling the ends inwards, and fills gaps on the line the
person walked.

Pure and deterministic: the same observations give the same boxes.
"""

from __future__ import annotations

import numpy as np


def smooth_boxes(frames: np.ndarray, boxes: np.ndarray, at: np.ndarray, sigma_frames: float) -> np.ndarray:
    """Boxes (x, y, w, h) at the frames ``at``, fitted to the observed ``boxes`` at ``frames``.

    Each output frame gets its own straight-line fit over the observations, weighted by a Gaussian
    of the time between them (``sigma_frames``); observations beyond 3 sigma do not count. Where
    a frame has fewer than two observations in reach to fit a line through, the weighted mean is
    used (and where it has none, the nearest observation).
    """
    frames = np.asarray(frames, np.float64).reshape(-1)
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    at = np.asarray(at, np.float64).reshape(-1)
    if sigma_frames <= 0 or len(frames) < 2:
        nearest = np.abs(at[:, None] - frames[None, :]).argmin(axis=1) if len(frames) else np.zeros(0, int)
        return boxes[nearest] if len(frames) else np.zeros((len(at), 4))
    d = frames[None, :] - at[:, None]  # (out, obs) time from each output frame to each observation
    w = np.exp(-0.5 * (d / sigma_frames) ** 2) * (np.abs(d) <= 3 * sigma_frames)
    s0, s1, s2 = w.sum(1), (w * d).sum(1), (w * d * d).sum(1)
    t0, t1 = w @ boxes, (w * d) @ boxes
    det = s0 * s2 - s1 * s1
    line = det > 1e-9 * np.maximum(s0 * s2, 1e-300)  # two or more observations at different times
    out = np.empty((len(at), 4))
    out[line] = (s2[line, None] * t0[line] - s1[line, None] * t1[line]) / det[line, None]
    mean = ~line & (s0 > 0)
    out[mean] = t0[mean] / s0[mean, None]
    none = s0 <= 0
    if none.any():
        out[none] = boxes[np.abs(d[none]).argmin(axis=1)]
    out[:, 2:] = np.maximum(out[:, 2:], 1.0)
    return out
