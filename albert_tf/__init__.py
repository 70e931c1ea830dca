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

from albert_core.config import AlbertConfig
from albert_tf.modeling import (
    ACT_FNS,
    FEATURE_NAMES,
    MODEL_CLASSES,
    AlbertForPreTrainingOutput,
    BaseModelOutputWithPooling,
    MaskedLMOutput,
    ModelOutput,
    MultipleChoiceModelOutput,
    QuestionAnsweringModelOutput,
    SequenceClassifierOutput,
    TFAlbertForMaskedLM,
    TFAlbertForMultipleChoice,
    TFAlbertForPreTraining,
    TFAlbertForQuestionAnswering,
    TFAlbertForSequenceClassification,
    TFAlbertForTokenClassification,
    TFAlbertModel,
    TFAlbertPreTrainedModel,
    TokenClassifierOutput,
)

__all__ = [
    "ACT_FNS",
    "FEATURE_NAMES",
    "MODEL_CLASSES",
    "AlbertConfig",
    "AlbertForPreTrainingOutput",
    "BaseModelOutputWithPooling",
    "MaskedLMOutput",
    "ModelOutput",
    "MultipleChoiceModelOutput",
    "QuestionAnsweringModelOutput",
    "SequenceClassifierOutput",
    "TFAlbertForMaskedLM",
    "TFAlbertForMultipleChoice",
    "TFAlbertForPreTraining",
    "TFAlbertForQuestionAnswering",
    "TFAlbertForSequenceClassification",
    "TFAlbertForTokenClassification",
    "TFAlbertModel",
    "TFAlbertPreTrainedModel",
    "TokenClassifierOutput",
]
