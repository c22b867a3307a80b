"""The learned scorer in the tracker: appearance must decide where geometry alone gets it wrong."""


import cv2
import numpy as np
import pytest

from siamtrack.configs import load_config
from siamtrack.tracker.core.build import build_tracker
from siamtrack.tracker.io.mot import read_ground_truth
from tests.conftest import DEMO_SEQ

SIZE = (60, 150)  # w, h of the pasted people


def people() -> list[np.ndarray]:
    """Two real, differently dressed people cropped from the bundled clip."""
    frame = cv2.imread(str(DEMO_SEQ / "img1" / "000001.jpg"))
    gt = read_ground_truth(DEMO_SEQ / "gt" / "gt.txt")
    boxes = {int(i): b for i, b in zip(gt.ids[gt.rows(1)], gt.boxes[gt.rows(1)], strict=True)}
    crops = []
    for identity in (1, 3):
        x, y, w, h = boxes[identity].astype(int)
        crops.append(cv2.resize(frame[y:y + h, x:x + w], SIZE))
    return crops


def occlusion_scene() -> tuple[list[np.ndarray], dict[int, np.ndarray], dict[int, list[int]]]:
    """A walks right, B walks left; both vanish for 15 frames and come back where geometry expects
    the *other* one (each only went part of the way): constant velocity predicts a swap."""
    crops = people()
    background = np.full((360, 640, 3), 120, np.uint8)
    frames, boxes, who = [], {}, {}
    for t in range(1, 41):
        if t <= 20:
            xs = [100 + 6 * t, 460 - 6 * t]
        elif t < 36:
            xs = []
        else:
            xs = [250 + 2 * (t - 35), 310 - 2 * (t - 35)]
        image = background.copy()
        b = []
        for person, x in enumerate(xs):
            image[100:100 + SIZE[1], x:x + SIZE[0]] = crops[person]
            b.append([x, 100, SIZE[0], SIZE[1]])
        frames.append(image)
        boxes[t] = np.array(b, dtype=float).reshape(-1, 4)
        who[t] = list(range(len(xs)))
    return frames, boxes, who


def track(scene, scorer_name: str, max_gap_seconds: float = 1.0):
    frames, boxes, who = scene
    config = load_config(overrides=[f"scorer={scorer_name}", f"tracker.max_gap_seconds={max_gap_seconds}",
                                    "tracker.min_link_probability=0.1"])
    tracker = build_tracker(config, frame_rate=25.0)
    identity_of = {}
    prev = None
    for t, image in enumerate(frames, start=1):
        for track_ in tracker.step(t, boxes[t], np.ones(len(boxes[t])), image, prev):
            row = int(np.argmin(np.abs(boxes[t][:, 0] - track_.boxes[-1][0])))
            identity_of[(t, who[t][row])] = track_.id
        prev = image
    return identity_of


def kept(identity_of) -> bool:
    return identity_of.get((20, 0)) == identity_of.get((40, 0)) and identity_of.get((20, 1)) == identity_of.get((40, 1))


def swapped(identity_of) -> bool:
    return identity_of.get((20, 0)) == identity_of.get((40, 1)) and identity_of.get((20, 1)) == identity_of.get((40, 0))


@pytest.fixture(scope="module")
def scene():
    return occlusion_scene()


def test_geometry_alone_swaps_the_two_people(scene):
    assert swapped(track(scene, "geometry"))


def test_learned_linker_keeps_identities_through_the_gap(scene):
    result = track(scene, "learned")
    assert kept(result), result
