"""The public ALBERT models in PyTorch: the backbone and the six task models.

:class:`AlbertModel` is the bare encoder (input checks, masks, the encoder and the tanh
pooler; head ``"model"``) and the ``albert`` module inside every task model. Each task model
declares its head (a key of :data:`albert_core.heads.HEADS`) and its documented ``forward``
signature; the layers, the loss and the output come from the shared pattern of
:class:`albert_pt.heads.AlbertHeadModel`.
"""

from __future__ import annotations

import torch
from torch import nn

from albert_core import modeling_utils as mu
from albert_core.config import AlbertConfig
from albert_core.heads import by_head
from albert_pt.heads import AlbertHeadModel
from albert_pt.layers import AlbertEmbeddings, AlbertTransformer
from albert_pt.outputs import (
    AlbertForPreTrainingOutput,
    BaseModelOutputWithPooling,
    MaskedLMOutput,
    MultipleChoiceModelOutput,
    QuestionAnsweringModelOutput,
    SequenceClassifierOutput,
    TokenClassifierOutput,
    as_returned,
)
from albert_pt.pretrained import AlbertPreTrainedModel

_Tuple = tuple[torch.Tensor, ...]


class AlbertModel(AlbertPreTrainedModel):
    """The bare ALBERT encoder with the tanh pooler: ``last_hidden_state``, ``pooler_output``.

    Args:
        config: the model hyper-parameters.
        add_pooling_layer: build the pooler (heads that do not use it leave it out).
        attn_implementation: ``"sdpa"`` (default) or ``"eager"``.
    """

    head = "model"

    #: Check integer inputs against their tables before indexing (see :meth:`forward`).
    check_inputs: bool = True

    def __init__(
        self,
        config: AlbertConfig,
        add_pooling_layer: bool = True,
        *,
        attn_implementation: str | None = None,
        _initialize: bool = True,
    ) -> None:
        super().__init__(config, attn_implementation=attn_implementation)
        self.embeddings = AlbertEmbeddings(config)
        self.encoder = AlbertTransformer(config, self._attn_implementation)
        self.pooler: nn.Linear | None = None
        self.pooler_activation: nn.Tanh | None = None
        if add_pooling_layer:
            self.pooler = nn.Linear(config.hidden_size, config.hidden_size)
            self.pooler_activation = nn.Tanh()
        if _initialize:
            self.post_init()

    # ------------------------------------------------------------------ inputs
    def _check_inputs(
        self, input_ids: torch.Tensor | None, attention_mask: torch.Tensor | None,
        token_type_ids: torch.Tensor | None, position_ids: torch.Tensor | None,
        inputs_embeds: torch.Tensor | None,
    ) -> tuple[int, int]:  # fmt: skip
        config = self.config
        mu.check_inputs_given(input_ids is not None, inputs_embeds is not None)
        if input_ids is not None:
            if input_ids.dim() != 2:
                raise ValueError(
                    f"input_ids must be (batch, seq), got shape {tuple(input_ids.shape)}"
                )
            shape = tuple(input_ids.shape)
        else:
            if inputs_embeds.dim() != 3 or inputs_embeds.shape[-1] != config.embedding_size:
                raise ValueError(
                    f"inputs_embeds must be (batch, seq, embedding_size={config.embedding_size}),"
                    f" got shape {tuple(inputs_embeds.shape)}"
                )
            shape = tuple(inputs_embeds.shape[:2])
        for name, tensor in (
            ("attention_mask", attention_mask),
            ("token_type_ids", token_type_ids),
            ("position_ids", position_ids),
        ):
            if tensor is not None and tuple(tensor.shape) != shape:
                if name == "position_ids" and tensor.dim() == 2 and tensor.shape[0] == 1:
                    continue  # one row of positions shared by the batch
                raise ValueError(
                    f"{name} has shape {tuple(tensor.shape)}; expected {shape} like the input"
                )
        mu.check_sequence_length(config, shape[1])
        if self.check_inputs:
            self._check_index_ranges(
                {
                    "input_ids": input_ids,
                    "token_type_ids": token_type_ids,
                    "position_ids": position_ids,
                }
            )
        return shape

    def _check_index_ranges(self, tensors: dict[str, torch.Tensor | None]) -> None:
        present = {k: v for k, v in tensors.items() if v is not None and v.numel() > 0}
        if not present:
            return
        if torch.jit.is_tracing():
            return  # a traced graph would freeze the check's outcome; checked by indexing only
        if torch.compiler.is_compiling():
            # Inside torch.compile / torch.export: a graph-friendly check that fails at run
            # time with the same message instead of a data-dependent Python branch.
            for name, tensor in present.items():
                field = mu.INDEX_LIMITS[name]
                limit = getattr(self.config, field)
                torch._assert_async(
                    ((tensor >= 0) & (tensor < limit)).all(),
                    f"{name} holds an id outside [0, {field}={limit})",
                )
            return
        # One host sync for all the inputs' minima and maxima.
        stats = torch.stack(
            [torch.stack([t.min(), t.max()]).long() for t in present.values()]
        ).tolist()
        mu.check_index_ranges(self.config, dict(zip(present, map(tuple, stats), strict=True)))

    def _extended_attention_mask(
        self, attention_mask: torch.Tensor | None, dtype: torch.dtype
    ) -> torch.Tensor | None:
        if attention_mask is None:
            return None
        mask = attention_mask[:, None, None, :].to(dtype)
        return (1.0 - mask) * torch.finfo(dtype).min

    def _head_mask(self, head_mask: torch.Tensor | None, dtype: torch.dtype) -> torch.Tensor | None:
        if head_mask is None:
            return None
        shape = mu.head_mask_shape(
            head_mask.shape, self.config.num_hidden_layers, self.config.num_attention_heads
        )
        return head_mask.reshape(shape).to(dtype)

    # ----------------------------------------------------------------- forward
    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        head_mask: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> BaseModelOutputWithPooling | tuple[torch.Tensor, ...]:
        """Encode a right-padded batch.

        Args:
            input_ids: ``(batch, seq)`` token ids in ``[0, vocab_size)``.
            attention_mask: ``(batch, seq)``, 1 for tokens and 0 for padding.
            token_type_ids: ``(batch, seq)`` segment ids in ``[0, type_vocab_size)``;
                zeros when omitted.
            position_ids: ``(batch, seq)`` (or ``(1, seq)``) positions in
                ``[0, max_position_embeddings)``; ``0..seq-1`` when omitted.
            head_mask: multiplies the attention probabilities per head (1 keeps, 0 drops).
                Shape ``(num_heads,)`` applies to every layer; ``(num_hidden_layers,
                num_heads)`` gives row ``i`` to the ``i``-th layer application, i.e. to every
                inner layer of the shared group run at step ``i``; transformers' 5-D form
                ``(num_hidden_layers | 1, batch | 1, num_heads, seq | 1, seq | 1)`` is accepted
                too. (transformers 4.57 indexes rows by group and inner layer instead, so with
                one group it applies row 0 everywhere; both agree when all rows are equal.)
                Forces the eager attention path for that call.
            inputs_embeds: ``(batch, seq, embedding_size)`` instead of ``input_ids``.
            output_attentions: also return every layer's attention probabilities (forces
                the eager attention path for that call).
            output_hidden_states: also return the hidden state after every layer application.
            return_dict: False returns a tuple of the non-None output fields.

        Raises:
            ValueError: ids outside their embedding table, a sequence longer than
                ``max_position_embeddings``, mismatched shapes; the message names the input
                and the config field. Under ``torch.compile``/``torch.export`` the id ranges
                are checked in the graph and fail with RuntimeError carrying the same text
                (on CUDA a device-side assert, as any out-of-range index would be). Set
                ``model.check_inputs = False`` on the :class:`AlbertModel` to skip the range
                checks (they cost one host sync per call on a GPU).
        """
        self._check_inputs(input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds)
        embedding_output = self.embeddings(
            input_ids,
            token_type_ids=token_type_ids,
            position_ids=position_ids,
            inputs_embeds=inputs_embeds,
        )
        dtype = embedding_output.dtype
        encoder_output = self.encoder(
            embedding_output,
            self._extended_attention_mask(attention_mask, dtype),
            self._head_mask(head_mask, dtype),
            output_attentions=bool(output_attentions),
            output_hidden_states=bool(output_hidden_states),
        )
        sequence_output = encoder_output.last_hidden_state
        if self.pooler is not None:
            encoder_output.pooler_output = self.pooler_activation(
                self.pooler(sequence_output[:, 0])
            )
        return as_returned(encoder_output, return_dict)



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

#: The public names: every model class and :data:`MODEL_CLASSES`.
__all__ = ["MODEL_CLASSES", *(cls.__name__ for cls in MODEL_CLASSES.values())]
