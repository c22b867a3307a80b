"""Independent units of work — sequences of an evaluation, videos of a folder, rounds of tuning
trials — run in this process, in local worker processes, or as Ray tasks, by one code path.

Why one path: results must not depend on where a unit ran. Every unit is a module-level function
and its arguments (picklable: the units go to other processes or machines); outcomes come back in
the units' order, so whatever is written from them is byte-identical to a serial run. A unit that
fails reports its name and one line; the others still run. Ray is optional (``pip install
"siamtrack[ray]"``) and only imported when asked for; ``--address`` joins a running cluster
(``ray start --head`` there), whose nodes must see the same data paths.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import socket
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tqdm import tqdm

from siamtrack.configs.loading import ConfigError
from siamtrack.siamese_cnn.errors import InputError

ENGINES = ("local", "ray")


@dataclass(frozen=True)
class Unit:
    name: str  # how messages name it: a sequence, a video, a round of trials
    fn: Callable[..., Any]
    args: tuple = ()


@dataclass(frozen=True)
class Outcome:
    name: str
    value: Any = None
    error: str | None = None  # one line, when the unit failed

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Engine:
    """Where units run: ``workers`` local processes (1: this process), or Ray (``address``: a running
    cluster's, None: a Ray instance on this machine for the run)."""

    kind: str = "local"
    workers: int = 1
    address: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ENGINES:
            raise InputError(f"--engine {self.kind!r}: choose {', '.join(ENGINES)}")
        if self.workers < 1:
            raise InputError(f"--workers {self.workers}: must be at least 1")

    @property
    def serial(self) -> bool:
        return self.kind == "local" and self.workers == 1


def _one_line(error: BaseException) -> str:
    if isinstance(error, (InputError, ConfigError)):
        return str(error)
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[-1] if text else 'no message'}"


def _call(unit: Unit) -> Outcome:
    """Runs wherever the unit goes; a failure comes back as its one line, never as a traceback."""
    try:
        return Outcome(unit.name, unit.fn(*unit.args))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # one unit's failure must not stop the others
        return Outcome(unit.name, error=_one_line(error))


def _worker_start() -> None:
    """A worker is one of several on the machine: one thread for torch and OpenCV each, as the
    tracker's own default (``threads: 1``), so N workers use N cores and no more."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from .runtime import tune_for_speed

    tune_for_speed(1)


SERIAL = Engine()


def run_units(units: Sequence[Unit], engine: Engine = SERIAL, progress: bool = True,
              desc: str = "units") -> list[Outcome]:
    """Every unit's outcome, in the units' order; progress shows units done / total."""
    with Session(engine) as session:
        return session.run(units, progress, desc)


class Session:
    """An engine kept open for several batches of units: the worker processes (and what each has
    loaded, e.g. a perception file) or the Ray connection, started once, not once per batch, as a
    search's rounds of trials need."""

    def __init__(self, engine: Engine = SERIAL):
        self.engine = engine
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._ray = None
        self._ray_started_here = False

    def __enter__(self) -> Session:
        if self.engine.kind == "ray":
            self._start_ray()
        elif not self.engine.serial:
            context = multiprocessing.get_context("spawn")  # no forked copies of torch's threads
            self._pool = concurrent.futures.ProcessPoolExecutor(self.engine.workers, mp_context=context,
                                                                initializer=_worker_start)
        return self

    def __exit__(self, *exc_info) -> None:
        if self._pool is not None:
            self._pool.shutdown()
        if self._ray_started_here:
            self._ray.shutdown()

    def run(self, units: Sequence[Unit], progress: bool = True, desc: str = "units") -> list[Outcome]:
        with tqdm(total=len(units), desc=desc, unit="unit", disable=not progress, file=sys.stderr,
                  dynamic_ncols=True) as bar:
            if self._ray is not None:
                return self._run_on_ray(units, bar)
            if self._pool is None:
                outcomes = []
                for unit in units:
                    outcomes.append(_call(unit))
                    bar.update(1)
                return outcomes
            futures = [self._pool.submit(_call, unit) for unit in units]
            for _ in concurrent.futures.as_completed(futures):
                bar.update(1)
            return [_collected(future, unit) for future, unit in zip(futures, units, strict=True)]

    def _start_ray(self) -> None:
        try:
            import ray
        except ImportError:
            raise InputError('--engine ray: Ray is not installed (pip install "siamtrack[ray]")') from None
        self._ray = ray
        if ray.is_initialized():
            return
        try:
            if self.engine.address:
                _check_reachable(self.engine.address)
                ray.init(address=self.engine.address, log_to_driver=False, logging_level="ERROR")
            else:
                ray.init(num_cpus=self.engine.workers, include_dashboard=False, log_to_driver=False,
                         logging_level="ERROR")
        except (ConnectionError, RuntimeError, ValueError) as error:
            where = self.engine.address or "a local instance"
            raise InputError(f"--engine ray: cannot connect to {where} ({_one_line(error)})") from None
        self._ray_started_here = True

    def _run_on_ray(self, units: Sequence[Unit], bar: tqdm) -> list[Outcome]:
        ray = self._ray
        task = ray.remote(num_cpus=1)(_ray_call)
        pending = {task.remote(unit): i for i, unit in enumerate(units)}
        outcomes: list[Outcome] = [Outcome(unit.name, error="not run") for unit in units]
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                index = pending.pop(ref)
                try:
                    outcomes[index] = ray.get(ref)
                except ray.exceptions.RayError as error:  # the task's process or node was lost
                    outcomes[index] = Outcome(units[index].name, error=f"lost on Ray ({type(error).__name__})")
                bar.update(1)
        return outcomes


def _collected(future: concurrent.futures.Future, unit: Unit) -> Outcome:
    try:
        return future.result()
    except concurrent.futures.process.BrokenProcessPool:
        return Outcome(unit.name, error="its worker process died (out of memory or killed)")


def _check_reachable(address: str, seconds: float = 5.0) -> None:
    """A host:port that answers nothing fails in one line now, not after Ray's minute of retries."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return  # "auto", or a form Ray resolves itself
    try:
        socket.create_connection((host, int(port)), timeout=seconds).close()
    except OSError as error:
        raise InputError(f"--engine ray: cannot connect to {address} ({error.strerror or error})") from None


def _ray_call(unit: Unit) -> Outcome:
    _worker_start()
    return _call(unit)


def report_failures(outcomes: Sequence[Outcome], stream=None) -> int:
    """Print each failed unit's line; how many failed."""
    stream = stream or sys.stderr
    failed = [o for o in outcomes if not o.ok]
    for outcome in failed:
        named = outcome.error.startswith(outcome.name)  # the message names the source already
        print(f"siamtrack: error: {outcome.error if named else f'{outcome.name}: {outcome.error}'}", file=stream)
    return len(failed)
