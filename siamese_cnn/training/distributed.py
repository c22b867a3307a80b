"""Training on several processes with torch DistributedDataParallel: gloo on CPUs, NCCL on GPUs.

Each process (rank) draws its own share of every step's triplets and DDP averages the gradients,
so N ranks take the steps one process would take with the whole batch. Ranks are started either
by ``launch`` (``siamtrack train-matcher --nproc N``: N local processes) or by ``torchrun``, whose
standard environment (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT) ``from_env`` reads.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from ..errors import InputError


@dataclass(frozen=True)
class Ranks:
    """This process's place in a training run; ``Ranks()`` is a run on one process."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        """The rank that logs and writes the model."""
        return self.rank == 0

    def device(self, asked: str) -> str:
        """``cuda`` on several ranks of one machine means each rank its own GPU."""
        if self.world > 1 and asked in ("cuda", "auto") and torch.cuda.is_available():
            return f"cuda:{self.local_rank % torch.cuda.device_count()}"
        return asked


def from_env() -> Ranks | None:
    """The ranks torchrun set up for this process, or None when it was not started by torchrun."""
    if "WORLD_SIZE" not in os.environ or "RANK" not in os.environ:
        return None
    return Ranks(int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), int(os.environ.get("LOCAL_RANK", 0)))


@contextlib.contextmanager
def process_group(ranks: Ranks, device: str) -> Iterator[None]:
    """Join the run's process group for the block (nothing to join on one rank)."""
    if ranks.world == 1:
        yield
        return
    backend = "nccl" if device.startswith("cuda") and dist.is_nccl_available() else "gloo"
    dist.init_process_group(backend, rank=ranks.rank, world_size=ranks.world)
    try:
        yield
    finally:
        dist.destroy_process_group()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _rank_main(rank: int, world: int, port: int, fn: Callable[..., Any], args: tuple) -> None:
    os.environ.update({"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "RANK": str(rank),
                       "WORLD_SIZE": str(world), "LOCAL_RANK": str(rank)})
    fn(Ranks(rank, world, rank), *args)


def launch(nproc: int, fn: Callable[..., Any], *args: Any) -> None:
    """Run ``fn(ranks, *args)`` on ``nproc`` local processes joined on a loopback port; an error in
    any of them stops all and is raised here. ``fn`` must be importable (a module-level function)."""
    if nproc == 1:
        fn(Ranks(), *args)
        return
    try:
        mp.start_processes(_rank_main, args=(nproc, _free_port(), fn, args), nprocs=nproc, join=True,
                           start_method="spawn")
    except mp.ProcessRaisedException as exc:  # a rank's bad-input error stays one line, as on one process
        last = str(exc).strip().splitlines()[-1]
        if last.startswith(f"{InputError.__module__}.{InputError.__name__}: "):
            raise InputError(last.split(": ", 1)[1]) from None
        raise


def all_mean(value: float, ranks: Ranks) -> float:
    """The mean of ``value`` over the ranks."""
    if ranks.world == 1:
        return value
    tensor = torch.tensor([value], dtype=torch.float64)
    dist.all_reduce(tensor)
    return float(tensor.item()) / ranks.world


def from_main(values: list[float], ranks: Ranks) -> list[float]:
    """The main rank's ``values`` on every rank (e.g. its hold-out metrics, so all stop together)."""
    if ranks.world == 1:
        return values
    tensor = torch.tensor(values, dtype=torch.float64)
    dist.broadcast(tensor, src=0)
    return tensor.tolist()


def average_buffers(module: torch.nn.Module, ranks: Ranks) -> None:
    """Make batch-norm running statistics the ranks' mean: each rank's last steps updated its own,
    and the model every rank keeps (and the main rank writes) must be one."""
    if ranks.world == 1:
        return
    for buffer in module.buffers():
        if buffer.is_floating_point():
            dist.all_reduce(buffer)
            buffer /= ranks.world
