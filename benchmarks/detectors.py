"""Candidate built-in detectors against gt: recall and precision at IoU 0.5, and speed.

    python benchmarks/detectors.py --data ../shared/data/mot

Every 10th frame of each sequence; the public det.txt (ACF/DPM, precomputed) is listed beside
for reference. Writes benchmarks/results/detectors.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np
from scipy.optimize import linear_sum_assignment

from siamtrack.association.geometry import iou_matrix
from siamtrack.tracker.app.allocator import keep_freed_memory
from siamtrack.tracker.detectors.hog import HogDetector
from siamtrack.tracker.detectors.ssdlite import SsdLiteDetector
from siamtrack.tracker.io.mot import read_detections, read_ground_truth, read_seqinfo
from siamtrack.tracker.io.score_calibration import calibrate

SEQS = ["TUD-Campus", "TUD-Stadtmitte", "KITTI-17", "MOT16-09"]


def matched(boxes: np.ndarray, gt: np.ndarray) -> np.ndarray:
    ok = np.zeros(len(boxes), bool)
    if len(boxes) and len(gt):
        iou = iou_matrix(boxes, gt)
        r, c = linear_sum_assignment(-iou)
        ok[r[iou[r, c] >= 0.5]] = True
    return ok


def main() -> None:
    keep_freed_memory()  # as the siamtrack command does
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path("../shared/data/mot"))
    parser.add_argument("--step", type=int, default=10)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results") / "detectors.json")
    args = parser.parse_args()
    results = {}
    for name in SEQS:
        seq = args.data / name
        info = read_seqinfo(seq)
        gt = read_ground_truth(seq / "gt" / "gt.txt")
        public = read_detections(seq / "det" / "det.txt")
        public_scores = calibrate(public.scores)
        detectors = {"ssdlite": SsdLiteDetector(), "hog": HogDetector()}
        counts = {"gt": 0, "ssdlite": [0, 0], "hog": [0, 0], "public": [0, 0]}
        seconds, frames = {"ssdlite": 0.0, "hog": 0.0}, 0
        for f in range(1, info.length + 1, args.step):
            sl = gt.rows(f)
            keep = (gt.scores[sl] != 0) & (gt.classes[sl] == 1)
            g = gt.boxes[sl][keep]
            counts["gt"] += len(g)
            image = cv2.imread(str(seq / info.image_dir / f"{f:06d}{info.image_ext}"))
            frames += 1
            for name_, detector in detectors.items():
                start = time.perf_counter()
                boxes, scores = detector.detect(image)
                seconds[name_] += time.perf_counter() - start
                ok = matched(boxes[scores >= 0.5], g)
                counts[name_][0] += int(ok.sum())
                counts[name_][1] += len(ok)
            pb = public.rows(f)
            ok = matched(public.boxes[pb][public_scores[pb] >= 0.4], g)
            counts["public"][0] += int(ok.sum())
            counts["public"][1] += len(ok)
        results[name] = {"size": f"{info.width}x{info.height}"}
        for key in detectors:
            results[name][key] = {"recall": counts[key][0] / counts["gt"],
                                  "precision": counts[key][0] / max(counts[key][1], 1), "fps": frames / seconds[key]}
        results[name].update({
            "public": {"recall": counts["public"][0] / counts["gt"],
                       "precision": counts["public"][0] / max(counts["public"][1], 1)},
        })
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print("| sequence | size | detector | recall | precision | fps |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        for key in ("ssdlite", "hog"):
            d = r[key]
            print(f"| {name} | {r['size']} | {key} (score >= 0.5) | {d['recall']:.2f} | {d['precision']:.2f} | "
                  f"{d['fps']:.1f} |")
        p = r["public"]
        print(f"| {name} | {r['size']} | public det.txt (calibrated >= 0.4) | {p['recall']:.2f} | "
              f"{p['precision']:.2f} | - |")


if __name__ == "__main__":
    main()
