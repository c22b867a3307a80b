"""Training augmentation of 5-channel patches (L, U, V in [0, 1]; flow x, y), with torchvision v2.

Geometric transforms move the pixels of all five channels together *and* transform the flow
vectors by the same linear map, so motion stays consistent with the picture: a horizontal flip
negates fx, a rotation turns (fx, fy). Photometric transforms (blur, noise, gamma) touch colour
only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torchvision.transforms import InterpolationMode
from torchvision.transforms.v2 import functional as TF


@dataclass(frozen=True)
class AugmentSpec:
    """How strongly training patches are varied (the values: ``matcher_training.augment``)."""

    flip: float  # probability of a horizontal flip
    rotation: float  # degrees, uniform in [-r, r]
    translation: float  # fraction of the patch size
    scale: float  # zoom uniform in [1 - s, 1 + s]
    shear: float  # degrees
    blur: float  # probability of a Gaussian blur
    noise: float  # std of additive noise on colour
    gamma: float  # gamma uniform in [1 - g, 1 + g] on L


def affine_linear_part(angle: float, scale: float, shear_x: float, shear_y: float) -> np.ndarray:
    """The 2x2 matrix torchvision's ``affine`` applies to pixel offsets (x right, y down).

    Checked against torchvision by moving single pixels (tests/test_augment.py).
    """
    a, sx, sy = map(math.radians, (angle, shear_x, shear_y))
    rotation = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    shear_y_m = np.array([[1.0, 0.0], [-math.tan(sy), 1.0]])
    shear_x_m = np.array([[1.0, -math.tan(sx)], [0.0, 1.0]])
    return scale * rotation @ shear_y_m @ shear_x_m


def transform_flow(flow: torch.Tensor, linear: np.ndarray, height: int, width: int) -> torch.Tensor:
    """Apply a pixel-space linear map to box-normalised flow (fx by width, fy by height).

    In patch pixels a flow vector is D @ f with D = diag(width, height); after the map it is
    A @ D @ f, so in normalised units f' = D^-1 A D f.
    """
    d = np.diag([width, height]).astype(np.float64)
    m = torch.as_tensor(np.linalg.inv(d) @ linear @ d, dtype=flow.dtype)
    return torch.einsum("ij,jhw->ihw", m, flow)


def augment_patch(x: torch.Tensor, spec: AugmentSpec, rng: np.random.Generator) -> torch.Tensor:
    """One random augmentation of a (5, H, W) patch. Deterministic given ``rng``."""
    x = x.clone()
    _, h, w = x.shape
    if rng.random() < spec.flip:
        x = TF.horizontal_flip(x)
        x[3] = -x[3]
    angle = float(rng.uniform(-spec.rotation, spec.rotation))
    scale = float(rng.uniform(1 - spec.scale, 1 + spec.scale))
    shear = [float(rng.uniform(-spec.shear, spec.shear)), float(rng.uniform(-spec.shear, spec.shear))]
    shift = [int(round(rng.uniform(-spec.translation, spec.translation) * w)),
             int(round(rng.uniform(-spec.translation, spec.translation) * h))]
    x = TF.affine(x, angle=angle, translate=shift, scale=scale, shear=shear,
                  interpolation=InterpolationMode.BILINEAR)
    x[3:5] = transform_flow(x[3:5], affine_linear_part(angle, scale, *shear), h, w)
    colour = x[:3]
    if rng.random() < spec.blur:
        colour = TF.gaussian_blur(colour, kernel_size=[3, 3], sigma=[float(rng.uniform(0.3, 1.2))] * 2)
    gamma = float(rng.uniform(1 - spec.gamma, 1 + spec.gamma))
    colour[0] = colour[0].clamp(0, 1) ** gamma
    if spec.noise > 0:
        colour = colour + torch.from_numpy(rng.normal(0, spec.noise, colour.shape).astype(np.float32))
    x[:3] = colour.clamp(0, 1)
    return x


def augment_batch(batch: torch.Tensor, spec: AugmentSpec, rng: np.random.Generator) -> torch.Tensor:
    return torch.stack([augment_patch(x, spec, rng) for x in batch])
