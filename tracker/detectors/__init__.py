"""Where boxes come from when no detection file is given: the shipped SSDLite detector, OpenCV's
HOG people detector, or a user's ONNX model. Every detector returns boxes (N, 4) x, y, w, h in
frame pixels and scores in [0, 1]; each takes its own section of ``detector`` in the config."""

from __future__ import annotations

from pathlib import Path

from siamtrack.configs import DetectorSettings
from siamtrack.siamese_cnn.errors import InputError
from siamtrack.tracker.io.detections import Detector

NAMES = ("ssdlite", "hog", "onnx")


def build_detector(name: str, settings: DetectorSettings, model: Path | None = None, threads: int = 1,
                   device: str = "cpu") -> Detector:
    """``threads``, ``device``: where a network detector runs (onnxruntime's threads; ``cuda`` with
    the onnxruntime-gpu package)."""
    if name == "hog":
        from .hog import HogDetector

        return HogDetector(settings.hog)
    if name == "ssdlite":
        from .ssdlite import SsdLiteDetector

        return SsdLiteDetector(settings.ssdlite, threads=threads, device=device)
    if name == "onnx":
        if model is None:
            raise InputError("--detector onnx needs --model FILE.onnx")
        from .onnx import OnnxDetector

        return OnnxDetector(model, settings.onnx, threads, device)
    raise InputError(f"unknown detector {name!r} (choose {', '.join(NAMES)})")
