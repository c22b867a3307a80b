"""The protocol's peers (roboflow `trackers`, the bench extra) run on the same cached detections."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from siamtrack.configs import default_config
from siamtrack.tracker.core.perception import perceive
from siamtrack.tracker.eval.metrics import score_sequence
from siamtrack.tracker.io.mot import write_results
from tests.conftest import DEMO_DATA, DEMO_SEQ

pytest.importorskip("trackers", reason="the bench extra (roboflow trackers) is not installed")

from benchmarks.peers import PEERS, run_peer  # noqa: E402


@pytest.fixture(scope="module")
def clip():
    return perceive(DEMO_SEQ, dataclasses.replace(default_config(), scorer="geometry"), floor=0.1)


@pytest.mark.parametrize("name", PEERS)
def test_each_peer_tracks_the_clip(name, clip, tmp_path: Path):
    rows = run_peer(name, clip, min_score=0.4, buffer_seconds=1.0)
    ids = {r[1] for r in rows}
    assert len(ids) >= 4 and min(ids) >= 1 and all(1 <= r[0] <= clip.info.length for r in rows)
    out = tmp_path / name / "TUD-Campus.txt"
    out.parent.mkdir()
    write_results(out, rows)
    assert score_sequence(DEMO_DATA, "TUD-Campus", out).summary()["HOTA"] > 20


def test_a_higher_threshold_gives_a_peer_fewer_boxes(clip):
    low, high = run_peer("ByteTrack", clip, 0.2, 1.0), run_peer("ByteTrack", clip, 0.8, 1.0)
    assert len(high) < len(low)
