"""Shared fixtures: the bundled clip (always there, inside the installed package) and ../shared
data (skipped when absent)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from siamtrack.configs import TrackRules, default_config
from siamtrack.tracker.app.demo import DEMO_DATA as _DEMO_DATA

REPO = Path(__file__).resolve().parents[1]
DEMO_DATA = _DEMO_DATA
DEMO_SEQ = DEMO_DATA / "TUD-Campus"
SHARED_MOT = REPO.parent / "shared" / "data" / "mot"
SHARED_REID = REPO.parent / "shared" / "data" / "reid"

needs_shared = pytest.mark.skipif(not SHARED_MOT.is_dir(), reason="../shared/data/mot not present")


def rules(**changes) -> TrackRules:
    """The default tracker rules with some changed."""
    return dataclasses.replace(default_config().tracker, **changes)


def recipe():
    """The shipped training recipes (configs/training.yaml)."""
    from siamtrack.configs.training import load_training_config

    return load_training_config()


@pytest.fixture(scope="session", autouse=True)
def _perception_cache_in_tmp(tmp_path_factory):
    """`siamtrack tune` keeps a perception cache in the user's cache folder; tests keep theirs here."""
    import os

    before = os.environ.get("SIAMTRACK_CACHE")
    os.environ["SIAMTRACK_CACHE"] = str(tmp_path_factory.mktemp("siamtrack-cache"))
    yield
    if before is None:
        os.environ.pop("SIAMTRACK_CACHE", None)
    else:
        os.environ["SIAMTRACK_CACHE"] = before
