"""What a user installs: a wheel holding one `siamtrack` package with the clip, configs and every
model file, whose `siamtrack demo` runs outside the source tree; and `siamtrack --version`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # built from a copy of the tree: a build in place leaves build/ behind, whose stale files a later
    # wheel could pick up
    source = shutil.copytree(REPO, out / "src", ignore=shutil.ignore_patterns(
        ".venv", ".git", "build", "dist", "*.egg-info", "__pycache__", "runs", "out"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(source)], check=True, capture_output=True, cwd=out)
    (found,) = out.glob("siamtrack-*.whl")
    return found


def test_the_wheel_holds_one_package_with_its_data_and_every_module(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {n.split("/")[0] for n in names} == {"siamtrack", wheel.name.split("-py")[0] + ".dist-info"}
    for folder, prefix in (("siamese_cnn", "siamtrack/siamese_cnn"), ("association", "siamtrack/association"),
                           ("tracker", "siamtrack/tracker"), ("configs", "siamtrack/configs")):
        for path in (REPO / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                assert f"{prefix}/{path.relative_to(REPO / folder).as_posix()}" in names, path
    assert "siamtrack/tracker/app/clip/TUD-Campus/img1/000071.jpg" in names
    assert {"siamtrack/configs/default.yaml", "siamtrack/configs/training.yaml",
            "siamtrack/siamese_cnn/weights/matcher_tracking.pt", "siamtrack/association/models/linker.ubj",
            "siamtrack/tracker/detectors/models/ssdlite_pedestrian.onnx"} <= names


def test_the_demo_runs_from_the_installed_wheel(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": str(target)}  # ahead of the editable install of the source tree
    code = "import siamtrack.tracker.app.demo as d, sys; print(d.DEMO_DATA)"
    where = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                           cwd=tmp_path).stdout.strip()
    assert where.startswith(str(target))
    proc = subprocess.run([sys.executable, "-m", "siamtrack.tracker.app.cli", "demo", "--out", "runs", "--quiet"],
                          env=env, capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "HOTA" in proc.stdout and (tmp_path / "runs" / "TUD-Campus.public.mp4").stat().st_size > 10_000


def test_version_is_the_installed_packages():
    from importlib.metadata import version

    proc = subprocess.run([sys.executable, "-m", "siamtrack.tracker.app.cli", "--version"], capture_output=True,
                          text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == f"siamtrack {version('siamtrack')}"
