"""The Keras/TensorFlow forward pass behind :mod:`albert_core.pipelines` (numpy in and out)."""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np
import tensorflow as tf

from albert_core.pipelines.base import TASK_HEADS, parse_device
from albert_tf.modeling import MODEL_CLASSES, TFAlbertPreTrainedModel


def tf_device(device: int | str | None) -> str:
    """The TensorFlow device name of a transformers-style device (``"/CPU:0"``, ``"/GPU:1"``)."""
    kind, index = parse_device(device)
    if kind == "cpu":
        return "/CPU:0"
    gpus = tf.config.list_physical_devices("GPU")
    if index >= len(gpus):
        raise ValueError(f"device {device!r} asks for GPU {index}, but TensorFlow sees "
                         f"{len(gpus)} GPU(s)")
    return f"/GPU:{index}"


def load_model(task: str, name_or_path: str | os.PathLike[str], *, device: Any = None,
               dtype: str | None = None, revision: str | None = None) -> TFAlbertPreTrainedModel:
    """The Keras model of ``task``'s head, its variables placed on ``device``.

    ``dtype`` is a Keras dtype policy (``"float32"``, ``"bfloat16"``, ``"mixed_bfloat16"``).
    Feature extraction loads the bare encoder from any checkpoint without failing on a
    missing pooler; the pipeline checks that nothing else is missing.
    """
    strict = task != "feature-extraction"
    with tf.device(tf_device(device)), warnings.catch_warnings():
        if not strict:
            warnings.simplefilter("ignore")
        return MODEL_CLASSES[TASK_HEADS[task]].from_pretrained(
            name_or_path, revision=revision, dtype=dtype, strict=strict
        )


def forward(model: TFAlbertPreTrainedModel, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Run ``model`` (inference mode) where its variables live; float32 numpy outputs."""
    with tf.device(model.weights[0].value.device):
        outputs = model(**{k: tf.convert_to_tensor(v) for k, v in batch.items()}, training=False)
    return {k: np.asarray(v, dtype=np.float32) for k, v in outputs.items() if v is not None}
