"""The frame-by-frame pipeline around the matcher and the linker: frames -> detections -> links ->
tracks. ``core`` (the trackers and the one frame loop), ``io`` (frames, detections, MOT files),
``detectors``, ``video`` (drawing and encoding), ``eval`` (TrackEval metrics) and ``app`` (the
``siamtrack`` command and the process-wide speed settings only it makes).

``Tracker`` is imported on first use: the video process imports only ``video`` and must start fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from siamtrack.siamese_cnn.errors import InputError

if TYPE_CHECKING:
    from .api import FrameTracks, Tracker, TrackerInputError

_EXPORTS = {"Tracker": "api", "FrameTracks": "api", "TrackerInputError": "api"}
__all__ = ["FrameTracks", "InputError", "Tracker", "TrackerInputError"]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
