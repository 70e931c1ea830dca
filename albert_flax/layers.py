"""ALBERT's Linen layers, in the order of the paper (Lan et al., 2019).

1. factorized embeddings: word + position + token type of width ``E``, LayerNorm, dropout;
2. a projection ``E -> H`` followed by ``num_hidden_layers`` applications of
   ``num_hidden_groups`` parameter-shared groups of ``inner_group_num`` post-LN transformer
   layers (application ``i`` uses group ``config.group_of_layer(i)``);
3. a tanh pooler on the first token (:class:`AlbertModule`, the backbone), then the
   pre-training heads: masked-LM (decoding through the word embeddings when tied) and
   sentence-order prediction.

**Shared layers run as a scan.** The applications of one group are consecutive, so each
group runs as one ``nn.scan`` over its applications with the group's parameters broadcast
(``variable_broadcast="params"``): the group body is traced and compiled once, however many
times it is applied, and compile time does not grow with ``num_hidden_layers``. Because
the parameters are broadcast rather than stacked, the params pytree is exactly
transformers' Flax layout (``encoder/albert_layer_groups/<g>/albert_layers/<k>/...``) with no
conversion. ``scan_layers=False`` runs the same modules in a Python loop (same params,
same numbers; the compile-time benchmark's reference).

Every module takes the config and one :class:`~albert_flax.options.AlbertOptions`.
"""

from __future__ import annotations

import contextlib
import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from albert_core import modeling_utils as mu
from albert_core.activations import activation_table, lookup_activation
from albert_core.config import AlbertConfig
from albert_flax.options import AlbertOptions
from albert_flax.outputs import FlaxBaseModelOutputWithPooling

Array = jax.Array
Dtype = Any

# ============================================================================ activations
#: Activation name -> function, one per entry of :data:`albert_core.config.ACTIVATIONS`.
ACT_FNS: dict[str, Callable[[Array], Array]] = activation_table(
    "albert_flax",
    {
        "gelu": lambda x: jax.nn.gelu(x, approximate=False),
        "gelu_new": lambda x: jax.nn.gelu(x, approximate=True),
        "quick_gelu": lambda x: x * jax.nn.sigmoid(1.702 * x),
        "relu": jax.nn.relu,
        "silu": jax.nn.silu,
        "tanh": jnp.tanh,
        "sigmoid": jax.nn.sigmoid,
        "linear": lambda x: x,
    },
)


def get_activation(name: str) -> Callable[[Array], Array]:
    """The function for activation ``name``; ValueError naming the choices otherwise."""
    return lookup_activation(ACT_FNS, name)


# ================================================================================= layers
def _normal(config: AlbertConfig) -> nn.initializers.Initializer:
    return nn.initializers.normal(stddev=config.initializer_range)


def _word_embedding_init(config: AlbertConfig) -> Callable[..., Array]:
    """Normal(initializer_range), with the ``pad_token_id`` row zero (as the PyTorch backend)."""
    normal = _normal(config)
    pad = config.pad_token_id

    def init(key: Array, shape: Sequence[int], dtype: Dtype = jnp.float32) -> Array:
        table = normal(key, shape, dtype)
        return table if pad is None else table.at[pad].set(0)

    return init


def matmul_precision(precision: Any) -> contextlib.AbstractContextManager[Any]:
    """A context running the matmuls traced inside it at ``precision`` (None: XLA's default).

    For layers such as ``nn.Embed.attend`` that take no ``precision`` of their own.
    """
    if precision is None:
        return contextlib.nullcontext()
    return jax.default_matmul_precision(jax.lax.Precision(precision).name.lower())


class AlbertLayerBase(nn.Module):
    """The fields every ALBERT module shares (the config and the options) and its layer makers."""

    config: AlbertConfig
    options: AlbertOptions = AlbertOptions()

    @property
    def dtype(self) -> Dtype:
        """The computation dtype."""
        return self.options.dtype

    def dense(self, features: int, name: str | None = None, use_bias: bool = True) -> nn.Dense:
        """A Dense layer initialised from ``initializer_range`` (zero bias)."""
        return nn.Dense(
            features,
            use_bias=use_bias,
            dtype=self.options.dtype,
            param_dtype=self.options.param_dtype,
            precision=self.options.precision,
            kernel_init=_normal(self.config),
            name=name,
        )

    def layer_norm(self, name: str | None = None) -> nn.LayerNorm:
        """A LayerNorm with the config's epsilon and the exact (two-pass) variance."""
        return nn.LayerNorm(
            epsilon=self.config.layer_norm_eps,
            dtype=self.options.dtype,
            param_dtype=self.options.param_dtype,
            use_fast_variance=False,
            name=name,
        )

    def embed(self, num: int, init: Callable[..., Array]) -> nn.Embed:
        """An ``(num, embedding_size)`` embedding table drawn by ``init``."""
        return nn.Embed(
            num,
            self.config.embedding_size,
            dtype=self.options.dtype,
            param_dtype=self.options.param_dtype,
            embedding_init=init,
        )


class AlbertEmbeddings(AlbertLayerBase):
    """Word + position + token-type embeddings of width ``embedding_size``, LayerNorm, dropout.

    Missing ``position_ids`` default to ``0..seq-1``, missing ``token_type_ids`` to zeros.
    :meth:`attend` scores states against the word table (the tied masked-LM decoder).
    """

    def setup(self) -> None:
        """The three tables, the LayerNorm and the dropout."""
        cfg = self.config
        self.word_embeddings = self.embed(cfg.vocab_size, _word_embedding_init(cfg))
        self.position_embeddings = self.embed(cfg.max_position_embeddings, _normal(cfg))
        self.token_type_embeddings = self.embed(cfg.type_vocab_size, _normal(cfg))
        self.LayerNorm = self.layer_norm()
        self.dropout = nn.Dropout(rate=cfg.hidden_dropout_prob)

    def __call__(
        self,
        input_ids: Array | None,
        token_type_ids: Array | None,
        position_ids: Array | None,
        inputs_embeds: Array | None,
        deterministic: bool = True,
    ) -> Array:
        """``(batch, seq)`` ids (or ``(batch, seq, E)`` embeddings) -> ``(batch, seq, E)``."""
        if inputs_embeds is None:
            inputs_embeds = self.word_embeddings(input_ids.astype(jnp.int32))
        inputs_embeds = inputs_embeds.astype(self.dtype)
        batch, seq = inputs_embeds.shape[:2]
        if token_type_ids is None:
            token_type_ids = jnp.zeros((batch, seq), jnp.int32)
        if position_ids is None:
            position_ids = jnp.arange(seq, dtype=jnp.int32)[None, :]
        embeddings = inputs_embeds + self.token_type_embeddings(token_type_ids.astype(jnp.int32))
        embeddings = embeddings + self.position_embeddings(position_ids.astype(jnp.int32))
        embeddings = self.LayerNorm(embeddings)
        return self.dropout(embeddings, deterministic=deterministic)

    def attend(self, hidden_states: Array) -> Array:
        """``(..., E)`` states -> ``(..., vocab_size)`` scores against every word embedding."""
        with matmul_precision(self.options.precision):
            return self.word_embeddings.attend(hidden_states)


class AlbertAttention(AlbertLayerBase):
    """Multi-head self-attention with output projection, dropout, residual and LayerNorm.

    Scores and softmax are computed in float32 whatever ``dtype`` is; the probabilities
    are then cast back to ``dtype``.
    """

    @nn.compact
    def __call__(
        self, hidden_states: Array, attention_bias: Array | None, head_mask: Array | None,
        deterministic: bool = True,
    ) -> tuple[Array, Array]:  # fmt: skip
        """Return the layer-normed attention output and the attention probabilities.

        ``attention_bias`` is additive, broadcastable to ``(batch, heads, seq, seq)``;
        ``head_mask`` multiplies the probabilities and is broadcastable to the same shape.
        """
        cfg = self.config
        precision = self.options.precision
        batch, seq, hidden = hidden_states.shape
        heads, head_dim = cfg.num_attention_heads, cfg.head_dim

        def split(x: Array) -> Array:
            return x.reshape(batch, seq, heads, head_dim)

        query = split(self.dense(hidden, "query")(hidden_states))
        key = split(self.dense(hidden, "key")(hidden_states))
        value = split(self.dense(hidden, "value")(hidden_states))
        scores = jnp.einsum("bqhd,bkhd->bhqk", query, key, precision=precision)
        scores = (scores / jnp.asarray(math.sqrt(head_dim), scores.dtype)).astype(jnp.float32)
        if attention_bias is not None:
            scores = scores + attention_bias
        probs = jax.nn.softmax(scores, axis=-1).astype(self.dtype)
        probs = nn.Dropout(rate=cfg.attention_probs_dropout_prob)(
            probs, deterministic=deterministic
        )
        if head_mask is not None:
            probs = probs * head_mask
        context = jnp.einsum("bhqk,bkhd->bqhd", probs, value, precision=precision)
        context = context.reshape(batch, seq, hidden)
        projected = self.dense(hidden, "dense")(context)
        projected = nn.Dropout(rate=cfg.hidden_dropout_prob)(projected, deterministic=deterministic)
        return self.layer_norm("LayerNorm")(hidden_states + projected), probs


class AlbertLayer(AlbertLayerBase):
    """One post-LN transformer layer: attention block, then feed-forward block.

    The feed-forward output passes through dropout before the residual, as in the original
    ALBERT, transformers' TF and Flax versions and the PyTorch backend.
    """

    @nn.compact
    def __call__(
        self, hidden_states: Array, attention_bias: Array | None, head_mask: Array | None,
        deterministic: bool = True,
    ) -> tuple[Array, Array]:  # fmt: skip
        """Return the layer output and the attention probabilities."""
        cfg = self.config
        attention_output, probs = AlbertAttention(cfg, self.options, name="attention")(
            hidden_states, attention_bias, head_mask, deterministic
        )
        ffn = self.dense(cfg.intermediate_size, "ffn")(attention_output)
        ffn = get_activation(cfg.hidden_act)(ffn)
        ffn = self.dense(cfg.hidden_size, "ffn_output")(ffn)
        ffn = nn.Dropout(rate=cfg.hidden_dropout_prob)(ffn, deterministic=deterministic)
        return self.layer_norm("full_layer_layer_norm")(ffn + attention_output), probs


class AlbertLayerStack(AlbertLayerBase):
    """The ``inner_group_num`` layers of one shared group, applied in sequence."""

    @nn.compact
    def __call__(
        self, hidden_states: Array, attention_bias: Array | None, head_mask: Array | None,
        deterministic: bool = True,
    ) -> tuple[Array, list[Array]]:  # fmt: skip
        """Run every inner layer; return the output and the list of attention probabilities."""
        attentions = []
        for k in range(self.config.inner_group_num):
            hidden_states, probs = AlbertLayer(self.config, self.options, name=str(k))(
                hidden_states, attention_bias, head_mask, deterministic
            )
            attentions.append(probs)
        return hidden_states, attentions


class AlbertGroupStep(AlbertLayerBase):
    """One application of a shared layer group: the body that ``nn.scan`` repeats.

    Call as ``step(hidden, head_mask_row, attention_bias)``; returns ``(hidden, (hidden or
    None, stacked attentions or None))``, the carry and the per-application outputs.
    """

    deterministic: bool = True
    output_attentions: bool = False
    output_hidden_states: bool = False

    @nn.compact
    def __call__(
        self, hidden_states: Array, head_mask: Array | None, attention_bias: Array | None
    ) -> tuple[Array, tuple[Array | None, Array | None]]:
        """Apply the group once; see the class docstring."""
        hidden_states, attentions = AlbertLayerStack(
            self.config, self.options, name="albert_layers"
        )(hidden_states, attention_bias, head_mask, self.deterministic)
        per_step = (
            hidden_states if self.output_hidden_states else None,
            jnp.stack(attentions) if self.output_attentions else None,
        )
        return hidden_states, per_step


class AlbertLayerGroups(AlbertLayerBase):
    """All ``num_hidden_layers`` applications of the shared groups.

    Consecutive applications of the same group run as one scan (or a Python loop with
    ``options.scan_layers=False``); ``options.remat`` recomputes each application's
    activations in the backward pass instead of storing them.
    """

    @nn.compact
    def __call__(
        self, hidden_states: Array, attention_bias: Array | None, head_mask: Array | None,
        deterministic: bool = True, output_attentions: bool = False,
        output_hidden_states: bool = False,
    ) -> tuple[Array, list[Array], list[Array]]:  # fmt: skip
        """Return the output, the per-application hidden states and the attentions.

        ``head_mask`` is ``(num_hidden_layers, ...)``: row ``i`` for application ``i``.
        """
        scan_layers = self.options.scan_layers
        step_cls: Any = AlbertGroupStep
        if self.options.remat:
            step_cls = nn.remat(step_cls, prevent_cse=not scan_layers)
        kwargs = dict(
            config=self.config,
            options=self.options,
            deterministic=deterministic,
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
        )
        all_hidden: list[Array] = []
        all_attentions: list[Array] = []
        start = 0
        for group, run in itertools.groupby(self.config.layer_groups()):
            length = len(list(run))
            rows = None if head_mask is None else head_mask[start : start + length]
            start += length
            if scan_layers:
                scanned = nn.scan(
                    step_cls,
                    variable_broadcast="params",
                    split_rngs={"params": False, "dropout": True},
                    in_axes=(0, nn.broadcast),
                    length=length,
                )
                hidden_states, (hidden, attentions) = scanned(**kwargs, name=str(group))(
                    hidden_states, rows, attention_bias
                )
                if output_hidden_states:
                    all_hidden += list(hidden)
                if output_attentions:
                    all_attentions += [a for step in attentions for a in step]
            else:
                step = step_cls(**kwargs, name=str(group))
                for j in range(length):
                    row = None if rows is None else rows[j]
                    hidden_states, (hidden, attentions) = step(hidden_states, row, attention_bias)
                    if output_hidden_states:
                        all_hidden.append(hidden)
                    if output_attentions:
                        all_attentions += list(attentions)
        return hidden_states, all_hidden, all_attentions


class AlbertEncoder(AlbertLayerBase):
    """The ``E -> H`` projection and the shared layer groups."""

    @nn.compact
    def __call__(
        self, embeddings: Array, attention_bias: Array | None, head_mask: Array | None,
        deterministic: bool = True, output_attentions: bool = False,
        output_hidden_states: bool = False,
    ) -> FlaxBaseModelOutputWithPooling:  # fmt: skip
        """Encode ``(batch, seq, E)`` embeddings."""
        hidden_states = self.dense(self.config.hidden_size, "embedding_hidden_mapping_in")(
            embeddings
        )
        first = hidden_states
        hidden_states, all_hidden, all_attentions = AlbertLayerGroups(
            self.config, self.options, name="albert_layer_groups"
        )(
            hidden_states,
            attention_bias,
            head_mask,
            deterministic,
            output_attentions,
            output_hidden_states,
        )
        return FlaxBaseModelOutputWithPooling(
            last_hidden_state=hidden_states,
            hidden_states=(first, *all_hidden) if output_hidden_states else None,
            attentions=tuple(all_attentions) if output_attentions else None,
        )


def layer_head_mask(head_mask: Array | None, config: AlbertConfig, dtype: Dtype) -> Array | None:
    """A head mask viewed as ``(num_hidden_layers, batch|1, heads, seq|1, seq|1)``."""
    if head_mask is None:
        return None
    head_mask = jnp.asarray(head_mask)
    shape = mu.head_mask_shape(
        head_mask.shape, config.num_hidden_layers, config.num_attention_heads
    )
    head_mask = head_mask.reshape(shape).astype(dtype)
    return jnp.broadcast_to(head_mask, (config.num_hidden_layers, *shape[1:]))


class AlbertModule(AlbertLayerBase):
    """The ALBERT backbone (embeddings, encoder, optional tanh pooler) as a Linen module.

    Its params are those of transformers' ``FlaxAlbertModule``; as the base model of a
    head it is named ``albert``. :meth:`attend` is the tied masked-LM decoder.
    """

    add_pooling_layer: bool = True

    def setup(self) -> None:
        """The embeddings, the encoder and (with ``add_pooling_layer``) the pooler."""
        self.embeddings = AlbertEmbeddings(self.config, self.options)
        self.encoder = AlbertEncoder(self.config, self.options)
        if self.add_pooling_layer:
            self.pooler = self.dense(self.config.hidden_size)

    def __call__(
        self,
        input_ids: Array | None = None,
        attention_mask: Array | None = None,
        token_type_ids: Array | None = None,
        position_ids: Array | None = None,
        head_mask: Array | None = None,
        inputs_embeds: Array | None = None,
        deterministic: bool = True,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
    ) -> FlaxBaseModelOutputWithPooling:
        """Encode a batch; arguments as :meth:`FlaxAlbertPreTrainedModel.__call__`."""
        embeddings = self.embeddings(
            input_ids, token_type_ids, position_ids, inputs_embeds, deterministic
        )
        attention_bias = None
        if attention_mask is not None:
            keep = attention_mask.astype(jnp.float32)[:, None, None, :]
            attention_bias = (1.0 - keep) * jnp.finfo(jnp.float32).min
        output = self.encoder(
            embeddings,
            attention_bias,
            layer_head_mask(head_mask, self.config, self.dtype),
            deterministic,
            output_attentions,
            output_hidden_states,
        )
        if self.add_pooling_layer:
            first_token = output.last_hidden_state[:, 0]
            output = output.replace(pooler_output=jnp.tanh(self.pooler(first_token)))
        return output

    def attend(self, hidden_states: Array) -> Array:
        """``(..., E)`` states -> vocabulary scores through the word embeddings."""
        return self.embeddings.attend(hidden_states)


# ========================================================================= pre-training heads
class AlbertMLMHead(AlbertLayerBase):
    """Masked-LM head: dense ``H -> E``, activation, LayerNorm, decoder ``E -> vocab``.

    With ``tie_word_embeddings`` the decoder is ``attend``, the backbone's
    :meth:`AlbertModule.attend` (passed in); otherwise it is a ``decoder`` kernel of its own.
    The decoder bias is ``bias``.
    """

    @nn.compact
    def __call__(self, hidden_states: Array, attend: Callable[[Array], Array] | None) -> Array:
        """``(..., H)`` -> ``(..., vocab_size)`` scores."""
        cfg = self.config
        hidden_states = self.dense(cfg.embedding_size, "dense")(hidden_states)
        hidden_states = get_activation(cfg.hidden_act)(hidden_states)
        hidden_states = self.layer_norm("LayerNorm")(hidden_states)
        if cfg.tie_word_embeddings:
            logits = attend(hidden_states)
        else:
            logits = self.dense(cfg.vocab_size, "decoder", use_bias=False)(hidden_states)
        bias = self.param("bias", nn.initializers.zeros, (cfg.vocab_size,),
                          self.options.param_dtype)  # fmt: skip
        return logits + jnp.asarray(bias, self.dtype)


class AlbertSOPHead(AlbertLayerBase):
    """Sentence-order prediction: dropout and a linear ``classifier`` on the pooled output."""

    @nn.compact
    def __call__(self, pooled_output: Array, deterministic: bool = True) -> Array:
        """``(batch, H)`` -> ``(batch, num_labels)`` scores."""
        pooled_output = nn.Dropout(rate=mu.classifier_dropout(self.config))(
            pooled_output, deterministic=deterministic
        )
        return self.dense(self.config.num_labels, "classifier")(pooled_output)
