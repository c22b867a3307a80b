"""A sequence's perception computed once — detections and their patch descriptors — and tracked
again and again from memory with other rules.

Why: tuning the tracker rules (``siamtrack tune``) runs the same sequences hundreds of times.
Reading frames, optical flow and the CNN are >90 % of a run's time and do not depend on the
rules, so they are done once; a trial costs only linking and assignment.

The cache keeps every detection whose calibrated score is at least ``floor`` (the lowest
``min_score`` a search may try). Replaying with a higher ``min_score`` hands the tracker the
same boxes and descriptors it would have computed itself, with one exception: a matcher with the
occlusion cue (``matcher.pt``) measures each box's occlusion against the boxes of its own
``describe`` call, so its cues come from the floor's boxes. The tracking matcher has no such cue.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from siamtrack.association.scorer import LinkScorer
from siamtrack.association.types import FrameDetections, TrackBatch
from siamtrack.configs import Config
from siamtrack.siamese_cnn.errors import InputError
from siamtrack.tracker.io.background import prefetched
from siamtrack.tracker.io.detections import PreparedDetections, prepare_detections
from siamtrack.tracker.io.frames import open_frames
from siamtrack.tracker.io.mot import BoxTable, SeqInfo, read_seqinfo

from .build import build_scorer, build_tracker
from .camera import CameraMeter
from .loop import RowCollector, run_frames
from .online import Rows
from .sequence import check_reach, frame_use
from .stitching import stitch


@dataclass
class FramePerception:
    boxes: np.ndarray  # (N, 4) clipped to the image
    scores: np.ndarray  # (N,) calibrated, all >= the cache's floor
    appearance: object | None  # what the scorer's describe attached (None: a box-only scorer)
    camera: np.ndarray | None = None  # camera motion since the frame before (tracker.camera_motion on)


@dataclass
class SequencePerception:
    """One sequence as the tracker sees it, for one scorer's models and one calibration."""

    seq_dir: Path
    info: SeqInfo
    floor: float
    frames: dict[int, FramePerception]
    dropped: int = 0  # boxes of the file lying wholly outside the frame (not kept)
    dropped_outside = 0  # (a class constant: the loop's detection-source protocol; replay drops nothing)

    def at(self, frame: int, image: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The frame's boxes and scores (the loop's detection source)."""
        cached = self.frames.get(frame)
        if cached is None:
            return np.zeros((0, 4)), np.zeros(0)
        return cached.boxes, cached.scores


class _Describer:
    """Records what the scorer attaches to each frame's detections."""

    def __init__(self, scorer: LinkScorer, camera: bool):
        self.scorer = scorer
        self.camera = CameraMeter() if camera else None
        self.seen: dict[int, FramePerception] = {}
        self._prev_boxes = np.zeros((0, 4))

    def step(self, frame_index: int, boxes: np.ndarray, scores: np.ndarray, image: np.ndarray | None = None,
             prev_image: np.ndarray | None = None) -> list:
        dets = FrameDetections(frame_index, np.asarray(boxes, np.float64).reshape(-1, 4),
                               np.asarray(scores, np.float64).reshape(-1))
        if len(dets):
            self.scorer.describe(image, prev_image, dets)
        camera = None
        if self.camera is not None and image is not None:
            camera = self.camera.measure(prev_image, image, self._prev_boxes)
        self._prev_boxes = dets.boxes
        self.seen[frame_index] = FramePerception(dets.boxes, dets.scores, dets.appearance, camera)
        return []

    confirmed_tracks = 0

    def pop_finished_rows(self) -> Rows:
        return []

    def finish(self) -> Rows:
        return []


def perceive(seq_dir: Path, config: Config, floor: float,
             calibrations: dict[str, tuple[float, float]] | None = None) -> SequencePerception:
    """Detections of ``config.detections.file`` (calibrated, scores >= ``floor``) and, for a scorer
    that looks at pixels, their descriptors, frame by frame with the flow from the frame before."""
    seq_dir = Path(seq_dir)
    info = read_seqinfo(seq_dir)
    det_path = seq_dir / config.detections.file
    if not det_path.is_file():
        raise InputError(f"{det_path}: detection file not found")
    prepared = prepare_detections(det_path, info.width, info.height, config.detections.score_source, calibrations)
    table = prepared.table
    check_reach(table, info, det_path, seq_dir)
    kept = BoxTable(*(column[table.scores >= floor] for column in
                      (table.frames, table.ids, table.boxes, table.scores, table.classes)))
    scorer = build_scorer(config, info.frame_rate)
    pixels, camera = frame_use(seq_dir, info, scorer, config)
    describer = _Describer(scorer, camera)
    frames = prefetched(open_frames(seq_dir)) if pixels else ((index, None) for index in range(1, info.length + 1))
    run_frames(frames, PreparedDetections(kept, 0), describer, [], pixels)
    return SequencePerception(seq_dir, info, floor, describer.seen, prepared.dropped_outside)


class ReplayScorer:
    """A scorer that takes each frame's descriptors from a perception cache instead of pixels."""

    needs_images = False

    def __init__(self, inner: LinkScorer, perception: SequencePerception, min_score: float):
        if min_score < perception.floor:
            raise InputError(f"tracker.min_score {min_score} is below the perception cache's floor "
                             f"{perception.floor}")
        self.inner, self.perception, self.min_score = inner, perception, min_score

    def describe(self, frame: np.ndarray | None, prev_frame: np.ndarray | None, dets: FrameDetections) -> None:
        cached = self.perception.frames.get(dets.frame)
        if cached is None or cached.appearance is None or not len(dets):
            return
        rows = np.nonzero(cached.scores >= self.min_score)[0]
        dets.appearance = cached.appearance.take(rows)

    def update_appearance(self, state, dets: FrameDetections, j: int):
        return self.inner.update_appearance(state, dets, j)

    def probability(self, tracks: TrackBatch, dets: FrameDetections) -> np.ndarray:
        return self.inner.probability(tracks, dets)


class _CachedCamera:
    """The tracker, handed each frame's cached camera motion (the loop has no images to give it)."""

    def __init__(self, tracker, perception: SequencePerception):
        self.tracker, self.perception = tracker, perception

    @property
    def confirmed_tracks(self) -> int:
        return self.tracker.confirmed_tracks

    def step(self, frame_index: int, boxes: np.ndarray, scores: np.ndarray, image: np.ndarray | None = None,
             prev_image: np.ndarray | None = None) -> list:
        cached = self.perception.frames.get(frame_index)
        return self.tracker.step(frame_index, boxes, scores, camera=None if cached is None else cached.camera)

    def pop_finished_rows(self) -> Rows:
        return self.tracker.pop_finished_rows()

    def finish(self) -> Rows:
        return self.tracker.finish()


def replay(perception: SequencePerception, config: Config) -> Rows:
    """Track a cached sequence with ``config``'s rules; the result rows.

    With ``tracker.camera_motion`` the cached motion was estimated with the floor's boxes masked
    out, a real run masks the boxes it was given: nearly the same, not byte for byte.
    """
    rate = perception.info.frame_rate
    scorer = ReplayScorer(build_scorer(config, rate), perception, config.tracker.min_score)
    collector = RowCollector()
    frames = ((index, None) for index in range(1, perception.info.length + 1))
    tracker = build_tracker(config, rate, scorer)
    if config.tracker.camera_motion and config.mode == "online":
        tracker = _CachedCamera(tracker, perception)
    run_frames(frames, perception, tracker, [collector], needs_images=False)
    return stitch(collector.rows, rate, config.tracker.stitch_seconds)
