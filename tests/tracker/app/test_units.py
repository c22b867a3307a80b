"""Units of work in worker processes and on a real local Ray instance: the same results as one at a time."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from siamtrack.siamese_cnn.errors import InputError
from siamtrack.tracker.app.units import Engine, Unit, run_units
from tests.conftest import DEMO_SEQ


def square(x: int) -> int:
    if x == 3:
        raise InputError("three: not welcome")
    if x == 4:
        raise ZeroDivisionError("division by zero")
    return x * x


def test_local_workers_keep_order_and_report_each_failure_in_one_line():
    units = [Unit(f"unit-{x}", square, (x,)) for x in range(6)]
    serial = run_units(units, Engine(), progress=False)
    parallel = run_units(units, Engine("local", 2), progress=False)
    assert serial == parallel
    assert [o.value for o in parallel if o.ok] == [0, 1, 4, 25]
    assert [(o.name, o.error) for o in parallel if not o.ok] == [
        ("unit-3", "three: not welcome"), ("unit-4", "ZeroDivisionError: division by zero")]


def copy_sequence(data: Path, name: str, frames: int, det: bool = True) -> None:
    seq = data / name
    (seq / "img1").mkdir(parents=True)
    (seq / "gt").mkdir()
    (seq / "det").mkdir()
    for i in range(1, frames + 1):
        shutil.copy(DEMO_SEQ / "img1" / f"{i:06d}.jpg", seq / "img1")
    info = (DEMO_SEQ / "seqinfo.ini").read_text().replace("seqLength=71", f"seqLength={frames}")
    (seq / "seqinfo.ini").write_text(info.replace("name=TUD-Campus", f"name={name}"))
    for sub, file in (("gt", "gt.txt"), ("det", "det.txt")):
        if sub == "det" and not det:
            continue
        lines = [ln for ln in (DEMO_SEQ / sub / file).read_text().splitlines() if int(ln.split(",")[0]) <= frames]
        (seq / sub / file).write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("data")
    copy_sequence(root, "TUD-Campus-a", 40)
    copy_sequence(root, "TUD-Campus-b", 30)
    copy_sequence(root, "TUD-Campus-c", 20, det=False)  # fails: no detections
    return root


def evaluate(data: Path, out: Path, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "siamtrack.tracker.app.cli", "eval", "--data", str(data),
                           "--out", str(out), "--quiet", *flags], capture_output=True, text=True)


def results(out: Path) -> dict:
    metrics = json.loads((out / "metrics.json").read_text())["sequences"]
    files = {p.name: p.read_bytes() for p in sorted(out.glob("*.txt"))}
    return {"files": files, "metrics": {s: {k: v for k, v in m.items() if k != "fps"} for s, m in metrics.items()}}


@pytest.fixture(scope="module")
def serial(data: Path, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("serial")
    proc = evaluate(data, out)
    assert proc.returncode == 2  # one sequence failed...
    assert proc.stderr.strip().splitlines() == [  # ...in one line naming it
        f"siamtrack: error: TUD-Campus-c: {data / 'TUD-Campus-c' / 'det' / 'det.txt'}: detection file not found"]
    got = results(out)
    assert sorted(got["files"]) == ["TUD-Campus-a.txt", "TUD-Campus-b.txt"]  # the others written
    assert set(got["metrics"]) == {"TUD-Campus-a", "TUD-Campus-b", "COMBINED"}
    return got


def test_eval_on_two_local_workers_is_the_serial_eval(data: Path, serial: dict, tmp_path: Path):
    proc = evaluate(data, tmp_path, "--workers", "2")
    assert proc.returncode == 2 and proc.stderr.count("siamtrack: error: TUD-Campus-c:") == 1
    assert results(tmp_path) == serial


def test_eval_on_a_local_ray_instance_is_the_serial_eval(data: Path, serial: dict, tmp_path: Path):
    pytest.importorskip("ray")
    proc = evaluate(data, tmp_path, "--engine", "ray", "--workers", "2")  # a Ray instance of 2 CPUs for the run
    assert proc.returncode == 2, proc.stderr
    assert [ln for ln in proc.stderr.splitlines() if ln.startswith("siamtrack")] == [
        f"siamtrack: error: TUD-Campus-c: {data / 'TUD-Campus-c' / 'det' / 'det.txt'}: detection file not found"]
    assert results(tmp_path) == serial


def test_engine_mistakes_are_one_line_errors(data: Path, tmp_path: Path):
    proc = evaluate(data, tmp_path, "--address", "127.0.0.1:1")
    assert proc.returncode == 2 and proc.stderr.strip() == "siamtrack: error: --address is for --engine ray"
    pytest.importorskip("ray")
    proc = evaluate(data, tmp_path, "--engine", "ray", "--address", "127.0.0.1:1")
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[-1].startswith("siamtrack: error: --engine ray: cannot connect to 127.0.0.1:1")
