"""The JAX/Flax forward pass behind :mod:`albert_core.pipelines` (numpy in, numpy out)."""

from __future__ import annotations

import os
import warnings
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from albert_core.pipelines.base import TASK_HEADS, parse_device
from albert_flax.modeling import MODEL_CLASSES, FlaxAlbertPreTrainedModel


def jax_device(device: int | str | None) -> Any:
    """The JAX device of a transformers-style device (the first CPU, or GPU ``N``)."""
    kind, index = parse_device(device)
    if kind == "cpu":
        return jax.devices("cpu")[0]
    try:
        gpus = jax.devices("gpu")
    except RuntimeError:
        gpus = []
    if index >= len(gpus):
        raise ValueError(f"device {device!r} asks for GPU {index}, but JAX sees "
                         f"{len(gpus)} GPU(s)")
    return gpus[index]


def load_model(task: str, name_or_path: str | os.PathLike[str], *, device: Any = None,
               dtype: str | None = None,
               revision: str | None = None) -> FlaxAlbertPreTrainedModel:
    """The Flax model of ``task``'s head, its params placed on ``device``.

    ``dtype`` is the computation dtype (``"float32"`` default, ``"bfloat16"``); params stay
    float32. Feature extraction loads the bare encoder from any checkpoint without failing on
    a missing pooler; the pipeline checks that nothing else is missing.
    """
    target = jax_device(device)
    try:
        compute = jnp.dtype(dtype or "float32")
    except TypeError:
        raise ValueError(f"dtype {dtype!r} is not a JAX dtype (use float32, bfloat16, "
                         "float16)") from None
    strict = task != "feature-extraction"
    with warnings.catch_warnings():
        if not strict:
            warnings.simplefilter("ignore")
        model = MODEL_CLASSES[TASK_HEADS[task]].from_pretrained(
            name_or_path, dtype=compute, revision=revision, strict=strict
        )
    model.params = jax.device_put(model.params, target)
    return model


def forward(model: FlaxAlbertPreTrainedModel,
            batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Run ``model`` (no dropout) on the device of its params; float32 numpy outputs."""
    (device,) = jax.tree_util.tree_leaves(model.params)[0].devices()
    inputs = {k: jax.device_put(np.asarray(v, dtype=np.int32), device) for k, v in batch.items()}
    outputs = model(**inputs)
    return {k: np.asarray(v, dtype=np.float32) for k, v in outputs.items() if v is not None}
