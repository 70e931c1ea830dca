"""ALBERT for PyTorch.

Seven model classes sharing :class:`AlbertPreTrainedModel`, loading and saving every
checkpoint format through :mod:`albert_core.checkpoints`::

    from albert_pt import AlbertForMaskedLM
    model = AlbertForMaskedLM.from_pretrained("albert/albert-base-v2")
"""

from __future__ import annotations

from albert_core.config import AlbertConfig
from albert_core.model_output import ModelOutput
from albert_pt.backbone import AlbertModel
from albert_pt.layers import ATTN_IMPLEMENTATIONS
from albert_pt.models import (
    MODEL_CLASSES,
    AlbertForMaskedLM,
    AlbertForMultipleChoice,
    AlbertForPreTraining,
    AlbertForQuestionAnswering,
    AlbertForSequenceClassification,
    AlbertForTokenClassification,
)
from albert_pt.outputs import (
    AlbertForPreTrainingOutput,
    BaseModelOutputWithPooling,
    MaskedLMOutput,
    MultipleChoiceModelOutput,
    QuestionAnsweringModelOutput,
    SequenceClassifierOutput,
    TokenClassifierOutput,
)
from albert_pt.pretrained import AlbertPreTrainedModel
from albert_pt.quantization import quantize_dynamic

__all__ = [
    "AlbertConfig", "AlbertForMaskedLM", "AlbertForMultipleChoice", "AlbertForPreTraining",
    "AlbertForQuestionAnswering", "AlbertForSequenceClassification",
    "AlbertForTokenClassification", "AlbertModel", "AlbertPreTrainedModel",
    "AlbertForPreTrainingOutput", "BaseModelOutputWithPooling", "MaskedLMOutput", "ModelOutput",
    "MultipleChoiceModelOutput", "QuestionAnsweringModelOutput", "SequenceClassifierOutput",
    "TokenClassifierOutput",
    "ATTN_IMPLEMENTATIONS", "MODEL_CLASSES", "quantize_dynamic",
]  # fmt: skip
