"""The annotated video agrees with the tracks file: every frame, the boxes drawn are exactly the
MOT rows of that frame (filled-in rows marked), drawn once each, in order."""

from __future__ import annotations

import cv2
import numpy as np

from siamtrack.configs import default_config
from siamtrack.tracker.app.cli import main
from siamtrack.tracker.app.track import _Video
from siamtrack.tracker.core.build import build_tracker
from siamtrack.tracker.core.loop import RowCollector, run_frames
from siamtrack.tracker.io.detections import prepare_detections
from siamtrack.tracker.io.frames import open_frames
from siamtrack.tracker.io.mot import read_results
from tests.conftest import DEMO_SEQ


class _Recorder:
    """Stands where the video writer does and keeps what it was asked to draw."""

    def __init__(self) -> None:
        self.frames: list[tuple[int, list[tuple]]] = []

    def submit(self, image: np.ndarray, shown: list[tuple], index: int) -> None:
        assert image.shape == (480, 640, 3)
        self.frames.append((index, shown))


def test_every_frame_draws_exactly_its_rows_of_the_tracks_file():
    config = default_config()
    frames = open_frames(DEMO_SEQ)
    dets = prepare_detections(DEMO_SEQ / "det" / "det.txt", frames.width, frames.height, "auto")
    tracker = build_tracker(config, frames.frame_rate)
    recorder, collector = _Recorder(), RowCollector()
    run_frames(frames, dets, tracker, [collector, _Video([recorder], 1.0, (640, 480), tracker.settle_lag)], True)
    assert [index for index, _ in recorder.frames] == list(range(1, 72))
    by_frame: dict[int, list] = {}
    for frame, track_id, x, y, w, h, score in collector.rows:
        by_frame.setdefault(frame, []).append((track_id, (x, y, w, h), score < 0))
    filled = 0
    for index, shown in recorder.frames:
        rows = sorted(by_frame.get(index, []))
        assert [(t[0], t[2]) for t in shown] == [(r[0], r[2]) for r in rows], index
        for drawn, row in zip(shown, rows, strict=True):
            np.testing.assert_allclose(drawn[1], row[1])
        filled += sum(r[2] for r in rows)
    assert filled > 0 and len(collector.rows) > 300  # filled-in rows exist, and they are drawn (marked)


def test_the_written_video_shows_each_row_where_the_tracks_file_puts_it(tmp_path):
    video, mot = tmp_path / "v.mp4", tmp_path / "v.txt"
    assert main(["track", str(DEMO_SEQ), "-o", str(video), "--mot-output", str(mot), "--quiet",
                 "--detections", str(DEMO_SEQ / "det" / "det.txt")]) == 0
    rows = read_results(mot)
    capture = cv2.VideoCapture(str(video))
    checked = 0
    for index in range(1, 72):
        ok, image = capture.read()
        assert ok
        blank = image.astype(int)
        for k in range(len(rows)):
            if rows.frames[k] != index or rows.scores[k] < 0:
                continue
            x, y, w, h = rows.boxes[k].round().astype(int)
            if x < 2 or y < 30 or x + w > 637 or y + h > 477:
                continue
            # the box's left edge is drawn in a saturated colour: far from the grey street around it
            edge = blank[y + 5:y + h - 5, x]
            saturation = edge.max(axis=1) - edge.min(axis=1)
            assert (saturation > 80).mean() > 0.5, (index, rows.ids[k])
            checked += 1
    assert checked > 150
