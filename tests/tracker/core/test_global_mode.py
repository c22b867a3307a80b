"""--mode global: the same tracks as online where the answer is obvious."""

import dataclasses

import numpy as np

from siamtrack.association.geometry_scorer import GeometryScorer
from siamtrack.configs import load_config
from siamtrack.tracker.core.global_mode import GlobalTracker
from siamtrack.tracker.core.online import OnlineTracker


def scene():
    """Two people in separate lanes, walking steadily, one detection missing."""
    for t in range(1, 31):
        boxes = [[10 + 3 * t, 50, 40, 100], [400 - 3 * t, 300, 40, 100]]
        if t == 12:
            boxes = boxes[:1]
        yield t, None, None, np.array(boxes, float), np.full(len(boxes), 0.9)


def partition(rows):
    """Track membership as a set of frozensets of (frame, rounded x): id numbers do not matter."""
    tracks: dict[int, set] = {}
    for f, i, x, *_ in rows:
        tracks.setdefault(i, set()).add((f, round(x)))
    return {frozenset(v) for v in tracks.values()}


def test_global_agrees_with_online_on_a_trivial_sequence():
    config = load_config()
    rules = dataclasses.replace(config.tracker, max_gap_seconds=1.0)
    online = OnlineTracker(GeometryScorer(), rules, 25.0)
    rows = []
    for t, _, _, boxes, scores in scene():
        online.step(t, boxes, scores)
    rows = online.finish()
    tracker = GlobalTracker(GeometryScorer(), rules, config.global_mode, 25.0)
    for t, image, prev, boxes, scores in scene():
        assert tracker.step(t, boxes, scores, image, prev) == []  # nothing is decided before the end
    offline = tracker.finish()
    assert len(partition(rows)) == 2
    assert partition(rows) == partition(offline)
