"""``siamtrack track SOURCE``: frames in, an annotated video and MOT-format tracks out, streaming.

Memory does not grow with the video: frames are processed one at a time, finished tracks are
flushed to a temporary result file, and both outputs are renamed into place only when complete.
Ctrl-C stops at the current frame and still leaves complete, valid outputs up to it.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
from tqdm import tqdm

from siamtrack.configs import Config, VideoSettings
from siamtrack.siamese_cnn.atomic import atomic_path
from siamtrack.siamese_cnn.device import resolve_device
from siamtrack.siamese_cnn.errors import InputError
from siamtrack.siamese_cnn.timing import stage
from siamtrack.tracker.core.ahead import FramesAhead
from siamtrack.tracker.core.build import build_tracker
from siamtrack.tracker.core.camera import CameraMeter
from siamtrack.tracker.core.loop import run_frames
from siamtrack.tracker.core.online import Rows, Track
from siamtrack.tracker.detectors import build_detector
from siamtrack.tracker.io.background import BackgroundWorker, prefetched
from siamtrack.tracker.io.detections import DetectionSource, LiveDetections, prepare_detections
from siamtrack.tracker.io.frames import FrameSource, open_frames
from siamtrack.tracker.io.mot import format_result_rows
from siamtrack.tracker.video.annotate import Annotator
from siamtrack.tracker.video.process import VideoProcess, video_process_available
from siamtrack.tracker.video.writer import VideoWriter, check_encoder_settings, even_size, scaled, video_format

from .cpus import calling_thread_on, helper_start, run_cpus, run_on


@dataclass
class TrackSummary:
    frames: int
    tracks: int
    seconds: float
    video: Path | None
    mot: Path | None
    interrupted: bool
    dropped_outside: int
    detections: str = ""  # where the boxes came from: the detector's name or the detection file
    frame_rate: float = 0.0  # the source's, as tracked
    device: str = "cpu"  # where the CNN ran ("none": a scorer without one)

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0


def _sorted_results(unsorted: Path, target: Path) -> None:
    """Sort the flushed rows by frame then id into ``target`` (atomically)."""
    with atomic_path(target) as tmp:
        text = unsorted.read_text()
        if text:
            data = np.loadtxt(unsorted, delimiter=",", ndmin=2)
            data = data[np.lexsort((data[:, 1], data[:, 0]))]
            rows = [(int(r[0]), int(r[1]), *r[2:7]) for r in data]
            tmp.write_text(format_result_rows(rows))
        else:
            tmp.write_text("")


def _frame_writer(writer: VideoWriter, annotator: Annotator, size: tuple[int, int]):
    """The video job of one frame, run on the writer thread: scale, draw, encode."""
    def write(image: np.ndarray, shown: list[tuple[int, np.ndarray]], index: int) -> None:
        writer.write(annotator.draw(scaled(image, size), shown, index))
    return write


def _picture_size(frames: FrameSource, settings: VideoSettings) -> tuple[float, tuple[int, int]]:
    """The annotated picture's scale and size (video and window alike): at most ``max_width`` wide."""
    scale = min(1.0, settings.max_width / frames.width)
    return scale, even_size(int(round(frames.width * scale)), int(round(frames.height * scale)))


def _start_video(stack: contextlib.ExitStack, path: Path, frames: FrameSource,
                 settings: VideoSettings) -> VideoProcess | BackgroundWorker:
    """The annotated video's writer (a process where the OS allows, else a thread).

    Registered on ``stack``: every submitted frame is written before the file is renamed into place.
    """
    video_tmp = stack.enter_context(atomic_path(path))
    _, size = _picture_size(frames, settings)
    if video_process_available():
        video = VideoProcess(video_tmp, frames.frame_rate, size, settings)
    else:
        writer = VideoWriter(video_tmp, frames.frame_rate, size, settings.codec, settings.crf)
        stack.callback(writer.close)
        annotator = Annotator(settings.trail_frames, settings.trail_smoothing)
        video = BackgroundWorker(_frame_writer(writer, annotator, size))
    stack.callback(video.close)  # runs before writer.close: every queued frame is written
    return video


class _RowsFile:
    """Finished rows flushed to the unsorted temporary result file as they come."""

    def __init__(self, handle: IO[str]):
        self.handle = handle

    def frame(self, index: int, image: np.ndarray | None, shown: list[Track], rows: Rows) -> None:
        with stage("writing"):
            self.handle.write(format_result_rows(rows))

    def finish(self, rows: Rows) -> None:
        self.handle.write(format_result_rows(rows))


class _Video:
    """Each frame drawn with exactly the tracks file's rows of that frame, ``lag`` frames behind
    the tracker: by then every row of the frame is final (``OnlineTracker.settle_lag``: its track
    confirmed, its gap bridged, its smoothing done). The frames waiting are kept once, at the
    picture's size, for every writer (the video, the window): at 25 fps and the default rules ~70
    frames, ~70 MB at 768x576, ~200 MB at 1280x720."""

    def __init__(self, writers: list, scale: float, size: tuple[int, int], lag: int):
        self.writers, self.scale, self.size, self.lag = writers, scale, size, lag
        self._waiting: deque[tuple[int, np.ndarray]] = deque()
        self._rows: dict[int, list[tuple[int, np.ndarray, bool]]] = {}

    def _add(self, rows: Rows) -> None:
        for frame, track_id, x, y, w, h, score in rows:
            self._rows.setdefault(frame, []).append((track_id, np.array([x, y, w, h]) * self.scale, score < 0))

    def _draw(self, index: int, image: np.ndarray) -> None:
        shown = sorted(self._rows.pop(index, []), key=lambda t: t[0])
        for writer in self.writers:
            writer.submit(image, shown, index)

    def frame(self, index: int, image: np.ndarray | None, shown: list[Track], rows: Rows) -> None:
        self._add(rows)
        with stage("writing"):
            self._waiting.append((index, scaled(image, self.size)))
        while self._waiting and self._waiting[0][0] <= index - self.lag:
            self._draw(*self._waiting.popleft())

    def finish(self, rows: Rows) -> None:
        """The last rows: every waiting frame is drawn (the writer is closed by the run's exit stack)."""
        self._add(rows)
        while self._waiting:
            self._draw(*self._waiting.popleft())


class _Window:
    """The annotated frames in a window as well (``--show``), the same picture as the video's;
    closing the window or pressing q stops the run as Ctrl-C does (complete outputs)."""

    title = "siamtrack"

    def __init__(self, settings: VideoSettings):
        import cv2

        try:
            cv2.namedWindow(self.title, cv2.WINDOW_NORMAL)
        except cv2.error as exc:
            raise InputError(f"--show: cannot open a window ({str(exc).strip().splitlines()[-1][:120]})") from None
        self.annotator = Annotator(settings.trail_frames, settings.trail_smoothing)
        self.stopped = False

    def submit(self, image: np.ndarray, shown: list[tuple], index: int) -> None:
        import cv2

        if self.stopped:
            return
        cv2.imshow(self.title, self.annotator.draw(image, shown, index))
        key = cv2.waitKey(1) & 0xFF
        if key in (ord("q"), 27) or cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1:
            self.stopped = True
            raise KeyboardInterrupt  # the loop's own stop: outputs are completed up to here

    def close(self) -> None:
        import cv2

        cv2.destroyWindow(self.title)


def check_display() -> None:
    """``--show`` needs a screen: refuse before any work where there is none."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise InputError("--show: no display to open a window on (neither DISPLAY nor WAYLAND_DISPLAY is set); "
                         "the annotated video has the same picture")


class _Progress:
    def __init__(self, bar: tqdm):
        self.bar = bar

    def frame(self, index: int, image: np.ndarray | None, shown: list[Track], rows: Rows) -> None:
        self.bar.update(1)

    def finish(self, rows: Rows) -> None:
        """The bar is closed by the run's exit stack."""


def _described(source: DetectionSource, name: str) -> str:
    describe = getattr(getattr(source, "detector", None), "describe", None)
    return describe(source.width, source.height) if describe else f"{name} detector"


def _detector_threads(config: Config) -> int:
    """The detector's network gets every CPU by default: it runs beside the tracker and is the run's
    slowest stage (768x576, 3 tiles: 27 fps end to end on 2 threads, 20 on 1; BENCHMARKS §4)."""
    return config.detector.threads or len(os.sched_getaffinity(0))


def run_track(source: str | Path, config: Config, video_out: Path | None, mot_out: Path | None,
              detections: Path | None = None, detector: str | None = None, model: Path | None = None,
              progress: bool = True, max_frames: int | None = None, frame_rate: float | None = None,
              timeout_seconds: float = 10.0, reconnects: int = 3, on_warning=None, show: bool = False) -> TrackSummary:
    """Track ``source`` into ``video_out`` and/or ``mot_out``; detections from the file given, else
    from ``detector`` (default: ``config.detector.default``). ``frame_rate`` overrides the source's;
    ``timeout_seconds``, ``reconnects``, ``on_warning``: for streams (``tracker/io/frames.py``);
    ``show``: the annotated frames in a window too."""
    if config.mode != "online":
        raise InputError(f"config: siamtrack track runs online (mode: online), not {config.mode!r}: the video shows "
                         "each frame's tracks as they are found; use siamtrack eval for the offline global mode")
    if show:
        check_display()
    if video_out is not None:  # refuse what we cannot write before any work
        video_format(video_out)
        check_encoder_settings(config.video.codec, config.video.crf)
    frames = open_frames(source, frame_rate, timeout_seconds, reconnects, on_warning)
    source_dets: DetectionSource
    detector_name = detector or config.detector.default
    if detections:
        source_dets = prepare_detections(detections, frames.width, frames.height, config.detections.score_source)
        if frames.length and source_dets.table.last_frame > frames.length:
            raise InputError(f"{detections}: detections reach frame {source_dets.table.last_frame} but {source} has "
                             f"{frames.length} frames")
    else:
        source_dets = LiveDetections(build_detector(detector_name, config.detector, model, _detector_threads(config),
                                                    str(resolve_device(config.matcher.device))),
                                     frames.width, frames.height)
    target = mot_out or video_out or Path(".")
    tmp_dir = target.resolve().parent
    try:
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, rows_name = tempfile.mkstemp(prefix=".siamtrack-rows.", suffix=".txt", dir=tmp_dir)
    except OSError as exc:
        why = ("part of the path is a file, not a folder" if isinstance(exc, (FileExistsError, NotADirectoryError))
               else exc.strerror or str(exc))
        raise InputError(f"{target}: cannot write there ({why})") from None
    rows_path = Path(rows_name)
    try:
        with contextlib.ExitStack() as stack:
            sinks = [_RowsFile(stack.enter_context(os.fdopen(fd, "w")))]
            video = _start_video(stack, video_out, frames, config.video) if video_out is not None else None
            tracker = build_tracker(config, frames.frame_rate)  # the models load while the video process starts
            needs_images = tracker.scorer.needs_images or config.tracker.camera_motion
            pixel_work = needs_images or isinstance(source_dets, LiveDetections)
            tracker_cpus, helper_cpus = run_cpus(config, pixel_work)
            if isinstance(video, VideoProcess):
                video.ready()
                run_on(helper_cpus, video.pid)
            pictures = [] if video is None else [video]
            if show:
                window = _Window(config.video)
                stack.callback(window.close)
                pictures.append(window)
            if pictures:
                sinks.append(_Video(pictures, *_picture_size(frames, config.video), tracker.settle_lag))
            start = time.perf_counter()
            sinks.append(_Progress(stack.enter_context(tqdm(
                total=max_frames or frames.length, unit="frame", disable=not progress, file=sys.stderr,
                desc="tracking", dynamic_ncols=True))))
            stack.enter_context(calling_thread_on(tracker_cpus))
            reader = prefetched(frames, on_start=helper_start(helper_cpus))
            boxes_from: DetectionSource = source_dets
            camera_of = None
            live = isinstance(source_dets, LiveDetections)
            if live or config.tracker.camera_motion:  # detector and camera beside the tracker, a frame or two ahead
                anywhere = tracker_cpus | helper_cpus if tracker_cpus and helper_cpus else None
                meter = CameraMeter() if config.tracker.camera_motion else None
                ahead = FramesAhead(source_dets, meter, on_start=helper_start(anywhere))
                boxes_from, reader = ahead, ahead.frames(reader)
                camera_of = ahead.camera if meter is not None else None
            result = run_frames(reader, boxes_from, tracker, sinks, needs_images, max_frames, stop_on_interrupt=True,
                                camera_of=camera_of)
        if mot_out is not None:
            _sorted_results(rows_path, mot_out)
    finally:
        rows_path.unlink(missing_ok=True)
    if result.frames == 0 and not result.interrupted:
        raise InputError(f"{source}: no frame could be read")
    seconds = time.perf_counter() - start
    described = str(detections) if detections else _described(source_dets, detector_name)
    return TrackSummary(result.frames, tracker.confirmed_tracks, seconds, video_out, mot_out, result.interrupted,
                        source_dets.dropped_outside, described,
                        frames.frame_rate, str(getattr(getattr(tracker.scorer, "matcher", None), "device", "none")))
