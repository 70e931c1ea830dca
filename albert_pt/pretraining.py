"""Pre-training ALBERT in PyTorch: the LAMB optimizer, a data adapter and the trainer.

* :class:`Lamb`: layer-wise adaptive moments (You et al., 2019), ALBERT's optimizer. Per
  parameter ``w`` with gradient ``g`` at step ``t``::

      m = β1·m + (1-β1)·g            v = β2·v + (1-β2)·g²
      u = (m / (1-β1^t)) / (sqrt(v / (1-β2^t)) + ε) + λ·w
      r = ‖w‖ / ‖u‖   (1 when either norm is 0, or for groups with adapt=False)
      w = w - lr·r·u

  ``optax.lamb`` (Flax trainer) and :class:`albert_tf.pretraining.Lamb` compute the same.
* :class:`PretrainingIterableDataset`: masked batches of a prepared dataset as torch
  tensors (``DataLoader(dataset, batch_size=None, num_workers=N)`` splits batches between
  workers).
* :class:`PTPretrainer`: the :class:`albert_core.training.loop.FrameworkTrainer` that
  ``albert pretrain --framework pt`` runs, alone or under torchrun
  (:mod:`albert_pt.distributed`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import IterableDataset, get_worker_info

from albert_core.config import AlbertConfig
from albert_core.training.batches import BatchStream
from albert_core.training.distributed import pretraining_denominators, shard_bounds
from albert_core.training.loop import (
    METRIC_SUMS,
    FrameworkTrainer,
    PretrainingArguments,
    no_decay,
)
from albert_pt import weights
from albert_pt.distributed import DataParallel, DataParallelHooks, resolve_device
from albert_pt.models import AlbertForPreTraining

STATE_FILE = "pt_state.pt"

#: Batch keys that hold integer ids (converted to int64, as embeddings and losses want).
_LONG_KEYS = ("input_ids", "token_type_ids", "labels", "masked_lm_positions", "masked_lm_ids",
              "sentence_order_label")


# ================================================================================ LAMB
class Lamb(torch.optim.Optimizer):
    """LAMB with decoupled weight decay inside the trust ratio (see the module docstring).

    Args:
        params: parameters or parameter groups; a group may set ``weight_decay`` and
            ``adapt`` (False: no trust ratio, the Adam step is used as it is).
        lr: learning rate.
        betas: ``(β1, β2)``.
        eps: ``ε`` added to the root of the second moment.
        weight_decay: ``λ``.
        adapt: use the trust ratio (layer adaptation).
    """

    def __init__(
        self,
        params: Iterable[torch.Tensor] | Iterable[dict[str, Any]],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        adapt: bool = True,
    ) -> None:
        if lr < 0 or eps < 0 or weight_decay < 0:
            raise ValueError("lr, eps and weight_decay must be non-negative")
        if not all(0.0 <= b < 1.0 for b in betas):
            raise ValueError(f"betas must be in [0, 1), got {betas}")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "adapt": adapt}
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:  # type: ignore[override]
        """Take one LAMB step on every parameter that has a gradient."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for param in group["params"]:
                if param.grad is None:
                    continue
                grad = param.grad
                if grad.is_sparse:
                    raise RuntimeError("Lamb does not support sparse gradients")
                state = self.state[param]
                if not state:
                    state["step"] = 0
                    state["exp_avg"] = torch.zeros_like(param, memory_format=torch.preserve_format)
                    state["exp_avg_sq"] = torch.zeros_like(
                        param, memory_format=torch.preserve_format
                    )
                state["step"] += 1
                t = state["step"]
                m, v = state["exp_avg"], state["exp_avg_sq"]
                m.mul_(beta1).add_(grad, alpha=1 - beta1)
                v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                update = (m / (1 - beta1**t)) / ((v / (1 - beta2**t)).sqrt_().add_(group["eps"]))
                if group["weight_decay"]:
                    update.add_(param, alpha=group["weight_decay"])
                if group["adapt"]:
                    w_norm = torch.linalg.vector_norm(param)
                    u_norm = torch.linalg.vector_norm(update)
                    ratio = torch.where(
                        (w_norm > 0) & (u_norm > 0), w_norm / u_norm, torch.ones_like(w_norm)
                    )
                    update.mul_(ratio)
                param.add_(update, alpha=-group["lr"])
        return loss


def parameter_groups(model: torch.nn.Module, weight_decay: float) -> list[dict[str, Any]]:
    """Two groups: weights with decay and layer adaptation, and LayerNorm weights and biases
    (:func:`albert_core.training.loop.no_decay`) with neither. Tied weights appear once."""
    decay, plain = [], []
    for name, param in model.named_parameters():
        if param.requires_grad:
            (plain if no_decay(name) else decay).append(param)
    return [
        {"params": decay, "weight_decay": weight_decay, "adapt": True},
        {"params": plain, "weight_decay": 0.0, "adapt": False},
    ]


def make_optimizer(model: torch.nn.Module, args: PretrainingArguments) -> torch.optim.Optimizer:
    """LAMB or AdamW (``args.optimizer``) over :func:`parameter_groups`."""
    groups = parameter_groups(model, args.weight_decay)
    betas = (args.beta1, args.beta2)
    if args.optimizer == "lamb":
        return Lamb(groups, lr=args.learning_rate, betas=betas, eps=args.epsilon)
    return torch.optim.AdamW(groups, lr=args.learning_rate, betas=betas, eps=args.epsilon)


def optimizer_step(model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                   learning_rate: float, max_grad_norm: float) -> None:
    """Clip ``model``'s accumulated gradients to ``max_grad_norm`` (0: no clipping), step
    ``optimizer`` at ``learning_rate`` and clear the gradients."""
    if max_grad_norm > 0:
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
    for group in optimizer.param_groups:
        group["lr"] = learning_rate
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)


# ================================================================================ data
def to_torch(batch: Mapping[str, np.ndarray], device: torch.device | str | None = None
             ) -> dict[str, torch.Tensor]:
    """A numpy batch as torch tensors (ids int64, masks int64, weights float32; float
    labels, as regression has, stay floats)."""
    out = {}
    for key, value in batch.items():
        tensor = torch.from_numpy(np.ascontiguousarray(value))
        if (key in _LONG_KEYS or key == "attention_mask") and not tensor.is_floating_point():
            tensor = tensor.long()
        out[key] = tensor if device is None else tensor.to(device)
    return out


class PretrainingIterableDataset(BatchStream, IterableDataset):
    """Masked batches of a prepared dataset (``albert prepare-pretraining-data``) as torch
    tensors: the :class:`albert_core.training.batches.BatchStream` of the same arguments.

    Each item is a whole batch (use ``DataLoader(dataset, batch_size=None)``). With
    ``num_workers > 0`` worker ``i`` builds batches ``i, i + N, ...``; the stream is the same
    as with no workers. ``start`` skips that many examples (a resume position).
    """

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        info = get_worker_info()
        worker, workers = (0, 1) if info is None else (info.id, info.num_workers)
        for batch in self.batches(worker, workers):
            yield to_torch(batch)


# ============================================================================= trainer
def pretraining_sums(
    model: AlbertForPreTraining, batch: Mapping[str, torch.Tensor],
    denominators: Mapping[str, float] | None = None,
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The objective (mean MLM + mean SOP cross-entropy) and the metric sums of a batch.

    The masked-LM head runs only on the ``masked_lm_positions`` (as in ALBERT), which is
    the same loss as the model's own ``labels`` loss at a fraction of the vocabulary
    projection's cost. With ``denominators`` (``mlm_count`` and ``sop_count`` of the global
    batch, :func:`albert_core.training.distributed.pretraining_denominators`) the two sums
    of this share of the batch are divided by them instead of by its own counts.
    """
    out = model.albert(
        batch["input_ids"],
        attention_mask=batch["attention_mask"],
        token_type_ids=batch["token_type_ids"],
        return_dict=True,
    )
    hidden = out.last_hidden_state
    positions = batch["masked_lm_positions"]
    gathered = hidden.gather(1, positions.unsqueeze(-1).expand(-1, -1, hidden.shape[-1]))
    logits = model.predictions(gathered).float()
    ids = batch["masked_lm_ids"].reshape(-1)
    weights_ = batch["masked_lm_weights"].reshape(-1).float()
    token_ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), ids, reduction="none")
    mlm_sum = (token_ce * weights_).sum()
    mlm_count = weights_.sum()
    sop_logits = model.sop_classifier(out.pooler_output).float()
    labels = batch["sentence_order_label"]
    sop_ce = F.cross_entropy(sop_logits, labels, reduction="none")
    if denominators is None:
        objective = mlm_sum / mlm_count.clamp_min(1.0) + sop_ce.mean()
    else:
        objective = mlm_sum / denominators["mlm_count"] \
            + sop_ce.sum() / denominators["sop_count"]
    with torch.no_grad():
        sums = {
            "mlm_loss_sum": mlm_sum.detach(),
            "mlm_count": mlm_count,
            "mlm_correct": ((logits.argmax(-1).reshape(-1) == ids).float() * weights_).sum(),
            "sop_loss_sum": sop_ce.detach().sum(),
            "sop_count": torch.tensor(float(labels.numel()), device=labels.device),
            "sop_correct": (sop_logits.argmax(-1) == labels).float().sum(),
        }
    return objective, sums


class PretrainingObjective(torch.nn.Module):
    """:func:`pretraining_sums` as a module's ``forward``, so that
    ``DistributedDataParallel`` sees the pass it averages the gradients of.

    Args:
        model: the pre-training model.
    """

    def __init__(self, model: AlbertForPreTraining) -> None:
        super().__init__()
        self.model = model

    def forward(self, batch: Mapping[str, torch.Tensor], denominators: Mapping[str, float]
                ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """:func:`pretraining_sums` of ``batch`` over the global ``denominators``."""
        return pretraining_sums(self.model, batch, denominators)


class PTPretrainer(DataParallelHooks, FrameworkTrainer):
    """PyTorch trainer of :func:`albert_core.training.loop.run_pretraining`.

    Builds :class:`AlbertForPreTraining` from ``config`` after ``torch.manual_seed(seed)``
    (or uses ``model``), with LAMB or AdamW over :func:`parameter_groups`. Gradients
    accumulate in ``.grad``; the global norm is clipped with ``clip_grad_norm_``.
    Checkpoints hold the weights, the optimizer state and torch's random state.

    Under torchrun (:mod:`albert_pt.distributed`) each process trains its contiguous rows
    of every micro-batch through ``DistributedDataParallel`` with the objective
    ``count * (mlm_sum / mlm_count + sop_sum / sop_count)`` over the global batch's
    counts, so the averaged gradients are one process's; the metric sums returned are the
    whole batch's.

    Args:
        config: the model config.
        args: the run's options.
        device: where to train (``"cpu"`` default, ``"cuda"``, ``"cuda:N"``; under torchrun
            ``cuda`` is the process's GPU ``LOCAL_RANK``).
        model: start from this model instead of a fresh one.
        distributed: data parallelism over the torchrun processes (None: when running
            under torchrun with several processes).
    """

    framework = "pt"

    def __init__(
        self,
        config: AlbertConfig,
        args: PretrainingArguments,
        *,
        device: torch.device | int | str | None = "cpu",
        model: AlbertForPreTraining | None = None,
        distributed: bool | None = None,
    ) -> None:
        super().__init__(config, args)
        self.device = resolve_device(device)
        self.parallel = DataParallel(self.device, distributed)
        if model is None:
            torch.manual_seed(args.seed)
            model = AlbertForPreTraining(config)
        self.model = model.to(self.device)
        self.model.train()
        self.optimizer = make_optimizer(self.model, args)
        self.objective = self.parallel.wrap(PretrainingObjective(self.model))
        self.micro_steps = 0
        self._pending = 0

    def forward_backward(self, batch: Mapping[str, np.ndarray], scale: float) -> dict[str, float]:
        """See :meth:`FrameworkTrainer.forward_backward`."""
        parallel = self.parallel
        self._pending += 1
        if parallel.count == 1:
            objective, sums = pretraining_sums(self.model, to_torch(batch, self.device))
            (objective * scale).backward()
            self.micro_steps += 1
            return {key: float(value) for key, value in sums.items()}
        denominators = pretraining_denominators(batch)
        begin, end = shard_bounds(len(batch["input_ids"]), parallel.count)[parallel.rank]
        # An empty share trains on a stand-in row with weight 0, so the collectives match.
        share = 1.0 if end > begin else 0.0
        rows = slice(begin, end) if end > begin else slice(0, 1)
        part = {key: np.asarray(value)[rows] for key, value in batch.items()}
        parallel.seed(self.args.seed, self.micro_steps)
        final = self._pending >= self.args.grad_accum_steps
        with parallel.accumulating(self.objective, final):
            objective, sums = self.objective(to_torch(part, self.device), denominators)
            (objective * (parallel.count * share * scale)).backward()
        self.micro_steps += 1
        totals = parallel.sum(torch.stack([sums[key].float() for key in METRIC_SUMS]) * share)
        return {key: float(value) for key, value in zip(METRIC_SUMS, totals.tolist(), strict=True)}

    def apply_gradients(self, learning_rate: float) -> None:
        """See :meth:`FrameworkTrainer.apply_gradients`."""
        optimizer_step(self.model, self.optimizer, learning_rate, self.args.max_grad_norm)
        self._pending = 0

    @torch.no_grad()
    def evaluate(self, batch: Mapping[str, np.ndarray]) -> dict[str, float]:
        """See :meth:`FrameworkTrainer.evaluate`."""
        self.model.eval()
        try:
            _, sums = pretraining_sums(self.model, to_torch(batch, self.device))
        finally:
            self.model.train()
        return {key: float(value) for key, value in sums.items()}

    def save_state(self, directory: Path) -> None:
        """See :meth:`FrameworkTrainer.save_state`."""
        state = {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                 "micro_steps": self.micro_steps}
        torch.save({**state, **rng_state(self.device)}, directory / STATE_FILE)

    def load_state(self, directory: Path) -> None:
        """See :meth:`FrameworkTrainer.load_state`."""
        state = torch.load(directory / STATE_FILE, map_location=self.device, weights_only=True)
        self.model.load_state_dict(state["model"])
        self.model.tie_weights()
        self.optimizer.load_state_dict(state["optimizer"])
        self.micro_steps = int(state.get("micro_steps", 0))
        restore_rng(state, self.device)

    def save_pretrained(self, directory: Path) -> None:
        """See :meth:`FrameworkTrainer.save_pretrained`."""
        self.model.save_pretrained(directory)

    def numpy_weights(self) -> dict[str, np.ndarray]:
        """See :meth:`FrameworkTrainer.numpy_weights`."""
        return weights.model_arrays(self.model)


def rng_state(device: torch.device) -> dict[str, torch.Tensor]:
    """torch's random state (and the GPU's on CUDA), for a checkpoint."""
    state = {"torch_rng": torch.get_rng_state()}
    if device.type == "cuda":
        state["cuda_rng"] = torch.cuda.get_rng_state(device)
    return state


def restore_rng(state: Mapping[str, torch.Tensor], device: torch.device) -> None:
    """Set the random state :func:`rng_state` saved."""
    torch.set_rng_state(state["torch_rng"].cpu())
    if "cuda_rng" in state and device.type == "cuda":
        torch.cuda.set_rng_state(state["cuda_rng"].cpu(), device)


__all__ = [
    "Lamb",
    "PTPretrainer",
    "PretrainingIterableDataset",
    "PretrainingObjective",
    "make_optimizer",
    "optimizer_step",
    "parameter_groups",
    "pretraining_sums",
    "restore_rng",
    "rng_state",
    "to_torch",
]
