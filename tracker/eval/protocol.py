"""The leave-one-sequence-out protocol's folds and cells (issue "Win where nobody tuned").

A fold holds one sequence out; everything learned or chosen for it (matcher, linker, score
calibration, tracker rules) may see only its ``train`` sequences, and the fold says so in
``record()``, which a run writes beside its figures. Each held-out sequence is scored in cells: at
its native frame rate and subsampled to 1/2 and 1/3 (``subsample.py``), since users' cameras run
at 5 to 60 fps.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from siamtrack.siamese_cnn.errors import InputError
from siamtrack.tracker.io.subsample import subsample_sequence

RATES = (1, 2, 3)  # frame-rate divisors of the cells


@dataclass(frozen=True)
class Fold:
    held_out: str
    train: tuple[str, ...]

    def record(self) -> dict:
        """What the fold's outputs state about their data (and a test checks)."""
        return {"held_out": self.held_out, "train": list(self.train)}


def folds(sequences: list[str]) -> list[Fold]:
    """One fold per sequence, trained on all the others."""
    if len(set(sequences)) != len(sequences) or len(sequences) < 2:
        raise InputError(f"leave-one-out needs two or more distinct sequences, got {', '.join(sequences) or 'none'}")
    return [Fold(name, tuple(s for s in sequences if s != name)) for name in sequences]


@dataclass(frozen=True)
class Cell:
    fold: Fold
    rate: int  # the frame rate is the sequence's divided by this
    data_dir: Path  # MOT layout folder holding ``sequence``
    sequence: str


def cells(fold: Fold, data_dir: Path, work_dir: Path, rates: tuple[int, ...] = RATES) -> list[Cell]:
    """The held-out sequence at each rate; subsampled copies (frames linked) are made in ``work_dir``."""
    out = []
    for rate in rates:
        if rate == 1:
            out.append(Cell(fold, 1, Path(data_dir), fold.held_out))
        else:
            copy = subsample_sequence(Path(data_dir) / fold.held_out, rate, Path(work_dir) / f"every{rate}")
            out.append(Cell(fold, rate, copy.parent, copy.name))
    return out
