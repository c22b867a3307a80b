"""Configuration: ``default.yaml`` holds every runtime tunable, ``training.yaml`` the training
recipes; files and ``--set key=value`` override them. The schema is ``schema.py`` (runtime) and
the recipes' own dataclasses (``training.py``)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from .loading import ConfigError, load, replaced
from .schema import (
    Config,
    DetectionSettings,
    DetectorSettings,
    EvalSettings,
    GlobalSettings,
    HogSettings,
    LinkerSettings,
    MatcherSettings,
    OnnxSettings,
    SsdLiteSettings,
    TrackRules,
    VideoSettings,
)

DEFAULT_CONFIG = Path(__file__).with_name("default.yaml")
TRAINING_CONFIG = Path(__file__).with_name("training.yaml")

_TRAINING_SECTION = f"is a training recipe setting, in {TRAINING_CONFIG.name} (siamtrack train-matcher/train-linker)"
# settings that moved: old path -> where it went, so an old config gets told
_MOVED = {("matcher", "threads"): "is now 'threads'", ("video", "fourcc"): "is now 'video.codec'",
          ("detector", "ssdlite", "max_tile_aspect"): "is now 'detector.ssdlite.tile_aspect' (tiles' width / height)",
          ("global",): "is now 'global_mode'", ("matcher_training",): _TRAINING_SECTION,
          ("linker_training",): _TRAINING_SECTION}


def load_config(path: str | Path | None = None, overrides: Iterable[str] = ()) -> Config:
    """``default.yaml``, then the user's file (only the keys it names), then ``--set`` overrides."""
    return load(Config, DEFAULT_CONFIG, path, overrides, _MOVED)


@lru_cache(maxsize=1)
def default_config() -> Config:
    """The shipped defaults (read once; the config is immutable)."""
    return load_config()


__all__ = ["Config", "ConfigError", "DEFAULT_CONFIG", "DetectionSettings", "DetectorSettings", "EvalSettings",
           "GlobalSettings", "HogSettings", "LinkerSettings", "MatcherSettings", "OnnxSettings", "SsdLiteSettings",
           "TRAINING_CONFIG", "TrackRules", "VideoSettings", "default_config", "load_config", "replaced"]
