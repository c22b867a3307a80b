"""Joining finished tracklets offline: a walk broken by an occlusion is one identity again, and
pieces that do not continue one another stay apart."""

from __future__ import annotations

import numpy as np

from siamtrack.tracker.core.stitching import stitch


def _piece(identity: int, frames, x0: float, vx: float) -> list[tuple]:
    return [(f, identity, x0 + vx * f, 100.0, 40.0, 100.0, 0.9) for f in frames]


def test_a_walk_broken_by_an_occlusion_is_one_identity_with_the_gap_filled():
    rows = _piece(1, range(1, 21), 10.0, 4.0) + _piece(2, range(31, 51), 10.0, 4.0)
    out = stitch(rows, 25.0, max_gap_seconds=1.0)
    assert {r[1] for r in out} == {1} and sorted(r[0] for r in out) == list(range(1, 51))
    filled = {r[0]: r for r in out if r[6] == -1.0}
    assert sorted(filled) == list(range(21, 31))
    assert np.isclose(filled[25][2], 10.0 + 4.0 * 25)


def test_a_chain_of_three_pieces_is_followed_to_its_end():
    rows = _piece(5, range(1, 11), 0.0, 3.0) + _piece(7, range(15, 25), 0.0, 3.0) + _piece(9, range(30, 40), 0.0, 3.0)
    assert {r[1] for r in stitch(rows, 25.0, 1.0)} == {5}


def test_pieces_that_do_not_continue_one_another_stay_apart():
    away = _piece(1, range(1, 21), 300.0, -5.0) + _piece(2, range(26, 46), 300.0, 5.0)  # turned back at once
    assert {r[1] for r in stitch(away, 25.0, 1.0)} == {1, 2}
    overlapping = _piece(1, range(1, 21), 10.0, 4.0) + _piece(2, range(18, 40), 10.0, 4.0)
    assert stitch(overlapping, 25.0, 1.0) == overlapping
    too_late = _piece(1, range(1, 21), 10.0, 4.0) + _piece(2, range(60, 80), 10.0, 4.0)
    assert stitch(too_late, 25.0, 1.0) == too_late
    other_size = _piece(1, range(1, 21), 10.0, 4.0) + [(f, 2, 10.0 + 4.0 * f, 100.0, 80.0, 200.0, 0.9)
                                                       for f in range(26, 40)]
    assert {r[1] for r in stitch(other_size, 25.0, 1.0)} == {1, 2}
    assert stitch(away, 25.0, 0.0) == away  # off


def test_each_end_continues_once_the_closest_way():
    rows = _piece(1, range(1, 21), 10.0, 4.0) + _piece(2, range(26, 40), 10.0, 4.0) \
        + _piece(3, range(26, 40), 22.0, 4.0)  # two candidates; id 2 is on the line
    out = stitch(rows, 25.0, 1.0)
    assert {r[1] for r in out} == {1, 3} and {r[0] for r in out if r[1] == 1} >= set(range(26, 40))
    assert out == stitch(rows, 25.0, 1.0)
