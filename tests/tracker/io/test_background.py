"""Reader and writer threads: order kept, errors raised on the caller's thread, clean early stop."""

from __future__ import annotations

import threading

import pytest

from siamtrack.tracker.io.background import BackgroundWorker, prefetched


def test_prefetched_keeps_order_and_ends():
    assert list(prefetched(range(100), depth=2)) == list(range(100))


def test_prefetched_raises_the_producers_error_after_the_good_items():
    def items():
        yield 1
        yield 2
        raise ValueError("frame 3 is truncated")

    got = []
    with pytest.raises(ValueError, match="frame 3"):
        for item in prefetched(items()):
            got.append(item)
    assert got == [1, 2]


def test_closing_early_stops_the_reader_thread():
    produced = []

    def endless():
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    before = threading.active_count()
    gen = prefetched(endless(), depth=2)
    assert [next(gen) for _ in range(5)] == [0, 1, 2, 3, 4]
    gen.close()
    assert threading.active_count() == before
    assert len(produced) <= 5 + 3  # read ahead by at most the queue depth plus the item in hand


def test_worker_runs_jobs_in_order_and_close_waits_for_all():
    done = []
    worker = BackgroundWorker(lambda k, v: done.append((k, v)), depth=2)
    for k in range(50):
        worker.submit(k, k * k)
    worker.close()
    assert done == [(k, k * k) for k in range(50)]


def test_worker_error_reaches_the_caller():
    def work(k):
        if k == 3:
            raise OSError("disk full")

    worker = BackgroundWorker(work, depth=1)
    with pytest.raises(OSError, match="disk full"):
        for k in range(100):
            worker.submit(k)
        worker.close()
    with pytest.raises(OSError, match="disk full"):
        worker.close()
