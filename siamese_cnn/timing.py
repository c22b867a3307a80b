"""Per-stage wall-clock accounting for the speed benchmark; near-free when switched off.

Shared by every layer (the matcher times its stages, the linker and the tracker theirs), so it
lives in the lowest one. Off unless a benchmark calls :func:`enable`.
"""

from __future__ import annotations

import contextlib
import time
from collections import defaultdict
from collections.abc import Iterator

_enabled = False
_totals: dict[str, float] = defaultdict(float)


def enable(on: bool = True) -> None:
    global _enabled
    _enabled = on
    _totals.clear()


def totals() -> dict[str, float]:
    return dict(_totals)


def add(name: str, seconds: float) -> None:
    """Count time measured elsewhere (e.g. by the video process) under ``name``."""
    if _enabled:
        _totals[name] += seconds


@contextlib.contextmanager
def stage(name: str) -> Iterator[None]:
    if not _enabled:
        yield
        return
    start = time.perf_counter()
    try:
        yield
    finally:
        _totals[name] += time.perf_counter() - start


@contextlib.contextmanager
def suspended_timing() -> Iterator[None]:
    """Work done here is not counted (a model's warm-up before the clock starts)."""
    global _enabled
    was, _enabled = _enabled, False
    try:
        yield
    finally:
        _enabled = was
