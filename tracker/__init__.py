"""The frame-by-frame pipeline: detections -> links -> tracks, MOT I/O, metrics and the CLI."""

from .errors import InputError
from .online import OnlineTracker, TrackRules

__all__ = ["InputError", "OnlineTracker", "TrackRules"]
