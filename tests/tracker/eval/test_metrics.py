"""Our scoring must equal TrackEval's own Evaluator to the last digit, under MOTChallenge rules."""

import shutil
from pathlib import Path

import numpy as np
import pytest
import trackeval

from siamtrack.tracker.eval.metrics import benchmark_of, combine, score_sequence
from siamtrack.tracker.io.mot import read_ground_truth, write_results
from tests.conftest import DEMO_DATA, SHARED_MOT, needs_shared


def trackeval_reference(gt_root: Path, seq: str, result_file: Path, benchmark: str) -> dict:
    trackers = result_file.parent.parent
    evaluator = trackeval.Evaluator({"USE_PARALLEL": False, "PRINT_RESULTS": False, "PRINT_CONFIG": False,
                                     "OUTPUT_SUMMARY": False, "OUTPUT_DETAILED": False, "PLOT_CURVES": False,
                                     "TIME_PROGRESS": False, "DISPLAY_LESS_PROGRESS": True})
    dataset = trackeval.datasets.MotChallenge2DBox({
        "GT_FOLDER": str(gt_root), "TRACKERS_FOLDER": str(trackers), "TRACKERS_TO_EVAL": [result_file.parent.name],
        "TRACKER_SUB_FOLDER": "", "SKIP_SPLIT_FOL": True, "SEQ_INFO": {seq: None}, "BENCHMARK": benchmark,
        "PRINT_CONFIG": False})
    metrics = [trackeval.metrics.HOTA(), trackeval.metrics.CLEAR(), trackeval.metrics.Identity()]
    res, _ = evaluator.evaluate([dataset], metrics)
    return res["MotChallenge2DBox"][result_file.parent.name][seq]["pedestrian"]


def noisy_result_from_gt(gt_file: Path, out: Path, seed: int = 0) -> None:
    """A plausible imperfect tracker output: jittered gt, some boxes dropped, some ids swapped."""
    rng = np.random.default_rng(seed)
    gt = read_ground_truth(gt_file)
    keep = (gt.scores != 0) & (rng.random(len(gt)) > 0.15)
    ids = gt.ids.copy()
    ids[(gt.frames > gt.frames.max() // 2) & (ids % 3 == 0)] += 1000  # identity switch halfway
    boxes = gt.boxes + rng.normal(0, 3, gt.boxes.shape)
    boxes[:, 2:] = np.maximum(boxes[:, 2:], 2)
    write_results(out, [(f, i, *b, 1.0) for f, i, b in zip(gt.frames[keep], ids[keep], boxes[keep], strict=True)])


def assert_same(ours, reference):
    for name, ref in (("hota", reference["HOTA"]), ("clear", reference["CLEAR"]), ("identity", reference["Identity"])):
        mine = getattr(ours, name)
        for key, value in ref.items():
            np.testing.assert_array_equal(np.asarray(mine[key]), np.asarray(value), err_msg=f"{name}.{key}")


def test_parity_with_trackeval_on_bundled_clip(tmp_path: Path):
    result = tmp_path / "trackers" / "mine" / "TUD-Campus.txt"
    noisy_result_from_gt(DEMO_DATA / "TUD-Campus" / "gt" / "gt.txt", result)
    ours = score_sequence(DEMO_DATA, "TUD-Campus", result)
    assert_same(ours, trackeval_reference(DEMO_DATA, "TUD-Campus", result, "MOT15"))
    summary = ours.summary()
    assert 0 < summary["HOTA"] < 100 and summary["IDSW"] > 0


def test_gt_scored_against_itself_is_perfect(tmp_path: Path):
    gt = read_ground_truth(DEMO_DATA / "TUD-Campus" / "gt" / "gt.txt")
    result = tmp_path / "t" / "gt" / "TUD-Campus.txt"
    write_results(result, [(f, i, *b, 1.0) for f, i, b in zip(gt.frames, gt.ids, gt.boxes, strict=True)])
    summary = score_sequence(DEMO_DATA, "TUD-Campus", result).summary()
    assert summary["MOTA"] == pytest.approx(100.0) and summary["IDF1"] == pytest.approx(100.0)
    assert summary["HOTA"] == pytest.approx(100.0) and summary["FP"] == summary["FN"] == summary["IDSW"] == 0


@needs_shared
def test_parity_on_mot16_with_distractor_classes(tmp_path: Path):
    gt_root = tmp_path / "gt"
    (gt_root / "MOT16-09" / "gt").mkdir(parents=True)
    shutil.copy(SHARED_MOT / "MOT16-09" / "seqinfo.ini", gt_root / "MOT16-09")
    shutil.copy(SHARED_MOT / "MOT16-09" / "gt" / "gt.txt", gt_root / "MOT16-09" / "gt")
    gt = read_ground_truth(gt_root / "MOT16-09" / "gt" / "gt.txt")
    result = tmp_path / "trackers" / "mine" / "MOT16-09.txt"
    # Report every gt box, distractors included: MOTChallenge rules must remove those, not count them as FP.
    write_results(result, [(f, i, *b, 1.0) for f, i, b in zip(gt.frames, gt.ids, gt.boxes, strict=True)])
    assert benchmark_of("MOT16-09") == "MOT16"
    ours = score_sequence(gt_root, "MOT16-09", result)
    assert_same(ours, trackeval_reference(gt_root, "MOT16-09", result, "MOT16"))
    # Rows with conf 0 of class 1 (not distractors) are still false positives; distractors are not.
    assert ours.summary()["FN"] == 0



def test_combine_of_two_sequences(tmp_path: Path):
    result = tmp_path / "trackers" / "mine" / "TUD-Campus.txt"
    noisy_result_from_gt(DEMO_DATA / "TUD-Campus" / "gt" / "gt.txt", result, seed=1)
    one = score_sequence(DEMO_DATA, "TUD-Campus", result)
    both = combine({"a": one, "b": one}).summary()
    single = one.summary()
    assert both["FP"] == 2 * single["FP"] and both["IDSW"] == 2 * single["IDSW"]
    assert both["MOTA"] == pytest.approx(single["MOTA"]) and both["IDF1"] == pytest.approx(single["IDF1"])
