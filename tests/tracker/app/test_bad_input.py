"""Bad input ends in one clear line, a non-zero exit, no traceback and no partial output."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DEMO_SEQ


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "siamtrack.tracker.app.cli", *args], capture_output=True, text=True)


def assert_one_line_error(proc: subprocess.CompletedProcess, *expected: str) -> None:
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    for text in expected:
        assert text in lines[0], lines[0]


@pytest.fixture()
def short_seq(tmp_path: Path) -> Path:
    """A 10-frame copy of the demo sequence."""
    seq = tmp_path / "data" / "SEQ-A"
    (seq / "img1").mkdir(parents=True)
    (seq / "det").mkdir()
    (seq / "gt").mkdir()
    for i in range(1, 11):
        shutil.copy(DEMO_SEQ / "img1" / f"{i:06d}.jpg", seq / "img1")
    (seq / "seqinfo.ini").write_text((DEMO_SEQ / "seqinfo.ini").read_text().replace("seqLength=71", "seqLength=10")
                                     .replace("name=TUD-Campus", "name=SEQ-A"))
    for name, path in (("det/det.txt", DEMO_SEQ / "det" / "det.txt"), ("gt/gt.txt", DEMO_SEQ / "gt" / "gt.txt")):
        lines = [ln for ln in path.read_text().splitlines() if int(ln.split(",")[0]) <= 10]
        (seq / name).write_text("\n".join(lines) + "\n")
    return seq


def test_tampered_model_files_via_the_cli(short_seq: Path, tmp_path: Path):
    bad = tmp_path / "matcher.pt"
    bad.write_bytes(b"PK\x03\x04 definitely not a state dict")
    out = tmp_path / "out.mp4"
    proc = run_cli("track", str(short_seq), "-o", str(out), "--quiet", "--detections", str(short_seq / "det/det.txt"),
                   "--set", f"matcher.weights={bad}")
    assert_one_line_error(proc, str(bad), "not a valid siamtrack matcher file")
    assert not out.exists()
    bad_linker = tmp_path / "linker.ubj"
    bad_linker.write_bytes(b"\x00\x01garbage")
    proc = run_cli("eval", "--data", str(short_seq.parent), "--out", str(tmp_path / "ev"), "--quiet",
                   "--set", f"linker.model={bad_linker}")
    assert_one_line_error(proc, str(bad_linker))
    assert not (tmp_path / "ev" / "metrics.json").exists()


def test_seqinfo_that_disagrees_with_the_detections(short_seq: Path, tmp_path: Path):
    with open(short_seq / "det" / "det.txt", "a") as handle:
        handle.write("25,-1,10,10,40,90,50\n")
    proc = run_cli("eval", "--data", str(short_seq.parent), "--out", str(tmp_path / "ev"), "--quiet")
    assert_one_line_error(proc, "det.txt", "reach frame 25", "10 frames")


def test_seqinfo_that_disagrees_with_the_frames(short_seq: Path, tmp_path: Path):
    (short_seq / "img1" / "000010.jpg").unlink()
    proc = run_cli("track", str(short_seq), "-o", str(tmp_path / "o.mp4"), "--quiet",
                   "--detections", str(short_seq / "det/det.txt"))
    assert_one_line_error(proc, "seqinfo.ini", "10 frames", "9 images")
    assert not (tmp_path / "o.mp4").exists() and not (tmp_path / "o.txt").exists()


def test_truncated_image_and_empty_folder(short_seq: Path, tmp_path: Path):
    image = short_seq / "img1" / "000005.jpg"
    image.write_bytes(image.read_bytes()[:200])
    proc = run_cli("track", str(short_seq), "-o", str(tmp_path / "o.mp4"), "--quiet",
                   "--detections", str(short_seq / "det/det.txt"))
    assert_one_line_error(proc, "000005.jpg", "truncated JPEG")
    assert not (tmp_path / "o.mp4").exists() and not (tmp_path / "o.txt").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_one_line_error(run_cli("track", str(empty), "--quiet"), str(empty), "holds no images")


def test_boxes_outside_the_frame_are_clipped_with_one_warning(short_seq: Path, tmp_path: Path):
    det = short_seq / "det" / "det.txt"
    lines = det.read_text().splitlines() + ["3,-1,-500,-500,40,90,50", "4,-1,900,100,40,90,50", "5,-1,620,100,60,90,50"]
    det.write_text("\n".join(sorted(lines, key=lambda ln: int(ln.split(",")[0]))) + "\n")
    proc = run_cli("track", str(short_seq), "--no-video", "--mot-output", str(tmp_path / "t.txt"), "--quiet",
                   "--detections", str(short_seq / "det/det.txt"), "--scorer", "geometry")
    assert proc.returncode == 0, proc.stderr
    warnings = [ln for ln in proc.stderr.splitlines() if ln.startswith("warning")]
    assert len(warnings) == 1 and "dropped 2 detections" in warnings[0]


def test_outputs_where_nothing_can_be_written(short_seq: Path, tmp_path: Path):
    """An output path through a file (not a folder): one line naming it, even as root."""
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    proc = run_cli("track", str(short_seq), "--detections", str(short_seq / "det" / "det.txt"),
                   "-o", str(blocker / "out.mp4"), "--quiet")
    assert_one_line_error(proc, str(blocker / "out.txt"), "cannot write there", "not a folder")
    proc = run_cli("eval", "--data", str(short_seq.parent), "--out", str(blocker / "eval"), "--quiet")
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert str(blocker / "eval") in lines[0]
    assert blocker.read_text() == "not a folder" and not list(tmp_path.glob(".*"))
