"""The Siamese CNN: weight-sharing branches, a pair head whose F6 layer is the match feature.

Topologies (the paper's three, plus a triplet variant), chosen by ``topology``:

* ``cost_function`` — two weight-sharing branches trained with the contrastive loss on their
  L2-normalised outputs; a pair head (F5-F7, softmax) over symmetric pair features.
* ``triplet`` — the same branches trained with a triplet loss, same head.
* ``in_network`` — branch outputs concatenated and classified by the head alone (softmax loss).
* ``joint_input`` — the two patches stacked as one 10-channel input to a single CNN.

The head also takes ``cues``: extra per-pair numbers (the colour-histogram similarity), because
with few training identities the fusion, not the CNN alone, is where accuracy comes from.
"""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F
from torch import nn

TOPOLOGIES = ("cost_function", "triplet", "in_network", "joint_input")
# the head compares unit-length embeddings: |a - b|, a * b and their cosine
METRIC_TOPOLOGIES = ("cost_function", "triplet")


def _conv_block(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.PReLU(c_out),
                         nn.MaxPool2d(2))


class HalvingMaxPool(nn.Module):
    """``MaxPool2d(2)`` for channels-last activations, as two element-wise maxima of strided views.

    Exactly the same values (a maximum does not round). On the branch's first layer (6 patches x
    16 channels x 64 x 32) torch's pooling kernel takes ~2.5x as long. Any other input (odd sides,
    another memory layout) goes to the usual kernel.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        if h % 2 or w % 2 or not x.is_contiguous(memory_format=torch.channels_last):
            return F.max_pool2d(x, 2)
        pixels = x.permute(0, 2, 3, 1).view(n, h // 2, 2, w // 2, 2, c)  # NHWC memory, no copy
        rows = torch.maximum(pixels[:, :, 0], pixels[:, :, 1])
        return torch.maximum(rows[:, :, :, 0], rows[:, :, :, 1]).permute(0, 3, 1, 2)


class Branch(nn.Module):
    """Three conv layers with PReLU and max-pooling, part pooling (upper/lower body), F4."""

    def __init__(self, in_channels: int, width: int, embed_dim: int, parts: int = 2):
        super().__init__()
        self.convs = nn.Sequential(_conv_block(in_channels, width), _conv_block(width, 2 * width),
                                   _conv_block(2 * width, 4 * width))
        self.pool = nn.AdaptiveAvgPool2d((parts, 1))
        self.f4 = nn.Linear(4 * width * parts, embed_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.f4(self.pool(self.convs(x)).flatten(1))

    def folded(self) -> nn.Sequential:
        """An inference-only copy with each BatchNorm folded into the conv before it.

        Same outputs up to float rounding, two fewer passes over every activation: worth
        0.3 ms per frame on the tracker's few patches. A PReLU whose slopes are all non-negative
        is monotone, so it commutes with the max-pooling after it and runs on a quarter of the
        values (exactly the same outputs); the pooling itself is ``HalvingMaxPool``. Frozen: later
        weight changes do not reach it.
        """
        layers: list[nn.Module] = []
        with torch.no_grad():
            for conv, bn, prelu, pool in self.convs:
                scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
                fused = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, padding=conv.padding)
                fused.weight.copy_(conv.weight * scale[:, None, None, None])
                fused.bias.copy_(bn.bias - bn.running_mean * scale)
                monotone = bool((prelu.weight >= 0).all())
                plain_halving = (pool.kernel_size, pool.stride, pool.padding, pool.dilation, pool.ceil_mode) == (
                    2, 2, 0, 1, False)
                halving = HalvingMaxPool() if plain_halving else copy.deepcopy(pool)
                pair = [halving, copy.deepcopy(prelu)] if monotone else [copy.deepcopy(prelu), halving]
                layers += [fused, *pair]
        return nn.Sequential(*layers, copy.deepcopy(self.pool), nn.Flatten(1), copy.deepcopy(self.f4)).eval()


class PairHead(nn.Module):
    """F5 -> F6 (the match feature) -> F7 -> 2-way softmax (no match, match)."""

    def __init__(self, in_features: int, hidden: int, feature_dim: int):
        super().__init__()
        self.f5 = nn.Sequential(nn.Linear(in_features, hidden), nn.PReLU(hidden))
        self.f6 = nn.Sequential(nn.Linear(hidden, feature_dim), nn.PReLU(feature_dim))
        self.f7 = nn.Linear(feature_dim, 2)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        # PReLU reads dim 1 as channels: run on (pairs, features) rows, whatever the leading shape.
        # The layers' own functions, called directly: the tracker runs this every frame on a few
        # hundred rows, where the four module calls' dispatch cost as much as a third of the maths.
        (linear5, prelu5), (linear6, prelu6) = self.f5, self.f6
        hidden = F.prelu(F.linear(x.reshape(-1, x.shape[-1]), linear5.weight, linear5.bias), prelu5.weight)
        return F.prelu(F.linear(hidden, linear6.weight, linear6.bias), prelu6.weight).reshape(*x.shape[:-1], -1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.f7(self.features(x))


class SiameseNet(nn.Module):
    def __init__(self, topology: str = "cost_function", in_channels: int = 5, width: int = 32,
                 embed_dim: int = 128, head_hidden: int = 64, feature_dim: int = 32, n_cues: int = 5):
        super().__init__()
        if topology not in TOPOLOGIES:
            raise ValueError(f"unknown topology {topology!r}; choose one of {', '.join(TOPOLOGIES)}")
        self.topology = topology
        self.in_channels = in_channels
        self.n_cues = n_cues
        self.register_buffer("mean", torch.zeros(in_channels))
        self.register_buffer("std", torch.ones(in_channels))
        joint = topology == "joint_input"
        self.branch = Branch(2 * in_channels if joint else in_channels, width, embed_dim)
        pair_in = embed_dim if joint else (2 * embed_dim + 1)
        self.head = PairHead(pair_in + n_cues, head_hidden, feature_dim)

    def normalise(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean[:, None, None]) / self.std[:, None, None]

    def embed(self, patches: torch.Tensor) -> torch.Tensor:
        """Per-patch representation: the branch embedding, or the normalised patch for joint input."""
        x = self.normalise(patches)
        return x if self.topology == "joint_input" else self.branch(x)

    def pair_input(self, ea: torch.Tensor, eb: torch.Tensor, cues: torch.Tensor) -> torch.Tensor:
        """Head input for aligned rows of ``ea`` and ``eb`` (any leading shape)."""
        if self.topology in METRIC_TOPOLOGIES:
            return self.unit_pair_input(F.normalize(ea, dim=-1), F.normalize(eb, dim=-1), cues)
        if self.topology == "joint_input":
            lead = ea.shape[:-3]
            stacked = torch.cat([ea, eb], dim=-3).reshape(-1, 2 * ea.shape[-3], *ea.shape[-2:])
            base = self.branch(stacked).reshape(*lead, -1)
        else:  # in_network
            base = torch.cat([ea, eb, (ea * eb).sum(-1, keepdim=True)], dim=-1)
        return torch.cat([base, cues.to(base.dtype)], dim=-1)

    @staticmethod
    def unit_pair_input(na: torch.Tensor, nb: torch.Tensor, cues: torch.Tensor) -> torch.Tensor:
        """The metric topologies' head input from unit-length embeddings: a caller comparing N
        boxes with M normalises N + M rows once, not N x M expanded ones."""
        product = na * nb
        return torch.cat([(na - nb).abs(), product, product.sum(-1, keepdim=True), cues.to(na.dtype)], dim=-1)

    def pair_logits(self, ea: torch.Tensor, eb: torch.Tensor, cues: torch.Tensor) -> torch.Tensor:
        return self.head(self.pair_input(ea, eb, cues))
