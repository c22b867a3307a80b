"""DDP training for real: two CPU processes joined by gloo on loopback."""

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from siamtrack.siamese_cnn.matcher import PatchMatcher
from siamtrack.siamese_cnn.training.data import mot_bank
from siamtrack.siamese_cnn.training.distributed import Ranks, launch, process_group
from siamtrack.siamese_cnn.training.pair_evaluation import protocol_bank
from siamtrack.siamese_cnn.training.train import train_matcher
from tests.conftest import DEMO_DATA, DEMO_SEQ, recipe


def tiny_recipe():
    return dataclasses.replace(recipe().matcher_training, batch=16, steps_per_epoch=12, max_epochs=3, patience=10,
                               lr=3e-3)


def train_one_rank(ranks: Ranks, out_dir: Path) -> None:
    """Runs in each spawned process: train, then leave this rank's weights and history."""
    spec = recipe().matcher_training.patch
    with process_group(ranks, "cpu"):
        train = mot_bank(DEMO_SEQ, spec, frames=set(range(1, 40)), jitter=0.05)
        holdout = protocol_bank([DEMO_SEQ], spec, step=10, frame_range=(0.5, 1.0))
        matcher, history = train_matcher(train, holdout, tiny_recipe(), spec, log=lambda *_: None, progress=False,
                                         ranks=ranks)
    torch.save(matcher.net.state_dict(), out_dir / f"rank{ranks.rank}.pt")
    (out_dir / f"rank{ranks.rank}.json").write_text(json.dumps(history))


def test_two_processes_lower_the_loss_and_agree_on_the_weights(tmp_path: Path):
    launch(2, train_one_rank, tmp_path)
    weights = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1)]
    histories = [[{k: v for k, v in e.items() if k != "minutes"} for e in json.loads((tmp_path / f"rank{r}.json")
                                                                                     .read_text())] for r in (0, 1)]
    assert histories[0] == histories[1]  # losses averaged over ranks, the main rank's hold-out for both
    assert histories[0][-1]["loss"] < histories[0][0]["loss"]
    assert weights[0].keys() == weights[1].keys()
    for name in weights[0]:
        assert torch.equal(weights[0][name], weights[1][name]), name
    # and the two ranks did not simply train the one-process run twice
    train_one_rank(Ranks(), tmp_path)
    single = torch.load(tmp_path / "rank0.pt", weights_only=True)
    assert any(not torch.equal(single[n], weights[0][n]) for n in single if single[n].is_floating_point())


@pytest.mark.parametrize("launcher", ["nproc", "torchrun"])
def test_train_matcher_cli_with_two_processes_writes_one_model(tmp_path: Path, launcher: str):
    out = tmp_path / "m.pt"
    overrides = [f"matcher_training.{k}={v}" for k, v in
                 {"batch": 16, "steps_per_epoch": 6, "max_epochs": 1, "reid": "[]", "holdout_fraction": 0.5}.items()]
    start = [sys.executable, "-m", "siamtrack.tracker.app.cli"]
    if launcher == "torchrun":  # its standard environment, not --nproc
        start = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
                 "-m", "siamtrack.tracker.app.cli"]
    proc = subprocess.run([*start, "train-matcher", "--data", str(DEMO_DATA), "--train-seqs", "TUD-Campus",
                           "--out", str(out), "--quiet", *(["--nproc", "2"] if launcher == "nproc" else []),
                           *sum((["--set", o] for o in overrides), [])], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("wrote ") == 1 and "2 processes" in proc.stdout
    assert json.loads(Path(f"{out}.json").read_text())["processes"] == 2
    PatchMatcher.load(out)  # a loadable model, written once
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.pt", "m.pt.json"]
