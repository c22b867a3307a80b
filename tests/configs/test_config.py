"""Settings: overrides are merged by name and checked against the defaults' types."""

import pytest

from siamtrack.configs import ConfigError, load_config


def test_overrides_merge_and_numbers_are_read_as_numbers():
    config = load_config(overrides=["tracker.min_score=1e-3", "tracker.min_hits=2", "linker.model=x.ubj",
                                    "matcher.flow_width=null", "tracker.max_gap_seconds=2"])
    assert config.tracker.min_score == pytest.approx(0.001) and config.tracker.min_hits == 2
    assert config.linker.model == "x.ubj" and config.matcher.flow_width is None
    assert config.tracker.birth_score == load_config().tracker.birth_score  # untouched


@pytest.mark.parametrize(("override", "message"), [
    ("tracker.min_hits=2.5", "tracker.min_hits must be a whole number, not 2.5"),
    ("tracker.min_score=high", "tracker.min_score must be a number, not 'high'"),
    ("tracker.cascade=yes please", "tracker.cascade must be true or false"),
    ("video.codec=5", "video.codec must be a string, not 5"),
    ("tracker.min_hits=null", "tracker.min_hits must be a whole number, not None"),
    ("tracker=3", "'tracker' must be a mapping"),
    ("tracker.nope=1", "unknown setting 'tracker.nope'"),
    ("matcher.threads=2", "'matcher.threads' is now 'threads'"),
    ("global.gap_cost=1", "'global' is now 'global_mode'"),
    ("matcher_training.lr=0.1", "'matcher_training' is a training recipe setting, in training.yaml"),
])
def test_wrong_types_are_refused_with_the_settings_name(override: str, message: str):
    with pytest.raises(ConfigError, match=message.replace(".", r"\.").replace("(", r"\(")):
        load_config(overrides=[override])


def test_defaults_are_written_once_in_the_yaml_files():
    """No schema dataclass carries a default value: the YAML files hold them, and must hold all."""
    import dataclasses
    import typing

    from siamtrack.configs import Config
    from siamtrack.configs.training import TrainingConfig, load_training_config

    def walk(cls) -> None:
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            assert f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING, (cls, f.name)
            if dataclasses.is_dataclass(hints[f.name]):
                walk(hints[f.name])

    walk(Config)
    walk(TrainingConfig)
    assert load_config().tracker.min_hits == 2  # the YAML's value, which a Python user gets too
    assert load_training_config().matcher_training.patch.height == 64


def test_a_users_file_is_checked_and_named(tmp_path):
    bad = tmp_path / "my.yaml"
    bad.write_text("tracker:\n  min_hits: many\n")
    with pytest.raises(ConfigError, match=f"^{bad}: tracker.min_hits must be a whole number"):
        load_config(bad)
    good = tmp_path / "ok.yaml"
    good.write_text("tracker:\n  min_hits: 2\n")
    assert load_config(good).tracker.min_hits == 2
