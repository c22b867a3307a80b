"""`siamtrack calibrate-scores` reproduces the shipped detector-score calibrations."""

from __future__ import annotations

import numpy as np
import pytest

from siamtrack.tracker.app.calibrate import fit_calibrations, fit_logistic
from siamtrack.tracker.io.score_calibration import CALIBRATIONS
from tests.conftest import SHARED_MOT, needs_shared


def test_the_logistic_fit_finds_a_known_curve():
    rng = np.random.default_rng(0)
    scores = rng.uniform(-20, 120, 20000)
    labels = rng.random(20000) < 1 / (1 + np.exp(-0.08 * (scores - 21.0)))
    slope, centre = fit_logistic(scores, labels)
    assert slope == pytest.approx(0.08, rel=0.05) and centre == pytest.approx(21.0, abs=1.0)


@needs_shared
def test_the_shipped_constants_are_reproduced():
    fits = fit_calibrations(SHARED_MOT, {"acf": ["TUD-Campus", "TUD-Stadtmitte", "KITTI-17"],
                                         "dpm": ["MOT16-09", "MOT16-11-half"]})
    for family, (slope, centre) in CALIBRATIONS.items():
        assert fits[family].slope == pytest.approx(slope, rel=2e-3)
        assert fits[family].centre == pytest.approx(centre, rel=2e-3, abs=1e-3)
