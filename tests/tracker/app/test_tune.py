"""`siamtrack tune`: seeded and reproducible, never worse than where it started, and its output is
a config the other commands take."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml

from siamtrack.configs import default_config, load_config
from siamtrack.tracker.app.cli import main
from siamtrack.tracker.app.tune import TUNE_SPACE, load_space, perceive_all, tune
from tests.conftest import DEMO_DATA


@pytest.fixture(scope="module")
def clip_geometry():
    import dataclasses

    config = dataclasses.replace(default_config(), scorer="geometry")
    space = load_space(TUNE_SPACE, config)
    return config, space, perceive_all(DEMO_DATA, ["TUD-Campus"], config, space.floor)[0]


def test_the_same_seed_gives_the_same_search(clip_geometry):
    config, space, perceptions = clip_geometry
    a = tune(perceptions, config, space, trials=6, seed=3)
    b = tune(perceptions, config, space, trials=6, seed=3)
    c = tune(perceptions, config, space, trials=6, seed=4)
    assert a.search.trials == b.search.trials and a.config == b.config
    assert [v for v, _ in a.search.trials[1:]] != [v for v, _ in c.search.trials[1:]]


def test_the_first_trial_is_the_config_given_and_the_best_is_no_worse(clip_geometry):
    config, space, perceptions = clip_geometry
    result = tune(perceptions, config, space, trials=8, seed=0)
    first_values, first_hota = result.search.trials[0]
    assert first_values["tracker.min_hits"] == config.tracker.min_hits
    assert result.search.best_value >= first_hota == result.search.start_value
    assert result.per_sequence["TUD-Campus"] == pytest.approx(result.search.best_value)


def test_tune_cli_writes_a_config_that_eval_reproduces(tmp_path: Path, capsys):
    out = tmp_path / "tuned.yaml"
    assert main(["tune", "--data", str(DEMO_DATA), "--trials", "8", "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "best mean HOTA" in printed and str(out) in printed
    header = [line for line in out.read_text().splitlines() if line.startswith("#")]
    best = float(header[1].split("TUD-Campus: ")[1].split(" ")[0])
    tuned = yaml.safe_load(out.read_text())
    assert set(tuned) == {"tracker", "linker"} and "min_score" in tuned["tracker"]
    load_config(out)  # a valid --config file
    assert main(["eval", "--data", str(DEMO_DATA), "--config", str(out), "--out", str(tmp_path / "e"), "--quiet"]) == 0
    hota = json.loads((tmp_path / "e" / "metrics.json").read_text())["sequences"]["TUD-Campus"]["HOTA"]
    assert hota == pytest.approx(best, abs=0.006)  # the header rounds to 2 decimals


def test_tune_on_slower_copies_scores_each_and_leaves_no_copy_behind(tmp_path: Path, capsys):
    out = tmp_path / "tuned.yaml"
    before = set(Path(tempfile.gettempdir()).glob("siamtrack-rates-*"))
    assert main(["tune", "--data", str(DEMO_DATA), "--trials", "3", "--rates", "1,3", "--scorer", "geometry",
                 "--out", str(out), "--quiet"]) == 0
    header = [line for line in out.read_text().splitlines() if line.startswith("#")]
    per_sequence = dict(part.rsplit(" ", 1) for part in header[2].removeprefix("# per sequence: ").split(", "))
    assert set(per_sequence) == {"TUD-Campus", "TUD-Campus-every3"}
    assert "over TUD-Campus, TUD-Campus-every3:" in header[1]
    best = float(header[1].split("every3: ")[1].split(" ")[0])
    assert best == pytest.approx(sum(map(float, per_sequence.values())) / 2, abs=0.01)
    assert set(Path(tempfile.gettempdir()).glob("siamtrack-rates-*")) == before


def test_tune_mistakes_are_one_line_errors(tmp_path: Path, capsys):
    bad_space = tmp_path / "space.yaml"
    cases = [
        (["--out", str(tmp_path / "t.txt")], "written as YAML"),
        (["--out", str(tmp_path / "t.yaml"), "--seqs", "Nope"], "no sequence named Nope"),
        (["--out", str(tmp_path / "t.yaml"), "--space", str(bad_space)], "tracker has no setting 'bogus'"),
        (["--out", str(tmp_path / "t.yaml"), "--rates", "2,3"], "including 1"),
        (["--out", str(tmp_path / "t.yaml"), "--rates", "1,half"], "comma-separated whole numbers"),
    ]
    bad_space.write_text("floor: 0.1\nspace:\n  tracker.bogus: [1, 2]\n")
    for extra, expected in cases:
        capsys.readouterr()
        assert main(["tune", "--data", str(DEMO_DATA), "--trials", "2", "--quiet", *extra]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and expected in err[0], err
    boxes_only = tmp_path / "boxes" / "TUD-Campus"
    for rel in ("seqinfo.ini", "gt/gt.txt", "det/det.txt"):
        (boxes_only / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DEMO_DATA / "TUD-Campus" / rel, boxes_only / rel)
    assert main(["tune", "--data", str(boxes_only.parent), "--trials", "2", "--quiet", "--out",
                 str(tmp_path / "t.yaml")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--scorer geometry" in err[0], err
    assert main(["tune", "--data", str(boxes_only.parent), "--trials", "2", "--quiet", "--scorer", "geometry",
                 "--out", str(tmp_path / "t.yaml")]) == 0
    bad_space.write_text("floor: 0.1\nspace:\n  tracker.cascade: [0, 1]\n")
    assert main(["tune", "--data", str(DEMO_DATA), "--trials", "2", "--quiet", "--out", str(tmp_path / "t.yaml"),
                 "--space", str(bad_space)]) == 2
    assert "choices" in capsys.readouterr().err


def tuned_settings(path: Path) -> str:
    """The tuned config without its comment header (which says how long the run took)."""
    return "".join(line for line in path.read_text().splitlines(keepends=True) if not line.startswith("#"))


def test_trials_on_workers_and_ray_give_the_serial_result_and_the_cache_is_reused(tmp_path: Path):
    import subprocess
    import sys

    def tune_cli(out: str, *flags: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "siamtrack.tracker.app.cli", "tune", "--data", str(DEMO_DATA),
                               "--trials", "6", "--scorer", "geometry", "--out", str(tmp_path / out), "--quiet",
                               "--cache-dir", str(tmp_path / "cache"), *flags], capture_output=True, text=True)

    serial = tune_cli("serial.yaml", "--batch", "2")
    assert serial.returncode == 0, serial.stderr
    stored = list((tmp_path / "cache").glob("TUD-Campus-*.npz"))
    assert len(stored) == 1
    written = stored[0].stat().st_mtime_ns
    workers = tune_cli("workers.yaml", "--workers", "2")  # --batch defaults to --workers
    assert workers.returncode == 0, workers.stderr
    assert tuned_settings(tmp_path / "workers.yaml") == tuned_settings(tmp_path / "serial.yaml")
    assert stored[0].stat().st_mtime_ns == written  # read from the cache, not computed again
    one_by_one = tune_cli("one.yaml")
    assert one_by_one.returncode == 0 and "rounds of 1" in (tmp_path / "one.yaml").read_text()
    pytest.importorskip("ray")
    ray = tune_cli("ray.yaml", "--engine", "ray", "--workers", "2")
    assert ray.returncode == 0, ray.stderr
    assert tuned_settings(tmp_path / "ray.yaml") == tuned_settings(tmp_path / "serial.yaml")
