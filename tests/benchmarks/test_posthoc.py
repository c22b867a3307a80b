"""A lever judged at the stored rules: adopted only for a gain larger than its noise, on every seed."""

from __future__ import annotations

import numpy as np

from benchmarks.posthoc import _decision


def test_a_steady_gain_on_every_seed_is_adopted_and_a_noisy_or_one_seed_gain_is_not():
    rng = np.random.default_rng(0)
    steady = 0.8 + rng.normal(0, 0.3, (3, 15))
    assert _decision(steady)["adopt"] and abs(_decision(steady)["gain"] - steady.mean()) < 1e-9
    noisy = 0.3 + rng.normal(0, 3.0, (3, 15))
    assert not _decision(noisy)["adopt"]
    one_seed = np.vstack([np.full((1, 15), 3.0), np.full((2, 15), -0.2)])
    decision = _decision(one_seed)
    assert decision["gain"] > 2 * decision["se"] and not decision["adopt"]  # the mean alone would have adopted it
    assert np.allclose(decision["seed_gains"], [3.0, -0.2, -0.2]) and decision["cells_not_worse"] == 15
