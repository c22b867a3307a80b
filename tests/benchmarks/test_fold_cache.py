"""The protocol's fold cache: a part is computed once under its key, also by runs side by side."""

from __future__ import annotations

import json
import threading
import time

from benchmarks.generalization import _cached


def test_a_second_run_waits_for_the_first_and_reuses_its_part(tmp_path):
    path = tmp_path / "folds" / "SEQ.reference.json"
    calls: list[str] = []
    results: dict[str, dict] = {}

    def slow(name: str):
        def compute() -> dict:
            calls.append(name)
            time.sleep(0.5)
            return {"value": name}
        return compute

    first = threading.Thread(target=lambda: results.__setitem__("first", _cached(path, "k1", slow("first"))))
    first.start()
    time.sleep(0.1)  # the first run holds the part's lock now
    results["second"] = _cached(path, "k1", slow("second"))
    first.join()
    assert calls == ["first"] and results["second"]["value"] == "first"
    assert json.loads(path.read_text())["key"] == "k1"
    assert _cached(path, "k2", slow("other"))["value"] == "other" and calls == ["first", "other"]
