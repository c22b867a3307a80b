"""``PatchMatcher``: the library face of the Siamese CNN. Load shipped weights, describe patches,
score every pair of two sets in one batched call.

    from siamtrack import PatchMatcher
    m = PatchMatcher.load()
    a = m.describe(frame, boxes, prev_frame)
    b = m.describe(frame2, boxes2, prev_frame2)
    p = m.match_probability(a, b)   # (N, M) in [0, 1]
    f = m.match_features(a, b)      # (N, M, D): the F6 features
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from .atomic import atomic_path
from .cues import N_PARTS, pair_cues, pair_cues_rows
from .device import resolve_device
from .errors import InputError
from .histogram import part_histograms, part_similarity
from .network import METRIC_TOPOLOGIES, SiameseNet
from .occlusion import occlusion_cues
from .patches import FlowField, PatchSpec, crop_colour, crop_flow, network_input
from .timing import stage, suspended_timing

WEIGHTS_DIR = Path(__file__).with_name("weights")
# The pair verifier: best match_probability (occlusion-aware head); what PatchMatcher.load() gives.
DEFAULT_WEIGHTS = WEIGHTS_DIR / "matcher.pt"
# The matcher whose F6 features the shipped linker was trained on; the tracker's default.
TRACKING_WEIGHTS = WEIGHTS_DIR / "matcher_tracking.pt"


class ModelFileError(InputError):
    """A model file that cannot be loaded safely; the message names the file."""


@dataclass
class PatchDescriptors:
    """What ``describe`` returns: one row per box."""

    embeddings: torch.Tensor  # (N, D) branch embeddings (joint-input topology: normalised patches)
    hist: np.ndarray  # (N, parts, 128) hue-saturation histograms: whole box, then stripes
    boxes: np.ndarray  # (N, 4)
    occlusion: np.ndarray  # (N, parts) share hidden behind nearer boxes of the same frame
    # (N, D) the embeddings scaled to unit length (metric topologies), once per box: a track's
    # remembered rows are compared in every frame, and are not normalised again each time
    units: torch.Tensor | None = None

    def __len__(self) -> int:
        return len(self.boxes)

    def take(self, rows: np.ndarray | list[int]) -> PatchDescriptors:
        rows = np.asarray(rows, dtype=int)
        index = torch.as_tensor(rows)
        return PatchDescriptors(self.embeddings[index], self.hist[rows], self.boxes[rows], self.occlusion[rows],
                                None if self.units is None else self.units[index])

    def rows(self, start: int, stop: int) -> PatchDescriptors:
        """A contiguous slice (views, no copies): the cheap way to keep one row per track."""
        return PatchDescriptors(self.embeddings[start:stop], self.hist[start:stop], self.boxes[start:stop],
                                self.occlusion[start:stop], None if self.units is None else self.units[start:stop])

    @staticmethod
    def concat(parts: list[PatchDescriptors]) -> PatchDescriptors:
        units = None if any(p.units is None for p in parts) else torch.cat([p.units for p in parts])
        return PatchDescriptors(torch.cat([p.embeddings for p in parts]), np.concatenate([p.hist for p in parts]),
                                np.concatenate([p.boxes for p in parts]), np.concatenate([p.occlusion for p in parts]),
                                units)


@dataclass
class PairComparison:
    """``PatchMatcher.compare`` of N boxes against M boxes."""

    features: np.ndarray  # (N, M, D) float32 F6 features
    probability: np.ndarray  # (N, M) P(same person)
    part_similarity: np.ndarray  # (N, M, parts) histogram similarity: whole box, then stripes
    cosine: np.ndarray  # (N, M) cosine similarity of the branch embeddings


def _fingerprint(net: SiameseNet) -> str:
    """Short hash of the weights: lets a linker check it reads the features it was trained on."""
    digest = hashlib.sha256()
    for name, tensor in net.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


class PatchMatcher:
    """Describe and compare detection patches with a Siamese CNN.

    ``frozen``: the weights will not change any more (a loaded model), so the branch may be run
    in a faster folded form; a matcher being trained is not frozen and always runs ``net``.
    It leaves torch's and OpenCV's thread counts alone (they are process-wide): the ``siamtrack``
    command sets them, and a Python user may with ``siamtrack.tune_for_speed()``.
    """

    def __init__(self, net: SiameseNet, spec: PatchSpec, info: dict | None = None, frozen: bool = False,
                 device: str | torch.device = "cpu"):
        self.net = net.eval().to(memory_format=torch.channels_last)
        self.spec = spec
        self.info = info or {}
        self.fingerprint = _fingerprint(net)
        self._flow = FlowField(spec)
        folds = frozen and net.topology != "joint_input"
        self._folded_branch = net.branch.folded().to(memory_format=torch.channels_last) if folds else None
        # Only the branch (the convolutions, nearly all the work) runs on a GPU; its embeddings come
        # back to the CPU, where the rest of the tracker reads them. On the CPU nothing moves.
        self.device = torch.device(device)
        self._device_branch = None
        if self.device.type != "cpu" and net.topology != "joint_input":
            branch = self._folded_branch if self._folded_branch is not None else net.branch
            self._device_branch = copy.deepcopy(branch).to(self.device)

    @property
    def feature_dim(self) -> int:
        """Width of the F6 match features (the last axis of ``match_features`` and ``compare``)."""
        return self.net.head.f7.in_features

    # -- files ------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path | None = None, flow_width: int | None = None,
             device: str = "cpu") -> PatchMatcher:
        """Load weights saved by :meth:`save` (the shipped model when ``path`` is None).

        ``flow_width`` overrides the working width of the optical flow (speed vs detail);
        ``device``: cpu, cuda, cuda:N or auto (``device.py``).
        """
        where = resolve_device(device)
        path = Path(path) if path is not None else DEFAULT_WEIGHTS
        try:
            blob = torch.load(path, map_location="cpu", weights_only=True)
            net = SiameseNet(**blob["architecture"])
            net.load_state_dict(blob["state_dict"])
            spec = PatchSpec(**{**blob["patch_spec"], **({"flow_width": flow_width} if flow_width else {})})
        except FileNotFoundError:
            raise ModelFileError(f"{path}: model file not found") from None
        except Exception as exc:  # a tampered or foreign file: refuse it, say why
            raise ModelFileError(f"{path}: not a valid siamtrack matcher file ({exc.__class__.__name__}: "
                                 f"{str(exc).splitlines()[0][:200] if str(exc) else ''})") from None
        return cls(net, spec, blob.get("info", {}), frozen=True, device=where)

    def save(self, path: str | Path, architecture: dict) -> None:
        blob = {"architecture": architecture, "state_dict": self.net.state_dict(),
                "patch_spec": asdict(self.spec), "info": self.info}
        with atomic_path(path) as tmp:
            torch.save(blob, tmp)

    def warm_up(self, max_batch: int = 16) -> PatchMatcher:
        """Pay the first-call costs now, not on a video's first frame; returns the matcher.

        OpenCV builds its LUV tables on the first conversion (~60 ms), torch initialises on the
        first inference (~30 ms) and oneDNN prepares its convolutions once per batch size (~1.5 ms
        each): ~100 ms that would otherwise land on the first frames. Run on a synthetic frame;
        the flow's cache of the previous frame is cleared afterwards, so results do not change.
        """
        frame = np.zeros((2 * self.spec.height, 4 * self.spec.width, 3), dtype=np.uint8)
        boxes = np.array([[0.0, 0.0, self.spec.width, self.spec.height],
                          [self.spec.width, self.spec.height / 2, self.spec.width, self.spec.height]])
        with suspended_timing():
            described = self.describe(frame, boxes, frame.copy())
            self.compare(described, described)
            if self.net.topology != "joint_input":
                with torch.inference_mode():
                    for n in range(1, max_batch + 1):
                        self._embed(torch.zeros((n, self.net.in_channels, self.spec.height, self.spec.width))
                                    .contiguous(memory_format=torch.channels_last))
        self._flow.forget()
        return self

    # -- describing -------------------------------------------------------------------------
    def describe(self, frame: np.ndarray, boxes: np.ndarray, prev_frame: np.ndarray | None = None,
                 flow: tuple[np.ndarray | None, float] | None = None) -> PatchDescriptors:
        """Describe the boxes of one frame (HxWx3 uint8 BGR; boxes (N, 4) x, y, w, h).

        Pass all the boxes of the frame together: each descriptor records how much of its box
        is hidden behind the others. Flow from ``prev_frame`` is computed here once for all
        boxes, unless a caller that already has it passes ``flow`` (from ``FlowField.compute``).
        """
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        field, scale = None, 1.0
        if self.net.in_channels > 3 and len(boxes):
            with stage("flow"):
                field, scale = flow if flow is not None else self._flow.compute(prev_frame, frame)
        with stage("patches"):
            bgr = crop_colour(frame, boxes, self.spec)
            flows = crop_flow(field, scale, boxes, self.spec)
            occlusion = occlusion_cues(boxes) if self.net.n_cues > N_PARTS else None  # unused otherwise
        return self.describe_patches(bgr, flows, boxes, occlusion)

    def describe_patches(self, bgr: np.ndarray, flows: np.ndarray, boxes: np.ndarray | None = None,
                         occlusion: np.ndarray | None = None, batch: int = 512) -> PatchDescriptors:
        """Describe ready-cropped patches ((N, H, W, 3) uint8 BGR and (N, H, W, 2) flow).

        ``occlusion`` (from ``occlusion_cues`` on each frame's boxes) defaults to "unoccluded".
        """
        n = len(bgr)
        boxes = np.zeros((n, 4)) if boxes is None else boxes
        chunks = []
        with torch.inference_mode():
            for s in range(0, n, batch):
                with stage("patches"):
                    x = network_input(bgr[s:s + batch], flows[s:s + batch], self.net.in_channels,
                                      self.net.mean.numpy(), self.net.std.numpy())
                with stage("cnn"):
                    chunks.append(self._embed(x))
            embeddings = torch.cat(chunks) if chunks else torch.zeros((0, self.net.head.f5[0].in_features))
            units = (torch.nn.functional.normalize(embeddings, dim=-1) if self.net.topology in METRIC_TOPOLOGIES
                     else None)
        with stage("patches"):
            hist = part_histograms(bgr)
        if occlusion is None:
            occlusion = np.zeros(hist.shape[:2], dtype=np.float32)
        return PatchDescriptors(embeddings, hist, boxes, occlusion, units)

    def _embed(self, x: torch.Tensor) -> torch.Tensor:
        """The branch embedding of a normalised input batch (joint input: the batch itself)."""
        if self.net.topology == "joint_input":
            return x
        if self._device_branch is not None:
            return self._device_branch(x.to(self.device, non_blocking=True)).cpu()
        return (self.net.branch if self._folded_branch is None else self._folded_branch)(x)

    # -- pairs ------------------------------------------------------------------------------
    def _units(self, a: PatchDescriptors, b: PatchDescriptors) -> tuple[torch.Tensor, torch.Tensor] | None:
        """Unit-length branch embeddings of both sets (None for joint input, which has none)."""
        if self.net.topology == "joint_input":
            return None
        return tuple(d.units if d.units is not None else torch.nn.functional.normalize(d.embeddings, dim=-1)
                     for d in (a, b))

    def _pair_input(self, a: PatchDescriptors, b: PatchDescriptors, sims: np.ndarray | None = None,
                    units: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
        """(N, M, ...) head input of every pair, built from N + M rows, never N x M copies of them."""
        n, m = len(a), len(b)
        sims = part_similarity(a.hist, b.hist) if sims is None else sims
        cues = torch.from_numpy(pair_cues(sims, a.occlusion, b.occlusion, self.net.n_cues))
        if self.net.topology in METRIC_TOPOLOGIES:
            na, nb = units or self._units(a, b)
            return self.net.unit_pair_input(na[:, None].expand(n, m, -1), nb[None].expand(n, m, -1), cues)
        ea = a.embeddings[:, None].expand(n, m, *a.embeddings.shape[1:])
        eb = b.embeddings[None, :].expand(n, m, *b.embeddings.shape[1:])
        return self.net.pair_input(ea, eb, cues)

    def match_probability(self, a: PatchDescriptors, b: PatchDescriptors) -> np.ndarray:
        """(N, M) P(same person) for every box of ``a`` against every box of ``b``."""
        if len(a) == 0 or len(b) == 0:
            return np.zeros((len(a), len(b)))
        with torch.inference_mode():
            logits = self.net.head(self._pair_input(a, b))
            return torch.softmax(logits, dim=-1)[..., 1].double().numpy()

    def match_features(self, a: PatchDescriptors, b: PatchDescriptors) -> np.ndarray:
        """(N, M, D) F6 features of every pair: the raw patch-matching signal for the linker."""
        dim = self.feature_dim
        if len(a) == 0 or len(b) == 0:
            return np.zeros((len(a), len(b), dim), dtype=np.float32)
        with torch.inference_mode():
            return self.net.head.features(self._pair_input(a, b)).numpy()

    def compare(self, a: PatchDescriptors, b: PatchDescriptors) -> PairComparison:
        """Everything the linker reads about every pair, from one pass through the head."""
        n, m, dim = len(a), len(b), self.feature_dim
        if n == 0 or m == 0:
            return PairComparison(np.zeros((n, m, dim), dtype=np.float32), np.zeros((n, m)),
                                  np.zeros((n, m, a.hist.shape[1])), np.zeros((n, m)))
        sims = part_similarity(a.hist, b.hist)
        with torch.inference_mode():
            units = self._units(a, b)
            features = self.net.head.features(self._pair_input(a, b, sims, units))
            prob = torch.softmax(self.net.head.f7(features), dim=-1)[..., 1].double().numpy()
            cosine = (units[0] @ units[1].T).double().numpy() if units else np.zeros((n, m))
        return PairComparison(features.numpy(), prob, sims, cosine)

    def embedding_similarity(self, a: PatchDescriptors, b: PatchDescriptors) -> np.ndarray:
        """(N, M) cosine similarity of the branch embeddings: the CNN alone, no histogram."""
        units = self._units(a, b)
        if units is None or len(a) == 0 or len(b) == 0:
            return np.zeros((len(a), len(b)))
        return (units[0] @ units[1].T).double().numpy()

    def pair_probability(self, d: PatchDescriptors, i: np.ndarray, j: np.ndarray, batch: int = 8192) -> np.ndarray:
        """P(same) for aligned pairs (d[i[k]], d[j[k]]): what the evaluation protocol needs."""
        out = []
        with torch.inference_mode():
            for s in range(0, len(i), batch):
                ii, jj = i[s:s + batch], j[s:s + batch]
                cues = pair_cues_rows(d.hist[ii], d.occlusion[ii], d.hist[jj], d.occlusion[jj], self.net.n_cues)
                logits = self.net.pair_logits(d.embeddings[torch.as_tensor(ii)], d.embeddings[torch.as_tensor(jj)],
                                              torch.from_numpy(cues))
                out.append(torch.softmax(logits, dim=-1)[:, 1].double().numpy())
        return np.concatenate(out) if out else np.zeros(0)
