"""The JPEG robustness check changes the pixels and nothing else."""

from __future__ import annotations

import cv2
import numpy as np

from benchmarks.jpeg import reencoded_copy
from siamtrack.tracker.io.mot import read_seqinfo
from tests.conftest import DEMO_SEQ


def test_a_reencoded_copy_has_the_same_labels_and_coarser_frames(tmp_path):
    copy = reencoded_copy(DEMO_SEQ, 30, tmp_path)
    before, after = read_seqinfo(DEMO_SEQ), read_seqinfo(copy)
    assert (after.length, after.frame_rate, after.width, after.height) == \
        (before.length, before.frame_rate, before.width, before.height)
    for part in ("det/det.txt", "gt/gt.txt"):
        assert (copy / part).read_bytes() == (DEMO_SEQ / part).read_bytes()
    frames = sorted((copy / "img1").iterdir())
    assert len(frames) == before.length
    original = cv2.imread(str(DEMO_SEQ / before.image_dir / f"{1:06d}{before.image_ext}")).astype(int)
    coarse = cv2.imread(str(frames[0])).astype(int)
    assert 0.5 < np.abs(original - coarse).mean() < 10  # changed, yet the same picture
