"""OpenCV's HOG people detector: no model file, weaker than SSDLite (BENCHMARKS.md)."""

from __future__ import annotations

import cv2
import numpy as np

from siamtrack.configs import HogSettings, default_config
from siamtrack.siamese_cnn.errors import InputError

from .nms import nms


class HogDetector:
    """OpenCV's HOG + linear SVM people detector (Dalal & Triggs), built into opencv-python 4.x.

    It needs no model file. Frames are resized so that their width is ``work_width`` (people
    smaller than 128 px tall in that frame are missed; upscale small video for better recall).
    The SVM margin is mapped to [0, 1] by a logistic curve (``score_slope``, ``score_centre``);
    the default puts margin 0.5 at 0.5. It is a monotone stand-in, not a fitted calibration:
    benchmarks/detectors.py shows the precision it buys on the dev sequences.
    """

    name = "hog"

    def __init__(self, settings: HogSettings | None = None):
        s = settings or default_config().detector.hog
        if not hasattr(cv2, "HOGDescriptor"):
            raise InputError("the HOG detector needs opencv-python 4.x (OpenCV 5 removed HOGDescriptor)")
        self.hog = cv2.HOGDescriptor()
        self.hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
        self.work_width, self.win_stride, self.scale = s.work_width, s.win_stride, s.scale
        self.nms_iou, self.score_slope, self.score_centre = s.nms_iou, s.score_slope, s.score_centre

    def detect(self, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        factor = self.work_width / frame.shape[1]
        image = cv2.resize(frame, None, fx=factor, fy=factor, interpolation=cv2.INTER_LINEAR) if factor != 1 else frame
        rects, weights = self.hog.detectMultiScale(image, winStride=(self.win_stride, self.win_stride),
                                                   padding=(8, 8), scale=self.scale)
        if len(rects) == 0:
            return np.zeros((0, 4)), np.zeros(0)
        boxes = np.asarray(rects, dtype=np.float64) / factor
        margin = np.asarray(weights, dtype=np.float64).reshape(-1)
        scores = 1.0 / (1.0 + np.exp(-self.score_slope * (margin - self.score_centre)))
        keep = nms(boxes, scores, self.nms_iou, 0.0)
        # HOG windows include a margin around the person: shrink to the body, as annotators draw it.
        boxes = boxes[keep]
        boxes[:, 0] += 0.1 * boxes[:, 2]
        boxes[:, 2] *= 0.8
        boxes[:, 1] += 0.05 * boxes[:, 3]
        boxes[:, 3] *= 0.9
        return boxes, scores[keep]
