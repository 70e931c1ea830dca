"""Data parallelism for the PyTorch trainers: torchrun's process group and
``DistributedDataParallel``.

:class:`PTFinetuner <albert_pt.finetuning.PTFinetuner>` and
:class:`PTPretrainer <albert_pt.pretraining.PTPretrainer>` run unchanged under
``torchrun --nproc_per_node=N``: they find ``WORLD_SIZE`` / ``RANK`` / ``LOCAL_RANK`` in the
environment (or an already initialised ``torch.distributed`` group), join the process group
(gloo on the CPU, NCCL on CUDA, torn down when the process exits if this module created it),
wrap the model in ``DistributedDataParallel`` and train their share of every global batch
as :mod:`albert_core.training.distributed` lays down. ``DistributedDataParallel`` averages
the gradients, so N processes take the same steps as one process with the same
``batch_size``. Non-final micro-batches of an accumulated update run under ``no_sync()``.

Random state: with more than one process, dropout is seeded before every micro-batch from
``(seed, rank, micro_step)`` (:func:`dropout_seed`), so each process's random stream is a
function of the position alone. A checkpoint (written by rank 0) then only needs the
micro-step count, which is the same on every rank, and every rank resumes exactly without
gathering random states. One process keeps torch's own random stream, saved and restored
as before.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import os
from collections.abc import Iterator

import numpy as np
import torch
import torch.distributed as dist

from albert_core.backend import parse_device

#: The environment variables torchrun sets for each process.
TORCHRUN_VARIABLES = ("WORLD_SIZE", "RANK", "LOCAL_RANK")


@dataclasses.dataclass(frozen=True)
class TorchrunEnvironment:
    """What torchrun told this process.

    Attributes:
        rank: the process's global rank.
        world_size: how many processes train together.
        local_rank: the process's rank on its machine (its GPU index on CUDA).
    """

    rank: int
    world_size: int
    local_rank: int


def torchrun_environment() -> TorchrunEnvironment | None:
    """The torchrun variables of this process, or None when ``WORLD_SIZE`` is not set.

    Raises:
        ValueError: a variable is not an integer, or ``RANK`` is outside ``[0, WORLD_SIZE)``.
    """
    if "WORLD_SIZE" not in os.environ:
        return None
    values = {}
    for name in TORCHRUN_VARIABLES:
        text = os.environ.get(name, "0")
        try:
            values[name] = int(text)
        except ValueError:
            raise ValueError(f"environment variable {name}={text!r} is not an integer") from None
    if values["WORLD_SIZE"] < 1 or not 0 <= values["RANK"] < values["WORLD_SIZE"]:
        raise ValueError(f"RANK={values['RANK']} is not in [0, WORLD_SIZE={values['WORLD_SIZE']})")
    return TorchrunEnvironment(values["RANK"], values["WORLD_SIZE"], values["LOCAL_RANK"])


def resolve_device(device: torch.device | int | str | None) -> torch.device:
    """The training device of this process: ``"cpu"`` (or None / -1), ``"cuda"``,
    ``"cuda:N"`` or an index, as :func:`albert_core.backend.parse_device` reads them. Under
    torchrun with several processes every CUDA device means this process's own GPU,
    ``cuda:LOCAL_RANK``.

    Raises:
        ValueError: an unreadable device, or a GPU when torch sees none.
    """
    if isinstance(device, torch.device):
        device = str(device)
    kind, index = parse_device(device)
    if kind == "cpu":
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise ValueError(f"device {device!r} asks for a GPU, but torch sees none")
    env = torchrun_environment()
    if env is not None and env.world_size > 1:
        index = env.local_rank
    return torch.device("cuda", index)


def init_process_group(device: torch.device) -> None:
    """Join torchrun's process group (gloo on the CPU, NCCL on CUDA) unless one exists;
    a group made here is destroyed when the process exits.

    Raises:
        ValueError: there is no group and no torchrun environment to make one from.
    """
    if dist.is_initialized():
        return
    if torchrun_environment() is None:
        raise ValueError("distributed training needs torchrun's environment (WORLD_SIZE, "
                         "RANK, LOCAL_RANK, MASTER_ADDR, MASTER_PORT) or an initialised "
                         "torch.distributed process group")
    if device.type == "cuda":
        torch.cuda.set_device(device)
        dist.init_process_group("nccl", device_id=device)
    else:
        dist.init_process_group("gloo")
    atexit.register(destroy_process_group)


def destroy_process_group() -> None:
    """Leave the process group, if there is one."""
    if dist.is_initialized():
        dist.destroy_process_group()


def dropout_seed(seed: int, rank: int, micro_step: int) -> int:
    """The seed of rank ``rank``'s random stream for micro-batch ``micro_step`` of a run
    seeded ``seed`` (a 63-bit integer mixed by numpy's ``SeedSequence``)."""
    state = np.random.SeedSequence([seed, rank, micro_step]).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))


class DataParallel:
    """This process's place among the processes of a data-parallel run.

    Args:
        device: the process's training device (see :func:`resolve_device`).
        distributed: True joins the process group (it must exist or torchrun must have set
            the environment), False trains alone; None (default) joins when the process
            runs under torchrun, or in an initialised group, with more than one process.

    Attributes:
        enabled: whether gradients are averaged over processes.
        rank: this process's rank (0 alone).
        count: how many processes train together (1 alone).
    """

    def __init__(self, device: torch.device, distributed: bool | None = None) -> None:
        self.device = device
        if distributed is None:
            env = torchrun_environment()
            in_group = dist.is_available() and dist.is_initialized() \
                and dist.get_world_size() > 1
            distributed = in_group or (env is not None and env.world_size > 1)
        self.enabled = bool(distributed)
        if self.enabled:
            init_process_group(device)
        self.rank = dist.get_rank() if self.enabled else 0
        self.count = dist.get_world_size() if self.enabled else 1

    def wrap(self, module: torch.nn.Module) -> torch.nn.Module:
        """``module`` in ``DistributedDataParallel`` (``module`` itself alone)."""
        if not self.enabled:
            return module
        from torch.nn.parallel import DistributedDataParallel

        device_ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(module, device_ids=device_ids)

    @contextlib.contextmanager
    def accumulating(self, wrapped: torch.nn.Module, final: bool) -> Iterator[None]:
        """Run a forward and backward pass inside this block: gradients are averaged over
        processes only on the ``final`` micro-batch of an update (``no_sync()`` before)."""
        if self.enabled and not final:
            with wrapped.no_sync():  # type: ignore[operator]
                yield
        else:
            yield

    def seed(self, seed: int, micro_step: int) -> None:
        """With several processes, seed torch's random stream from
        :func:`dropout_seed` (alone, torch's own stream runs on)."""
        if self.enabled:
            torch.manual_seed(dropout_seed(seed, self.rank, micro_step))

    def sum(self, tensor: torch.Tensor) -> torch.Tensor:
        """``tensor`` summed over the processes (every process must call this)."""
        if self.enabled:
            dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        return tensor

    def any(self, flag: bool) -> bool:
        """Whether ``flag`` is true on any process (every process must call this)."""
        if not self.enabled:
            return flag
        value = torch.tensor([1.0 if flag else 0.0], device=self.device)
        dist.all_reduce(value, op=dist.ReduceOp.MAX)
        return bool(value.item() > 0)

    def barrier(self) -> None:
        """Wait for every process (nothing to wait for alone)."""
        if not self.enabled:
            return
        if self.device.type == "cuda":
            dist.barrier(device_ids=[self.device.index])
        else:
            dist.barrier()


class DataParallelHooks:
    """The process hooks of :class:`albert_core.training.loop.StepTrainer`, answered by the
    trainer's :class:`DataParallel` (``self.parallel``). Put before the trainer base."""

    parallel: DataParallel

    @property
    def process_index(self) -> int:
        """This process's rank."""
        return self.parallel.rank

    @property
    def process_count(self) -> int:
        """How many processes train together."""
        return self.parallel.count

    def barrier(self) -> None:
        """Wait until every process reaches this point."""
        self.parallel.barrier()

    def any_process(self, flag: bool) -> bool:
        """Whether ``flag`` is true on any process (every process must call this)."""
        return self.parallel.any(flag)


__all__ = [
    "TORCHRUN_VARIABLES",
    "DataParallel",
    "DataParallelHooks",
    "TorchrunEnvironment",
    "destroy_process_group",
    "dropout_seed",
    "init_process_group",
    "resolve_device",
    "torchrun_environment",
]
