"""``siamtrack train-linker``: sample pairs from real detections, fit XGBoost, report, save UBJ."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import xgboost as xgb

from siamtrack.siamese_cnn import InputError, PatchMatcher
from siamtrack.siamese_cnn.atomic import atomic_write
from siamtrack.siamese_cnn.training.pair_metrics import roc_auc
from siamtrack.tracker.io.subsample import subsample_sequence

from ..context import CONTEXT_FEATURES
from ..learned_scorer import all_feature_names
from ..linker import Linker
from .pairs import load_sequence, sample_pairs

FEATURE_SETS = ("both", "context", "appearance")


@dataclass(frozen=True)
class LinkerTrainConfig:
    """The ``linker_training`` section of ``configs/training.yaml``: the recipe of a linker
    (values and why: that file)."""

    det_file: str
    min_score: float
    features: str  # both | context | appearance
    max_gap_seconds: float
    frame_step: int
    rate_steps: list[int]  # each training sequence also at 1/k of its frame rate, k in this list ([1]: native only)
    extra_gaps: int
    memory: int
    time_aware_motion: bool  # the Kalman filter's noise in seconds (as tracker.time_aware_motion)
    camera_motion: bool  # predictions moved by the camera's motion (as tracker.camera_motion)
    balance_sequences: float  # pair weights n_seq ** -balance (0: each pair alike; 1: each sequence alike)
    holdout_fraction: float
    rounds: int
    early_stopping: int
    max_depth: int
    learning_rate: float
    subsample: float
    colsample_bytree: float
    min_child_weight: float
    seed: int


def _log_loss(p: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _copies(data_dir: Path, names: list[str], steps: list[int], work: Path) -> list[Path]:
    """The sequences, and each at 1/k of its frame rate for every k > 1 in ``steps`` (frames linked)."""
    out = []
    for name in names:
        seq_dir = data_dir / name
        if not (seq_dir / "gt" / "gt.txt").is_file():
            raise InputError(f"{seq_dir}: not a MOT sequence with gt/gt.txt")
        out += [seq_dir if k == 1 else subsample_sequence(seq_dir, k, work) for k in steps]
    return out


def _collect(seq_dirs: list[Path], matcher: PatchMatcher | None, s: LinkerTrainConfig,
             frame_range: tuple[float, float], seed: int,
             calibrations: Mapping[str, tuple[float, float]] | None
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(features, labels, gaps, weights) of the pairs of every sequence; see ``sequence_weights``."""
    xs, ys, gs = [], [], []
    for k, seq_dir in enumerate(seq_dirs):
        name = seq_dir.name
        seq = load_sequence(seq_dir, s.det_file, matcher, s.min_score, calibrations=calibrations,
                            camera_motion=s.camera_motion)
        max_gap = max(1, int(round(s.max_gap_seconds * seq.frame_rate)))
        x, y, g = sample_pairs(seq, matcher, max_gap, s.frame_step, s.extra_gaps, s.memory,
                               frame_range, seed + k, s.time_aware_motion)
        xs.append(x)
        ys.append(y)
        gs.append(g)
        print(f"  {name}: {len(y)} pairs, {int(y.sum())} positive", flush=True)
    weights = sequence_weights([len(y) for y in ys], s.balance_sequences)
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(gs), weights


def sequence_weights(counts: list[int], balance: float) -> np.ndarray:
    """Per-pair weights n_seq ** -balance, scaled to mean 1, for sequences of ``counts`` pairs.

    Why: a crowded 30 fps sequence gives 50 times the pairs of a sparse one (MOT16-09: 33,000,
    TUD-Campus: 700), so an unweighted linker learns the crowded camera; users' cameras are many.
    """
    if balance < 0 or balance > 1:
        raise InputError(f"linker_training.balance_sequences must be within 0..1, got {balance}")
    per_pair = np.concatenate([np.full(n, float(n) ** -balance) for n in counts if n]) if any(counts) else np.zeros(0)
    return per_pair / per_pair.mean() if len(per_pair) else per_pair


def run_linker_training(data_dir: Path, train_seqs: list[str], val_seqs: list[str], out: Path, s: LinkerTrainConfig,
                        matcher_path: Path | None,
                        calibrations: Mapping[str, tuple[float, float]] | None = None) -> dict:
    """Train, report on ``val_seqs``, write ``out`` and ``out`` + ``.json``. ``calibrations``: the
    detector-score fits to label with (default: the shipped ones)."""
    if s.features not in FEATURE_SETS:
        raise InputError(f"linker_training.features must be one of {', '.join(FEATURE_SETS)}")
    start = time.monotonic()
    matcher = None if s.features == "context" else PatchMatcher.load(matcher_path)
    names = list(CONTEXT_FEATURES) if matcher is None else list(all_feature_names(matcher))
    keep = [i for i, n in enumerate(names) if s.features != "appearance" or n not in CONTEXT_FEATURES]
    if s.features == "appearance":
        keep = [i for i in keep if names[i] not in CONTEXT_FEATURES] + [names.index("gap_frames")]
    names = [names[i] for i in keep]
    cut = 1 - s.holdout_fraction
    if not s.rate_steps or min(s.rate_steps) < 1:
        raise InputError("linker_training.rate_steps must list frame-rate divisors of 1 or more, e.g. [1, 2, 3]")
    with tempfile.TemporaryDirectory(prefix="siamtrack-linker-") as work:
        train_dirs = _copies(data_dir, train_seqs, s.rate_steps, Path(work))
        print("sampling training pairs", flush=True)
        x_tr, y_tr, _, w_tr = _collect(train_dirs, matcher, s, (0.0, cut), s.seed, calibrations)
        x_ho, y_ho, _, w_ho = _collect(train_dirs, matcher, s, (cut, 1.0), s.seed + 100, calibrations)
    if val_seqs:
        print("sampling validation pairs", flush=True)
        x_va, y_va, g_va, _ = _collect(_copies(data_dir, val_seqs, [1], Path()), matcher, s, (0.0, 1.0), s.seed + 200,
                                    calibrations)
    else:
        x_va, y_va, g_va = np.zeros((0, x_tr.shape[1])), np.zeros(0), np.zeros(0, int)
    x_tr, x_ho, x_va = x_tr[:, keep], x_ho[:, keep], x_va[:, keep]
    params = {"objective": "binary:logistic", "eval_metric": ["logloss", "auc"], "max_depth": s.max_depth,
              "eta": s.learning_rate, "subsample": s.subsample, "colsample_bytree": s.colsample_bytree,
              "min_child_weight": s.min_child_weight, "tree_method": "hist", "nthread": 2, "seed": s.seed}
    # weights only when asked for: without them XGBoost's trees are the same bytes as before the option
    balanced = s.balance_sequences > 0
    train = xgb.DMatrix(x_tr, label=y_tr, feature_names=names, weight=w_tr if balanced else None)
    holdout = xgb.DMatrix(x_ho, label=y_ho, feature_names=names, weight=w_ho if balanced else None)
    booster = xgb.train(params, train, num_boost_round=s.rounds, evals=[(holdout, "holdout")],
                        early_stopping_rounds=s.early_stopping, verbose_eval=50)
    rounds = booster.best_iteration + 1
    booster = booster[:rounds]
    p_va = booster.inplace_predict(x_va) if len(y_va) else np.zeros(0)
    per_gap = {}
    for lo, hi in ((1, 1), (2, 5), (6, 15), (16, 30), (31, 10**6)):
        m = (g_va >= lo) & (g_va <= hi)
        if m.any() and 0 < y_va[m].sum() < m.sum():
            per_gap[f"gap {lo}-{hi}" if hi < 10**6 else f"gap >{lo - 1}"] = roc_auc(p_va[m], y_va[m])
    gain = booster.get_score(importance_type="total_gain")
    total = sum(gain.values()) or 1.0
    info = {"features": s.features, "train_seqs": train_seqs, "val_seqs": val_seqs,
            "train_pairs": int(len(y_tr)), "val_pairs": int(len(y_va)), "rounds": rounds,
            "validation": ({"log_loss": _log_loss(p_va, y_va), "auc": roc_auc(p_va, y_va), "auc_by_gap": per_gap}
                           if len(y_va) else {}),
            "importance": dict(sorted(((k, v / total) for k, v in gain.items()), key=lambda kv: -kv[1])),
            "settings": asdict(s), "train_minutes": (time.monotonic() - start) / 60}
    linker = Linker(booster, names, {**{k: info[k] for k in ("features", "train_seqs", "validation")},
                                     **({"matcher": matcher.fingerprint} if matcher is not None else {})})
    linker.save(out)
    with atomic_write(Path(f"{out}.json")) as handle:
        json.dump(info, handle, indent=2)
    v = info["validation"]
    if v:
        print(f"validation log-loss {v['log_loss']:.4f}  AUC {v['auc']:.4f}  " +
              "  ".join(f"{k}: {a:.3f}" for k, a in per_gap.items()))
    top = list(info["importance"].items())[:8]
    print("top features (share of gain): " + ", ".join(f"{k} {w:.2f}" for k, w in top))
    print(f"wrote {out} and {out}.json")
    return info
