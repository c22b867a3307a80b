"""The perception cache on disk: the same tracks replayed from the file as from memory, keyed safely."""

import dataclasses
import shutil
from pathlib import Path

import numpy as np

from siamtrack.configs import default_config
from siamtrack.tracker.core.perception import perceive, replay
from siamtrack.tracker.core.perception_store import cached_perceive, load_perception, perception_key, track_cached
from siamtrack.tracker.core.sequence import track_sequence
from tests.conftest import DEMO_SEQ, SHARED_MOT, needs_shared


def test_a_stored_perception_replays_to_the_same_tracks(tmp_path: Path):
    config = default_config()
    fresh, path = cached_perceive(DEMO_SEQ, config, 0.3, cache_dir=tmp_path)
    assert path is not None and path.is_file() and path.suffix == ".npz"
    with np.load(path, allow_pickle=False) as data:  # safe to read: no pickled objects
        assert {"boxes", "scores", "embeddings", "hist", "occlusion", "camera", "meta"} <= set(data.files)
    stored, again = cached_perceive(DEMO_SEQ, config, 0.3, cache_dir=tmp_path)
    assert again == path and stored is not fresh
    for rules in ({}, {"min_score": 0.5, "min_hits": 3}):
        tuned = dataclasses.replace(config, tracker=dataclasses.replace(config.tracker, **rules))
        assert replay(stored, tuned) == replay(fresh, tuned)
    assert replay(stored, config) == replay(perceive(DEMO_SEQ, config, 0.3), config)


def test_the_key_follows_what_the_perception_depends_on(tmp_path: Path):
    config = default_config()
    key = perception_key(DEMO_SEQ, config, 0.3, None)
    assert key == perception_key(DEMO_SEQ, config, 0.3, None)
    geometry = dataclasses.replace(config, scorer="geometry")
    other_width = dataclasses.replace(config, matcher=dataclasses.replace(config.matcher, flow_width=320))
    others = {perception_key(DEMO_SEQ, config, 0.4, None), perception_key(DEMO_SEQ, geometry, 0.3, None),
              perception_key(DEMO_SEQ, other_width, 0.3, None),
              perception_key(DEMO_SEQ, config, 0.3, {"acf": (0.1, 20.0)})}
    assert key not in others and len(others) == 4
    seq = tmp_path / "seq"
    shutil.copytree(DEMO_SEQ, seq)
    assert perception_key(seq, config, 0.3, None) == key  # a copy (same names, sizes, times) is the same
    frame = seq / "img1" / "000010.jpg"
    frame.write_bytes(frame.read_bytes() + b"\0")
    assert perception_key(seq, config, 0.3, None) != key  # a frame changed
    before = perception_key(seq, config, 0.3, None)
    with open(seq / "det" / "det.txt", "a") as handle:
        handle.write("71,-1,1,1,10,20,5,-1,-1,-1\n")
    assert perception_key(seq, config, 0.3, None) != before
    assert load_perception(tmp_path / "missing.npz", key, DEMO_SEQ) is None
    (tmp_path / "broken.npz").write_bytes(b"PK not a zip")
    assert load_perception(tmp_path / "broken.npz", key, DEMO_SEQ) is None


def test_eval_through_the_cache_writes_what_the_direct_run_writes(tmp_path: Path):
    from siamtrack.tracker.app.cli import main

    cache = tmp_path / "cache"
    assert main(["eval", "--data", str(DEMO_SEQ.parent), "--out", str(tmp_path / "direct"), "--quiet",
                 "--no-cache"]) == 0
    assert not cache.exists()
    for run in ("cold", "warm"):
        assert main(["eval", "--data", str(DEMO_SEQ.parent), "--out", str(tmp_path / run), "--quiet",
                     "--cache-dir", str(cache)]) == 0
        stored = list(cache.glob("*.npz"))
        if run == "cold":
            written = stored[0].stat().st_mtime_ns
        assert len(stored) == 1 and stored[0].stat().st_mtime_ns == written
        assert (tmp_path / run / "TUD-Campus.txt").read_bytes() == (tmp_path / "direct" / "TUD-Campus.txt").read_bytes()


def test_eval_through_the_cache_takes_a_relative_data_folder(tmp_path: Path, monkeypatch):
    from siamtrack.tracker.app.cli import main

    shutil.copytree(DEMO_SEQ, tmp_path / "data" / DEMO_SEQ.name)
    monkeypatch.chdir(tmp_path)  # as a user types it: --data data, not an absolute path
    assert main(["eval", "--data", "data", "--out", "out", "--quiet", "--cache-dir", "cache"]) == 0
    assert (tmp_path / "out" / "TUD-Campus.txt").stat().st_size > 0 and list((tmp_path / "cache").glob("*.npz"))


@needs_shared
def test_the_cached_run_is_the_direct_run_with_a_moving_camera(tmp_path: Path):
    seq = SHARED_MOT / "MOT16-11-half"
    config = default_config()
    direct = track_sequence(seq, seq / "det" / "det.txt", config)
    cached = track_cached(seq, seq / "det" / "det.txt", config, tmp_path)
    assert cached.rows == direct.rows and len(direct.rows) > 5000
