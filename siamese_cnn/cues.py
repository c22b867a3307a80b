"""Hand-made per-pair cues the pair head takes beside the CNN branches.

With few training identities, fusing cues the CNN cannot learn from 88 people is where most of
the matcher's accuracy comes from: colour histograms (whole box and stripes), and how much of
each box is hidden behind a nearer one (an occluded patch shows somebody else).
Order: part similarities, then the larger and the smaller occlusion of the two boxes, per part;
a model trained with fewer cues reads only the first ones.
"""

from __future__ import annotations

import numpy as np

from .histogram import STRIPES, part_similarity_rows

N_PARTS = 1 + STRIPES
N_CUES = 3 * N_PARTS


def pair_cues(sims: np.ndarray, occ_a: np.ndarray, occ_b: np.ndarray, n_cues: int = N_CUES) -> np.ndarray:
    """(N, M, n_cues) float32 for every box of ``a`` against every box of ``b``, from their part
    similarities (``part_similarity``, which callers often need themselves) and occlusions."""
    if n_cues <= N_PARTS:  # a model without the occlusion cues
        return np.ascontiguousarray(sims[..., :n_cues], dtype=np.float32)
    oa, ob = occ_a[:, None, :], occ_b[None, :, :]
    return np.concatenate([sims, np.broadcast_to(np.maximum(oa, ob), sims.shape),
                           np.broadcast_to(np.minimum(oa, ob), sims.shape)], axis=-1).astype(np.float32)


def pair_cues_rows(hist_a: np.ndarray, occ_a: np.ndarray, hist_b: np.ndarray, occ_b: np.ndarray,
                   n_cues: int = N_CUES) -> np.ndarray:
    """(P, n_cues) float32 for aligned rows a[k] vs b[k]."""
    sims = part_similarity_rows(hist_a, hist_b)
    if n_cues <= N_PARTS:
        return np.ascontiguousarray(sims[:, :n_cues], dtype=np.float32)
    return np.concatenate([sims, np.maximum(occ_a, occ_b), np.minimum(occ_a, occ_b)], axis=-1).astype(np.float32)
