"""Units of work on several processes: `siamtrack eval` serially, on local workers and on Ray, and
what the perception cache saves a tuning trial.

    PYTHONPATH=. python -m benchmarks.parallel --data ../shared/data/mot [--workers 2]

1. `siamtrack eval` over every sequence, one at a time, with ``--workers N`` and with
   ``--engine ray --workers N`` (a Ray instance started for the run): wall time of each command,
   and whether the result files and metrics (fps left out) are byte-identical to the serial run's.
2. A tuning trial over the same sequences: its cost with the perception read from a warm cache
   (linking and scoring only) against its cost without one (perceiving every sequence first).

Writes benchmarks/results/parallel.json and prints Markdown tables.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from siamtrack.configs import default_config
from siamtrack.tracker.app.runtime import tune_for_speed
from siamtrack.tracker.app.tune import TUNE_SPACE, current_values, load_space, trial_hota
from siamtrack.tracker.core.perception_store import cached_perceive
from siamtrack.tracker.eval.runner import find_sequences


def timed_eval(data: Path, out: Path, *flags: str) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "siamtrack.tracker.app.cli", "eval", "--data", str(data),
                           "--out", str(out), "--quiet", *flags], capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"eval {' '.join(flags)} failed: {proc.stderr.strip()[-300:]}")
    return time.perf_counter() - start


def result_of(out: Path) -> tuple[dict, dict]:
    metrics = json.loads((out / "metrics.json").read_text())["sequences"]
    return ({p.name: p.read_bytes() for p in sorted(out.glob("*.txt"))},
            {s: {k: v for k, v in m.items() if k != "fps"} for s, m in metrics.items()})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path("../shared/data/mot"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--trials", type=int, default=5, help="warm trials timed")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results") / "parallel.json")
    args = parser.parse_args()
    report: dict = {"workers": args.workers, "eval": {}}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        engines = {"serial": (), "local": ("--workers", str(args.workers))}
        if importlib.util.find_spec("ray") is not None:
            engines["ray"] = ("--engine", "ray", "--workers", str(args.workers))
        for name, flags in engines.items():
            seconds = timed_eval(args.data, work / name, *flags)
            same = result_of(work / name) == result_of(work / "serial")
            report["eval"][name] = {"seconds": seconds, "identical_to_serial": same}
            print(name, round(seconds, 1), "identical" if same else "DIFFERENT", flush=True)
        tune_for_speed()
        config = default_config()
        space = load_space(TUNE_SPACE, config)
        seqs = [args.data / n for n in find_sequences(args.data, None)]
        start = time.perf_counter()
        perceptions = [cached_perceive(s, config, space.floor, cache_dir=work / "cache")[0] for s in seqs]
        cold = time.perf_counter() - start
        start = time.perf_counter()
        warm_again = [cached_perceive(s, config, space.floor, cache_dir=work / "cache")[0] for s in seqs]
        read = time.perf_counter() - start
        values = current_values(config, space.params)
        start = time.perf_counter()
        for _ in range(args.trials):
            trial_hota(warm_again, config, values)
        trial = (time.perf_counter() - start) / args.trials
        assert trial_hota(perceptions, config, values) == trial_hota(warm_again, config, values)
        report["tune"] = {"perceive_seconds": cold, "cache_read_seconds": read, "warm_trial_seconds": trial,
                          "trial_without_cache_seconds": cold + trial,
                          "warm_over_cold": trial / (cold + trial)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    serial = report["eval"]["serial"]["seconds"]
    print("| eval over the five sequences | wall time (s) | serial / this | result files and metrics |")
    print("|---|---|---|---|")
    for name, row in report["eval"].items():
        print(f"| {name} | {row['seconds']:.1f} | {serial / row['seconds']:.2f} | "
              f"{'identical to serial' if row['identical_to_serial'] else 'DIFFERENT'} |")
    t = report["tune"]
    print(f"\nperceiving {len(seqs)} sequences: {t['perceive_seconds']:.1f} s; reading them from the cache: "
          f"{t['cache_read_seconds']:.2f} s; a warm trial: {t['warm_trial_seconds']:.2f} s; a trial without the "
          f"cache: {t['trial_without_cache_seconds']:.1f} s (warm / cold = {t['warm_over_cold']:.3f})")


if __name__ == "__main__":
    main()
