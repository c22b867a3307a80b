"""The process-wide speed settings the ``siamtrack`` command makes, offered to Python users as one
opt-in call. Library code never makes them: they change the whole process, not only siamtrack."""

from __future__ import annotations

from .allocator import keep_freed_memory


def tune_for_speed(threads: int = 1, keep_memory: bool = True) -> None:
    """Run torch and OpenCV on ``threads`` CPU threads each and keep freed memory in the process.

    Why one thread: a frame's few small patches gain little from a second one, which competes
    with frame decoding and video encoding running beside the tracker (on 2 cores, torch on 2
    threads: 54.7 fps at 768x576, on 1: 75). Why keep memory: on Linux with glibc, the CNN's
    activation buffers are otherwise handed back to the OS after every call and page-faulted in
    again (``allocator.py``); keeping them makes ``PatchMatcher.describe`` up to twice as fast.
    The linker's XGBoost threads are its own setting (``Linker.load(threads=...)``).
    """
    import cv2
    import torch

    torch.set_num_threads(threads)
    cv2.setNumThreads(threads)
    if keep_memory:
        keep_freed_memory()
