"""A cached sequence replays exactly what a tracking run from the files writes."""

from __future__ import annotations

import dataclasses

import pytest

from siamtrack.configs import default_config
from siamtrack.tracker.core.perception import perceive, replay
from siamtrack.tracker.core.sequence import track_sequence
from siamtrack.tracker.io.mot import format_result_rows
from tests.conftest import DEMO_SEQ, rules


def _text(rows) -> str:
    return format_result_rows(sorted(rows, key=lambda r: (r[0], r[1])))


@pytest.mark.parametrize("scorer", ["learned", "geometry"])
@pytest.mark.parametrize("min_score", [0.4, 0.65])
def test_replay_writes_the_rows_a_real_run_writes(scorer, min_score):
    config = dataclasses.replace(default_config(), scorer=scorer, tracker=rules(min_score=min_score))
    real = track_sequence(DEMO_SEQ, DEMO_SEQ / "det" / "det.txt", config).rows
    cached = perceive(DEMO_SEQ, dataclasses.replace(config, tracker=rules(min_score=0.1)), floor=0.1)
    assert len(real) > 100
    assert _text(replay(cached, config)) == _text(real)


def test_a_rule_below_the_cache_floor_is_refused():
    config = dataclasses.replace(default_config(), scorer="geometry")
    cached = perceive(DEMO_SEQ, config, floor=0.3)
    with pytest.raises(ValueError, match="below the perception cache's floor"):
        replay(cached, dataclasses.replace(config, tracker=rules(min_score=0.2)))
