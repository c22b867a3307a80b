"""Keep freed memory in the process instead of handing it back to the OS at once (glibc only).

Why: glibc serves blocks above its mmap threshold (128 KiB at start) with fresh ``mmap`` pages
and trims the heap top on ``free``. The CNN's activations for one frame's patches are such
blocks (6 patches x 16 channels x 64 x 32 floats = 786 KiB), so every frame paid page faults
for memory it had just released: on the 2-core machine the first conv block took 2.7 ms
instead of 0.6 ms. Raising both thresholds lets the blocks be reused; the heap stays bounded
by the largest working set (the 100k-frame memory test still holds).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

_M_TRIM_THRESHOLD = -1  # glibc <malloc.h>
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20  # blocks above this still come straight from the OS (e.g. training batches)
TRIM_THRESHOLD = 128 << 20  # free memory kept at the heap top before it is returned


def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds for this process; False where that does not apply."""
    if not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and other C libraries without mallopt
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
