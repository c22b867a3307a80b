"""The per-frame work that does not depend on the tracks, done on a thread of its own a frame or
two ahead of the tracker: the detector, and the camera's motion between frames.

Why: on 2 cores the tracker's thread is the run's critical path. A frame's detections (from the
detector, or looked up in a file) and the camera's motion (``camera.py``: measured between the
previous image and this one, with the previous frame's boxes masked out) are known before the
tracker reaches the frame, so they are computed beside it. Frames keep their order and each
frame gets exactly what a serial run computes, so the tracks are byte-identical.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Generator, Iterable, Iterator

import numpy as np

from siamtrack.tracker.io.background import prefetched
from siamtrack.tracker.io.detections import DetectionSource

from .camera import CameraMeter


class FramesAhead:
    """Use ``frames(...)`` as the loop's frames, this as its detection source, and ``camera`` as
    the loop's ``camera_of``. ``meter``: measure the camera (None: no camera motion)."""

    def __init__(self, source: DetectionSource, meter: CameraMeter | None = None, depth: int = 2,
                 on_start: Callable[[], None] | None = None):
        self.source, self.meter, self.depth, self.on_start = source, meter, depth, on_start
        self._ready: dict[int, tuple[tuple[np.ndarray, np.ndarray], np.ndarray | None]] = {}

    @property
    def dropped_outside(self) -> int:
        return self.source.dropped_outside

    def frames(self, frames: Iterable[tuple[int, np.ndarray | None]]) -> Iterator[tuple[int, np.ndarray | None]]:
        def worked() -> Iterator[tuple[int, np.ndarray | None, tuple, np.ndarray | None]]:
            prev_image, prev_boxes = None, np.zeros((0, 4))
            with contextlib.ExitStack() as stack:
                if isinstance(frames, Generator):  # a reader thread behind it stops with this one
                    stack.enter_context(contextlib.closing(frames))
                for index, image in frames:
                    found = self.source.at(index, image)
                    camera = None
                    if self.meter is not None and image is not None:
                        camera = self.meter.measure(prev_image, image, prev_boxes)
                    yield index, image, found, camera
                    prev_image, prev_boxes = image, np.asarray(found[0], np.float64).reshape(-1, 4)

        with contextlib.closing(prefetched(worked(), self.depth, "ahead", self.on_start)) as ahead:
            for index, image, found, camera in ahead:
                self._ready[index] = (found, camera)
                yield index, image

    def at(self, frame: int, image: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        return self._ready[frame][0]

    def camera(self, frame: int) -> np.ndarray | None:
        """The camera's motion into ``frame`` (asked after ``at``); the frame's entry is done with."""
        return self._ready.pop(frame)[1]
