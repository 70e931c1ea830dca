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
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from albert_core.training.finetune import FinetuneArguments, FrameworkFinetuner
from albert_core.training.finetune_tasks import TaskData
from albert_pt.models import MODEL_CLASSES
from albert_pt.pretraining import parameter_groups, restore_rng, rng_state, to_torch

WEIGHTS_FILE = "model_state.safetensors"
STATE_FILE = "pt_finetune_state.pt"
MAX_GRAD_NORM = 1.0


def adamw(model: torch.nn.Module, learning_rate: float, weight_decay: float
          ) -> torch.optim.AdamW:
    """AdamW over :func:`albert_pt.pretraining.parameter_groups`: decayed weights, and
    biases and LayerNorm weights without decay."""
    return torch.optim.AdamW(parameter_groups(model, weight_decay), lr=learning_rate)


class PTFinetuner(FrameworkFinetuner):
    """PyTorch finetuner of :func:`albert_core.training.finetune.run_finetuning`.

    Args:
        data: the task data (its head and config updates pick the model).
        args: the run's options (``model``, ``seed``, ``learning_rate``, ``weight_decay``,
            ``bf16``).
        device: where to train (``"cpu"`` default, ``"cuda"``).

    Attributes:
        model: the task model.
        new_weights: names of the weights the checkpoint did not have (initialised).
    """

    framework = "pt"

    def __init__(self, data: TaskData, args: FinetuneArguments, *,
                 device: torch.device | str = "cpu") -> None:
        super().__init__(data, args)
        self.device = torch.device(device)
        torch.manual_seed(args.seed)
        model = MODEL_CLASSES[data.head].from_pretrained(
            args.model, strict=False, device=self.device, **data.config_updates)
        report = getattr(model, "loading_report", None)
        self.new_weights: list[str] = sorted(getattr(report, "missing", None) or [])
        self.model = model
        self.model.train()
        self.optimizer = adamw(self.model, args.learning_rate, args.weight_decay)

    def _autocast(self) -> torch.autocast:
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.args.bf16)

    def forward_backward(self, batch: Mapping[str, np.ndarray], scale: float) -> dict[str, float]:
        """See :meth:`FrameworkFinetuner.forward_backward`."""
        inputs = to_torch(batch, self.device)
        with self._autocast():
            loss = self.model(**inputs, return_dict=True).loss
        (loss.float() * scale).backward()
        return {"loss": float(loss.detach())}

    def apply_gradients(self, learning_rate: float) -> None:
        """See :meth:`FrameworkFinetuner.apply_gradients`."""
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), MAX_GRAD_NORM)
        for group in self.optimizer.param_groups:
            group["lr"] = learning_rate
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)

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
        torch.save({"optimizer": self.optimizer.state_dict(), **rng_state(self.device)},
                   directory / STATE_FILE)

    def load_state(self, directory: Path) -> None:
        """See :meth:`FrameworkFinetuner.load_state`."""
        tensors = load_file(str(directory / WEIGHTS_FILE), device=str(self.device))
        self.model.load_state_dict(tensors, strict=False)
        self.model.tie_weights()
        state = torch.load(directory / STATE_FILE, map_location=self.device, weights_only=True)
        self.optimizer.load_state_dict(state["optimizer"])
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


__all__ = ["MAX_GRAD_NORM", "PTFinetuner", "adamw"]
