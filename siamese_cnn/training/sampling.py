"""Training triplets (anchor, same person, other person) drawn from a patch bank.

Positives share an identity within ``max_gap_seconds`` of each other (still re-ID crops: any
other image of the identity). Negatives mix hard ones (another person of the same sequence in a
nearby frame, preferring the nearest and most similar-sized) and random ones from anywhere.
"""

from __future__ import annotations

import numpy as np

from .data import PatchBank


class TripletSampler:
    def __init__(self, bank: PatchBank, max_gap_seconds: float, hard_fraction: float, seed: int | list[int]):
        self.bank = bank
        self.rng = np.random.default_rng(seed)
        self.hard_fraction = hard_fraction
        self.max_gap = np.array([max(1, int(round(max_gap_seconds * r))) if r > 0 else 10**9
                                 for r in bank.frame_rates])
        order = np.lexsort((bank.frames, bank.ids))
        ids_sorted = bank.ids[order]
        starts = np.r_[0, np.nonzero(np.diff(ids_sorted))[0] + 1]
        ends = np.r_[starts[1:], len(order)]
        self._members = {int(ids_sorted[s]): order[s:e] for s, e in zip(starts, ends, strict=True)}
        self.anchors = np.concatenate([m for m in self._members.values() if len(m) > 1])
        # For hard negatives: rows grouped by source, sorted by frame.
        self._by_source = {}
        for src in np.unique(bank.source):
            rows = np.nonzero(bank.source == src)[0]
            rows = rows[np.argsort(bank.frames[rows], kind="stable")]
            self._by_source[int(src)] = (rows, bank.frames[rows])

    def _positive(self, a: int) -> int:
        members = self._members[int(self.bank.ids[a])]
        gap = self.max_gap[self.bank.source[a]]
        close = members[(np.abs(self.bank.frames[members] - self.bank.frames[a]) <= gap) & (members != a)]
        pool = close if len(close) else members[members != a]
        return int(self.rng.choice(pool))

    def _hard_negative(self, a: int) -> int | None:
        rows, frames = self._by_source[int(self.bank.source[a])]
        if self.bank.frame_rates[int(self.bank.source[a])] <= 0:  # still crops: another person of the same set
            other = rows[self.bank.ids[rows] != self.bank.ids[a]]
            return int(self.rng.choice(other)) if len(other) else None
        gap = self.max_gap[self.bank.source[a]]
        lo, hi = np.searchsorted(frames, [self.bank.frames[a] - gap, self.bank.frames[a] + gap + 1])
        window = rows[lo:hi]
        window = window[self.bank.ids[window] != self.bank.ids[a]]
        if len(window) == 0:
            return None
        box, boxes = self.bank.boxes[a], self.bank.boxes[window]
        height = max(box[3], 1.0)
        centre = box[:2] + box[2:] / 2
        distance = np.linalg.norm(boxes[:, :2] + boxes[:, 2:] / 2 - centre, axis=1) / height
        size = np.abs(np.log(np.maximum(boxes[:, 3], 1.0) / height))
        nearest = window[np.argsort(distance + 2 * size)[:4]]
        return int(self.rng.choice(nearest))

    def _random_negative(self, a: int) -> int:
        while True:
            n = int(self.rng.integers(len(self.bank)))
            if self.bank.ids[n] != self.bank.ids[a]:
                return n

    def sample(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        anchors = self.rng.choice(self.anchors, size=n)
        positives = np.array([self._positive(a) for a in anchors])
        negatives = []
        for a in anchors:
            hard = self._hard_negative(a) if self.rng.random() < self.hard_fraction else None
            negatives.append(hard if hard is not None else self._random_negative(a))
        return anchors, positives, np.array(negatives)
