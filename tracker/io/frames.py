"""One way to read frames, whatever the source: a video file, an image folder, a MOT sequence,
a webcam (its index, ``0``) or a network stream (``rtsp://``, ``http(s)://``; ``file://`` URLs too)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

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


STREAM_SCHEMES = ("rtsp", "rtsps", "rtmp", "http", "https")


class StreamSource(FrameSource):
    """A webcam or a network stream, read through OpenCV's FFmpeg backend with timeouts.

    ``name`` is the source exactly as the user gave it: every message says it so. A read that
    fails before the stream's known end (or any failure of a live stream, whose end is unknown)
    is retried by reconnecting, at most ``reconnects`` times in a row, each with one line to
    ``on_warning``; a reconnected stream of known length skips the frames already tracked, so
    indices run on. When reconnecting fails, the stream ends there and the run finishes as at the
    end of a file. ``frame_rate`` (``--fps``) wins over what the stream says; a stream that says
    nothing plausible is taken at 30 fps.
    """

    def __init__(self, name: str, frame_rate: float | None = None, timeout_seconds: float = 10.0,
                 reconnects: int = 3, on_warning: Callable[[str], None] | None = None):
        self.name, self.timeout_ms = name, int(timeout_seconds * 1000)
        self.reconnects, self.on_warning = reconnects, on_warning or (lambda message: None)
        capture = self._open()
        ok, first = capture.read() if capture.isOpened() else (False, None)
        if not ok or first is None:
            capture.release()
            raise InputError(f"{name}: cannot open the webcam (no camera at index {name}, or it is in use)"
                             if name.isdigit() else
                             f"{name}: cannot open the stream or read a frame from it "
                             f"(waited up to {timeout_seconds:g} s)")
        fps, count = capture.get(cv2.CAP_PROP_FPS), int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
        said = fps if np.isfinite(fps) and 0 < fps < 1000 else None
        super().__init__(Path(name), frame_rate or said or 30.0, first.shape[1], first.shape[0],
                         count if count > 0 and not name.isdigit() else None)
        # the opened stream is kept for the first pass: a live source cannot be opened twice alike
        self._opened: tuple[cv2.VideoCapture, np.ndarray] | None = (capture, first)

    def _open(self) -> cv2.VideoCapture:
        if self.name.isdigit():
            return cv2.VideoCapture(int(self.name))
        return cv2.VideoCapture(self.name, cv2.CAP_FFMPEG, [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, self.timeout_ms,
                                                            cv2.CAP_PROP_READ_TIMEOUT_MSEC, self.timeout_ms])

    def __iter__(self) -> Iterator[tuple[int, np.ndarray]]:
        opened, self._opened = self._opened, None
        capture, index, failures = (opened[0] if opened else self._open()), 0, 0
        try:
            if opened is not None:
                index = 1
                yield index, opened[1]
            while True:
                ok, frame = capture.read() if capture.isOpened() else (False, None)
                if ok and frame is not None:
                    if frame.shape[:2] != (self.height, self.width):
                        raise InputError(f"{self.name}: frame {index + 1} is {frame.shape[1]}x{frame.shape[0]}, "
                                         f"the stream began at {self.width}x{self.height}")
                    failures, index = 0, index + 1
                    yield index, frame
                    continue
                if self.length is not None and index >= self.length:
                    return  # the end of a stream of known length
                if failures >= self.reconnects:
                    if self.reconnects:
                        self.on_warning(f"{self.name}: gave up after {failures} reconnects; the stream ends at "
                                        f"frame {index}")
                    return
                failures += 1
                self.on_warning(f"{self.name}: no frame after frame {index}; reconnecting "
                                f"({failures} of {self.reconnects})")
                capture.release()
                capture = self._open()
                for _ in range(index if self.length is not None else 0):  # a replayed stream: skip what was seen
                    if not capture.grab():
                        break
        finally:
            capture.release()


def is_stream(source: str) -> bool:
    """A webcam index or a URL of a network stream (not a path)."""
    return source.isdigit() or urlparse(source).scheme.lower() in STREAM_SCHEMES


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


def open_frames(source: str | Path, frame_rate: float | None = None, timeout_seconds: float = 10.0,
                reconnects: int = 3, on_warning: Callable[[str], None] | None = None) -> FrameSource:
    """Open a video file, an image folder, a MOT sequence folder (reads its ``img1/``), a webcam
    (``"0"``) or a stream URL; ``frame_rate`` overrides what the source says (``--fps``).

    ``timeout_seconds``, ``reconnects`` and ``on_warning``: streams only (``StreamSource``).
    """
    url = urlparse(source) if isinstance(source, str) else None
    scheme = url.scheme.lower() if url is not None else ""
    if isinstance(source, str) and is_stream(source):
        return StreamSource(source, frame_rate, timeout_seconds, reconnects, on_warning)
    if scheme == "file":
        if url.netloc not in ("", "localhost"):
            raise InputError(f"{source}: a file:// URL must name a file on this machine")
        source, scheme = unquote(url.path), ""
    path = Path(source)
    if not path.exists():
        hint = (f" (streams are read from {', '.join(s + '://' for s in STREAM_SCHEMES)} URLs)"
                if len(scheme) > 1 else "")  # (one letter: a Windows drive)
        raise InputError(f"{source}: no such file or folder{hint}")
    if path.is_file():
        source_file = VideoFileSource(path)
        if frame_rate:
            source_file.frame_rate = frame_rate
        return source_file
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
