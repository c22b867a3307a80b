"""Patch banks for training and validation: every usable gt box of a sequence cropped once.

Crops are cached in memory as uint8 BGR plus float16 flow, so a training step only samples,
augments and normalises; nothing is decoded twice.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from siamtrack.tracker.io.mot import read_ground_truth, read_seqinfo

from ..histogram import part_histograms
from ..occlusion import occlusion_cues
from ..patches import FlowField, PatchSpec, crop_colour, crop_flow

# MOT16/17 gt rows that show a person we should learn from: class 1 (pedestrian), conf 1.
_PEDESTRIAN = 1


@dataclass
class PatchBank:
    bgr: np.ndarray  # (N, H, W, 3) uint8
    flow: np.ndarray  # (N, H, W, 2) float16
    ids: np.ndarray  # (N,) int identity, unique across the bank
    frames: np.ndarray  # (N,) int, 0 for still images
    source: np.ndarray  # (N,) int: index into ``sources``
    boxes: np.ndarray  # (N, 4)
    hist: np.ndarray = field(init=False)  # (N, parts, 128) H-S histograms: whole box, then stripes
    sources: list[str] = field(default_factory=list)
    frame_rates: list[float] = field(default_factory=list)
    occlusion: np.ndarray | None = None  # (N, parts) hidden share (see occlusion.py); None: none

    def __post_init__(self) -> None:
        self.hist = part_histograms(self.bgr)
        if self.occlusion is None:
            self.occlusion = np.zeros(self.hist.shape[:2], dtype=np.float32)

    def __len__(self) -> int:
        return len(self.ids)


def concat_banks(banks: list[PatchBank]) -> PatchBank:
    """Join banks; identities and source indices are offset so they stay distinct."""
    id_offset, source_offset, parts = 0, 0, []
    sources: list[str] = []
    rates: list[float] = []
    for bank in banks:
        parts.append((bank, id_offset, source_offset))
        id_offset += int(bank.ids.max()) + 1 if len(bank) else 0
        source_offset += len(bank.sources)
        sources += bank.sources
        rates += bank.frame_rates
    return PatchBank(
        np.concatenate([b.bgr for b, _, _ in parts]), np.concatenate([b.flow for b, _, _ in parts]),
        np.concatenate([b.ids + o for b, o, _ in parts]), np.concatenate([b.frames for b, _, _ in parts]),
        np.concatenate([b.source + s for b, _, s in parts]), np.concatenate([b.boxes for b, _, _ in parts]),
        sources, rates, np.concatenate([b.occlusion for b, _, _ in parts]))


def usable_gt(seq_dir: Path, min_visibility: float):
    """gt rows a matcher should learn from: evaluated pedestrians, visible enough to see; and all
    evaluated pedestrians (the boxes a detector would report, which may hide one another)."""
    gt = read_ground_truth(seq_dir / "gt" / "gt.txt")
    people = (gt.scores != 0) & (gt.classes == _PEDESTRIAN)
    return gt, people & (gt.visibility >= min_visibility), people


def mot_bank(seq_dir: Path, spec: PatchSpec, frames: set[int] | None = None, jitter: float = 0.0,
             min_visibility: float = 0.3, seed: int = 0) -> PatchBank:
    """Crop the gt boxes of a sequence (optionally only ``frames``), with flow from the frame before.

    ``jitter`` moves and rescales each box by up to that fraction of its size, the way detector
    boxes differ from annotations.
    """
    info = read_seqinfo(seq_dir)
    gt, keep, people = usable_gt(seq_dir, min_visibility)
    rng = np.random.default_rng(seed)
    flow_field = FlowField(spec)
    wanted = set(range(1, info.length + 1)) if frames is None else set(frames)
    bgr, flows, ids, frame_idx, boxes, occlusion = [], [], [], [], [], []
    prev = None
    image_dir = seq_dir / info.image_dir
    for frame in range(1, info.length + 1):
        need_now = frame in wanted
        if not need_now and frame + 1 not in wanted:
            prev = None
            continue
        image = cv2.imread(str(image_dir / f"{frame:06d}{info.image_ext}"))
        rows = gt.rows(frame)
        sel = keep[rows]
        if need_now and sel.any() and image is not None:
            b = gt.boxes[rows][sel].copy()
            occlusion.append(occlusion_cues(gt.boxes[rows][people[rows]])[sel[people[rows]]])
            if jitter > 0:
                b[:, :2] += rng.uniform(-jitter, jitter, (len(b), 2)) * b[:, 2:]
                b[:, 2:] *= np.exp(rng.uniform(-jitter, jitter, (len(b), 2)))
            flow, scale = flow_field.compute(prev, image)
            bgr.append(crop_colour(image, b, spec))
            flows.append(crop_flow(flow, scale, b, spec).astype(np.float16))
            ids.append(gt.ids[rows][sel])
            frame_idx.append(np.full(len(b), frame))
            boxes.append(b)
        prev = image
    return PatchBank(np.concatenate(bgr), np.concatenate(flows), _dense_ids(np.concatenate(ids)),
                     np.concatenate(frame_idx), np.zeros(sum(len(i) for i in ids), dtype=int),
                     np.concatenate(boxes), [info.name], [info.frame_rate], np.concatenate(occlusion))


def _dense_ids(ids: np.ndarray) -> np.ndarray:
    return np.unique(ids, return_inverse=True)[1].astype(int)


def reid_bank(dataset_dir: Path, spec: PatchSpec, limit: int | None = None) -> PatchBank:
    """Still re-ID crops (no flow): each image is taken as a whole box with its own margin."""
    with open(dataset_dir / "labels.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows = rows[:limit] if limit else rows
    bgr = np.empty((len(rows), spec.height, spec.width, 3), dtype=np.uint8)
    ids = []
    for i, row in enumerate(rows):
        image = cv2.imread(str(dataset_dir / row["path"]))
        bgr[i] = cv2.resize(image, (spec.width, spec.height), interpolation=cv2.INTER_AREA)
        ids.append(row["identity"])
    n = len(rows)
    return PatchBank(bgr, np.zeros((n, spec.height, spec.width, 2), np.float16), _dense_ids(np.array(ids)),
                     np.zeros(n, dtype=int), np.zeros(n, dtype=int), np.zeros((n, 4)),
                     [f"reid:{dataset_dir.name}"], [0.0])
