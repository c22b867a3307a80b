"""siamtrack: multi-object tracking by detection that learns who is who.

    from siamtrack import Tracker, PatchMatcher, Linker

The installed package maps the repository's top-level folders under this one name:
``siamtrack.siamese_cnn`` (the patch matcher, usable alone), ``siamtrack.association``
(features, the XGBoost linker, solvers), ``siamtrack.tracker`` (the pipeline, I/O, video,
evaluation, the command) and ``siamtrack.configs``. Importing any of them has no side effects;
the names below are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from .association.linker import Linker
    from .configs import Config, load_config
    from .siamese_cnn import InputError, PatchMatcher
    from .tracker.api import FrameTracks, Tracker, TrackerInputError
    from .tracker.app.runtime import tune_for_speed

    DEMO_CLIP: Path

_EXPORTS = {"Tracker": ".tracker.api", "FrameTracks": ".tracker.api", "TrackerInputError": ".tracker.api",
            "PatchMatcher": ".siamese_cnn", "InputError": ".siamese_cnn", "Linker": ".association.linker",
            "Config": ".configs", "load_config": ".configs", "tune_for_speed": ".tracker.app.runtime"}
__all__ = ["DEMO_CLIP", "Config", "FrameTracks", "InputError", "Linker", "PatchMatcher", "Tracker",
           "TrackerInputError", "__version__", "load_config", "tune_for_speed"]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    if name == "DEMO_CLIP":  # the bundled TUD-Campus clip (frames, det, gt), shipped in the package
        from .tracker.app.demo import DEMO_DATA, DEMO_SEQ

        return DEMO_DATA / DEMO_SEQ
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("siamtrack")
        except PackageNotFoundError:
            return "unknown"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
