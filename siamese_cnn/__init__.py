"""Siamese CNN patch matcher: is this detection the same person as that one?

Usable on its own, without the tracker::

    from siamtrack.siamese_cnn import PatchMatcher
    m = PatchMatcher.load()
    p = m.match_probability(m.describe(frame, boxes, prev), m.describe(frame2, boxes2, prev2))

This package imports nothing else of siamtrack. What the layers above may use of it is what this
module exports, plus the shared bits that live here because this is the lowest layer needing
them: ``errors`` (the user-error type), ``atomic`` (crash-safe file writes) and ``timing``
(per-stage clocks for the speed benchmark). ``training/`` is the recipe that builds the
weights; it sits on top of everything and is never imported from here.

The exports are imported on first use, so that the shared bits can be imported without torch
(the video process needs only the error type).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .errors import InputError

if TYPE_CHECKING:
    from .matcher import (
        DEFAULT_WEIGHTS,
        TRACKING_WEIGHTS,
        ModelFileError,
        PairComparison,
        PatchDescriptors,
        PatchMatcher,
    )
    from .patches import PatchSpec

_EXPORTS = {"DEFAULT_WEIGHTS": "matcher", "TRACKING_WEIGHTS": "matcher", "ModelFileError": "matcher",
            "PairComparison": "matcher", "PatchDescriptors": "matcher", "PatchMatcher": "matcher",
            "PatchSpec": "patches"}
__all__ = ["DEFAULT_WEIGHTS", "TRACKING_WEIGHTS", "InputError", "ModelFileError", "PairComparison",
           "PatchDescriptors", "PatchMatcher", "PatchSpec"]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
