"""``siamtrack calibrate-scores``: the detector-score calibrations of ``tracker/io/score_calibration.py``
refitted from data, so the shipped constants can be reproduced (and refitted on other sequences).

For each score family, every box of the named sequences' ``det/det.txt`` (as the file has it) is
labelled "a person" when it overlaps an evaluated gt box (conf != 0, class 1) at IoU >= 0.5, each
box on its own (not one-to-one: "is this box on a person?" is the question a score answers),
and p = sigmoid(slope * (score - centre)) is fitted to those labels by maximum likelihood. With
the defaults this reproduces the shipped constants (a test checks it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from siamtrack.association.geometry import iou_matrix
from siamtrack.siamese_cnn.errors import InputError
from siamtrack.tracker.io.mot import BoxTable, read_detections, read_ground_truth


@dataclass(frozen=True)
class Calibration:
    slope: float
    centre: float
    boxes: int
    people: int
    sequences: tuple[str, ...]


def fit_logistic(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """(slope, centre) of the maximum-likelihood logistic curve; scores are standardised for the
    optimiser and the result mapped back, so raw ranges of ~100 (ACF) and ~5 (DPM) fit alike."""
    mean, std = float(scores.mean()), float(scores.std()) or 1.0
    z, y = (scores - mean) / std, labels.astype(np.float64)

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        logit = params[0] * z + params[1]
        nll = np.logaddexp(0.0, logit) - y * logit
        grad_logit = 1.0 / (1.0 + np.exp(-logit)) - y
        return float(nll.mean()), np.array([(grad_logit * z).mean(), grad_logit.mean()])

    a, c = minimize(loss, np.zeros(2), jac=True, method="BFGS", options={"gtol": 1e-10}).x
    slope = a / std
    return float(slope), float(mean - c * std / a)


def on_a_person(dets: BoxTable, gt: BoxTable, min_iou: float = 0.5) -> np.ndarray:
    """Whether each detection overlaps an evaluated gt person at ``min_iou`` or more."""
    person = (gt.scores != 0) & (gt.classes == 1)
    out = np.zeros(len(dets), bool)
    for frame in np.unique(dets.frames):
        d_rows, g_rows = dets.rows(frame), gt.rows(frame)
        people = gt.boxes[g_rows][person[g_rows]]
        if len(people):
            out[d_rows] = iou_matrix(dets.boxes[d_rows], people).max(axis=1) >= min_iou
    return out


def fit_calibrations(data_dir: Path, families: dict[str, list[str]]) -> dict[str, Calibration]:
    fits = {}
    for family, names in families.items():
        scores, labels = [], []
        for name in names:
            seq = data_dir / name
            for path in (seq / "det" / "det.txt", seq / "gt" / "gt.txt"):
                if not path.is_file():
                    raise InputError(f"{path}: not found (calibration needs each sequence's det and gt)")
            dets = read_detections(seq / "det" / "det.txt")
            scores.append(dets.scores)
            labels.append(on_a_person(dets, read_ground_truth(seq / "gt" / "gt.txt")))
        s, y = np.concatenate(scores), np.concatenate(labels)
        if not 0 < y.sum() < len(y):
            raise InputError(f"{family}: the sequences' boxes are all or none people; cannot fit a calibration")
        slope, centre = fit_logistic(s, y)
        fits[family] = Calibration(slope, centre, len(s), int(y.sum()), tuple(names))
    return fits
