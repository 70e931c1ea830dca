"""Fine-tuning a task head in PyTorch: :class:`PTFinetuner`, the
:class:`albert_core.training.finetune.FrameworkFinetuner` that ``albert finetune
--framework pt`` runs.

The model is ``MODEL_CLASSES[head].from_pretrained(model, strict=False, **config_updates)``:
head weights the checkpoint lacks are initialised (after ``torch.manual_seed(seed)``) and
listed in :attr:`PTFinetuner.new_weights`, as transformers does. The optimizer is AdamW with
no weight decay on biases and LayerNorm weights; gradients accumulate in ``.grad`` and the
global norm is clipped to 1.0 before each step; ``bf16`` runs the forward pass under
``torch.autocast(device_type, dtype=torch.bfloat16)``. Checkpoints hold the weights as
safetensors and the optimizer and random state through ``torch.save`` (read back with
``weights_only=True``).

Under ``torchrun`` (see :mod:`albert_pt.distributed`) the model is wrapped in
``DistributedDataParallel``; each process trains its rows of every global micro-batch
(:func:`albert_core.training.distributed.shard_batch`) with its mean loss scaled by the
shard's factor, so the averaged gradients are those of one process on the whole batch.

:func:`finetune` is the Python form of ``albert finetune --framework pt``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from albert_core.bundled import DEFAULT_MODEL
from albert_core.training.distributed import shard_batch
from albert_core.training.finetune import FinetuneArguments, FinetuningResult, FrameworkFinetuner
from albert_core.training.finetune_tasks import TaskData
from albert_pt.distributed import DataParallel, DataParallelHooks, resolve_device
from albert_pt.models import MODEL_CLASSES
from albert_pt.pretraining import (
    optimizer_step,
    parameter_groups,
    restore_rng,
    rng_state,
    to_torch,
)

WEIGHTS_FILE = "model_state.safetensors"
STATE_FILE = "pt_finetune_state.pt"
MAX_GRAD_NORM = 1.0


def adamw(model: torch.nn.Module, learning_rate: float, weight_decay: float
          ) -> torch.optim.AdamW:
    """AdamW over :func:`albert_pt.pretraining.parameter_groups`: decayed weights, and
    biases and LayerNorm weights without decay."""
    return torch.optim.AdamW(parameter_groups(model, weight_decay), lr=learning_rate)


class PTFinetuner(DataParallelHooks, FrameworkFinetuner):
    """PyTorch finetuner of :func:`albert_core.training.finetune.run_finetuning`.

    Args:
        data: the task data (its head and config updates pick the model).
        args: the run's options (``model``, ``seed``, ``learning_rate``, ``weight_decay``,
            ``bf16``, ``gradient_accumulation_steps``).
        device: where to train (``"cpu"`` default, ``"cuda"``, ``"cuda:N"``; under torchrun
            ``cuda`` is the process's GPU ``LOCAL_RANK``).
        distributed: data parallelism over the torchrun processes (None: when running
            under torchrun with several processes; see :class:`DataParallel`).
        gradient_checkpointing: recompute the encoder's activations in the backward pass
            (:meth:`~albert_pt.pretrained.AlbertPreTrainedModel.gradient_checkpointing_enable`).

    Attributes:
        model: the task model (unwrapped; ``wrapped`` is what trains, the model itself or
            its ``DistributedDataParallel``).
        new_weights: names of the weights the checkpoint did not have (initialised).
        micro_steps: forward/backward passes so far (the dropout position of several
            processes, saved in checkpoints).
    """

    framework = "pt"

    def __init__(self, data: TaskData, args: FinetuneArguments, *,
                 device: torch.device | int | str | None = "cpu",
                 distributed: bool | None = None, gradient_checkpointing: bool = False) -> None:
        super().__init__(data, args)
        self.device = resolve_device(device)
        self.parallel = DataParallel(self.device, distributed)
        torch.manual_seed(args.seed)
        model = MODEL_CLASSES[data.head].from_pretrained(
            args.model, strict=False, device=self.device, **data.config_updates)
        report = getattr(model, "loading_report", None)
        self.new_weights: list[str] = sorted(getattr(report, "missing", None) or [])
        if gradient_checkpointing:
            model.gradient_checkpointing_enable()
        self.model = model
        self.model.train()
        self.optimizer = adamw(self.model, args.learning_rate, args.weight_decay)
        self.wrapped = self.parallel.wrap(self.model)
        self.micro_steps = 0
        self._pending = 0

    def _autocast(self) -> torch.autocast:
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.args.bf16)

    def forward_backward(self, batch: Mapping[str, np.ndarray], scale: float) -> dict[str, float]:
        """See :meth:`FrameworkFinetuner.forward_backward`; with several processes this
        process trains its shard and the returned loss is the whole batch's."""
        parallel = self.parallel
        self._pending += 1
        final = self._pending >= self.args.gradient_accumulation_steps
        if parallel.count == 1:
            inputs = to_torch(batch, self.device)
            with self._autocast():
                loss = self.wrapped(**inputs, return_dict=True).loss
            (loss.float() * scale).backward()
            self.micro_steps += 1
            return {"loss": float(loss.detach())}
        shard = shard_batch(batch, self.data.head, parallel.rank, parallel.count)
        parallel.seed(self.args.seed, self.micro_steps)
        with parallel.accumulating(self.wrapped, final):
            with self._autocast():
                out = self.wrapped(**to_torch(shard.batch, self.device), return_dict=True)
            loss = out.loss.float() * shard.scale
            (loss * scale).backward()
        self.micro_steps += 1
        total = parallel.sum(loss.detach().reshape(1).clone())
        return {"loss": float(total[0]) / parallel.count}

    def apply_gradients(self, learning_rate: float) -> None:
        """See :meth:`FrameworkFinetuner.apply_gradients`."""
        optimizer_step(self.model, self.optimizer, learning_rate, MAX_GRAD_NORM)
        self._pending = 0

    @torch.no_grad()
    def predict(self, batch: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """See :meth:`FrameworkFinetuner.predict`."""
        self.model.eval()
        try:
            with self._autocast():
                out = self.model(**to_torch(batch, self.device), return_dict=True)
        finally:
            self.model.train()
        fields = ("start_logits", "end_logits") if self.data.head == "question-answering" \
            else ("logits",)
        return {name: getattr(out, name).float().cpu().numpy() for name in fields}

    def save_state(self, directory: Path) -> None:
        """See :meth:`FrameworkFinetuner.save_state`."""
        tensors = {name: t.detach().contiguous().cpu() for name, t in
                   self.model.state_dict(keep_vars=False).items()}
        save_file(_untied(tensors), str(directory / WEIGHTS_FILE))
        torch.save({"optimizer": self.optimizer.state_dict(), "micro_steps": self.micro_steps,
                    **rng_state(self.device)}, directory / STATE_FILE)

    def load_state(self, directory: Path) -> None:
        """See :meth:`FrameworkFinetuner.load_state`."""
        tensors = load_file(str(directory / WEIGHTS_FILE), device=str(self.device))
        self.model.load_state_dict(tensors, strict=False)
        self.model.tie_weights()
        state = torch.load(directory / STATE_FILE, map_location=self.device, weights_only=True)
        self.optimizer.load_state_dict(state["optimizer"])
        self.micro_steps = int(state.get("micro_steps", 0))
        restore_rng(state, self.device)

    def save_pretrained(self, directory: Path) -> None:
        """See :meth:`FrameworkFinetuner.save_pretrained`."""
        self.model.save_pretrained(directory)


def _untied(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Tensors that share storage (tied weights) kept once, as safetensors requires."""
    seen: dict[tuple[int, int], str] = {}
    out = {}
    for name, tensor in tensors.items():
        key = (tensor.untyped_storage().data_ptr(), tensor.storage_offset())
        if key in seen:
            continue
        seen[key] = name
        out[name] = tensor
    return out


def finetune(
    task: str,
    train_file: str | os.PathLike[str],
    output_dir: str | os.PathLike[str],
    *,
    validation_file: str | os.PathLike[str] | None = None,
    test_file: str | os.PathLike[str] | None = None,
    model: str = DEFAULT_MODEL,
    device: torch.device | int | str | None = "cpu",
    gradient_checkpointing: bool = False,
    distributed: bool | None = None,
    notify: Callable[[str], None] | None = None,
    **options: Any,
) -> FinetuningResult:
    """Fine-tune ``model`` on a task's data file in PyTorch, as
    ``albert finetune --framework pt`` does (:func:`albert_core.training.finetune.finetune`):
    AdamW without decay on biases and LayerNorm weights, linear warm-up and decay,
    accumulation, optional bf16 autocast and gradient checkpointing, checkpoints with exact
    resume, the model and its tokenizer written to ``output_dir``. Runs unchanged under
    ``torchrun`` (every process calls it; rank 0 writes).

    Args:
        task: ``text-classification``, ``token-classification``, ``question-answering``,
            ``multiple-choice`` or ``masked-lm``.
        train_file: the training data.
        output_dir: where checkpoints, the log, the evaluation and the model go.
        validation_file: data evaluated into ``eval_results.json``.
        test_file: data evaluated into ``test_results.json`` at the end.
        model: the checkpoint to start from (anything ``from_pretrained`` takes).
        device: ``"cpu"``, ``"cuda"`` or ``"cuda:N"`` (see :class:`PTFinetuner`).
        gradient_checkpointing: recompute activations in the backward pass.
        distributed: data parallelism (None: under torchrun with several processes).
        notify: receives the note naming newly initialised head weights.
        **options: other :class:`~albert_core.training.finetune.FinetuneArguments` fields
            (``max_steps``, ``epochs``, ``batch_size``, ``learning_rate``, ``resume``, ...).

    Returns:
        The :class:`~albert_core.training.finetune.FinetuningResult`.

    Raises:
        FileExistsError: ``output_dir`` is not empty and neither ``overwrite`` nor
            ``resume`` was given.
        ValueError: bad options or data (one message naming the value).

    Example::

        import albert_pt
        result = albert_pt.finetune("text-classification", "train.csv", "my-classifier",
                                    validation_file="dev.csv", epochs=3, batch_size=16)
        print(result.eval["accuracy"])
    """
    from albert_core.training.finetune import finetune as run

    return run("pt", task, train_file, output_dir, validation_file=validation_file,
               test_file=test_file, notify=notify, model=model,
               finetuner_options={"device": device, "distributed": distributed,
                                  "gradient_checkpointing": gradient_checkpointing},
               **options)


__all__ = ["MAX_GRAD_NORM", "PTFinetuner", "adamw", "finetune"]
