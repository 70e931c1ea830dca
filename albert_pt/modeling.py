"""ALBERT in PyTorch: embeddings, shared layer groups, and the seven task heads.

The file reads top to bottom like the paper (Lan et al., 2019):

1. factorized embeddings: word + position + token type of width ``E``, LayerNorm, dropout;
2. a projection ``E -> H`` followed by ``num_hidden_layers`` applications of
   ``num_hidden_groups`` parameter-shared groups, each of ``inner_group_num`` post-LN
   transformer layers (application ``i`` uses group ``config.group_of_layer(i)``);
3. a tanh pooler on the first token, and the heads: masked-LM (tied to the word
   embeddings), sentence-order prediction, sequence/token classification, extractive QA
   and multiple choice.

Module names are the canonical tensor names of :mod:`albert_core.schema` (which are
transformers' PyTorch names), so checkpoints map one to one. Outputs carry transformers'
field names. Loading and saving go through :mod:`albert_core.checkpoints`.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.checkpoint import checkpoint

from albert_core import checkpoints
from albert_core import modeling_utils as mu
from albert_core.config import AlbertConfig
from albert_core.model_output import ModelOutput
from albert_core.schema import LoadReport
from albert_pt import weights
from albert_pt.activations import get_activation

#: Attention implementations selectable with ``attn_implementation=``.
ATTN_IMPLEMENTATIONS = ("sdpa", "eager")
DEFAULT_ATTN_IMPLEMENTATION = "sdpa"

_DTYPES = {
    "float32": torch.float32,
    "float": torch.float32,
    "float16": torch.float16,
    "half": torch.float16,
    "bfloat16": torch.bfloat16,
}


# ================================================================================ outputs
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
    BaseModelOutputWithPooling,
    AlbertForPreTrainingOutput,
    MaskedLMOutput,
    SequenceClassifierOutput,
    TokenClassifierOutput,
    QuestionAnsweringModelOutput,
    MultipleChoiceModelOutput,
)

# Registered as pytrees so torch.export and torch.compile see through them.
for _cls in OUTPUT_CLASSES:
    torch.export.register_dataclass(_cls, serialized_type_name=f"albert_pt.{_cls.__name__}")


# ================================================================================= layers
class AlbertEmbeddings(nn.Module):
    """Word + position + token-type embeddings of width ``embedding_size``, LayerNorm, dropout.

    The word table's ``pad_token_id`` row starts at zero but is trained like any other row,
    as in the original ALBERT and our TF and Flax backends (transformers' PyTorch freezes it
    with ``padding_idx``; see docs/equivalence.md). Missing ``position_ids`` default to
    ``0..seq-1``; missing ``token_type_ids`` to zeros.
    """

    def __init__(self, config: AlbertConfig) -> None:
        super().__init__()
        e = config.embedding_size
        self.word_embeddings = nn.Embedding(config.vocab_size, e)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, e)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, e)
        self.LayerNorm = nn.LayerNorm(e, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``(batch, seq)`` ids (or ``(batch, seq, E)`` embeddings) -> ``(batch, seq, E)``."""
        if inputs_embeds is None:
            inputs_embeds = self.word_embeddings(input_ids)
        seq_length = inputs_embeds.shape[1]
        if token_type_ids is None:
            token_types = self.token_type_embeddings.weight[0]
        else:
            token_types = self.token_type_embeddings(token_type_ids)
        if position_ids is None:
            position_ids = torch.arange(seq_length, device=inputs_embeds.device).unsqueeze(0)
        embeddings = inputs_embeds + token_types
        embeddings = embeddings + self.position_embeddings(position_ids)
        return self.dropout(self.LayerNorm(embeddings))


class AlbertAttention(nn.Module):
    """Multi-head self-attention with output projection, dropout, residual and LayerNorm.

    With ``attn_implementation="sdpa"`` the scores go through
    :func:`torch.nn.functional.scaled_dot_product_attention`; a call that needs the
    probabilities themselves (``output_attentions``) or scales them (``head_mask``) uses the
    explicit ("eager") computation instead, which gives the same result.
    """

    def __init__(self, config: AlbertConfig, attn_implementation: str = "sdpa") -> None:
        super().__init__()
        h = config.hidden_size
        self.num_attention_heads = config.num_attention_heads
        self.attention_head_size = config.head_dim
        self.attn_implementation = attn_implementation
        self.query = nn.Linear(h, h)
        self.key = nn.Linear(h, h)
        self.value = nn.Linear(h, h)
        self.attention_dropout = nn.Dropout(config.attention_probs_dropout_prob)
        self.output_dropout = nn.Dropout(config.hidden_dropout_prob)
        self.dense = nn.Linear(h, h)
        self.LayerNorm = nn.LayerNorm(h, eps=config.layer_norm_eps)

    def _split_heads(self, x: torch.Tensor) -> torch.Tensor:
        batch, seq, _ = x.shape
        x = x.view(batch, seq, self.num_attention_heads, self.attention_head_size)
        return x.transpose(1, 2)

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        head_mask: torch.Tensor | None = None,
        output_attentions: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Return the layer-normed attention output and, if asked, the probabilities.

        ``attention_mask`` is additive, broadcastable to ``(batch, heads, seq, seq)``;
        ``head_mask`` multiplies the probabilities and is broadcastable to the same shape.
        """
        batch, seq, hidden = hidden_states.shape
        query = self._split_heads(self.query(hidden_states))
        key = self._split_heads(self.key(hidden_states))
        value = self._split_heads(self.value(hidden_states))
        probs = None
        if self.attn_implementation == "sdpa" and head_mask is None and not output_attentions:
            context = F.scaled_dot_product_attention(
                query,
                key,
                value,
                attn_mask=attention_mask,
                dropout_p=self.attention_dropout.p if self.training else 0.0,
            )
        else:
            scores = torch.matmul(query, key.transpose(-1, -2)) / math.sqrt(
                self.attention_head_size
            )
            if attention_mask is not None:
                scores = scores + attention_mask
            probs = self.attention_dropout(scores.softmax(dim=-1))
            if head_mask is not None:
                probs = probs * head_mask
            context = torch.matmul(probs, value)
        context = context.transpose(1, 2).reshape(batch, seq, hidden)
        projected = self.output_dropout(self.dense(context))
        output = self.LayerNorm(hidden_states + projected)
        return output, (probs if output_attentions else None)


class AlbertLayer(nn.Module):
    """One post-LN transformer layer: attention block, then feed-forward block.

    The feed-forward output passes through dropout before the residual, as in the original
    ALBERT and in transformers' TF and Flax versions (transformers' PyTorch class defines
    that dropout but never applies it; with the default ``hidden_dropout_prob=0`` the two
    agree).
    """

    def __init__(self, config: AlbertConfig, attn_implementation: str = "sdpa") -> None:
        super().__init__()
        h = config.hidden_size
        self.full_layer_layer_norm = nn.LayerNorm(h, eps=config.layer_norm_eps)
        self.attention = AlbertAttention(config, attn_implementation)
        self.ffn = nn.Linear(h, config.intermediate_size)
        self.ffn_output = nn.Linear(config.intermediate_size, h)
        self.activation = get_activation(config.hidden_act)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        head_mask: torch.Tensor | None = None,
        output_attentions: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Return the layer output and, if asked, the attention probabilities."""
        attention_output, probs = self.attention(
            hidden_states, attention_mask, head_mask, output_attentions
        )
        ffn_output = self.ffn_output(self.activation(self.ffn(attention_output)))
        ffn_output = self.dropout(ffn_output)
        return self.full_layer_layer_norm(ffn_output + attention_output), probs


class AlbertLayerGroup(nn.Module):
    """``inner_group_num`` layers applied in sequence; the unit of parameter sharing."""

    def __init__(self, config: AlbertConfig, attn_implementation: str = "sdpa") -> None:
        super().__init__()
        self.albert_layers = nn.ModuleList(
            [AlbertLayer(config, attn_implementation) for _ in range(config.inner_group_num)]
        )

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        head_mask: torch.Tensor | None = None,
        output_attentions: bool = False,
        gradient_checkpointing: bool = False,
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Run every inner layer; return the output and the list of attention probabilities.

        ``head_mask`` applies to every inner layer. With ``gradient_checkpointing`` each inner
        layer's activations are recomputed in the backward pass instead of being stored.
        """
        attentions: list[torch.Tensor] = []
        for layer in self.albert_layers:
            if gradient_checkpointing:
                hidden_states, probs = checkpoint(
                    layer,
                    hidden_states,
                    attention_mask,
                    head_mask,
                    output_attentions,
                    use_reentrant=False,
                )
            else:
                hidden_states, probs = layer(
                    hidden_states, attention_mask, head_mask, output_attentions
                )
            if probs is not None:
                attentions.append(probs)
        return hidden_states, attentions


class AlbertTransformer(nn.Module):
    """The ``E -> H`` projection and ``num_hidden_layers`` applications of the shared groups."""

    def __init__(self, config: AlbertConfig, attn_implementation: str = "sdpa") -> None:
        super().__init__()
        self.layer_groups: list[int] = config.layer_groups()
        self.embedding_hidden_mapping_in = nn.Linear(config.embedding_size, config.hidden_size)
        self.albert_layer_groups = nn.ModuleList(
            [AlbertLayerGroup(config, attn_implementation) for _ in range(config.num_hidden_groups)]
        )
        self.gradient_checkpointing = False

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        head_mask: torch.Tensor | None = None,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
    ) -> BaseModelOutputWithPooling:
        """Encode ``(batch, seq, E)`` embeddings; ``head_mask`` is 5-D, one row per layer
        application (or a single row for all)."""
        hidden_states = self.embedding_hidden_mapping_in(hidden_states)
        all_hidden: list[torch.Tensor] = [hidden_states]
        all_attentions: list[torch.Tensor] = []
        checkpointing = self.gradient_checkpointing and self.training and torch.is_grad_enabled()
        for i, group_index in enumerate(self.layer_groups):
            layer_head_mask = None
            if head_mask is not None:
                layer_head_mask = head_mask[i] if head_mask.shape[0] > 1 else head_mask[0]
            hidden_states, attentions = self.albert_layer_groups[group_index](
                hidden_states, attention_mask, layer_head_mask, output_attentions, checkpointing
            )
            all_hidden.append(hidden_states)
            all_attentions.extend(attentions)
        return BaseModelOutputWithPooling(
            last_hidden_state=hidden_states,
            hidden_states=tuple(all_hidden) if output_hidden_states else None,
            attentions=tuple(all_attentions) if output_attentions else None,
        )


class AlbertMLMHead(nn.Module):
    """Masked-LM head: dense ``H -> E``, activation, LayerNorm, decoder ``E -> vocab``.

    ``decoder.bias`` is the same parameter as ``bias``; ``decoder.weight`` is the word
    embedding matrix when ``config.tie_word_embeddings`` (tied by the model).
    """

    def __init__(self, config: AlbertConfig) -> None:
        super().__init__()
        self.LayerNorm = nn.LayerNorm(config.embedding_size, eps=config.layer_norm_eps)
        self.bias = nn.Parameter(torch.zeros(config.vocab_size))
        self.dense = nn.Linear(config.hidden_size, config.embedding_size)
        self.decoder = nn.Linear(config.embedding_size, config.vocab_size)
        self.activation = get_activation(config.hidden_act)
        self.decoder.bias = self.bias

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        """``(..., H)`` -> ``(..., vocab_size)`` scores."""
        hidden_states = self.LayerNorm(self.activation(self.dense(hidden_states)))
        return self.decoder(hidden_states)


class AlbertSOPHead(nn.Module):
    """Sentence-order prediction: dropout and a linear layer on the pooled output."""

    def __init__(self, config: AlbertConfig) -> None:
        super().__init__()
        self.dropout = nn.Dropout(mu.classifier_dropout(config))
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)

    def forward(self, pooled_output: torch.Tensor) -> torch.Tensor:
        """``(batch, H)`` -> ``(batch, num_labels)`` scores."""
        return self.classifier(self.dropout(pooled_output))


# ============================================================================ base class
def _resolve_dtype(dtype: torch.dtype | str | None) -> torch.dtype | str | None:
    if dtype is None or isinstance(dtype, torch.dtype) or dtype == "auto":
        return dtype
    name = str(dtype).removeprefix("torch.")
    if name not in _DTYPES:
        raise ValueError(f"dtype={dtype!r} is not supported; choose one of {sorted(_DTYPES)}")
    return _DTYPES[name]


def _resolve_device(device: torch.device | str | int | None) -> torch.device:
    if device is None:
        return torch.device("cpu")
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


class AlbertPreTrainedModel(nn.Module):
    """Shared behaviour of every ALBERT model: weights, loading, saving, utilities.

    Subclasses set :attr:`head` (a key of :data:`albert_core.schema.HEADS`).

    Args:
        config: the model hyper-parameters.
        attn_implementation: ``"sdpa"`` (default) or ``"eager"``; see :class:`AlbertAttention`.

    A freshly constructed model is randomly initialised from ``config.initializer_range``
    (normal weights for linear and embedding layers, zero biases, unit LayerNorm scales) and
    is in training mode, like any ``nn.Module``; :meth:`from_pretrained` returns it in
    evaluation mode.
    """

    #: Schema head name of the class.
    head: ClassVar[str] = "model"
    #: Attribute holding the :class:`AlbertModel` inside a head model.
    base_model_prefix: ClassVar[str] = "albert"
    #: Name of the main input of ``forward``.
    main_input_name: ClassVar[str] = "input_ids"

    def __init__(self, config: AlbertConfig, *, attn_implementation: str | None = None) -> None:
        super().__init__()
        if not isinstance(config, AlbertConfig):
            raise TypeError(f"config must be an AlbertConfig, got {type(config).__name__}")
        attn_implementation = attn_implementation or DEFAULT_ATTN_IMPLEMENTATION
        if attn_implementation not in ATTN_IMPLEMENTATIONS:
            raise ValueError(
                f"attn_implementation={attn_implementation!r} is not supported; choose one of "
                f"{ATTN_IMPLEMENTATIONS}"
            )
        self.config = config
        self._attn_implementation = attn_implementation
        #: What :meth:`from_pretrained` matched; None for a model built from a config.
        self.loading_report: LoadReport | None = None

    # ------------------------------------------------------------------ structure
    @property
    def base_model(self) -> AlbertModel:
        """The :class:`AlbertModel` backbone (the model itself for :class:`AlbertModel`)."""
        return getattr(self, self.base_model_prefix, self)

    @property
    def dtype(self) -> torch.dtype:
        """Floating dtype of the parameters."""
        for param in self.parameters():
            if param.is_floating_point():
                return param.dtype
        return torch.float32

    @property
    def device(self) -> torch.device:
        """Device of the parameters."""
        return next(self.parameters()).device

    @property
    def attn_implementation(self) -> str:
        """The attention implementation in use (``"sdpa"`` or ``"eager"``)."""
        return self._attn_implementation

    def set_attn_implementation(self, attn_implementation: str) -> None:
        """Switch every attention layer to ``"sdpa"`` or ``"eager"``."""
        if attn_implementation not in ATTN_IMPLEMENTATIONS:
            raise ValueError(
                f"attn_implementation={attn_implementation!r} is not supported; choose one of "
                f"{ATTN_IMPLEMENTATIONS}"
            )
        for module in self.modules():
            if isinstance(module, AlbertAttention):
                module.attn_implementation = attn_implementation
            if isinstance(module, AlbertPreTrainedModel):
                module._attn_implementation = attn_implementation

    # ---------------------------------------------------------------- weights
    def post_init(self) -> None:
        """Initialise all weights and tie the shared ones; called at the end of ``__init__``."""
        self.init_weights()

    @torch.no_grad()
    def _init_module(self, module: nn.Module) -> None:
        std = self.config.initializer_range
        if isinstance(module, nn.Linear):
            module.weight.normal_(mean=0.0, std=std)
            if module.bias is not None:
                module.bias.zero_()
        elif isinstance(module, nn.Embedding):
            module.weight.normal_(mean=0.0, std=std)
        elif isinstance(module, nn.LayerNorm):
            module.weight.fill_(1.0)
            module.bias.zero_()
        elif isinstance(module, AlbertMLMHead):
            module.bias.zero_()

    def init_weights(self) -> None:
        """Randomly (re-)initialise every weight from ``config.initializer_range``, then tie."""
        self.tie_weights()
        self.apply(self._init_module)
        # The pad token's row starts at zero (after the tied decoder, a Linear, was visited).
        if self.config.pad_token_id is not None:
            with torch.no_grad():
                self.get_input_embeddings().weight[self.config.pad_token_id].zero_()

    def tie_weights(self) -> None:
        """Make the MLM decoder share the word embeddings (if ``tie_word_embeddings``) and
        ``predictions.bias``. No-op for heads without an MLM decoder."""
        predictions = getattr(self, "predictions", None)
        if predictions is None:
            return
        predictions.decoder.bias = predictions.bias
        if self.config.tie_word_embeddings:
            predictions.decoder.weight = self.get_input_embeddings().weight

    def get_input_embeddings(self) -> nn.Embedding:
        """The word embedding table."""
        return self.base_model.embeddings.word_embeddings

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        """Replace the word embedding table (and re-tie the decoder)."""
        self.base_model.embeddings.word_embeddings = value
        self.tie_weights()

    def get_output_embeddings(self) -> nn.Linear | None:
        """The MLM decoder, or None for heads without one."""
        predictions = getattr(self, "predictions", None)
        return None if predictions is None else predictions.decoder

    def set_output_embeddings(self, new_embeddings: nn.Linear) -> None:
        """Replace the MLM decoder; its bias becomes ``predictions.bias``."""
        predictions = getattr(self, "predictions", None)
        if predictions is None:
            raise AttributeError(f"{type(self).__name__} has no output embeddings")
        predictions.decoder = new_embeddings
        predictions.bias = new_embeddings.bias

    @torch.no_grad()
    def resize_token_embeddings(
        self, new_num_tokens: int | None = None, pad_to_multiple_of: int | None = None
    ) -> nn.Embedding:
        """Grow or shrink the vocabulary to ``new_num_tokens`` (rounded up to a multiple of
        ``pad_to_multiple_of``); return the new word embedding table.

        Existing rows are kept; new rows are initialised like fresh weights (new MLM bias
        entries are zero). ``config.vocab_size`` is updated, and the decoder re-tied.
        """
        old = self.get_input_embeddings()
        if new_num_tokens is None:
            new_num_tokens = old.num_embeddings
        if pad_to_multiple_of is not None:
            if pad_to_multiple_of <= 0:
                raise ValueError(f"pad_to_multiple_of must be positive, got {pad_to_multiple_of}")
            new_num_tokens = -(-new_num_tokens // pad_to_multiple_of) * pad_to_multiple_of
        self.config.copy(vocab_size=new_num_tokens)  # validates, e.g. pad_token_id < vocab
        if new_num_tokens == old.num_embeddings:
            return old
        keep = min(old.num_embeddings, new_num_tokens)
        factory = {"device": old.weight.device, "dtype": old.weight.dtype}
        new = nn.Embedding(
            new_num_tokens, old.embedding_dim, padding_idx=old.padding_idx, **factory
        )
        self._init_module(new)
        new.weight[:keep] = old.weight[:keep]
        new.weight.requires_grad_(old.weight.requires_grad)
        self.base_model.embeddings.word_embeddings = new
        predictions = getattr(self, "predictions", None)
        if predictions is not None:
            bias = torch.zeros(new_num_tokens, **factory)
            bias[:keep] = predictions.bias[:keep]
            old_decoder = predictions.decoder
            decoder = nn.Linear(old.embedding_dim, new_num_tokens, bias=False, **factory)
            if not self.config.tie_word_embeddings:
                self._init_module(decoder)
                decoder.weight[:keep] = old_decoder.weight[:keep]
            predictions.bias = nn.Parameter(bias)
            predictions.decoder = decoder
        self.config.vocab_size = new_num_tokens
        self.tie_weights()
        return new

    def num_parameters(self, only_trainable: bool = False, exclude_embeddings: bool = False) -> int:
        """Number of (distinct) parameters; tied ones count once.

        ``exclude_embeddings`` leaves out the embedding tables (word, position, token type).
        """
        excluded: set[int] = set()
        if exclude_embeddings:
            excluded = {id(m.weight) for m in self.modules() if isinstance(m, nn.Embedding)}
        return sum(
            p.numel()
            for p in self.parameters()
            if id(p) not in excluded and (p.requires_grad or not only_trainable)
        )

    def get_memory_footprint(self, return_buffers: bool = True) -> int:
        """Bytes taken by the weights (each shared tensor once), buffers included by default.

        Quantized layers (see :func:`albert_pt.quantize_dynamic`) count their packed int8
        weights, so the footprint before and after quantization can be compared.
        """
        seen: set[tuple[int, int]] = set()
        total = 0

        def visit(value: Any) -> None:
            nonlocal total
            if isinstance(value, torch.Tensor):
                key = (value.data_ptr(), value.numel())
                if key not in seen:
                    seen.add(key)
                    total += value.numel() * value.element_size()
            elif isinstance(value, (tuple, list)):
                for item in value:
                    visit(item)

        buffer_names = {name for name, _ in self.named_buffers()}
        for name, value in self.state_dict(keep_vars=True).items():
            if return_buffers or name not in buffer_names:
                visit(value)
        return total

    # ----------------------------------------------------------- checkpointing
    def gradient_checkpointing_enable(
        self, gradient_checkpointing_kwargs: dict[str, Any] | None = None
    ) -> None:
        """Recompute each layer's activations in the backward pass instead of storing them.

        Trades compute for activation memory during training; gradients are unchanged
        (dropout masks are replayed). Only ``use_reentrant=False`` is supported.
        """
        kwargs = dict(gradient_checkpointing_kwargs or {})
        if kwargs.pop("use_reentrant", False):
            raise ValueError("only non-reentrant gradient checkpointing is supported")
        if kwargs:
            raise ValueError(f"unsupported gradient_checkpointing_kwargs: {sorted(kwargs)}")
        self.base_model.encoder.gradient_checkpointing = True

    def gradient_checkpointing_disable(self) -> None:
        """Store activations again (the default)."""
        self.base_model.encoder.gradient_checkpointing = False

    @property
    def is_gradient_checkpointing(self) -> bool:
        """Whether gradient checkpointing is on."""
        return self.base_model.encoder.gradient_checkpointing

    # --------------------------------------------------------------- load/save
    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str | os.PathLike[str],
        *,
        dtype: torch.dtype | str | None = None,
        device: torch.device | str | int | None = None,
        attn_implementation: str | None = None,
        revision: str | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        strict: bool = True,
        config: AlbertConfig | None = None,
        fmt: str | None = None,
        output_loading_info: bool = False,
        **config_overrides: Any,
    ) -> Any:
        """Load a model from a local directory or a hub id.

        Any of ``model.safetensors``, ``pytorch_model.bin``, ``tf_model.h5`` and
        ``flax_model.msgpack`` is read (``fmt`` picks one: ``"safetensors"``, ``"pytorch"``,
        ``"tf"``, ``"flax"``) and matched against this class's schema. A checkpoint of a
        model with heads loads into :class:`AlbertModel` (the head weights are ignored);
        a base-model checkpoint loads into a head class with ``strict=False``, which warns
        and lists the head weights left randomly initialised. With ``strict=True`` any
        missing or unexpected tensor raises :class:`albert_core.WeightsMismatchError`
        naming them all; a wrong shape always does.

        Args:
            name_or_path: a directory or a hub id (``albert/albert-base-v2``).
            dtype: ``torch.float32`` (default), ``torch.float16``, ``torch.bfloat16``, their
                names, or ``"auto"`` for the checkpoint's dtype. ``torch_dtype`` is accepted
                as an alias.
            device: where to put the weights (``"cpu"`` default, ``"cuda"``, ``"cuda:1"``,
                or ``"auto"``: the first GPU when there is one). The whole model goes to one
                device; this replaces transformers' ``device_map``.
            attn_implementation: ``"sdpa"`` (default) or ``"eager"``.
            revision: hub revision (branch, tag or commit).
            cache_dir: where hub downloads are cached (default: huggingface_hub's cache).
            strict: see above.
            config: use this config instead of the checkpoint's.
            fmt: checkpoint format to read when the directory holds several.
            output_loading_info: also return ``{"missing_keys", "unexpected_keys",
                "mismatched_keys", "error_msgs"}`` as transformers does.
            **config_overrides: config fields to change (``num_labels=5``, ...).

        Returns:
            The model in evaluation mode (and the loading info when asked). The
            :class:`albert_core.LoadReport` is also kept as ``model.loading_report``.
        """
        torch_dtype = config_overrides.pop("torch_dtype", None)
        if torch_dtype is not None:
            if dtype is not None:
                raise ValueError("pass dtype or torch_dtype, not both")
            dtype = torch_dtype
        dtype = _resolve_dtype(dtype)
        target = _resolve_device(device)
        if "num_labels" in config_overrides and "id2label" not in config_overrides:
            # A new label count replaces the checkpoint's label names, as in transformers.
            config_overrides.update(id2label=None, label2id=None)
        if config is None and config_overrides:
            config = AlbertConfig.from_pretrained(
                name_or_path, revision=revision, cache_dir=cache_dir, **config_overrides
            )
        elif config is not None and config_overrides:
            config = config.copy(**config_overrides)
        loaded = checkpoints.load_pretrained(
            name_or_path, cls.head, config=config, revision=revision, fmt=fmt, strict=strict,
            cache_dir=cache_dir,
        )
        if dtype == "auto":
            dtype = weights.checkpoint_dtype(loaded.arrays)
        with torch.device("meta"):
            model = cls(loaded.config, attn_implementation=attn_implementation)
        model.to_empty(device=target)
        if dtype is not None:
            model.to(dtype=dtype)
        model.tie_weights()
        if loaded.report.missing:
            model.init_weights()
        uncovered = weights.load_arrays(model, loaded.arrays)
        if uncovered and not loaded.report.missing:  # pragma: no cover - schema/module drift
            raise RuntimeError(f"no value was loaded for {uncovered}")
        model.eval()
        model.loading_report = loaded.report
        if output_loading_info:
            return model, loaded.report.loading_info()
        return model

    def save_pretrained(
        self,
        directory: str | os.PathLike[str],
        formats: Sequence[str] = ("safetensors",),
        *,
        overwrite: bool = True,
        **options: Any,
    ) -> list[Path]:
        """Write ``config.json`` and the weights in each of ``formats`` into ``directory``.

        ``formats`` are those of :data:`albert_core.checkpoints.FORMATS` (``"safetensors"``,
        ``"pytorch"`` for ``pytorch_model.bin``, ``"tf"``, ``"flax"``). Weights are written in
        the model's dtype (see :func:`albert_pt.weights.to_numpy` for bfloat16). Returns the
        written paths; ``overwrite=False`` refuses to replace existing files.
        """
        arrays = weights.model_arrays(self)
        return checkpoints.save_pretrained(
            directory,
            self.config,
            self.head,
            arrays,
            tuple(formats),
            overwrite=overwrite,
            **options,
        )


# ================================================================================= models
def _return(output: ModelOutput, return_dict: bool | None) -> Any:
    return output if return_dict is None or return_dict else output.to_tuple()


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
        self,
        input_ids: torch.Tensor | None,
        attention_mask: torch.Tensor | None,
        token_type_ids: torch.Tensor | None,
        position_ids: torch.Tensor | None,
        inputs_embeds: torch.Tensor | None,
    ) -> tuple[int, int]:
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
        return _return(encoder_output, return_dict)


def _backbone_kwargs(
    attention_mask: torch.Tensor | None,
    token_type_ids: torch.Tensor | None,
    position_ids: torch.Tensor | None,
    head_mask: torch.Tensor | None,
    inputs_embeds: torch.Tensor | None,
    output_attentions: bool | None,
    output_hidden_states: bool | None,
) -> dict[str, Any]:
    return {
        "attention_mask": attention_mask,
        "token_type_ids": token_type_ids,
        "position_ids": position_ids,
        "head_mask": head_mask,
        "inputs_embeds": inputs_embeds,
        "output_attentions": output_attentions,
        "output_hidden_states": output_hidden_states,
        "return_dict": True,
    }


class AlbertForPreTraining(AlbertPreTrainedModel):
    """ALBERT with the masked-LM and sentence-order-prediction heads used in pre-training."""

    head = "pretraining"

    def __init__(self, config: AlbertConfig, *, attn_implementation: str | None = None) -> None:
        super().__init__(config, attn_implementation=attn_implementation)
        self.albert = AlbertModel(
            config, attn_implementation=self._attn_implementation, _initialize=False
        )
        self.predictions = AlbertMLMHead(config)
        self.sop_classifier = AlbertSOPHead(config)
        self.post_init()

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
    ) -> AlbertForPreTrainingOutput | tuple[torch.Tensor, ...]:
        """Masked-LM and sentence-order scores; inputs as :meth:`AlbertModel.forward`.

        Args:
            labels: ``(batch, seq)`` token ids to predict; -100 marks positions to ignore.
            sentence_order_label: ``(batch,)`` class in ``[0, num_labels)`` (0: original
                order, 1: swapped).

        With both labels, ``loss`` is the mean masked-LM cross-entropy plus the
        sentence-order cross-entropy over ``config.num_labels`` classes.
        """
        outputs = self.albert(
            input_ids,
            **_backbone_kwargs(
                attention_mask,
                token_type_ids,
                position_ids,
                head_mask,
                inputs_embeds,
                output_attentions,
                output_hidden_states,
            ),
        )
        prediction_scores = self.predictions(outputs.last_hidden_state)
        sop_scores = self.sop_classifier(outputs.pooler_output)
        loss = None
        if labels is not None and sentence_order_label is not None:
            mlm_loss = F.cross_entropy(
                prediction_scores.reshape(-1, self.config.vocab_size),
                labels.reshape(-1),
                ignore_index=mu.IGNORE_INDEX,
            )
            sop_loss = F.cross_entropy(
                sop_scores.reshape(-1, self.config.num_labels), sentence_order_label.reshape(-1)
            )
            loss = mlm_loss + sop_loss
        output = AlbertForPreTrainingOutput(
            loss=loss,
            prediction_logits=prediction_scores,
            sop_logits=sop_scores,
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
        )
        return _return(output, return_dict)


class AlbertForMaskedLM(AlbertPreTrainedModel):
    """ALBERT with the masked-LM head (no pooler)."""

    head = "masked-lm"

    def __init__(self, config: AlbertConfig, *, attn_implementation: str | None = None) -> None:
        super().__init__(config, attn_implementation=attn_implementation)
        self.albert = AlbertModel(
            config,
            add_pooling_layer=False,
            attn_implementation=self._attn_implementation,
            _initialize=False,
        )
        self.predictions = AlbertMLMHead(config)
        self.post_init()

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
    ) -> MaskedLMOutput | tuple[torch.Tensor, ...]:
        """Vocabulary scores per token; inputs as :meth:`AlbertModel.forward`.

        Args:
            labels: ``(batch, seq)`` token ids; -100 marks positions left out of the
                (mean cross-entropy) loss.
        """
        outputs = self.albert(
            input_ids,
            **_backbone_kwargs(
                attention_mask,
                token_type_ids,
                position_ids,
                head_mask,
                inputs_embeds,
                output_attentions,
                output_hidden_states,
            ),
        )
        logits = self.predictions(outputs.last_hidden_state)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(
                logits.reshape(-1, self.config.vocab_size),
                labels.reshape(-1),
                ignore_index=mu.IGNORE_INDEX,
            )
        output = MaskedLMOutput(
            loss=loss,
            logits=logits,
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
        )
        return _return(output, return_dict)


class AlbertForSequenceClassification(AlbertPreTrainedModel):
    """ALBERT with dropout and a linear classifier (or regressor) on the pooled output."""

    head = "sequence-classification"

    def __init__(self, config: AlbertConfig, *, attn_implementation: str | None = None) -> None:
        super().__init__(config, attn_implementation=attn_implementation)
        self.num_labels = config.num_labels
        self.albert = AlbertModel(
            config, attn_implementation=self._attn_implementation, _initialize=False
        )
        self.dropout = nn.Dropout(mu.classifier_dropout(config))
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

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
    ) -> SequenceClassifierOutput | tuple[torch.Tensor, ...]:
        """Scores per sequence; inputs as :meth:`AlbertModel.forward`.

        Args:
            labels: ``(batch,)`` class ids (single-label), ``(batch,)`` or
                ``(batch, num_labels)`` floats (regression), or ``(batch, num_labels)``
                multi-hot floats (multi-label). ``config.problem_type`` picks the loss (MSE,
                cross-entropy, or binary cross-entropy with logits); when it is None the type
                is inferred per call as transformers does (one label: regression; integer
                labels: single-label; otherwise multi-label), without changing the config.
        """
        outputs = self.albert(
            input_ids,
            **_backbone_kwargs(
                attention_mask,
                token_type_ids,
                position_ids,
                head_mask,
                inputs_embeds,
                output_attentions,
                output_hidden_states,
            ),
        )
        logits = self.classifier(self.dropout(outputs.pooler_output))
        loss = None
        if labels is not None:
            problem = mu.infer_problem_type(
                self.config.problem_type,
                self.num_labels,
                not (labels.is_floating_point() or labels.is_complex()),
            )
            if problem == "regression":
                target = labels.to(logits.dtype)
                if self.num_labels == 1:
                    loss = F.mse_loss(logits.squeeze(), target.squeeze())
                else:
                    loss = F.mse_loss(logits, target)
            elif problem == "single_label_classification":
                loss = F.cross_entropy(logits.reshape(-1, self.num_labels), labels.reshape(-1))
            else:
                loss = F.binary_cross_entropy_with_logits(logits, labels.to(logits.dtype))
        output = SequenceClassifierOutput(
            loss=loss,
            logits=logits,
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
        )
        return _return(output, return_dict)


class AlbertForTokenClassification(AlbertPreTrainedModel):
    """ALBERT with dropout and a linear classifier on every token (no pooler)."""

    head = "token-classification"

    def __init__(self, config: AlbertConfig, *, attn_implementation: str | None = None) -> None:
        super().__init__(config, attn_implementation=attn_implementation)
        self.num_labels = config.num_labels
        self.albert = AlbertModel(
            config,
            add_pooling_layer=False,
            attn_implementation=self._attn_implementation,
            _initialize=False,
        )
        self.dropout = nn.Dropout(mu.classifier_dropout(config))
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

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
    ) -> TokenClassifierOutput | tuple[torch.Tensor, ...]:
        """Scores per token; inputs as :meth:`AlbertModel.forward`.

        Args:
            labels: ``(batch, seq)`` class ids; -100 marks positions left out of the loss.
        """
        outputs = self.albert(
            input_ids,
            **_backbone_kwargs(
                attention_mask,
                token_type_ids,
                position_ids,
                head_mask,
                inputs_embeds,
                output_attentions,
                output_hidden_states,
            ),
        )
        logits = self.classifier(self.dropout(outputs.last_hidden_state))
        loss = None
        if labels is not None:
            loss = F.cross_entropy(
                logits.reshape(-1, self.num_labels),
                labels.reshape(-1),
                ignore_index=mu.IGNORE_INDEX,
            )
        output = TokenClassifierOutput(
            loss=loss,
            logits=logits,
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
        )
        return _return(output, return_dict)


class AlbertForQuestionAnswering(AlbertPreTrainedModel):
    """ALBERT with a linear layer giving span start and end scores per token (no pooler).

    ``config.num_labels`` must be 2 (start, end).
    """

    head = "question-answering"

    def __init__(self, config: AlbertConfig, *, attn_implementation: str | None = None) -> None:
        if config.num_labels != 2:
            raise ValueError(
                f"AlbertForQuestionAnswering needs num_labels=2 (start and end scores), got "
                f"num_labels={config.num_labels}"
            )
        super().__init__(config, attn_implementation=attn_implementation)
        self.num_labels = config.num_labels
        self.albert = AlbertModel(
            config,
            add_pooling_layer=False,
            attn_implementation=self._attn_implementation,
            _initialize=False,
        )
        self.qa_outputs = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

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
    ) -> QuestionAnsweringModelOutput | tuple[torch.Tensor, ...]:
        """Span scores; inputs as :meth:`AlbertModel.forward`.

        Args:
            start_positions, end_positions: ``(batch,)`` token indices of the answer span.
                As in transformers, they are clamped to ``[0, seq]`` and ``seq`` (a position
                outside the input) is ignored by the loss, which is the mean of the start
                and end cross-entropies.
        """
        outputs = self.albert(
            input_ids,
            **_backbone_kwargs(
                attention_mask,
                token_type_ids,
                position_ids,
                head_mask,
                inputs_embeds,
                output_attentions,
                output_hidden_states,
            ),
        )
        logits = self.qa_outputs(outputs.last_hidden_state)
        start_logits, end_logits = logits.unbind(dim=-1)
        start_logits, end_logits = start_logits.contiguous(), end_logits.contiguous()
        loss = None
        if start_positions is not None and end_positions is not None:
            ignored_index = start_logits.shape[1]
            start_positions = start_positions.reshape(-1).clamp(0, ignored_index)
            end_positions = end_positions.reshape(-1).clamp(0, ignored_index)
            start_loss = F.cross_entropy(start_logits, start_positions, ignore_index=ignored_index)
            end_loss = F.cross_entropy(end_logits, end_positions, ignore_index=ignored_index)
            loss = (start_loss + end_loss) / 2
        output = QuestionAnsweringModelOutput(
            loss=loss,
            start_logits=start_logits,
            end_logits=end_logits,
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
        )
        return _return(output, return_dict)


class AlbertForMultipleChoice(AlbertPreTrainedModel):
    """ALBERT scoring each choice with a linear layer on its pooled output.

    Inputs are ``(batch, num_choices, seq)``; the choices are encoded as one batch of
    ``batch * num_choices`` sequences.
    """

    head = "multiple-choice"

    def __init__(self, config: AlbertConfig, *, attn_implementation: str | None = None) -> None:
        super().__init__(config, attn_implementation=attn_implementation)
        self.albert = AlbertModel(
            config, attn_implementation=self._attn_implementation, _initialize=False
        )
        self.dropout = nn.Dropout(mu.classifier_dropout(config))
        self.classifier = nn.Linear(config.hidden_size, 1)
        self.post_init()

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
    ) -> MultipleChoiceModelOutput | tuple[torch.Tensor, ...]:
        """Scores per choice.

        Args:
            input_ids, attention_mask, token_type_ids, position_ids: ``(batch, num_choices,
                seq)``; otherwise as :meth:`AlbertModel.forward`.
            inputs_embeds: ``(batch, num_choices, seq, embedding_size)``.
            labels: ``(batch,)`` index of the right choice (cross-entropy loss).
        """
        mu.check_inputs_given(input_ids is not None, inputs_embeds is not None)
        main = input_ids if input_ids is not None else inputs_embeds
        want = 3 if input_ids is not None else 4
        if main.dim() != want:
            name = "input_ids" if input_ids is not None else "inputs_embeds"
            raise ValueError(
                f"{name} must be (batch, num_choices, seq{', embedding_size' * (want == 4)}), "
                f"got shape {tuple(main.shape)}"
            )
        num_choices = main.shape[1]

        def flat(t: torch.Tensor | None) -> torch.Tensor | None:
            return None if t is None else t.reshape(-1, t.shape[-1])

        outputs = self.albert(
            flat(input_ids),
            **_backbone_kwargs(
                flat(attention_mask),
                flat(token_type_ids),
                flat(position_ids),
                head_mask,
                None
                if inputs_embeds is None
                else inputs_embeds.reshape(-1, inputs_embeds.shape[-2], inputs_embeds.shape[-1]),
                output_attentions,
                output_hidden_states,
            ),
        )
        logits = self.classifier(self.dropout(outputs.pooler_output)).reshape(-1, num_choices)
        loss = None
        if labels is not None:
            loss = F.cross_entropy(logits, labels.reshape(-1))
        output = MultipleChoiceModelOutput(
            loss=loss,
            logits=logits,
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
        )
        return _return(output, return_dict)


#: Schema head name -> model class.
MODEL_CLASSES: dict[str, type[AlbertPreTrainedModel]] = {
    cls.head: cls
    for cls in (
        AlbertModel,
        AlbertForPreTraining,
        AlbertForMaskedLM,
        AlbertForSequenceClassification,
        AlbertForTokenClassification,
        AlbertForQuestionAnswering,
        AlbertForMultipleChoice,
    )
}
