"""The linker: XGBoost on [appearance features ⊕ context features] -> P(same target).

Models are stored in XGBoost's own UBJSON format (never pickle), with the feature names inside,
so a model trained with other features is refused rather than silently misread.
"""

from __future__ import annotations

import ctypes
import json
from pathlib import Path

import numpy as np
import xgboost as xgb

from tracker.errors import InputError

DEFAULT_LINKER = Path(__file__).with_name("models") / "linker.ubj"


class LinkerFileError(InputError):
    """A linker model that cannot be used; the message names the file."""


class _DensePredictor:
    """XGBoost's C prediction on a float32 row-major array, called without the Python wrapper.

    ``Booster.inplace_predict`` spends ~0.2 ms per call on argument handling (input type checks,
    JSON encoding of its options and of the array) around a C call that takes ~0.15 ms for a
    frame's pairs; the tracker calls it every frame. This calls the same documented C function,
    ``XGBoosterPredictFromDense``, with the options encoded once. It reaches the library through
    ``xgboost.core._LIB``, so :meth:`build` checks it against ``inplace_predict`` and returns None
    (use the wrapper) if this XGBoost differs in any way.
    """

    _OPTIONS = json.dumps({"type": 0, "training": False, "iteration_begin": 0, "iteration_end": 0,
                           "strict_shape": False, "cache_id": 0, "missing": float("nan")}).encode()

    def __init__(self, booster: xgb.Booster):
        self._booster = booster  # keeps the handle alive
        self._call = xgb.core._LIB.XGBoosterPredictFromDense
        self._shape, self._dims = ctypes.POINTER(ctypes.c_uint64)(), ctypes.c_uint64()
        self._out = ctypes.POINTER(ctypes.c_float)()
        self._out_args = (ctypes.byref(self._shape), ctypes.byref(self._dims), ctypes.byref(self._out))

    @classmethod
    def build(cls, booster: xgb.Booster, features: int) -> _DensePredictor | None:
        probe = np.random.default_rng(0).normal(size=(7, features)).astype(np.float32)
        try:
            fast = cls(booster)
            if np.array_equal(fast(probe), booster.inplace_predict(probe, validate_features=False).astype(np.float64)):
                return fast
        except Exception:  # noqa: BLE001 - any difference in this XGBoost: keep its public wrapper
            pass
        return None

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        """P(link) as float64 for C-contiguous float32 (N, K) rows."""
        n, k = rows.shape
        array = b'{"data": [%d, true], "shape": [%d, %d], "strides": null, "typestr": "<f4", "version": 3}' % (
            rows.ctypes.data, n, k)
        if self._call(self._booster.handle, array, self._OPTIONS, None, *self._out_args) != 0:
            raise xgb.core.XGBoostError(xgb.core._LIB.XGBGetLastError().decode())
        if self._dims.value != 1 or self._shape[0] != n:
            raise xgb.core.XGBoostError(f"unexpected prediction shape from XGBoost ({self._dims.value} dims)")
        return np.ctypeslib.as_array(self._out, (n,)).astype(np.float64)  # a copy: XGBoost reuses its buffer


class Linker:
    """``threads``: OpenMP threads of XGBoost's prediction. The tracker asks for one: a frame's
    few hundred pairs gain nothing from a second thread, which only spins against the frame
    reader and the video writer."""

    def __init__(self, booster: xgb.Booster, feature_names: list[str], info: dict | None = None,
                 threads: int | None = None):
        self.booster = booster
        self.feature_names = list(feature_names)
        self.info = info or {}
        if threads:
            self.booster.set_param({"nthread": threads})
        self._predict = _DensePredictor.build(booster, len(self.feature_names))

    @classmethod
    def load(cls, path: str | Path | None = None, threads: int | None = None) -> Linker:
        path = Path(path) if path is not None else DEFAULT_LINKER
        if not path.is_file():
            raise LinkerFileError(f"{path}: linker model not found")
        if path.suffix not in (".ubj", ".json"):
            raise LinkerFileError(f"{path}: linker models must be XGBoost .ubj or .json files")
        booster = xgb.Booster()
        try:
            booster.load_model(str(path))
            info = json.loads(booster.attr("siamtrack") or "{}")
        except (xgb.core.XGBoostError, json.JSONDecodeError) as exc:
            raise LinkerFileError(f"{path}: not a valid XGBoost model ({str(exc).splitlines()[0][:160]})") from None
        names = info.get("feature_names")
        if not names or booster.num_features() != len(names):
            raise LinkerFileError(f"{path}: not a siamtrack linker (feature names missing or inconsistent)")
        return cls(booster, names, info, threads)

    def save(self, path: str | Path) -> None:
        from tracker.atomic import atomic_path

        self.booster.set_attr(siamtrack=json.dumps({**self.info, "feature_names": self.feature_names}))
        with atomic_path(path) as tmp:
            self.booster.save_model(str(tmp))

    def warm_up(self) -> Linker:
        """One prediction now: XGBoost's first call costs twice a usual one. Returns the linker."""
        self.probability(np.zeros((1, len(self.feature_names)), dtype=np.float32))
        return self

    def probability(self, features: np.ndarray) -> np.ndarray:
        """P(link) for a (..., K) feature array; same leading shape out."""
        features = np.asarray(features, dtype=np.float32)
        if features.shape[-1] != len(self.feature_names):
            raise ValueError(f"linker expects {len(self.feature_names)} features, got {features.shape[-1]}")
        lead = features.shape[:-1]
        if features.size == 0:
            return np.zeros(lead)
        flat = np.ascontiguousarray(features.reshape(-1, features.shape[-1]))
        if self._predict is not None:
            return self._predict(flat).reshape(lead)
        # columns were checked against the stored feature names above and at load
        return self.booster.inplace_predict(flat, validate_features=False).reshape(lead).astype(np.float64)
