"""The training recipes' settings (``training.yaml``), apart from the runtime ones.

Their schema is each recipe's own dataclass, beside the code that follows it; this module only
joins them, so importing it loads the training code (torch, torchvision, XGBoost): it is for the
``train-*`` commands and the benchmarks, never for tracking.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from siamtrack.association.training.train import LinkerTrainConfig
from siamtrack.siamese_cnn.training.train import MatcherTrainConfig

from . import TRAINING_CONFIG
from .loading import load

_RUNTIME_SECTION = "is a runtime setting, in default.yaml (siamtrack track/eval --config)"
_MOVED = {(name,): _RUNTIME_SECTION for name in ("detections", "tracker", "matcher", "linker", "detector", "video",
                                                  "global_mode", "eval")}


@dataclass(frozen=True)
class TrainingConfig:
    matcher_training: MatcherTrainConfig
    linker_training: LinkerTrainConfig


def load_training_config(path: str | Path | None = None, overrides: Iterable[str] = ()) -> TrainingConfig:
    """``training.yaml``, then the user's recipe file (only the keys it names), then ``--set``."""
    return load(TrainingConfig, TRAINING_CONFIG, path, overrides, _MOVED)
