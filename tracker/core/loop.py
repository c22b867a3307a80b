"""The one frame loop: frames and their detections in, a tracker in the middle, sinks out.

``siamtrack eval``, ``track`` and ``demo``, online and global mode all run through
:func:`run_frames`; what differs between them is only which frame source, detection source and
sinks (result rows, the annotated video, a progress bar) are plugged in.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Generator, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from siamtrack.tracker.io.detections import DetectionSource

from .online import Rows, Track

# Where the app wants the threads of a run: given whether the tracker's thread works on pixels, a
# context that places the calling thread for the run and gives the hook a reader thread calls
# when it starts (None: nowhere in particular). Library code never places threads itself.
Placement = Callable[[bool], AbstractContextManager[Callable[[], None] | None]]


def no_placement(pixel_work: bool) -> AbstractContextManager[None]:
    return contextlib.nullcontext(None)


class FrameTracker(Protocol):
    """What the loop asks of a tracker (the online one and the global mode's)."""

    confirmed_tracks: int

    def step(self, frame_index: int, boxes: np.ndarray, scores: np.ndarray, image: np.ndarray | None = None,
             prev_image: np.ndarray | None = None) -> list[Track]: ...

    def pop_finished_rows(self) -> Rows: ...

    def finish(self) -> Rows: ...


class Sink(Protocol):
    def frame(self, index: int, image: np.ndarray | None, shown: list[Track], rows: Rows) -> None:
        """One frame done: its image, the confirmed tracks seen in it, and rows that are final now."""

    def finish(self, rows: Rows) -> None:
        """The stream ended (or was interrupted): the last rows."""


@dataclass
class LoopResult:
    frames: int  # the index of the last frame tracked
    seconds: float
    interrupted: bool

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0


def run_frames(frames: Iterable[tuple[int, np.ndarray | None]], detections: DetectionSource, tracker: FrameTracker,
               sinks: list[Sink], needs_images: bool, max_frames: int | None = None,
               stop_on_interrupt: bool = False,
               camera_of: Callable[[int], np.ndarray | None] | None = None) -> LoopResult:
    """Track ``frames`` (index, image or None) in order.

    ``needs_images``: hand the images to the tracker (its scorer looks at pixels); the detection
    source gets them anyway. ``stop_on_interrupt``: Ctrl-C ends the stream at the frame in hand,
    and the sinks still get the final rows (complete outputs up to there); otherwise it propagates.
    ``camera_of``: each frame's camera motion, measured elsewhere (``ahead.py``), for the tracker.
    """
    start = time.perf_counter()
    interrupted, count, prev = False, 0, None
    with contextlib.ExitStack() as stack:
        if isinstance(frames, Generator):  # a reader thread behind it stops when the loop does
            stack.enter_context(contextlib.closing(frames))
        try:
            for index, image in frames:
                if max_frames is not None and index > max_frames:
                    break
                boxes, scores = detections.at(index, image)
                extra = {} if camera_of is None else {"camera": camera_of(index)}
                shown = tracker.step(index, boxes, scores, image if needs_images else None,
                                     prev if needs_images else None, **extra)
                rows = tracker.pop_finished_rows()
                for sink in sinks:
                    sink.frame(index, image, shown, rows)
                prev = image
                count = index
        except KeyboardInterrupt:
            if not stop_on_interrupt:
                raise
            interrupted = True
    rows = tracker.finish()
    for sink in sinks:
        sink.finish(rows)
    return LoopResult(count, time.perf_counter() - start, interrupted)


class RowCollector:
    """Keeps every result row in memory (a sequence's tracks, for scoring)."""

    def __init__(self) -> None:
        self.rows: Rows = []

    def frame(self, index: int, image: np.ndarray | None, shown: list[Track], rows: Rows) -> None:
        self.rows.extend(rows)

    def finish(self, rows: Rows) -> None:
        self.rows.extend(rows)
