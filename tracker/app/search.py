"""A seeded Optuna search over named settings: the one search ``siamtrack tune`` and the
protocol's peers share, so every tracker's settings are chosen the same way.

Deterministic: trials in rounds of a fixed size (one by default), a seeded TPE sampler, and the
first trial is the starting point (the config as given), so the best found is never worse than
what you started with.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import optuna

from siamtrack.siamese_cnn.errors import InputError


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # float | int | choice
    low: float = 0.0
    high: float = 0.0
    log: bool = False
    choices: tuple = ()

    def suggest(self, trial: optuna.Trial) -> Any:
        if self.kind == "choice":
            return trial.suggest_categorical(self.name, list(self.choices))
        if self.kind == "int":
            return trial.suggest_int(self.name, int(self.low), int(self.high), log=self.log)
        return trial.suggest_float(self.name, self.low, self.high, log=self.log)

    def admits(self, value: Any) -> bool:
        if self.kind == "choice":
            return value in self.choices
        return isinstance(value, int | float) and self.low <= value <= self.high


def parse_param(name: str, spec: Any, kind: type, where: str) -> Param:
    """One entry of a search space: ``[low, high]``, ``{low, high, log}`` or ``{choices: [...]}``;
    ``kind`` is the setting's type (bool settings are always choices)."""
    if isinstance(spec, Mapping) and "choices" in spec:
        choices = spec["choices"]
        if not isinstance(choices, list) or not choices:
            raise InputError(f"{where}: {name}: choices must be a non-empty list")
        return Param(name, "choice", choices=tuple(choices))
    if isinstance(spec, list) and len(spec) == 2:
        spec = {"low": spec[0], "high": spec[1]}
    if not isinstance(spec, Mapping) or not {"low", "high"} <= set(spec) or set(spec) - {"low", "high", "log"}:
        raise InputError(f"{where}: {name}: give [low, high], {{low, high, log}} or {{choices: [...]}}")
    low, high, log = spec["low"], spec["high"], bool(spec.get("log", False))
    if kind is bool or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (low, high)):
        raise InputError(f"{where}: {name}: a range needs numbers (a yes/no setting takes {{choices: [false, true]}})")
    if not (math.isfinite(low) and math.isfinite(high)) or low > high or (log and low <= 0):
        raise InputError(f"{where}: {name}: the range [{low}, {high}] is empty or not positive for a log scale")
    if kind is int and not (float(low).is_integer() and float(high).is_integer()):
        raise InputError(f"{where}: {name} is a whole number; its range must be too")
    return Param(name, "int" if kind is int else "float", float(low), float(high), log)


@dataclass(frozen=True)
class SearchResult:
    best: dict[str, Any]
    best_value: float
    start_value: float
    trials: list[tuple[dict[str, Any], float]]


def search(params: list[Param], objective: Callable[[dict[str, Any]], float] | None, trials: int, seed: int,
           start: dict[str, Any] | None = None, on_trial: Callable[[int, float, float], None] | None = None,
           batch: int = 1, evaluate: Callable[[list[dict[str, Any]]], list[float]] | None = None) -> SearchResult:
    """Maximise ``objective`` over ``params`` in ``trials`` trials (the first one is ``start``
    when it lies inside the space).

    ``batch``: trials asked of the sampler at a time and scored together by ``evaluate`` (which
    may run them side by side anywhere); the result depends on ``batch``, never on where the
    trials ran. ``batch`` 1 asks and tells one trial at a time, as ``study.optimize`` does."""
    if trials < 1:
        raise InputError("a search needs at least one trial")
    if batch < 1:
        raise InputError(f"--batch {batch}: at least one trial at a time")
    if evaluate is None:
        if objective is None:
            raise ValueError("search needs an objective or an evaluate")
        evaluate = lambda batch_values: [objective(v) for v in batch_values]  # noqa: E731
    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=min(10, max(1, trials // 4)))
    study = optuna.create_study(direction="maximize", sampler=sampler)
    if start is not None and all(p.admits(start.get(p.name)) for p in params):
        study.enqueue_trial({p.name: start[p.name] for p in params})
    history: list[tuple[dict[str, Any], float]] = []
    while len(history) < trials:
        asked = [study.ask() for _ in range(min(batch, trials - len(history)))]
        values = [{p.name: p.suggest(trial) for p in params} for trial in asked]
        for trial, chosen, value in zip(asked, values, evaluate(values), strict=True):
            study.tell(trial, float(value))
            history.append((chosen, float(value)))
            if on_trial is not None:
                on_trial(len(history), float(value), max(v for _, v in history))
    best = dict(study.best_trial.params)
    return SearchResult(best, float(study.best_value), history[0][1], history)
