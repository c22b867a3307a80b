"""Which parts of a frame a fixed-input detector sees, and how their boxes become one set.

SSDLite looks at 300x300 pixels: a 768x576 street frame squeezed into it leaves a person 60 px
tall ~31 network pixels high and ~9 wide, and what it misses most are such thin people.
Overlapping tiles enlarge them; an optional pass over the whole frame keeps people taller than a
tile. Tiles overlap by the height of the smallest person the whole frame shows (~40 network
pixels); pieces of a person cut by a tile's inner edge are merged into one box. Pure geometry:
no network here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

NET_MIN_HEIGHT = 40  # network pixels: the person height SSDLite finds reliably
_CUT_PX = 2.0        # a box within this of a tile's inner edge was cut by it


@dataclass(frozen=True)
class Grid:
    """rows x cols overlapping tiles, plus one pass over the whole frame when ``whole``."""

    rows: int = 1
    cols: int = 1
    whole: bool = True

    @property
    def passes(self) -> int:
        tiles = self.rows * self.cols
        return tiles + (1 if self.whole and tiles > 1 else 0)


def parse_grid(text: str) -> Grid | None:
    """``auto`` -> None (chosen per frame size); ``whole`` -> the whole frame only; ``RxC`` -> that
    grid plus the whole frame; ``RxC-tiles`` -> that grid alone."""
    text = str(text).strip().lower()
    if text == "auto":
        return None
    if text in ("whole", "1", "1x1"):
        return Grid(1, 1, True)
    match = re.fullmatch(r"(\d+)x(\d+)(-tiles)?", text)
    if not match or int(match.group(1)) < 1 or int(match.group(2)) < 1:
        raise ValueError(f"tiles {text!r}: use auto, whole, RxC (a grid plus the whole frame) or RxC-tiles")
    return Grid(int(match.group(1)), int(match.group(2)), match.group(3) is None)


def auto_grid(width: int, height: int, tile_aspect: float = 0.55, max_passes: int = 3) -> Grid:
    """Columns of full-height tiles about ``tile_aspect`` as wide as tall (at most ``max_passes``);
    a portrait frame is cut into rows too. Full height, because people are tall: a row border cuts
    most of them (2x2 found fewer than 1x2 on every sequence, BENCHMARKS §4); columns, because a
    thin person squeezed from a wide frame into 300 pixels is what SSDLite misses."""
    rows = max(1, min(max_passes, math.ceil(height / width - 0.5)))  # up to 1.5 times as tall as wide: one row
    tile_h = height / rows
    cols = max(1, min(max_passes // rows, math.ceil(width / (tile_h * tile_aspect) - 0.25)))
    return Grid(rows, cols, whole=False)


def _overlap(height: int, net_size: int) -> int:
    return math.ceil(NET_MIN_HEIGHT * height / net_size)


def tile_rects(width: int, height: int, grid: Grid, net_size: int = 300) -> list[tuple[int, int, int, int]]:
    """(x0, y0, x1, y1) of every pass, the whole frame last when it is one."""
    overlap = _overlap(height, net_size)
    xs, ys = _spans(width, grid.cols, overlap), _spans(height, grid.rows, overlap)
    rects = [(x0, y0, x1, y1) for y0, y1 in ys for x0, x1 in xs]
    if grid.whole and len(rects) > 1:
        rects.append((0, 0, width, height))
    return rects


def _spans(length: int, parts: int, overlap: int) -> list[tuple[int, int]]:
    if parts == 1:
        return [(0, length)]
    size = min(length, math.ceil((length + (parts - 1) * overlap) / parts))
    starts = np.linspace(0, length - size, parts).round().astype(int)
    return [(int(s), int(s) + size) for s in starts]


def cut_edges(boxes: np.ndarray, rect: tuple[int, int, int, int], width: int, height: int) -> np.ndarray:
    """Which boxes (x, y, w, h in frame pixels) touch an edge of ``rect`` inside the frame."""
    x0, y0, x1, y1 = rect
    left, top = boxes[:, 0], boxes[:, 1]
    right, bottom = left + boxes[:, 2], top + boxes[:, 3]
    return (((left <= x0 + _CUT_PX) & (x0 > 0)) | ((top <= y0 + _CUT_PX) & (y0 > 0))
            | ((right >= x1 - _CUT_PX) & (x1 < width)) | ((bottom >= y1 - _CUT_PX) & (y1 < height)))


def merge_cut(boxes: np.ndarray, scores: np.ndarray, cut: np.ndarray, tile: np.ndarray, min_share: float = 0.5
              ) -> tuple[np.ndarray, np.ndarray]:
    """Fold each cut piece into the box it is part of: a piece lying mostly (``min_share`` of its area)
    inside a whole box of another pass is dropped; two cut pieces of different passes overlapping that
    much become their union, scored as the better. Boxes go by score, so tile order does not matter."""
    order = np.argsort(-scores, kind="stable")
    boxes, scores = boxes[order].astype(np.float64), scores[order].astype(np.float64)
    cut, tile = cut[order], tile[order]
    alive = np.ones(len(boxes), bool)
    share = _shares(boxes)
    for i in range(len(boxes)):
        if not alive[i]:
            continue
        partners = np.flatnonzero(alive & (tile != tile[i]) & (cut | cut[i]) & (share[i] >= min_share))
        for j in partners:
            if cut[i] and cut[j]:
                boxes[i] = _union(boxes[i], boxes[j])
                scores[i] = max(scores[i], scores[j])
                alive[j] = False
            elif cut[j]:
                alive[j] = False
            else:  # i is a cut piece of the whole box j
                alive[i] = False
                break
    return boxes[alive], scores[alive]


def _shares(boxes: np.ndarray) -> np.ndarray:
    """Intersection over the smaller area, every pair."""
    x0, y0 = boxes[:, 0], boxes[:, 1]
    x1, y1 = x0 + boxes[:, 2], y0 + boxes[:, 3]
    w = np.clip(np.minimum(x1[:, None], x1[None]) - np.maximum(x0[:, None], x0[None]), 0, None)
    h = np.clip(np.minimum(y1[:, None], y1[None]) - np.maximum(y0[:, None], y0[None]), 0, None)
    area = boxes[:, 2] * boxes[:, 3]
    return w * h / np.maximum(np.minimum(area[:, None], area[None]), 1e-9)


def _union(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return np.array([x0, y0, x1 - x0, y1 - y0])
