"""``siamtrack tune``: choose the runtime settings (tracker rules, appearance memory) that give the
best mean HOTA over labelled sequences, and write them as a config ``--config`` takes.

Each sequence's perception is computed once (``tracker/core/perception.py``); a trial only links
and assigns, then TrackEval scores it. The mean of per-sequence HOTA, not the combined HOTA, is
the objective: a long sequence should not outvote a short one, as a user's cameras do not.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import tempfile
import time
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from siamtrack.configs import DEFAULT_CONFIG, Config, ConfigError, replaced
from siamtrack.configs.loading import read_yaml
from siamtrack.siamese_cnn.atomic import atomic_write
from siamtrack.siamese_cnn.errors import InputError
from siamtrack.tracker.core.perception import SequencePerception, replay
from siamtrack.tracker.core.perception_store import cached_perceive, load_perception
from siamtrack.tracker.eval.metrics import score_sequence
from siamtrack.tracker.io.mot import write_results
from siamtrack.tracker.io.subsample import subsample_sequence

from .search import Param, SearchResult, parse_param, search
from .units import SERIAL, Engine, Session, Unit

TUNE_SPACE = DEFAULT_CONFIG.with_name("tune.yaml")


@dataclass(frozen=True)
class TuneSpace:
    floor: float
    params: list[Param]


def _setting_type(config: Config, name: str, where: str) -> type:
    section, _, key = name.partition(".")
    sub = getattr(config, section, None)
    if not key or sub is None or not dataclasses.is_dataclass(sub):
        raise InputError(f"{where}: {name!r} is not a section.key setting of default.yaml")
    hints = typing.get_type_hints(type(sub))
    if key not in hints or dataclasses.is_dataclass(hints[key]):
        raise InputError(f"{where}: {section} has no setting {key!r}")
    kind = hints[key]
    return kind if kind in (bool, int, float) else float


def load_space(path: Path, config: Config) -> TuneSpace:
    """The search space file (``configs/tune.yaml`` by default), checked against the config's types."""
    try:
        data = read_yaml(Path(path))
    except ConfigError as exc:
        raise InputError(str(exc)) from None
    where = str(path)
    if set(data) - {"floor", "space"} or not isinstance(data.get("space"), Mapping) or not data["space"]:
        raise InputError(f"{where}: expected 'floor' and a non-empty 'space' mapping of section.key settings")
    params = [parse_param(name, spec, _setting_type(config, name, where), where)
              for name, spec in data["space"].items()]
    floor = float(data.get("floor", 0.0))
    low = next((p.low for p in params if p.name == "tracker.min_score"), config.tracker.min_score)
    if low < floor:
        raise InputError(f"{where}: tracker.min_score may go down to {low}, below the floor {floor}")
    return TuneSpace(floor, params)


def with_settings(config: Config, values: Mapping[str, Any]) -> Config:
    """``config`` with ``section.key`` settings changed (type-checked as a config file's)."""
    by_section: dict[str, dict[str, Any]] = {}
    for name, value in values.items():
        section, _, key = name.partition(".")
        by_section.setdefault(section, {})[key] = value.item() if isinstance(value, np.generic) else value
    changes = {section: replaced(getattr(config, section), f"setting {section}", keys)
               for section, keys in by_section.items()}
    return dataclasses.replace(config, **changes)


def current_values(config: Config, params: list[Param]) -> dict[str, Any]:
    return {p.name: getattr(getattr(config, p.name.split(".")[0]), p.name.split(".", 1)[1]) for p in params}


def mean_hota(perceptions: list[SequencePerception], config: Config, work_dir: Path) -> tuple[float, dict[str, float]]:
    """Mean per-sequence HOTA of ``config`` over cached sequences (and each sequence's)."""
    scores = {}
    for perception in perceptions:
        name = perception.info.name
        result = work_dir / name / f"{name}.txt"
        result.parent.mkdir(parents=True, exist_ok=True)
        write_results(result, replay(perception, config))
        scores[name] = score_sequence(perception.seq_dir.parent, name, result).summary()["HOTA"]
    return float(np.mean(list(scores.values()))), scores


@dataclass(frozen=True)
class TuneResult:
    search: SearchResult
    config: Config
    per_sequence: dict[str, float]


@dataclass(frozen=True)
class StoredPerception:
    """Where a worker finds a sequence's perception: the cache file (checked against its key when
    this run perceived or read it) and the sequence."""

    path: Path
    seq_dir: Path


_LOADED: dict[Path, SequencePerception] = {}  # per worker process: each file read once


def _perceptions(sources: list[SequencePerception | StoredPerception]) -> list[SequencePerception]:
    out = []
    for source in sources:
        if isinstance(source, StoredPerception):
            if source.path not in _LOADED:
                loaded = load_perception(source.path, None, source.seq_dir)
                if loaded is None:
                    raise InputError(f"{source.path}: perception cache file missing or unreadable on this worker")
                _LOADED[source.path] = loaded
            source = _LOADED[source.path]
        out.append(source)
    return out


def trial_hota(sources: list[SequencePerception | StoredPerception], config: Config, values: dict[str, Any]) -> float:
    """One trial: ``config`` with ``values``, its mean HOTA over the sequences (a unit, ``units.py``)."""
    with tempfile.TemporaryDirectory(prefix="siamtrack-trial-") as tmp:
        return mean_hota(_perceptions(sources), with_settings(config, values), Path(tmp))[0]


def tune(perceptions: list[SequencePerception], config: Config, space: TuneSpace, trials: int, seed: int,
         on_trial=None, engine: Engine = SERIAL, batch: int = 1,
         stored: list[StoredPerception] | None = None) -> TuneResult:
    """Search ``space`` for the best mean HOTA over the cached sequences, starting from ``config``.

    Trials go in rounds of ``batch``, each trial a unit on ``engine``; off this process, the units
    name the perception files (``stored``) instead of carrying the perceptions."""
    if not engine.serial and stored is None:
        raise InputError("tuning on workers needs the perception cache (it is how workers share it)")
    sources: list = perceptions if engine.serial else stored

    with Session(engine) as session:  # the workers (and the perceptions they loaded) serve every round
        def evaluate(batch_values: list[dict[str, Any]]) -> list[float]:
            units = [Unit(f"trial {json.dumps(v, default=str)}", trial_hota, (sources, config, v))
                     for v in batch_values]
            outcomes = session.run(units, progress=False)
            failed = [o for o in outcomes if not o.ok]
            if failed:
                raise InputError(f"{failed[0].name}: {failed[0].error}")
            return [o.value for o in outcomes]

        found = search(space.params, None, trials, seed, current_values(config, space.params), on_trial, batch,
                       evaluate)
    best = with_settings(config, found.best)
    with tempfile.TemporaryDirectory(prefix="siamtrack-tune-") as tmp:
        _, per_sequence = mean_hota(perceptions, best, Path(tmp))
    return TuneResult(found, best, per_sequence)


def perceive_all(data_dir: Path, names: list[str], config: Config, floor: float,
                 calibrations: dict[str, tuple[float, float]] | None = None, progress=None,
                 rates: tuple[int, ...] = (1,), work: Path | None = None, cache_dir: Path | None = None
                 ) -> tuple[list[SequencePerception], list[StoredPerception] | None]:
    """Each sequence perceived once, at its frame rate and at 1/k of it for every k > 1 in ``rates``
    (copies with frames linked, made under ``work``); read from ``cache_dir`` where it holds them,
    else computed and stored there (``cache_dir`` None: computed only). Also where they are stored."""
    out, stored = [], []
    for name in names:
        seq_dir = Path(data_dir) / name
        if not (seq_dir / "gt" / "gt.txt").is_file():
            raise InputError(f"{seq_dir}: not a MOT sequence with gt/gt.txt (tune needs labelled sequences)")
        for k in rates:
            copy = seq_dir if k == 1 else subsample_sequence(seq_dir, k, Path(work or tempfile.gettempdir()))
            perception, path = cached_perceive(copy, config, floor, calibrations, cache_dir)
            out.append(perception)
            if path is not None:
                stored.append(StoredPerception(path, copy))
            if progress is not None:
                progress(copy.name)
    return out, (stored if cache_dir is not None else None)


def write_tuned(path: Path, result: TuneResult, header: list[str]) -> None:
    """The chosen settings as a config file (only the keys searched), with how they were chosen."""
    nested: dict[str, dict[str, Any]] = {}
    for name, value in sorted(result.search.best.items()):
        section, _, key = name.partition(".")
        nested.setdefault(section, {})[key] = value
    text = "".join(f"# {line}\n" for line in header) + yaml.safe_dump(nested, sort_keys=True)
    with atomic_write(Path(path)) as handle:
        handle.write(text)


def run_tune(data_dir: Path, names: list[str] | None, config: Config, trials: int, seed: int, out: Path,
             space_path: Path | None = None, progress: bool = True, command: str = "siamtrack tune",
             rates: tuple[int, ...] = (1,), engine: Engine = SERIAL, batch: int = 1,
             cache_dir: Path | None = None) -> TuneResult:
    """The ``tune`` command: perceive once (or read the perception cache ``cache_dir``), search in
    rounds of ``batch`` trials on ``engine``, write ``out``, print what was found.

    ``rates``: also tune on each sequence at 1/k of its frame rate, so that the rules hold for
    cameras slower than the labelled ones (and the objective, averaged over more copies, is smoother).
    """
    from siamtrack.tracker.eval.runner import find_sequences

    if out.suffix not in (".yaml", ".yml"):
        raise InputError(f"{out}: the tuned config is written as YAML (.yaml)")
    space = load_space(space_path or TUNE_SPACE, config)
    names = find_sequences(Path(data_dir), names)
    start = time.monotonic()
    if any(k < 1 for k in rates) or 1 not in rates:
        raise InputError(f"--rates {','.join(map(str, rates))}: frame-rate divisors of at least 1, including 1")
    with tempfile.TemporaryDirectory(prefix="siamtrack-rates-") as copies:
        if cache_dir is None and not engine.serial:  # workers read the perceptions from files: this run's own
            cache_dir = Path(copies) / "perception"
        perceptions, stored = perceive_all(
            data_dir, names, config, space.floor,
            progress=(lambda name: print(f"perceived {name}", file=sys.stderr, flush=True)) if progress else None,
            rates=tuple(rates), work=Path(copies), cache_dir=cache_dir)
        return _search_and_write(perceptions, config, space, trials, seed, out, progress, command, start,
                                 engine, batch, stored)


def _search_and_write(perceptions: list[SequencePerception], config: Config, space: TuneSpace,
                      trials: int, seed: int, out: Path, progress: bool, command: str, start: float,
                      engine: Engine = SERIAL, batch: int = 1, stored: list[StoredPerception] | None = None
                      ) -> TuneResult:
    import optuna
    from tqdm import tqdm

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # the command's own bar says what matters
    with tqdm(total=trials, desc="trials", disable=not progress, file=sys.stderr) as bar:
        def on_trial(k: int, value: float, best: float) -> None:
            bar.update(1)
            bar.set_postfix(hota=f"{value:.2f}", best=f"{best:.2f}")

        result = tune(perceptions, config, space, trials, seed, on_trial, engine, batch, stored)
    minutes = (time.monotonic() - start) / 60
    found = result.search
    header = [f"written by: {command}",
              f"mean HOTA over {', '.join(p.info.name for p in perceptions)}: {found.best_value:.2f} (the starting "
              f"config: {found.start_value:.2f}); {trials} trials, seed {seed}, rounds of {batch}, {minutes:.1f} min",
              "per sequence: " + ", ".join(f"{k} {v:.2f}" for k, v in result.per_sequence.items()),
              "tuned on these sequences: a figure measured on them is not a fair one"]
    write_tuned(out, result, header)
    print(f"best mean HOTA {found.best_value:.2f} (start {found.start_value:.2f}) after {trials} trials:")
    for name, value in sorted(found.best.items()):
        print(f"  {name}: {value:.4g}" if isinstance(value, float) else f"  {name}: {value}")
    print(f"wrote {out} (use it with --config {out})")
    return result
