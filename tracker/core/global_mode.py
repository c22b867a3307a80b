"""``--mode global``: the paper's offline formulation. All detections of a sequence form a graph
whose edges (up to ``max_gap_seconds`` apart) carry the link scorer's probability; one min-cost
flow picks the tracks. Slower and offline, but it can fix early mistakes an online tracker keeps.

Each detection is scored as a one-detection "track" (no velocity, the appearance the scorer
gives a new track), so the same linker serves both modes. ``GlobalTracker`` takes frames the way
the online tracker does, so one frame loop drives both; its rows all come at ``finish``.
"""

from __future__ import annotations

import numpy as np

from siamtrack.association.flow_solver import log_odds_cost, solve_min_cost_flow
from siamtrack.association.scorer import LinkScorer
from siamtrack.association.types import FrameDetections, TrackBatch
from siamtrack.configs import GlobalSettings, TrackRules

from .online import Rows, Track


def _as_tracks(dets: FrameDetections, gap: int, appearance: list) -> TrackBatch:
    """The frame's detections as one-detection tracks lost for ``gap`` frames."""
    n = len(dets)
    return TrackBatch(ids=np.arange(n), last_boxes=dets.boxes, predicted_boxes=dets.boxes,
                      velocities=np.zeros((n, 4)), gaps=np.full(n, gap), hits=np.ones(n, int),
                      last_scores=dets.scores, appearance=appearance)


class GlobalTracker:
    """Collects every frame's described detections; ``finish`` solves the sequence at once."""

    def __init__(self, scorer: LinkScorer, rules: TrackRules, settings: GlobalSettings, frame_rate: float):
        self.scorer, self.rules, self.settings, self.frame_rate = scorer, rules, settings, frame_rate
        self._frames: list[FrameDetections] = []
        self.confirmed_tracks = 0

    def step(self, frame_index: int, boxes: np.ndarray, scores: np.ndarray,
             image: np.ndarray | None = None, prev_image: np.ndarray | None = None) -> list[Track]:
        """Keep one frame's detections (calibrated scores); nothing is decided before ``finish``."""
        keep = scores >= self.rules.min_score
        dets = FrameDetections(frame_index, boxes[keep], scores[keep])
        self.scorer.describe(image, prev_image, dets)
        self._frames.append(dets)
        return []

    def pop_finished_rows(self) -> Rows:
        return []

    def finish(self) -> Rows:
        rows = track_global(self._frames, self.scorer, self.rules, self.settings, self.frame_rate)
        self._frames = []
        self.confirmed_tracks = len({r[1] for r in rows})
        return rows


def track_global(per_frame: list[FrameDetections], scorer: LinkScorer, rules: TrackRules, settings: GlobalSettings,
                 frame_rate: float) -> Rows:
    """Tracks of a whole sequence from its frames' described detections, in frame order."""
    offsets = np.cumsum([0] + [len(d) for d in per_frame])
    by_index = {d.frame: k for k, d in enumerate(per_frame)}
    max_gap = max(1, int(round(settings.max_gap_seconds * frame_rate)))
    link_from, link_to, link_p, link_gap = [], [], [], []
    for k, dets in enumerate(per_frame):
        if len(dets) == 0:
            continue
        candidates: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        appearance = [scorer.update_appearance(None, dets, j) for j in range(len(dets))]  # once, for every gap
        for gap in range(1, max_gap + 1):
            later = by_index.get(dets.frame + gap)
            if later is None or len(per_frame[later]) == 0:
                continue
            p = scorer.probability(_as_tracks(dets, gap, appearance), per_frame[later])
            src, dst = np.nonzero(p >= rules.min_link_probability)
            candidates.append((offsets[k] + src, offsets[later] + dst, p[src, dst], np.full(len(src), gap)))
        if not candidates:
            continue
        src = np.concatenate([c[0] for c in candidates])
        dst = np.concatenate([c[1] for c in candidates])
        prob = np.concatenate([c[2] for c in candidates])
        gaps = np.concatenate([c[3] for c in candidates])
        # keep each detection's strongest few successors: the graph stays small, the optimum rarely changes
        order = np.lexsort((-prob, src))
        src, dst, prob, gaps = src[order], dst[order], prob[order], gaps[order]
        first = np.r_[0, np.nonzero(np.diff(src))[0] + 1]
        rank = np.arange(len(src)) - np.repeat(first, np.diff(np.r_[first, len(src)]))
        keep = rank < settings.max_links
        link_from.append(src[keep])
        link_to.append(dst[keep])
        link_p.append(prob[keep])
        link_gap.append(gaps[keep])
    n = int(offsets[-1])
    all_boxes = np.concatenate([d.boxes for d in per_frame]) if n else np.zeros((0, 4))
    all_scores = np.concatenate([d.scores for d in per_frame]) if n else np.zeros(0)
    all_frames = np.concatenate([np.full(len(d), d.frame) for d in per_frame]) if n else np.zeros(0, int)
    lf = np.concatenate(link_from) if link_from else np.zeros(0, int)
    lt = np.concatenate(link_to) if link_to else np.zeros(0, int)
    lp = np.concatenate(link_p) if link_p else np.zeros(0)
    lg = np.concatenate(link_gap) if link_gap else np.zeros(0)
    # Skipping frames must cost something, or one person splits into two interleaved chains that
    # both collect the detections' rewards.
    link_cost = log_odds_cost(lp) + settings.gap_cost * (lg - 1)
    chains = solve_min_cost_flow(n, log_odds_cost(all_scores), lf, lt, link_cost,
                                 settings.entry_cost, settings.exit_cost)
    chains = sorted((c for c in chains if len(c) >= rules.min_hits), key=lambda c: (all_frames[c[0]], c[0]))
    rows: Rows = []
    max_interp = rules.max_interpolation_frames(frame_rate)
    for track_id, chain in enumerate(chains, start=1):
        track = Track(track_id, id=track_id)
        track.frames = [int(all_frames[i]) for i in chain]
        track.boxes = [all_boxes[i] for i in chain]
        track.scores = [float(all_scores[i]) for i in chain]
        rows.extend(track.rows(rules.interpolate_gaps, max_interp, rules.smooth_seconds * frame_rate))
    return rows
