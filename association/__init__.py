"""Who is who: link scorers (geometry, learned), contextual features and the assignment solvers.

Knows the Siamese matcher only through ``siamtrack.siamese_cnn``'s public API, and nothing of
the tracker: what a scorer sees of tracks and detections is plain arrays (``types``), and
``scorer.LinkScorer`` is everything the tracker asks of one. ``training/`` builds the linker
and sits on top of everything.

The exports are imported on first use: box geometry and the IoU scorer need neither torch nor
XGBoost.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .geometry_scorer import GeometryScorer
    from .learned_scorer import LearnedScorer
    from .linker import Linker, LinkerFileError
    from .scorer import LinkScorer
    from .solver import solve
    from .types import FrameDetections, TrackBatch

_EXPORTS = {"FrameDetections": "types", "GeometryScorer": "geometry_scorer", "LearnedScorer": "learned_scorer",
            "LinkScorer": "scorer", "Linker": "linker", "LinkerFileError": "linker", "TrackBatch": "types",
            "solve": "solver"}
__all__ = ["FrameDetections", "GeometryScorer", "LearnedScorer", "LinkScorer", "Linker", "LinkerFileError",
           "TrackBatch", "solve"]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
