"""Smoothing a finished track's boxes over time: a straight walk is kept as it is, jitter is
taken out, and the rows are the same frames and ids as without it."""

from __future__ import annotations

import dataclasses

import numpy as np

from siamtrack.tracker.core.smoothing import smooth_boxes
from tests.tracker.core.test_online_tracker import BASE, run


def _walk(frames: np.ndarray) -> np.ndarray:
    return np.stack([100 + 3.0 * frames, 50 - 0.5 * frames, 40 + 0.1 * frames, 100 + 0.25 * frames], axis=1)


def test_a_straight_walk_is_kept_to_its_ends_and_across_a_gap():
    seen = np.r_[1:15, 23:41]
    out = smooth_boxes(seen, _walk(seen), np.arange(1, 41), sigma_frames=5.0)
    np.testing.assert_allclose(out, _walk(np.arange(1, 41)), atol=1e-6)


def test_jitter_is_taken_out():
    rng = np.random.default_rng(0)
    frames = np.arange(1, 101)
    truth = _walk(frames)
    noisy = truth + rng.normal(0, 3.0, truth.shape)
    smoothed = smooth_boxes(frames, noisy, frames, sigma_frames=4.0)
    assert np.abs(smoothed - truth).mean() < 0.5 * np.abs(noisy - truth).mean()
    assert np.array_equal(smoothed, smooth_boxes(frames, noisy, frames, sigma_frames=4.0))


def test_one_observation_or_none_in_reach_falls_back_to_the_nearest():
    one = smooth_boxes(np.array([5]), _walk(np.array([5])), np.array([5, 6]), sigma_frames=2.0)
    np.testing.assert_allclose(one, _walk(np.array([5, 5])))
    far = smooth_boxes(np.array([1, 2]), _walk(np.array([1, 2])), np.array([40]), sigma_frames=1.0)
    np.testing.assert_allclose(far, _walk(np.array([2])))


def test_the_tracker_writes_the_same_frames_and_ids_with_smoothed_boxes():
    rng = np.random.default_rng(1)
    frames = {f: [list(_walk(np.array([f]))[0] + rng.normal(0, 2.0, 4))] for f in range(1, 41) if not 15 <= f <= 18}
    raw = run(frames, 40, dataclasses.replace(BASE, smooth_seconds=0.0))
    smooth = run(frames, 40, dataclasses.replace(BASE, smooth_seconds=0.2))
    assert [r[:2] for r in raw] == [r[:2] for r in smooth] and len(raw) == 40
    truth = {f: _walk(np.array([f]))[0] for f in range(1, 41)}
    error = [np.abs(np.array(rows_[2:6]) - truth[rows_[0]]).mean() for rows_ in raw]
    error_smooth = [np.abs(np.array(rows_[2:6]) - truth[rows_[0]]).mean() for rows_ in smooth]
    assert np.mean(error_smooth) < 0.7 * np.mean(error)
    assert [r[6] for r in raw] == [r[6] for r in smooth]  # scores (and -1 of filled frames) kept
