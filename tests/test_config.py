"""Settings: overrides are merged by name and checked against the defaults' types."""

import pytest

from configs import ConfigError, load_config


def test_overrides_merge_and_numbers_are_read_as_numbers():
    config = load_config(overrides=["tracker.min_score=1e-3", "tracker.min_hits=2", "linker.model=x.ubj",
                                    "matcher.flow_width=null", "tracker.max_gap_seconds=2"])
    assert config["tracker"]["min_score"] == pytest.approx(0.001) and config["tracker"]["min_hits"] == 2
    assert config["linker"]["model"] == "x.ubj" and config["matcher"]["flow_width"] is None
    assert config["tracker"]["birth_score"] == load_config()["tracker"]["birth_score"]  # untouched


@pytest.mark.parametrize(("override", "message"), [
    ("tracker.min_hits=2.5", "tracker.min_hits must be a whole number, not 2.5"),
    ("tracker.min_score=high", "tracker.min_score must be a number, not 'high'"),
    ("tracker.cascade=yes please", "tracker.cascade must be true or false"),
    ("video.codec=5", "video.codec must be a string, not 5"),
    ("tracker.min_hits=null", "tracker.min_hits must be a whole number, not None"),
    ("tracker=3", "'tracker' must be a mapping"),
    ("tracker.nope=1", "unknown setting 'tracker.nope'"),
    ("matcher.threads=2", "'matcher.threads' is now 'threads'"),
])
def test_wrong_types_are_refused_with_the_settings_name(override: str, message: str):
    with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("(", r"\(")):
        load_config(overrides=[override])
