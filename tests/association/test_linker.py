"""The XGBoost linker: a real model, trained on real feature rows, saved and loaded safely."""

import json
from pathlib import Path

import numpy as np
import pytest
import xgboost as xgb

from siamtrack.association.context import CONTEXT_FEATURES, context_features
from siamtrack.association.linker import Linker, LinkerFileError
from siamtrack.association.training.pairs import label_detections
from siamtrack.association.types import FrameDetections, TrackBatch
from siamtrack.tracker.io.mot import read_detections, read_ground_truth
from tests.conftest import DEMO_SEQ


def real_context_rows():
    """Context features of detections at frame t against gt-labelled detections at t - 1."""
    dets = read_detections(DEMO_SEQ / "det" / "det.txt")
    labels = label_detections(dets, read_ground_truth(DEMO_SEQ / "gt" / "gt.txt"))
    xs, ys = [], []
    for t in range(2, 72):
        prev, cur = dets.rows(t - 1), dets.rows(t)
        keep = labels[prev] >= 0
        if not keep.any() or cur.stop == cur.start:
            continue
        boxes = dets.boxes[prev][keep]
        tracks = TrackBatch(labels[prev][keep], boxes, boxes, np.zeros_like(boxes), np.ones(len(boxes), int),
                            np.full(len(boxes), 5), np.ones(len(boxes)))
        x = context_features(tracks, FrameDetections(t, dets.boxes[cur], np.ones(cur.stop - cur.start)), 25.0)
        xs.append(x.reshape(-1, x.shape[-1]))
        same = (labels[prev][keep][:, None] == labels[cur][None, :]) & (labels[cur][None, :] >= 0)
        ys.append(same.ravel())
    return np.concatenate(xs), np.concatenate(ys).astype(np.float32)


def test_labelled_detections_match_gt():
    dets = read_detections(DEMO_SEQ / "det" / "det.txt")
    labels = label_detections(dets, read_ground_truth(DEMO_SEQ / "gt" / "gt.txt"))
    assert 0.6 < (labels >= 0).mean() < 0.9  # ACF recall/precision on TUD-Campus: most boxes are people
    for frame in np.unique(dets.frames):
        found = labels[dets.rows(frame)]
        found = found[found >= 0]
        assert len(found) == len(set(found.tolist()))  # one detection per person per frame


def test_linker_learns_from_real_rows_and_round_trips(tmp_path: Path):
    x, y = real_context_rows()
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 3, "nthread": 1, "seed": 0},
                        xgb.DMatrix(x, label=y, feature_names=list(CONTEXT_FEATURES)), num_boost_round=20)
    linker = Linker(booster, list(CONTEXT_FEATURES), {"note": "test"})
    p = linker.probability(x)
    assert p.shape == y.shape and np.all((p >= 0) & (p <= 1))
    assert p[y == 1].mean() > 0.8 > 0.2 > p[y == 0].mean()
    path = tmp_path / "linker.ubj"
    linker.save(path)
    again = Linker.load(path)
    assert again.feature_names == list(CONTEXT_FEATURES) and again.info["note"] == "test"
    np.testing.assert_allclose(again.probability(x.reshape(-1, 1, x.shape[1])), p[:, None], rtol=1e-6)


def test_bad_linker_files_are_refused(tmp_path: Path):
    with pytest.raises(LinkerFileError, match="not found"):
        Linker.load(tmp_path / "none.ubj")
    pickle_like = tmp_path / "model.pkl"
    pickle_like.write_bytes(b"\x80\x04K\x01.")
    with pytest.raises(LinkerFileError, match=".ubj or .json"):
        Linker.load(pickle_like)
    tampered = tmp_path / "tampered.ubj"
    tampered.write_bytes(b"{garbage" * 10)
    with pytest.raises(LinkerFileError, match="tampered.ubj"):
        Linker.load(tampered)
    rows = np.random.default_rng(0).random((20, 3))
    plain = xgb.train({"objective": "binary:logistic"}, xgb.DMatrix(rows, label=np.r_[[0, 1] * 10]), num_boost_round=2)
    foreign = tmp_path / "foreign.json"
    plain.save_model(str(foreign))
    with pytest.raises(LinkerFileError, match="not a siamtrack linker"):
        Linker.load(foreign)


def test_shipped_linker_refuses_features_of_another_matcher():
    """The linker was trained on one matcher's F6 features; another matcher's would be misread."""
    from siamtrack.association.learned_scorer import LearnedScorer
    from siamtrack.siamese_cnn.errors import InputError
    from siamtrack.siamese_cnn.matcher import TRACKING_WEIGHTS, PatchMatcher

    linker = Linker.load()
    scorer = LearnedScorer(PatchMatcher.load(TRACKING_WEIGHTS), linker, frame_rate=25.0)
    assert scorer.needs_images
    with pytest.raises(InputError, match="trained on the features of matcher"):
        LearnedScorer(PatchMatcher.load(), linker, frame_rate=25.0)  # the occlusion-aware pair verifier


def test_config_threads_reach_xgboost_and_the_predictions_do_not_change():
    """`threads` (1 by default) is XGBoost's prediction thread count; the answer is the same."""
    rng = np.random.default_rng(0)
    features = rng.normal(size=(40, len(Linker.load().feature_names))).astype(np.float32)
    one, two = Linker.load(threads=1), Linker.load(threads=2)
    nthread = [json.loads(linker.booster.save_config())["learner"]["generic_param"]["nthread"] for linker in (one, two)]
    assert nthread == ["1", "2"]
    np.testing.assert_array_equal(one.probability(features), two.probability(features))
    from siamtrack.configs import load_config
    from siamtrack.tracker.core.build import build_scorer

    scorer = build_scorer(load_config(), 25.0)
    assert json.loads(scorer.linker.booster.save_config())["learner"]["generic_param"]["nthread"] == "1"


def test_prediction_is_xgboosts_own_for_any_leading_shape():
    """The linker flattens any leading shape into rows for XGBoost's public in-place prediction."""
    linker = Linker.load(threads=1)
    rng = np.random.default_rng(1)
    features = rng.normal(size=(9, 13, len(linker.feature_names))).astype(np.float32)
    features[0, :3] = np.nan  # missing values are XGBoost's to route
    expected = linker.booster.inplace_predict(features.reshape(-1, features.shape[-1]), validate_features=False)
    got = linker.probability(features)
    assert got.shape == (9, 13) and got.dtype == np.float64
    np.testing.assert_array_equal(got, expected.reshape(9, 13).astype(np.float64))
    np.testing.assert_array_equal(linker.probability(features[:, 2::3]), got[:, 2::3])  # strided input


def test_sequence_balance_weighs_each_sequence_alike_or_each_pair_alike():
    from siamtrack.association.training.train import sequence_weights
    from siamtrack.siamese_cnn import InputError

    counts = [1000, 10]
    alike = sequence_weights(counts, 0.0)
    assert np.allclose(alike, 1.0) and len(alike) == 1010
    equal = sequence_weights(counts, 1.0)
    assert equal[:1000].sum() == pytest.approx(equal[1000:].sum())  # the short sequence counts as much
    assert equal.mean() == pytest.approx(1.0)
    half = sequence_weights(counts, 0.5)
    assert half[:1000].sum() / half[1000:].sum() == pytest.approx(10.0)  # sqrt(1000 / 10)
    with pytest.raises(InputError, match="balance_sequences"):
        sequence_weights(counts, 1.5)
