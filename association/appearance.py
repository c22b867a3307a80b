"""Appearance features of (track, detection) pairs from the Siamese matcher.

A track remembers the descriptors of its last few detections (``TrackAppearance``). For each
detection, the remembered descriptor that matches best is used: a track coming out of an
occlusion is compared with how it looked before it was hidden, not only with its last,
possibly half-occluded, box. One batched matcher call covers all tracks and detections.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from siamtrack.siamese_cnn import PatchDescriptors, PatchMatcher


def appearance_feature_names(feature_dim: int) -> tuple[str, ...]:
    return (*(f"f6_{k}" for k in range(feature_dim)), "p_match", "hist_sim", "stripe_sim", "cnn_cos",
            "p_match_last")


@dataclass
class TrackAppearance:
    """The last ``memory`` descriptors of a track, newest last.

    Kept as the pieces they arrived in (views into each frame's descriptors): adding one is a
    list append, and the one join per frame happens in ``appearance_features`` for all tracks.
    ``count`` is how many rows they hold (asked for every track in every frame).
    """

    parts: list[PatchDescriptors]
    count: int

    @classmethod
    def of(cls, descriptors: PatchDescriptors) -> TrackAppearance:
        return cls([descriptors], len(descriptors))

    def __len__(self) -> int:
        return self.count

    def add(self, new: PatchDescriptors, memory: int) -> TrackAppearance:
        parts, count = [*self.parts, new], self.count + len(new)
        extra = count - memory
        while extra > 0:  # forget the oldest rows
            first = parts[0]
            if len(first) <= extra:
                parts, extra = parts[1:], extra - len(first)
            else:
                parts[0], extra = first.rows(extra, len(first)), 0
        return TrackAppearance(parts, min(count, memory))


def appearance_features(matcher: PatchMatcher, tracks: list[TrackAppearance | None],
                        dets: PatchDescriptors) -> np.ndarray:
    """(T, D, feature_dim + 5) float32: F6 of the best-matching memory, its P(match), whole-box and
    stripe histogram similarity, embedding similarity, and P(match) against the newest memory."""
    t, d = len(tracks), len(dets)
    dim = matcher.feature_dim + 5
    if t == 0 or d == 0:
        return np.zeros((t, d, dim), dtype=np.float32)
    counts = np.array([a.count if a is not None else 0 for a in tracks])
    if counts.sum() == 0:
        return np.zeros((t, d, dim), dtype=np.float32)
    memory = PatchDescriptors.concat([p for a in tracks if a is not None for p in a.parts])
    owner = np.repeat(np.arange(t), counts)
    slot = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
    pairs = matcher.compare(memory, dets)  # (R, D, ...)
    k = int(counts.max())
    padded = np.full((t, k, d), -1.0)
    padded[owner, slot] = pairs.probability
    best_slot = padded.argmax(axis=1)  # (T, D)
    row_of = np.full((t, k), -1)
    row_of[owner, slot] = np.arange(len(owner))
    best_row = np.take_along_axis(row_of, best_slot, axis=1)  # (T, D)
    newest_row = row_of[np.arange(t), np.maximum(counts - 1, 0)]
    cols = np.arange(d)[None, :]
    f6 = pairs.features.shape[-1]
    out = np.empty((t, d, dim), dtype=np.float32)
    out[..., :f6] = pairs.features[best_row, cols]
    # the scalars of the chosen rows only (T x D of them, not R x D)
    best_sims = pairs.part_similarity[best_row, cols]
    out[..., f6] = pairs.probability[best_row, cols]
    out[..., f6 + 1] = best_sims[..., 0]
    out[..., f6 + 2] = best_sims[..., 1:].mean(-1)
    out[..., f6 + 3] = pairs.cosine[best_row, cols]
    out[..., f6 + 4] = pairs.probability[newest_row[:, None], cols]
    out[counts == 0] = 0.0
    return out
