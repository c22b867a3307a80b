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
