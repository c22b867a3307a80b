"""MOTChallenge files: seqinfo.ini, detection/gt/result text files.

Every reader validates as it goes and raises :class:`InputError` naming the file, the line and
the problem, so a user's typo never surfaces as a numpy traceback.
"""

from __future__ import annotations

import configparser
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from siamtrack.siamese_cnn.atomic import atomic_write
from siamtrack.siamese_cnn.errors import InputError

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")


@dataclass(frozen=True)
class SeqInfo:
    name: str
    frame_rate: float
    length: int
    width: int
    height: int
    image_dir: str = "img1"
    image_ext: str = ".jpg"


def read_seqinfo(seq_dir: str | Path) -> SeqInfo:
    """Read ``seqinfo.ini``; a sequence without one is described from its image folder."""
    seq_dir = Path(seq_dir)
    ini_path = seq_dir / "seqinfo.ini"
    if not ini_path.is_file():
        return _infer_seqinfo(seq_dir)
    parser = configparser.ConfigParser()
    try:
        parser.read(ini_path)
        section = parser["Sequence"]
        return SeqInfo(
            name=section.get("name", seq_dir.name),
            frame_rate=float(section.get("frameRate", "30")),
            length=int(section["seqLength"]),
            width=int(section.get("imWidth", "0")),
            height=int(section.get("imHeight", "0")),
            image_dir=section.get("imDir", "img1"),
            image_ext=section.get("imExt", ".jpg"),
        )
    except (KeyError, ValueError, configparser.Error) as exc:
        raise InputError(f"{ini_path}: malformed seqinfo.ini ({exc.__class__.__name__}: {exc})") from None


def _infer_seqinfo(seq_dir: Path) -> SeqInfo:
    import cv2

    image_dir = seq_dir / "img1"
    images = sorted(p for p in image_dir.glob("*") if p.suffix.lower() in IMAGE_EXTENSIONS)
    if not images:
        raise InputError(f"{seq_dir}: no seqinfo.ini and no images in img1/")
    first = cv2.imread(str(images[0]))
    if first is None:
        raise InputError(f"{images[0]}: cannot decode image")
    return SeqInfo(seq_dir.name, 30.0, len(images), first.shape[1], first.shape[0], "img1", images[0].suffix)


def _parse_rows(path: Path, min_columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Parse a comma-separated MOT text file into a float array; also return 1-based line numbers."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read ({exc})") from None
    rows: list[list[float]] = []
    lines: list[int] = []
    width = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split(",")] if "," in line else line.split()
        if len(fields) < min_columns:
            raise InputError(f"{path}:{number}: expected at least {min_columns} columns, got {len(fields)}")
        try:
            values = [float(f) for f in fields[:10]]
        except ValueError:
            raise InputError(f"{path}:{number}: non-numeric value in {line!r}") from None
        if not all(math.isfinite(v) for v in values[:6]):
            raise InputError(f"{path}:{number}: NaN or infinite value in {line!r}")
        if values[0] < 1 or values[0] != int(values[0]):
            raise InputError(f"{path}:{number}: frame must be a whole number >= 1, got {fields[0]}")
        if values[4] <= 0 or values[5] <= 0:
            raise InputError(f"{path}:{number}: box width and height must be positive, got {fields[4]}x{fields[5]}")
        width = len(values) if width is None else min(width, len(values))
        rows.append(values)
        lines.append(number)
    if not rows:
        return np.zeros((0, max(min_columns, 7))), np.zeros(0, dtype=int)
    array = np.array([r[:width] for r in rows], dtype=np.float64)
    return array, np.asarray(lines)


@dataclass
class BoxTable:
    """All boxes of one file, sorted by frame, with O(1) access to a frame's rows."""

    frames: np.ndarray  # (N,) int
    ids: np.ndarray  # (N,) int, -1 for detections
    boxes: np.ndarray  # (N, 4) x, y, w, h
    scores: np.ndarray  # (N,) confidence (detections) or the conf flag (gt)
    classes: np.ndarray  # (N,) int; 1 where the file has no class column
    visibility: np.ndarray | None = None  # (N,) gt visibility in [0, 1]; 1 where not given

    def __post_init__(self) -> None:
        if self.visibility is None:
            self.visibility = np.ones(len(self.frames))
        order = np.argsort(self.frames, kind="stable")
        for name in ("frames", "ids", "boxes", "scores", "classes", "visibility"):
            setattr(self, name, getattr(self, name)[order])
        self._starts = {}
        if len(self.frames):
            uniq, first = np.unique(self.frames, return_index=True)
            ends = np.append(first[1:], len(self.frames))
            self._starts = {int(f): (int(s), int(e)) for f, s, e in zip(uniq, first, ends, strict=True)}

    def __len__(self) -> int:
        return len(self.frames)

    def rows(self, frame: int) -> slice:
        start, end = self._starts.get(int(frame), (0, 0))
        return slice(start, end)

    def at(self, frame: int) -> tuple[np.ndarray, np.ndarray]:
        """Boxes and scores of one frame."""
        sl = self.rows(frame)
        return self.boxes[sl], self.scores[sl]

    @property
    def last_frame(self) -> int:
        return int(self.frames.max()) if len(self.frames) else 0


def read_detections(path: str | Path, require_sorted: bool = True) -> BoxTable:
    """Read a MOT detection file (``frame,-1,x,y,w,h,score,...``).

    Detection files are consumed frame by frame, so frames going backwards mean the file is
    corrupt or concatenated by mistake; we refuse it rather than guess.
    """
    path = Path(path)
    data, lines = _parse_rows(path, min_columns=6)
    if require_sorted and len(data) > 1:
        back = np.nonzero(np.diff(data[:, 0]) < 0)[0]
        if len(back):
            i = back[0] + 1
            raise InputError(
                f"{path}:{lines[i]}: frame numbers go backwards ({int(data[i - 1, 0])} then {int(data[i, 0])})"
            )
    scores = data[:, 6] if data.shape[1] > 6 else np.ones(len(data))
    return BoxTable(
        frames=data[:, 0].astype(int),
        ids=data[:, 1].astype(int),
        boxes=data[:, 2:6].copy(),
        scores=scores.copy(),
        classes=np.ones(len(data), dtype=int),
    )


def read_ground_truth(path: str | Path) -> BoxTable:
    """Read a MOT gt file (``frame,id,x,y,w,h,conf,class,vis``); sorted by id is fine."""
    path = Path(path)
    data, _ = _parse_rows(path, min_columns=6)
    conf = data[:, 6] if data.shape[1] > 6 else np.ones(len(data))
    classes = data[:, 7].astype(int) if data.shape[1] > 7 else np.ones(len(data), dtype=int)
    visibility = np.clip(data[:, 8], 0, 1) if data.shape[1] > 8 else np.ones(len(data))
    return BoxTable(data[:, 0].astype(int), data[:, 1].astype(int), data[:, 2:6].copy(), conf.copy(), classes,
                    visibility)


def format_result_rows(rows: Iterable[tuple[int, int, float, float, float, float, float]]) -> str:
    """MOTChallenge result lines: ``frame,id,x,y,w,h,conf,-1,-1,-1``."""
    return "".join(
        f"{int(f)},{int(i)},{x:.2f},{y:.2f},{w:.2f},{h:.2f},{c:.4f},-1,-1,-1\n" for f, i, x, y, w, h, c in rows
    )


def write_results(path: str | Path, rows: Iterable[tuple[int, int, float, float, float, float, float]]) -> None:
    """Write result rows sorted by frame then id, atomically."""
    ordered = sorted(rows, key=lambda r: (int(r[0]), int(r[1])))
    with atomic_write(path) as handle:
        handle.write(format_result_rows(ordered))


def read_results(path: str | Path) -> BoxTable:
    """Read a tracker result file (same layout as gt, ids >= 0)."""
    return read_detections(path, require_sorted=False)
