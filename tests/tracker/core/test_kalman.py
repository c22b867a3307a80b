"""The box Kalman filter: batched rows behave as independent filters, and motion is learned."""

import numpy as np

from siamtrack.tracker.core.kalman import BoxKalman, KalmanBank


def test_constant_velocity_is_learned_and_predicted():
    kalman = BoxKalman(np.array([100.0, 50.0, 40.0, 100.0]))
    for t in range(1, 30):
        kalman.predict()
        kalman.update(np.array([100.0 + 3 * t, 50.0 - t, 40.0, 100.0]))
    assert np.allclose(kalman.velocity(), [3.0, -1.0, 0.0, 0.0], atol=0.05)
    kalman.predict()
    assert np.allclose(kalman.box(), [100.0 + 3 * 30, 50.0 - 30, 40.0, 100.0], atol=0.5)


def test_bank_rows_are_independent_filters():
    """Filtering several tracks in one bank, with births, misses and removals, gives each track
    exactly what filtering it alone gives."""
    rng = np.random.default_rng(0)
    starts = rng.uniform(0, 500, (5, 4)) + [0, 0, 20, 60]
    steps = rng.normal(0, 2, (5, 4))
    bank, alone = KalmanBank(), [BoxKalman(b) for b in starts[:3]]
    bank.add(starts[:3])
    for t in range(1, 12):
        if t == 4:  # two tracks are born mid-way
            bank.add(starts[3:])
            alone += [BoxKalman(b) for b in starts[3:]]
        if t == 8:  # one is dropped
            bank.keep(np.array([True, False, True, True, True]))
            del alone[1]
        bank.predict()
        for k in alone:
            k.predict()
        seen = np.arange(len(alone))[t % 3 != np.arange(len(alone)) % 3]  # some rows miss this frame
        boxes = np.array([alone[i].box() + steps[i] + rng.normal(0, 1, 4) for i in seen])
        bank.update(seen, boxes)
        for i, box in zip(seen, boxes, strict=True):
            alone[i].update(box)
        assert np.allclose(bank.boxes(), [k.box() for k in alone])
        assert np.allclose(bank.velocities(), [k.velocity() for k in alone])


def test_sizes_never_collapse_below_one_pixel():
    kalman = BoxKalman(np.array([10.0, 10.0, 4.0, 4.0]))
    for t in range(1, 6):
        kalman.predict()
        kalman.update(np.array([10.0, 10.0, 4.0 - 0.8 * t, 4.0 - 0.8 * t]))
    for _ in range(20):
        kalman.predict()
    assert kalman.box()[2] >= 1.0 and kalman.box()[3] >= 1.0


def _walk_then_predict(fps: int, time_aware: bool, noise: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A person walking at (60, -20) px/s, seen for 2 s at ``fps``, then predicted 1 s ahead:
    (predicted top-left corner, its std in px, velocity in px/s)."""
    rng = np.random.default_rng(0)
    speed = np.array([60.0, -20.0, 0.0, 0.0])
    start = np.array([100.0, 200.0, 40.0, 100.0])
    kalman = BoxKalman(start, frame_rate=fps if time_aware else None)
    for k in range(1, 2 * fps + 1):
        kalman.predict()
        kalman.update(start + speed * k / fps + np.r_[rng.normal(0, noise, 2), 0, 0])
    for _ in range(fps):
        kalman.predict()
    return kalman.box()[:2], kalman.position_std(), kalman.velocity()[:2] * fps


def test_time_aware_motion_predicts_the_same_positions_in_seconds_at_30_10_and_5_fps():
    truth = np.array([100.0 + 60 * 3, 200.0 - 20 * 3])
    exact = {fps: _walk_then_predict(fps, True, noise=0.0) for fps in (30, 10, 5)}
    for box, _, velocity in exact.values():
        assert np.allclose(box, truth, atol=1.0) and np.allclose(velocity, [60, -20], atol=0.5)
    noisy = {fps: _walk_then_predict(fps, True, noise=2.0) for fps in (30, 10, 5)}
    boxes, stds = np.array([b for b, _, _ in noisy.values()]), np.array([s for _, s, _ in noisy.values()])
    assert np.ptp(boxes, axis=0).max() < 4.0  # the same place a second later, whatever the rate
    assert np.ptp(stds) / stds.mean() < 0.05  # and the same uncertainty about it
    # a per-frame model is 5x surer of itself at 5 fps than at 30 after the same second
    per_frame = [_walk_then_predict(fps, False, noise=2.0)[1][0] for fps in (30, 5)]
    assert per_frame[0] > 4 * per_frame[1]


def test_time_aware_motion_at_30_fps_is_the_per_frame_model():
    a, b = _walk_then_predict(30, True, noise=2.0), _walk_then_predict(30, False, noise=2.0)
    assert all(np.allclose(x, y) for x, y in zip(a, b, strict=True))
