import numpy as np
import pytest

from siamtrack.association.context import CONTEXT_FEATURES, context_features
from siamtrack.association.types import FrameDetections, TrackBatch


def feature(name: str, values: np.ndarray) -> np.ndarray:
    return values[..., CONTEXT_FEATURES.index(name)]


def test_hand_computed_pair():
    tracks = TrackBatch(
        ids=np.array([7]), last_boxes=np.array([[100.0, 50.0, 50.0, 100.0]]),
        predicted_boxes=np.array([[110.0, 50.0, 50.0, 100.0]]), velocities=np.array([[2.0, 0.0, 0.0, 0.0]]),
        gaps=np.array([5]), hits=np.array([9]), last_scores=np.array([0.8]))
    dets = FrameDetections(frame=20, boxes=np.array([[120.0, 50.0, 50.0, 200.0], [110.0, 50.0, 50.0, 100.0]]),
                           scores=np.array([0.9, 0.6]))
    f = context_features(tracks, dets, frame_rate=25.0)
    assert f.shape == (1, 2, len(CONTEXT_FEATURES)) and f.dtype == np.float32
    # det 0 centre (145, 150) vs last centre (125, 100), height 100
    assert feature("dx_last", f)[0, 0] == pytest.approx(0.2)
    assert feature("dy_last", f)[0, 0] == pytest.approx(0.5)
    assert feature("log_h_ratio", f)[0, 0] == pytest.approx(np.log(2.0))
    assert feature("log_aspect_change", f)[0, 0] == pytest.approx(np.log(0.25 / 0.5))
    assert feature("gap_frames", f)[0, 1] == 5 and feature("gap_seconds", f)[0, 1] == pytest.approx(0.2)
    assert feature("iou_pred", f)[0, 1] == pytest.approx(1.0) and feature("dist_pred", f)[0, 1] == pytest.approx(0.0)
    assert feature("iou_last", f)[0, 1] == pytest.approx(40 * 100 / (2 * 5000 - 40 * 100))
    assert feature("det_score", f)[0, 0] == pytest.approx(0.9) and feature("track_score", f)[0, 0] == pytest.approx(0.8)
    assert feature("speed", f)[0, 0] == pytest.approx(2.0 / 100 * 25)
    assert feature("log_hits", f)[0, 0] == pytest.approx(np.log(10))


def test_empty_sides():
    empty = TrackBatch(np.zeros(0, int), np.zeros((0, 4)), np.zeros((0, 4)), np.zeros((0, 4)), np.zeros(0, int),
                       np.zeros(0, int), np.zeros(0))
    dets = FrameDetections(1, np.array([[0, 0, 10, 20.0]]), np.array([1.0]))
    assert context_features(empty, dets, 30).shape == (0, 1, len(CONTEXT_FEATURES))
