"""Tracker behaviour on synthetic boxes: crossing, gaps, birth and death."""

import dataclasses

import numpy as np

from siamtrack.association.geometry_scorer import GeometryScorer
from siamtrack.tracker.core.online import OnlineTracker
from tests.conftest import rules as _rules

# the rules these tests were written against
BASE = _rules(min_hits=3, max_gap_seconds=1.0, birth_score=0.7)


def run(frames: dict[int, list[list[float]]], n_frames: int, rules=None, fps: float = 25):
    tracker = OnlineTracker(GeometryScorer(), rules or BASE, fps)
    rows = []
    for f in range(1, n_frames + 1):
        boxes = np.array(frames.get(f, []), dtype=float).reshape(-1, 4)
        tracker.step(f, boxes, np.ones(len(boxes)))
        rows.extend(tracker.pop_finished_rows())
    rows.extend(tracker.finish())
    return rows


def ids_by_frame(rows):
    out: dict[int, dict[int, tuple]] = {}
    for f, i, x, y, w, h, _ in rows:
        out.setdefault(f, {})[i] = (x, y, w, h)
    return out


def test_two_people_crossing_keep_their_identities():
    frames = {f: [[10 + 8 * f, 100, 40, 100], [410 - 8 * f, 104, 40, 100]] for f in range(1, 51)}
    rows = run(frames, 50)
    per_frame = ids_by_frame(rows)
    left_starter = {f: min(boxes.items(), key=lambda kv: kv[1][0])[0] for f, boxes in per_frame.items()}
    assert len({i for _, i, *_ in rows}) == 2
    # Before crossing (f < 25) the left box is one id; after crossing the same id is on the right.
    assert left_starter[5] != left_starter[45]


def test_gap_is_bridged_and_interpolated():
    frames = {f: [[100 + 3 * f, 50, 40, 100]] for f in range(1, 41) if not 15 <= f <= 22}
    rows = run(frames, 40)
    assert {i for _, i, *_ in rows} == {1}
    per_frame = ids_by_frame(rows)
    assert sorted(per_frame) == list(range(1, 41))  # the gap was filled
    np.testing.assert_allclose(per_frame[18][1][0], 100 + 3 * 18, atol=1e-6)


def test_birth_needs_min_hits_and_keeps_early_frames():
    frames = {f: [[100, 50, 40, 100]] for f in range(5, 7)}  # two hits only: never confirmed
    frames.update({f: [[300, 50, 40, 100]] for f in range(10, 14)})
    rows = run(frames, 20, dataclasses.replace(BASE, min_hits=3))
    assert {i for _, i, *_ in rows} == {1}
    assert sorted(f for f, *_ in rows) == [10, 11, 12, 13]


def test_track_dies_after_max_gap_and_a_new_id_is_born():
    frames = {f: [[100, 50, 40, 100]] for f in range(1, 11)}
    frames.update({f: [[100, 50, 40, 100]] for f in range(40, 50)})
    rows = run(frames, 50, dataclasses.replace(BASE, max_gap_seconds=0.5), fps=25)  # 12-frame gap allowed, 29 missed
    ids = ids_by_frame(rows)
    assert ids[5].keys() != ids[45].keys()
    rows = run(frames, 50, dataclasses.replace(BASE, max_gap_seconds=2.0), fps=25)  # 50 frames allowed: same id
    ids = ids_by_frame(rows)
    assert ids[5].keys() == ids[45].keys()


def test_low_score_detections_continue_but_do_not_start_tracks():
    tracker = OnlineTracker(GeometryScorer(), dataclasses.replace(BASE, min_score=0.2, birth_score=0.7, min_hits=1), 25)
    tracker.step(1, np.array([[0, 0, 40, 100.0]]), np.array([0.5]))
    assert tracker.finish() == []
    tracker = OnlineTracker(GeometryScorer(), dataclasses.replace(BASE, min_score=0.2, birth_score=0.7, min_hits=1), 25)
    tracker.step(1, np.array([[0, 0, 40, 100.0]]), np.array([0.9]))
    tracker.step(2, np.array([[1, 0, 40, 100.0]]), np.array([0.5]))
    assert [r[0] for r in tracker.finish()] == [1, 2]
