"""`siamtrack track` as a user runs it: real video in, annotated video and MOT tracks out."""

import dataclasses
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from siamtrack.association.geometry import iou_matrix
from siamtrack.configs import default_config
from siamtrack.tracker.app.cli import main
from siamtrack.tracker.detectors.hog import HogDetector
from siamtrack.tracker.detectors.onnx import OnnxDetector
from siamtrack.tracker.detectors.ssdlite import SsdLiteDetector
from siamtrack.tracker.io.mot import read_detections, read_ground_truth, read_results
from tests.conftest import DEMO_SEQ


def make_video(path: Path, n: int = 20) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 25, (640, 480))
    for i in range(1, n + 1):
        writer.write(cv2.imread(str(DEMO_SEQ / "img1" / f"{i:06d}.jpg")))
    writer.release()


def count_frames(path: Path) -> int:
    capture = cv2.VideoCapture(str(path))
    n = 0
    while capture.read()[0]:
        n += 1
    return n


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("video") / "clip.mp4"
    make_video(path)
    return path


def test_video_in_annotated_video_and_tracks_out(clip: Path, tmp_path: Path, capsys):
    out = tmp_path / "out.mp4"
    mot = tmp_path / "out.txt"
    dets = tmp_path / "det.txt"
    dets.write_text("".join(line + "\n" for line in (DEMO_SEQ / "det" / "det.txt").read_text().splitlines()
                            if int(line.split(",")[0]) <= 20))
    code = main(["track", str(clip), "-o", str(out), "--mot-output", str(mot), "--quiet", "--detections", str(dets)])
    assert code == 0
    assert count_frames(out) == 20
    assert "tracked 20 frames" in capsys.readouterr().out
    tracks = read_results(mot)
    assert len(tracks) > 20 and tracks.frames.max() <= 20 and set(np.unique(tracks.ids)) >= {1, 2}
    # what is drawn where: tests/tracker/app/test_track_video.py


def test_image_folder_with_the_builtin_detector(tmp_path: Path):
    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(1, 6):
        (folder / f"{i:04d}.jpg").write_bytes((DEMO_SEQ / "img1" / f"{i:06d}.jpg").read_bytes())
    assert main(["track", str(folder), "--no-video", "--mot-output", str(tmp_path / "t.txt"), "--quiet"]) == 0
    assert (tmp_path / "t.txt").exists() and not list(tmp_path.glob("*.mp4"))


def test_hog_detector_output_format():
    boxes, scores = HogDetector().detect(cv2.imread(str(DEMO_SEQ / "img1" / "000001.jpg")))
    assert boxes.ndim == 2 and boxes.shape[1] == 4 and len(boxes) == len(scores) > 0
    assert np.all((scores >= 0) & (scores <= 1)) and np.all(boxes[:, 2:] > 0)


def test_ssdlite_finds_the_people_of_a_real_frame():
    boxes, scores = SsdLiteDetector().detect(cv2.imread(str(DEMO_SEQ / "img1" / "000001.jpg")))
    assert boxes.ndim == 2 and boxes.shape[1] == 4 and np.all((scores >= 0) & (scores <= 1))
    gt = read_ground_truth(DEMO_SEQ / "gt" / "gt.txt")
    people = gt.boxes[gt.rows(1)]
    found = (iou_matrix(people, boxes[scores >= 0.5]).max(axis=1) >= 0.5).sum()
    assert found >= 4  # of the 6 annotated people, several heavily occluded


class FixedYolo(torch.nn.Module):
    """A real ONNX graph with YOLOv8-shaped output: one person, one faint person, one car."""

    def __init__(self):
        super().__init__()
        table = torch.zeros(1, 84, 3)
        table[0, :4, 0] = torch.tensor([320.0, 240.0, 100.0, 200.0])
        table[0, 4, 0] = 0.9
        table[0, :4, 1] = torch.tensor([100.0, 100.0, 50.0, 50.0])
        table[0, 4, 1] = 0.01
        table[0, :4, 2] = torch.tensor([500.0, 400.0, 80.0, 40.0])
        table[0, 6, 2] = 0.95
        self.register_buffer("table", table)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.table + image.mean() * 0


@pytest.mark.parametrize("runtime", ["onnxruntime", "opencv"])
def test_onnx_detector_decodes_yolo_output(tmp_path: Path, runtime: str):
    model = tmp_path / "yolo.onnx"
    torch.onnx.export(FixedYolo(), torch.zeros(1, 3, 640, 640), str(model), dynamo=False)
    frame = np.zeros((640, 1280, 3), np.uint8)  # letterboxed at ratio 0.5
    settings = dataclasses.replace(default_config().detector.onnx, runtime=runtime)
    detector = OnnxDetector(model, settings)
    assert detector.net.runtime == runtime and detector.describe(1280, 640) == f"yolo.onnx on {runtime}"
    boxes, scores = detector.detect(frame)
    assert boxes.shape == (1, 4)
    np.testing.assert_allclose(boxes[0], [540, 280, 200, 400], atol=1e-3)
    assert scores[0] == pytest.approx(0.9)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "siamtrack.tracker.app.cli", *args], capture_output=True, text=True)


def test_unreadable_sources_and_bad_detection_files(tmp_path: Path, clip: Path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(clip.read_bytes()[:300])
    bad_dets = tmp_path / "dets.txt"
    bad_dets.write_text("1,-1,10,10,20,40,0.9\n2,-1,10,10,abc,40,0.9\n")
    cases = [
        ((str(tmp_path / "missing.mp4"),), "no such file"),
        ((str(broken),), "not a readable video"),
        ((str(clip), "--detections", str(bad_dets)), f"{bad_dets}:2: non-numeric"),
        ((str(clip), "--detector", "onnx"), "needs --model"),
        ((str(clip), "--detector", "onnx", "--model", str(bad_dets)),
         "cannot read this ONNX model (onnxruntime: Protobuf parsing failed)"),
        ((str(clip), "--detector", "onnx", "--model", str(bad_dets), "--set", "detector.onnx.runtime=opencv"),
         "cannot read this ONNX model (OpenCV:"),
    ]
    for args, expected in cases:
        out = tmp_path / "o.mp4"
        proc = run_cli("track", *args, "-o", str(out), "--quiet")
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 2 and len(lines) == 1 and expected in lines[0], proc.stderr
        assert not out.exists() and not (tmp_path / "o.txt").exists()
        assert not list(tmp_path.glob(".*")), "temporary files left behind"
    proc = run_cli("track", str(clip), "-o", str(tmp_path / "o.gif"), "--quiet")
    expected = f"siamtrack: error: {tmp_path / 'o.gif'}: cannot write a video of this file type " \
               "(use .mp4, .mkv, .mov, .avi)"
    assert proc.returncode == 2 and proc.stderr.strip() == expected
    assert not list(tmp_path.glob("o.*")) and not list(tmp_path.glob(".*"))
    proc = run_cli("track", str(clip), "-o", str(tmp_path / "o.mp4"), "--quiet", "--set", "video.codec=vp9")
    assert proc.returncode == 2 and proc.stderr.strip().splitlines() == [
        "siamtrack: error: config: unknown video codec 'vp9' (choose h264 or mpeg4)"]
    assert not list(tmp_path.glob("o.*")) and not list(tmp_path.glob(".*"))


def test_ctrl_c_leaves_complete_outputs(tmp_path: Path):
    out, mot = tmp_path / "o.mp4", tmp_path / "o.txt"
    proc = subprocess.Popen([sys.executable, "-m", "siamtrack.tracker.app.cli", "track", str(DEMO_SEQ), "-o", str(out),
                             "--mot-output", str(mot), "--quiet", "--detector", "hog"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            # a test run started in the background inherits an ignored SIGINT
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(tmp_path.glob(".siamtrack-rows.*")):
        time.sleep(0.1)
    time.sleep(2.0)  # the HOG detector (~3 fps) is mid-clip now
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "interrupted after" in stdout
    frames = int(stdout.split("interrupted after ")[1].split()[0])
    assert 0 < frames < 71
    assert count_frames(out) == frames
    tracks = read_results(mot) if mot.read_text() else None
    assert tracks is None or tracks.frames.max() <= frames
    assert not list(tmp_path.glob(".*"))


def test_detection_file_rows_are_what_the_tracker_reads():
    dets = read_detections(DEMO_SEQ / "det" / "det.txt")
    assert dets.at(1)[0].shape[1] == 4


def test_detector_speed_flag_and_the_summary_name_the_tiling(clip: Path, tmp_path: Path, capsys):
    lines = {}
    for speed in ("fast", "accurate"):
        mot = tmp_path / f"{speed}.txt"
        assert main(["track", str(clip), "--no-video", "--mot-output", str(mot), "--quiet", "--max-frames", "5",
                     "--detector-speed", speed]) == 0
        lines[speed] = capsys.readouterr().out
        assert read_results(mot).frames.max() <= 5
    assert "detections: ssdlite detector, whole frame on onnxruntime" in lines["fast"]
    assert "detections: ssdlite detector, 3 tiles on onnxruntime" in lines["accurate"]
