"""Is a lever worth adopting? Two arms of the protocol, each run with several rule-search seeds.

    python -m benchmarks.compare --base generalization,generalization-seed1,generalization-seed2 \\
        --lever generalization-cmc,generalization-cmc-seed1,generalization-cmc-seed2

Why: one rule-search seed moves the protocol's mean HOTA by ~2.5 (BENCHMARKS §1), as much as
most levers. So each arm is scored by the mean over its seeds, cell by cell, and a lever is
adopted only when (a) the seed-averaged paired gain exceeds twice its standard error over the
cells and (b) every seed of the lever beats every seed of the base on the 15-cell mean, i.e. the
gain is larger than the seed spread. Arms are ``benchmarks/results/<name>.json`` files written by
``benchmarks.generalization``; seeds are paired by position only for (b), never needed for (a).
Prints Markdown: each arm's seed means, the seed-averaged table against the peers, the decision.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).with_name("results")
PEERS = ("SORT", "ByteTrack", "OC-SORT", "BoT-SORT", "BoT-SORT+CMC")


def load_arm(names: list[str], results: Path = RESULTS) -> list[dict]:
    """One results file per seed; each a {(held_out, rate): {method: {field: value}}} map."""
    arm = []
    for name in names:
        path = results / f"{name}.json"
        if not path.is_file():
            raise SystemExit(f"{path}: no such protocol result (run benchmarks.generalization with --name)")
        record = json.loads(path.read_text())
        arm.append({(f["fold"]["held_out"], rate): cell["methods"] for f in record["folds"]
                    for rate, cell in f["cells"].items()})
    cells = set(arm[0])
    for name, seed in zip(names, arm, strict=True):
        if set(seed) != cells:
            raise SystemExit(f"{results / (name + '.json')}: not the same cells as {names[0]}")
    return arm


def seed_means(arm: list[dict], method: str, field: str) -> np.ndarray:
    """The 15-cell mean of each seed."""
    return np.array([np.mean([seed[c][method][field] for c in sorted(seed)]) for seed in arm])


def cell_means(arm: list[dict], method: str, field: str) -> np.ndarray:
    """Each cell's mean over the seeds, cells in sorted order."""
    cells = sorted(arm[0])
    return np.array([np.mean([seed[c][method][field] for seed in arm]) for c in cells])


def decide(base: list[dict], lever: list[dict], field: str = "HOTA") -> dict:
    gain = cell_means(lever, "siamtrack", field) - cell_means(base, "siamtrack", field)
    se = gain.std(ddof=1) / np.sqrt(len(gain))
    b, le = seed_means(base, "siamtrack", field), seed_means(lever, "siamtrack", field)
    return {"gain": float(gain.mean()), "se": float(se), "cells_not_worse": int((gain >= -0.3).sum()),
            "cells": len(gain), "base_seeds": b.tolist(), "lever_seeds": le.tolist(),
            "adopt": bool(gain.mean() > 2 * se and le.min() > b.max())}


def table(arm: list[dict], label: str) -> list[str]:
    lines = [f"**{label}**, mean over {len(arm)} seeds (each seed's 15-cell mean in brackets)", "",
             "| method | HOTA | IDF1 |", "|---|---|---|"]
    for method in ("siamtrack", "siamtrack geometry", *PEERS):
        h, i = seed_means(arm, method, "HOTA"), seed_means(arm, method, "IDF1")
        spread = f" ({', '.join(f'{x:.1f}' for x in h)})" if method == "siamtrack" else ""
        lines.append(f"| {method} | {h.mean():.1f}{spread} | {i.mean():.1f} |")
    cells = sorted(arm[0])
    ours = cell_means(arm, "siamtrack", "HOTA")
    best = np.array([max(np.mean([s[c][m]["HOTA"] for s in arm]) for m in PEERS) for c in cells])
    geometry = cell_means(arm, "siamtrack geometry", "HOTA")
    lines += ["", f"Cells within 1 HOTA of the cell's best peer: {(ours >= best - 1).sum()} of {len(cells)}; "
              f"above siamtrack geometry: {(ours > geometry).sum()} of {len(cells)}.", ""]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="comma-separated result names, one per seed")
    parser.add_argument("--lever", required=True, help="comma-separated result names, one per seed")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    base = load_arm(args.base.split(","), args.results)
    lever = load_arm(args.lever.split(","), args.results)
    if set(base[0]) != set(lever[0]):
        raise SystemExit("the two arms do not cover the same cells")
    lines = [*table(base, f"base ({args.base})"), *table(lever, f"lever ({args.lever})")]
    for field in ("HOTA", "IDF1"):
        d = decide(base, lever, field)
        lines.append(f"- {field}: seed-averaged gain {d['gain']:+.2f} ± {d['se']:.2f} (s.e. over cells), "
                     f"{d['cells_not_worse']} of {d['cells']} cells ≥ −0.3; seed means base "
                     f"{', '.join(f'{x:.1f}' for x in d['base_seeds'])}, lever "
                     f"{', '.join(f'{x:.1f}' for x in d['lever_seeds'])} → "
                     f"{'adopt' if d['adopt'] else 'not adopted'}")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
