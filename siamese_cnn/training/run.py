"""``siamtrack train-matcher``: banks from named sequences, training, validation report, weights."""

from __future__ import annotations

import json
import time
from pathlib import Path

from ..atomic import atomic_write
from ..errors import InputError
from .distributed import Ranks, from_env, launch, process_group
from .pair_evaluation import check_slices, protocol_bank
from .train import MatcherTrainConfig, architecture_of, build_training_banks, evaluate_matcher, train_matcher


def _check_sequences(data_dir: Path, names: list[str]) -> list[Path]:
    dirs = [data_dir / n for n in names]
    for d in dirs:
        if not (d / "gt" / "gt.txt").is_file() or not (d / "img1").is_dir():
            raise InputError(f"{d}: not a MOT sequence with gt/gt.txt and img1/")
    return dirs


def run_training(data_dir: Path, train_seqs: list[str], val_seqs: list[str], out: Path, cfg: MatcherTrainConfig,
                 reid_root: Path | None, progress: bool = True, device: str = "cpu", nproc: int = 1) -> dict:
    """Train, report on the validation sequences, write ``out`` and ``out`` + ``.json``.

    ``nproc`` > 1: that many local DDP processes (``distributed.py``); a process that torchrun
    started joins torchrun's run instead. Either way one process writes the model."""
    check_slices(_check_sequences(data_dir, train_seqs), (1 - cfg.holdout_fraction, 1.0))
    _check_sequences(data_dir, val_seqs)
    args = (data_dir, train_seqs, val_seqs, out, cfg, reid_root, progress, device)
    ranks = from_env()
    if ranks is not None:
        return _train(ranks, *args)
    if nproc > 1:
        launch(nproc, _train, *args)
        return json.loads(Path(f"{out}.json").read_text())
    return _train(Ranks(), *args)


def _train(ranks: Ranks, data_dir: Path, train_seqs: list[str], val_seqs: list[str], out: Path,
           cfg: MatcherTrainConfig, reid_root: Path | None, progress: bool, device: str) -> dict:
    say = print if ranks.main else (lambda *a, **k: None)
    spec = cfg.patch
    start = time.monotonic()
    with process_group(ranks, ranks.device(device)):
        train, holdout = build_training_banks(data_dir, train_seqs, cfg, spec, reid_root, with_holdout=ranks.main)
        say(f"training patches: {len(train)} ({len(set(train.ids.tolist()))} identities); "
            f"hold-out: {len(holdout) if holdout is not None else 0}"
            + (f"; {ranks.world} processes" if ranks.world > 1 else ""))
        matcher, history = train_matcher(train, holdout, cfg, spec, progress=progress, device=device, ranks=ranks)
    if not ranks.main:
        return matcher.info
    val_dirs = [data_dir / n for n in val_seqs]
    validation = evaluate_matcher(matcher, protocol_bank(val_dirs, spec)) if val_dirs else {}
    minutes = (time.monotonic() - start) / 60
    for name, metrics in validation.items():
        per_gap = "  ".join(f"{k} {v:.3f}" for k, v in metrics.items() if k.startswith("auc@"))
        print(f"validation {name:10s} AUC {metrics['auc']:.4f}  rank-1 {metrics['rank1']:.3f}  {per_gap}")
    matcher.info.update({"train_seqs": train_seqs, "val_seqs": val_seqs, "validation": validation,
                         "train_minutes": minutes, **({"processes": ranks.world} if ranks.world > 1 else {})})
    matcher.save(out, architecture_of(cfg))
    with atomic_write(Path(f"{out}.json")) as handle:
        json.dump(matcher.info, handle, indent=2)
    print(f"wrote {out} and {out}.json ({minutes:.1f} min)")
    return matcher.info
