"""Box geometry, vectorised. Boxes are (N, 4) float arrays of x, y, w, h (MOT convention).

Here, in the lowest layer that needs it (contextual features and the geometry scorer); the tracker
uses it too.
"""

from __future__ import annotations

import numpy as np


def xywh_to_xyxy(boxes: np.ndarray) -> np.ndarray:
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    return np.concatenate([boxes[:, :2], boxes[:, :2] + boxes[:, 2:]], axis=1)


def iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every box in ``a`` with every box in ``b``: shape (len(a), len(b))."""
    a = xywh_to_xyxy(a)
    b = xywh_to_xyxy(b)
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    # products of the two sides written out: np.prod and np.clip cost more than the maths at these
    # sizes, and a * b is exactly what np.prod computes for two factors
    iw = np.maximum(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0.0)
    ih = np.maximum(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0.0)
    inter = iw * ih
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def clip_boxes(boxes: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Clip boxes to the image; return the clipped boxes and a mask of those with area left.

    Detectors do report boxes partly outside the frame; that is real output, not an error.
    """
    xyxy = xywh_to_xyxy(boxes)
    xyxy[:, [0, 2]] = np.clip(xyxy[:, [0, 2]], 0, width)
    xyxy[:, [1, 3]] = np.clip(xyxy[:, [1, 3]], 0, height)
    wh = xyxy[:, 2:] - xyxy[:, :2]
    keep = (wh[:, 0] >= 1.0) & (wh[:, 1] >= 1.0)
    return np.concatenate([xyxy[:, :2], wh], axis=1), keep
