from pathlib import Path

import cv2
import numpy as np
import pytest

from siamtrack.siamese_cnn.errors import InputError
from siamtrack.tracker.io.frames import open_frames
from tests.conftest import DEMO_SEQ


def test_mot_sequence_folder_yields_all_frames_in_order():
    source = open_frames(DEMO_SEQ)
    assert (source.width, source.height, source.length, source.frame_rate) == (640, 480, 71, 25)
    indices = [i for i, _ in source]
    assert indices == list(range(1, 72))


def test_image_folder_and_video_file_agree(tmp_path: Path):
    folder = DEMO_SEQ / "img1"
    images = open_frames(folder)
    video_path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(video_path), cv2.VideoWriter_fourcc(*"MJPG"), 25, (640, 480))
    frames = []
    for index, frame in images:
        if index > 10:
            break
        frames.append(frame)
        writer.write(frame)
    writer.release()
    video = open_frames(video_path)
    assert (video.width, video.height, video.frame_rate) == (640, 480, 25)
    decoded = [f for _, f in video]
    assert len(decoded) == 10
    # MJPG is lossy; the content must still be the same picture.
    assert np.abs(decoded[3].astype(int) - frames[3].astype(int)).mean() < 6


def test_bad_sources_are_input_errors(tmp_path: Path):
    with pytest.raises(InputError, match="no such file"):
        open_frames(tmp_path / "missing.mp4")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="holds no images"):
        open_frames(tmp_path / "empty")
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00" * 1000)
    with pytest.raises(InputError, match="not a readable video"):
        open_frames(broken)
