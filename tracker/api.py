"""``Tracker``: the per-frame Python API, as SORT, ByteTrack and roboflow ``trackers`` users know it.

    from siamtrack import Tracker
    tracker = Tracker()                  # shipped models, default config
    for frame in frames:                 # HxWx3 uint8 BGR
        out = tracker.update(frame, boxes, scores)   # or tracker.update(frame): the built-in detector
    rows = tracker.finish()              # every MOT row, interpolated frames included

It is the same online tracker, built from the same config, as ``siamtrack track`` runs: given the
same frames and detections it writes the same tracks.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from siamtrack.association.geometry import clip_boxes
from siamtrack.configs import Config, default_config, load_config, replaced
from siamtrack.siamese_cnn.errors import InputError
from siamtrack.tracker.core.build import build_scorer
from siamtrack.tracker.core.online import OnlineTracker, Rows
from siamtrack.tracker.detectors import build_detector
from siamtrack.tracker.io.detections import Detector
from siamtrack.tracker.io.score_calibration import SOURCES, calibrate


class TrackerInputError(InputError):
    """A frame, boxes or scores ``Tracker.update`` cannot use (a ``ValueError``); the message says why."""


@dataclass(frozen=True)
class FrameTracks:
    """The confirmed tracks seen in one frame."""

    frame: int  # 1-based index of the frame in this video
    ids: np.ndarray  # (K,) int
    boxes: np.ndarray  # (K, 4) x, y, w, h in pixels
    scores: np.ndarray  # (K,) the calibrated score of each track's detection in this frame

    def __len__(self) -> int:
        return len(self.ids)


class Tracker:
    """Frame-by-frame multi-object tracker with the shipped models.

    ``config``: a YAML file (keys over ``configs/default.yaml``) or a loaded ``Config``; keyword
    arguments change the tracker's rules on top (``min_hits=3``, ``max_gap_seconds=1.0``, ...;
    the ``tracker`` section). ``frame_rate``: the video's frames per second (rules are in seconds).
    ``score_source``: what the scores passed to ``update`` are: ``probability`` (in [0, 1]; the
    default, also for ``auto``, which cannot guess from one frame) or ``acf``/``dpm``, the raw
    scores of MOTChallenge's public detections, calibrated as ``siamtrack eval`` does.
    ``scorer``: ``learned`` (default) or ``geometry``; ``detector``: the built-in detector that
    ``update(frame)`` runs (default ``ssdlite``).
    """

    def __init__(self, config: str | Path | Config | None = None, *, frame_rate: float = 30.0,
                 score_source: str | None = None, scorer: str | None = None, detector: str | None = None,
                 **rules: object):
        base = config if isinstance(config, Config) else default_config() if config is None else load_config(config)
        if scorer is not None:
            base = dataclasses.replace(base, scorer=scorer)
        self.config = dataclasses.replace(base, tracker=replaced(base.tracker, "Tracker", rules)) if rules \
            else base
        if self.config.mode != "online":
            raise TrackerInputError(f"Tracker is the online, frame-by-frame tracker; mode {self.config.mode!r} is "
                                    "offline (siamtrack eval --mode global)")
        if not (isinstance(frame_rate, (int, float)) and np.isfinite(frame_rate) and frame_rate > 0):
            raise TrackerInputError(f"frame_rate must be a positive number of frames per second, not {frame_rate!r}")
        source = score_source or self.config.detections.score_source
        if source not in SOURCES:
            raise TrackerInputError(f"unknown score_source {source!r} (choose {', '.join(SOURCES)})")
        self.frame_rate = float(frame_rate)
        self.score_source = "probability" if source == "auto" else source
        self.detector_name = detector or self.config.detector.default
        self._scorer = build_scorer(self.config, self.frame_rate)
        self._detector: Detector | None = None
        self.reset()

    def reset(self) -> None:
        """Forget every track: ready for the next video (the models stay loaded)."""
        self._online = OnlineTracker(self._scorer, self.config.tracker, self.frame_rate)
        self._rows: Rows = []
        self._index = 0
        self._size: tuple[int, int] | None = None
        self._prev: np.ndarray | None = None
        self._finished = False
        self.dropped_outside = 0  # boxes given wholly outside the frame, dropped

    @property
    def confirmed_tracks(self) -> int:
        """How many identities have been confirmed in this video so far."""
        return self._online.confirmed_tracks

    def update(self, frame: np.ndarray, boxes: np.ndarray | None = None,
               scores: np.ndarray | None = None) -> FrameTracks:
        """Track one frame. ``boxes`` (N, 4) x, y, w, h in pixels and ``scores`` (N,); both omitted:
        the built-in detector finds the people. Returns the confirmed tracks seen in this frame."""
        if self._finished:
            raise TrackerInputError("this video was finished; call reset() before the next one")
        image = self._checked_frame(frame)
        if boxes is None and scores is None:
            boxes, scores = self._detect(image)
        elif boxes is None or scores is None:
            raise TrackerInputError("pass boxes and scores together, or neither (the built-in detector)")
        else:
            boxes, scores = self._checked_detections(boxes, scores)
        boxes, keep = clip_boxes(boxes, image.shape[1], image.shape[0])
        self.dropped_outside += int((~keep).sum())
        self._index += 1
        pixels = self._scorer.needs_images
        shown = self._online.step(self._index, boxes[keep], scores[keep], image if pixels else None,
                                  self._prev if pixels else None)
        self._rows.extend(self._online.pop_finished_rows())
        self._prev = image
        return FrameTracks(self._index, np.array([t.id for t in shown], dtype=int),
                           np.array([t.boxes[-1] for t in shown], dtype=np.float64).reshape(-1, 4),
                           np.array([t.scores[-1] for t in shown], dtype=np.float64))

    def finish(self) -> Rows:
        """End of the video: every MOT row ``(frame, id, x, y, w, h, score)``, sorted by frame then id.

        Frames a re-found track missed are filled in (score -1), as ``siamtrack track`` writes them.
        """
        if not self._finished:
            self._rows.extend(self._online.finish())
            self._rows.sort(key=lambda r: (int(r[0]), int(r[1])))
            self._finished = True
        return list(self._rows)

    # -- checks -----------------------------------------------------------------------------
    def _checked_frame(self, frame: object) -> np.ndarray:
        if not isinstance(frame, np.ndarray) or frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            what = (f"an array of shape {frame.shape} and type {frame.dtype}" if isinstance(frame, np.ndarray)
                    else type(frame).__name__)
            raise TrackerInputError(f"frame must be an HxWx3 uint8 BGR image (as cv2.imread gives), not {what}")
        size = (frame.shape[1], frame.shape[0])
        if self._size is None:
            self._size = size
        elif size != self._size:
            raise TrackerInputError(f"frame {self._index + 1} is {size[0]}x{size[1]}, but this video's frames are "
                                    f"{self._size[0]}x{self._size[1]} (call reset() between videos)")
        return frame

    def _checked_detections(self, boxes: object, scores: object) -> tuple[np.ndarray, np.ndarray]:
        try:
            b = np.asarray(boxes, dtype=np.float64)
            s = np.asarray(scores, dtype=np.float64)
        except (TypeError, ValueError):
            raise TrackerInputError("boxes and scores must be numbers: boxes (N, 4), scores (N,)") from None
        if b.size == 0 and s.size == 0:
            return np.zeros((0, 4)), np.zeros(0)
        if b.ndim != 2 or b.shape[1] != 4:
            raise TrackerInputError(f"boxes must have shape (N, 4) (x, y, w, h), not {b.shape}")
        if s.shape != (len(b),):
            raise TrackerInputError(f"scores must have shape ({len(b)},), one per box, not {s.shape}")
        if not (np.isfinite(b).all() and np.isfinite(s).all()):
            raise TrackerInputError("boxes and scores must be finite (found NaN or infinity)")
        if (b[:, 2:] <= 0).any():
            raise TrackerInputError("box widths and heights must be positive")
        if self.score_source == "probability":
            if ((s < 0) | (s > 1)).any():
                raise TrackerInputError(f"scores must be in [0, 1] (found {s.min():g} to {s.max():g}); for raw "
                                        "MOTChallenge detector scores pass score_source='acf' or 'dpm'")
            return b, s
        return b, calibrate(s, self.score_source)

    def _detect(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self._detector is None:
            self._detector = build_detector(self.detector_name, self.config.detector)
        return self._detector.detect(image)
