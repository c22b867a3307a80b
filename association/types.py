"""What a link scorer sees of tracks and detections: plain arrays, no tracker objects.

Keeping this boundary as arrays is what lets the geometry scorer, the learned linker and any
future scorer be swapped and tested without a tracker.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class FrameDetections:
    """Detections of one frame. ``appearance`` is whatever the scorer's describer attached."""

    frame: int
    boxes: np.ndarray  # (D, 4) x, y, w, h
    scores: np.ndarray  # (D,) calibrated probabilities
    appearance: object | None = None

    def __len__(self) -> int:
        return len(self.boxes)


@dataclass
class TrackBatch:
    """The live tracks at one frame, as arrays aligned by row."""

    ids: np.ndarray  # (T,) int
    last_boxes: np.ndarray  # (T, 4) box of the last matched detection
    predicted_boxes: np.ndarray  # (T, 4) motion-model prediction for the current frame
    velocities: np.ndarray  # (T, 4) per-frame change of x, y, w, h (smoothed)
    gaps: np.ndarray  # (T,) frames since the last matched detection (1 = seen last frame)
    hits: np.ndarray  # (T,) number of matched detections so far
    last_scores: np.ndarray  # (T,) calibrated score of the last matched detection
    appearance: list = field(default_factory=list)  # per-track appearance state, scorer-defined

    def __len__(self) -> int:
        return len(self.ids)
