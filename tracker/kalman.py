"""Constant-velocity Kalman filter of a box, with noise proportional to the box height.

State: centre x, centre y, width, height and their velocities per frame. Noise scales with
the height so that a far (small) person and a near (large) one get the same relative trust.
"""

from __future__ import annotations

import numpy as np

_DIM = 4
_F = np.eye(2 * _DIM)
_F[:_DIM, _DIM:] = np.eye(_DIM)
_H = np.eye(_DIM, 2 * _DIM)


def _to_measurement(box: np.ndarray) -> np.ndarray:
    x, y, w, h = box
    return np.array([x + w / 2.0, y + h / 2.0, w, h])


class BoxKalman:
    """One track's motion state. ``pos_std`` and ``vel_std`` are fractions of the box height."""

    def __init__(self, box: np.ndarray, pos_std: float = 1 / 20, vel_std: float = 1 / 160,
                 meas_std: float = 1 / 20):
        self.pos_std, self.vel_std, self.meas_std = pos_std, vel_std, meas_std
        z = _to_measurement(np.asarray(box, dtype=np.float64))
        self.mean = np.concatenate([z, np.zeros(_DIM)])
        h = z[3]
        std = np.array([2 * pos_std * h] * _DIM + [10 * vel_std * h] * _DIM)
        self.cov = np.diag(std**2)

    def predict(self) -> None:
        h = max(self.mean[3], 1.0)
        q = np.array([self.pos_std * h] * _DIM + [self.vel_std * h] * _DIM) ** 2
        self.mean = _F @ self.mean
        self.mean[2:4] = np.maximum(self.mean[2:4], 1.0)
        self.cov = _F @ self.cov @ _F.T + np.diag(q)

    def update(self, box: np.ndarray) -> None:
        z = _to_measurement(np.asarray(box, dtype=np.float64))
        # H picks the first _DIM state entries, so H @ P is a slice: no 8x8 products per update
        projected = self.cov[:_DIM]  # H @ P
        s = projected[:, :_DIM] + np.diag(np.full(_DIM, (self.meas_std * max(z[3], 1.0)) ** 2))
        gain = np.linalg.solve(s, projected).T
        self.mean = self.mean + gain @ (z - self.mean[:_DIM])
        self.cov = self.cov - gain @ projected

    def box(self) -> np.ndarray:
        cx, cy, w, h = self.mean[:_DIM]
        return np.array([cx - w / 2.0, cy - h / 2.0, w, h])

    def velocity(self) -> np.ndarray:
        """Per-frame change of (x, y, w, h) of the top-left box."""
        vcx, vcy, vw, vh = self.mean[_DIM:]
        return np.array([vcx - vw / 2.0, vcy - vh / 2.0, vw, vh])
