"""Turn raw detector scores into probabilities that a box is a real person.

Raw scores are not probabilities: ACF (MOT15 public detections) runs from about -1 to 120,
DPM (MOT16) from -0.5 to about 5, Faster R-CNN is already in [0, 1]. The tracker's thresholds
(``min_score``, ``birth_score``) are probabilities, so one config serves every source.

Each calibration is a logistic curve p = sigmoid(a * (s - b)) fitted by maximum likelihood to
"box overlaps a gt person at IoU >= 0.5" on every labelled sequence the shipped models were
trained on (ACF: TUD-Campus, TUD-Stadtmitte and KITTI-17; DPM: MOT16-09 and MOT16-11-half; the
leave-one-out protocol fits its own per fold, from its training sequences only).
``siamtrack calibrate-scores --data ../shared/data/mot`` refits them (``tracker/app/calibrate.py``)
and prints these constants.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from siamtrack.siamese_cnn.errors import InputError

CALIBRATIONS: dict[str, tuple[float, float]] = {
    "acf": (0.07717, 20.24),
    "dpm": (2.935, -0.02189),
}
SOURCES = ("auto", "acf", "dpm", "probability")


def guess_source(scores: np.ndarray) -> str:
    """Name the score family from its range (used when the config says ``auto``).

    Probabilities stay in [0, 1]; DPM stays below ~10 and goes negative; ACF reaches tens.
    """
    if len(scores) == 0:
        return "probability"
    low, high = float(np.min(scores)), float(np.max(scores))
    if low >= 0.0 and high <= 1.0:
        return "probability"
    if high > 10.0:
        return "acf"
    return "dpm"


def calibrate(scores: np.ndarray, source: str = "auto",
              calibrations: Mapping[str, tuple[float, float]] | None = None) -> np.ndarray:
    """Map raw scores to probabilities in [0, 1] for the named (or guessed) source.

    ``calibrations`` replaces the shipped (slope, centre) pairs: the generalisation protocol fits
    them on each fold's training sequences, so no held-out box shapes its thresholds.
    """
    if source not in SOURCES:
        raise InputError(f"unknown detection score source {source!r}; choose one of {', '.join(SOURCES)}")
    scores = np.asarray(scores, dtype=np.float64)
    if source == "auto":
        source = guess_source(scores)
    if source == "probability":
        return np.clip(scores, 0.0, 1.0)
    slope, centre = (calibrations or CALIBRATIONS)[source]
    return 1.0 / (1.0 + np.exp(-slope * (scores - centre)))
