"""The frame-by-frame tracker: detections in, identities out.

Rules (all tunables in ``configs/default.yaml`` under ``tracker``, typed by
``configs.schema.TrackRules``):

* **Link**: each frame the scorer returns P(track i ↔ detection j) for every live track; the
  solver assigns on -log p and gates pairs below ``min_link_probability``.
* **Birth**: an unmatched detection whose calibrated score is at least ``birth_score`` starts a
  *tentative* track. Weaker detections may continue tracks but never start one.
* **Confirmation**: a tentative track becomes confirmed (and gets its public id) after
  ``min_hits`` matched frames in a row; one miss before that deletes it. Its earlier frames are
  kept, so the output starts where the person first appeared.
* **Death**: a confirmed track not matched for more than ``max_gap_seconds * frame_rate`` frames
  is finished. Until then it stays linkable, its box predicted by the Kalman filter.
* **Gaps**: when a lost track is re-linked, the frames it missed can be filled by linear
  interpolation (``interpolate_gaps``), which is what a viewer would draw anyway.
* **Smoothing** (``smooth_seconds`` > 0): a track's boxes are re-fitted over time when it is
  written out (``smoothing.py``).
* **Settling**: a row is written once it can no longer change, at the latest ``settle_lag``
  frames after its frame: by then its track was confirmed or dropped, a gap around it was bridged
  or its track ended, and every observation its smoothing uses has been seen. So a video drawn
  ``settle_lag`` frames behind the tracker shows exactly the rows of the tracks file, and a
  long-lived track's memory stays bounded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from siamtrack.association.scorer import LinkScorer
from siamtrack.association.solver import solve
from siamtrack.association.types import FrameDetections, TrackBatch
from siamtrack.configs import TrackRules
from siamtrack.siamese_cnn.timing import stage

from .camera import CameraMeter
from .kalman import KalmanBank
from .smoothing import smooth_boxes


@dataclass
class Track:
    """One target's history. ``id`` is 0 until the track is confirmed."""

    serial: int
    frames: list[int] = field(default_factory=list)
    boxes: list[np.ndarray] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    id: int = 0
    appearance: object | None = None
    hits: int = 0  # matched detections so far (the history lists may have been trimmed)
    written_through: int = 0  # rows up to this frame were output already (by ``settle``)

    @property
    def last_frame(self) -> int:
        return self.frames[-1]

    def rows(self, interpolate: bool, max_gap: int, smooth_frames: float = 0.0,
             through: int | None = None) -> list[tuple[int, int, float, float, float, float, float]]:
        """MOT result rows of this track not written yet (up to frame ``through``, if given), with
        short gaps filled linearly if asked, and every box re-fitted over time when
        ``smooth_frames`` (a Gaussian's sigma) is positive."""
        out: list[tuple[int, int, float, float, float, float, float]] = []
        for k, (frame, box, score) in enumerate(zip(self.frames, self.boxes, self.scores, strict=True)):
            if interpolate and k > 0:
                prev_frame, prev_box = self.frames[k - 1], self.boxes[k - 1]
                gap = frame - prev_frame
                if 1 < gap <= max_gap + 1:
                    for step in range(1, gap):
                        t = step / gap
                        b = (1 - t) * prev_box + t * box
                        out.append((prev_frame + step, self.id, *map(float, b), -1.0))
            out.append((frame, self.id, *map(float, box), float(score)))
        out = [r for r in out if self.written_through < r[0] <= (through if through is not None else r[0])]
        if smooth_frames > 0 and out:
            at = np.array([r[0] for r in out])
            fitted = smooth_boxes(np.array(self.frames), np.array(self.boxes), at, smooth_frames)
            out = [(r[0], r[1], *map(float, b), r[6]) for r, b in zip(out, fitted, strict=True)]
        return out

    def settle(self, horizon: int, interpolate: bool, max_gap: int, smooth_frames: float,
               context: int) -> list[tuple[int, int, float, float, float, float, float]]:
        """The rows up to frame ``horizon`` not written yet; the history before it is dropped except
        the entries later rows still need: the last one (the anchor a gap is interpolated from) and
        those within ``context`` frames (what the smoothing of later rows looks back at)."""
        out = self.rows(interpolate, max_gap, smooth_frames, through=horizon)
        self.written_through = max(self.written_through, horizon)
        anchor = max((k for k, f in enumerate(self.frames) if f <= horizon), default=0)
        needed = next((k for k, f in enumerate(self.frames) if f > horizon - context), anchor)
        keep = min(anchor, needed)
        self.frames, self.boxes, self.scores = self.frames[keep:], self.boxes[keep:], self.scores[keep:]
        return out


Rows = list[tuple[int, int, float, float, float, float, float]]


class OnlineTracker:
    """Frame-by-frame tracker with a pluggable link scorer."""

    def __init__(self, scorer: LinkScorer, rules: TrackRules, frame_rate: float):
        self.scorer = scorer
        self.rules = rules
        self.frame_rate = frame_rate
        self.max_gap = rules.max_gap_frames(frame_rate)
        self.max_interpolation = rules.max_interpolation_frames(frame_rate)
        self.smooth_frames = rules.smooth_seconds * frame_rate
        self._context = int(np.ceil(3 * self.smooth_frames))  # the smoothing's reach (smoothing.py)
        # A row settles once its track is confirmed (min_hits), any gap around it is bridged or its
        # track has died (max_gap), and the smoothing has seen its reach; settled every `_settle_every`
        # frames, so every row is written at most `settle_lag` frames after its frame.
        reach = max(self.max_gap, rules.min_hits) + self._context + 1
        self._settle_every = max(1, reach // 2)
        self.settle_lag = reach + self._settle_every
        self._reach = reach
        self._frame = 0
        self._live: list[Track] = []
        # row k is the motion state of self._live[k]
        self._motion = KalmanBank(frame_rate=frame_rate if rules.time_aware_motion else None)
        self._finished: list[Track] = []
        self._prev_boxes = np.zeros((0, 4))
        self._camera = CameraMeter() if rules.camera_motion else None
        self._next_serial = 1
        self._next_id = 1

    @property
    def confirmed_tracks(self) -> int:
        """How many identities have been confirmed so far."""
        return self._next_id - 1

    # -- one frame -------------------------------------------------------------------------
    def step(self, frame_index: int, boxes: np.ndarray, scores: np.ndarray,
             image: np.ndarray | None = None, prev_image: np.ndarray | None = None,
             camera: np.ndarray | None = None) -> list[Track]:
        """Consume one frame's detections (calibrated scores); return confirmed tracks seen now.

        ``camera``: the camera's motion since the previous frame ((2, 3), ``camera.py``); with
        ``camera_motion`` on it is estimated from the two images when not given.
        """
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        scores = np.asarray(scores, dtype=np.float64).reshape(-1)
        self._frame = frame_index
        people, self._prev_boxes = self._prev_boxes, boxes  # the camera is estimated off last frame's people
        keep = scores >= self.rules.min_score
        dets = FrameDetections(frame_index, boxes[keep], scores[keep])
        self.scorer.describe(image, prev_image, dets)

        self._motion.predict()
        if self._camera is not None:
            if camera is None and image is not None:
                camera = self._camera.measure(prev_image, image, people)
            if camera is not None:
                self._motion.warp(camera)
        batch = self._batch(frame_index)
        rows, cols = np.zeros(0, int), np.zeros(0, int)
        if len(batch) and len(dets):
            probability = self.scorer.probability(batch, dets)
            with stage("assignment"):
                rows, cols = self._assign(probability, batch.gaps)

        self._motion.update(rows, dets.boxes[cols])
        for r, c in zip(rows, cols, strict=True):
            self._extend(self._live[r], dets, int(c))
        self._retire(frame_index, set(rows.tolist()))

        unmatched = np.ones(len(dets), bool)
        unmatched[cols] = False
        self._birth(dets, np.nonzero(unmatched & (dets.scores >= self.rules.birth_score))[0])
        return [t for t in self._live if t.id and t.last_frame == frame_index]

    def _assign(self, probability: np.ndarray, gaps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One Hungarian over all tracks, or (``cascade``) tracks seen last frame first, then the
        lost ones on the detections left over."""
        gate = self.rules.min_link_probability
        if not self.rules.cascade:
            return solve(probability, gate)
        recent = np.nonzero(gaps <= 1)[0]
        lost = np.nonzero(gaps > 1)[0]
        r1, c1 = solve(probability[recent], gate)
        rows, cols = recent[r1], c1
        free = np.setdiff1d(np.arange(probability.shape[1]), cols)
        if len(lost) and len(free):
            r2, c2 = solve(probability[np.ix_(lost, free)], gate)
            rows, cols = np.r_[rows, lost[r2]], np.r_[cols, free[c2]]
        return rows, cols

    def _batch(self, frame_index: int) -> TrackBatch:
        live = self._live
        if not live:
            empty = np.zeros((0, 4))
            return TrackBatch(np.zeros(0, int), empty, empty, empty, np.zeros(0, int), np.zeros(0, int), np.zeros(0))
        return TrackBatch(
            ids=np.array([t.serial for t in live]),
            last_boxes=np.array([t.boxes[-1] for t in live]),
            predicted_boxes=self._motion.boxes(),
            velocities=self._motion.velocities(),
            gaps=np.array([frame_index - t.last_frame for t in live]),
            hits=np.array([t.hits for t in live]),
            last_scores=np.array([t.scores[-1] for t in live]),
            appearance=[t.appearance for t in live],
        )

    def _extend(self, track: Track, dets: FrameDetections, j: int) -> None:
        """Append detection ``j`` to the track's history (its motion row is updated by the caller)."""
        track.frames.append(dets.frame)
        track.boxes.append(dets.boxes[j].copy())
        track.scores.append(float(dets.scores[j]))
        track.hits += 1
        track.appearance = self.scorer.update_appearance(track.appearance, dets, j)
        if not track.id and track.hits >= self.rules.min_hits:
            track.id = self._next_id
            self._next_id += 1

    def _birth(self, dets: FrameDetections, js: np.ndarray) -> None:
        """Start a tentative track at each of these detections."""
        first = len(self._motion)
        self._motion.add(dets.boxes[js])
        self._motion.update(np.arange(first, first + len(js)), dets.boxes[js])  # the box is also its first measurement
        for j in js:
            track = Track(self._next_serial)
            self._next_serial += 1
            self._extend(track, dets, int(j))
            self._live.append(track)

    def _retire(self, frame_index: int, matched: set[int]) -> None:
        keep = np.ones(len(self._live), bool)
        for k, track in enumerate(self._live):
            missed = k not in matched
            if missed and (not track.id or frame_index - track.last_frame >= self.max_gap):
                if track.id:
                    self._finished.append(track)
                keep[k] = False
        self._live = [t for t, kept in zip(self._live, keep, strict=True) if kept]
        self._motion.keep(keep)

    # -- output ----------------------------------------------------------------------------
    def pop_finished_rows(self) -> Rows:
        """Rows of tracks that can no longer change; they are forgotten here (bounded memory)."""
        rows: Rows = []
        for track in self._finished:
            rows.extend(track.rows(self.rules.interpolate_gaps, self.max_interpolation, self.smooth_frames))
        self._finished = []
        if self._frame % self._settle_every == 0:  # live tracks: write out what cannot change any more
            horizon = self._frame - self._reach
            for track in self._live:
                if track.id and track.written_through < horizon:
                    rows.extend(track.settle(horizon, self.rules.interpolate_gaps, self.max_interpolation,
                                             self.smooth_frames, self._context))
        return rows

    def finish(self) -> Rows:
        """End of the stream: every confirmed track is final."""
        self._finished.extend(t for t in self._live if t.id)
        self._live = []
        self._motion.keep(np.zeros(0, int))
        return self.pop_finished_rows()

