"""The linker: XGBoost on [appearance features ⊕ context features] -> P(same target).

Models are stored in XGBoost's own UBJSON format (never pickle), with the feature names inside,
so a model trained with other features is refused rather than silently misread.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import xgboost as xgb

from siamtrack.siamese_cnn import InputError
from siamtrack.siamese_cnn.atomic import atomic_path

DEFAULT_LINKER = Path(__file__).with_name("models") / "linker.ubj"


class LinkerFileError(InputError):
    """A linker model that cannot be used; the message names the file."""


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
            self.booster.set_param({"nthread": threads})  # this booster's own setting, not the process's

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
        # XGBoost's public in-place prediction. Calling its C function directly saved ~0.13 ms a
        # frame (of ~4.4 at 768x576) but reached into a private handle of the xgboost package.
        # columns were checked against the stored feature names above and at load
        return self.booster.inplace_predict(flat, validate_features=False).reshape(lead).astype(np.float64)
