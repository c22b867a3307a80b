"""Decoding ahead and encoding behind the tracker, each on its own thread.

On 2 cores, decoding the next frame and encoding the annotated last one overlap with the
tracking of this one: OpenCV and torch release the GIL while they work. Order is kept (one
reader, one writer, FIFO queues), so outputs are byte-identical to a serial run; an error on
either thread is raised again on the caller's thread, where the CLI turns it into one line.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from siamtrack.siamese_cnn.timing import stage

_DONE = object()


class _Failure:
    def __init__(self, error: BaseException):
        self.error = error


def prefetched(items: Iterable[Any], depth: int = 3, stage_name: str = "decode",
               on_start: Callable[[], None] | None = None) -> Iterator[Any]:
    """Yield ``items`` in order while a thread produces up to ``depth`` of them ahead.

    ``on_start`` runs first on that thread (the app uses it to move the thread to its CPUs).
    Closing the generator early (break, Ctrl-C) stops the thread after the item in hand.
    """
    buffer: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        if on_start is not None:
            on_start()
        iterator = iter(items)
        try:
            while not stop.is_set():
                with stage(stage_name):
                    item = next(iterator, _DONE)
                _put(buffer, item, stop)
                if item is _DONE:
                    return
        except BaseException as error:  # handed to the consumer, raised there
            _put(buffer, _Failure(error), stop)
        finally:  # a generator behind this one (a reader of its own) stops now, not when collected
            close = getattr(iterator, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name="siamtrack-reader", daemon=True)
    thread.start()
    try:
        while True:
            with stage("waiting"):
                item = buffer.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue
            try:
                buffer.get_nowait()
            except queue.Empty:
                thread.join(timeout=0.01)


def _put(buffer: queue.Queue, item: Any, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            buffer.put(item, timeout=0.1)
            return
        except queue.Full:
            continue


class BackgroundWorker:
    """Runs ``work(*job)`` for submitted jobs, in order, on one thread.

    ``close`` waits for every submitted job and raises the first error a job raised; a later
    ``submit`` after a failure raises it at once, so the caller stops feeding a broken writer.
    """

    def __init__(self, work: Callable[..., None], depth: int = 3, stage_name: str = "video"):
        self._work = work
        self._stage = stage_name
        self._jobs: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="siamtrack-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is _DONE:
                return
            if self._error is not None:
                continue  # drain without working once broken
            try:
                with stage(self._stage):
                    self._work(*job)
            except BaseException as error:  # raised again on the caller's thread
                self._error = error

    def submit(self, *job: Any) -> None:
        if self._error is not None:
            raise self._error
        with stage("waiting"):
            self._jobs.put(job)

    def close(self) -> None:
        if self._thread.is_alive():
            self._jobs.put(_DONE)
            self._thread.join()
        if self._error is not None:
            raise self._error
