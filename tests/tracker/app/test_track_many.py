"""`siamtrack track` on a folder of videos: one by one, on two workers and on Ray, the same files."""

import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from tests.conftest import DEMO_SEQ


def make_video(path: Path, first: int, n: int) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25, (640, 480))
    for i in range(first, first + n):
        writer.write(cv2.imread(str(DEMO_SEQ / "img1" / f"{i:06d}.jpg")))
    writer.release()


@pytest.fixture(scope="module")
def videos(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("videos")
    make_video(folder / "a.avi", 1, 12)
    make_video(folder / "b.avi", 20, 10)
    (folder / "c.avi").write_bytes(b"not a video")  # fails alone
    (folder / "notes.txt").write_text("not a source")  # ignored
    return folder


def track(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "siamtrack.tracker.app.cli", "track", *args, "--quiet"],
                          capture_output=True, text=True)


def outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.tracked.txt"))}


@pytest.fixture(scope="module")
def serial(videos: Path, tmp_path_factory) -> dict[str, bytes]:
    out = tmp_path_factory.mktemp("serial")
    proc = track(str(videos), "--out-dir", str(out))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"siamtrack: error: {videos / 'c.avi'}: not a readable video (cannot decode a first frame)"], proc.stderr
    assert "tracked 2 of 3 sources" in proc.stdout
    got = outputs(out)
    assert sorted(got) == ["a.tracked.txt", "b.tracked.txt"] and all(got.values())
    assert sorted(p.name for p in out.glob("*.mp4")) == ["a.tracked.mp4", "b.tracked.mp4"]
    return got


def test_two_workers_write_what_one_does(videos: Path, serial: dict, tmp_path: Path):
    proc = track(str(videos / "a.avi"), str(videos / "b.avi"), "--out-dir", str(tmp_path), "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    assert outputs(tmp_path) == serial
    assert sorted(p.name for p in tmp_path.glob("*.mp4")) == ["a.tracked.mp4", "b.tracked.mp4"]


def test_ray_tasks_write_what_one_process_does(videos: Path, serial: dict, tmp_path: Path):
    pytest.importorskip("ray")
    proc = track(str(videos / "a.avi"), str(videos / "b.avi"), "--out-dir", str(tmp_path), "--engine", "ray",
                 "--workers", "2", "--no-video")
    assert proc.returncode == 0, proc.stderr
    assert outputs(tmp_path) == serial


def test_several_sources_refuse_one_source_flags(videos: Path, tmp_path: Path):
    proc = track(str(videos / "a.avi"), str(videos / "b.avi"), "-o", str(tmp_path / "x.mp4"))
    assert proc.returncode == 2 and proc.stderr.strip() == (
        "siamtrack: error: -o/--output is for one source; several sources go to --out-dir as <name>.tracked.*")
    twin = tmp_path / "twin"
    twin.mkdir()
    (twin / "a.avi").write_bytes((videos / "a.avi").read_bytes())
    proc = track(str(videos / "a.avi"), str(twin / "a.avi"), "--out-dir", str(tmp_path))
    assert proc.returncode == 2 and "would overwrite those of" in proc.stderr
    assert not list(tmp_path.glob("*.tracked.*"))
