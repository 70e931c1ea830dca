"""The ALBERT network in PyTorch, read top to bottom like the paper (Lan et al., 2019).

1. :class:`AlbertEmbeddings`: factorized embeddings, word + position + token type of width
   ``E``, LayerNorm, dropout;
2. :class:`AlbertTransformer`: a projection ``E -> H`` followed by ``num_hidden_layers``
   applications of ``num_hidden_groups`` parameter-shared layer groups
   (:class:`AlbertLayerGroup`), each of ``inner_group_num`` post-LN transformer layers
   (:class:`AlbertLayer`: self-attention in :class:`AlbertAttention`, then the
   feed-forward block); application ``i`` uses group ``config.group_of_layer(i)``;
3. the pre-training heads on top: :class:`AlbertMLMHead` (masked-LM, tied to the word
   embeddings) and :class:`AlbertSOPHead` (sentence-order prediction).

Module names are the canonical tensor names of :mod:`albert_core.schema` (transformers'
PyTorch names), so checkpoints map one to one. The pooler and the task heads are assembled
in :mod:`albert_pt.models` (:class:`~albert_pt.models.AlbertModel`) and
:mod:`albert_pt.heads`.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.checkpoint import checkpoint

from albert_core import modeling_utils as mu
from albert_core.config import AlbertConfig
from albert_pt.activations import get_activation
from albert_pt.outputs import BaseModelOutputWithPooling

#: Attention implementations selectable with ``attn_implementation=``.
ATTN_IMPLEMENTATIONS = ("sdpa", "eager")
DEFAULT_ATTN_IMPLEMENTATION = "sdpa"


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
        self, input_ids: torch.Tensor | None = None, token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None, inputs_embeds: torch.Tensor | None = None,
    ) -> torch.Tensor:  # fmt: skip
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
        self, hidden_states: torch.Tensor, attention_mask: torch.Tensor | None = None,
        head_mask: torch.Tensor | None = None, output_attentions: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:  # fmt: skip
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
        self, hidden_states: torch.Tensor, attention_mask: torch.Tensor | None = None,
        head_mask: torch.Tensor | None = None, output_attentions: bool = False,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:  # fmt: skip
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
        self, hidden_states: torch.Tensor, attention_mask: torch.Tensor | None = None,
        head_mask: torch.Tensor | None = None, output_attentions: bool = False,
        gradient_checkpointing: bool = False,
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:  # fmt: skip
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
        self, hidden_states: torch.Tensor, attention_mask: torch.Tensor | None = None,
        head_mask: torch.Tensor | None = None, output_attentions: bool = False,
        output_hidden_states: bool = False,
    ) -> BaseModelOutputWithPooling:  # fmt: skip
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
