"""End-to-end speed of `siamtrack track` with given detections, and the time per stage.

    python benchmarks/speed.py --data ../shared/data/mot [--seqs TUD-Stadtmitte@768x576,MOT16-09] [--scorer learned]

For each sequence: one tracking run (annotated video and MOT output written, as `siamtrack track`
does by default; then again with `--no-video`, tracks only) timed per stage, between two
decode-only passes (reading every frame, nothing else; the mean of the two is the baseline), so
the ratios hold on a noisy machine; repeated (``--repeat``, default 3) and the run with the
median ratio reported. ``NAME@WxH`` tracks a copy of the sequence resized to WxH (frames
re-encoded as JPEG quality 95, detections scaled): the issue's 768x576 case, which the data lacks;
``NAME+mirror`` doubles every detection by its mirror image (twice the boxes; see ``mirrored_copy``).
Decoding runs on a thread beside the tracker, drawing and encoding the video in a process of its
own; their stage times (thread time; the video process's busy time) overlap the main thread's,
and "waiting" is the main thread blocked on them. "writing" includes handing each frame to the
video process.
Writes benchmarks/results/speed.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from siamtrack.configs import load_config
from siamtrack.siamese_cnn import timing
from siamtrack.tracker.app.runtime import tune_for_speed
from siamtrack.tracker.app.track import run_track
from siamtrack.tracker.io.frames import open_frames
from siamtrack.tracker.io.mot import read_seqinfo

MAIN_STAGES = ("waiting", "detect", "flow", "camera", "patches", "cnn", "features", "xgboost", "assignment", "writing")
THREAD_STAGES = ("decode", "video")  # beside the main thread: the reader thread, the video process
STAGES = THREAD_STAGES + MAIN_STAGES


def resized_copy(seq_dir: Path, size: tuple[int, int], out_dir: Path, name: str | None = None,
                 max_frames: int | None = None, interpolation: int = cv2.INTER_LINEAR) -> Path:
    """A MOT sequence folder with frames resized to ``size`` and detections (and gt, where there is
    one) scaled to match; ``max_frames``: only the first ones. An existing copy is reused."""
    info = read_seqinfo(seq_dir)
    sx, sy = size[0] / info.width, size[1] / info.height
    target = out_dir / (name or f"{info.name}-{size[0]}x{size[1]}")
    if (target / "seqinfo.ini").is_file():
        return target
    (target / "img1").mkdir(parents=True, exist_ok=True)
    length = 0
    for index, image in open_frames(seq_dir):
        if max_frames and index > max_frames:
            break
        cv2.imwrite(str(target / "img1" / f"{index:06d}.jpg"), cv2.resize(image, size, interpolation=interpolation),
                    [cv2.IMWRITE_JPEG_QUALITY, 95])
        length = index
    for sub, file in (("gt", "gt.txt"), ("det", "det.txt")):
        if not (seq_dir / sub / file).is_file():
            continue
        rows = np.loadtxt(seq_dir / sub / file, delimiter=",", ndmin=2)
        rows = rows[rows[:, 0] <= length]
        rows[:, [2, 4]] *= sx
        rows[:, [3, 5]] *= sy
        (target / sub).mkdir(exist_ok=True)
        np.savetxt(target / sub / file, rows, delimiter=",",
                   fmt=["%d", "%d", "%.2f", "%.2f", "%.2f", "%.2f"] + ["%g"] * (rows.shape[1] - 6))
    (target / "seqinfo.ini").write_text(
        f"[Sequence]\nname={target.name}\nimDir=img1\nframeRate={info.frame_rate:g}\nseqLength={length}\n"
        f"imWidth={size[0]}\nimHeight={size[1]}\nimExt=.jpg\n")
    return target


def mirrored_copy(seq_dir: Path, out_dir: Path) -> Path:
    """The sequence with every detection doubled by its left-right mirror image: twice the boxes.

    A load test: the data has no 1080p sequence with ~20 people (the issue's case), and the
    tracker's work grows with the boxes, whatever they show. Frames are linked, not re-encoded,
    so decoding costs what it does for the original.
    """
    info = read_seqinfo(seq_dir)
    target = out_dir / f"{info.name}+mirror"
    (target / "det").mkdir(parents=True)
    (target / "img1").symlink_to((seq_dir / info.image_dir).resolve(), target_is_directory=True)
    det = np.loadtxt(seq_dir / "det" / "det.txt", delimiter=",", ndmin=2)
    mirror = det.copy()
    mirror[:, 2] = info.width - det[:, 2] - det[:, 4]
    both = np.concatenate([det, mirror])
    np.savetxt(target / "det" / "det.txt", both[np.argsort(both[:, 0], kind="stable")], delimiter=",", fmt="%.2f")
    (target / "seqinfo.ini").write_text((seq_dir / "seqinfo.ini").read_text().replace(
        f"imDir={info.image_dir}", "imDir=img1"))
    return target


def decode_fps(seq_dir: Path) -> float:
    source = open_frames(seq_dir)
    start = time.perf_counter()
    n = sum(1 for _ in source)
    return n / (time.perf_counter() - start)


def _measure(seq_dir: Path, config: dict, tmp: Path, video: bool) -> dict:
    """One tracking run timed per stage, between two decode-only passes (same moment, so the ratio holds).

    ``video``: write the annotated video as well as the tracks (what `siamtrack track` does by
    default); without it, the tracks only (`--no-video`).
    """
    before = decode_fps(seq_dir)
    timing.enable()
    summary = run_track(seq_dir, config, tmp / "v.mp4" if video else None, tmp / "t.txt",
                        detections=seq_dir / "det" / "det.txt", progress=False)
    stages = timing.totals()
    timing.enable(False)
    decode = 2 / (1 / before + 1 / decode_fps(seq_dir))  # decode time: mean of just before and just after
    frames = summary.frames
    return {"decode_fps": decode, "track_fps": summary.fps, "frames": frames, "ratio_to_decode": decode / summary.fps,
            "ms_per_frame": {k: 1000 * stages.get(k, 0.0) / frames for k in STAGES},
            "other_ms": 1000 * (summary.seconds - sum(stages.get(k, 0.0) for k in MAIN_STAGES)) / frames}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path("../shared/data/mot"))
    parser.add_argument("--seqs", default="TUD-Stadtmitte@768x576,MOT16-09")
    parser.add_argument("--scorer", default="learned")
    parser.add_argument("--repeat", type=int, default=3, help="runs per sequence; the median run is reported")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="config override")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results") / "speed.json")
    args = parser.parse_args()
    config = load_config(overrides=[*args.set, f"scorer={args.scorer}"])
    tune_for_speed(config.threads)  # as the siamtrack command does
    results = {}
    for name in args.seqs.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            seq_name, _, size = name.partition("@")
            seq_dir = args.data / seq_name.removesuffix("+mirror")
            if seq_name.endswith("+mirror"):
                seq_dir = mirrored_copy(seq_dir, Path(tmp))
            if size:
                width, height = (int(v) for v in size.split("x"))
                seq_dir = resized_copy(seq_dir, (width, height), Path(tmp))
            runs: dict[str, list[dict]] = {name: [], f"{name} --no-video": []}
            for _ in range(args.repeat):  # interleaved, so both see the same machine
                for key, video in ((name, True), (f"{name} --no-video", False)):
                    runs[key].append(_measure(seq_dir, config, Path(tmp), video))
        for key, measured in runs.items():
            measured.sort(key=lambda r: r["ratio_to_decode"])
            results[key] = {**measured[len(measured) // 2], "repeats": len(measured),
                            "track_fps_all": [round(r["track_fps"], 1) for r in measured],
                            "ratio_all": [round(r["ratio_to_decode"], 2) for r in measured]}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"scorer": args.scorer, "results": results}, indent=2))
    heads = [f"{s} ms" + (" (beside)" if s in THREAD_STAGES else "") for s in STAGES]
    print("| sequence | decode fps | track fps | time / decode | " + " | ".join(heads) + " | other ms |")
    print("|---|---|---|---|" + "---|" * len(STAGES) + "---|")
    for name, r in results.items():
        per = " | ".join(f"{r['ms_per_frame'][s]:.1f}" for s in STAGES)
        print(f"| {name} | {r['decode_fps']:.0f} | {r['track_fps']:.1f} | {r['ratio_to_decode']:.1f}x | {per} | "
              f"{r['other_ms']:.1f} |")


if __name__ == "__main__":
    main()
