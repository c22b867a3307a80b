"""A sequence at 1/k of its frame rate: the frames, gt and detections that remain are the originals'."""

from __future__ import annotations

import filecmp

import numpy as np
import pytest

from siamtrack.siamese_cnn.errors import InputError
from siamtrack.tracker.eval.metrics import score_sequence
from siamtrack.tracker.io.frames import open_frames
from siamtrack.tracker.io.mot import read_detections, read_ground_truth, read_seqinfo, write_results
from siamtrack.tracker.io.subsample import kept_frames, subsample_sequence
from tests.conftest import DEMO_SEQ


@pytest.mark.parametrize("step", [1, 2, 3])
def test_every_kth_frame_is_kept_and_renumbered(tmp_path, step):
    out = subsample_sequence(DEMO_SEQ, step, tmp_path)
    info, original = read_seqinfo(out), read_seqinfo(DEMO_SEQ)
    kept = np.arange(1, 72, step)
    assert info.length == len(kept) == len(list((out / "img1").iterdir()))
    assert info.frame_rate == pytest.approx(original.frame_rate / step)
    assert (info.width, info.height) == (original.width, original.height)
    for new, old in ((1, 1), (len(kept), kept[-1])):
        assert filecmp.cmp(out / "img1" / f"{new:06d}.jpg", DEMO_SEQ / "img1" / f"{old:06d}.jpg", shallow=False)
    for sub, reader in (("gt/gt.txt", read_ground_truth), ("det/det.txt", read_detections),
                        ("det/det_frcnn_sort.txt", read_detections)):
        before, after = reader(DEMO_SEQ / sub), reader(out / sub)
        for new, old in enumerate(kept, start=1):
            np.testing.assert_array_equal(after.at(new)[0], before.at(int(old))[0])
            np.testing.assert_array_equal(after.at(new)[1], before.at(int(old))[1])
        assert len(after) == sum(len(before.at(int(f))[0]) for f in kept)
    assert sum(1 for _ in open_frames(out)) == len(kept)


def test_the_subsampled_gt_scores_perfectly_against_itself(tmp_path):
    out = subsample_sequence(DEMO_SEQ, 3, tmp_path / "data")
    gt = read_ground_truth(out / "gt" / "gt.txt")
    rows = [(int(f), int(i), *map(float, b), 1.0) for f, i, b in zip(gt.frames, gt.ids, gt.boxes, strict=True)]
    result = tmp_path / "tracker" / f"{out.name}.txt"
    write_results(result, rows)
    summary = score_sequence(tmp_path / "data", out.name, result).summary()
    assert summary["HOTA"] == pytest.approx(100.0) and summary["IDSW"] == 0


def test_bad_steps_are_refused():
    assert kept_frames(7, 3).tolist() == [1, 4, 7]
    with pytest.raises(InputError, match="step must be at least 1"):
        kept_frames(7, 0)


def test_making_a_copy_again_leaves_its_frames_in_place(tmp_path):
    """Protocol runs side by side rebuild the same copies: a frame must never vanish under a reader."""
    out = subsample_sequence(DEMO_SEQ, 2, tmp_path)
    frame = out / "img1" / "000003.jpg"
    before = frame.lstat().st_ino
    assert subsample_sequence(DEMO_SEQ, 2, tmp_path) == out
    assert frame.lstat().st_ino == before and frame.resolve() == (DEMO_SEQ / "img1" / "000005.jpg").resolve()
