"""One MOT sequence tracked from a detection file (what ``eval`` does per sequence); frames are
read only if the scorer looks at pixels."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from siamtrack.association.scorer import LinkScorer
from siamtrack.configs import Config
from siamtrack.siamese_cnn.errors import InputError
from siamtrack.tracker.io.background import prefetched
from siamtrack.tracker.io.detections import prepare_detections
from siamtrack.tracker.io.frames import open_frames
from siamtrack.tracker.io.mot import BoxTable, SeqInfo, read_seqinfo

from .build import build_scorer, build_tracker, check_mode
from .loop import Placement, RowCollector, no_placement, run_frames
from .online import Rows
from .stitching import stitch


@dataclass
class SequenceRun:
    info: SeqInfo
    rows: Rows
    seconds: float
    frames: int
    dropped_outside: int
    without_camera: bool = False  # camera motion was asked for, but the sequence has no frames to measure it

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else float("inf")


def _indices(length: int) -> Iterator[tuple[int, np.ndarray | None]]:
    """Frame numbers without images, for scorers that need none."""
    for index in range(1, length + 1):
        yield index, None


def frame_use(seq_dir: Path, info: SeqInfo, scorer: LinkScorer, config: Config) -> tuple[bool, bool]:
    """(read the frames, measure the camera's motion on them) for tracking ``seq_dir``.

    The learned scorer needs the frames (an error without them); camera motion is measured where
    they exist, and box-only data is tracked without it.
    """
    has_frames = (seq_dir / info.image_dir).is_dir()
    if scorer.needs_images and not has_frames:
        raise InputError(f"{seq_dir}: no {info.image_dir}/ frames, and the learned scorer needs them "
                         "(use --scorer geometry for box-only data)")
    camera = config.tracker.camera_motion and has_frames
    return scorer.needs_images or camera, camera


def check_reach(table: BoxTable, info: SeqInfo, det_path: Path, seq_dir: Path) -> None:
    """Detections past the sequence's end mean the file and the frames do not belong together."""
    if table.last_frame > info.length:
        raise InputError(f"{det_path}: detections reach frame {table.last_frame} but "
                         f"{seq_dir / 'seqinfo.ini'} says the sequence has {info.length} frames")


def track_sequence(seq_dir: Path, det_path: Path, config: Config, placement: Placement = no_placement) -> SequenceRun:
    """Track one MOT sequence from a detection file (``placement``: where the app wants the threads)."""
    info = read_seqinfo(seq_dir)
    dets = prepare_detections(det_path, info.width, info.height, config.detections.score_source)
    check_reach(dets.table, info, det_path, seq_dir)
    check_mode(config)
    scorer = build_scorer(config, info.frame_rate)
    pixels, camera = frame_use(seq_dir, info, scorer, config)
    without_camera = config.tracker.camera_motion and not camera  # the run says so
    collector = RowCollector()
    with placement(pixels) as reader_start:
        frames = (prefetched(open_frames(seq_dir), on_start=reader_start) if pixels
                  else _indices(info.length))
        result = run_frames(frames, dets, build_tracker(config, info.frame_rate, scorer), [collector],
                            pixels)
    rows = stitch(collector.rows, info.frame_rate, config.tracker.stitch_seconds)  # offline: the run is whole
    return SequenceRun(info, rows, result.seconds, info.length, dets.dropped_outside, without_camera)
