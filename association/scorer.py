"""The contract between the tracker and a link scorer: everything the tracker calls, nothing more.

A scorer is handed to the tracker from outside (as deep_sort's tracker is handed its metric), so
the geometry scorer, the learned linker and any future scorer are interchangeable and testable
alone. The tracker never looks inside one.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from .types import FrameDetections, TrackBatch


class LinkScorer(Protocol):
    """Scores every (live track, detection) pair of a frame."""

    needs_images: bool
    """Whether ``describe`` looks at the pixels (the tracker reads frames only if some scorer does)."""

    def describe(self, frame: np.ndarray | None, prev_frame: np.ndarray | None, dets: FrameDetections) -> None:
        """Attach to ``dets.appearance`` what ``probability`` and ``update_appearance`` will read.

        Called once per frame, before ``probability``, with all of that frame's detections.
        """

    def update_appearance(self, state: object | None, dets: FrameDetections, j: int) -> object | None:
        """A track's new appearance state once detection ``j`` of ``dets`` joins it (``state`` is
        None for a new track). The tracker keeps it and hands it back in ``TrackBatch.appearance``."""

    def probability(self, tracks: TrackBatch, dets: FrameDetections) -> np.ndarray:
        """(T, D) P(track i and detection j are the same target)."""
