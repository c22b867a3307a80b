"""The per-frame ``Tracker``: the same tracks as ``siamtrack track``, and clear errors for bad arguments."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from siamtrack import Tracker, TrackerInputError
from siamtrack.configs import load_config
from siamtrack.tracker.app.cli import main
from siamtrack.tracker.io.mot import format_result_rows, read_detections
from tests.conftest import DEMO_SEQ

FRAMES = sorted((DEMO_SEQ / "img1").glob("*.jpg"))


@pytest.fixture(scope="module")
def tracker() -> Tracker:
    return Tracker(frame_rate=25, score_source="acf")


def test_tracker_and_siamtrack_track_run_with_the_same_settings_and_write_the_same_tracks(tracker, tmp_path):
    assert tracker.config == load_config()  # what `siamtrack track` runs with, no flags given
    out = tmp_path / "cli.txt"
    assert main(["track", str(DEMO_SEQ), "--detections", str(DEMO_SEQ / "det" / "det.txt"), "--no-video",
                 "--mot-output", str(out), "--quiet"]) == 0
    dets = read_detections(DEMO_SEQ / "det" / "det.txt")
    tracker.reset()
    seen = 0
    for index, path in enumerate(FRAMES, start=1):
        boxes, scores = dets.at(index)
        result = tracker.update(cv2.imread(str(path)), boxes, scores)
        assert result.frame == index and result.boxes.shape == (len(result), 4) and len(result.scores) == len(result)
        seen += len(result)
    rows = tracker.finish()
    assert seen > 100 and tracker.confirmed_tracks == 8  # the clip has 8 people
    assert format_result_rows(rows) == out.read_text()


def test_reset_starts_the_next_video_afresh(tracker):
    dets = read_detections(DEMO_SEQ / "det" / "det.txt")

    def run() -> list:
        tracker.reset()
        for index, path in enumerate(FRAMES[:20], start=1):
            tracker.update(cv2.imread(str(path)), *dets.at(index))
        return tracker.finish()

    first = run()
    assert first and run() == first
    with pytest.raises(TrackerInputError, match="reset"):
        tracker.update(cv2.imread(str(FRAMES[0])), *dets.at(1))


@pytest.mark.parametrize(("frame", "boxes", "scores", "message"), [
    (np.zeros((480, 640), np.uint8), [], [], "frame must be an HxWx3 uint8 BGR image"),
    (np.zeros((480, 640, 3), np.float32), [], [], "frame must be an HxWx3 uint8 BGR image"),
    ("frame.jpg", [], [], "not str"),
    (None, [[1, 2, 3]], [0.5], "boxes must have shape"),
    (None, [[1, 2, 3, 4]], [0.5, 0.6], r"scores must have shape \(1,\)"),
    (None, [[1, 2, np.nan, 4]], [0.5], "finite"),
    (None, [[1, 2, 3, -4]], [0.5], "positive"),
    (None, [[1, 2, 3, 4]], [7.0], "score_source='acf'"),
    (None, [[1, 2, 3, 4]], None, "together"),
    (None, [["a", 2, 3, 4]], [0.5], "must be numbers"),
])
def test_bad_arguments_raise_one_clear_value_error(frame, boxes, scores, message):
    tracker = Tracker(scorer="geometry")
    frame = np.zeros((480, 640, 3), np.uint8) if frame is None else frame
    with pytest.raises(ValueError, match=message):
        tracker.update(frame, boxes, scores)


def test_a_frame_of_another_size_is_refused():
    tracker = Tracker(scorer="geometry")
    tracker.update(np.zeros((480, 640, 3), np.uint8), [[10, 10, 20, 40]], [0.9])
    with pytest.raises(TrackerInputError, match=r"frame 2 is 320x240, but this video's frames are 640x480"):
        tracker.update(np.zeros((240, 320, 3), np.uint8), [[10, 10, 20, 40]], [0.9])


def test_rules_and_options_are_checked_by_name():
    assert Tracker(scorer="geometry", min_hits=2).config.tracker.min_hits == 2
    with pytest.raises(ValueError, match="unknown setting 'min_hitz'"):
        Tracker(scorer="geometry", min_hitz=2)
    with pytest.raises(ValueError, match="min_hits must be a whole number"):
        Tracker(scorer="geometry", min_hits=2.5)
    with pytest.raises(ValueError, match="frame_rate must be a positive number"):
        Tracker(scorer="geometry", frame_rate=0)
    with pytest.raises(ValueError, match="unknown score_source 'yolo'"):
        Tracker(scorer="geometry", score_source="yolo")


def test_without_boxes_the_built_in_detector_runs():
    tracker = Tracker(scorer="geometry", min_hits=1)
    counts = [len(tracker.update(cv2.imread(str(path)))) for path in FRAMES[:5]]
    assert counts[-1] >= 2  # the clip shows several people from its first frames
