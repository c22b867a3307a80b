"""Leave-one-out folds never train on what they hold out; cells are the held-out sequence at 1, 1/2, 1/3."""

from __future__ import annotations

import pytest

from siamtrack.siamese_cnn.errors import InputError
from siamtrack.tracker.eval.protocol import cells, folds
from siamtrack.tracker.io.mot import read_seqinfo
from tests.conftest import DEMO_DATA

SEQS = ["TUD-Campus", "TUD-Stadtmitte", "KITTI-17", "MOT16-09", "MOT16-11-half"]


def test_each_fold_holds_one_sequence_out_and_trains_on_all_others():
    made = folds(SEQS)
    assert [f.held_out for f in made] == SEQS
    for fold in made:
        record = fold.record()
        assert record["held_out"] not in record["train"]
        assert sorted([*record["train"], record["held_out"]]) == sorted(SEQS)
    with pytest.raises(InputError, match="distinct"):
        folds(["A", "A"])


def test_cells_are_the_held_out_sequence_at_three_frame_rates(tmp_path):
    fold = folds(["TUD-Campus", "other"])[0]
    made = cells(fold, DEMO_DATA, tmp_path)
    assert [c.rate for c in made] == [1, 2, 3]
    native = read_seqinfo(DEMO_DATA / "TUD-Campus")
    for cell in made:
        info = read_seqinfo(cell.data_dir / cell.sequence)
        assert info.frame_rate == pytest.approx(native.frame_rate / cell.rate)
        assert info.length == len(range(1, native.length + 1, cell.rate))
