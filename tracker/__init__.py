"""The frame-by-frame pipeline: detections -> links -> tracks, MOT I/O, metrics and the CLI."""

import os

# FFmpeg and OpenCV print their own diagnostics to stderr (e.g. "moov atom not found" for a truncated
# mp4); we report such problems ourselves in one line, so keep theirs quiet unless the user asks.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")

from .errors import InputError  # noqa: E402

__all__ = ["InputError", "OnlineTracker", "TrackRules"]


def __getattr__(name: str):
    """The tracker itself is imported on first use: the video process needs only this package's
    drawing and encoding, and importing the tracker's dependencies would add half a second to its start."""
    if name in ("OnlineTracker", "TrackRules"):
        from . import online

        return getattr(online, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
