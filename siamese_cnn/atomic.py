"""Write output files so that a crash or Ctrl-C never leaves a half-written file behind."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO


def _new_file(folder: Path, prefix: str, suffix: str) -> tuple[int, str]:
    """A new, empty file in ``folder`` that nobody else has opened.

    Created with mode 0666, so the process's umask gives it the permissions any file the user
    writes would get (``tempfile.mkstemp`` makes private 0600 files, and reading the umask to
    widen them means setting it, a process-wide change).
    """
    while True:
        name = str(folder / f"{prefix}{secrets.token_hex(4)}{suffix}")
        try:
            return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), name
        except FileExistsError:
            continue


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", suffix: str = "") -> Iterator[IO]:
    """Yield a temp file beside ``path``; rename it over ``path`` only if the block succeeds."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = _new_file(target.parent, f".{target.name}.", suffix or ".tmp")
    try:
        with os.fdopen(fd, mode) as handle:
            yield handle
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, suffix: str = "") -> Iterator[Path]:
    """Like :func:`atomic_write` for writers that want a file name (e.g. a video encoder)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = _new_file(target.parent, f".{target.stem}.", suffix or target.suffix)
    os.close(fd)
    try:
        yield Path(tmp_name)
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
