"""The seven public ALBERT Keras models, each its head and its ``call`` signature.

The head pattern behind every ``call`` is :class:`albert_tf.heads.TFAlbertHeadModel`;
loading and saving are :class:`albert_tf.pretrained.TFAlbertPreTrainedModel`'s.
"""

from __future__ import annotations

from typing import Any

import keras

from albert_core.heads import by_head
from albert_core.modeling_utils import call_arguments
from albert_tf.heads import TFAlbertHeadModel
from albert_tf.pretrained import TFAlbertPreTrainedModel

#: What a tensor argument may be: a tf.Tensor, a numpy array or a (nested) list.
TensorLike = Any

_CALL_ARGS_DOC = """
        Args:
            input_ids: ``(batch, seq)`` token ids in ``[0, vocab_size)``, or a dict holding
                any of the inputs (and labels) by name.
            attention_mask: ``(batch, seq)``, 1 for tokens and 0 for padding.
            token_type_ids: ``(batch, seq)`` segment ids; zeros when omitted.
            position_ids: ``(batch, seq)`` (or ``(1, seq)``) positions; ``0..seq-1`` when
                omitted.
            head_mask: multiplies the attention probabilities per head (1 keeps, 0 drops):
                ``(num_heads,)`` for every layer, ``(num_hidden_layers, num_heads)`` with row
                ``i`` for the ``i``-th layer application (every inner layer of the shared
                group run at step ``i``), or transformers' 5-D form.
            inputs_embeds: ``(batch, seq, embedding_size)`` instead of ``input_ids``.
            output_attentions: also return every inner layer's attention probabilities.
            output_hidden_states: also return the hidden state after every layer application.
            return_dict: False returns a tuple of the non-None output fields.
            training: dropout on (Keras sets it in ``fit``).
"""


class TFAlbertModel(TFAlbertHeadModel):
    """The bare ALBERT encoder with the tanh pooler: ``last_hidden_state``, ``pooler_output``."""

    head = "model"

    def call(
        self,
        input_ids: Any = None,
        attention_mask: TensorLike | None = None,
        token_type_ids: TensorLike | None = None,
        position_ids: TensorLike | None = None,
        head_mask: TensorLike | None = None,
        inputs_embeds: TensorLike | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        training: bool = False,
    ) -> Any:
        """Encode a right-padded batch.

        {args}

        Raises:
            ValueError: ids outside their embedding table (checked in eager mode), a sequence
                longer than ``max_position_embeddings``, mismatched shapes; the message names
                the input and the config field.
        """
        return self._forward(**call_arguments(locals()))


class TFAlbertForPreTraining(TFAlbertHeadModel):
    """ALBERT with the masked-LM and sentence-order-prediction heads used in pre-training."""

    head = "pretraining"

    def call(
        self,
        input_ids: Any = None,
        attention_mask: TensorLike | None = None,
        token_type_ids: TensorLike | None = None,
        position_ids: TensorLike | None = None,
        head_mask: TensorLike | None = None,
        inputs_embeds: TensorLike | None = None,
        labels: TensorLike | None = None,
        sentence_order_label: TensorLike | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        training: bool = False,
    ) -> Any:
        """Masked-LM and sentence-order scores.

        {args}
            labels: ``(batch, seq)`` token ids to predict; -100 marks positions to ignore.
            sentence_order_label: ``(batch,)`` class in ``[0, num_labels)`` (0: original
                order, 1: swapped).

        With both labels, ``loss`` is the mean masked-LM cross-entropy plus the
        sentence-order cross-entropy.
        """
        return self._forward(**call_arguments(locals()))


class TFAlbertForMaskedLM(TFAlbertHeadModel):
    """ALBERT with the masked-LM head (no pooler); the decoder is tied to the word
    embeddings (unless ``tie_word_embeddings=False``) and its bias is ``predictions.bias``."""

    head = "masked-lm"

    def call(
        self,
        input_ids: Any = None,
        attention_mask: TensorLike | None = None,
        token_type_ids: TensorLike | None = None,
        position_ids: TensorLike | None = None,
        head_mask: TensorLike | None = None,
        inputs_embeds: TensorLike | None = None,
        labels: TensorLike | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        training: bool = False,
    ) -> Any:
        """Vocabulary scores per token.

        {args}
            labels: ``(batch, seq)`` token ids; -100 marks positions left out of the loss.
        """
        return self._forward(**call_arguments(locals()))


class TFAlbertForSequenceClassification(TFAlbertHeadModel):
    """ALBERT with dropout and a linear classifier (or regressor) on the pooled output."""

    head = "sequence-classification"

    def call(
        self,
        input_ids: Any = None,
        attention_mask: TensorLike | None = None,
        token_type_ids: TensorLike | None = None,
        position_ids: TensorLike | None = None,
        head_mask: TensorLike | None = None,
        inputs_embeds: TensorLike | None = None,
        labels: TensorLike | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        training: bool = False,
    ) -> Any:
        """Scores per sequence.

        {args}
            labels: ``(batch,)`` class ids (single-label), ``(batch,)`` or ``(batch,
                num_labels)`` floats (regression), or ``(batch, num_labels)`` multi-hot
                floats (multi-label); see
                :func:`albert_tf.losses.sequence_classification_loss`.
        """
        return self._forward(**call_arguments(locals()))


class TFAlbertForTokenClassification(TFAlbertHeadModel):
    """ALBERT with dropout and a linear classifier on every token (no pooler)."""

    head = "token-classification"

    def call(
        self,
        input_ids: Any = None,
        attention_mask: TensorLike | None = None,
        token_type_ids: TensorLike | None = None,
        position_ids: TensorLike | None = None,
        head_mask: TensorLike | None = None,
        inputs_embeds: TensorLike | None = None,
        labels: TensorLike | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        training: bool = False,
    ) -> Any:
        """Scores per token.

        {args}
            labels: ``(batch, seq)`` class ids; -100 marks positions left out of the loss.
        """
        return self._forward(**call_arguments(locals()))


class TFAlbertForQuestionAnswering(TFAlbertHeadModel):
    """ALBERT with a linear layer giving span start and end scores per token (no pooler).

    ``config.num_labels`` must be 2 (start, end)."""

    head = "question-answering"

    def call(
        self,
        input_ids: Any = None,
        attention_mask: TensorLike | None = None,
        token_type_ids: TensorLike | None = None,
        position_ids: TensorLike | None = None,
        head_mask: TensorLike | None = None,
        inputs_embeds: TensorLike | None = None,
        start_positions: TensorLike | None = None,
        end_positions: TensorLike | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        training: bool = False,
    ) -> Any:
        """Span scores.

        {args}
            start_positions, end_positions: ``(batch,)`` token indices of the answer span;
                clamped to ``[0, seq]``, and ``seq`` is left out of the loss.
        """
        return self._forward(**call_arguments(locals()))


class TFAlbertForMultipleChoice(TFAlbertHeadModel):
    """ALBERT scoring each choice with a linear layer on its pooled output.

    Inputs are ``(batch, num_choices, seq)``; the choices are encoded as one batch of
    ``batch * num_choices`` sequences."""

    head = "multiple-choice"

    def call(
        self,
        input_ids: Any = None,
        attention_mask: TensorLike | None = None,
        token_type_ids: TensorLike | None = None,
        position_ids: TensorLike | None = None,
        head_mask: TensorLike | None = None,
        inputs_embeds: TensorLike | None = None,
        labels: TensorLike | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        training: bool = False,
    ) -> Any:
        """Scores per choice.

        {args}
            (``input_ids``, ``attention_mask``, ``token_type_ids``, ``position_ids`` are
            ``(batch, num_choices, seq)``; ``inputs_embeds`` is ``(batch, num_choices, seq,
            embedding_size)``.)
            labels: ``(batch,)`` index of the right choice (cross-entropy loss).
        """
        return self._forward(**call_arguments(locals()))


#: Head name (:data:`albert_core.heads.HEADS`) -> model class.
MODEL_CLASSES: dict[str, type[TFAlbertPreTrainedModel]] = by_head((
    TFAlbertModel, TFAlbertForPreTraining, TFAlbertForMaskedLM, TFAlbertForSequenceClassification,
    TFAlbertForTokenClassification, TFAlbertForQuestionAnswering, TFAlbertForMultipleChoice,
))  # fmt: skip

for _cls in MODEL_CLASSES.values():
    _cls.call.__doc__ = _cls.call.__doc__.replace("{args}", _CALL_ARGS_DOC.strip())
    keras.saving.register_keras_serializable(package="albert")(_cls)

#: The public names: every model class and :data:`MODEL_CLASSES`.
__all__ = ["MODEL_CLASSES", *(cls.__name__ for cls in MODEL_CLASSES.values())]
