"""Constant-velocity Kalman filters of boxes, with noise proportional to the box height.

State: centre x, centre y, width, height and their velocities per frame. Noise scales with
the height so that a far (small) person and a near (large) one get the same relative trust.

Time-aware (``frame_rate`` given): the noise is that of one motion model in seconds, written per
frame of a 30 fps video (``REFERENCE_RATE``) and converted to the real frame interval, so a
person walking for one second is predicted alike at 30, 10 or 5 fps. At 30 fps it is the
per-frame model exactly; without ``frame_rate`` the noise is per frame whatever the rate (the
model the shipped linker was trained with).

``KalmanBank`` filters all live tracks at once as arrays (one predict per frame, one batched
update for the matched rows): per-track numpy calls cost more than the maths at tracker sizes.
``BoxKalman`` is the one-box view of the same filter for code that follows a single chain.
"""

from __future__ import annotations

import numpy as np

_DIM = 4
REFERENCE_RATE = 30.0  # frame rate the per-frame noise figures are written for


def _to_measurement(boxes: np.ndarray) -> np.ndarray:
    """(K, 4) x, y, w, h -> (K, 4) centre x, centre y, w, h."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, _DIM)
    return np.concatenate([boxes[:, :2] + boxes[:, 2:] / 2.0, boxes[:, 2:]], axis=1)


class KalmanBank:
    """Motion states of many tracks, one row each. ``*_std`` are fractions of the box height."""

    def __init__(self, pos_std: float = 1 / 20, vel_std: float = 1 / 160, meas_std: float = 1 / 20,
                 frame_rate: float | None = None):
        # one real frame lasts `scale` reference frames: position noise grows with time, velocity
        # noise with time and with the velocity unit (per real frame), initial velocity with the unit
        scale = 1.0 if frame_rate is None else REFERENCE_RATE / float(frame_rate)
        self.frame_rate = frame_rate
        self.pos_std, self.meas_std = pos_std * scale**0.5, meas_std
        self.vel_std, self._init_vel_std = vel_std * scale**1.5, 10 * vel_std * scale
        self.mean = np.zeros((0, 2 * _DIM))
        self.cov = np.zeros((0, 2 * _DIM, 2 * _DIM))

    def __len__(self) -> int:
        return len(self.mean)

    def add(self, boxes: np.ndarray) -> None:
        """Start a row per box, at rest, with an uncertainty proportional to its height."""
        z = _to_measurement(boxes)
        if not len(z):
            return
        h = z[:, 3:4]
        std = np.concatenate([np.repeat(2 * self.pos_std * h, _DIM, axis=1),
                              np.repeat(self._init_vel_std * h, _DIM, axis=1)], axis=1)
        cov = np.zeros((len(z), 2 * _DIM, 2 * _DIM))
        cov[:, np.arange(2 * _DIM), np.arange(2 * _DIM)] = std**2
        self.mean = np.concatenate([self.mean, np.concatenate([z, np.zeros_like(z)], axis=1)])
        self.cov = np.concatenate([self.cov, cov])

    def keep(self, rows: np.ndarray) -> None:
        """Keep only these rows (a boolean mask or indices), in this order."""
        self.mean, self.cov = self.mean[rows], self.cov[rows]

    def predict(self) -> None:
        """One frame ahead for every row."""
        h = np.maximum(self.mean[:, 3], 1.0)[:, None]
        q = np.concatenate([np.repeat((self.pos_std * h) ** 2, _DIM, axis=1),
                            np.repeat((self.vel_std * h) ** 2, _DIM, axis=1)], axis=1)
        self.mean[:, :_DIM] += self.mean[:, _DIM:]
        self.mean[:, 2:4] = np.maximum(self.mean[:, 2:4], 1.0)
        # F P F^T with F = [[I, I], [0, I]], done by blocks: rows then columns of P get the velocity block added.
        cov = self.cov
        cov[:, :_DIM] += cov[:, _DIM:]
        cov[:, :, :_DIM] += cov[:, :, _DIM:]
        diag = np.arange(2 * _DIM)
        cov[:, diag, diag] += q

    def update(self, rows: np.ndarray, boxes: np.ndarray) -> None:
        """Correct the given rows with one measured box each."""
        rows = np.asarray(rows, dtype=int)
        if not len(rows):
            return
        z = _to_measurement(boxes)
        cov = self.cov[rows]
        # H picks the first _DIM state entries, so H @ P is a slice: no 8x8 products
        projected = cov[:, :_DIM]  # (K, 4, 8)
        s = projected[:, :, :_DIM].copy()
        diag = np.arange(_DIM)
        s[:, diag, diag] += ((self.meas_std * np.maximum(z[:, 3], 1.0)) ** 2)[:, None]
        gain = np.linalg.solve(s, projected).transpose(0, 2, 1)  # (K, 8, 4)
        innovation = z - self.mean[rows, :_DIM]
        self.mean[rows] += np.einsum("kij,kj->ki", gain, innovation)
        self.cov[rows] = cov - gain @ projected

    def warp(self, transform: np.ndarray) -> None:
        """Move every row by the camera's motion (a (2, 3) similarity transform): centres mapped,
        sizes scaled, velocities rotated and scaled, and the uncertainty with them."""
        if not len(self.mean):
            return
        linear = np.asarray(transform, np.float64)[:, :2]
        shift = np.asarray(transform, np.float64)[:, 2]
        size = float(np.sqrt(abs(np.linalg.det(linear))))
        block = np.zeros((_DIM, _DIM))
        block[:2, :2], block[2, 2], block[3, 3] = linear, size, size
        m = np.zeros((2 * _DIM, 2 * _DIM))
        m[:_DIM, :_DIM], m[_DIM:, _DIM:] = block, block
        self.mean = self.mean @ m.T
        self.mean[:, :2] += shift
        self.cov = m @ self.cov @ m.T

    def boxes(self) -> np.ndarray:
        """(T, 4) x, y, w, h of the current states."""
        c, size = self.mean[:, :2], self.mean[:, 2:_DIM]
        return np.concatenate([c - size / 2.0, size], axis=1)

    def velocities(self) -> np.ndarray:
        """(T, 4) per-frame change of (x, y, w, h) of the top-left box."""
        v = self.mean[:, _DIM:]
        return np.concatenate([v[:, :2] - v[:, 2:] / 2.0, v[:, 2:]], axis=1)

    def position_std(self) -> np.ndarray:
        """(T, 2) standard deviation of the predicted centre, in pixels."""
        return np.sqrt(self.cov[:, [0, 1], [0, 1]])


class BoxKalman:
    """One track's motion state: a bank of one row."""

    def __init__(self, box: np.ndarray, pos_std: float = 1 / 20, vel_std: float = 1 / 160,
                 meas_std: float = 1 / 20, frame_rate: float | None = None):
        self._bank = KalmanBank(pos_std, vel_std, meas_std, frame_rate)
        self._bank.add(box)

    def predict(self) -> None:
        self._bank.predict()

    def update(self, box: np.ndarray) -> None:
        self._bank.update(np.zeros(1, int), box)

    def warp(self, transform: np.ndarray) -> None:
        self._bank.warp(transform)

    def box(self) -> np.ndarray:
        return self._bank.boxes()[0]

    def velocity(self) -> np.ndarray:
        return self._bank.velocities()[0]

    def position_std(self) -> np.ndarray:
        return self._bank.position_std()[0]
