"""Flow must be transformed with the pixels: a flip negates fx, a rotation turns the vector."""

import numpy as np
import pytest
import torch
from torchvision.transforms.v2 import functional as TF

from siamtrack.siamese_cnn.training.augment import AugmentSpec, affine_linear_part, augment_patch, transform_flow


@pytest.mark.parametrize(("angle", "scale", "sx", "sy"), [(30, 1.0, 0, 0), (0, 1.0, 20, 0), (0, 1.0, 0, 20),
                                                          (12, 1.1, 6, -4)])
def test_linear_part_matches_torchvision(angle, scale, sx, sy):
    size = 61
    for dx, dy in [(12, 0), (0, 12), (-8, 9)]:
        image = torch.zeros(1, size, size)
        image[0, 30 + dy, 30 + dx] = 1.0
        moved = TF.affine(image, angle=angle, translate=[0, 0], scale=scale, shear=[sx, sy])
        row, col = divmod(int(torch.argmax(moved[0])), size)
        expected = affine_linear_part(angle, scale, sx, sy) @ np.array([dx, dy])
        assert abs(col - 30 - expected[0]) <= 1.0 and abs(row - 30 - expected[1]) <= 1.0


def test_flip_negates_fx_and_keeps_fy():
    spec = AugmentSpec(flip=1.0, rotation=0, translation=0, scale=0, shear=0, blur=0, noise=0, gamma=0)
    x = torch.zeros(5, 16, 8)
    x[:3] = 0.5
    x[3], x[4] = 0.7, -0.2
    y = augment_patch(x, spec, np.random.default_rng(0))
    assert torch.allclose(y[3, 4:12, 2:6], torch.tensor(-0.7)) and torch.allclose(y[4, 4:12, 2:6], torch.tensor(-0.2))


def test_rotation_turns_flow_vector_in_normalised_units():
    flow = torch.zeros(2, 4, 4)
    flow[0] = 1.0  # moving right by one box width per frame
    turned = transform_flow(flow, affine_linear_part(90, 1.0, 0, 0), height=4, width=4)
    assert torch.allclose(turned[0], torch.zeros(4, 4), atol=1e-6) and torch.allclose(turned[1], torch.ones(4, 4))


def test_photometric_changes_colour_only_and_is_seeded():
    spec = AugmentSpec(flip=0, rotation=0, translation=0, scale=0, shear=0, blur=1.0, noise=0.05, gamma=0.3)
    x = torch.rand(5, 32, 16)
    a = augment_patch(x, spec, np.random.default_rng(3))
    b = augment_patch(x, spec, np.random.default_rng(3))
    assert torch.equal(a, b)
    assert torch.allclose(a[3:], x[3:]) and not torch.allclose(a[:3], x[:3])
    assert a[:3].min() >= 0 and a[:3].max() <= 1
