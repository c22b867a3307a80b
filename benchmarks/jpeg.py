"""Does a result survive worse video? The protocol's held-out cells re-encoded as JPEG, re-scored.

    python -m benchmarks.jpeg --data ../shared/data/mot --result generalization-cmcflow \\
        --siamtrack-set tracker.camera_motion=true [--quality 75]

Why: users' frames come from cheap cameras and streams, compressed harder than MOTChallenge's.
A tracker that learned the texture of clean frames loses its people on blocky ones (session 8:
TUD-Campus at quality 75 moved HOTA from 48.6 to 42.7). Each fold's own models, calibrations and
chosen rules (read back from the protocol's ``--result``; ``--set``/``--siamtrack-set`` must be
the run's own) track every held-out cell twice: on its frames as they are, which must give the
stored figure again (a check that the run is rebuilt faithfully), and re-encoded at ``--quality``.
Only pixels change: boxes, detections and rules are the same. Writes
``benchmarks/results/jpeg<quality>-<result>.json`` and prints the table.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import cv2
import numpy as np

from benchmarks.generalization import RESULTS, SEQUENCES, START, fold_setup, log, score_rows, stored_folds
from siamtrack.configs import load_config
from siamtrack.tracker.app.runtime import tune_for_speed
from siamtrack.tracker.app.tune import TUNE_SPACE, load_space, with_settings
from siamtrack.tracker.core.perception import perceive, replay
from siamtrack.tracker.eval.protocol import cells, folds
from siamtrack.tracker.io.frames import open_frames
from siamtrack.tracker.io.mot import read_seqinfo


def reencoded_copy(seq_dir: Path, quality: int, out_dir: Path) -> Path:
    """``seq_dir`` with every frame decoded and written again as JPEG at ``quality``; labels copied."""
    info = read_seqinfo(seq_dir)
    target = out_dir / seq_dir.name
    images = target / "img1"
    if not (images.is_dir() and len(list(images.iterdir())) == info.length):  # made by an earlier run
        images.mkdir(parents=True, exist_ok=True)
        for index, image in open_frames(seq_dir):
            cv2.imwrite(str(images / f"{index:06d}.jpg"), image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    for part in ("det", "gt"):
        shutil.copytree(seq_dir / part, target / part, dirs_exist_ok=True)
    text = (seq_dir / "seqinfo.ini").read_text()
    lines = [("imExt=.jpg" if line.strip().lower().startswith("imext") else
              "imDir=img1" if line.strip().lower().startswith("imdir") else line) for line in text.splitlines()]
    (target / "seqinfo.ini").write_text("\n".join(lines) + "\n")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--result", default="generalization", help="a protocol result in benchmarks/results/")
    parser.add_argument("--quality", type=int, default=75)
    parser.add_argument("--out", type=Path, default=Path("runs/protocol"))
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--siamtrack-set", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--config", type=Path, default=START)
    parser.add_argument("--folds", help="comma-separated held-out sequences (default: all in the result)")
    args = parser.parse_args(argv)
    stored = stored_folds(args.result)
    tune_for_speed(1)
    base = load_config(args.config, [*args.overrides, *args.siamtrack_set])
    floor = load_space(TUNE_SPACE, base).floor
    work = args.out / "work" / f"jpeg{args.quality}"
    out = {"command": "python -m benchmarks.jpeg " + " ".join(sys.argv[1:] if argv is None else argv), "cells": []}
    for fold in folds(SEQUENCES):
        record = stored.get(fold.held_out)
        if record is None or (args.folds and fold.held_out not in args.folds.split(",")):
            continue
        models, cal = fold_setup(base, record)
        config = with_settings(models, record["chosen"]["siamtrack"]["settings"])
        for cell in cells(fold, args.data, args.out / "work" / fold.held_out / "cells"):
            seq = cell.data_dir / cell.sequence
            log(f"[{fold.held_out}] 1/{cell.rate}: as stored, then JPEG {args.quality}")
            row = {"sequence": fold.held_out, "rate": cell.rate,
                   "stored": record["cells"][str(cell.rate)]["methods"]["siamtrack"]["HOTA"]}
            jpeg = reencoded_copy(seq, args.quality, work / f"rate{cell.rate}")
            for label, seq_dir in (("again", seq), ("jpeg", jpeg)):
                held = perceive(seq_dir, config, floor, cal)
                scores = score_rows(replay(held, config), held, work / label / f"rate{cell.rate}")
                row[label], row[f"{label}_idf1"] = scores["HOTA"], scores["IDF1"]
            out["cells"].append(row)
    rows = out["cells"]
    shift = np.array([r["jpeg"] - r["again"] for r in rows])
    by_seq = {s: float(np.mean([r["jpeg"] - r["again"] for r in rows if r["sequence"] == s]))
              for s in dict.fromkeys(r["sequence"] for r in rows)}
    out.update({"mean_shift": float(shift.mean()), "by_sequence": by_seq,
                "rebuilt_exactly": bool(all(abs(r["again"] - r["stored"]) < 1e-6 for r in rows))})
    target = RESULTS.with_name(f"jpeg{args.quality}-{args.result}.json")
    target.write_text(json.dumps(out, indent=2))
    lines = [f"| cell | stored HOTA | rebuilt | JPEG {args.quality} | shift |", "|---|---|---|---|---|"]
    lines += [f"| {r['sequence']} 1/{r['rate']} | {r['stored']:.1f} | {r['again']:.1f} | {r['jpeg']:.1f} | "
              f"{r['jpeg'] - r['again']:+.1f} |" for r in rows]
    lines += ["", f"Mean shift {shift.mean():+.2f} HOTA; by sequence: "
              + ", ".join(f"{s} {v:+.1f}" for s, v in by_seq.items())
              + f"; rebuilt exactly: {out['rebuilt_exactly']}"]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
