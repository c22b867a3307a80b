"""Losses of the Siamese branches. Pure functions of tensors, so they test on hand-made numbers."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def squared_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Row-wise squared L2 distance of the L2-normalised vectors (0 = same direction, 4 = opposite)."""
    return (F.normalize(a, dim=-1) - F.normalize(b, dim=-1)).pow(2).sum(dim=-1)


def contrastive_loss(a: torch.Tensor, b: torch.Tensor, same: torch.Tensor, margin: float) -> torch.Tensor:
    """E = 1/(2N) sum[y d + (1 - y) max(margin - d, 0)], d the squared distance (Hadsell et al. 2006).

    ``same`` is 1 for a matching pair. The paper's form: d itself (not its square root) is pulled
    to 0 for matches and pushed beyond the margin for non-matches.
    """
    d = squared_distance(a, b)
    y = same.to(d.dtype)
    return (y * d + (1 - y) * torch.clamp(margin - d, min=0)).sum() / (2 * len(d))


def triplet_loss(anchor: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor, margin: float) -> torch.Tensor:
    """FaceNet-style: mean max(d(a, p) - d(a, n) + margin, 0) on L2-normalised embeddings."""
    return torch.clamp(squared_distance(anchor, positive) - squared_distance(anchor, negative) + margin, min=0).mean()
