"""Keras/TensorFlow as an :class:`albert_core.backend.Backend`: numpy in, numpy out.

``albert_core.backend.get_backend("tf")`` returns :data:`BACKEND`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import tensorflow as tf

from albert_core.backend import Backend, float32_outputs, parse_device
from albert_core.config import AlbertConfig
from albert_tf import weights
from albert_tf.models import MODEL_CLASSES
from albert_tf.pretrained import TFAlbertPreTrainedModel

if TYPE_CHECKING:
    from albert_tf.finetuning import TFFinetuner
    from albert_tf.pretraining import TFPretrainer


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


class TFBackend(Backend, framework="tf", model_classes=MODEL_CLASSES):
    """The :class:`~albert_core.backend.Backend` of ``albert_tf``.

    Attributes:
        framework: ``"tf"``.
        model_classes: head name -> ``TFAlbert*`` class (:data:`albert_tf.MODEL_CLASSES`).
    """

    def load_pretrained(
        self, load: Callable[..., TFAlbertPreTrainedModel], device: int | str | None,
        dtype: str | None,
    ) -> TFAlbertPreTrainedModel:
        """The model with its variables placed on ``device``; ``dtype`` is a Keras dtype
        policy (``"float32"``, ``"bfloat16"``, ``"mixed_bfloat16"``)."""
        with tf.device(tf_device(device)):
            return load(dtype=dtype)

    def from_arrays(
        self, config: AlbertConfig, head: str, arrays: Mapping[str, np.ndarray]
    ) -> TFAlbertPreTrainedModel:
        """``head`` for ``config`` on the CPU, holding ``arrays`` (canonical names)."""
        with tf.device(tf_device(None)):
            model = MODEL_CLASSES[head](config)
            weights.load_arrays(model, arrays)
        return model

    def to_arrays(self, model: TFAlbertPreTrainedModel) -> dict[str, np.ndarray]:
        """:func:`albert_tf.weights.model_arrays`: canonical float32 arrays, ties included."""
        return weights.model_arrays(model)

    def load_arrays(
        self, model: TFAlbertPreTrainedModel, arrays: Mapping[str, np.ndarray]
    ) -> None:
        """:func:`albert_tf.weights.load_arrays` (tied names yield to their sources)."""
        weights.load_arrays(model, arrays)

    def forward(
        self, model: TFAlbertPreTrainedModel, batch: Mapping[str, Any]
    ) -> dict[str, np.ndarray]:
        """Run ``model`` (``training=False``) where its variables live.

        Returns the output fields that are one tensor as float32 numpy arrays (``loss``
        when ``batch`` holds the labels; not the ``hidden_states`` / ``attentions`` tuples).
        """
        with tf.device(model.weights[0].value.device):
            tensors = {key: tf.convert_to_tensor(value) for key, value in batch.items()}
            outputs = model(**tensors, training=False)
        return float32_outputs(outputs)

    def pretrainer(self) -> type[TFPretrainer]:
        """:class:`albert_tf.pretraining.TFPretrainer`."""
        from albert_tf.pretraining import TFPretrainer

        return TFPretrainer

    def finetuner(self) -> type[TFFinetuner]:
        """:class:`albert_tf.finetuning.TFFinetuner`."""
        from albert_tf.finetuning import TFFinetuner

        return TFFinetuner


#: The instance :func:`albert_core.backend.get_backend` returns for ``"tf"``.
BACKEND = TFBackend()
