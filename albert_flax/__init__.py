"""ALBERT for JAX / Flax.

Seven wrapper classes (``FlaxAlbert*``) around Flax Linen modules, holding a params pytree
in transformers' Flax layout and loading/saving every checkpoint format through
:mod:`albert_core.checkpoints`::

    from albert_flax import FlaxAlbertForMaskedLM
    model = FlaxAlbertForMaskedLM.from_pretrained("albert/albert-base-v2")
    logits = model(input_ids, attention_mask=mask).logits

The shared layer groups run as ``nn.scan`` (compiled once however deep the model is);
:mod:`albert_flax.sharding` holds the partition-spec rule for data and model parallelism.
"""

from __future__ import annotations

from albert_core.config import AlbertConfig
from albert_flax.modeling import (
    BF16_TOLERANCE,
    MODEL_CLASSES,
    AlbertForMaskedLMModule,
    AlbertForMultipleChoiceModule,
    AlbertForPreTrainingModule,
    AlbertForQuestionAnsweringModule,
    AlbertForSequenceClassificationModule,
    AlbertForTokenClassificationModule,
    AlbertModule,
    FlaxAlbertForMaskedLM,
    FlaxAlbertForMultipleChoice,
    FlaxAlbertForPreTraining,
    FlaxAlbertForPreTrainingOutput,
    FlaxAlbertForQuestionAnswering,
    FlaxAlbertForSequenceClassification,
    FlaxAlbertForTokenClassification,
    FlaxAlbertModel,
    FlaxAlbertPreTrainedModel,
    FlaxBaseModelOutputWithPooling,
    FlaxMaskedLMOutput,
    FlaxMultipleChoiceModelOutput,
    FlaxQuestionAnsweringModelOutput,
    FlaxSequenceClassifierOutput,
    FlaxTokenClassifierOutput,
    ModelOutput,
)

__all__ = [
    "BF16_TOLERANCE",
    "MODEL_CLASSES",
    "AlbertConfig",
    "AlbertForMaskedLMModule",
    "AlbertForMultipleChoiceModule",
    "AlbertForPreTrainingModule",
    "AlbertForQuestionAnsweringModule",
    "AlbertForSequenceClassificationModule",
    "AlbertForTokenClassificationModule",
    "AlbertModule",
    "FlaxAlbertForMaskedLM",
    "FlaxAlbertForMultipleChoice",
    "FlaxAlbertForPreTraining",
    "FlaxAlbertForPreTrainingOutput",
    "FlaxAlbertForQuestionAnswering",
    "FlaxAlbertForSequenceClassification",
    "FlaxAlbertForTokenClassification",
    "FlaxAlbertModel",
    "FlaxAlbertPreTrainedModel",
    "FlaxBaseModelOutputWithPooling",
    "FlaxMaskedLMOutput",
    "FlaxMultipleChoiceModelOutput",
    "FlaxQuestionAnsweringModelOutput",
    "FlaxSequenceClassifierOutput",
    "FlaxTokenClassifierOutput",
    "ModelOutput",
]
