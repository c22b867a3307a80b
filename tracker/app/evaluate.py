"""``siamtrack eval``: every sequence a unit (``units.py``), serially, on local workers or on Ray."""

from __future__ import annotations

import sys
from pathlib import Path

from siamtrack.configs import Config
from siamtrack.tracker.core.loop import Placement, no_placement
from siamtrack.tracker.eval.runner import ScoredSequence, evaluate_sequence, find_sequences, write_metrics

from .units import SERIAL, Engine, Unit, report_failures, run_units


def run_eval(data_dir: Path, seqs: list[str] | None, det_file: str | None, out_dir: Path, config: Config,
             progress: bool = True, placement: Placement = no_placement, engine: Engine = SERIAL,
             cache_dir: Path | None = None) -> tuple[dict[str, dict[str, float]], int]:
    """Track and score; write ``<out>/<SEQ>.txt`` and ``<out>/metrics.json`` (the sequences that
    worked); return the table and how many sequences failed (each reported in one line).
    ``cache_dir``: read and fill the perception cache there (``perception_store.py``).

    Serially the tracker thread is placed on its CPU (``placement``); a worker is one process of
    several and is not pinned."""
    names = find_sequences(data_dir, seqs)
    det_file = det_file or config.detections.file
    out_dir.mkdir(parents=True, exist_ok=True)
    where = placement if engine.serial else no_placement
    units = [Unit(name, evaluate_sequence, (data_dir, name, det_file, out_dir, config, where, cache_dir))
             for name in names]
    outcomes = run_units(units, engine, progress, desc="sequences")
    runs: list[ScoredSequence] = [o.value for o in outcomes if o.ok]
    for run in runs:
        for note in run.notes:
            print(note, file=sys.stderr)
    failed = report_failures(outcomes)
    return write_metrics(runs, data_dir, det_file, out_dir), failed
