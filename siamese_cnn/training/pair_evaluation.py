"""The matcher's all-pairs evaluation: every gt box of frame f against every gt box of frame f+g.

It measures what the tracker needs: telling the people of one moment from those of a later
moment, at the gaps a tracker meets (1, 5, 15, 30 frames).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from siamtrack.tracker.io.mot import read_seqinfo

from ..errors import InputError
from ..patches import PatchSpec
from .data import PatchBank, concat_banks, mot_bank
from .pair_metrics import best_accuracy, equal_error_rate, rank1, roc_auc

GAPS = (1, 5, 15, 30)


@dataclass
class PairSet:
    i: np.ndarray  # bank rows of the earlier box
    j: np.ndarray  # bank rows of the later box
    same: np.ndarray  # bool
    gap: np.ndarray  # frames between them
    query: np.ndarray  # query group for rank-1: (f, g, earlier box)


def protocol_frames(length: int, gaps: tuple[int, ...], step: int, first: int = 1) -> set[int]:
    starts = range(first, length - max(gaps) + 1, step)
    return {f for s in starts for f in (s, *(s + g for g in gaps))}


def check_slices(seq_dirs: list[Path], frame_range: tuple[float, float], gaps: tuple[int, ...] = GAPS) -> None:
    """Refuse, in one line, slices too short for any pair: before any work (or process) starts."""
    lengths = [read_seqinfo(d).length for d in seq_dirs]
    if seq_dirs and all(int(frame_range[1] * n) - int(frame_range[0] * n) < max(gaps) + 1 for n in lengths):
        names = ", ".join(d.name for d in seq_dirs)
        raise InputError(f"{names}: the frames {frame_range[0]:g}..{frame_range[1]:g} of each sequence are fewer than "
                         f"the longest pair gap ({max(gaps)} frames); use longer sequences (for training: a larger "
                         "matcher_training.holdout_fraction)")


def protocol_bank(seq_dirs: list[Path], spec: PatchSpec, gaps: tuple[int, ...] = GAPS, step: int = 10,
                  frame_range: tuple[float, float] = (0.0, 1.0)) -> PatchBank:
    """gt patches of the frames the protocol uses; ``frame_range`` picks a slice of each sequence."""
    banks = []
    for seq_dir in seq_dirs:
        length = read_seqinfo(seq_dir).length
        lo, hi = int(frame_range[0] * length) + 1, int(frame_range[1] * length)
        frames = {f + lo - 1 for f in protocol_frames(hi - lo + 1, gaps, step)}
        if not frames:  # the slice is shorter than the longest gap
            continue
        banks.append(mot_bank(seq_dir, spec, frames=frames, min_visibility=0.0))
    if not banks:
        check_slices(seq_dirs, frame_range, gaps)
    return concat_banks(banks)


def all_pairs(bank: PatchBank, gaps: tuple[int, ...] = GAPS, step: int = 10) -> PairSet:
    i_all, j_all, gap_all, query_all = [], [], [], []
    query_base = 0
    for src in np.unique(bank.source):
        rows = np.nonzero(bank.source == src)[0]
        frames = bank.frames[rows]
        by_frame = {int(f): rows[frames == f] for f in np.unique(frames)}
        first = min(by_frame)
        for f in sorted(by_frame):
            if (f - first) % step:
                continue
            for g in gaps:
                later = by_frame.get(f + g)
                if later is None:
                    continue
                ii, jj = np.meshgrid(by_frame[f], later, indexing="ij")
                i_all.append(ii.ravel())
                j_all.append(jj.ravel())
                gap_all.append(np.full(ii.size, g))
                query_all.append(query_base + np.repeat(np.arange(len(by_frame[f])), len(later)))
                query_base += len(by_frame[f])
    i, j = np.concatenate(i_all), np.concatenate(j_all)
    return PairSet(i, j, bank.ids[i] == bank.ids[j], np.concatenate(gap_all), np.concatenate(query_all))


def report(scores: np.ndarray, pairs: PairSet) -> dict[str, float]:
    """AUC per gap and overall, rank-1, EER and best accuracy of one scorer's pair scores."""
    out: dict[str, float] = {"auc": roc_auc(scores, pairs.same), "rank1": rank1(scores, pairs.same, pairs.query),
                             "eer": equal_error_rate(scores, pairs.same)}
    out["accuracy"], out["threshold"] = best_accuracy(scores, pairs.same)
    for g in np.unique(pairs.gap):
        m = pairs.gap == g
        out[f"auc@{g}"] = roc_auc(scores[m], pairs.same[m])
        out[f"rank1@{g}"] = rank1(scores[m], pairs.same[m], pairs.query[m])
    return out

