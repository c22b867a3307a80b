"""A lever that needs no new rules, judged at the rules the protocol already chose.

    python -m benchmarks.posthoc --data ../shared/data/mot \\
        --result generalization,generalization-seed1,generalization-seed2 \\
        --set tracker.smooth_seconds=0.2 --name smooth0.2

Why: some levers act after the rules have done their work (smoothing finished tracks, an offline
pass over them) and do not change what the rule search would want. Re-running the search for
them would add its own seed noise (~2.5 HOTA for one seed) to an effect of a point or less. So
each stored protocol result is rebuilt exactly (each fold's own models, calibrations and chosen
rules; the rebuild must give the stored figures again), then tracked once more with the lever
set: the lever is the only thing that changes, cell by cell and seed by seed. Nothing here is
chosen on a held-out sequence: the lever's value is given on the command line, before the run.

Adopted when the paired gain, averaged over the seeds, exceeds twice its standard error over the
cells and every seed's mean gain is positive. Writes ``benchmarks/results/posthoc-<name>.json``
and prints the table.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from benchmarks.generalization import RESULTS, SEQUENCES, START, fold_setup, log, score_rows, stored_folds
from siamtrack.configs import load_config
from siamtrack.tracker.app.runtime import tune_for_speed
from siamtrack.tracker.app.tune import TUNE_SPACE, load_space, with_settings
from siamtrack.tracker.core.perception import perceive, replay
from siamtrack.tracker.eval.protocol import cells, folds

FIELDS = ("HOTA", "IDF1", "DetA", "AssA")


def _decision(gains: np.ndarray) -> dict:
    """``gains``: (seeds, cells) of HOTA, lever minus rebuilt."""
    per_cell = gains.mean(axis=0)
    se = per_cell.std(ddof=1) / np.sqrt(len(per_cell)) if len(per_cell) > 1 else float("inf")
    per_seed = gains.mean(axis=1)
    return {"gain": float(per_cell.mean()), "se": float(se), "seed_gains": per_seed.tolist(),
            "cells_not_worse": int((per_cell >= -0.3).sum()), "cells": len(per_cell),
            "adopt": bool(per_cell.mean() > 2 * se and per_seed.min() > 0)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--result", required=True, help="comma-separated protocol results (one per rule-search "
                                                        "seed) in benchmarks/results/, all of one arm")
    parser.add_argument("--name", required=True, help="results go to benchmarks/results/posthoc-<name>.json")
    parser.add_argument("--set", dest="lever", action="append", default=[], metavar="KEY=VALUE", required=True,
                        help="the lever: a runtime setting that changes no perception (repeatable)")
    parser.add_argument("--siamtrack-set", action="append", default=[], metavar="KEY=VALUE",
                        help="the arm's own --siamtrack-set settings, as it was run")
    parser.add_argument("--base-set", action="append", default=[], metavar="KEY=VALUE",
                        help="levers already adopted, on both sides (the rebuild is then not checked against "
                             "the stored figures)")
    parser.add_argument("--out", type=Path, default=Path("runs/protocol"))
    parser.add_argument("--config", type=Path, default=START)
    args = parser.parse_args(argv)
    names = args.result.split(",")
    stored = [stored_folds(name) for name in names]
    tune_for_speed(1)
    base = load_config(args.config, args.siamtrack_set)
    typed = load_config(args.config, [*args.siamtrack_set, *args.base_set, *args.lever])  # values, type-checked

    def values(items: list[str]) -> dict:
        names = [item.split("=", 1)[0] for item in items]
        return {name: getattr(getattr(typed, name.split(".")[0]), name.split(".")[1]) for name in names}

    lever_values, base_values = values(args.lever), values(args.base_set)
    floor = load_space(TUNE_SPACE, base).floor
    work = args.out / "work" / f"posthoc-{args.name}"
    rows = []
    for fold in folds(SEQUENCES):
        records = [s[fold.held_out] for s in stored if fold.held_out in s]
        if len(records) != len(stored):
            continue
        models = {(r["fold"]["matcher"], r["fold"]["linker"], json.dumps(r["fold"]["calibrations"])) for r in records}
        if len(models) != 1:
            raise SystemExit(f"{fold.held_out}: the results were run with different fold models; one arm at a time")
        models_config, cal = fold_setup(base, records[0])
        for cell in cells(fold, args.data, args.out / "work" / fold.held_out / "cells"):
            log(f"[{fold.held_out}] 1/{cell.rate}: perceiving, then {len(records)} rule sets as stored and with "
                f"{', '.join(args.lever)}")
            held = perceive(cell.data_dir / cell.sequence, models_config, floor, cal)
            for seed, record in enumerate(records):
                rules = with_settings(models_config, {**record["chosen"]["siamtrack"]["settings"], **base_values})
                lever = with_settings(rules, lever_values)
                row = {"sequence": fold.held_out, "rate": cell.rate, "seed": seed,
                       "stored": record["cells"][str(cell.rate)]["methods"]["siamtrack"]["HOTA"]}
                for label, config in (("again", rules), ("lever", lever)):
                    scores = score_rows(replay(held, config), held, work / label / f"rate{cell.rate}")
                    row[label] = {f: float(scores[f]) for f in FIELDS}
                rows.append(row)
    if not rows:
        raise SystemExit("no fold is in every result")
    gains = np.array([[r["lever"]["HOTA"] - r["again"]["HOTA"] for r in rows if r["seed"] == k]
                      for k in range(len(stored))])
    idf1 = np.array([[r["lever"]["IDF1"] - r["again"]["IDF1"] for r in rows if r["seed"] == k]
                     for k in range(len(stored))])
    decision = {**_decision(gains), "idf1_gain": float(idf1.mean()),
                "rebuilt_exactly": None if args.base_set else
                bool(all(abs(r["again"]["HOTA"] - r["stored"]) < 1e-6 for r in rows))}
    command = "python -m benchmarks.posthoc " + " ".join(sys.argv[1:] if argv is None else argv)
    RESULTS.with_name(f"posthoc-{args.name}.json").write_text(
        json.dumps({"command": command, "results": names, "lever": args.lever, "base": args.base_set,
                    "decision": decision, "cells": rows},
                   indent=2))
    lines = ["| cell | " + " | ".join(f"seed {k}: rebuilt → lever" for k in range(len(stored))) + " | mean gain |",
             "|---|" + "---|" * (len(stored) + 1)]
    for cell in dict.fromkeys((r["sequence"], r["rate"]) for r in rows):
        at = [r for r in rows if (r["sequence"], r["rate"]) == cell]
        lines.append(f"| {cell[0]} 1/{cell[1]} | " + " | ".join(
            f"{r['again']['HOTA']:.1f} → {r['lever']['HOTA']:.1f}" for r in at)
            + f" | {np.mean([r['lever']['HOTA'] - r['again']['HOTA'] for r in at]):+.2f} |")
    lines += ["", f"{', '.join(args.lever)}: HOTA {decision['gain']:+.2f} ± {decision['se']:.2f} (seeds "
              + ", ".join(f"{g:+.2f}" for g in decision["seed_gains"]) + f"), IDF1 {decision['idf1_gain']:+.2f}; "
              f"cells not worse {decision['cells_not_worse']}/{decision['cells']}; rebuilt exactly: "
              f"{decision['rebuilt_exactly']}; adopt: {decision['adopt']}"]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
