"""Which CPUs the tracker's threads run on: its own thread alone on one, the helpers on the rest.

Why: when the tracker's thread does pixel work (patches and CNN, or a detector), it is the
critical path, and decoding ahead and drawing and encoding behind it fit beside each other on a
second core. Left to the scheduler, those bursts preempt the tracker on its core; kept off it,
the tracker runs nearly as fast as with no video at all. Measured at 768x576 with the video,
alternating runs: 4.27x decode-only time pinned against 4.96x unpinned (BENCHMARKS.md §5).
Box-only tracking (geometry scorer, given detections) is the opposite: its thread is light and
the I/O is the critical path, which needs every core (3.1x pinned, 2.0x unpinned), so it is not
pinned.

Only where the OS lets a thread choose its CPUs (Linux), only with one compute thread (more
torch/XGBoost threads would inherit the one CPU), and always undone when the run ends.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from siamtrack.configs import Config


@dataclass(frozen=True)
class CpuSplit:
    tracker: frozenset[int]
    helpers: frozenset[int]


def split_cpus(compute_threads: int, pixel_work: bool = True) -> CpuSplit | None:
    """One CPU for the tracker's thread and the rest for its helpers; None where that cannot help.

    ``pixel_work``: whether the tracker's thread describes or detects on the frames.
    """
    if compute_threads != 1 or not pixel_work or not hasattr(os, "sched_getaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    return CpuSplit(frozenset(cpus[:1]), frozenset(cpus[1:]))


def run_cpus(config: Config, pixel_work: bool) -> tuple[frozenset[int] | None, frozenset[int] | None]:
    """(tracker's CPUs, helpers' CPUs) for a run under ``config``'s ``pin_cpus`` and ``threads``;
    (None, None): no pinning."""
    split = split_cpus(config.threads, pixel_work) if config.pin_cpus else None
    return (split.tracker, split.helpers) if split else (None, None)


def run_on(cpus: frozenset[int] | None, pid: int = 0) -> None:
    """Move the calling thread (or process ``pid``) to ``cpus`` (nothing if None); a refusal by
    the OS is no error."""
    if cpus:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(pid, cpus)


@contextlib.contextmanager
def calling_thread_on(cpus: frozenset[int] | None) -> Iterator[None]:
    """Run the block with the calling thread on ``cpus``, then give it back the CPUs it had."""
    if not cpus:
        yield
        return
    before = os.sched_getaffinity(0)
    run_on(cpus)
    try:
        yield
    finally:
        run_on(frozenset(before))


def helper_start(helpers: frozenset[int] | None) -> Callable[[], None] | None:
    """The hook a helper thread runs first to move itself to ``helpers`` (None: stay anywhere)."""
    return functools.partial(run_on, helpers) if helpers else None


@contextlib.contextmanager
def _placed(config: Config, pixel_work: bool) -> Iterator[Callable[[], None] | None]:
    tracker, helpers = run_cpus(config, pixel_work)
    with calling_thread_on(tracker):
        yield helper_start(helpers)


def placement(config: Config) -> Callable[[bool], contextlib.AbstractContextManager[Callable[[], None] | None]]:
    """The ``Placement`` the frame loop takes (``tracker/core/loop.py``): the calling thread on its
    CPU for the run, a reader thread on the others."""
    return functools.partial(_placed, config)
