"""The video process: the writer thread's video byte for byte, its failures as one line, CPUs given back."""

import dataclasses
import os

import numpy as np
import pytest

from siamtrack.configs import default_config
from siamtrack.siamese_cnn.errors import InputError
from siamtrack.tracker.app import track as track_video
from siamtrack.tracker.app.cli import main
from siamtrack.tracker.app.cpus import calling_thread_on, split_cpus
from siamtrack.tracker.video.process import VideoProcess, video_process_available
from tests.conftest import DEMO_SEQ

pytestmark = pytest.mark.skipif(not video_process_available(), reason="no memfd: the writer thread is used")


def track(tmp_path, name: str, monkeypatch, process: bool, *extra: str) -> bytes:
    monkeypatch.setattr(track_video, "video_process_available", lambda: process)
    video = tmp_path / f"{name}.mp4"
    assert main(["track", str(DEMO_SEQ), "-o", str(video), "--quiet", "--max-frames", "40",
                 "--detections", str(DEMO_SEQ / "det" / "det.txt"), *extra]) == 0
    return video.read_bytes()


@pytest.mark.parametrize("extra", [(), ("--set", "video.max_width=320")], ids=["full size", "scaled down"])
def test_the_process_writes_the_writer_threads_video_byte_for_byte(tmp_path, monkeypatch, extra):
    from_process = track(tmp_path, "process", monkeypatch, True, *extra)
    from_thread = track(tmp_path, "thread", monkeypatch, False, *extra)
    assert len(from_process) > 10_000 and from_process == from_thread
    assert not list(tmp_path.glob(".*"))  # no temporary file left


def test_the_processs_own_error_comes_back_as_one_line(tmp_path):
    vp9 = dataclasses.replace(default_config().video, codec="vp9")
    video = VideoProcess(tmp_path / "v.mp4", 25.0, (64, 48), vp9)  # refused by its writer
    with pytest.raises(InputError, match=r"^config: unknown video codec 'vp9' \(choose h264 or mpeg4\)$"):
        video.ready()
    video.close()  # the failure was raised once; closing only cleans up


def test_a_killed_video_process_is_reported_not_waited_for(tmp_path):
    video = VideoProcess(tmp_path / "v.mp4", 25.0, (64, 48), default_config().video, depth=2)
    video.ready()
    video._process.kill()
    frame = np.zeros((48, 64, 3), np.uint8)
    with pytest.raises(OSError, match=r"v\.mp4: the video process was stopped by signal 9"):
        for index in range(1, 10):  # at most depth + 1 frames before it must answer
            video.submit(frame, [(1, np.array([5.0, 5.0, 20.0, 30.0]))], index)
    video.close()


def test_tracking_gives_the_cpus_back(tmp_path, monkeypatch):
    before = os.sched_getaffinity(0)
    track(tmp_path, "pinned", monkeypatch, True)
    assert os.sched_getaffinity(0) == before


def test_cpu_split_only_with_one_compute_thread_pixel_work_and_two_cpus():
    available = os.sched_getaffinity(0)
    assert split_cpus(2) is None  # more torch threads would inherit the tracker's one CPU
    assert split_cpus(1, pixel_work=False) is None  # box-only tracking needs every core for its I/O
    split = split_cpus(1)
    if len(available) < 2:
        assert split is None
        return
    assert split.tracker | split.helpers == available and not split.tracker & split.helpers
    with calling_thread_on(split.tracker):
        assert os.sched_getaffinity(0) == split.tracker
    assert os.sched_getaffinity(0) == available
