"""The README's Python blocks run as written, in order, in one namespace (as a reader pastes them)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_python_block_of_the_readme_runs(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 2
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for k, block in enumerate(blocks):
        exec(compile(block, f"README.md python block {k + 1}", "exec"), namespace)
    rows = (tmp_path / "tracks.txt").read_text().splitlines()
    assert len(rows) > 100 and all(len(r.split(",")) == 10 for r in rows)
    assert namespace["tracker"].confirmed_tracks == 8 and namespace["p"].shape[0] > 0
