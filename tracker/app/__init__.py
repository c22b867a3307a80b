"""The application layer: the ``siamtrack`` command (track, eval, demo, training, calibration) and
the process-wide speed settings it makes (threads, CPU pinning, the allocator), which library code
never touches."""
