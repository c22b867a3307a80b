"""Where boxes come from: a MOT detection file, the built-in HOG people detector, or a user's ONNX
model. Every detector returns boxes (N, 4) x, y, w, h in frame pixels and scores in [0, 1].
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from .errors import InputError


class Detector(Protocol):
    name: str

    def detect(self, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ...


def _nms(boxes: np.ndarray, scores: np.ndarray, iou: float, min_score: float) -> np.ndarray:
    if len(boxes) == 0:
        return np.zeros(0, dtype=int)
    keep = cv2.dnn.NMSBoxes(boxes.tolist(), scores.tolist(), min_score, iou)
    return np.asarray(keep, dtype=int).reshape(-1)


class HogDetector:
    """OpenCV's HOG + linear SVM people detector (Dalal & Triggs), built into opencv-python 4.x.

    It needs no model file. Frames are resized so that their width is ``work_width`` (people
    smaller than 128 px tall in that frame are missed; upscale small video for better recall).
    The SVM margin is mapped to [0, 1] by a logistic curve (``score_slope``, ``score_centre``)
    fitted against gt on the training sequences.
    """

    name = "hog"

    def __init__(self, work_width: int = 960, win_stride: int = 8, scale: float = 1.05, nms_iou: float = 0.45,
                 score_slope: float = 2.0, score_centre: float = 0.5):
        if not hasattr(cv2, "HOGDescriptor"):
            raise InputError("the HOG detector needs opencv-python 4.x (OpenCV 5 removed HOGDescriptor)")
        self.hog = cv2.HOGDescriptor()
        self.hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
        self.work_width, self.win_stride, self.scale = work_width, win_stride, scale
        self.nms_iou, self.score_slope, self.score_centre = nms_iou, score_slope, score_centre

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
        keep = _nms(boxes, scores, self.nms_iou, 0.0)
        # HOG windows include a margin around the person: shrink to the body, as annotators draw it.
        boxes = boxes[keep]
        boxes[:, 0] += 0.1 * boxes[:, 2]
        boxes[:, 2] *= 0.8
        boxes[:, 1] += 0.05 * boxes[:, 3]
        boxes[:, 3] *= 0.9
        return boxes, scores[keep]


class OnnxDetector:
    """A user's YOLO-style ONNX detector run with OpenCV's dnn module.

    Accepted outputs: (1, 84, N) or (1, N, 84) (YOLOv8 style: cx, cy, w, h, 80 class scores) or
    (1, N, 85) (YOLOv5 style: cx, cy, w, h, objectness, 80 class scores), in input-image pixels. Only
    ``person_class`` is kept. Letterboxing keeps the aspect ratio.
    """

    name = "onnx"

    def __init__(self, model: str | Path, input_size: int = 640, person_class: int = 0, min_score: float = 0.1,
                 nms_iou: float = 0.5):
        model = Path(model)
        if not model.is_file():
            raise InputError(f"{model}: ONNX model not found")
        try:
            self.net = cv2.dnn.readNetFromONNX(str(model))
        except cv2.error as exc:
            lines = [ln.strip("> ").strip() for ln in str(exc).splitlines() if ln.strip("> ").strip()]
            raise InputError(f"{model}: OpenCV cannot read this ONNX model ({lines[-1] if lines else 'no reason'})") \
                from None
        self.model, self.size, self.person_class = model, input_size, person_class
        self.min_score, self.nms_iou = min_score, nms_iou

    def detect(self, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h, w = frame.shape[:2]
        ratio = self.size / max(h, w)
        canvas = np.full((self.size, self.size, 3), 114, np.uint8)
        canvas[: int(round(h * ratio)), : int(round(w * ratio))] = cv2.resize(
            frame, (int(round(w * ratio)), int(round(h * ratio))))
        self.net.setInput(cv2.dnn.blobFromImage(canvas, 1 / 255.0, swapRB=True))
        out = np.asarray(self.net.forward(), dtype=np.float64)
        return self._decode(out, ratio)

    def _decode(self, out: np.ndarray, ratio: float) -> tuple[np.ndarray, np.ndarray]:
        out = out.reshape(out.shape[-2], out.shape[-1]) if out.ndim == 3 else out
        if out.ndim != 2:
            raise InputError(f"{self.model}: unexpected output shape {out.shape} (expected YOLO-style)")
        # The attribute axis is the one of length 84 (YOLOv8: box + 80 classes) or 85 (YOLOv5: box,
        # objectness, 80 classes); for other class counts, the shorter axis.
        attr_axis = 0 if out.shape[0] in (84, 85) else 1 if out.shape[1] in (84, 85) else int(np.argmin(out.shape))
        rows = out.T if attr_axis == 0 else out
        if rows.shape[1] == 85:
            scores = rows[:, 4] * rows[:, 5 + self.person_class]
        else:
            scores = rows[:, 4 + self.person_class]
        cx, cy, bw, bh = rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3]
        boxes = np.stack([cx - bw / 2, cy - bh / 2, bw, bh], axis=1) / ratio
        mask = scores >= self.min_score
        boxes, scores = boxes[mask], scores[mask]
        keep = _nms(boxes, scores, self.nms_iou, self.min_score)
        return boxes[keep], np.clip(scores[keep], 0, 1)
