"""The detector on its own thread ahead of the tracker gives exactly the serial run's tracks."""

from siamtrack.configs import default_config
from siamtrack.tracker.core.build import build_tracker
from siamtrack.tracker.core.loop import RowCollector, run_frames
from siamtrack.tracker.detectors import build_detector
from siamtrack.tracker.io.background import prefetched
from siamtrack.tracker.io.detections import DetectedAhead, LiveDetections
from siamtrack.tracker.io.frames import open_frames
from tests.conftest import DEMO_SEQ


def track(ahead: bool) -> list:
    config = default_config()
    frames = open_frames(DEMO_SEQ)
    live = LiveDetections(build_detector("ssdlite", config.detector), frames.width, frames.height)
    tracker, rows = build_tracker(config, frames.frame_rate), RowCollector()
    reader = prefetched(frames)
    source = live
    if ahead:
        source = DetectedAhead(live)
        reader = source.frames(reader)
    result = run_frames(reader, source, tracker, [rows], needs_images=True, max_frames=30)
    assert result.frames == 30
    return rows.rows


def test_tracks_are_the_serial_runs():
    serial, ahead = track(False), track(True)
    assert len(serial) > 60
    assert ahead == serial


def test_stopping_early_stops_the_detector_thread():
    import threading

    config = default_config()
    frames = open_frames(DEMO_SEQ)
    source = DetectedAhead(LiveDetections(build_detector("ssdlite", config.detector), frames.width, frames.height))
    reader = source.frames(prefetched(frames))
    index, image = next(reader)
    assert index == 1 and source.at(1, image)[0].shape[1] == 4
    reader.close()
    names = {t.name for t in threading.enumerate()}
    assert "siamtrack-reader" not in names
