"""Camera motion between two frames, as one similarity transform (rotation, scale, shift).

Why: on a moving camera (car, hand-held, panning CCTV) every person moves in the image even when
standing still, and a motion model in image coordinates predicts them where they are not. Warping
the tracks' predicted boxes by the camera's own motion before linking is what BoT-SORT's
compensation does; on the moving-camera sequence of the protocol it was worth 6-8 HOTA to it.

The estimate: corners of the background (detection boxes masked out, since people move on their
own) tracked by pyramidal Lucas-Kanade on a 320 px wide grey copy of the frames, and a RANSAC fit
of a partial affine transform. Deterministic; the identity when too little texture is found.

Why these sizes: 80 corners with 11 px windows on 2 pyramid levels follow the first version's
transforms (300 corners, 21 px, 3 levels at 480 px: ~7 ms a frame) to 0.4 px median at 1080p
on the moving-camera sequence, at 1.6-2.1 ms (BENCHMARKS §5). The matcher's own dense flow (DIS at 160 px, free)
was tried first: 1.3 px, and through the protocol it kept only half the gain on that sequence.
"""

from __future__ import annotations

import cv2
import numpy as np

from siamtrack.siamese_cnn.timing import stage

IDENTITY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
_WORK_WIDTH = 320
_CORNERS = 80
_WINDOW = 11
_LEVELS = 2
_MIN_POINTS = 12


def _small_grey(frame: np.ndarray) -> tuple[np.ndarray, float]:
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
    scale = min(1.0, _WORK_WIDTH / max(grey.shape[1], 1))
    return (cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR) if scale < 1 else grey), scale


def _between(a: np.ndarray, b: np.ndarray, scale: float, people: np.ndarray | None) -> np.ndarray:
    """The transform from small grey ``a`` to ``b`` (``scale``: theirs), in full-frame pixels."""
    mask = np.full(a.shape, 255, np.uint8)
    if people is not None:
        for x, y, w, h in np.asarray(people, float).reshape(-1, 4) * scale:
            mask[max(int(y), 0):max(int(y + h) + 1, 0), max(int(x), 0):max(int(x + w) + 1, 0)] = 0
    corners = cv2.goodFeaturesToTrack(a, maxCorners=_CORNERS, qualityLevel=0.01, minDistance=10, mask=mask,
                                      blockSize=3)
    if corners is None or len(corners) < _MIN_POINTS:
        return IDENTITY.copy()
    moved, status, _ = cv2.calcOpticalFlowPyrLK(a, b, corners, None, winSize=(_WINDOW, _WINDOW), maxLevel=_LEVELS)
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


def camera_motion(prev_frame: np.ndarray, frame: np.ndarray, people: np.ndarray | None = None) -> np.ndarray:
    """(2, 3) transform taking a point of ``prev_frame`` to where the camera moved it in ``frame``.

    ``people``: (N, 4) x, y, w, h boxes of ``prev_frame`` to leave out of the estimate.
    """
    a, scale = _small_grey(prev_frame)
    return _between(a, _small_grey(frame)[0], scale, people)


class CameraMeter:
    """``camera_motion`` frame after frame, converting each frame once (a video's previous frame
    was this call's ``image`` the call before)."""

    def __init__(self) -> None:
        self._last: tuple[np.ndarray, np.ndarray, float] | None = None  # (frame, its small grey, scale)

    def measure(self, prev_image: np.ndarray | None, image: np.ndarray, people: np.ndarray | None) -> np.ndarray | None:
        """The motion since ``prev_image`` (None when there is none or its size differs)."""
        with stage("camera"):
            small, scale = _small_grey(image)
            last, self._last = self._last, (image, small, scale)
            if prev_image is None or prev_image.shape != image.shape:
                return None
            prev = last[1] if last is not None and last[0] is prev_image else _small_grey(prev_image)[0]
            return _between(prev, small, scale, people)
