"""The matcher as a library user meets it, and a tiny real training run."""

import dataclasses
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from siamtrack.siamese_cnn import ModelFileError, PatchMatcher
from siamtrack.siamese_cnn.matcher import PatchDescriptors
from siamtrack.siamese_cnn.training.data import mot_bank
from siamtrack.siamese_cnn.training.pair_evaluation import protocol_bank
from siamtrack.siamese_cnn.training.train import architecture_of, train_matcher
from siamtrack.tracker.io.mot import read_ground_truth
from tests.conftest import DEMO_SEQ, recipe


def frame(i: int) -> np.ndarray:
    return cv2.imread(str(DEMO_SEQ / "img1" / f"{i:06d}.jpg"))


def gt_boxes(i: int) -> tuple[np.ndarray, np.ndarray]:
    gt = read_ground_truth(DEMO_SEQ / "gt" / "gt.txt")
    sl = gt.rows(i)
    return gt.boxes[sl], gt.ids[sl]


@pytest.fixture(scope="module")
def shipped() -> PatchMatcher:
    return PatchMatcher.load()


def test_shipped_matcher_api_shapes_and_ranges(shipped: PatchMatcher):
    boxes1, ids1 = gt_boxes(20)
    boxes2, ids2 = gt_boxes(25)
    a = shipped.describe(frame(20), boxes1, frame(19))
    b = shipped.describe(frame(25), boxes2, None)
    p = shipped.match_probability(a, b)
    f = shipped.match_features(a, b)
    assert p.shape == (len(boxes1), len(boxes2)) and np.all((p >= 0) & (p <= 1))
    assert f.shape[:2] == p.shape and f.shape[2] == shipped.net.head.f7.in_features
    # Real people five frames apart: the same person scores higher than the others, on average.
    same = ids1[:, None] == ids2[None, :]
    assert p[same].mean() > p[~same].mean() + 0.2
    assert shipped.match_probability(a, a.take([])).shape == (len(boxes1), 0)


def test_describe_is_deterministic(shipped: PatchMatcher):
    boxes, _ = gt_boxes(30)
    a = shipped.describe(frame(30), boxes, frame(29))
    b = shipped.describe(frame(30), boxes, frame(29))
    assert torch.equal(a.embeddings, b.embeddings)


def test_warm_up_changes_no_result():
    """The warm-up runs on a synthetic frame pair; a video's first frames describe exactly as without it."""
    cold, warm = PatchMatcher.load(), PatchMatcher.load()
    assert warm.warm_up() is warm
    for i in (29, 30):  # consecutive frames: the second reuses the flow's cached previous frame
        boxes, _ = gt_boxes(i)
        a = cold.describe(frame(i), boxes, frame(i - 1) if i == 30 else None)
        b = warm.describe(frame(i), boxes, frame(i - 1) if i == 30 else None)
        assert torch.equal(a.embeddings, b.embeddings) and np.array_equal(a.hist, b.hist)



@pytest.mark.parametrize("topology", ["cost_function", "triplet", "in_network", "joint_input"])
def test_matcher_fast_paths_give_the_networks_own_pair_outputs(topology: str):
    """The matcher normalises the input while building it, embeds once per box and builds pair
    inputs from N + M rows; the network's plain per-pair path must give the same outputs."""
    from siamtrack.siamese_cnn.network import SiameseNet
    from siamtrack.siamese_cnn.patches import crop_colour, crop_flow, network_input

    torch.manual_seed(0)
    net = SiameseNet(topology=topology, width=8, embed_dim=32, feature_dim=16).eval()
    net.mean, net.std = torch.linspace(0.2, 0.5, 5), torch.linspace(0.3, 0.1, 5)
    matcher = PatchMatcher(net, dataclasses.replace(recipe().matcher_training.patch, flow_width=160), frozen=True)
    boxes, _ = gt_boxes(30)
    a = matcher.describe(frame(30), boxes, frame(29))
    b = matcher.describe(frame(31), boxes[:3] + 2.0, frame(30))
    pairs = matcher.compare(a, b)
    field, scale = matcher._flow.compute(frame(29), frame(30))
    raw = network_input(crop_colour(frame(30), boxes, matcher.spec), crop_flow(field, scale, boxes, matcher.spec))
    with torch.inference_mode():
        torch.testing.assert_close(a.embeddings, net.embed(raw), rtol=1e-4, atol=1e-5)  # folded: rounding only
        n, m = len(a), len(b)
        i, j = np.repeat(np.arange(n), m), np.tile(np.arange(m), n)
        reference = matcher.pair_probability(PatchDescriptors.concat([a, b]), i, n + j).reshape(n, m)
    np.testing.assert_allclose(pairs.probability, reference, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(matcher.match_probability(a, b), pairs.probability, rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(matcher.match_features(a, b), pairs.features)
    if topology != "joint_input":
        np.testing.assert_allclose(pairs.cosine, matcher.embedding_similarity(a, b), atol=1e-6)

def test_folded_branch_gives_the_networks_embeddings(shipped: PatchMatcher):
    """The loaded matcher runs the branch with BatchNorm folded into the convs: same numbers."""
    boxes, _ = gt_boxes(30)
    d = shipped.describe(frame(30), boxes, frame(29))
    unfolded = PatchMatcher(shipped.net, shipped.spec)
    assert shipped._folded_branch is not None and unfolded._folded_branch is None
    e = unfolded.describe(frame(30), boxes, frame(29))
    assert d.embeddings.abs().max() > 0.1
    torch.testing.assert_close(d.embeddings, e.embeddings, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("shape", [(6, 16, 64, 32), (1, 3, 8, 4), (2, 4, 7, 6)])
def test_halving_max_pool_is_max_pool(shape: tuple[int, int, int, int]):
    """Exactly ``MaxPool2d(2)``, in either memory layout and for odd sides (which it hands on)."""
    from siamtrack.siamese_cnn.network import HalvingMaxPool

    x = torch.randn(*shape, generator=torch.Generator().manual_seed(0))
    for layout in (torch.channels_last, torch.contiguous_format):
        y = x.contiguous(memory_format=layout)
        assert torch.equal(HalvingMaxPool()(y), torch.nn.MaxPool2d(2)(y))


def test_tiny_training_run_lowers_loss_and_round_trips(tmp_path: Path):
    spec = recipe().matcher_training.patch
    train = mot_bank(DEMO_SEQ, spec, frames=set(range(1, 40)), jitter=0.05)
    holdout = protocol_bank([DEMO_SEQ], spec, step=10, frame_range=(0.5, 1.0))
    cfg = dataclasses.replace(recipe().matcher_training, batch=16, steps_per_epoch=12, max_epochs=3, patience=10,
                              lr=3e-3)
    matcher, history = train_matcher(train, holdout, cfg, spec, log=lambda *_: None, progress=False)
    assert history[-1]["loss"] < history[0]["loss"]
    path = tmp_path / "m.pt"
    matcher.save(path, architecture_of(cfg))
    again = PatchMatcher.load(path)
    boxes, _ = gt_boxes(50)
    d1 = matcher.describe(frame(50), boxes, frame(49))
    d2 = again.describe(frame(50), boxes, frame(49))
    np.testing.assert_allclose(matcher.match_probability(d1, d1), again.match_probability(d2, d2), atol=1e-6)


def test_tampered_or_foreign_model_files_are_refused(tmp_path: Path):
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"not a model at all")
    with pytest.raises(ModelFileError, match="garbage.pt: not a valid siamtrack matcher file"):
        PatchMatcher.load(garbage)

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    pickled = tmp_path / "evil.pt"
    torch.save({"architecture": Evil()}, pickled)
    with pytest.raises(ModelFileError, match="evil.pt"):
        PatchMatcher.load(pickled)
    with pytest.raises(ModelFileError, match="model file not found"):
        PatchMatcher.load(tmp_path / "missing.pt")


def test_compare_agrees_with_the_single_purpose_calls(shipped: PatchMatcher):
    boxes, _ = gt_boxes(40)
    a = shipped.describe(frame(40), boxes, frame(39))
    b = shipped.describe(frame(45), gt_boxes(45)[0], frame(44))
    pairs = shipped.compare(a, b)
    np.testing.assert_allclose(pairs.probability, shipped.match_probability(a, b), atol=1e-6)
    np.testing.assert_allclose(pairs.features, shipped.match_features(a, b), atol=1e-6)
    np.testing.assert_allclose(pairs.cosine, shipped.embedding_similarity(a, b), atol=1e-6)
    assert pairs.part_similarity.shape == (len(a), len(b), a.hist.shape[1])
    assert np.all((pairs.part_similarity >= 0) & (pairs.part_similarity <= 1))
    empty = shipped.compare(a, b.take([]))
    assert empty.features.shape == (len(a), 0, pairs.features.shape[2]) and empty.cosine.shape == (len(a), 0)


def test_unit_embeddings_kept_per_box_give_the_same_comparison(shipped: PatchMatcher):
    """Descriptors carry their unit-length embeddings (normalised once per box, not in every frame a
    track's memory is compared); slicing, picking and joining keep them; without them (descriptors
    built elsewhere) ``compare`` normalises itself and gives the same numbers."""
    a = shipped.describe(frame(40), gt_boxes(40)[0], frame(39))
    b = shipped.describe(frame(45), gt_boxes(45)[0], frame(44))
    assert torch.equal(a.units, torch.nn.functional.normalize(a.embeddings, dim=-1))
    joined = PatchDescriptors.concat([a.rows(1, 3), b.take([0, 2]), a.rows(0, 1)])
    assert torch.equal(joined.units, torch.cat([a.units[1:3], b.units[[0, 2]], a.units[:1]]))
    with_units = shipped.compare(joined, b)
    joined.units = b.units = None
    without = shipped.compare(joined, b)
    np.testing.assert_array_equal(with_units.features, without.features)
    np.testing.assert_array_equal(with_units.cosine, without.cosine)
    assert PatchDescriptors.concat([a, b]).units is None  # one part without: none at all


def test_hidden_people_are_trusted_less(shipped: PatchMatcher):
    """A box described with a nearer box over its lower half carries that occlusion, and the
    shipped head lowers its confidence that it matches the unoccluded view of the same person."""
    assert shipped.net.n_cues > 5  # the shipped model reads the occlusion cues
    boxes, ids = gt_boxes(20)
    boxes_later, ids_later = gt_boxes(25)
    k = int(np.nonzero(np.isin(ids, ids_later))[0][0])  # someone seen in both frames
    person = boxes[k:k + 1]
    occluder = person + np.array([[person[0, 2] * 0.2, person[0, 3] * 0.5, 0.0, 0.0]])  # lower: nearer
    alone = shipped.describe(frame(20), person, frame(19))
    hidden = shipped.describe(frame(20), np.r_[person, occluder], frame(19)).take([0])
    assert not alone.occlusion.any() and hidden.occlusion[0, 0] > 0.2
    assert hidden.occlusion[0, 1] == 0.0 and hidden.occlusion[0, 4] > 0.5  # the head is free, the feet hidden
    later = shipped.describe(frame(25), boxes_later[ids_later == ids[k]], frame(24))
    assert shipped.match_probability(hidden, later)[0, 0] < shipped.match_probability(alone, later)[0, 0]
