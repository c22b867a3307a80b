"""How much of each box is hidden behind another box of the same frame.

A patch whose person stands behind someone else shows mostly the person in front, so its
colours and CNN features describe the wrong person. Knowing that, the pair head can trust such
a patch less. Depth order comes from the ground plane: of two overlapping people, the one whose
feet (bottom edge) are lower in the image is nearer the camera. On the validation pairs this
cue moves the matcher more than any change of the CNN did (BENCHMARKS.md, section 3).
"""

from __future__ import annotations

import numpy as np

from .histogram import STRIPES

# Sample points per box: enough to resolve a quarter of a stripe, cheap for ~100 boxes.
_ROWS_PER_STRIPE, _COLS = 3, 6
_BLOCK = 64


def occlusion_cues(boxes: np.ndarray, stripes: int = STRIPES) -> np.ndarray:
    """(N, 1 + stripes) float32: fraction of each box, then of each horizontal stripe (head to
    feet), covered by the other boxes whose bottom edge is lower (nearer the camera)."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    n = len(boxes)
    if n < 2:
        return np.zeros((n, 1 + stripes), dtype=np.float32)
    rows = stripes * _ROWS_PER_STRIPE
    fy = (np.arange(rows) + 0.5) / rows
    fx = (np.arange(_COLS) + 0.5) / _COLS
    px = boxes[:, None, None, 0] + fx[None, None, :] * boxes[:, None, None, 2]  # (N, 1, C)
    py = boxes[:, None, None, 1] + fy[None, :, None] * boxes[:, None, None, 3]  # (N, R, 1)
    x0, y0 = boxes[:, 0], boxes[:, 1]
    x1, y1 = x0 + boxes[:, 2], y0 + boxes[:, 3]
    in_front = (y1[None, :] > y1[:, None]) & ~np.eye(n, dtype=bool)  # [i, j]: j is nearer than i
    covered = np.empty((n, rows, _COLS), dtype=bool)
    for s in range(0, n, _BLOCK):  # blocks of boxes keep the (block, N, R, C) test small in crowds
        b = slice(s, s + _BLOCK)
        inside_x = (px[b, None] >= x0[None, :, None, None]) & (px[b, None] <= x1[None, :, None, None])
        inside_y = (py[b, None] >= y0[None, :, None, None]) & (py[b, None] <= y1[None, :, None, None])
        covered[b] = (inside_x & inside_y & in_front[b, :, None, None]).any(axis=1)
    per_stripe = covered.reshape(n, stripes, _ROWS_PER_STRIPE * _COLS).mean(axis=2)
    return np.concatenate([per_stripe.mean(axis=1, keepdims=True), per_stripe], axis=1).astype(np.float32)

