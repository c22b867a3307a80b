"""One way to read frames, whatever the source: a video file, an image folder or a MOT sequence."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from siamtrack.siamese_cnn.errors import InputError

from .mot import IMAGE_EXTENSIONS, read_seqinfo


@dataclass
class FrameSource:
    """Frames with 1-based indices. ``length`` is None when a video does not say."""

    path: Path
    frame_rate: float
    width: int
    height: int
    length: int | None

    def __iter__(self) -> Iterator[tuple[int, np.ndarray]]:
        raise NotImplementedError


class ImageFolderSource(FrameSource):
    def __init__(self, folder: Path, frame_rate: float, images: list[Path]):
        first = _read_image(images[0])
        super().__init__(folder, frame_rate, first.shape[1], first.shape[0], len(images))
        self.images = images

    def __iter__(self) -> Iterator[tuple[int, np.ndarray]]:
        for index, path in enumerate(self.images, start=1):
            image = _read_image(path)
            if image.shape[:2] != (self.height, self.width):
                raise InputError(
                    f"{path}: frame is {image.shape[1]}x{image.shape[0]}, expected {self.width}x{self.height}"
                )
            yield index, image


class VideoFileSource(FrameSource):
    def __init__(self, path: Path):
        capture = cv2.VideoCapture(str(path))
        ok, first = capture.read() if capture.isOpened() else (False, None)
        if not ok or first is None:
            capture.release()
            raise InputError(f"{path}: not a readable video (cannot decode a first frame)")
        fps = capture.get(cv2.CAP_PROP_FPS)
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        capture.release()
        fps = fps if np.isfinite(fps) and 0 < fps < 1000 else 30.0
        super().__init__(path, fps, first.shape[1], first.shape[0], count if count > 0 else None)

    def __iter__(self) -> Iterator[tuple[int, np.ndarray]]:
        capture = cv2.VideoCapture(str(self.path))
        try:
            index = 0
            while True:
                ok, frame = capture.read()
                if not ok:
                    break
                index += 1
                yield index, frame
        finally:
            capture.release()


def _read_image(path: Path) -> np.ndarray:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read image ({exc.strerror})") from None
    # A JPEG cut short still half-decodes (libjpeg only warns on stderr); refuse it ourselves.
    if data[:2] == b"\xff\xd8" and b"\xff\xd9" not in data[-64:]:
        raise InputError(f"{path}: truncated JPEG (no end-of-image marker)")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
    if image is None:
        raise InputError(f"{path}: cannot decode image (missing, empty or corrupt)")
    return image


def _images_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file())


def open_frames(source: str | Path, frame_rate: float | None = None) -> FrameSource:
    """Open a video file, an image folder, or a MOT sequence folder (reads its ``img1/``)."""
    path = Path(source)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if path.is_file():
        return VideoFileSource(path)
    if (path / "img1").is_dir() or (path / "seqinfo.ini").is_file():
        info = read_seqinfo(path)
        folder = path / info.image_dir
        images = _images_in(folder) if folder.is_dir() else []
        if not images:
            raise InputError(f"{folder}: MOT sequence has no images")
        if (path / "seqinfo.ini").is_file() and len(images) != info.length:
            raise InputError(f"{path / 'seqinfo.ini'}: says {info.length} frames but {folder.name}/ holds "
                             f"{len(images)} images")
        return ImageFolderSource(folder, frame_rate or info.frame_rate, images)
    images = _images_in(path)
    if not images:
        raise InputError(f"{path}: folder holds no images ({', '.join(IMAGE_EXTENSIONS)})")
    return ImageFolderSource(path, frame_rate or 30.0, images)
