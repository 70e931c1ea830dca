"""The public ``FlaxAlbert*`` models: one class per head of :data:`albert_core.heads.HEADS`.

Each class names its head; everything else (the Linen module, the labels, the loss, the
input checks, loading and saving) comes from the head's spec through
:class:`~albert_flax.pretrained.FlaxAlbertPreTrainedModel`. Every ``__call__`` has the same
parameters, so that a label meant for another head is a clear ValueError naming the labels
this head takes.
"""

from __future__ import annotations

from typing import Any

import jax

from albert_core.heads import by_head
from albert_core.modeling_utils import call_arguments
from albert_flax import outputs
from albert_flax.pretrained import FlaxAlbertPreTrainedModel, Params

Array = jax.Array


class FlaxAlbertModel(FlaxAlbertPreTrainedModel):
    """The bare ALBERT encoder with the tanh pooler: ``last_hidden_state``, ``pooler_output``."""

    head = "model"

    def __call__(
        self, input_ids: Any = None, attention_mask: Any = None, token_type_ids: Any = None,
        position_ids: Any = None, head_mask: Any = None, inputs_embeds: Any = None, *,
        labels: Any = None, sentence_order_label: Any = None, start_positions: Any = None,
        end_positions: Any = None, params: Params | None = None,
        dropout_rng: Array | None = None, train: bool = False,
        output_attentions: bool | None = None, output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> outputs.FlaxBaseModelOutputWithPooling | tuple[Array, ...]:  # fmt: skip
        """Encode a batch: the last hidden state and the pooled first token.

        The bare model takes no labels. Arguments as
        ``FlaxAlbertPreTrainedModel.__call__``.
        """
        return super().__call__(**call_arguments(locals()))


class FlaxAlbertForPreTraining(FlaxAlbertPreTrainedModel):
    """ALBERT with the masked-LM and sentence-order heads used in pre-training.

    Labels: ``labels`` ``(batch, seq)`` token ids (-100 ignored) and
    ``sentence_order_label`` ``(batch,)`` in ``[0, num_labels)``; with both, ``loss`` is the
    masked-LM cross-entropy plus the sentence-order cross-entropy.
    """

    head = "pretraining"

    def __call__(
        self, input_ids: Any = None, attention_mask: Any = None, token_type_ids: Any = None,
        position_ids: Any = None, head_mask: Any = None, inputs_embeds: Any = None, *,
        labels: Any = None, sentence_order_label: Any = None, start_positions: Any = None,
        end_positions: Any = None, params: Params | None = None,
        dropout_rng: Array | None = None, train: bool = False,
        output_attentions: bool | None = None, output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> outputs.FlaxAlbertForPreTrainingOutput | tuple[Array, ...]:  # fmt: skip
        """Masked-LM and sentence-order scores; with both labels, their summed loss.

        Arguments as ``FlaxAlbertPreTrainedModel.__call__``; the labels are
        ``labels`` and ``sentence_order_label`` (see the class).
        """
        return super().__call__(**call_arguments(locals()))


class FlaxAlbertForMaskedLM(FlaxAlbertPreTrainedModel):
    """ALBERT with the masked-LM head (no pooler); ``labels`` ``(batch, seq)``, -100 ignored."""

    head = "masked-lm"

    def __call__(
        self, input_ids: Any = None, attention_mask: Any = None, token_type_ids: Any = None,
        position_ids: Any = None, head_mask: Any = None, inputs_embeds: Any = None, *,
        labels: Any = None, sentence_order_label: Any = None, start_positions: Any = None,
        end_positions: Any = None, params: Params | None = None,
        dropout_rng: Array | None = None, train: bool = False,
        output_attentions: bool | None = None, output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> outputs.FlaxMaskedLMOutput | tuple[Array, ...]:  # fmt: skip
        """Vocabulary scores per token; with ``labels``, the masked-LM loss.

        Arguments as ``FlaxAlbertPreTrainedModel.__call__``.
        """
        return super().__call__(**call_arguments(locals()))


class FlaxAlbertForSequenceClassification(FlaxAlbertPreTrainedModel):
    """ALBERT with dropout and a linear classifier (or regressor) on the pooled output.

    ``labels``: ``(batch,)`` class ids (single-label), floats (regression) or
    ``(batch, num_labels)`` multi-hot floats (multi-label); see
    :func:`albert_flax.losses.sequence_classification_loss`.
    """

    head = "sequence-classification"

    def __call__(
        self, input_ids: Any = None, attention_mask: Any = None, token_type_ids: Any = None,
        position_ids: Any = None, head_mask: Any = None, inputs_embeds: Any = None, *,
        labels: Any = None, sentence_order_label: Any = None, start_positions: Any = None,
        end_positions: Any = None, params: Params | None = None,
        dropout_rng: Array | None = None, train: bool = False,
        output_attentions: bool | None = None, output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> outputs.FlaxSequenceClassifierOutput | tuple[Array, ...]:  # fmt: skip
        """Scores per sequence; with ``labels``, the loss ``config.problem_type`` names.

        Arguments as ``FlaxAlbertPreTrainedModel.__call__``.
        """
        return super().__call__(**call_arguments(locals()))


class FlaxAlbertForTokenClassification(FlaxAlbertPreTrainedModel):
    """ALBERT with dropout and a linear classifier on every token (no pooler).

    ``labels``: ``(batch, seq)`` class ids; -100 marks positions left out of the loss.
    """

    head = "token-classification"

    def __call__(
        self, input_ids: Any = None, attention_mask: Any = None, token_type_ids: Any = None,
        position_ids: Any = None, head_mask: Any = None, inputs_embeds: Any = None, *,
        labels: Any = None, sentence_order_label: Any = None, start_positions: Any = None,
        end_positions: Any = None, params: Params | None = None,
        dropout_rng: Array | None = None, train: bool = False,
        output_attentions: bool | None = None, output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> outputs.FlaxTokenClassifierOutput | tuple[Array, ...]:  # fmt: skip
        """Scores per token; with ``labels``, their mean cross-entropy.

        Arguments as ``FlaxAlbertPreTrainedModel.__call__``.
        """
        return super().__call__(**call_arguments(locals()))


class FlaxAlbertForQuestionAnswering(FlaxAlbertPreTrainedModel):
    """ALBERT with a linear layer giving span start and end scores per token (no pooler).

    ``config.num_labels`` must be 2. ``start_positions``/``end_positions`` ``(batch,)``
    are clamped to ``[0, seq]`` and ``seq`` is ignored by the loss (transformers' rule).
    """

    head = "question-answering"

    def __call__(
        self, input_ids: Any = None, attention_mask: Any = None, token_type_ids: Any = None,
        position_ids: Any = None, head_mask: Any = None, inputs_embeds: Any = None, *,
        labels: Any = None, sentence_order_label: Any = None, start_positions: Any = None,
        end_positions: Any = None, params: Params | None = None,
        dropout_rng: Array | None = None, train: bool = False,
        output_attentions: bool | None = None, output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> outputs.FlaxQuestionAnsweringModelOutput | tuple[Array, ...]:  # fmt: skip
        """Span start and end scores; with both positions, the mean of their losses.

        Arguments as ``FlaxAlbertPreTrainedModel.__call__``; the labels are
        ``start_positions`` and ``end_positions`` (see the class).
        """
        return super().__call__(**call_arguments(locals()))


class FlaxAlbertForMultipleChoice(FlaxAlbertPreTrainedModel):
    """ALBERT scoring each choice with a linear layer on its pooled output.

    Inputs are ``(batch, num_choices, seq)``; ``labels`` ``(batch,)`` is the index of the
    right choice.
    """

    head = "multiple-choice"

    def __call__(
        self, input_ids: Any = None, attention_mask: Any = None, token_type_ids: Any = None,
        position_ids: Any = None, head_mask: Any = None, inputs_embeds: Any = None, *,
        labels: Any = None, sentence_order_label: Any = None, start_positions: Any = None,
        end_positions: Any = None, params: Params | None = None,
        dropout_rng: Array | None = None, train: bool = False,
        output_attentions: bool | None = None, output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> outputs.FlaxMultipleChoiceModelOutput | tuple[Array, ...]:  # fmt: skip
        """One score per choice; with ``labels``, the cross-entropy over the choices.

        Arguments as ``FlaxAlbertPreTrainedModel.__call__``, every per-token input
        ``(batch, num_choices, seq)``.
        """
        return super().__call__(**call_arguments(locals()))


#: Head name -> wrapper class.
MODEL_CLASSES: dict[str, type[FlaxAlbertPreTrainedModel]] = by_head((
    FlaxAlbertModel, FlaxAlbertForPreTraining, FlaxAlbertForMaskedLM,
    FlaxAlbertForSequenceClassification, FlaxAlbertForTokenClassification,
    FlaxAlbertForQuestionAnswering, FlaxAlbertForMultipleChoice,
))  # fmt: skip

#: The public names: every model class and :data:`MODEL_CLASSES`.
__all__ = ["MODEL_CLASSES", *(cls.__name__ for cls in MODEL_CLASSES.values())]
