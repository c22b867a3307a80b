"""The annotated video's encoder: real frames encoded with PyAV, decoded back with OpenCV."""

from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from siamtrack.siamese_cnn.errors import InputError
from siamtrack.tracker.app.cli import main
from siamtrack.tracker.video.writer import VideoWriter, even_size, yuv_frame
from tests.conftest import DEMO_SEQ


def demo_frames(n: int) -> list[np.ndarray]:
    return [cv2.imread(str(DEMO_SEQ / "img1" / f"{i:06d}.jpg")) for i in range(1, n + 1)]


def decoded(path: Path) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            return frames
        frames.append(frame)


@pytest.mark.parametrize(("codec", "suffix", "stream_codec"), [("h264", ".mp4", "h264"), ("h264", ".mkv", "h264"),
                                                               ("mpeg4", ".avi", "mpeg4")])
def test_frames_come_back_in_order_and_close_to_the_originals(tmp_path: Path, codec: str, suffix: str,
                                                              stream_codec: str):
    frames = demo_frames(12)
    path = tmp_path / f"v{suffix}"
    writer = VideoWriter(path, 29.97, (640, 480), codec)
    for frame in frames:
        writer.write(frame)
    writer.close()
    writer.close()  # closing twice is harmless
    back = decoded(path)
    assert len(back) == len(frames)
    assert all(cv2.PSNR(a, b) > 32 for a, b in zip(frames, back, strict=True))
    # frame order: each decoded frame is nearest its own original
    assert all(cv2.PSNR(back[k], frames[k]) > cv2.PSNR(back[k], frames[k - 1]) for k in range(1, len(frames)))
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == stream_codec
        assert stream.average_rate == pytest.approx(30000 / 1001, rel=1e-3)


def test_refuses_file_types_and_codecs_it_cannot_write(tmp_path: Path):
    with pytest.raises(InputError, match=r"out\.gif: cannot write a video of this file type"):
        VideoWriter(tmp_path / "out.gif", 25, (64, 48))
    with pytest.raises(InputError, match="unknown video codec 'vp9'"):
        VideoWriter(tmp_path / "out.mp4", 25, (64, 48), codec="vp9")
    with pytest.raises(InputError, match="video.crf must be between 0 and 51, not 60"):
        VideoWriter(tmp_path / "out.mp4", 25, (64, 48), crf=60)
    assert not list(tmp_path.iterdir())


def test_even_size_drops_at_most_one_row_and_column():
    assert even_size(641, 481) == (640, 480)
    assert even_size(640, 480) == (640, 480)
    assert even_size(1, 1) == (2, 2)


def test_odd_sized_frames_give_an_even_sized_video(tmp_path: Path):
    folder = tmp_path / "frames"
    folder.mkdir()
    for i, frame in enumerate(demo_frames(6), 1):
        cv2.imwrite(str(folder / f"{i:04d}.png"), cv2.copyMakeBorder(frame, 0, 1, 0, 1, cv2.BORDER_REPLICATE))
    out = tmp_path / "odd.mp4"
    assert main(["track", str(folder), "-o", str(out), "--quiet", "--scorer", "geometry", "--detector", "hog"]) == 0
    back = decoded(out)
    assert len(back) == 6 and back[0].shape == (480, 640, 3)


def test_yuv_frames_match_ffmpegs_own_conversion_path_at_awkward_sizes():
    """Plane rows can be padded (line size > width) and chroma planes need not fill whole luma
    rows; heights that are multiples of 4 wrap OpenCV's buffer, the others copy it: the frame
    must hold exactly OpenCV's I420 planes whatever the size."""
    rng = np.random.default_rng(3)
    for width, height in ((768, 576), (1222, 370), (1222, 372), (34, 18), (34, 20), (2, 2), (2, 4)):
        bgr = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
        i420 = cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV_I420)
        expected = av.VideoFrame.from_ndarray(i420, format="yuv420p").to_ndarray()
        assert np.array_equal(yuv_frame(bgr).to_ndarray(), expected), (width, height)
