"""Build the tracker from a config and run it over a MOT sequence's detections."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from association.geometry_scorer import GeometryScorer

from .background import prefetched
from .cpus import calling_thread_on, run_cpus
from .det_scores import calibrate
from .errors import InputError
from .frames import open_frames
from .geometry import clip_boxes
from .global_mode import track_global
from .mot_io import BoxTable, SeqInfo, read_detections, read_seqinfo
from .online import LinkScorer, OnlineTracker, Rows, TrackRules

_MODELS: dict[tuple, object] = {}


def _cached(key: tuple, load):
    """Models are loaded once per process, however many sequences are tracked."""
    if key not in _MODELS:
        _MODELS[key] = load()
    return _MODELS[key]


def build_scorer(config: dict, frame_rate: float) -> LinkScorer:
    name = config["scorer"]
    if name == "geometry":
        return GeometryScorer()
    if name == "learned":
        from association.learned_scorer import LearnedScorer
        from association.linker import Linker
        from siamese_cnn.matcher import TRACKING_WEIGHTS, PatchMatcher

        settings, model, threads = config["matcher"], config["linker"]["model"], config["threads"]
        weights = settings["weights"] or TRACKING_WEIGHTS
        # warmed up once loaded: first-call costs are paid here, before any clock starts
        matcher = _cached(("matcher", weights, settings["flow_width"], threads),
                          lambda: PatchMatcher.load(weights, threads, settings["flow_width"]).warm_up())
        linker = _cached(("linker", model, threads), lambda: Linker.load(model, threads).warm_up())
        return LearnedScorer(matcher, linker, frame_rate, memory=config["linker"]["memory"])
    raise InputError(f"config: unknown scorer {name!r} (choose geometry or learned)")


def build_tracker(config: dict, frame_rate: float, scorer: LinkScorer | None = None) -> OnlineTracker:
    rules = TrackRules(**config["tracker"])
    return OnlineTracker(scorer or build_scorer(config, frame_rate), rules, frame_rate)


@dataclass
class PreparedDetections:
    """Detections clipped to the image and with calibrated scores, ready for the tracker."""

    table: BoxTable
    dropped_outside: int

    def at(self, frame: int) -> tuple[np.ndarray, np.ndarray]:
        return self.table.at(frame)


def prepare_detections(path: Path, width: int, height: int, score_source: str) -> PreparedDetections:
    table = read_detections(path)
    scores = calibrate(table.scores, score_source)
    boxes, keep = (clip_boxes(table.boxes, width, height) if width and height
                   else (table.boxes, np.ones(len(table), bool)))
    prepared = BoxTable(table.frames[keep], table.ids[keep], boxes[keep], scores[keep], table.classes[keep])
    return PreparedDetections(prepared, int((~keep).sum()))


@dataclass
class SequenceRun:
    info: SeqInfo
    rows: Rows
    seconds: float
    frames: int
    dropped_outside: int

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else float("inf")


def _frames_with_detections(seq_dir: Path, info: SeqInfo, dets: PreparedDetections, needs_images: bool,
                            reader_cpus: frozenset[int] | None = None):
    """(index, image, previous image, boxes, scores) for every frame, images only if needed
    (read on a thread, on ``reader_cpus`` if given)."""
    if needs_images:
        if not (seq_dir / info.image_dir).is_dir():
            raise InputError(f"{seq_dir}: no {info.image_dir}/ frames, and the learned scorer needs them "
                             "(use --scorer geometry for box-only data)")
        prev = None
        for frame, image in prefetched(open_frames(seq_dir), cpus=reader_cpus):
            yield (frame, image, prev, *dets.at(frame))
            prev = image
    else:
        for frame in range(1, info.length + 1):
            yield (frame, None, None, *dets.at(frame))


def track_sequence(seq_dir: Path, det_path: Path, config: dict) -> SequenceRun:
    """Track one MOT sequence from a detection file; images are read only if the scorer needs them."""
    info = read_seqinfo(seq_dir)
    dets = prepare_detections(det_path, info.width, info.height, config["detections"]["score_source"])
    if dets.table.last_frame > info.length:
        raise InputError(f"{det_path}: detections reach frame {dets.table.last_frame} but "
                         f"{seq_dir / 'seqinfo.ini'} says the sequence has {info.length} frames")
    if config["mode"] not in ("online", "global"):
        raise InputError(f"config: unknown mode {config['mode']!r} (choose online or global)")
    scorer = build_scorer(config, info.frame_rate)
    tracker_cpus, reader_cpus = run_cpus(config, scorer.needs_images)
    start = time.perf_counter()
    frames = _frames_with_detections(seq_dir, info, dets, scorer.needs_images, reader_cpus)
    with calling_thread_on(tracker_cpus):
        if config["mode"] == "global":
            rows = track_global(frames, scorer, TrackRules(**config["tracker"]), config["global"], info.frame_rate)
        else:
            tracker = build_tracker(config, info.frame_rate, scorer)
            rows: Rows = []
            for frame, image, prev, boxes, scores in frames:
                tracker.step(frame, boxes, scores, image, prev)
                rows.extend(tracker.pop_finished_rows())
            rows.extend(tracker.finish())
    return SequenceRun(info, rows, time.perf_counter() - start, info.length, dets.dropped_outside)
