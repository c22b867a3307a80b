"""MOTChallenge scoring with TrackEval's own HOTA, CLEAR and Identity metrics.

We call TrackEval's dataset loader and metric classes directly (not its Evaluator) so that
sequences of different benchmarks (MOT15 rules vs MOT16/17/20 rules) combine into one row with
TrackEval's own ``combine_sequences``. The rules follow from the sequence name:

* MOT16/MOT17/MOT20 sequences: only class 1 is scored, tracker boxes matched (IoU >= 0.5) to
  distractor classes 2, 7, 8, 12 are removed first, gt rows with conf 0 are ignored;
* everything else (MOT15 and custom data): gt rows with conf 0 are ignored, no class handling.
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import trackeval

from siamtrack.siamese_cnn.errors import InputError
from siamtrack.tracker.io.mot import read_seqinfo

SUMMARY_FIELDS = ("HOTA", "DetA", "AssA", "MOTA", "IDF1", "IDSW", "FP", "FN", "MT", "ML")
_PERCENT_FIELDS = {"HOTA", "DetA", "AssA", "MOTA", "IDF1", "MOTP", "IDP", "IDR", "LocA"}


def benchmark_of(seq_name: str) -> str:
    match = re.match(r"(MOT1[67]|MOT20)", seq_name)
    return match.group(1) if match else "MOT15"


@dataclass
class SequenceScore:
    """TrackEval's raw per-metric dictionaries for one sequence (or the combination)."""

    hota: dict
    clear: dict
    identity: dict

    def summary(self) -> dict[str, float]:
        """The headline numbers, percentages in 0..100 and counts as ints."""
        values = {
            "HOTA": float(np.mean(self.hota["HOTA"])),
            "DetA": float(np.mean(self.hota["DetA"])),
            "AssA": float(np.mean(self.hota["AssA"])),
            "LocA": float(np.mean(self.hota["LocA"])),
            "MOTA": float(self.clear["MOTA"]),
            "MOTP": float(self.clear["MOTP"]),
            "IDF1": float(self.identity["IDF1"]),
            "IDP": float(self.identity["IDP"]),
            "IDR": float(self.identity["IDR"]),
            "IDSW": int(self.clear["IDSW"]),
            "FP": int(self.clear["CLR_FP"]),
            "FN": int(self.clear["CLR_FN"]),
            "MT": int(self.clear["MT"]),
            "ML": int(self.clear["ML"]),
            "Frag": int(self.clear["Frag"]),
        }
        return {k: (100.0 * v if k in _PERCENT_FIELDS else v) for k, v in values.items()}


def _metrics() -> tuple:
    quiet = {"PRINT_CONFIG": False}
    return (trackeval.metrics.HOTA(quiet), trackeval.metrics.CLEAR({**quiet, "THRESHOLD": 0.5}),
            trackeval.metrics.Identity({**quiet, "THRESHOLD": 0.5}))


def score_sequence(gt_root: str | Path, seq: str, result_file: str | Path) -> SequenceScore:
    """Score one result file against ``gt_root/seq/gt/gt.txt`` under MOTChallenge rules."""
    gt_root, result_file = Path(gt_root), Path(result_file)
    if not (gt_root / seq / "gt" / "gt.txt").is_file():
        raise InputError(f"{gt_root / seq / 'gt' / 'gt.txt'}: ground truth not found")
    length = read_seqinfo(gt_root / seq).length
    config = {
        "GT_FOLDER": str(gt_root),
        "TRACKERS_FOLDER": str(result_file.parent.parent),
        "TRACKERS_TO_EVAL": [result_file.parent.name],
        "TRACKER_SUB_FOLDER": "",
        "SKIP_SPLIT_FOL": True,
        "SEQ_INFO": {seq: length},
        "BENCHMARK": benchmark_of(seq),
        "PRINT_CONFIG": False,
    }
    if result_file.name != f"{seq}.txt":
        raise ValueError(f"result file must be named {seq}.txt, got {result_file.name}")
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            dataset = trackeval.datasets.MotChallenge2DBox(config)
            raw = dataset.get_raw_seq_data(result_file.parent.name, seq)
            data = dataset.get_preprocessed_seq_data(raw, "pedestrian")
    except trackeval.utils.TrackEvalException as exc:
        raise InputError(f"{result_file}: {exc}") from None
    hota, clear, identity = _metrics()
    return SequenceScore(hota.eval_sequence(data), clear.eval_sequence(data), identity.eval_sequence(data))


def combine(scores: dict[str, SequenceScore]) -> SequenceScore:
    """TrackEval's combination over sequences (sums of counts, not a mean of percentages)."""
    hota, clear, identity = _metrics()
    return SequenceScore(
        hota.combine_sequences({k: v.hota for k, v in scores.items()}),
        clear.combine_sequences({k: v.clear for k, v in scores.items()}),
        identity.combine_sequences({k: v.identity for k, v in scores.items()}),
    )
