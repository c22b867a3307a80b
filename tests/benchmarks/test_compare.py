"""The lever decision: a gain must beat both its standard error over the cells and the seed spread."""

from __future__ import annotations

import json

import pytest

from benchmarks.compare import PEERS, decide, load_arm

CELLS = [(seq, rate) for seq in ("A", "B", "C", "D", "E") for rate in ("1", "2", "3")]


def _arm(offsets: list[float], tilt: float = 0.0) -> list[dict]:
    """Seeds of an arm: siamtrack's HOTA per cell = 40 + a per-cell pattern + the seed's offset."""
    arm = []
    for offset in offsets:
        seed = {}
        for k, cell in enumerate(CELLS):
            value = 40.0 + (k % 4) + offset + tilt * (k % 2)
            seed[cell] = {m: {"HOTA": value, "IDF1": value + 10} for m in ("siamtrack", "siamtrack geometry", *PEERS)}
        arm.append(seed)
    return arm


def test_a_gain_larger_than_the_seed_spread_is_adopted():
    d = decide(_arm([0.0, -1.0, 0.5]), _arm([3.0, 2.5, 3.5], tilt=0.5))
    assert d["adopt"] and d["gain"] == pytest.approx(3.0 + 0.5 * 7 / 15 - (-0.5 / 3), abs=1e-9)


def test_a_gain_inside_the_seed_spread_is_not():
    # the lever's mean gain is +1.2, but its worst seed is below the base's best
    d = decide(_arm([0.0, -2.5, 1.0]), _arm([1.5, 0.5, 0.0], tilt=0.2))
    assert not d["adopt"] and d["gain"] > 0


def test_arms_must_cover_the_same_cells(tmp_path):
    record = {"folds": [{"fold": {"held_out": "A"}, "cells": {"1": {"methods": {}}}}]}
    (tmp_path / "one.json").write_text(json.dumps(record))
    record["folds"][0]["cells"]["2"] = {"methods": {}}
    (tmp_path / "two.json").write_text(json.dumps(record))
    with pytest.raises(SystemExit, match="two.json: not the same cells"):
        load_arm(["one", "two"], tmp_path)
    with pytest.raises(SystemExit, match="three.json: no such protocol result"):
        load_arm(["three"], tmp_path)
