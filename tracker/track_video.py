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
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from .annotate import Annotator
from .atomic import atomic_path
from .background import BackgroundWorker, prefetched
from .cpus import calling_thread_on, run_cpus
from .detectors import Detector, HogDetector, OnnxDetector, SsdLiteDetector
from .errors import InputError
from .frames import FrameSource, open_frames
from .geometry import clip_boxes
from .mot_io import format_result_rows
from .pipeline import build_tracker, prepare_detections
from .timing import stage
from .video_process import VideoProcess, video_process_available
from .video_writer import VideoWriter, check_encoder_settings, even_size, scaled, video_format


@dataclass
class TrackSummary:
    frames: int
    tracks: int
    seconds: float
    video: Path | None
    mot: Path | None
    interrupted: bool
    dropped_outside: int

    @property
    def fps(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else 0.0


def build_detector(name: str, model: Path | None, config: dict) -> Detector:
    if name == "hog":
        return HogDetector(**config["detector"]["hog"])
    if name == "ssdlite":
        return SsdLiteDetector(**config["detector"]["ssdlite"])
    if name == "onnx":
        if model is None:
            raise InputError("--detector onnx needs --model FILE.onnx")
        return OnnxDetector(model, **config["detector"]["onnx"])
    raise InputError(f"unknown detector {name!r} (choose ssdlite, hog or onnx)")


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


def _start_video(stack: contextlib.ExitStack, path: Path, frames: FrameSource,
                 settings: dict) -> tuple[VideoProcess | BackgroundWorker, float]:
    """The annotated video's writer (a process where the OS allows, else a thread) and the frames' scale.

    Registered on ``stack``: every submitted frame is written before the file is renamed into place.
    """
    video_tmp = stack.enter_context(atomic_path(path))
    scale = min(1.0, settings["max_width"] / frames.width)
    size = even_size(int(round(frames.width * scale)), int(round(frames.height * scale)))
    if video_process_available():
        video = VideoProcess(video_tmp, frames.frame_rate, size, settings["codec"], settings["crf"],
                             settings["trail_frames"], settings["trail_smoothing"])
    else:
        writer = VideoWriter(video_tmp, frames.frame_rate, size, settings["codec"], settings["crf"])
        stack.callback(writer.close)
        annotator = Annotator(settings["trail_frames"], settings["trail_smoothing"])
        video = BackgroundWorker(_frame_writer(writer, annotator, size))
    stack.callback(video.close)  # runs before writer.close: every queued frame is written
    return video, scale


def run_track(source: Path, config: dict, video_out: Path | None, mot_out: Path | None,
              detections: Path | None = None, detector: str = "ssdlite", model: Path | None = None,
              progress: bool = True, max_frames: int | None = None) -> TrackSummary:
    if video_out is not None:  # refuse what we cannot write before any work
        video_format(video_out)
        check_encoder_settings(config["video"]["codec"], config["video"]["crf"])
    frames = open_frames(source)
    file_dets = (prepare_detections(detections, frames.width, frames.height, config["detections"]["score_source"])
                 if detections else None)
    if file_dets is not None and frames.length and file_dets.table.last_frame > frames.length:
        raise InputError(f"{detections}: detections reach frame {file_dets.table.last_frame} but {source} has "
                         f"{frames.length} frames")
    live_detector = None if file_dets is not None else build_detector(detector, model, config)
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
    interrupted, count = False, 0
    dropped = file_dets.dropped_outside if file_dets is not None else 0
    try:
        with contextlib.ExitStack() as stack:
            rows_file = stack.enter_context(os.fdopen(fd, "w"))
            video, scale = (_start_video(stack, video_out, frames, config["video"]) if video_out is not None
                            else (None, 1.0))
            tracker = build_tracker(config, frames.frame_rate)  # the models load while the video process starts
            needs_images = tracker.scorer.needs_images
            pixel_work = needs_images or live_detector is not None
            tracker_cpus, helper_cpus = run_cpus(config, pixel_work)
            if isinstance(video, VideoProcess):
                video.ready()
                video.run_on(helper_cpus)
            start = time.perf_counter()
            bar = stack.enter_context(tqdm(total=max_frames or frames.length, unit="frame", disable=not progress,
                                           file=sys.stderr, desc="tracking", dynamic_ncols=True))
            prev = None
            stack.enter_context(calling_thread_on(tracker_cpus))
            try:
                for index, image in stack.enter_context(contextlib.closing(prefetched(frames, cpus=helper_cpus))):
                    if max_frames is not None and index > max_frames:
                        break
                    if file_dets is not None:
                        boxes, scores = file_dets.at(index)  # clipped once, when the file was read
                    else:
                        with stage("detect"):
                            boxes, scores = live_detector.detect(image)
                        boxes, keep = clip_boxes(boxes, frames.width, frames.height)
                        dropped += int((~keep).sum())
                        boxes, scores = boxes[keep], scores[keep]
                    shown = tracker.step(index, boxes, scores, image if needs_images else None,
                                         prev if needs_images else None)
                    with stage("writing"):
                        rows_file.write(format_result_rows(tracker.pop_finished_rows()))
                    if video is not None:
                        video.submit(image, [(t.id, t.boxes[-1] * scale) for t in shown], index)
                    prev = image
                    count = index
                    bar.update(1)
            except KeyboardInterrupt:
                interrupted = True
            rows_file.write(format_result_rows(tracker.finish()))
        if mot_out is not None:
            _sorted_results(rows_path, mot_out)
    finally:
        rows_path.unlink(missing_ok=True)
    if count == 0 and not interrupted:
        raise InputError(f"{source}: no frame could be read")
    seconds = time.perf_counter() - start
    return TrackSummary(count, tracker.confirmed_tracks, seconds, video_out, mot_out, interrupted, dropped)
