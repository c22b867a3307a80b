"""The colour-histogram cue: 16x8 hue-saturation histograms compared by Bhattacharyya coefficient.

A strong, cheap baseline for "same person?" (pair ROC AUC about 0.89-0.94 on MOT pairs); the
learned matcher fuses it rather than discard it.
"""

from __future__ import annotations

import cv2
import numpy as np

HUE_BINS, SAT_BINS = 16, 8


def hs_histograms(patches_bgr: np.ndarray, margin: float = 0.1) -> np.ndarray:
    """(N, 128) float32 normalised H-S histograms of the box interiors (context margin cut off)."""
    return part_histograms(patches_bgr, margin, stripes=1)[:, 0]


def bhattacharyya(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, M) Bhattacharyya coefficients in [0, 1] (1 = identical histograms)."""
    return np.clip(np.sqrt(a) @ np.sqrt(b).T, 0.0, 1.0)


STRIPES = 4
# colour bin of every 8-bit hue (OpenCV: 0-179) and saturation, looked up rather than computed per pixel
_HUE_BIN = (np.arange(256, dtype=np.int32) * HUE_BINS) // 180 * SAT_BINS
_SAT_BIN = (np.arange(256, dtype=np.int32) * SAT_BINS) // 256


def part_histograms(patches_bgr: np.ndarray, margin: float = 0.1, stripes: int = STRIPES) -> np.ndarray:
    """(N, 1 + stripes, 128): the whole box, then horizontal stripes from head to feet.

    Stripes keep "red shirt, blue trousers" apart from "blue shirt, red trousers", which one
    whole-box histogram cannot; on the validation pairs they add about +0.015 ROC AUC.
    One colour conversion and one bincount serve all parts: the stripes partition the box, so
    the whole-box counts are their sum.
    """
    n, h, w, _ = patches_bgr.shape
    bins = HUE_BINS * SAT_BINS
    if n == 0:
        return np.zeros((0, 1 + stripes, bins), dtype=np.float32)
    dy, dx = int(round(h * margin / (1 + 2 * margin))), int(round(w * margin / (1 + 2 * margin)))
    inner = np.ascontiguousarray(patches_bgr[:, dy:h - dy, dx:w - dx])
    ih, iw = inner.shape[1:3]
    hsv = cv2.cvtColor(inner.reshape(n * ih, iw, 3), cv2.COLOR_BGR2HSV).reshape(n, ih, iw, 3)
    rows = np.diff([ih * s // stripes for s in range(stripes + 1)])
    stripe_of_row = np.repeat(np.arange(stripes, dtype=np.int32), rows)
    index = _HUE_BIN[hsv[..., 0]]  # int32, not int64: half the memory traffic
    index += _SAT_BIN[hsv[..., 1]]
    index += (np.arange(n, dtype=np.int32)[:, None, None] * stripes + stripe_of_row[None, :, None]) * bins
    counts = np.bincount(index.ravel(), minlength=n * stripes * bins).reshape(n, stripes, bins).astype(np.float32)
    counts = np.concatenate([counts.sum(axis=1, keepdims=True), counts], axis=1)
    return counts / np.maximum(counts.sum(axis=2, keepdims=True), 1.0)


def part_similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(N, M, parts) Bhattacharyya coefficient of every part histogram of every pair."""
    return np.clip(np.einsum("npk,mpk->nmp", np.sqrt(a), np.sqrt(b)), 0.0, 1.0)


def part_similarity_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(P, parts) the same for aligned rows a[k] vs b[k]."""
    return np.clip((np.sqrt(a) * np.sqrt(b)).sum(-1), 0.0, 1.0)
