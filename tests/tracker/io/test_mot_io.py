from pathlib import Path

import numpy as np
import pytest

from siamtrack.siamese_cnn.errors import InputError
from siamtrack.tracker.io.mot import read_detections, read_ground_truth, read_results, read_seqinfo, write_results
from tests.conftest import DEMO_SEQ


def test_seqinfo_of_demo_clip():
    info = read_seqinfo(DEMO_SEQ)
    assert (info.name, info.length, info.width, info.height, info.frame_rate) == ("TUD-Campus", 71, 640, 480, 25)


def test_detections_are_grouped_by_frame():
    dets = read_detections(DEMO_SEQ / "det" / "det.txt")
    assert len(dets) == 322
    boxes, scores = dets.at(1)
    assert boxes.shape[1] == 4 and len(boxes) == len(scores) > 0
    np.testing.assert_allclose(boxes[0], [198, 203, 62.22, 141.19])
    assert dets.at(999)[0].shape == (0, 4)


def test_gt_sorted_by_id_is_accepted():
    gt = read_ground_truth(DEMO_SEQ / "gt" / "gt.txt")
    assert len(gt) == 359 and set(np.unique(gt.classes)) == {1}


def test_results_round_trip(tmp_path: Path):
    rows = [(2, 1, 10.0, 20.0, 30.0, 60.0, 0.9), (1, 2, 5.5, 6.25, 7.0, 8.0, 0.5), (1, 1, 0.0, 0.0, 3.0, 4.0, 1.0)]
    out = tmp_path / "res.txt"
    write_results(out, rows)
    lines = out.read_text().splitlines()
    assert lines[0] == "1,1,0.00,0.00,3.00,4.00,1.0000,-1,-1,-1"  # sorted by frame then id, 10 columns
    table = read_results(out)
    assert list(table.frames) == [1, 1, 2] and list(table.ids) == [1, 2, 1]
    np.testing.assert_allclose(table.boxes[1], [5.5, 6.25, 7.0, 8.0])


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("1,-1,10,10,5\n", "expected at least 6 columns"),
        ("1,-1,10,abc,5,5,1\n", "non-numeric"),
        ("1,-1,10,nan,5,5,1\n", "NaN or infinite"),
        ("1,-1,10,10,0,5,1\n", "width and height must be positive"),
        ("1,-1,10,10,5,-3,1\n", "width and height must be positive"),
        ("0,-1,10,10,5,5,1\n", "frame must be a whole number"),
        ("2,-1,10,10,5,5,1\n1,-1,10,10,5,5,1\n", "frame numbers go backwards"),
    ],
)
def test_malformed_detections_name_file_and_line(tmp_path: Path, text: str, problem: str):
    bad = tmp_path / "det.txt"
    bad.write_text("1,-1,1,1,5,5,1\n" + text)
    with pytest.raises(InputError) as err:
        read_detections(bad)
    message = str(err.value)
    assert message.startswith(f"{bad}:") and problem in message
    assert ":2:" in message or ":3:" in message


def test_missing_file_is_an_input_error(tmp_path: Path):
    with pytest.raises(InputError, match="file not found"):
        read_detections(tmp_path / "nope.txt")
