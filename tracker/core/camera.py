"""Camera motion between two frames, as one similarity transform (rotation, scale, shift).

Why: on a moving camera (car, hand-held, panning CCTV) every person moves in the image even when
standing still, and a motion model in image coordinates predicts them where they are not. Warping
the tracks' predicted boxes by the camera's own motion before linking is what BoT-SORT's
compensation does; on the moving-camera sequence of the protocol it was worth 6-8 HOTA to it.

The estimate: corners of the background (detection boxes masked out, since people move on their
own) tracked by pyramidal Lucas-Kanade on a small grey copy of the frames, and a RANSAC fit of a
partial affine transform. Deterministic; the identity when too little texture is found.
"""

from __future__ import annotations

import cv2
import numpy as np

IDENTITY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
_WORK_WIDTH = 480
_MIN_POINTS = 12


def _grey(frame: np.ndarray, scale: float) -> np.ndarray:
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
    return cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else grey


def camera_motion(prev_frame: np.ndarray, frame: np.ndarray, people: np.ndarray | None = None) -> np.ndarray:
    """(2, 3) transform taking a point of ``prev_frame`` to where the camera moved it in ``frame``.

    ``people``: (N, 4) x, y, w, h boxes of ``prev_frame`` to leave out of the estimate.
    """
    height, width = prev_frame.shape[:2]
    scale = min(1.0, _WORK_WIDTH / max(width, 1))
    a, b = _grey(prev_frame, scale), _grey(frame, scale)
    mask = np.full(a.shape, 255, np.uint8)
    if people is not None:
        for x, y, w, h in np.asarray(people, float).reshape(-1, 4) * scale:
            mask[max(int(y), 0):max(int(y + h) + 1, 0), max(int(x), 0):max(int(x + w) + 1, 0)] = 0
    corners = cv2.goodFeaturesToTrack(a, maxCorners=300, qualityLevel=0.01, minDistance=8, mask=mask, blockSize=3)
    if corners is None or len(corners) < _MIN_POINTS:
        return IDENTITY.copy()
    moved, status, _ = cv2.calcOpticalFlowPyrLK(a, b, corners, None, winSize=(21, 21), maxLevel=3)
    ok = status.reshape(-1) == 1
    if ok.sum() < _MIN_POINTS:
        return IDENTITY.copy()
    cv2.setRNGSeed(0)  # RANSAC samples with OpenCV's generator: same frames, same transform
    transform, inliers = cv2.estimateAffinePartial2D(corners[ok], moved[ok], method=cv2.RANSAC,
                                                     ransacReprojThreshold=1.0, maxIters=500, confidence=0.99)
    if transform is None or inliers is None or inliers.sum() < _MIN_POINTS:
        return IDENTITY.copy()
    transform = transform.astype(np.float64)
    transform[:, 2] /= scale  # the shift back in full-frame pixels (rotation and scale do not change)
    return transform
