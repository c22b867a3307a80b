"""Non-maximum suppression shared by the detectors (OpenCV's)."""

from __future__ import annotations

import cv2
import numpy as np


def nms(boxes: np.ndarray, scores: np.ndarray, iou: float, min_score: float) -> np.ndarray:
    if len(boxes) == 0:
        return np.zeros(0, dtype=int)
    keep = cv2.dnn.NMSBoxes(boxes.tolist(), scores.tolist(), min_score, iou)
    return np.asarray(keep, dtype=int).reshape(-1)
