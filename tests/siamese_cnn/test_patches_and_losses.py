import cv2
import numpy as np
import pytest
import torch

from siamtrack.siamese_cnn.histogram import (
    bhattacharyya,
    hs_histograms,
    part_histograms,
    part_similarity,
    part_similarity_rows,
)
from siamtrack.siamese_cnn.patches import FlowField, bgr_to_luv, crop_colour, crop_flow, network_input
from siamtrack.siamese_cnn.training.losses import contrastive_loss, squared_distance, triplet_loss
from tests.conftest import DEMO_SEQ, recipe

SPEC = recipe().matcher_training.patch


def demo_frame(i: int) -> np.ndarray:
    return cv2.imread(str(DEMO_SEQ / "img1" / f"{i:06d}.jpg"))


def test_patch_shapes_and_ranges_with_boxes_on_and_past_the_border():
    frame = demo_frame(1)
    boxes = np.array([[100, 100, 50, 120], [-30, -20, 60, 150], [600, 400, 80, 200], [700, 500, 40, 90]], float)
    bgr = crop_colour(frame, boxes, SPEC)
    assert bgr.shape == (4, 64, 32, 3) and bgr.dtype == np.uint8
    luv = bgr_to_luv(bgr)
    assert luv.min() >= 0 and luv.max() <= 1
    flow = crop_flow(None, 1.0, boxes, SPEC)
    x = network_input(bgr, flow)
    assert x.shape == (4, 5, 64, 32) and torch.isfinite(x).all()
    assert torch.all(x[:, 3:] == 0)  # no previous frame: no motion
    assert x.is_contiguous(memory_format=torch.channels_last)
    assert torch.allclose(x[:, :3].permute(0, 2, 3, 1), torch.from_numpy(luv))



@pytest.mark.parametrize("channels", [3, 5])
def test_input_normalised_while_built_equals_the_networks_normalisation(channels: int):
    """The tracker normalises the interleaved array before torch sees it; training normalises the
    tensor. Both must give the CNN exactly the same numbers."""
    from siamtrack.siamese_cnn.network import SiameseNet

    frame, prev = demo_frame(12), demo_frame(11)
    boxes = np.array([[100, 100, 50, 120], [300, 120, 60, 150]], float)
    field = FlowField(SPEC)
    bgr = crop_colour(frame, boxes, SPEC)
    flow = crop_flow(*field.compute(prev, frame), boxes, SPEC)
    net = SiameseNet(in_channels=channels)
    net.mean = torch.linspace(0.1, 0.5, channels)
    net.std = torch.linspace(0.3, 0.05, channels)
    normalised = network_input(bgr, flow, channels, net.mean.numpy(), net.std.numpy())
    assert torch.equal(normalised, net.normalise(network_input(bgr, flow, channels)))
    assert not torch.equal(normalised, network_input(bgr, flow, channels))

def test_flow_crop_points_the_way_the_scene_moves():
    frame = demo_frame(10)
    shift = 6
    moved = np.roll(frame, shift, axis=1)  # everything moves right by 6 px
    flow_field = FlowField(SPEC)
    flow, scale = flow_field.compute(frame, moved)
    box = np.array([[250, 150, 80, 200.0]])
    crop = crop_flow(flow, scale, box, SPEC)[0]
    fx, fy = np.median(crop[..., 0]), np.median(crop[..., 1])
    assert fx == pytest.approx(SPEC.flow_gain * shift / 80, rel=0.35) and abs(fy) < 0.1
    # mirror the scene: the same motion now reads leftwards
    flow_m, _ = flow_field.compute(frame[:, ::-1].copy(), moved[:, ::-1].copy())
    box_m = np.array([[640 - 250 - 80, 150, 80, 200.0]])
    assert np.median(crop_flow(flow_m, scale, box_m, SPEC)[0, ..., 0]) == pytest.approx(-fx, rel=0.35)


def test_histogram_similarity_is_one_for_same_patch_and_lower_for_others():
    frame = demo_frame(1)
    bgr = crop_colour(frame, np.array([[198, 203, 62, 141], [396, 178, 104, 236.0]]), SPEC)
    h = hs_histograms(bgr)
    assert np.allclose(h.sum(1), 1.0)
    sim = bhattacharyya(h, h)
    assert np.allclose(np.diag(sim), 1.0, atol=1e-5) and sim[0, 1] < 0.99


def test_contrastive_loss_hand_computed():
    a = torch.tensor([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]])
    b = torch.tensor([[0.0, 2.0], [1.0, 0.0], [0.0, 3.0]])
    same = torch.tensor([1, 1, 0])
    # d = 2, 0, 2; loss = (1*2 + 0 + max(3 - 2, 0)) / (2 * 3)
    assert float(contrastive_loss(a, b, same, margin=3.0)) == pytest.approx(3.0 / 6.0)
    assert float(squared_distance(a, -a)[0]) == pytest.approx(4.0)


def test_triplet_loss_hand_computed():
    anchor = torch.tensor([[1.0, 0.0]])
    positive = torch.tensor([[0.0, 1.0]])  # d = 2
    negative = torch.tensor([[1.0, 0.0]])  # d = 0
    assert float(triplet_loss(anchor, positive, negative, margin=0.5)) == pytest.approx(2.5)
    assert float(triplet_loss(anchor, negative, positive, margin=0.5)) == 0.0


def test_stripe_histograms_tell_swapped_clothes_apart():
    top_red = np.zeros((1, 64, 32, 3), np.uint8)
    top_red[:, :32] = (0, 0, 200)  # BGR red upper half
    top_red[:, 32:] = (200, 0, 0)  # blue lower half
    top_blue = top_red[:, ::-1].copy()  # upside down: blue on top, red below
    a, b = part_histograms(top_red), part_histograms(top_blue)
    sim = part_similarity(a, b)[0, 0]
    assert a.shape == (1, 5, 128)
    assert sim[0] == pytest.approx(1.0, abs=1e-5)  # the whole-box histogram cannot tell them apart
    assert sim[1:].mean() < 0.6  # the stripes can
    np.testing.assert_allclose(part_similarity_rows(a, b)[0], sim, atol=1e-6)


def test_occlusion_cues_by_hand():
    from siamtrack.siamese_cnn.occlusion import occlusion_cues

    # box 1 stands in front of the right half of box 0's lower half; box 2 is alone.
    boxes = np.array([[0, 0, 10, 40], [5, 20, 10, 40], [100, 0, 10, 10]], dtype=float)
    occ = occlusion_cues(boxes)
    np.testing.assert_allclose(occ[0], [0.25, 0.0, 0.0, 0.5, 0.5])
    assert not occ[1:].any()  # the nearer box and the lone box are fully visible
    assert occlusion_cues(boxes[:1]).shape == (1, 5) and not occlusion_cues(boxes[:1]).any()
    # a crowd larger than one block gives the same answer as computed in one go
    import siamese_cnn.occlusion as occlusion_module

    rng = np.random.default_rng(0)
    crowd = np.c_[rng.uniform(0, 500, (150, 2)), rng.uniform(20, 60, (150, 1)), rng.uniform(60, 180, (150, 1))]
    blocked = occlusion_cues(crowd)
    block, occlusion_module._BLOCK = occlusion_module._BLOCK, 10_000
    try:
        np.testing.assert_array_equal(blocked, occlusion_cues(crowd))
    finally:
        occlusion_module._BLOCK = block
    assert blocked.shape == (150, 5) and blocked[:, 0].max() > 0.5 and (blocked >= 0).all() and (blocked <= 1).all()
