"""Matcher benchmark: pair ROC AUC per gap, rank-1, and speed, on validation sequences.

    python benchmarks/matcher.py --data ../shared/data/mot [--ablation-minutes 6]

Rows: the HSV-histogram baseline, the shipped matcher (its probability and its CNN alone), and,
with --ablation-minutes > 0, variants trained here with the same recipe and a shorter budget:
LUV only, LUV + flow, and each topology. Writes benchmarks/results/matcher.json and prints a
Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import numpy as np
import torch

from siamtrack.configs.training import load_training_config
from siamtrack.siamese_cnn import TRACKING_WEIGHTS, PatchMatcher
from siamtrack.siamese_cnn.training.pair_evaluation import GAPS, protocol_bank
from siamtrack.siamese_cnn.training.train import build_training_banks, evaluate_matcher, train_matcher
from siamtrack.tracker.app.allocator import keep_freed_memory

TRAIN = ["MOT16-11-half", "TUD-Stadtmitte", "KITTI-17"]
VAL = ["MOT16-09", "TUD-Campus"]


def speed(matcher: PatchMatcher, n: int = 1024, repeats: int = 5) -> tuple[float, float]:
    """Patch embeddings per second (batched) and pair scores per second (all pairs of 40 x 40);
    the median of ``repeats`` timings, as this shared machine's speed drifts between runs."""
    rng = np.random.default_rng(0)
    spec = matcher.spec
    bgr = rng.integers(0, 255, (n, spec.height, spec.width, 3), dtype=np.uint8)
    flow = np.zeros((n, spec.height, spec.width, 2), np.float32)
    matcher.describe_patches(bgr[:64], flow[:64])
    emb_rates, pair_rates = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        d = matcher.describe_patches(bgr, flow)
        emb_rates.append(n / (time.perf_counter() - start))
        a, b = d.take(np.arange(40)), d.take(np.arange(40, 80))
        start = time.perf_counter()
        for _ in range(20):
            matcher.match_probability(a, b)
        pair_rates.append(20 * 1600 / (time.perf_counter() - start))
    return float(np.median(emb_rates)), float(np.median(pair_rates))


def row(name: str, metrics: dict) -> str:
    gaps = " | ".join(f"{metrics[f'auc@{g}']:.3f}" for g in GAPS)
    return f"| {name} | {metrics['auc']:.3f} | {gaps} | {metrics['rank1']:.3f} | {metrics['eer']:.3f} |"


def main() -> None:
    keep_freed_memory()  # as the siamtrack command does
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path("../shared/data/mot"))
    parser.add_argument("--weights", type=Path, default=None)
    parser.add_argument("--ablation-minutes", type=float, default=0.0)
    parser.add_argument("--variants", default="", help="';'-separated ablation rows to train (default: all)")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results") / "matcher.json")
    args = parser.parse_args()
    torch.set_num_threads(2)
    shipped = PatchMatcher.load(args.weights)
    val = protocol_bank([args.data / s for s in VAL], shipped.spec)
    results: dict[str, dict] = {}
    report = evaluate_matcher(shipped, val)
    results["HSV histogram (16x8 H-S, Bhattacharyya)"] = report["histogram"]
    results["shipped matcher: CNN alone (embedding cosine)"] = report["cnn_alone"]
    results["shipped matcher: match_probability (CNN + colour and occlusion cues)"] = report["matcher"]
    stripes = report["stripe_histograms"]
    if args.weights is None:
        tracking = evaluate_matcher(PatchMatcher.load(TRACKING_WEIGHTS), val)
        results["tracker's matcher (matcher_tracking.pt): match_probability (CNN + colour cues)"] = tracking["matcher"]
        results["tracker's matcher (matcher_tracking.pt): CNN alone"] = tracking["cnn_alone"]
    results["stripe histograms (mean of whole box + 4 stripes)"] = stripes
    emb_rate, pair_rate = speed(shipped)
    if args.ablation_minutes > 0:
        base = load_training_config().matcher_training
        variants = {"LUV only, cost_function": {"use_flow": False},
                    "LUV + flow, cost_function": {},
                    "LUV + flow, cost_function, no occlusion cue": {"use_occlusion": False},
                    "LUV + flow, cost_function, no occlusion cue, visibility >= 0.3": {"use_occlusion": False,
                                                                                       "min_visibility": 0.3},
                    "LUV + flow, cost_function, visibility >= 0.3": {"min_visibility": 0.3},
                    "LUV + flow, in_network": {"topology": "in_network"},
                    "LUV + flow, triplet": {"topology": "triplet"},
                    "LUV + flow, joint_input": {"topology": "joint_input"}}
        if args.variants:
            wanted = [v.strip() for v in args.variants.split(";")]
            variants = {k: v for k, v in variants.items() if k in wanted}
        spec = base.patch
        val_bank = protocol_bank([args.data / s for s in VAL], spec)
        banks: dict[float, tuple] = {}
        for name, change in variants.items():
            cfg = dataclasses.replace(base, max_minutes=args.ablation_minutes, **change)
            if cfg.min_visibility not in banks:
                banks[cfg.min_visibility] = build_training_banks(args.data, TRAIN, cfg, spec, None)
            matcher, _ = train_matcher(*banks[cfg.min_visibility], cfg, spec, progress=False)
            rep = evaluate_matcher(matcher, val_bank)
            results[f"ablation ({args.ablation_minutes:g} min): {name}"] = rep["matcher"]
            if "cnn_alone" in rep:
                results[f"ablation ({args.ablation_minutes:g} min): {name}, CNN alone"] = rep["cnn_alone"]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"val": VAL, "results": results, "embeddings_per_s": emb_rate,
                                    "pairs_per_s": pair_rate}, indent=2))
    print("| scorer | AUC all | " + " | ".join(f"AUC gap {g}" for g in GAPS) + " | rank-1 | EER |")
    print("|---|---|" + "---|" * len(GAPS) + "---|---|")
    for name, metrics in results.items():
        print(row(name, metrics))
    print(f"\nspeed: {emb_rate:.0f} patch embeddings/s, {pair_rate:.0f} pair scores/s (2 threads)")


if __name__ == "__main__":
    main()
