"""The Keras/TensorFlow forward pass behind :mod:`albert_core.pipelines` (numpy in and out),
by task, over :data:`albert_tf.backend.BACKEND`."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from albert_core.pipelines.base import TASK_HEADS
from albert_tf.backend import BACKEND
from albert_tf.pretrained import TFAlbertPreTrainedModel


def load_model(task: str, name_or_path: str | os.PathLike[str], *, device: Any = None,
               dtype: str | None = None, revision: str | None = None) -> TFAlbertPreTrainedModel:
    """The Keras model of ``task``'s head, its variables placed on ``device``.

    ``dtype`` is a Keras dtype policy (``"float32"``, ``"bfloat16"``, ``"mixed_bfloat16"``).
    Feature extraction loads the bare encoder from any checkpoint without failing on a
    missing pooler; the pipeline checks that nothing else is missing.
    """
    return BACKEND.from_pretrained(TASK_HEADS[task], name_or_path, device=device, dtype=dtype,
                                   revision=revision, strict=task != "feature-extraction")


def forward(model: TFAlbertPreTrainedModel, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Run ``model`` (inference mode) where its variables live; float32 numpy outputs."""
    return BACKEND.forward(model, batch)
