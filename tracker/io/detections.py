"""Where a frame's boxes come from: a MOT detection file, or a detector run on the frame.

Both give the tracker the same thing: boxes clipped to the image (boxes wholly outside it
dropped and counted) and scores that are probabilities. A file's raw scores are calibrated once,
when it is read; a detector's already are probabilities.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from siamtrack.association.geometry import clip_boxes
from siamtrack.siamese_cnn.timing import stage

from .mot import BoxTable, read_detections
from .score_calibration import calibrate


class DetectionSource(Protocol):
    dropped_outside: int  # boxes lying wholly outside the frame, so far

    def at(self, frame: int, image: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """(boxes (N, 4) x, y, w, h, scores (N,) in [0, 1]) of one frame."""


@dataclass
class PreparedDetections:
    """A detection file's boxes clipped to the image and with calibrated scores, ready for the tracker."""

    table: BoxTable
    dropped_outside: int

    def at(self, frame: int, image: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        return self.table.at(frame)


def prepare_detections(path: Path, width: int, height: int, score_source: str,
                       calibrations: Mapping[str, tuple[float, float]] | None = None) -> PreparedDetections:
    """``calibrations``: (slope, centre) per score family instead of the shipped ones."""
    table = read_detections(path)
    scores = calibrate(table.scores, score_source, calibrations)
    boxes, keep = (clip_boxes(table.boxes, width, height) if width and height
                   else (table.boxes, np.ones(len(table), bool)))
    prepared = BoxTable(table.frames[keep], table.ids[keep], boxes[keep], scores[keep], table.classes[keep])
    return PreparedDetections(prepared, int((~keep).sum()))


class Detector(Protocol):
    name: str

    def detect(self, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(boxes (N, 4) x, y, w, h in frame pixels, scores (N,) in [0, 1])."""


class LiveDetections:
    """A detector run on every frame, its boxes clipped to the frame."""

    def __init__(self, detector: Detector, width: int, height: int):
        self.detector, self.width, self.height = detector, width, height
        self.dropped_outside = 0

    def at(self, frame: int, image: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        with stage("detect"):
            boxes, scores = self.detector.detect(image)
        boxes, keep = clip_boxes(boxes, self.width, self.height)
        self.dropped_outside += int((~keep).sum())
        return boxes[keep], scores[keep]
