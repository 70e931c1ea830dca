"""The public ALBERT models in PyTorch: the backbone and the six task models.

Each task model declares its head (a key of :data:`albert_core.heads.HEADS`) and its
documented ``forward`` signature; the layers, the loss and the output come from the shared
pattern of :class:`albert_pt.heads.AlbertHeadModel`.
"""

from __future__ import annotations

import torch

from albert_core.heads import by_head
from albert_pt.backbone import AlbertModel
from albert_pt.heads import AlbertHeadModel
from albert_pt.outputs import (
    AlbertForPreTrainingOutput,
    MaskedLMOutput,
    MultipleChoiceModelOutput,
    QuestionAnsweringModelOutput,
    SequenceClassifierOutput,
    TokenClassifierOutput,
)
from albert_pt.pretrained import AlbertPreTrainedModel

_Tuple = tuple[torch.Tensor, ...]


class AlbertForPreTraining(AlbertHeadModel):
    """ALBERT with the masked-LM and sentence-order-prediction heads used in pre-training."""

    head = "pretraining"

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        head_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        sentence_order_label: torch.Tensor | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> AlbertForPreTrainingOutput | _Tuple:
        """Masked-LM and sentence-order scores; inputs as :meth:`AlbertModel.forward`.

        Args:
            labels: ``(batch, seq)`` token ids to predict; -100 marks positions to ignore.
            sentence_order_label: ``(batch,)`` class in ``[0, num_labels)`` (0: original
                order, 1: swapped).

        With both labels, ``loss`` is the mean masked-LM cross-entropy plus the
        sentence-order cross-entropy over ``config.num_labels`` classes.
        """
        labels_ = {"labels": labels, "sentence_order_label": sentence_order_label}
        return self.forward_head(
            input_ids, attention_mask, token_type_ids, position_ids, head_mask, inputs_embeds,
            labels_, output_attentions, output_hidden_states, return_dict,
        )  # fmt: skip


class AlbertForMaskedLM(AlbertHeadModel):
    """ALBERT with the masked-LM head (no pooler)."""

    head = "masked-lm"

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        head_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> MaskedLMOutput | _Tuple:
        """Vocabulary scores per token; inputs as :meth:`AlbertModel.forward`.

        Args:
            labels: ``(batch, seq)`` token ids; -100 marks positions left out of the
                (mean cross-entropy) loss.
        """
        return self.forward_head(
            input_ids, attention_mask, token_type_ids, position_ids, head_mask, inputs_embeds,
            {"labels": labels}, output_attentions, output_hidden_states, return_dict,
        )  # fmt: skip


class AlbertForSequenceClassification(AlbertHeadModel):
    """ALBERT with dropout and a linear classifier (or regressor) on the pooled output."""

    head = "sequence-classification"

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        head_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> SequenceClassifierOutput | _Tuple:
        """Scores per sequence; inputs as :meth:`AlbertModel.forward`.

        Args:
            labels: ``(batch,)`` class ids (single-label), ``(batch,)`` or
                ``(batch, num_labels)`` floats (regression), or ``(batch, num_labels)``
                multi-hot floats (multi-label). ``config.problem_type`` picks the loss (MSE,
                cross-entropy, or binary cross-entropy with logits); when it is None the type
                is inferred per call as transformers does (one label: regression; integer
                labels: single-label; otherwise multi-label), without changing the config.
        """
        return self.forward_head(
            input_ids, attention_mask, token_type_ids, position_ids, head_mask, inputs_embeds,
            {"labels": labels}, output_attentions, output_hidden_states, return_dict,
        )  # fmt: skip


class AlbertForTokenClassification(AlbertHeadModel):
    """ALBERT with dropout and a linear classifier on every token (no pooler)."""

    head = "token-classification"

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        head_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> TokenClassifierOutput | _Tuple:
        """Scores per token; inputs as :meth:`AlbertModel.forward`.

        Args:
            labels: ``(batch, seq)`` class ids; -100 marks positions left out of the loss.
        """
        return self.forward_head(
            input_ids, attention_mask, token_type_ids, position_ids, head_mask, inputs_embeds,
            {"labels": labels}, output_attentions, output_hidden_states, return_dict,
        )  # fmt: skip


class AlbertForQuestionAnswering(AlbertHeadModel):
    """ALBERT with a linear layer giving span start and end scores per token (no pooler).

    ``config.num_labels`` must be 2 (start, end).
    """

    head = "question-answering"

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        head_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        start_positions: torch.Tensor | None = None,
        end_positions: torch.Tensor | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> QuestionAnsweringModelOutput | _Tuple:
        """Span scores; inputs as :meth:`AlbertModel.forward`.

        Args:
            start_positions, end_positions: ``(batch,)`` token indices of the answer span.
                As in transformers, they are clamped to ``[0, seq]`` and ``seq`` (a position
                outside the input) is ignored by the loss, which is the mean of the start
                and end cross-entropies.
        """
        positions = {"start_positions": start_positions, "end_positions": end_positions}
        return self.forward_head(
            input_ids, attention_mask, token_type_ids, position_ids, head_mask, inputs_embeds,
            positions, output_attentions, output_hidden_states, return_dict,
        )  # fmt: skip


class AlbertForMultipleChoice(AlbertHeadModel):
    """ALBERT scoring each choice with a linear layer on its pooled output.

    Inputs are ``(batch, num_choices, seq)``; the choices are encoded as one batch of
    ``batch * num_choices`` sequences.
    """

    head = "multiple-choice"

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        head_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> MultipleChoiceModelOutput | _Tuple:
        """Scores per choice.

        Args:
            input_ids, attention_mask, token_type_ids, position_ids: ``(batch, num_choices,
                seq)``; otherwise as :meth:`AlbertModel.forward`.
            inputs_embeds: ``(batch, num_choices, seq, embedding_size)``.
            labels: ``(batch,)`` index of the right choice (cross-entropy loss).
        """
        return self.forward_head(
            input_ids, attention_mask, token_type_ids, position_ids, head_mask, inputs_embeds,
            {"labels": labels}, output_attentions, output_hidden_states, return_dict,
        )  # fmt: skip


#: Head name (a key of :data:`albert_core.heads.HEADS`) -> model class.
MODEL_CLASSES: dict[str, type[AlbertPreTrainedModel]] = by_head((
    AlbertModel, AlbertForPreTraining, AlbertForMaskedLM, AlbertForSequenceClassification,
    AlbertForTokenClassification, AlbertForQuestionAnswering, AlbertForMultipleChoice,
))  # fmt: skip
