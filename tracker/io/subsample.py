"""A MOT sequence at a lower frame rate: every ``step``-th frame kept, renumbered from 1, with its
gt, detection files and seqinfo.ini rewritten to match.

Why: users' cameras run anywhere from 5 to 60 fps, and a tracker whose rules were only ever
scored at 25-30 fps has not been shown to work at 10. The generalisation protocol scores every
held-out sequence at its native rate and at 1/2 and 1/3 of it. Frames are linked, not copied,
where the file system allows: a subsampled copy costs almost nothing.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import numpy as np

from siamtrack.siamese_cnn.atomic import atomic_write
from siamtrack.siamese_cnn.errors import InputError

from .mot import IMAGE_EXTENSIONS, read_seqinfo


def kept_frames(length: int, step: int, first: int = 1) -> np.ndarray:
    """The original numbers of the frames kept: ``first``, ``first + step``, ... up to ``length``."""
    if step < 1 or not 1 <= first <= max(length, 1):
        raise InputError(f"subsampling: step must be at least 1 and the first frame within 1..{length}")
    return np.arange(first, length + 1, step)


def _renumbered_rows(path: Path, kept: np.ndarray) -> str:
    """The lines of a MOT text file whose frame is kept, with the frame renumbered (other columns as written)."""
    new_number = {int(f): k for k, f in enumerate(kept, start=1)}
    out = []
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        head, sep, rest = line.partition(",")
        try:
            frame = float(head)
        except ValueError:
            raise InputError(f"{path}:{number}: non-numeric frame {head!r}") from None
        if frame == int(frame) and int(frame) in new_number:
            out.append(f"{new_number[int(frame)]}{sep}{rest}\n")
    return "".join(out)


def _link_or_copy(source: Path, target: Path) -> None:
    """Link ``target`` to ``source``; a link already there is left alone, so that a copy being
    rebuilt never misses a frame for a process reading it at the same time."""
    if target.is_symlink() and os.readlink(target) == str(source.resolve()):
        return
    with contextlib.suppress(FileNotFoundError):
        target.unlink()
    try:
        os.symlink(source.resolve(), target)
    except OSError:  # a file system without symbolic links
        shutil.copyfile(source, target)


def subsample_sequence(seq_dir: Path, step: int, out_dir: Path, first: int = 1) -> Path:
    """Write ``seq_dir`` at 1/``step`` of its frame rate under ``out_dir``; return the new sequence folder.

    The new folder is named ``<name>-every<step>`` (``step`` 1 gives a renumbered copy of all frames).
    """
    seq_dir = Path(seq_dir)
    info = read_seqinfo(seq_dir)
    kept = kept_frames(info.length, step, first)
    target = Path(out_dir) / f"{info.name}-every{step}"
    images_in, images_out = seq_dir / info.image_dir, target / "img1"
    images_out.mkdir(parents=True, exist_ok=True)
    if images_in.is_dir():
        by_number = {}
        for path in images_in.iterdir():
            if path.suffix.lower() in IMAGE_EXTENSIONS and path.stem.isdigit():
                by_number[int(path.stem)] = path
        missing = [int(f) for f in kept if int(f) not in by_number]
        if missing:
            raise InputError(f"{images_in}: no image for frame {missing[0]} (frames are named by number, "
                             f"e.g. 000001{info.image_ext})")
        for new, old in enumerate(kept, start=1):
            source = by_number[int(old)]
            _link_or_copy(source, images_out / f"{new:06d}{source.suffix}")
    for sub in ("gt", "det"):
        for path in sorted((seq_dir / sub).glob("*.txt")) if (seq_dir / sub).is_dir() else []:
            with atomic_write(target / sub / path.name) as handle:
                handle.write(_renumbered_rows(path, kept))
    with atomic_write(target / "seqinfo.ini") as handle:
        handle.write(f"[Sequence]\nname={target.name}\nimDir=img1\nframeRate={info.frame_rate / step:g}\n"
                     f"seqLength={len(kept)}\nimWidth={info.width}\nimHeight={info.height}\n"
                     f"imExt={info.image_ext}\n")
    return target
