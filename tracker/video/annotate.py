"""Drawing tracks on frames: a stable colour per identity, the id, and a short trail.

What is drawn is exactly what is given: a box per row of the tracks file for that frame (rows
filled in across a gap dashed), and trails only for the tracks drawn in the frame.
"""

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


def _palette() -> tuple[list[tuple[int, int, int]], np.ndarray]:
    """Bright and deep colours around the hue circle (BGR), and their CIELAB coordinates."""
    colours = []
    for k in range(12):
        for value in (1.0, 0.62):
            r, g, b = colorsys.hsv_to_rgb(k / 12 + (0.04 if value < 1 else 0.0), 0.9, value)
            colours.append((int(b * 255), int(g * 255), int(r * 255)))
    lab = cv2.cvtColor(np.array([colours], np.uint8), cv2.COLOR_BGR2LAB)[0].astype(np.float64)
    return colours, lab


PALETTE, _PALETTE_LAB = _palette()


@lru_cache(maxsize=4096)
def id_tag(track_id: int, colour: tuple[int, int, int] | None = None) -> np.ndarray:
    """The id tag drawn above a box: the id in black on the identity's colour, (h, w, 3) uint8.

    Rendered once per id and pasted every frame: anti-aliased text is the dearest part of the
    drawing, and one paste holds the GIL once, where a rectangle and text took three OpenCV calls.
    """
    label = str(track_id)
    (tw, th), _ = cv2.getTextSize(label, _FONT, _FONT_SCALE, _FONT_THICKNESS)
    tag = np.empty((th + 7, tw + 7, 3), np.uint8)
    tag[:] = colour if colour is not None else identity_colour(track_id)
    cv2.putText(tag, label, (3, th + 2), _FONT, _FONT_SCALE, (0, 0, 0), _FONT_THICKNESS, cv2.LINE_AA)
    tag.flags.writeable = False  # shared by every frame that shows this id
    return tag


def paste(frame: np.ndarray, image: np.ndarray, x: int, y: int) -> None:
    """Copy ``image`` onto ``frame`` with its top-left corner at (x, y), cut at the frame's edges."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, frame.shape[1]), min(y + h, frame.shape[0])
    if x0 < x1 and y0 < y1:
        frame[y0:y1, x0:x1] = image[y0 - y:y1 - y, x0 - x:x1 - x]


def dashed_rectangle(frame: np.ndarray, top_left: tuple[int, int], bottom_right: tuple[int, int],
                     colour: tuple[int, int, int], thickness: int = 2, dash: int = 8) -> None:
    """A rectangle of ``dash``-pixel strokes with gaps as long: the box of a frame filled in."""
    (x0, y0), (x1, y1) = top_left, bottom_right
    for a, b, fixed, horizontal in ((x0, x1, y0, True), (x0, x1, y1, True), (y0, y1, x0, False), (y0, y1, x1, False)):
        for start in range(a, b, 2 * dash):
            end = min(start + dash, b)
            p, q = ((start, fixed), (end, fixed)) if horizontal else ((fixed, start), (fixed, end))
            cv2.line(frame, p, q, colour, thickness)


class Annotator:
    """Boxes, ids and trails on frames. A trail follows the feet (bottom centre of the box),
    smoothed over a few frames: detector boxes jitter by a good part of their height from frame
    to frame, and a raw trail would zigzag with them. ``smoothing`` is the weight of the newest
    point (1 = raw).

    Colours: an identity gets its colour when it first appears, the one of ``PALETTE`` farthest
    (in CIELAB) from the colours of the people drawn near it then, and keeps it. Ids born together
    tend to walk together, and a fixed colour per id number gives some of them near-identical
    colours; chosen against the neighbours, the people beside each other look apart.
    """

    def __init__(self, trail_length: int = 30, smoothing: float = 0.35):
        self.trail_length = trail_length
        self.smoothing = smoothing
        self._trails: dict[int, deque] = {}  # id -> (frame, smoothed foot x, y), newest last
        self._colours: dict[int, int] = {}  # id -> index into PALETTE

    def colour(self, track_id: int) -> tuple[int, int, int]:
        """The identity's colour (given when it was first drawn; by its number before that)."""
        k = self._colours.get(track_id)
        return PALETTE[k] if k is not None else identity_colour(track_id)

    def _assign_colours(self, tracks: list[tuple]) -> None:
        new = [(t[0], t[1]) for t in tracks if t[0] not in self._colours]
        if not new:
            return
        placed = [(t[0], np.asarray(t[1], np.float64)) for t in tracks if t[0] in self._colours]
        for track_id, box in sorted(new, key=lambda t: t[0]):
            box = np.asarray(box, np.float64)
            centre, reach = box[:2] + box[2:] / 2, 4.0 * max(box[3], 1.0)
            near = [self._colours[i] for i, b in placed if np.hypot(*(b[:2] + b[2:] / 2 - centre)) < reach + 4 * b[3]]
            order = [(track_id * 7 + k) % len(PALETTE) for k in range(len(PALETTE))]  # a fixed start per id
            if near:
                gaps = np.linalg.norm(_PALETTE_LAB[order][:, None] - _PALETTE_LAB[near][None], axis=2).min(axis=1)
                choice = order[int(np.argmax(gaps))]  # the first of the farthest: deterministic
            else:
                choice = order[0]
            self._colours[track_id] = choice
            placed.append((track_id, box))

    def draw(self, frame: np.ndarray, tracks: list[tuple], frame_index: int, in_place: bool = False) -> np.ndarray:
        """Draw ``(id, box)`` or ``(id, box, filled_in)`` tracks on a copy of the frame (on the frame
        itself if ``in_place``): a box each (dashed when filled in across a gap), the id, and the
        trail of each of these tracks; nothing of a track not given."""
        out = frame if in_place else frame.copy()
        self._assign_colours(tracks)
        for track in tracks:
            track_id, box = track[0], track[1]
            x, y, w, h = box
            fx, fy = x + w / 2, y + h
            trail = self._trails.setdefault(track_id, deque(maxlen=self.trail_length))
            if trail:
                _, px, py = trail[-1]
                fx, fy = px + self.smoothing * (fx - px), py + self.smoothing * (fy - py)
            trail.append((frame_index, fx, fy))
        shown = {t[0] for t in tracks}
        for track_id, trail in list(self._trails.items()):
            if frame_index - trail[-1][0] > self.trail_length:
                del self._trails[track_id]  # (its colour stays: an id keeps its colour for good)
                continue
            if track_id not in shown:  # a lost track's trail waits, unseen, for it to come back
                continue
            points = np.array([(px, py) for f, px, py in trail if frame_index - f < self.trail_length])
            if len(points) > 1:
                cv2.polylines(out, [points.round().astype(np.int32)], False, self.colour(track_id), 2, cv2.LINE_AA)
        for track in tracks:
            track_id, box = track[0], track[1]
            x, y, w, h = (int(round(v)) for v in box)
            colour = self.colour(track_id)
            if len(track) > 2 and track[2]:
                dashed_rectangle(out, (x, y), (x + w, y + h), colour)
            else:
                cv2.rectangle(out, (x, y), (x + w, y + h), colour, 2)
            tag = id_tag(track_id, colour)
            paste(out, tag, x, y + 1 - len(tag))  # its bottom row on the box's top edge
        return out
