"""Linker training pairs from real detections, sampled the way the tracker meets them.

Detections (det.txt) are labelled with gt identities by a per-frame Hungarian match at
IoU >= 0.5. For a frame t and a gap g, every identity detected at t - g becomes a "track" whose
state is what the tracker would hold then (Kalman box and velocity, recent appearance memory,
hits) and is paired with every detection of frame t, as a track lost for g frames would be.

With ``camera_motion`` the states are also moved by the camera's motion between frames, as the
tracker does with ``tracker.camera_motion`` (``tracker/core/camera.py``): a linker trained on
uncompensated predictions learns that predictions on a moving camera are poor and leans away
from them, which is wrong once they are compensated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from scipy.optimize import linear_sum_assignment

from siamtrack.siamese_cnn import PatchDescriptors, PatchMatcher
from siamtrack.tracker.core.camera import IDENTITY, CameraMeter
from siamtrack.tracker.core.kalman import BoxKalman
from siamtrack.tracker.io.detections import prepare_detections
from siamtrack.tracker.io.mot import BoxTable, read_ground_truth, read_seqinfo

from ..appearance import TrackAppearance
from ..geometry import iou_matrix
from ..learned_scorer import pair_features
from ..types import FrameDetections, TrackBatch


def label_detections(dets: BoxTable, gt: BoxTable, min_iou: float = 0.5) -> np.ndarray:
    """gt identity of each detection (-1 for false positives), by per-frame Hungarian matching."""
    labels = np.full(len(dets), -1)
    keep = (gt.scores != 0) & (gt.classes == 1)
    for frame in np.unique(dets.frames):
        d_rows, g_rows = dets.rows(frame), gt.rows(frame)
        g_idx = np.arange(g_rows.start, g_rows.stop)[keep[g_rows]]
        if len(g_idx) == 0:
            continue
        iou = iou_matrix(dets.boxes[d_rows], gt.boxes[g_idx])
        r, c = linear_sum_assignment(-iou)
        ok = iou[r, c] >= min_iou
        labels[d_rows.start + r[ok]] = gt.ids[g_idx[c[ok]]]
    return labels


@dataclass
class LabelledSequence:
    name: str
    frame_rate: float
    dets: BoxTable  # calibrated scores, boxes clipped to the image
    labels: np.ndarray  # gt id per detection row, -1 = false positive
    descriptors: PatchDescriptors | None  # one row per detection (None: context only)
    cameras: np.ndarray | None = None  # (frames + 1, 2, 3): [f] the camera's motion from frame f - 1 to f


def _frames_pass(seq_dir: Path, dets: BoxTable, matcher: PatchMatcher | None,
                 camera: bool) -> tuple[PatchDescriptors | None, np.ndarray | None]:
    """One read of the frames: the matcher's descriptors of every detection (flow from the frame
    before) and, with ``camera``, the camera's motion into each frame (people masked, as the tracker)."""
    info = read_seqinfo(seq_dir)
    parts: list[PatchDescriptors] = []
    cameras = np.repeat(IDENTITY[None], info.length + 1, axis=0) if camera else None
    meter = CameraMeter() if camera else None
    prev, prev_boxes = None, np.zeros((0, 4))
    for frame in range(1, info.length + 1):
        image = cv2.imread(str(seq_dir / info.image_dir / f"{frame:06d}{info.image_ext}"))
        boxes, _ = dets.at(frame)
        if matcher is not None and len(boxes):
            parts.append(matcher.describe(image, boxes, prev))
        if meter is not None and image is not None:
            moved = meter.measure(prev, image, prev_boxes)
            if moved is not None:
                cameras[frame] = moved
        prev, prev_boxes = image, boxes
    return (PatchDescriptors.concat(parts) if matcher is not None else None), cameras


def load_sequence(seq_dir: Path, det_file: str, matcher: PatchMatcher | None, min_score: float,
                  score_source: str = "auto",
                  calibrations: Mapping[str, tuple[float, float]] | None = None,
                  camera_motion: bool = False) -> LabelledSequence:
    """``camera_motion``: also measure the camera's motion (sequences without frames: none)."""
    info = read_seqinfo(seq_dir)
    prepared = prepare_detections(seq_dir / det_file, info.width, info.height, score_source, calibrations).table
    keep = prepared.scores >= min_score
    table = BoxTable(prepared.frames[keep], prepared.ids[keep], prepared.boxes[keep], prepared.scores[keep],
                     prepared.classes[keep])
    labels = label_detections(table, read_ground_truth(seq_dir / "gt" / "gt.txt"))
    camera_motion = camera_motion and (seq_dir / info.image_dir).is_dir()
    descriptors, cameras = (_frames_pass(seq_dir, table, matcher, camera_motion)
                            if matcher is not None or camera_motion else (None, None))
    return LabelledSequence(info.name, info.frame_rate, table, labels, descriptors, cameras)


def _kalman_states(seq: LabelledSequence, time_aware: bool) -> tuple[np.ndarray, np.ndarray]:
    """Velocity after each labelled detection's update, and the identity's hit count there."""
    velocity = np.zeros((len(seq.labels), 4))
    hits = np.zeros(len(seq.labels), dtype=int)
    for identity in np.unique(seq.labels[seq.labels >= 0]):
        rows = np.nonzero(seq.labels == identity)[0]
        kalman = None
        last_frame = 0
        for k, r in enumerate(rows):
            if kalman is None:
                kalman = BoxKalman(seq.dets.boxes[r], frame_rate=seq.frame_rate if time_aware else None)
            else:
                for frame in range(last_frame + 1, int(seq.dets.frames[r]) + 1):
                    kalman.predict()
                    if seq.cameras is not None:
                        kalman.warp(seq.cameras[frame])
                kalman.update(seq.dets.boxes[r])
            velocity[r] = kalman.velocity()
            hits[r] = k + 1
            last_frame = seq.dets.frames[r]
    return velocity, hits


def sample_pairs(seq: LabelledSequence, matcher: PatchMatcher | None, max_gap: int, frame_step: int = 2,
                 extra_gaps: int = 2, memory: int = 4, frame_range: tuple[float, float] = (0.0, 1.0),
                 seed: int = 0, time_aware_motion: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features (P, K), labels (P,), gaps (P,)) for frames in ``frame_range`` of the sequence (its
    states moved by the camera when ``seq.cameras`` was measured)."""
    rng = np.random.default_rng(seed)
    velocity, hits = _kalman_states(seq, time_aware_motion)
    frames = seq.dets.frames
    last = int(frames.max()) if len(frames) else 0
    lo, hi = int(frame_range[0] * last) + 1, int(frame_range[1] * last)
    xs, ys, gs = [], [], []
    for t in range(lo, hi + 1, frame_step):
        cur = seq.dets.rows(t)
        if cur.stop == cur.start:
            continue
        det_rows = np.arange(cur.start, cur.stop)
        dets = FrameDetections(t, seq.dets.boxes[det_rows], seq.dets.scores[det_rows])
        if seq.descriptors is not None:
            dets.appearance = seq.descriptors.take(det_rows)
        choices = np.unique(np.r_[1, np.round(np.exp(rng.uniform(np.log(2), np.log(max_gap + 1), extra_gaps)))])
        for g in choices.astype(int):
            prev = seq.dets.rows(t - g)
            rows = np.arange(prev.start, prev.stop)
            rows = rows[seq.labels[rows] >= 0]
            if len(rows) == 0:
                continue
            tracks = _track_batch(seq, rows, velocity, hits, g, memory, t)
            x = pair_features(matcher, tracks, dets, seq.frame_rate)
            y = (seq.labels[rows][:, None] == seq.labels[det_rows][None, :]) & (seq.labels[det_rows][None, :] >= 0)
            xs.append(x.reshape(-1, x.shape[-1]))
            ys.append(y.ravel())
            gs.append(np.full(y.size, g))
    return np.concatenate(xs), np.concatenate(ys).astype(np.float32), np.concatenate(gs)


def predicted_after(boxes: np.ndarray, velocity: np.ndarray, cameras: np.ndarray | None,
                    frame: int, gap: int) -> tuple[np.ndarray, np.ndarray]:
    """Boxes (x, y, w, h) of ``frame - gap`` moved ``gap`` frames at constant velocity, and the velocities,
    each step warped by the camera's motion into that frame as the tracker's Kalman states are."""
    if cameras is None:
        predicted = boxes + gap * velocity
        predicted[:, 2:] = np.maximum(predicted[:, 2:], 1.0)
        return predicted, velocity
    centre, size = boxes[:, :2] + boxes[:, 2:] / 2, boxes[:, 2:].copy()
    v_centre, v_size = velocity[:, :2] + velocity[:, 2:] / 2, velocity[:, 2:].copy()  # per frame, of the centre
    for f in range(frame - gap + 1, frame + 1):
        linear, shift = cameras[f][:, :2], cameras[f][:, 2]
        scale = float(np.sqrt(abs(np.linalg.det(linear))))
        centre = (centre + v_centre) @ linear.T + shift
        size = np.maximum(size + v_size, 1.0) * scale
        v_centre, v_size = v_centre @ linear.T, v_size * scale
    predicted = np.concatenate([centre - size / 2, size], axis=1)
    return predicted, np.concatenate([v_centre - v_size / 2, v_size], axis=1)


def _track_batch(seq: LabelledSequence, rows: np.ndarray, velocity: np.ndarray, hits: np.ndarray, gap: int,
                 memory: int, frame: int) -> TrackBatch:
    boxes = seq.dets.boxes[rows]
    predicted, velocities = predicted_after(boxes, velocity[rows], seq.cameras, frame, gap)
    appearance: list = []
    if seq.descriptors is not None:
        for r in rows:
            same = np.nonzero(seq.labels[: r + 1] == seq.labels[r])[0][-memory:]
            appearance.append(TrackAppearance.of(seq.descriptors.take(same)))
    return TrackBatch(ids=seq.labels[rows], last_boxes=boxes, predicted_boxes=predicted, velocities=velocities,
                      gaps=np.full(len(rows), gap), hits=hits[rows], last_scores=seq.dets.scores[rows],
                      appearance=appearance)
