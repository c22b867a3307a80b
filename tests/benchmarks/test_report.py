"""The protocol's report: a table per cell, a mean row per method, the targets' counts."""

from __future__ import annotations

from benchmarks.generalization import FIELDS, METHODS, mean_rows, report


def _record(held_out: str, hota: dict[str, float]) -> dict:
    methods = {m: {f: (hota[m] if f == "HOTA" else 50.0) for f in FIELDS} for m in METHODS}
    methods = {m: {**v, "IDSW": 3} for m, v in methods.items()}
    cell = {"sequence": held_out, "frame_rate": 25.0, "frames": 71, "methods": methods}
    return {"fold": {"held_out": held_out, "train": ["B", "C"], "held_out_linker_auc": 0.97,
                     "held_out_pair_auc": {"matcher": 0.9, "histogram": 0.85}},
            "chosen": {m: {"settings": {"min_score": 0.3, "buffer_seconds": 1.0, "tracker.min_hits": 3}}
                       for m in METHODS},
            "cells": {"1": cell, "2": {**cell, "sequence": f"{held_out}-every2", "frame_rate": 12.5}},
            "compute_minutes": {"models": 10.0, "reference": 5.0, "siamtrack": 4.0}}


def test_the_report_has_means_cells_and_target_counts():
    hota = {m: 40.0 for m in METHODS} | {"siamtrack": 45.0, "ByteTrack": 44.5}
    records = [_record("A", hota), _record("B", {**hota, "siamtrack": 30.0})]
    means = mean_rows(records)
    assert means["siamtrack"]["HOTA"] == 37.5 and means["ByteTrack"]["HOTA"] == 44.5
    text = report(records, "python -m benchmarks.generalization", 3.0)
    assert "| siamtrack | 37.5 |" in text
    assert "at most 1 HOTA below the cell's best peer: 2 of 4" in text
    assert "beats siamtrack's geometry scorer: 2 of 4" in text
    assert text.count("| method | HOTA |") == 1 + 4  # the means, then a table per cell
    assert "| A | 0.900 |" in text and "models 20 min" in text
