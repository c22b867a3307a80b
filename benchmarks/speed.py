"""End-to-end speed of `siamtrack track` with given detections, and the time per stage.

    python benchmarks/speed.py --data ../shared/data/mot [--seqs TUD-Stadtmitte,MOT16-09] [--scorer learned]

For each sequence: decode-only fps (reading every frame, nothing else), then one tracking run
(annotated video and MOT output written) timed per stage in that same run, so the ratios hold
on a noisy machine. Writes benchmarks/results/speed.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from configs import load_config  # noqa: E402
from tracker import timing  # noqa: E402
from tracker.frames import open_frames  # noqa: E402
from tracker.track_video import run_track  # noqa: E402

STAGES = ("decode", "detect", "flow", "patches", "cnn", "features", "xgboost", "assignment", "writing")


def decode_fps(seq_dir: Path) -> float:
    source = open_frames(seq_dir)
    start = time.perf_counter()
    n = sum(1 for _ in source)
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path("../shared/data/mot"))
    parser.add_argument("--seqs", default="TUD-Stadtmitte,MOT16-09")
    parser.add_argument("--scorer", default="learned")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results") / "speed.json")
    args = parser.parse_args()
    config = load_config()
    config["scorer"] = args.scorer
    results = {}
    for name in args.seqs.split(","):
        seq_dir = args.data / name
        decode = decode_fps(seq_dir)
        timing.enable()
        with tempfile.TemporaryDirectory() as tmp:
            summary = run_track(seq_dir, config, Path(tmp) / "v.mp4", Path(tmp) / "t.txt",
                                detections=seq_dir / "det" / "det.txt", progress=False)
        stages = timing.totals()
        timing.enable(False)
        frames = summary.frames
        results[name] = {"decode_fps": decode, "track_fps": summary.fps, "frames": frames,
                         "ratio_to_decode": decode / summary.fps,
                         "ms_per_frame": {k: 1000 * stages.get(k, 0.0) / frames for k in STAGES},
                         "other_ms": 1000 * (summary.seconds - sum(stages.values())) / frames}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"scorer": args.scorer, "results": results}, indent=2))
    print("| sequence | decode fps | track fps | time / decode | " + " | ".join(f"{s} ms" for s in STAGES)
          + " | other ms |")
    print("|---|---|---|---|" + "---|" * len(STAGES) + "---|")
    for name, r in results.items():
        per = " | ".join(f"{r['ms_per_frame'][s]:.1f}" for s in STAGES)
        print(f"| {name} | {r['decode_fps']:.0f} | {r['track_fps']:.1f} | {r['ratio_to_decode']:.1f}x | {per} | "
              f"{r['other_ms']:.1f} |")


if __name__ == "__main__":
    main()
