"""Fold isolation: nothing a fold learned or chose saw its held-out sequence, as its outputs say."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.fold_models import fold_calibrations
from benchmarks.generalization import RESULTS, SEQUENCES
from siamtrack.tracker.app.calibrate import fit_calibrations
from siamtrack.tracker.eval.protocol import folds
from tests.conftest import SHARED_MOT, needs_shared

LEARNED = ("train", "calibration_train", "matcher_train", "linker_train", "rules_tuned_on")


def check_fold_record(record: dict) -> None:
    held = record["held_out"]
    for part in LEARNED:
        assert held not in record[part], f"fold {held}: {part} includes the held-out sequence"
        assert not any(name.startswith(held + "-every") for name in record[part])


def test_the_recorded_protocol_runs_kept_every_held_out_sequence_unseen():
    runs = sorted(RESULTS.parent.glob("generalization*.json"))
    if not runs:
        pytest.skip("no protocol run recorded yet")
    for path in runs:
        run = json.loads(path.read_text())
        held = [f["fold"]["held_out"] for f in run["folds"]]
        assert len(held) == len(set(held)) >= 1, path
        for fold in run["folds"]:
            check_fold_record(fold["fold"])
            for cell in fold["cells"].values():
                assert cell["sequence"].split("-every")[0] == fold["fold"]["held_out"]


def test_a_record_that_saw_its_held_out_sequence_is_caught():
    leaky = {"held_out": "KITTI-17", **{part: ["TUD-Campus"] for part in LEARNED}}
    check_fold_record(leaky)
    leaky["linker_train"] = ["TUD-Campus", "KITTI-17"]
    with pytest.raises(AssertionError, match="linker_train"):
        check_fold_record(leaky)


@needs_shared
def test_fold_calibrations_are_fitted_on_the_training_sequences_only(tmp_path: Path):
    for fold in folds(SEQUENCES):
        if fold.held_out != "MOT16-09":
            continue
        fits = fold_calibrations(SHARED_MOT, fold)
        alone = fit_calibrations(SHARED_MOT, {"dpm": ["MOT16-11-half"],
                                              "acf": ["TUD-Campus", "TUD-Stadtmitte", "KITTI-17"]})
        assert fits["dpm"] == pytest.approx((alone["dpm"].slope, alone["dpm"].centre))
        assert fits["acf"] == pytest.approx((alone["acf"].slope, alone["acf"].centre))
