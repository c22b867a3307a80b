"""Where a frame's boxes come from: a MOT detection file, or a detector run on the frame.

Both give the tracker the same thing: boxes clipped to the image (boxes wholly outside it
dropped and counted) and scores that are probabilities. A file's raw scores are calibrated once,
when it is read; a detector's already are probabilities.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from siamtrack.association.geometry import clip_boxes
from siamtrack.siamese_cnn.timing import stage

from .background import prefetched
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


class DetectedAhead:
    """A detector run on a thread of its own, a few frames ahead of the tracker.

    The detector is the slowest stage of a live run; beside the tracker it overlaps the tracking
    of the frame before, so the run goes about as fast as the detector alone. Frames keep their
    order and each frame's boxes are exactly those ``live`` gives it, so the tracks are
    byte-identical to a serial run. Use ``frames(...)`` as the loop's frames and this as its source.
    """

    def __init__(self, live: LiveDetections, depth: int = 2, on_start: Callable[[], None] | None = None):
        self.live, self.depth, self.on_start = live, depth, on_start
        self._ready: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    @property
    def dropped_outside(self) -> int:
        return self.live.dropped_outside

    def frames(self, frames: Iterable[tuple[int, np.ndarray | None]]) -> Iterator[tuple[int, np.ndarray | None]]:
        def detected() -> Iterator[tuple[int, np.ndarray | None, tuple[np.ndarray, np.ndarray]]]:
            with contextlib.ExitStack() as stack:
                if isinstance(frames, Generator):  # a reader thread behind it stops with this one
                    stack.enter_context(contextlib.closing(frames))
                for index, image in frames:
                    yield index, image, self.live.at(index, image)

        with contextlib.closing(prefetched(detected(), self.depth, "detect-ahead", self.on_start)) as ahead:
            for index, image, found in ahead:
                self._ready[index] = found
                yield index, image

    def at(self, frame: int, image: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        return self._ready.pop(frame)
