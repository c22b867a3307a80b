"""``siamtrack eval``'s parts: find the sequences, track-write-score one of them (a unit the app
runs serially, on worker processes or on Ray: ``tracker/app/evaluate.py``), write the table."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from siamtrack.configs import Config
from siamtrack.siamese_cnn.atomic import atomic_write
from siamtrack.siamese_cnn.errors import InputError
from siamtrack.tracker.core.loop import Placement, no_placement
from siamtrack.tracker.core.perception_store import track_cached
from siamtrack.tracker.core.sequence import track_sequence
from siamtrack.tracker.io.mot import write_results

from .metrics import SUMMARY_FIELDS, SequenceScore, combine, score_sequence

COMBINED = "COMBINED"


def find_sequences(data_dir: Path, names: list[str] | None) -> list[str]:
    if not data_dir.is_dir():
        raise InputError(f"{data_dir}: data folder not found")
    available = sorted(p.name for p in data_dir.iterdir() if (p / "gt" / "gt.txt").is_file())
    if names is None:
        if not available:
            raise InputError(f"{data_dir}: no sequences (folders with gt/gt.txt) found")
        return available
    missing = [n for n in names if n not in available]
    if missing:
        raise InputError(f"{data_dir}: no sequence named {', '.join(missing)} (found: {', '.join(available)})")
    return names


def format_table(rows: dict[str, dict[str, float]]) -> str:
    fields = [*SUMMARY_FIELDS, "fps"]
    width = max(len(name) for name in rows) + 2
    lines = [f"{'sequence':<{width}}" + "".join(f"{f:>8}" for f in fields)]
    for name, values in rows.items():
        cells = []
        for f in fields:
            v = values.get(f)
            cells.append(f"{'':>8}" if v is None else f"{v:>8d}" if isinstance(v, int) else f"{v:>8.1f}")
        lines.append(f"{name:<{width}}" + "".join(cells))
    return "\n".join(lines)


@dataclass
class ScoredSequence:
    """One sequence tracked, written and scored (what an evaluation unit sends back)."""

    name: str
    score: SequenceScore
    frames: int
    seconds: float
    notes: list[str] = field(default_factory=list)  # warnings to print, in order

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds else float("inf")


def evaluate_sequence(data_dir: Path, name: str, det_file: str, out_dir: Path, config: Config,
                      placement: Placement = no_placement, cache_dir: Path | None = None) -> ScoredSequence:
    """Track ``data_dir/name`` from ``det_file``, write ``<out>/<name>.txt`` and score it; with
    ``cache_dir`` (online mode), through the perception cache: the same rows, and a second run of
    the sequence costs only the linking."""
    seq_dir = data_dir / name
    det_path = seq_dir / det_file if not Path(det_file).is_absolute() else Path(det_file)
    if not det_path.is_file():
        raise InputError(f"{det_path}: detection file not found")
    if cache_dir is not None and config.mode == "online":
        run = track_cached(seq_dir, det_path, config, cache_dir)
    else:
        run = track_sequence(seq_dir, det_path, config, placement)
    notes = []
    if run.dropped_outside:
        notes.append(f"warning: {det_path}: dropped {run.dropped_outside} boxes lying wholly outside the frame")
    if run.without_camera:
        notes.append(f"note: {seq_dir}: no frames, so tracked without camera-motion compensation")
    result_file = out_dir / f"{name}.txt"
    write_results(result_file, run.rows)
    return ScoredSequence(name, score_sequence(data_dir, name, result_file), run.frames, run.seconds, notes)


def write_metrics(runs: list[ScoredSequence], data_dir: Path, det_file: str, out_dir: Path
                  ) -> dict[str, dict[str, float]]:
    """The table (a row per sequence, then the combined row), also written as ``<out>/metrics.json``
    (not written without a sequence)."""
    table = {run.name: {**run.score.summary(), "fps": run.fps} for run in runs}
    if not runs:
        return table
    frames, seconds = sum(r.frames for r in runs), sum(r.seconds for r in runs)
    table[COMBINED] = {**combine({r.name: r.score for r in runs}).summary(),
                       "fps": frames / seconds if seconds else float("inf")}
    with atomic_write(out_dir / "metrics.json") as handle:
        json.dump({"data": str(data_dir), "detections": det_file, "sequences": table}, handle, indent=2)
    return table
