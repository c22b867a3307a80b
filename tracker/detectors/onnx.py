"""A user's YOLO-style ONNX detector, on onnxruntime where it is installed, else OpenCV's dnn."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from siamtrack.configs import OnnxSettings, default_config
from siamtrack.siamese_cnn.errors import InputError

from .nms import nms
from .runtime import OnnxNetwork


class OnnxDetector:
    """A user's YOLO-style ONNX detector (onnxruntime or OpenCV's dnn: ``runtime``).

    Accepted outputs: (1, 84, N) or (1, N, 84) (YOLOv8 style: cx, cy, w, h, 80 class scores) or
    (1, N, 85) (YOLOv5 style: cx, cy, w, h, objectness, 80 class scores), in input-image pixels. Only
    ``person_class`` is kept. Letterboxing keeps the aspect ratio.
    """

    name = "onnx"

    def __init__(self, model: str | Path, settings: OnnxSettings | None = None, threads: int = 1,
                 device: str = "cpu"):
        s = settings or default_config().detector.onnx
        model = Path(model)
        if not model.is_file():
            raise InputError(f"{model}: ONNX model not found")
        self.net = OnnxNetwork(model, s.runtime, threads, device)
        self.model, self.size, self.person_class = model, s.input_size, s.person_class
        self.min_score, self.nms_iou = s.min_score, s.nms_iou

    def describe(self, width: int, height: int) -> str:
        return f"{self.model.name} on {self.net.runtime}"

    def detect(self, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h, w = frame.shape[:2]
        ratio = self.size / max(h, w)
        canvas = np.full((self.size, self.size, 3), 114, np.uint8)
        canvas[: int(round(h * ratio)), : int(round(w * ratio))] = cv2.resize(
            frame, (int(round(w * ratio)), int(round(h * ratio))))
        out = np.asarray(self.net.run(cv2.dnn.blobFromImage(canvas, 1 / 255.0, swapRB=True))[0], dtype=np.float64)
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
        keep = nms(boxes, scores, self.nms_iou, self.min_score)
        return boxes[keep], np.clip(scores[keep], 0, 1)
