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


_FONT, _FONT_SCALE, _FONT_THICKNESS = cv2.FONT_HERSHEY_SIMPLEX, 0.6, 2


@lru_cache(maxsize=4096)
def id_tag(track_id: int) -> np.ndarray:
    """The id tag drawn above a box: the id in black on the identity's colour, (h, w, 3) uint8.

    Rendered once per id and pasted every frame: anti-aliased text is the dearest part of the
    drawing, and one paste holds the GIL once, where a rectangle and text took three OpenCV calls.
    """
    label = str(track_id)
    (tw, th), _ = cv2.getTextSize(label, _FONT, _FONT_SCALE, _FONT_THICKNESS)
    tag = np.empty((th + 7, tw + 7, 3), np.uint8)
    tag[:] = identity_colour(track_id)
    cv2.putText(tag, label, (3, th + 2), _FONT, _FONT_SCALE, (0, 0, 0), _FONT_THICKNESS, cv2.LINE_AA)
    tag.flags.writeable = False  # shared by every frame that shows this id
    return tag


def paste(frame: np.ndarray, image: np.ndarray, x: int, y: int) -> None:
    """Copy ``image`` onto ``frame`` with its top-left corner at (x, y), cut at the frame's edges."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, frame.shape[1]), min(y + h, frame.shape[0])
    if x0 < x1 and y0 < y1:
        frame[y0:y1, x0:x1] = image[y0 - y:y1 - y, x0 - x:x1 - x]


class Annotator:
    """Boxes, ids and trails on frames. A trail follows the feet (bottom centre of the box),
    smoothed over a few frames: detector boxes jitter by a good part of their height from frame
    to frame, and a raw trail would zigzag with them. ``smoothing`` is the weight of the newest
    point (1 = raw)."""

    def __init__(self, trail_length: int = 30, smoothing: float = 0.35):
        self.trail_length = trail_length
        self.smoothing = smoothing
        self._trails: dict[int, deque] = {}  # id -> (frame, smoothed foot x, y), newest last

    def draw(self, frame: np.ndarray, tracks: list[tuple[int, np.ndarray]], frame_index: int,
             in_place: bool = False) -> np.ndarray:
        """Draw ``(id, box)`` pairs on a copy of the frame (on the frame itself if ``in_place``);
        trails of ids not seen lately fade out."""
        out = frame if in_place else frame.copy()
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
            tag = id_tag(track_id)
            paste(out, tag, x, y + 1 - len(tag))  # its bottom row on the box's top edge
        return out
