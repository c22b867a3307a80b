"""The built-in detector's settings against ground truth: recall, precision, HOTA of the tracks, speed.

    python -m benchmarks.detectors --data ../shared/data/mot [--settings before,fast,1x2-tiles,accurate]

For each sequence with frames, and for "street" copies of the two MOT16 ones scaled to 768 pixels
wide (people 25-150 px tall, as in CCTV; gt scaled too), and each setting of
``detector.ssdlite.tiles``:
- recall and precision at IoU 0.5 of the boxes scoring >= 0.5, on every 5th frame;
- HOTA / IDF1 of the tracks `siamtrack track` makes from them (shipped models and rules, no video);
- the detector's own fps on one thread, and end-to-end fps of `siamtrack track` with the annotated
  video at 768x576 (the street copy of MOT16-11-half resized to 768x576, 300 frames).

Settings: ``before`` is the detector of earlier releases (OpenCV's dnn, the whole frame, frames wider
than 1.5:1 cut into full-height tiles), ``fast`` = ``--detector-speed fast`` (the same tiles on
onnxruntime), ``accurate`` = the default (auto), or any ``tiles`` value (``1x2-tiles``, ``2x2``, ...). Writes
benchmarks/results/detectors.json and prints Markdown tables.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from scipy.optimize import linear_sum_assignment

from siamtrack.association.geometry import iou_matrix
from siamtrack.configs import Config, default_config
from siamtrack.tracker.app.runtime import tune_for_speed
from siamtrack.tracker.app.track import run_track
from siamtrack.tracker.detectors.ssdlite import SsdLiteDetector
from siamtrack.tracker.eval.metrics import score_sequence
from siamtrack.tracker.io.frames import open_frames
from siamtrack.tracker.io.mot import read_ground_truth, read_seqinfo

from .speed import resized_copy

SEQS = ["TUD-Campus", "TUD-Stadtmitte", "KITTI-17", "MOT16-09", "MOT16-11-half"]
STREET = ["MOT16-09", "MOT16-11-half"]  # scaled to STREET_WIDTH: small people
STREET_WIDTH = 768
SPEED_SIZE = (768, 576)
SPEED_FRAMES = 300
SETTINGS = ["before", "fast", "1x2-tiles", "accurate", "1x4-tiles", "2x2"]


def matched(boxes: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Which ``boxes`` match a gt box one-to-one at IoU >= 0.5."""
    ok = np.zeros(len(boxes), bool)
    if len(boxes) and len(gt):
        iou = iou_matrix(boxes, gt)
        r, c = linear_sum_assignment(-iou)
        ok[r[iou[r, c] >= 0.5]] = True
    return ok


def tiles_of(setting: str, width: int, height: int) -> tuple[str, str]:
    """(tiles, runtime) for ``setting`` on a frame of this size."""
    if setting == "before":  # earlier releases: OpenCV; ceil(w / 1.5h) full-height tiles, the whole frame if one
        n = max(1, math.ceil(width / (height * 1.5)))
        return ("whole" if n == 1 else f"1x{n}-tiles"), "opencv"
    return ("auto" if setting in ("fast", "accurate") else setting), "auto"


def configured(config: Config, setting: str, width: int, height: int) -> Config:
    tiles, runtime = tiles_of(setting, width, height)
    aspect = {"fast": 1.5}.get(setting, config.detector.ssdlite.tile_aspect)  # as --detector-speed fast
    ssd = dataclasses.replace(config.detector.ssdlite, tiles=tiles, runtime=runtime, tile_aspect=aspect)
    return dataclasses.replace(config, detector=dataclasses.replace(config.detector, ssdlite=ssd))


def scaled_copy(seq_dir: Path, size: tuple[int, int], out_dir: Path, max_frames: int | None = None) -> Path:
    """``NAME@WxH``: the sequence resized (area-averaged, as a smaller camera sees it), gt and det scaled."""
    name = f"{read_seqinfo(seq_dir).name}@{size[0]}x{size[1]}"
    return resized_copy(seq_dir, size, out_dir, name, max_frames, cv2.INTER_AREA)


def detection_scores(seq: Path, config: Config, step: int) -> dict[str, float]:
    """Recall, precision (score >= 0.5, IoU 0.5) on every ``step``-th frame, and the detector's fps."""
    info = read_seqinfo(seq)
    gt = read_ground_truth(seq / "gt" / "gt.txt")
    ssd = config.detector.ssdlite
    detector = SsdLiteDetector(ssd, threads=1)
    hits = found = wanted = 0
    seconds, frames = 0.0, 0
    for index, image in open_frames(seq):
        if (index - 1) % step:
            continue
        rows = gt.rows(index)
        keep = (gt.scores[rows] != 0) & (gt.classes[rows] == 1)
        start = time.perf_counter()
        boxes, scores = detector.detect(image)
        seconds += time.perf_counter() - start
        frames += 1
        ok = matched(boxes[scores >= 0.5], gt.boxes[rows][keep])
        hits, found, wanted = hits + int(ok.sum()), found + len(ok), wanted + int(keep.sum())
    return {"recall": hits / max(wanted, 1), "precision": hits / max(found, 1), "detector_fps": frames / seconds,
            "passes": len(detector.rects(info.width, info.height))}


def track_scores(seq: Path, config: Config, work: Path) -> dict[str, float]:
    out = work / "tracks" / seq.name
    out.mkdir(parents=True, exist_ok=True)
    summary = run_track(seq, config, None, out / f"{seq.name}.txt", progress=False)
    score = score_sequence(seq.parent, seq.name, out / f"{seq.name}.txt").summary()
    return {"HOTA": score["HOTA"], "IDF1": score["IDF1"], "MOTA": score["MOTA"], "track_fps": summary.fps}


def main() -> None:
    tune_for_speed()  # as the siamtrack command does
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path("../shared/data/mot"))
    parser.add_argument("--settings", default=",".join(SETTINGS))
    parser.add_argument("--step", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results") / "detectors.json")
    parser.add_argument("--update", action="store_true", help="re-measure only --settings in an existing --out")
    args = parser.parse_args()
    base = default_config()
    settings = args.settings.split(",")
    results: dict = {"settings": settings, "sequences": {}, "speed": {}}
    if args.update:
        results = json.loads(args.out.read_text())
        results["settings"] += [s for s in settings if s not in results["settings"]]
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        seqs = [args.data / name for name in SEQS]
        for name in STREET:
            info = read_seqinfo(args.data / name)
            size = (STREET_WIDTH, round(STREET_WIDTH * info.height / info.width / 2) * 2)
            seqs.append(scaled_copy(args.data / name, size, work / "street"))
        for seq in seqs:
            info = read_seqinfo(seq)
            results["sequences"].setdefault(seq.name, {})["size"] = f"{info.width}x{info.height}"
            for setting in settings:
                config = configured(base, setting, info.width, info.height)
                row = detection_scores(seq, config, args.step) | track_scores(seq, config, work)
                results["sequences"][seq.name][setting] = row
                print(seq.name, setting, {k: round(v, 3) for k, v in row.items()}, flush=True)
        speed_seq = scaled_copy(args.data / "MOT16-11-half", SPEED_SIZE, work / "speed", SPEED_FRAMES)
        for setting in settings:
            config = configured(base, setting, *SPEED_SIZE)
            summary = run_track(speed_seq, config, work / "speed.mp4", work / "speed.txt", progress=False)
            results["speed"][setting] = summary.fps
            print("speed", setting, round(summary.fps, 1), flush=True)
    results["seconds"] = time.perf_counter() - start + (results.get("seconds", 0.0) if args.update else 0.0)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print_tables(results)


def print_tables(results: dict) -> None:
    settings = results["settings"]
    print("| sequence | size | setting | passes | recall | precision | HOTA | IDF1 | detector fps (1 thread) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, r in results["sequences"].items():
        for s in settings:
            d = r[s]
            print(f"| {name} | {r['size']} | {s} | {d['passes']} | {d['recall']:.2f} | {d['precision']:.2f} | "
                  f"{d['HOTA']:.1f} | {d['IDF1']:.1f} | {d['detector_fps']:.0f} |")
    print()
    print("| setting | mean recall | mean precision | mean HOTA | mean IDF1 | end-to-end fps, 768x576 with video |")
    print("|---|---|---|---|---|---|")
    for s in settings:
        rows = [r[s] for r in results["sequences"].values()]
        mean = {k: float(np.mean([row[k] for row in rows])) for k in ("recall", "precision", "HOTA", "IDF1")}
        print(f"| {s} | {mean['recall']:.3f} | {mean['precision']:.3f} | {mean['HOTA']:.1f} | {mean['IDF1']:.1f} | "
              f"{results['speed'][s]:.1f} |")


if __name__ == "__main__":
    main()
