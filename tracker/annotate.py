"""Drawing tracks on frames: a stable colour per identity, the id, and a short trail."""

from __future__ import annotations

import colorsys
from collections import deque
from functools import lru_cache

import cv2
import numpy as np


@lru_cache(maxsize=4096)  # asked for every shown track in every frame
def identity_colour(track_id: int) -> tuple[int, int, int]:
    """A bright BGR colour, stable per id, neighbours far apart on the hue circle."""
    hue = (track_id * 0.618033988749895) % 1.0
    r, g, b = colorsys.hsv_to_rgb(hue, 0.85, 1.0)
    return int(b * 255), int(g * 255), int(r * 255)


class Annotator:
    """Boxes, ids and trails on frames. A trail follows the feet (bottom centre of the box),
    smoothed over a few frames: detector boxes jitter by a good part of their height from frame
    to frame, and a raw trail would zigzag with them. ``smoothing`` is the weight of the newest
    point (1 = raw)."""

    def __init__(self, trail_length: int = 30, smoothing: float = 0.35):
        self.trail_length = trail_length
        self.smoothing = smoothing
        self._trails: dict[int, deque] = {}  # id -> (frame, smoothed foot x, y), newest last

    def draw(self, frame: np.ndarray, tracks: list[tuple[int, np.ndarray]], frame_index: int) -> np.ndarray:
        """Draw ``(id, box)`` pairs on a copy of the frame; trails of ids not seen lately fade out."""
        out = frame.copy()
        for track_id, box in tracks:
            x, y, w, h = box
            fx, fy = x + w / 2, y + h
            trail = self._trails.setdefault(track_id, deque(maxlen=self.trail_length))
            if trail:
                _, px, py = trail[-1]
                fx, fy = px + self.smoothing * (fx - px), py + self.smoothing * (fy - py)
            trail.append((frame_index, fx, fy))
        for track_id, trail in list(self._trails.items()):
            if frame_index - trail[-1][0] > self.trail_length:
                del self._trails[track_id]
                continue
            colour = identity_colour(track_id)
            points = np.array([(px, py) for _, px, py in trail]).round().astype(np.int32)
            if len(points) > 1:
                cv2.polylines(out, [points], False, colour, 2, cv2.LINE_AA)
        for track_id, box in tracks:
            x, y, w, h = (int(round(v)) for v in box)
            colour = identity_colour(track_id)
            cv2.rectangle(out, (x, y), (x + w, y + h), colour, 2)
            label = str(track_id)
            (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, 0.6, 2)
            cv2.rectangle(out, (x, y - th - 6), (x + tw + 6, y), colour, -1)
            cv2.putText(out, label, (x + 3, y - 4), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 2, cv2.LINE_AA)
        return out
