"""--mode global: the same tracks as online where the answer is obvious."""

import copy

import numpy as np

from association.geometry_scorer import GeometryScorer
from configs import load_config
from tracker.global_mode import track_global
from tracker.online import OnlineTracker, TrackRules


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
    config = copy.deepcopy(load_config())
    rules = TrackRules(**{**config["tracker"], "max_gap_seconds": 1.0})
    online = OnlineTracker(GeometryScorer(), rules, 25.0)
    rows = []
    for t, _, _, boxes, scores in scene():
        online.step(t, boxes, scores)
    rows = online.finish()
    offline = track_global(scene(), GeometryScorer(), rules, config["global"], 25.0)
    assert len(partition(rows)) == 2
    assert partition(rows) == partition(offline)
