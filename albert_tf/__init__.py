"""ALBERT for Keras 3 with the TensorFlow backend.

Seven ``keras.Model`` classes sharing :class:`TFAlbertPreTrainedModel`, loading and saving
every checkpoint format through :mod:`albert_core.checkpoints`::

    from albert_tf import TFAlbertForMaskedLM
    model = TFAlbertForMaskedLM.from_pretrained("albert/albert-base-v2")
    model.save_pretrained("out")  # config.json + tf_model.h5, as transformers writes them

Importing this package sets ``KERAS_BACKEND=tensorflow`` unless it is already set, and
fails with ImportError when Keras runs on another backend.
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402

if keras.backend.backend() != "tensorflow":  # pragma: no cover - depends on the environment
    raise ImportError(
        f"albert_tf needs Keras' TensorFlow backend, but Keras runs on "
        f"{keras.backend.backend()!r}; set KERAS_BACKEND=tensorflow before importing keras"
    )

from albert_core.config import AlbertConfig  # noqa: E402
from albert_tf import models, outputs  # noqa: E402
from albert_tf.activations import ACT_FNS  # noqa: E402
from albert_tf.layers import FEATURE_NAMES  # noqa: E402
from albert_tf.models import *  # noqa: E402, F403 - every model class and MODEL_CLASSES
from albert_tf.outputs import *  # noqa: E402, F403 - ModelOutput and every output class
from albert_tf.pretrained import TFAlbertPreTrainedModel  # noqa: E402

__all__ = [
    *models.__all__, *outputs.__all__, "ACT_FNS", "FEATURE_NAMES", "AlbertConfig",
    "TFAlbertPreTrainedModel",
]  # fmt: skip
