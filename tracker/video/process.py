"""The annotated video drawn and encoded by a process of its own, fed frames through shared memory.

Why a process and not a thread: a writer thread shares the interpreter with the tracker, and on
2 cores each of its OpenCV calls is a GIL handoff that stalls the tracker's thread. In a process
of its own, on the other core (``tracker/app/cpus.py``), the same work costs the tracker far less: at 768x576,
4.24x the decode-only time against 4.71x for the writer thread, pinned alike (alternating runs,
BENCHMARKS.md §5). Frames cross in a few shared slots, already scaled to the video's size (on the
tracker's thread: the other core is the busier one at 1080p, where it also decodes); the pipes
carry a few bytes per frame: slot, frame index and shown boxes one way, the slot's number back
once it is free. The video is byte-identical to the writer thread's (same code, same order).

The shared memory is an anonymous file (``memfd``, Linux): nothing to clean up, even after a
crash. Where the OS has none, :func:`video_process_available` says so and the caller keeps the
writer thread.
"""

from __future__ import annotations

import contextlib
import json
import mmap
import os
import subprocess
import sys
import tempfile
from collections import deque
from pathlib import Path

import numpy as np

from siamtrack.configs import VideoSettings
from siamtrack.siamese_cnn import timing
from siamtrack.siamese_cnn.errors import InputError

from .worker import BUSY, READY, RECORD, SYSTEM_ERROR, USER_ERROR, frame_slots, track_record
from .writer import scaled


def video_process_available() -> bool:
    return hasattr(os, "memfd_create")


class VideoProcess:
    """Write annotated frames to ``path`` from another process: ``ready``, ``submit`` per frame, ``close``.

    Starting the process takes ~0.4 s, so it starts at once and ``ready`` waits for it: start it,
    load the models meanwhile, then call ``ready``. ``depth`` frames may wait for the encoder
    before ``submit`` blocks. An error in the process is raised again here, on the caller's
    thread, as one line naming the video file.
    """

    def __init__(self, path: Path, frame_rate: float, size: tuple[int, int], video: VideoSettings, depth: int = 3):
        self.path, self.size, slots = Path(path), size, depth + 1
        settings = {"path": str(path), "frame_rate": frame_rate, "size": list(size), "codec": video.codec,
                    "crf": video.crf, "trail_frames": video.trail_frames, "trail_smoothing": video.trail_smoothing,
                    "slots": slots}
        nbytes = slots * size[0] * size[1] * 3
        self._fd = os.memfd_create("siamtrack-video-frames")
        try:
            os.ftruncate(self._fd, nbytes)
            self._shared = mmap.mmap(self._fd, nbytes)
            self._stderr = tempfile.TemporaryFile()  # read only after a failure; a pipe could fill up
            self._process = subprocess.Popen(
                [sys.executable, "-m", __package__ + ".worker", str(self._fd), json.dumps(settings)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, pass_fds=(self._fd,),
                start_new_session=True)  # Ctrl-C stops the tracker only, which then finishes the video
        except BaseException:
            os.close(self._fd)
            raise
        self._frames = frame_slots(self._shared, slots, size)
        self._free = deque(range(slots))
        self._answers = self._process.stdout.fileno()
        self._started = self._closed = self._failed = False

    def ready(self) -> None:
        """Wait until the process has opened the video file (or raise its error)."""
        if not self._started:
            if os.read(self._answers, 1) != READY:
                raise self._failure()
            self._started = True

    @property
    def pid(self) -> int:
        """The process's id (the app keeps it on the CPUs the tracker's thread leaves free)."""
        return self._process.pid

    def _slot(self) -> int:
        self.ready()
        while not self._free:
            with timing.stage("waiting"):
                answer = os.read(self._answers, 64)  # blocks until the encoder has finished a frame
            if not answer:
                raise self._failure()
            self._free.extend(answer)
        return self._free.popleft()

    def submit(self, image: np.ndarray, shown: list[tuple], index: int) -> None:
        """Queue one frame (any size: scaled to the video's) with the ``(id, box[, filled_in])``
        tracks to draw on it."""
        slot = self._slot()
        with timing.stage("writing"):
            scaled(image, self.size, out=self._frames[slot])
            self._send(RECORD.pack(slot, index, len(shown)) + track_record(shown))

    def _send(self, record: bytes) -> None:
        try:
            self._process.stdin.write(record)
            self._process.stdin.flush()
        except BrokenPipeError:
            raise self._failure() from None

    def _failure(self) -> Exception:
        """The process's own error, once it has ended, as the exception the CLI reports in one line.

        A bug in it (any other exit) keeps the process's traceback in the message.
        """
        self._failed = True
        code = self._process.wait()
        self._stderr.seek(0)
        lines = self._stderr.read().decode(errors="replace").strip().splitlines()
        if code == USER_ERROR and lines:
            return InputError(lines[-1])
        if code == SYSTEM_ERROR and lines:
            return OSError(f"{self.path}: {lines[-1]}")
        if code < 0:  # e.g. the kernel's out-of-memory killer
            return OSError(f"{self.path}: the video process was stopped by signal {-code}")
        return RuntimeError(f"{self.path}: the video process failed (exit code {code})\n" + "\n".join(lines[-20:]))

    def close(self) -> None:
        """Finish the video (every submitted frame encoded) and end the process; safe to call twice.

        After a failure already raised, only cleans up.
        """
        if self._closed:
            return
        self._closed = True
        try:
            if self._failed:
                return
            if self._process.poll() is None:
                self._send(RECORD.pack(-1, 0, 0))
                self._process.stdin.close()
            rest = self._process.stdout.read()  # the last slots, then the busy time
            if self._process.wait() != 0 or len(rest) < BUSY.size:
                raise self._failure()
            timing.add("video", BUSY.unpack(rest[-BUSY.size:])[0])
        finally:
            with contextlib.suppress(OSError):  # already closed, or the process gone (a broken pipe)
                self._process.stdin.close()
            self._process.stdout.close()
            self._stderr.close()
            del self._frames
            self._shared.close()
            os.close(self._fd)
