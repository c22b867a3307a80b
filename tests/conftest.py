"""Shared fixtures: the bundled clip (always there) and ../shared data (skipped when absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEMO_DATA = REPO / "data" / "demo"
DEMO_SEQ = DEMO_DATA / "TUD-Campus"
SHARED_MOT = REPO.parent / "shared" / "data" / "mot"
SHARED_REID = REPO.parent / "shared" / "data" / "reid"

needs_shared = pytest.mark.skipif(not SHARED_MOT.is_dir(), reason="../shared/data/mot not present")
