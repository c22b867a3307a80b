"""``siamtrack eval``: track every sequence of a MOTChallenge folder and score it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tqdm import tqdm

from siamtrack.configs import Config
from siamtrack.siamese_cnn.atomic import atomic_write
from siamtrack.siamese_cnn.errors import InputError
from siamtrack.tracker.core.loop import Placement, no_placement
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


def run_eval(data_dir: Path, seqs: list[str] | None, det_file: str | None, out_dir: Path,
             config: Config, progress: bool = True, placement: Placement = no_placement) -> dict[str, dict[str, float]]:
    """Track and score; write ``<out>/<SEQ>.txt`` and ``<out>/metrics.json``; return the table."""
    names = find_sequences(data_dir, seqs)
    det_file = det_file or config.detections.file
    scores: dict[str, SequenceScore] = {}
    table: dict[str, dict[str, float]] = {}
    total_frames, total_seconds = 0, 0.0
    for name in tqdm(names, desc="sequences", disable=not progress, file=sys.stderr):
        seq_dir = data_dir / name
        det_path = seq_dir / det_file if not Path(det_file).is_absolute() else Path(det_file)
        if not det_path.is_file():
            raise InputError(f"{det_path}: detection file not found")
        run = track_sequence(seq_dir, det_path, config, placement)
        if run.dropped_outside:
            print(f"warning: {det_path}: dropped {run.dropped_outside} boxes lying wholly outside the frame",
                  file=sys.stderr)
        if run.without_camera:
            print(f"note: {seq_dir}: no frames, so tracked without camera-motion compensation", file=sys.stderr)
        result_file = out_dir / f"{name}.txt"
        write_results(result_file, run.rows)
        scores[name] = score_sequence(data_dir, name, result_file)
        table[name] = {**scores[name].summary(), "fps": run.fps}
        total_frames += run.frames
        total_seconds += run.seconds
    table[COMBINED] = {**combine(scores).summary(),
                       "fps": total_frames / total_seconds if total_seconds else float("inf")}
    with atomic_write(out_dir / "metrics.json") as handle:
        json.dump({"data": str(data_dir), "detections": det_file, "sequences": table}, handle, indent=2)
    return table
