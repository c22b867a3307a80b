"""Where an ONNX detector network runs: onnxruntime when it is installed, else OpenCV's dnn.

onnxruntime runs the shipped SSDLite about 2.6 times as fast as OpenCV on one core (13 vs 34 ms
a 300x300 pass, BENCHMARKS §4), which is what makes tiling affordable; OpenCV stays as the
fallback, so a platform without an onnxruntime wheel still tracks. Both read the same file and
give the same outputs (to 1e-4) except where OpenCV departs from TensorFlow's padding.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import cv2
import numpy as np

from siamtrack.siamese_cnn.errors import InputError

RUNTIMES = ("auto", "onnxruntime", "opencv")


def onnxruntime_available() -> bool:
    return importlib.util.find_spec("onnxruntime") is not None


class OnnxNetwork:
    """One ONNX network and the runtime that runs it; ``run`` takes an NCHW float32 batch.

    ``threads``: the runtime's own worker threads (the app gives the detector its share of the
    cores). ``device``: ``cuda`` asks onnxruntime for its CUDA provider (the onnxruntime-gpu
    package), else the CPU.
    """

    def __init__(self, path: Path, runtime: str = "auto", threads: int = 1, device: str = "cpu",
                 outputs: list[str] | None = None):
        if runtime not in RUNTIMES:
            raise InputError(f"detector runtime {runtime!r}: choose {', '.join(RUNTIMES)}")
        if runtime == "onnxruntime" and not onnxruntime_available():
            raise InputError(f"{path}: detector runtime onnxruntime asked for but not installed "
                             "(pip install onnxruntime)")
        self.path, self._outputs = path, outputs
        if runtime == "auto":
            runtime = "onnxruntime" if onnxruntime_available() else "opencv"
        self.runtime = runtime
        self.device = "cpu"
        if self.runtime == "onnxruntime":
            self._open_onnxruntime(threads, device)
        else:
            self._open_opencv()

    def _open_onnxruntime(self, threads: int, device: str) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        # Spinning workers would take the core the tracker and the decoder share between passes.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        providers = ["CPUExecutionProvider"]
        if device.startswith("cuda") and "CUDAExecutionProvider" in onnxruntime.get_available_providers():
            index = device.partition(":")[2] or "0"
            providers.insert(0, ("CUDAExecutionProvider", {"device_id": int(index)}))
            self.device = f"cuda:{index}"
        try:
            self._session = onnxruntime.InferenceSession(str(self.path), options, providers=providers)
        except Exception as exc:  # onnxruntime raises its own exception types, one per failure kind
            # "[ONNXRuntimeError] : 7 : INVALID_PROTOBUF : Load model from F failed:Protobuf parsing failed."
            reason = str(exc).strip().splitlines()[-1].split(" : ")[-1]
            reason = reason.split("failed:")[-1].strip().rstrip(".") or "no reason given"
            raise InputError(f"{self.path}: cannot read this ONNX model (onnxruntime: {reason[-160:]})") from None
        self._input = self._session.get_inputs()[0].name

    def _open_opencv(self) -> None:
        try:
            self._net = cv2.dnn.readNetFromONNX(str(self.path))
        except cv2.error as exc:
            lines = [ln.strip("> ").strip() for ln in str(exc).splitlines() if ln.strip("> ").strip()]
            raise InputError(f"{self.path}: cannot read this ONNX model "
                             f"(OpenCV: {lines[-1] if lines else 'no reason given'})") from None
        self._outputs = self._outputs or list(self._net.getUnconnectedOutLayersNames())

    def run(self, batch: np.ndarray) -> list[np.ndarray]:
        """The network's outputs: those named at construction, in that order, else all of them."""
        if self.runtime == "onnxruntime":
            return self._session.run(self._outputs, {self._input: np.ascontiguousarray(batch, dtype=np.float32)})
        self._net.setInput(batch)
        outputs = self._net.forward(self._outputs)
        return list(outputs)
