"""A sequence's perception on disk, computed once and read by any process: ``siamtrack tune``'s trials
(in this process, on workers or on Ray) and the leave-one-out protocol's searches.

Format (documented so other tools can read it): one ``.npz`` per sequence and key, no pickle
(``np.load(allow_pickle=False)``), arrays:
- ``frames`` (F,) frame numbers with a perception, ``offsets`` (F+1,) each frame's row range;
- ``boxes`` (N, 4) x, y, w, h; ``scores`` (N,) calibrated, all >= the floor;
- with a learned scorer: ``embeddings`` (N, D) float32, ``units`` (N, D) or absent, ``hist``
  (N, parts, 128), ``occlusion`` (N, parts);
- ``camera`` (F, 2, 3) the camera motion since the frame before, ``camera_known`` (F,) bool;
- ``meta``: JSON text with the format version, the key and what made it.

The key hashes everything the perception depends on: the frames' list (names, sizes, mtimes),
seqinfo.ini, the detection file's bytes, the calibration, the floor, the scorer, the matcher's
weights file and flow width, camera motion on or off. A file is written under a temporary name
and renamed into place, so readers (several workers at once) see a whole file or none.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np
import torch

from siamtrack.configs import Config
from siamtrack.siamese_cnn import TRACKING_WEIGHTS
from siamtrack.siamese_cnn.atomic import atomic_path
from siamtrack.siamese_cnn.matcher import PatchDescriptors
from siamtrack.tracker.io.mot import read_seqinfo

from .perception import FramePerception, SequencePerception, perceive, replay
from .sequence import SequenceRun

FORMAT = 1


def default_cache_dir() -> Path:
    """``$SIAMTRACK_CACHE`` or ``$XDG_CACHE_HOME/siamtrack`` (``~/.cache/siamtrack``), ``perception/`` in it."""
    root = os.environ.get("SIAMTRACK_CACHE") or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / \
        "siamtrack"
    return Path(root) / "perception"


def _file_digest(path: Path) -> str:
    stat = path.stat()
    return _digest_of(str(path), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _digest_of(path: str, size: int, mtime_ns: int) -> str:
    """A file's sha256, computed once per version of it: every key of a run hashes the same matcher."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def perception_key(seq_dir: Path, config: Config, floor: float,
                   calibrations: dict[str, tuple[float, float]] | None) -> str:
    seq_dir = Path(seq_dir)
    info = read_seqinfo(seq_dir)
    image_dir = seq_dir / info.image_dir
    frames = [(p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(image_dir.iterdir())] \
        if image_dir.is_dir() else []
    learned = config.scorer == "learned"
    weights = Path(config.matcher.weights) if config.matcher.weights else TRACKING_WEIGHTS
    parts = {
        "format": FORMAT, "frames": frames, "seqinfo": (seq_dir / "seqinfo.ini").read_text(),
        "detections": _file_digest(seq_dir / config.detections.file), "score_source": config.detections.score_source,
        "calibrations": sorted((calibrations or {}).items()), "floor": float(floor), "scorer": config.scorer,
        "matcher": _file_digest(weights) if learned else None,
        "flow_width": config.matcher.flow_width if learned else None,
        "camera_motion": config.tracker.camera_motion,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:32]


def save_perception(perception: SequencePerception, path: Path, key: str) -> None:
    frames = sorted(perception.frames)
    cached = [perception.frames[f] for f in frames]
    counts = [len(c.boxes) for c in cached]
    arrays: dict[str, np.ndarray] = {
        "frames": np.asarray(frames, np.int64), "offsets": np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        "boxes": np.concatenate([c.boxes for c in cached] or [np.zeros((0, 4))]).astype(np.float64),
        "scores": np.concatenate([c.scores for c in cached] or [np.zeros(0)]).astype(np.float64),
        "camera": np.stack([c.camera if c.camera is not None else np.zeros((2, 3)) for c in cached])
        if cached else np.zeros((0, 2, 3)),
        "camera_known": np.asarray([c.camera is not None for c in cached], bool),
    }
    described = [c.appearance for c in cached if c.appearance is not None]
    if described:
        first = described[0]
        empty = PatchDescriptors(first.embeddings[:0], first.hist[:0], first.boxes[:0], first.occlusion[:0],
                                 None if first.units is None else first.units[:0])
        joined = PatchDescriptors.concat([c.appearance if c.appearance is not None else empty for c in cached])
        arrays.update(embeddings=joined.embeddings.numpy(), hist=joined.hist, occlusion=joined.occlusion)
        if joined.units is not None:
            arrays["units"] = joined.units.numpy()
    meta = {"format": FORMAT, "key": key, "sequence": perception.info.name, "floor": perception.floor,
            "dropped": perception.dropped}
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            np.savez(handle, meta=np.asarray(json.dumps(meta)), **arrays)


def load_perception(path: Path, key: str | None, seq_dir: Path) -> SequencePerception | None:
    """The stored perception, or None when there is none for this key (or the file is unreadable);
    ``key`` None: whatever key the file was written for (a file this run has just checked)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != FORMAT or key is not None and meta.get("key") != key:
                return None
            arrays = {name: data[name] for name in data.files}
    except (OSError, ValueError, KeyError, json.JSONDecodeError):
        return None
    described = "embeddings" in arrays
    if described:
        units = torch.from_numpy(arrays["units"]) if "units" in arrays else None
        everything = PatchDescriptors(torch.from_numpy(arrays["embeddings"]), arrays["hist"], arrays["boxes"],
                                      arrays["occlusion"], units)
    frames: dict[int, FramePerception] = {}
    offsets = arrays["offsets"]
    for i, frame in enumerate(arrays["frames"].tolist()):
        lo, hi = int(offsets[i]), int(offsets[i + 1])
        appearance = everything.rows(lo, hi) if described and hi > lo else None
        camera = arrays["camera"][i] if arrays["camera_known"][i] else None
        frames[frame] = FramePerception(arrays["boxes"][lo:hi], arrays["scores"][lo:hi], appearance, camera)
    return SequencePerception(Path(seq_dir), read_seqinfo(seq_dir), float(meta["floor"]), frames,
                              int(meta.get("dropped", 0)))


def cached_perceive(seq_dir: Path, config: Config, floor: float,
                    calibrations: dict[str, tuple[float, float]] | None = None,
                    cache_dir: Path | None = None) -> tuple[SequencePerception, Path | None]:
    """``perceive``, read from ``cache_dir`` when it holds this sequence's perception for this key,
    else computed and stored there; ``cache_dir`` None: computed, not stored. Also the file."""
    if cache_dir is None:
        return perceive(seq_dir, config, floor, calibrations), None
    key = perception_key(seq_dir, config, floor, calibrations)
    path = Path(cache_dir) / f"{read_seqinfo(seq_dir).name}-{key}.npz"
    stored = load_perception(path, key, seq_dir) if path.is_file() else None
    if stored is not None:
        return stored, path
    perception = perceive(seq_dir, config, floor, calibrations)
    save_perception(perception, path, key)
    return perception, path


def track_cached(seq_dir: Path, det_path: Path, config: Config, cache_dir: Path) -> SequenceRun:
    """``track_sequence`` through the perception cache: the same rows (a perception kept from floor
    0 replays to exactly the direct run's, camera motion included; a test checks it), and a second
    evaluation of the sequence costs only the linking. Online mode only."""
    seq_dir = Path(seq_dir)
    info = read_seqinfo(seq_dir)
    # absolute: perceive reads it as seq_dir / file, which would repeat a relative seq_dir
    config = dataclasses.replace(config, detections=dataclasses.replace(config.detections,
                                                                        file=str(Path(det_path).absolute())))
    start = time.perf_counter()
    perception, _ = cached_perceive(seq_dir, config, 0.0, None, cache_dir)
    rows = replay(perception, config)
    without_camera = config.tracker.camera_motion and not (seq_dir / info.image_dir).is_dir()
    return SequenceRun(info, rows, time.perf_counter() - start, info.length, perception.dropped, without_camera)
