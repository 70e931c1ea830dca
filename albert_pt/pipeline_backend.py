"""The PyTorch forward pass behind :mod:`albert_core.pipelines` (numpy in, numpy out)."""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np
import torch

from albert_core.pipelines.base import TASK_HEADS, parse_device
from albert_pt.modeling import MODEL_CLASSES, AlbertPreTrainedModel


def torch_device(device: int | str | None) -> torch.device:
    """transformers-style device: None or -1 -> CPU, an int N -> ``cuda:N``, else a name."""
    kind, index = parse_device(device)
    return torch.device("cpu") if kind == "cpu" else torch.device("cuda", index)


def load_model(task: str, name_or_path: str | os.PathLike[str], *, device: Any = None,
               dtype: str | None = None, revision: str | None = None) -> AlbertPreTrainedModel:
    """The model of ``task``'s head, loaded in eval mode on ``device``.

    Feature extraction loads the bare encoder from any checkpoint without failing on a
    missing pooler; the pipeline checks that nothing else is missing.
    """
    target = torch_device(device)
    if target.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} asks for a GPU, but torch sees none")
    strict = task != "feature-extraction"
    with warnings.catch_warnings():
        if not strict:
            warnings.simplefilter("ignore")
        model = MODEL_CLASSES[TASK_HEADS[task]].from_pretrained(
            name_or_path, dtype=dtype, device=target, revision=revision, strict=strict
        )
    return model.eval()


def forward(model: AlbertPreTrainedModel, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Run ``model`` on a numpy batch without gradients; outputs come back as float32 numpy."""
    device = next(model.parameters()).device
    inputs = {k: torch.as_tensor(v, device=device) for k, v in batch.items()}
    with torch.inference_mode():
        outputs = model(**inputs)
    return {k: v.float().cpu().numpy() for k, v in outputs.items() if torch.is_tensor(v)}
