"""The leave-one-sequence-out protocol: the figure every accuracy decision is taken by.

    python -m benchmarks.generalization --data ../shared/data/mot --reid ../shared/data/reid \\
        [--trials 20] [--peer-trials 12] [--folds TUD-Campus,...] [--out runs/protocol]

For each of the five sequences with frames (a fold), everything learned or chosen sees only the
other four: detector-score calibrations, the matcher, the linker (``fold_models.py``, cached by
recipe), siamtrack's rules (``siamtrack tune``'s search, learned and geometry scorer apart) and
each peer's detection threshold and lost-track buffer (the same search, ``peers.py``). The
held-out sequence is then scored at its native frame rate and at 1/2 and 1/3 of it (frames
dropped): 15 cells, every method on the same calibrated detections, TrackEval metrics.

Each fold is cached in two parts, each under a key of everything it depends on: the methods that
use no learned model (siamtrack's geometry scorer and the peers: ``<out>/folds/<SEQ>.reference.json``)
and siamtrack (``<SEQ>.<name>.json``, keyed also by the bytes of the fold's matcher and linker).
A lever (``--recipe-set``, ``--set``, ``--name``) thus recomputes only what it changes. Writes
``benchmarks/results/generalization[-<name>].json`` and ``<out>/report[-<name>].md`` (the tables
of BENCHMARKS.md §1).
"""

from __future__ import annotations

import argparse
import dataclasses
import fcntl
import json
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.fold_models import file_digest, fold_calibrations, recipe_key, train_fold_models
from benchmarks.peers import PEER_SPACE, PEER_START, PEERS, SEARCHED, run_peer
from siamtrack.configs import Config, load_config
from siamtrack.configs.training import load_training_config
from siamtrack.siamese_cnn.atomic import atomic_write
from siamtrack.tracker.app.runtime import tune_for_speed
from siamtrack.tracker.app.search import search
from siamtrack.tracker.app.tune import TUNE_SPACE, load_space, tune, with_settings
from siamtrack.tracker.core.perception import SequencePerception, replay
from siamtrack.tracker.core.perception_store import cached_perceive
from siamtrack.tracker.eval.metrics import score_sequence
from siamtrack.tracker.eval.protocol import RATES, Fold, cells, folds
from siamtrack.tracker.io.mot import write_results
from siamtrack.tracker.io.subsample import subsample_sequence

SEQUENCES = ["TUD-Campus", "TUD-Stadtmitte", "KITTI-17", "MOT16-09", "MOT16-11-half"]
METHODS = ("siamtrack", "siamtrack geometry", *PEERS)
FIELDS = ("HOTA", "IDF1", "MOTA", "DetA", "AssA", "IDSW")
RECIPE = Path(__file__).with_name("protocol.yaml")
START = Path(__file__).with_name("protocol_start.yaml")  # the rule searches' first trial (not the shipped defaults)
RESULTS = Path(__file__).with_name("results") / "generalization.json"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def score_rows(rows, perception: SequencePerception, work: Path) -> dict:
    """TrackEval's summary of ``rows`` on the perceived sequence (the result file goes under ``work``)."""
    name = perception.info.name
    result = work / name / f"{name}.txt"
    result.parent.mkdir(parents=True, exist_ok=True)
    write_results(result, rows)
    return score_sequence(perception.seq_dir.parent, name, result).summary()


def _peer_mean(name: str, perceptions: list[SequencePerception], values: dict, work: Path) -> float:
    return float(np.mean([score_rows(run_peer(name, p, values["min_score"], values["buffer_seconds"]), p,
                                 work / name)["HOTA"] for p in perceptions]))


def training_copies(fold: Fold, data_dir: Path, rates: list[int], work: Path) -> list[Path]:
    """The fold's training sequences at each of ``rates`` (1: as they are): what its rules are tuned on."""
    return [data_dir / name if k == 1 else subsample_sequence(data_dir / name, k, work)
            for name in fold.train for k in rates]


def _cached(path: Path, key: str, compute) -> dict:
    """``compute()``'s record, or the one stored at ``path`` under the same key.

    Held under a lock file beside ``path``: runs of several seeds or levers side by side share one
    computation of a common part (the other run waits, then reads it) instead of each doing it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.is_file():
            stored = json.loads(path.read_text())
            if stored.get("key") == key:
                log(f"reusing {path}")
                return stored
        start = time.monotonic()
        record = {"key": key, **compute()}
        record["minutes"] = (time.monotonic() - start) / 60
        with atomic_write(path) as handle:
            json.dump(record, handle, indent=2, default=float)
        return record


def _perceived(seq_dir: Path, config: Config, floor: float, cal, args: argparse.Namespace) -> SequencePerception:
    """A sequence's perception from the run's perception cache (``<out>/perception``, shared with
    ``siamtrack tune``'s format), computed there the first time."""
    return cached_perceive(seq_dir, config, floor, cal, args.out / "perception")[0]


def _tune_siamtrack(config: Config, perceptions: list[SequencePerception], space, args,
                    seed: int | None = None) -> tuple[dict, Config]:
    found = tune(perceptions, config, space, args.trials, args.seed if seed is None else seed)
    return ({"settings": found.search.best, "train_mean_hota": found.search.best_value,
             "start_mean_hota": found.search.start_value}, found.config)


def _reference_part(fold: Fold, args, base: Config, cal: dict, space, work: Path) -> dict:
    """siamtrack's geometry scorer and the peers: chosen and scored without any learned model."""
    geometry = dataclasses.replace(base, scorer="geometry")
    log(f"[{fold.held_out}] geometry and peers: perceiving")
    train = [_perceived(d, geometry, space.floor, cal, args) for d in training_copies(fold, args.data, args.tune_rates,
                                                                               work / "train")]
    log(f"[{fold.held_out}] tuning siamtrack geometry ({args.trials} trials)")
    chosen, tuned = {}, {}
    chosen["siamtrack geometry"], tuned["siamtrack geometry"] = _tune_siamtrack(geometry, train, space, args)
    for name in SEARCHED:
        log(f"[{fold.held_out}] tuning {name} ({args.peer_trials} trials)")
        found = search(PEER_SPACE, lambda values, n=name: _peer_mean(n, train, values, work / "tune"),
                       args.peer_trials, args.seed, PEER_START)
        chosen[name] = {"settings": found.best, "train_mean_hota": found.best_value,
                        "start_mean_hota": found.start_value}
    chosen["BoT-SORT+CMC"] = {**chosen["BoT-SORT"], "note": "BoT-SORT's settings of this fold"}
    results = {}
    for cell in cells(fold, args.data, work / "cells", tuple(args.rates)):
        log(f"[{fold.held_out}] geometry and peers: cell 1/{cell.rate}")
        held = _perceived(cell.data_dir / cell.sequence, geometry, space.floor, cal, args)
        out = work / f"rate{cell.rate}"
        row = {"siamtrack geometry": score_rows(replay(held, tuned["siamtrack geometry"]), held, out / "geometry")}
        for name in PEERS:
            s = chosen[name]["settings"]
            row[name] = score_rows(run_peer(name, held, s["min_score"], s["buffer_seconds"]), held, out / name)
        results[str(cell.rate)] = {"sequence": cell.sequence, "frame_rate": held.info.frame_rate,
                                   "frames": held.info.length, "methods": row}
    return {"chosen": chosen, "cells": results,
            "tuned_on": sorted({p.info.name.split("-every")[0] for p in train})}


def _learned_part(fold: Fold, args, learned: Config, cal: dict, space, work: Path) -> dict:
    log(f"[{fold.held_out}] siamtrack: perceiving")
    train = [_perceived(d, learned, space.floor, cal, args) for d in training_copies(fold, args.data, args.tune_rates,
                                                                              work / "train")]
    log(f"[{fold.held_out}] tuning siamtrack ({args.trials} trials)")
    chosen, tuned = _tune_siamtrack(learned, train, space, args, args.siamtrack_seed)
    results = {}
    for cell in cells(fold, args.data, work / "cells", tuple(args.rates)):
        held = _perceived(cell.data_dir / cell.sequence, learned, space.floor, cal, args)
        results[str(cell.rate)] = score_rows(replay(held, tuned), held, work / f"rate{cell.rate}" / "siamtrack")
    return {"chosen": chosen, "cells": results,
            "tuned_on": sorted({p.info.name.split("-every")[0] for p in train})}


# Runtime options added after results were cached, at the value that tracks as before they existed:
# left out of the keys, so a new option does not void the cache (as fold_models.NEUTRAL for recipes).
NEUTRAL_SETTINGS = {("tracker", "camera_motion"): False, ("tracker", "smooth_seconds"): 0.0,
                    ("tracker", "stitch_seconds"): 0.0, ("matcher", "device"): "auto"}


# Sections no protocol figure depends on (it tracks public detections, writes no video): left out
# of cache keys, so that a new detector or video setting does not void every fold.
UNUSED_SECTIONS = ("detector", "video", "eval")


def _config_key(config: Config) -> dict:
    data = {k: v for k, v in dataclasses.asdict(config).items() if k not in UNUSED_SECTIONS}
    for (section, key), value in NEUTRAL_SETTINGS.items():
        if data[section].get(key) == value:
            del data[section][key]
    return data


def run_fold(fold: Fold, args: argparse.Namespace, base: Config, learned_base: Config) -> dict | None:
    """The fold's record (None with ``--reference-only``: the model-free part is computed and cached)."""
    start = time.monotonic()
    space = load_space(args.space, base)
    cal = fold_calibrations(args.data, fold)
    common = [args.trials, args.seed, list(args.rates), list(args.tune_rates), args.space.read_text(),
              _config_key(base), cal]
    work = args.out / "work" / fold.held_out
    folds_dir = args.out / "folds"
    if args.models_only:
        train_fold_models(fold, args.data, args.reid, args.models or args.out / "models",
                          load_training_config(args.recipe, args.recipe_set), log, cal)
        return None
    reference = _cached(folds_dir / f"{fold.held_out}.reference.json",
                        recipe_key("reference", *common, args.peer_trials,
                                   [dataclasses.astuple(p) for p in PEER_SPACE]),
                        lambda: _reference_part(fold, args, base, cal, space, work))
    if args.reference_only:
        return None
    recipe = load_training_config(args.recipe, args.recipe_set)
    models = train_fold_models(fold, args.data, args.reid, args.models or args.out / "models", recipe, log, cal)
    learned = with_settings(learned_base, {"matcher.weights": str(models.matcher), "linker.model": str(models.linker)})
    siamtrack = _cached(folds_dir / f"{fold.held_out}.{args.name or 'siamtrack'}.json",
                        recipe_key("learned", *common, file_digest(models.matcher), file_digest(models.linker),
                                   *([] if args.siamtrack_seed is None else [args.siamtrack_seed]),
                                   *([] if not args.siamtrack_set else [args.siamtrack_set])),
                        lambda: _learned_part(fold, args, learned, cal, space, work / (args.name or "siamtrack")))
    cells_out = {}
    for rate, cell in reference["cells"].items():
        cells_out[rate] = {**cell, "methods": {"siamtrack": siamtrack["cells"][rate], **cell["methods"]}}
    record = {"fold": {**models.record(), "rules_tuned_on": sorted(set(reference["tuned_on"] + siamtrack["tuned_on"]))},
              "chosen": {"siamtrack": siamtrack["chosen"], **reference["chosen"]}, "cells": cells_out,
              "minutes": (time.monotonic() - start) / 60,
              "compute_minutes": {"reference": reference["minutes"], "siamtrack": siamtrack["minutes"],
                                  "models": models.train_minutes()}}
    return record


def stored_folds(name: str) -> dict[str, dict]:
    """The fold records of ``benchmarks/results/<name>.json``, by held-out sequence."""
    path = RESULTS.with_name(f"{name}.json")
    if not path.is_file():
        raise SystemExit(f"{path}: no such protocol result")
    return {r["fold"]["held_out"]: r for r in json.loads(path.read_text())["folds"]}


def fold_setup(base: Config, record: dict) -> tuple[Config, dict[str, tuple[float, float]]]:
    """``base`` with a stored fold's own matcher and linker, and that fold's calibrations: what its
    held-out cells were perceived with (its chosen rules are ``record["chosen"]["siamtrack"]``)."""
    fold = record["fold"]
    config = with_settings(base, {"matcher.weights": fold["matcher"], "linker.model": fold["linker"]})
    return config, {k: tuple(v) for k, v in fold["calibrations"].items()}


def mean_rows(records: list[dict]) -> dict[str, dict[str, float]]:
    """Each method's mean of each field over all cells."""
    out = {}
    for method in METHODS:
        values = [r["cells"][rate]["methods"][method] for r in records for rate in r["cells"]]
        out[method] = {f: float(np.mean([v[f] for v in values])) for f in FIELDS}
    return out


def report(records: list[dict], command: str, minutes: float) -> str:
    compute = {part: sum(r["compute_minutes"][part] for r in records) for part in ("models", "reference", "siamtrack")}
    lines = ["```bash", command, "```", "",
             f"{sum(len(r['cells']) for r in records)} cells. Compute from scratch on this machine, summed over the "
             f"folds: models {compute['models']:.0f} min, geometry and peers {compute['reference']:.0f} min, "
             f"siamtrack {compute['siamtrack']:.0f} min (this invocation: {minutes:.0f} min, the rest cached).", ""]
    means = mean_rows(records)
    peers = [m for m in METHODS if not m.startswith("siamtrack")]
    lines += ["**Mean over the cells**", "", "| method | " + " | ".join(FIELDS) + " |",
              "|---|" + "---|" * len(FIELDS)]
    for method in METHODS:
        lines.append(f"| {method} | " + " | ".join(f"{means[method][f]:.1f}" for f in FIELDS) + " |")
    best = {f: max(peers, key=lambda m, f=f: means[m][f]) for f in ("HOTA", "IDF1")}
    lines += ["", f"Best peer: HOTA {best['HOTA']} {means[best['HOTA']]['HOTA']:.1f}, IDF1 {best['IDF1']} "
              f"{means[best['IDF1']]['IDF1']:.1f}; siamtrack {means['siamtrack']['HOTA']:.1f} / "
              f"{means['siamtrack']['IDF1']:.1f} (targets: +3 HOTA, +4 IDF1).", ""]
    cell_list = [c for r in records for c in r["cells"].values()]
    close = sum(c["methods"]["siamtrack"]["HOTA"] >= max(c["methods"][m]["HOTA"] for m in peers) - 1 for c in cell_list)
    above = sum(c["methods"]["siamtrack"]["HOTA"] > c["methods"]["siamtrack geometry"]["HOTA"] for c in cell_list)
    lines += [f"Cells where siamtrack is at most 1 HOTA below the cell's best peer: {close} of {len(cell_list)}; "
              f"where the learned scorer beats siamtrack's geometry scorer: {above} of {len(cell_list)}.", ""]
    rates = sorted({rate for r in records for rate in r["cells"]}, key=int)
    lines += ["**Mean HOTA by frame rate** (over the folds)", "", "| rate | " + " | ".join(METHODS) + " |",
              "|---|" + "---|" * len(METHODS)]
    for rate in rates:
        at = [r["cells"][rate]["methods"] for r in records if rate in r["cells"]]
        means_at = [f"{np.mean([m[k]['HOTA'] for m in at]):.1f}" for k in METHODS]
        lines.append(f"| 1/{rate} | " + " | ".join(means_at) + " |")
    lines.append("")
    lines += ["**HOTA per cell** (sequence at 1/k of its frame rate)", "",
              "| cell | " + " | ".join(METHODS) + " |", "|---|" + "---|" * len(METHODS)]
    for r in records:
        for rate, cell in r["cells"].items():
            hota = {m: cell["methods"][m]["HOTA"] for m in METHODS}
            top = max(hota[m] for m in peers)
            lines.append(f"| {r['fold']['held_out']} 1/{rate} ({cell['frame_rate']:g} fps) | " + " | ".join(
                (f"**{hota[m]:.1f}**" if hota[m] >= max(hota.values()) else f"{hota[m]:.1f}") for m in METHODS)
                + f" |  <!-- best peer {top:.1f} -->")
    lines += ["", "**Per cell, all fields**", ""]
    for r in records:
        for rate, cell in r["cells"].items():
            lines += [f"{r['fold']['held_out']} at 1/{rate} ({cell['frame_rate']:g} fps, {cell['frames']} frames):",
                      "", "| method | " + " | ".join(FIELDS) + " |", "|---|" + "---|" * len(FIELDS)]
            for method in METHODS:
                v = cell["methods"][method]
                lines.append(f"| {method} | " + " | ".join(f"{v[f]:.1f}" if isinstance(v[f], float) else str(v[f])
                                                           for f in FIELDS) + " |")
            lines.append("")
    lines += ["**The fold's models on its held-out sequence** (all-pairs protocol of gt boxes, ROC AUC; the "
              "linker on sampled detection pairs)", "",
              "| held out | match_probability | CNN alone | HSV histogram | margin | linker |",
              "|---|---|---|---|---|---|"]
    for r in records:
        auc = r["fold"]["held_out_pair_auc"]
        lines.append(f"| {r['fold']['held_out']} | {auc['matcher']:.3f} | {auc.get('cnn_alone', float('nan')):.3f} | "
                     f"{auc['histogram']:.3f} | {auc['matcher'] - auc['histogram']:+.3f} | "
                     f"{r['fold']['held_out_linker_auc']:.3f} |")
    lines += ["", "**What each fold chose** (on its four training sequences)", "",
              "| held out | trained on | siamtrack rules | geometry rules | peers (min score, buffer s) |",
              "|---|---|---|---|---|"]
    for r in records:
        c = r["chosen"]

        def rules(s: dict) -> str:
            return ", ".join(f"{k.split('.')[-1]} {v:.3g}" if isinstance(v, float) else f"{k.split('.')[-1]} {v}"
                             for k, v in sorted(s.items()))

        peers_text = "; ".join(f"{m} {c[m]['settings']['min_score']:.2f}/{c[m]['settings']['buffer_seconds']:.1f}"
                               for m in SEARCHED)
        fold = r["fold"]
        lines.append(f"| {fold['held_out']} | {', '.join(fold['train'])} | {rules(c['siamtrack']['settings'])} | "
                     f"{rules(c['siamtrack geometry']['settings'])} | {peers_text} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="the five MOT sequences with frames")
    parser.add_argument("--reid", type=Path, help="re-ID crop sets named in protocol.yaml's matcher recipe")
    parser.add_argument("--out", type=Path, default=Path("runs/protocol"))
    parser.add_argument("--models", type=Path, help="model cache (default: <out>/models)")
    parser.add_argument("--folds", help="comma-separated held-out sequences (default: all five)")
    parser.add_argument("--trials", type=int, default=20, help="siamtrack tune trials per fold and scorer")
    parser.add_argument("--peer-trials", type=int, default=12, help="search trials per fold and peer")
    parser.add_argument("--rates", default=",".join(map(str, RATES)), help="frame-rate divisors of the cells")
    parser.add_argument("--tune-rates", default="1", help="frame-rate divisors of the training copies the rules "
                                                          "are tuned on (e.g. 1,2,3)")
    parser.add_argument("--space", type=Path, default=TUNE_SPACE,
                        help="the rule searches' space (default: configs/tune.yaml, what `siamtrack tune` searches)")
    parser.add_argument("--recipe", type=Path, default=RECIPE, help="training recipe (overrides of training.yaml)")
    parser.add_argument("--recipe-set", action="append", default=[], metavar="KEY=VALUE",
                        help="change one recipe setting, e.g. linker_training.rate_steps=[1,2,3] (repeatable)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="change one runtime setting of the config the searches start from (repeatable)")
    parser.add_argument("--siamtrack-set", action="append", default=[], metavar="KEY=VALUE",
                        help="change one runtime setting for siamtrack's learned scorer only (a lever of the "
                             "tracker that the peers and the geometry scorer keep as they are)")
    parser.add_argument("--name", help="results go to benchmarks/results/generalization-<name>.json")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reference-only", action="store_true",
                        help="only the parts without learned models (geometry scorer, peers); no report")
    parser.add_argument("--models-only", action="store_true",
                        help="only train (or find cached) each fold's matcher and linker; no search, no report")
    parser.add_argument("--siamtrack-seed", type=int, help="another seed for siamtrack's rule search only (to "
                                                           "measure the protocol's seed noise; with --name)")
    parser.add_argument("--config", type=Path, default=START,
                        help="runtime config to start each fold's search from (default: protocol_start.yaml)")
    args = parser.parse_args(argv)
    args.rates = [int(r) for r in args.rates.split(",")]
    args.tune_rates = [int(r) for r in args.tune_rates.split(",")]
    tune_for_speed(1)
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    base = load_config(args.config, args.overrides)
    start = time.monotonic()
    wanted = args.folds.split(",") if args.folds else SEQUENCES
    learned_base = load_config(args.config, [*args.overrides, *args.siamtrack_set])  # base + siamtrack's levers
    records = [run_fold(f, args, base, learned_base) for f in folds(SEQUENCES) if f.held_out in wanted]
    if args.reference_only or args.models_only:
        return 0
    minutes = (time.monotonic() - start) / 60
    command = "python -m benchmarks.generalization " + " ".join(sys.argv[1:] if argv is None else argv)
    results = RESULTS if not args.name else RESULTS.with_name(f"generalization-{args.name}.json")
    results.write_text(json.dumps({"command": command, "minutes": minutes, "folds": records}, indent=2, default=float))
    text = report(records, command, minutes)
    (args.out / (f"report-{args.name}.md" if args.name else "report.md")).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
