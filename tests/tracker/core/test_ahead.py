"""The detector and the camera's motion on a thread ahead of the tracker: exactly the serial run's tracks."""

from siamtrack.configs import default_config
from siamtrack.tracker.core.ahead import FramesAhead
from siamtrack.tracker.core.build import build_tracker
from siamtrack.tracker.core.camera import CameraMeter
from siamtrack.tracker.core.loop import RowCollector, run_frames
from siamtrack.tracker.detectors import build_detector
from siamtrack.tracker.io.background import prefetched
from siamtrack.tracker.io.detections import LiveDetections
from siamtrack.tracker.io.frames import open_frames
from tests.conftest import DEMO_SEQ


def track(ahead: bool) -> list:
    config = default_config()
    frames = open_frames(DEMO_SEQ)
    live = LiveDetections(build_detector("ssdlite", config.detector), frames.width, frames.height)
    tracker, rows = build_tracker(config, frames.frame_rate), RowCollector()
    reader = prefetched(frames)
    source, camera_of = live, None
    if ahead:
        source = FramesAhead(live, CameraMeter() if config.tracker.camera_motion else None)
        reader, camera_of = source.frames(reader), source.camera
    result = run_frames(reader, source, tracker, [rows], needs_images=True, max_frames=30, camera_of=camera_of)
    assert result.frames == 30
    return rows.rows


def test_tracks_are_the_serial_runs():
    assert default_config().tracker.camera_motion  # the camera is measured ahead too
    serial, ahead = track(False), track(True)
    assert len(serial) > 60
    assert ahead == serial


def test_stopping_early_stops_the_detector_thread():
    import threading

    config = default_config()
    frames = open_frames(DEMO_SEQ)
    source = FramesAhead(LiveDetections(build_detector("ssdlite", config.detector), frames.width, frames.height))
    reader = source.frames(prefetched(frames))
    index, image = next(reader)
    assert index == 1 and source.at(1, image)[0].shape[1] == 4
    reader.close()
    names = {t.name for t in threading.enumerate()}
    assert "siamtrack-reader" not in names


def test_track_with_a_detection_file_writes_what_eval_writes(tmp_path):
    """`siamtrack track --detections` measures the camera ahead of the tracker; eval measures it on
    the tracker's thread: the same tracks."""
    from siamtrack.tracker.app.track import run_track
    from siamtrack.tracker.core.sequence import track_sequence
    from siamtrack.tracker.io.mot import write_results

    config = default_config()
    run_track(DEMO_SEQ, config, None, tmp_path / "track.txt", detections=DEMO_SEQ / "det" / "det.txt",
              progress=False)
    write_results(tmp_path / "eval.txt", track_sequence(DEMO_SEQ, DEMO_SEQ / "det" / "det.txt", config).rows)
    assert (tmp_path / "track.txt").read_bytes() == (tmp_path / "eval.txt").read_bytes()
    assert len((tmp_path / "eval.txt").read_text().splitlines()) > 100
