import numpy as np

from siamtrack.association.solver import solve
from siamtrack.tracker.io.score_calibration import calibrate, guess_source


def test_solver_maximises_product_and_gates():
    p = np.array([[0.9, 0.8], [0.85, 0.1]])
    rows, cols = solve(p, 0.3)
    # 0.8 * 0.85 > 0.9 * 0.1: the global optimum, not the greedy one
    assert sorted(zip(rows.tolist(), cols.tolist(), strict=True)) == [(0, 1), (1, 0)]
    rows, cols = solve(np.array([[0.2, 0.1]]), 0.3)
    assert len(rows) == 0
    rows, cols = solve(np.zeros((0, 3)), 0.3)
    assert len(rows) == 0


def test_score_sources_are_guessed_and_calibrated_monotonically():
    acf = np.array([-0.5, 10, 40, 110.0])
    dpm = np.array([-0.45, 0.0, 1.2, 3.9])
    prob = np.array([0.1, 0.95])
    assert (guess_source(acf), guess_source(dpm), guess_source(prob)) == ("acf", "dpm", "probability")
    for scores in (acf, dpm):
        p = calibrate(scores)
        assert np.all((p >= 0) & (p <= 1)) and np.all(np.diff(p) > 0)
    np.testing.assert_allclose(calibrate(prob), prob)
    # The calibrations put a typical "sure" detection well above a typical doubtful one.
    assert calibrate(np.array([60.0]), "acf")[0] > 0.9 > 0.3 > calibrate(np.array([5.0]), "acf")[0]
