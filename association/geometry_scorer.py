"""The geometry-only link scorer: overlap of the motion prediction with each detection.

It is the baseline every learned scorer is measured against, and the fallback when no
appearance model is loaded.
"""

from __future__ import annotations

import numpy as np

from .geometry import iou_matrix
from .types import FrameDetections, TrackBatch


class GeometryScorer:
    """P(link) = IoU(predicted track box, detection box).

    IoU is not a calibrated probability, but it is monotone in the evidence and the solver only
    needs a ranking plus a gate; the gate (``min_probability`` of the solver) then reads as an
    IoU threshold, as in SORT.
    """

    needs_images = False

    def describe(self, frame: np.ndarray | None, prev_frame: np.ndarray | None, dets: FrameDetections) -> None:
        """Nothing to compute: geometry needs no pixels."""

    def update_appearance(self, state: None, dets: FrameDetections, j: int) -> None:
        """No appearance to remember."""
        return None

    def probability(self, tracks: TrackBatch, dets: FrameDetections) -> np.ndarray:
        return iou_matrix(tracks.predicted_boxes, dets.boxes)
