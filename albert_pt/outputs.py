"""The PyTorch output classes: one dataclass per head, with transformers' field names.

Each is a :class:`albert_core.model_output.ModelOutput` (attribute, key and index access,
``to_tuple``) and is registered as a pytree so that ``torch.export`` and ``torch.compile``
see through it. :data:`OUTPUTS` finds a class by the name
:attr:`albert_core.heads.HeadSpec.output` gives it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from albert_core.model_output import ModelOutput

_TensorTuple = tuple[torch.Tensor, ...]


@dataclasses.dataclass
class BaseModelOutputWithPooling(ModelOutput):
    """Output of :class:`AlbertModel`.

    Attributes:
        last_hidden_state: ``(batch, seq, hidden_size)`` output of the last layer.
        pooler_output: ``(batch, hidden_size)`` tanh-pooled first token (None without pooler).
        hidden_states: with ``output_hidden_states``, ``num_hidden_layers + 1`` tensors:
            the projected embeddings, then the output of every layer application.
        attentions: with ``output_attentions``, ``num_hidden_layers * inner_group_num``
            attention probabilities ``(batch, heads, seq, seq)``, one per inner layer call.
    """

    last_hidden_state: torch.Tensor | None = None
    pooler_output: torch.Tensor | None = None
    hidden_states: _TensorTuple | None = None
    attentions: _TensorTuple | None = None


@dataclasses.dataclass
class AlbertForPreTrainingOutput(ModelOutput):
    """Output of :class:`AlbertForPreTraining`.

    Attributes:
        loss: masked-LM cross-entropy plus sentence-order cross-entropy (given both labels).
        prediction_logits: ``(batch, seq, vocab_size)`` masked-LM scores.
        sop_logits: ``(batch, num_labels)`` sentence-order scores.
        hidden_states, attentions: as in :class:`BaseModelOutputWithPooling`.
    """

    loss: torch.Tensor | None = None
    prediction_logits: torch.Tensor | None = None
    sop_logits: torch.Tensor | None = None
    hidden_states: _TensorTuple | None = None
    attentions: _TensorTuple | None = None


@dataclasses.dataclass
class MaskedLMOutput(ModelOutput):
    """Output of :class:`AlbertForMaskedLM`: ``logits`` is ``(batch, seq, vocab_size)``."""

    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    hidden_states: _TensorTuple | None = None
    attentions: _TensorTuple | None = None


@dataclasses.dataclass
class SequenceClassifierOutput(ModelOutput):
    """Output of :class:`AlbertForSequenceClassification`: ``logits`` is ``(batch, num_labels)``."""

    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    hidden_states: _TensorTuple | None = None
    attentions: _TensorTuple | None = None


@dataclasses.dataclass
class TokenClassifierOutput(ModelOutput):
    """Output of :class:`AlbertForTokenClassification`.

    ``logits`` is ``(batch, seq, num_labels)``.
    """

    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    hidden_states: _TensorTuple | None = None
    attentions: _TensorTuple | None = None


@dataclasses.dataclass
class QuestionAnsweringModelOutput(ModelOutput):
    """Output of :class:`AlbertForQuestionAnswering`: span start and end scores ``(batch, seq)``."""

    loss: torch.Tensor | None = None
    start_logits: torch.Tensor | None = None
    end_logits: torch.Tensor | None = None
    hidden_states: _TensorTuple | None = None
    attentions: _TensorTuple | None = None


@dataclasses.dataclass
class MultipleChoiceModelOutput(ModelOutput):
    """Output of :class:`AlbertForMultipleChoice`: ``logits`` is ``(batch, num_choices)``.

    ``hidden_states`` and ``attentions`` have ``batch * num_choices`` rows.
    """

    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    hidden_states: _TensorTuple | None = None
    attentions: _TensorTuple | None = None


OUTPUT_CLASSES = (
    BaseModelOutputWithPooling, AlbertForPreTrainingOutput, MaskedLMOutput,
    SequenceClassifierOutput, TokenClassifierOutput, QuestionAnsweringModelOutput,
    MultipleChoiceModelOutput,
)  # fmt: skip

#: The public names: every output class.
__all__ = [cls.__name__ for cls in OUTPUT_CLASSES]

# Registered as pytrees so torch.export and torch.compile see through them.
for _cls in OUTPUT_CLASSES:
    torch.export.register_dataclass(_cls, serialized_type_name=f"albert_pt.{_cls.__name__}")

#: Output class name -> class, for :attr:`albert_core.heads.HeadSpec.output`.
OUTPUTS: dict[str, type[ModelOutput]] = {cls.__name__: cls for cls in OUTPUT_CLASSES}


def as_returned(output: ModelOutput, return_dict: bool | None) -> Any:
    """``output`` itself, or its tuple of non-None fields when ``return_dict`` is False."""
    return output if return_dict is None or return_dict else output.to_tuple()
