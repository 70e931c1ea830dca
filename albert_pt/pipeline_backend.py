"""The PyTorch forward pass behind :mod:`albert_core.pipelines` (numpy in, numpy out).

A task-keyed view of :data:`albert_pt.backend.BACKEND`.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from albert_core.pipelines.base import TASK_HEADS
from albert_pt.backend import BACKEND
from albert_pt.pretrained import AlbertPreTrainedModel


def load_model(task: str, name_or_path: str | os.PathLike[str], *, device: Any = None,
               dtype: str | None = None, revision: str | None = None) -> AlbertPreTrainedModel:
    """The model of ``task``'s head, loaded in eval mode on ``device``.

    Feature extraction loads the bare encoder from any checkpoint without failing on a
    missing pooler; the pipeline checks that nothing else is missing.
    """
    return BACKEND.from_pretrained(
        TASK_HEADS[task], name_or_path, device=device, dtype=dtype, revision=revision,
        strict=task != "feature-extraction",
    )  # fmt: skip


def forward(model: AlbertPreTrainedModel, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Run ``model`` on a numpy batch without gradients; outputs come back as float32 numpy."""
    return BACKEND.forward(model, batch)
