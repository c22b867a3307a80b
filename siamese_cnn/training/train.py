"""Training of the Siamese matcher: sample triplets, augment, metric loss + pair softmax.

Early stopping watches the pair ROC AUC on a temporal hold-out (the last 20% of the frames of
each training sequence), so the validation sequences stay untouched for the figures we quote.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel
from tqdm import tqdm

from siamtrack.tracker.io.mot import read_seqinfo

from ..cues import N_CUES, N_PARTS, pair_cues_rows
from ..device import resolve_device
from ..errors import InputError
from ..histogram import part_similarity_rows
from ..matcher import PatchMatcher
from ..network import SiameseNet
from ..patches import PatchSpec, network_input
from .augment import AugmentSpec, augment_batch
from .data import PatchBank, concat_banks, mot_bank, reid_bank
from .distributed import Ranks, all_mean, average_buffers, from_main
from .losses import contrastive_loss, triplet_loss
from .pair_evaluation import all_pairs, protocol_bank, report
from .sampling import TripletSampler


@dataclass(frozen=True)
class MatcherTrainConfig:
    """The ``matcher_training`` section of ``configs/training.yaml``: the recipe of a matcher.

    No defaults here: the YAML file is where they are written (with why), and loading it checks
    it against these types.
    """

    topology: str  # cost_function | triplet | in_network | joint_input
    use_flow: bool  # LUV + optical flow (5 channels) or LUV only
    use_occlusion: bool  # the head also sees how much of each box is hidden (cues.py)
    width: int
    embed_dim: int
    feature_dim: int
    margin: float  # contrastive tau / triplet margin, on squared distances of unit vectors (0..4)
    metric_weight: float
    batch: int  # triplets per step
    steps_per_epoch: int
    max_epochs: int
    max_minutes: float
    patience: int
    lr: float
    weight_decay: float
    max_gap_seconds: float
    hard_fraction: float
    min_visibility: float  # gt boxes less visible than this are left out of training
    jitter: float
    holdout_fraction: float
    reid: list[str]  # re-ID dataset folders to add (still crops)
    seed: int
    patch: PatchSpec
    augment: AugmentSpec


def _to_tensor(bank: PatchBank, rows: np.ndarray, channels: int) -> torch.Tensor:
    return network_input(bank.bgr[rows], bank.flow[rows], channels)


def _channel_stats(bank: PatchBank, channels: int, rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    rows = rng.choice(len(bank), size=min(len(bank), 2000), replace=False)
    x = _to_tensor(bank, rows, channels)
    return x.mean(dim=(0, 2, 3)), x.std(dim=(0, 2, 3)).clamp(min=1e-3)


def build_training_banks(data_dir: Path, train_seqs: list[str], cfg: MatcherTrainConfig, spec: PatchSpec,
                         reid_root: Path | None, with_holdout: bool = True) -> tuple[PatchBank, PatchBank | None]:
    """(training bank with jittered boxes, hold-out protocol bank) from the training sequences;
    ``with_holdout`` False: no hold-out (a DDP rank other than the main one never evaluates)."""
    train_parts, holdout_dirs = [], []
    for name in train_seqs:
        seq_dir = data_dir / name
        length = read_seqinfo(seq_dir).length
        cut = int(length * (1 - cfg.holdout_fraction))
        train_parts.append(mot_bank(seq_dir, spec, frames=set(range(1, cut + 1)), jitter=cfg.jitter,
                                    min_visibility=cfg.min_visibility, seed=cfg.seed))
        holdout_dirs.append(seq_dir)
    for name in cfg.reid:
        root = reid_root / name if reid_root is not None else Path(name)
        train_parts.append(reid_bank(root, spec))
    holdout = protocol_bank(holdout_dirs, spec, step=5, frame_range=(1 - cfg.holdout_fraction, 1.0)) \
        if with_holdout else None
    return concat_banks(train_parts), holdout


def architecture_of(cfg: MatcherTrainConfig) -> dict:
    return {"topology": cfg.topology, "in_channels": 5 if cfg.use_flow else 3, "width": cfg.width,
            "embed_dim": cfg.embed_dim, "feature_dim": cfg.feature_dim,
            "n_cues": N_CUES if cfg.use_occlusion else N_PARTS}


def evaluate_matcher(matcher: PatchMatcher, bank: PatchBank, step: int = 10) -> dict[str, dict[str, float]]:
    """Protocol report for the matcher's probability, the CNN alone and the histogram baseline."""
    pairs = all_pairs(bank, step=step)
    d = matcher.describe_patches(bank.bgr, bank.flow.astype(np.float32), bank.boxes, bank.occlusion)
    prob = matcher.pair_probability(d, pairs.i, pairs.j)
    parts = part_similarity_rows(bank.hist[pairs.i], bank.hist[pairs.j])
    out = {"matcher": report(prob, pairs), "histogram": report(parts[:, 0], pairs),
           "stripe_histograms": report(parts.mean(1), pairs)}
    if matcher.net.topology != "joint_input":
        e = F.normalize(d.embeddings, dim=-1)
        cnn = (e[torch.as_tensor(pairs.i)] * e[torch.as_tensor(pairs.j)]).sum(1).double().numpy()
        out["cnn_alone"] = report(cnn, pairs)
    return out


class _PairLoss(torch.nn.Module):
    """One training step's loss as a module's forward, so DDP sees (and averages) every gradient."""

    def __init__(self, net: SiameseNet, cfg: MatcherTrainConfig, batch: int):
        super().__init__()
        self.net, self.cfg, self.batch = net, cfg, batch

    def forward(self, x: torch.Tensor, cues: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        emb = self.net.embed(x)
        ea, ep, en = emb.split(self.batch)
        left, right = torch.cat([ea, ea]), torch.cat([ep, en])
        loss = F.cross_entropy(self.net.pair_logits(left, right, cues), target)
        if self.cfg.topology == "cost_function":
            loss = loss + self.cfg.metric_weight * contrastive_loss(left, right, target, self.cfg.margin)
        elif self.cfg.topology == "triplet":
            loss = loss + self.cfg.metric_weight * triplet_loss(ea, ep, en, self.cfg.margin)
        return loss


def train_matcher(train: PatchBank, holdout: PatchBank | None, cfg: MatcherTrainConfig, spec: PatchSpec,
                  log=None, progress: bool = True, device: str = "cpu", ranks: Ranks | None = None
                  ) -> tuple[PatchMatcher, list[dict]]:
    """``device``: where the training steps run (cpu, cuda, cuda:N, auto); the hold-out evaluation
    and the returned matcher are on the CPU, where the tracker runs it (or moves it).

    ``ranks``: one of several processes of a DDP run (``distributed.py``, in a process group
    already). Each rank takes ``cfg.batch / world`` triplets a step with its own sampling and
    augmentation streams (rank 0 keeps the one-process streams, so one rank trains the same bytes
    as before); the main rank's hold-out metrics decide for all when to stop."""
    ranks = ranks or Ranks()
    log = log or (lambda message: print(message, flush=True))
    if not ranks.main:
        log = lambda message: None  # noqa: E731 - one rank speaks
    if cfg.batch % ranks.world:
        raise InputError(f"matcher_training.batch {cfg.batch} does not split over {ranks.world} processes")
    batch = cfg.batch // ranks.world
    where = resolve_device(ranks.device(device))
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    arch = architecture_of(cfg)
    channels = arch["in_channels"]
    net = SiameseNet(**arch)
    net.mean, net.std = _channel_stats(train, channels, rng)
    matcher = PatchMatcher(net, spec)
    net.to(where)
    sampler_seed: int | list[int] = cfg.seed if ranks.main else [cfg.seed, ranks.rank]
    if not ranks.main:
        rng = np.random.default_rng([cfg.seed, ranks.rank, 1])
    sampler = TripletSampler(train, cfg.max_gap_seconds, cfg.hard_fraction, sampler_seed)
    aug = cfg.augment
    step_loss: torch.nn.Module = _PairLoss(net, cfg, batch)
    if ranks.world > 1:
        step_loss = DistributedDataParallel(step_loss, device_ids=[where.index] if where.type == "cuda" else None)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.max_epochs * cfg.steps_per_epoch)
    best_auc, best_state, bad_epochs, history = -1.0, None, 0, []
    start = time.monotonic()
    for epoch in range(1, cfg.max_epochs + 1):
        net.train()
        losses = []
        bar = tqdm(range(cfg.steps_per_epoch), desc=f"epoch {epoch}", disable=not progress or not ranks.main,
                   file=sys.stderr, leave=False)
        for _ in bar:
            a, p, n = sampler.sample(batch)
            rows = np.concatenate([a, p, n])
            x = augment_batch(_to_tensor(train, rows, 5), aug, rng)[:, :channels].to(where)
            left_rows, right_rows = np.r_[a, a], np.r_[p, n]
            cues = torch.from_numpy(pair_cues_rows(train.hist[left_rows], train.occlusion[left_rows],
                                                   train.hist[right_rows], train.occlusion[right_rows], net.n_cues)
                                    ).to(where)
            target = torch.cat([torch.ones(batch), torch.zeros(batch)]).long().to(where)
            loss = step_loss(x, cues, target)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            losses.append(float(loss.detach()))
            bar.set_postfix(loss=f"{np.mean(losses[-20:]):.3f}")
        epoch_loss = all_mean(float(np.mean(losses)), ranks)
        average_buffers(net, ranks)
        net.eval().to("cpu")  # evaluated as the tracker runs it; the optimiser's state stays where it is
        measured = [-1.0, 0.0, 1.0]
        if ranks.main:
            metrics = evaluate_matcher(matcher, holdout, step=5)["matcher"]
            measured = [metrics["auc"], metrics["accuracy"], metrics["eer"]]
        auc, accuracy, eer = from_main(measured, ranks)
        net.to(where)
        entry = {"epoch": epoch, "loss": epoch_loss, "holdout_auc": auc, "holdout_accuracy": accuracy,
                 "holdout_eer": eer, "minutes": (time.monotonic() - start) / 60}
        history.append(entry)
        log(f"epoch {epoch:2d}  loss {entry['loss']:.4f}  hold-out AUC {auc:.4f}  "
            f"acc {accuracy:.4f}  EER {eer:.4f}  ({entry['minutes']:.1f} min)")
        if auc > best_auc:
            best_auc, bad_epochs = auc, 0
            best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
        else:
            bad_epochs += 1
        stop = from_main([float(bad_epochs >= cfg.patience or entry["minutes"] >= cfg.max_minutes)], ranks)[0]
        if stop:
            log(f"stopping after epoch {epoch} (best hold-out AUC {best_auc:.4f})")
            break
    net.to("cpu")
    net.load_state_dict(best_state)
    net.eval()
    matcher.info = {"config": json.loads(json.dumps(asdict(cfg))), "history": history, "holdout_auc": best_auc}
    return matcher, history
