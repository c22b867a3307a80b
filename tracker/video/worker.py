"""The annotated video's own process: draws the tracks on frames it finds in shared memory, encodes.

Started by :class:`siamtrack.tracker.video.process.VideoProcess` as ``python -m
siamtrack.tracker.video.worker FD SETTINGS``, where FD is the shared frame buffer and SETTINGS a
JSON object. It speaks through its standard streams: answers ``READY`` once the video file is
open; then, for each record (slot, frame index, ids, boxes), draws on that slot's frame, encodes
it and answers with the slot's number, which frees the slot. After the end record it closes the
file and answers with the seconds it spent drawing and encoding. A failure ends it with one line on stderr and exit code
``USER_ERROR`` (the user's problem) or ``SYSTEM_ERROR`` (the machine's, e.g. a full disk); a bug
ends it with Python's traceback.
"""

from __future__ import annotations

import json
import mmap
import os
import struct
import sys
import time

import cv2
import numpy as np

from siamtrack.siamese_cnn.errors import InputError

from .annotate import Annotator
from .writer import VideoWriter

RECORD = struct.Struct("<iii")  # slot (-1 ends the video), frame index, number of boxes
BOX_BYTES = 8 + 4 * 8 + 1  # per shown track: its int64 id, then (later in the record) its four float64 box
# values, then its uint8 flag (1: a frame filled in across a gap, drawn dashed)
READY = b"\xff"  # never a slot's number: slots are few
BUSY = struct.Struct("<d")  # the last answer: seconds spent drawing and encoding
USER_ERROR, SYSTEM_ERROR = 2, 3  # exit codes; 1 is Python's own for an uncaught exception (a bug)


def frame_slots(buffer, slots: int, size: tuple[int, int]) -> np.ndarray:
    """The shared buffer seen as ``slots`` BGR frames of ``size`` (width, height)."""
    width, height = size
    return np.frombuffer(buffer, np.uint8, slots * height * width * 3).reshape(slots, height, width, 3)


def shown_tracks(body: bytes, count: int) -> list[tuple[int, np.ndarray, bool]]:
    """The ``(id, box, filled_in)`` tracks of a record's body: ``count`` int64 ids, ``count``
    float64 boxes, ``count`` uint8 flags."""
    ids = np.frombuffer(body, np.int64, count).tolist()
    boxes = np.frombuffer(body, np.float64, 4 * count, offset=8 * count).reshape(count, 4)
    flags = np.frombuffer(body, np.uint8, count, offset=40 * count).astype(bool).tolist()
    return list(zip(ids, boxes, flags, strict=True))


def track_record(shown: list[tuple]) -> bytes:
    """The body ``shown_tracks`` reads: ``(id, box)`` or ``(id, box, filled_in)`` tracks."""
    ids = np.array([t[0] for t in shown], np.int64)
    boxes = np.array([t[1] for t in shown], np.float64).reshape(len(shown), 4)
    flags = np.array([bool(t[2]) if len(t) > 2 else False for t in shown], np.uint8)
    return ids.tobytes() + boxes.tobytes() + flags.tobytes()


def _read_exactly(stream, count: int) -> bytes:
    data = stream.read(count)
    if len(data) != count:
        raise EOFError
    return data


def serve(fd: int, settings: dict) -> None:
    size, slots = tuple(settings["size"]), settings["slots"]
    records, answers = sys.stdin.buffer, sys.stdout.buffer
    frames = frame_slots(mmap.mmap(fd, slots * size[0] * size[1] * 3), slots, size)  # mapped until the process ends
    annotator = Annotator(settings["trail_frames"], settings["trail_smoothing"])
    writer = VideoWriter(settings["path"], settings["frame_rate"], size, settings["codec"], settings["crf"])
    answers.write(READY)
    answers.flush()
    busy = 0.0
    try:
        while True:
            try:
                slot, index, count = RECORD.unpack(_read_exactly(records, RECORD.size))
                if slot < 0:
                    break
                body = _read_exactly(records, count * BOX_BYTES)
            except EOFError:  # the tracker is gone; it removes the unfinished file
                return
            start = time.perf_counter()
            # The slot is this process's until answered: draw on it, no copy.
            writer.write(annotator.draw(frames[slot], shown_tracks(body, count), index, in_place=True))
            busy += time.perf_counter() - start
            answers.write(bytes((slot,)))
            answers.flush()
    finally:
        writer.close()
    answers.write(BUSY.pack(busy))
    answers.flush()


def main() -> int:
    cv2.setNumThreads(1)  # one core's worth of work beside the tracker
    try:
        serve(int(sys.argv[1]), json.loads(sys.argv[2]))
    except InputError as exc:
        print(exc, file=sys.stderr)
        return USER_ERROR
    except OSError as exc:
        print(exc, file=sys.stderr)
        return SYSTEM_ERROR
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # the video file is closed: skip the interpreter's teardown, ~0.1 s the tracker would wait for
