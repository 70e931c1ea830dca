"""The PyTorch forward pass behind :mod:`albert_core.pipelines` (numpy in, numpy out)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import torch

from albert_pt.modeling import AlbertForMaskedLM, AlbertPreTrainedModel

#: Pipeline task -> model class.
TASK_CLASSES: dict[str, type[AlbertPreTrainedModel]] = {"fill-mask": AlbertForMaskedLM}


def torch_device(device: int | str | None) -> torch.device:
    """transformers-style device: None or -1 -> CPU, an int N -> ``cuda:N``, else a name."""
    if device is None or device == -1 or device == "cpu":
        return torch.device("cpu")
    if isinstance(device, int):
        if device < -1:
            raise ValueError(f"device={device} is not a GPU index (use -1 for the CPU)")
        return torch.device("cuda", device)
    return torch.device(device)


def load_model(task: str, name_or_path: str | os.PathLike[str], *, device: Any = None,
               dtype: str | None = None, revision: str | None = None) -> AlbertPreTrainedModel:
    """The model for ``task``, loaded in eval mode on ``device``."""
    target = torch_device(device)
    if target.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} asks for a GPU, but torch sees none")
    model = TASK_CLASSES[task].from_pretrained(name_or_path, dtype=dtype, device=target,
                                               revision=revision)
    return model.eval()


def forward(model: AlbertPreTrainedModel, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Run ``model`` on a numpy batch without gradients; outputs come back as float32 numpy."""
    device = next(model.parameters()).device
    inputs = {k: torch.as_tensor(v, device=device) for k, v in batch.items()}
    with torch.inference_mode():
        outputs = model(**inputs)
    return {k: v.float().cpu().numpy() for k, v in outputs.items() if torch.is_tensor(v)}
