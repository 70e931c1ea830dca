"""The JAX/Flax forward pass behind :mod:`albert_core.pipelines` (numpy in, numpy out).

A task-keyed view of :data:`albert_flax.backend.BACKEND`.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from albert_core.pipelines.base import TASK_HEADS
from albert_flax.backend import BACKEND, jax_device
from albert_flax.pretrained import FlaxAlbertPreTrainedModel

__all__ = ["forward", "jax_device", "load_model"]


def load_model(task: str, name_or_path: str | os.PathLike[str], *, device: Any = None,
               dtype: str | None = None,
               revision: str | None = None) -> FlaxAlbertPreTrainedModel:
    """The Flax model of ``task``'s head, its params placed on ``device``.

    ``dtype`` is the computation dtype (``"float32"`` default, ``"bfloat16"``); params stay
    float32. Feature extraction loads the bare encoder from any checkpoint without failing on
    a missing pooler; the pipeline checks that nothing else is missing.
    """
    return BACKEND.from_pretrained(TASK_HEADS[task], name_or_path, device=device, dtype=dtype,
                                   revision=revision, strict=task != "feature-extraction")


def forward(model: FlaxAlbertPreTrainedModel,
            batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Run ``model`` (no dropout) on the device of its params; float32 numpy outputs."""
    return BACKEND.forward(model, batch)
