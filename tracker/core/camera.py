"""Camera motion between two frames, as one similarity transform (rotation, scale, shift).

Why: on a moving camera (car, hand-held, panning CCTV) every person moves in the image even when
standing still, and a motion model in image coordinates predicts them where they are not. Warping
the tracks' predicted boxes by the camera's own motion before linking is what BoT-SORT's
compensation does; on the moving-camera sequence of the protocol it was worth 6-8 HOTA to it.

The estimate reuses the dense optical flow the patch matcher needs anyway (DIS at the matcher's
working width): the flow at a grid of background points (detection boxes masked out, since people
move on their own) and a RANSAC fit of a partial affine transform to it. That costs ~0.1 ms a
frame beyond the flow, against ~7 ms for corners tracked by Lucas-Kanade at 480 px (the first
version), whose transforms it follows to ~1.4 px at 1080p on the moving-camera sequence.
Deterministic; the identity when too little of the frame is background.
"""

from __future__ import annotations

import cv2
import numpy as np

from siamtrack.siamese_cnn import FlowField
from siamtrack.siamese_cnn.timing import stage

IDENTITY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
FLOW_WIDTH = 160  # the tracking matcher's flow width: what a scorer without flow gets measured at
_GRID = 40  # grid points across the frame's width
_MIN_POINTS = 12
_RANSAC_PIXELS = 0.25  # inlier distance in flow pixels (at 160 px wide, ~3 px of a 1080p frame)


def camera_from_flow(flow: np.ndarray | None, scale: float, people: np.ndarray | None = None) -> np.ndarray:
    """(2, 3) transform taking a full-frame point of the previous frame to where the camera moved it.

    ``flow``/``scale``: a ``FlowField.compute`` result (None: no previous frame, the identity);
    ``people``: (N, 4) x, y, w, h full-frame boxes of the previous frame, left out of the fit.
    """
    if flow is None:
        return IDENTITY.copy()
    height, width = flow.shape[:2]
    step = max(2, width // _GRID)
    ys, xs = np.mgrid[step // 2:height:step, step // 2:width:step]
    background = np.ones(xs.shape, bool)
    if people is not None:
        for x, y, w, h in np.asarray(people, float).reshape(-1, 4) * scale:
            background &= ~((xs >= x) & (xs <= x + w) & (ys >= y) & (ys <= y + h))
    if background.sum() < _MIN_POINTS:
        return IDENTITY.copy()
    xs, ys = xs[background], ys[background]
    start = np.stack([xs, ys], axis=1).astype(np.float32)
    end = start + flow[ys, xs]
    cv2.setRNGSeed(0)  # RANSAC samples with OpenCV's generator: same frames, same transform
    transform, inliers = cv2.estimateAffinePartial2D(start, end, method=cv2.RANSAC,
                                                     ransacReprojThreshold=_RANSAC_PIXELS, maxIters=500,
                                                     confidence=0.99)
    if transform is None or inliers is None or inliers.sum() < _MIN_POINTS:
        return IDENTITY.copy()
    transform = transform.astype(np.float64)
    transform[:, 2] /= scale  # the shift in full-frame pixels (rotation and scale do not change)
    return transform


class CameraMeter:
    """Measures each frame's camera motion, computing the frame's flow once for whoever needs it.

    ``flow_width``: the scorer's (``LinkScorer.flow_width``), so that the field handed on in
    ``dets.flow`` is the very one the matcher would have computed; ``FLOW_WIDTH`` for a scorer
    that needs no flow.
    """

    def __init__(self, flow_width: int | None = None):
        self._flow = FlowField(flow_width or FLOW_WIDTH)

    def measure(self, prev_image: np.ndarray | None, image: np.ndarray,
                people: np.ndarray | None) -> tuple[np.ndarray | None, tuple[np.ndarray | None, float]]:
        """(camera transform or None without a previous frame, the flow as ``FlowField.compute``)."""
        with stage("flow"):
            flow = self._flow.compute(prev_image, image)
        if flow[0] is None:
            return None, flow
        with stage("camera"):
            return camera_from_flow(*flow, people), flow


def camera_motion(prev_frame: np.ndarray, frame: np.ndarray, people: np.ndarray | None = None,
                  flow_width: int = FLOW_WIDTH) -> np.ndarray:
    """The camera's motion from ``prev_frame`` to ``frame`` on its own (a Python user's call)."""
    return camera_from_flow(*FlowField(flow_width).compute(prev_frame, frame), people)
