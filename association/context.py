"""Contextual features of every (track, detection) pair: where, how big, how long ago, how sure.

Pure and vectorised: one (T, D, K) array per frame, no Python loop over pairs. Positions are
normalised by the track's box height so that a far (small) and a near (large) person are alike,
and time is given both in frames and in seconds so the linker can generalise across frame rates.
"""

from __future__ import annotations

import numpy as np

from .geometry import iou_matrix
from .types import FrameDetections, TrackBatch

CONTEXT_FEATURES = (
    "dx_last",  # (det centre x - last centre x) / last height
    "dy_last",
    "dist_pred",  # |det centre - predicted centre| / predicted height
    "dx_pred",
    "dy_pred",
    "log_h_ratio",  # log(det height / last height)
    "log_aspect_change",  # log((w/h) det / (w/h) last)
    "gap_frames",
    "gap_seconds",
    "iou_last",
    "iou_pred",
    "det_score",
    "track_score",
    "log_hits",
    "speed",  # |track velocity| / height, per second
)


def _centres(boxes: np.ndarray) -> np.ndarray:
    return boxes[:, :2] + boxes[:, 2:] / 2


def context_features(tracks: TrackBatch, dets: FrameDetections, frame_rate: float) -> np.ndarray:
    """(T, D, len(CONTEXT_FEATURES)) float32 features, in the order of ``CONTEXT_FEATURES``."""
    t, d = len(tracks), len(dets)
    if t == 0 or d == 0:
        return np.zeros((t, d, len(CONTEXT_FEATURES)), dtype=np.float32)
    last, pred, det = tracks.last_boxes, tracks.predicted_boxes, dets.boxes
    h_last = np.maximum(last[:, 3], 1.0)[:, None]
    h_pred = np.maximum(pred[:, 3], 1.0)[:, None]
    c_last, c_pred, c_det = _centres(last), _centres(pred), _centres(det)
    dx_last = (c_det[None, :, 0] - c_last[:, None, 0]) / h_last
    dy_last = (c_det[None, :, 1] - c_last[:, None, 1]) / h_last
    dx_pred = (c_det[None, :, 0] - c_pred[:, None, 0]) / h_pred
    dy_pred = (c_det[None, :, 1] - c_pred[:, None, 1]) / h_pred
    log_h = np.log(np.maximum(det[None, :, 3], 1.0) / h_last)
    aspect_last = (last[:, 2] / np.maximum(last[:, 3], 1.0))[:, None]
    aspect_det = (det[:, 2] / np.maximum(det[:, 3], 1.0))[None, :]
    gaps = np.broadcast_to(tracks.gaps[:, None].astype(np.float64), (t, d))
    speed = np.linalg.norm(tracks.velocities[:, :2], axis=1) / h_last[:, 0] * frame_rate
    iou_last, iou_pred = np.split(iou_matrix(np.concatenate([last, pred]), det), 2)  # one call: half the overhead
    columns = [
        dx_last, dy_last, np.hypot(dx_pred, dy_pred), dx_pred, dy_pred, log_h,
        np.log(np.maximum(aspect_det, 1e-3) / np.maximum(aspect_last, 1e-3)),
        gaps, gaps / frame_rate, iou_last, iou_pred,
        dets.scores[None, :], tracks.last_scores[:, None], np.log1p(tracks.hits)[:, None], speed[:, None],
    ]
    out = np.empty((t, d, len(columns)), dtype=np.float32)
    for k, column in enumerate(columns):  # each broadcast into place once, no stacked float64 copy
        out[..., k] = column
    return out
