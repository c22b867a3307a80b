"""The CLI as a user runs it: real files in, a table and JSON out, one-line errors."""

import json
import subprocess
import sys
from pathlib import Path

from siamtrack.tracker.app.cli import main
from tests.conftest import DEMO_DATA, SHARED_MOT, needs_shared


def test_eval_on_bundled_clip_writes_results_and_metrics(tmp_path: Path, capsys):
    assert main(["eval", "--data", str(DEMO_DATA), "--out", str(tmp_path), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "TUD-Campus" in printed and "COMBINED" in printed and "HOTA" in printed
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    campus = metrics["sequences"]["TUD-Campus"]
    # The geometry tracker on ACF detections: a real but modest result.
    assert 30 < campus["HOTA"] < 70 and campus["MOTA"] > 20
    first = (tmp_path / "TUD-Campus.txt").read_text().splitlines()[0].split(",")
    assert len(first) == 10 and first[-3:] == ["-1", "-1", "-1"] and int(first[0]) >= 1


def test_config_override_changes_the_run(tmp_path: Path):
    assert main(["eval", "--data", str(DEMO_DATA), "--out", str(tmp_path / "a"), "--quiet"]) == 0
    assert main(["eval", "--data", str(DEMO_DATA), "--out", str(tmp_path / "b"), "--quiet",
                 "--set", "tracker.min_hits=8"]) == 0
    a = json.loads((tmp_path / "a" / "metrics.json").read_text())["sequences"]["TUD-Campus"]
    b = json.loads((tmp_path / "b" / "metrics.json").read_text())["sequences"]["TUD-Campus"]
    assert b["FN"] > a["FN"]


def test_user_mistakes_are_one_line_errors(tmp_path: Path):
    for args, expected in [
        (["eval", "--data", str(tmp_path / "missing")], "data folder not found"),
        (["eval", "--data", str(DEMO_DATA), "--seqs", "Nope"], "no sequence named Nope"),
        (["eval", "--data", str(DEMO_DATA), "--set", "tracker.bogus=1"], "unknown setting 'tracker.bogus'"),
        (["eval", "--data", str(DEMO_DATA), "--set", "tracker.min_hits=abc"],
         "tracker.min_hits must be a whole number, not 'abc'"),
        (["eval", "--data", str(DEMO_DATA), "--set", "tracker.interpolate_gaps=3"],
         "tracker.interpolate_gaps must be true or false, not 3"),
        (["eval", "--data", str(DEMO_DATA), "--set", "matcher.flow_width=wide"],
         "matcher.flow_width must be a whole number"),
        (["eval", "--data", str(DEMO_DATA), "--det", "det/none.txt"], "detection file not found"),
    ]:
        proc = subprocess.run([sys.executable, "-m", "siamtrack.tracker.app.cli", *args, "--out", str(tmp_path / "o"),
                               "--quiet"], capture_output=True, text=True)
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0] and "Traceback" not in proc.stderr
    assert not (tmp_path / "o" / "metrics.json").exists()


@needs_shared
def test_eval_on_shared_sequences_with_mot16_rules(tmp_path: Path):
    assert main(["eval", "--data", str(SHARED_MOT), "--seqs", "TUD-Campus,MOT16-09", "--out", str(tmp_path),
                 "--quiet"]) == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())["sequences"]
    assert set(metrics) == {"TUD-Campus", "MOT16-09", "COMBINED"}
    assert metrics["COMBINED"]["FN"] == metrics["TUD-Campus"]["FN"] + metrics["MOT16-09"]["FN"]
    assert metrics["MOT16-09"]["HOTA"] > 25
