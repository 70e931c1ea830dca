"""ALBERT in JAX / Flax Linen: embeddings, scanned shared layer groups, the seven heads.

The file reads top to bottom like the paper (Lan et al., 2019):

1. factorized embeddings: word + position + token type of width ``E``, LayerNorm, dropout;
2. a projection ``E -> H`` followed by ``num_hidden_layers`` applications of
   ``num_hidden_groups`` parameter-shared groups of ``inner_group_num`` post-LN transformer
   layers (application ``i`` uses group ``config.group_of_layer(i)``);
3. a tanh pooler on the first token, and the heads: masked-LM (tied to the word
   embeddings), sentence-order prediction, sequence/token classification, extractive QA
   and multiple choice.

**Shared layers run as a scan.** The applications of one group are consecutive, so each
group runs as one ``nn.scan`` over its applications with the group's parameters broadcast
(``variable_broadcast="params"``): the group body is traced and compiled once, however many
times it is applied, and compile time does not grow with ``num_hidden_layers``. Because
the parameters are broadcast rather than stacked, the params pytree is exactly
transformers' Flax layout (``encoder/albert_layer_groups/<g>/albert_layers/<k>/...``) with no
conversion. ``scan_layers=False`` runs the same modules in a Python loop (same params,
same numbers; the compile-time benchmark's reference).

**Two layers of API.** Linen modules (``AlbertModule``, ``AlbertForMaskedLMModule``, ...)
are pure functions of a params pytree, for ``module.apply`` users. The ``FlaxAlbert*``
wrappers hold ``.config``, ``.module`` and ``.params`` and add what a user expects: input
checks with clear errors, losses, a cached ``jax.jit`` of the forward, ``from_pretrained``
and ``save_pretrained`` through :mod:`albert_core.checkpoints`, and ``init_params``.
Outputs carry the PyTorch backend's field names.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import flax.linen as nn
import flax.struct
import jax
import jax.numpy as jnp
import numpy as np

from albert_core import checkpoints, schema
from albert_core import modeling_utils as mu
from albert_core.config import ACTIVATIONS, AlbertConfig
from albert_core.model_output import ModelOutput
from albert_core.schema import LoadReport
from albert_flax import weights

Array = jax.Array
Dtype = Any
_WORD_EMBEDDINGS = "embeddings.word_embeddings.weight"
Params = dict[str, Any]

#: Documented bfloat16 accuracy: with ``dtype=jnp.bfloat16`` (params in float32 or
#: bfloat16), every output is within ``BF16_TOLERANCE * max|fp32 output|`` of the float32
#: result. (bfloat16 keeps 8 significant bits; on the goldens the measured worst case is
#: about 0.022, with the attention softmax and the losses computed in float32.)
BF16_TOLERANCE = 0.05

# ============================================================================ activations
#: Activation name -> function, one per entry of :data:`albert_core.config.ACTIVATIONS`.
ACT_FNS: dict[str, Callable[[Array], Array]] = {
    "gelu": lambda x: jax.nn.gelu(x, approximate=False),
    "gelu_new": lambda x: jax.nn.gelu(x, approximate=True),
    "gelu_fast": lambda x: jax.nn.gelu(x, approximate=True),
    "gelu_pytorch_tanh": lambda x: jax.nn.gelu(x, approximate=True),
    "quick_gelu": lambda x: x * jax.nn.sigmoid(1.702 * x),
    "relu": jax.nn.relu,
    "silu": jax.nn.silu,
    "swish": jax.nn.silu,
    "tanh": jnp.tanh,
    "sigmoid": jax.nn.sigmoid,
    "linear": lambda x: x,
}

if set(ACT_FNS) != set(ACTIVATIONS):  # pragma: no cover - guards against drift from the core
    raise ImportError(
        f"albert_flax activations {sorted(ACT_FNS)} differ from albert_core's {sorted(ACTIVATIONS)}"
    )


def get_activation(name: str) -> Callable[[Array], Array]:
    """The function for activation ``name``; ValueError naming the choices otherwise."""
    try:
        return ACT_FNS[name]
    except KeyError:
        raise ValueError(
            f"hidden_act={name!r} is not supported; choose one of {sorted(ACT_FNS)}"
        ) from None


# ================================================================================ outputs
_Arrays = tuple[Array, ...]


@flax.struct.dataclass
class FlaxBaseModelOutputWithPooling(ModelOutput):
    """Output of :class:`FlaxAlbertModel`.

    Attributes:
        last_hidden_state: ``(batch, seq, hidden_size)`` output of the last layer.
        pooler_output: ``(batch, hidden_size)`` tanh-pooled first token (None without pooler).
        hidden_states: with ``output_hidden_states``, ``num_hidden_layers + 1`` arrays: the
            projected embeddings, then the output of every layer application.
        attentions: with ``output_attentions``, ``num_hidden_layers * inner_group_num``
            attention probabilities ``(batch, heads, seq, seq)``, one per inner layer call.
    """

    last_hidden_state: Array | None = None
    pooler_output: Array | None = None
    hidden_states: _Arrays | None = None
    attentions: _Arrays | None = None


@flax.struct.dataclass
class FlaxAlbertForPreTrainingOutput(ModelOutput):
    """Output of :class:`FlaxAlbertForPreTraining`.

    Attributes:
        loss: masked-LM cross-entropy plus sentence-order cross-entropy (given both labels).
        prediction_logits: ``(batch, seq, vocab_size)`` masked-LM scores.
        sop_logits: ``(batch, num_labels)`` sentence-order scores.
        hidden_states, attentions: as in :class:`FlaxBaseModelOutputWithPooling`.
    """

    loss: Array | None = None
    prediction_logits: Array | None = None
    sop_logits: Array | None = None
    hidden_states: _Arrays | None = None
    attentions: _Arrays | None = None


@flax.struct.dataclass
class FlaxMaskedLMOutput(ModelOutput):
    """Output of :class:`FlaxAlbertForMaskedLM`: ``logits`` is ``(batch, seq, vocab_size)``."""

    loss: Array | None = None
    logits: Array | None = None
    hidden_states: _Arrays | None = None
    attentions: _Arrays | None = None


@flax.struct.dataclass
class FlaxSequenceClassifierOutput(ModelOutput):
    """Output of :class:`FlaxAlbertForSequenceClassification`: ``logits`` is
    ``(batch, num_labels)``."""

    loss: Array | None = None
    logits: Array | None = None
    hidden_states: _Arrays | None = None
    attentions: _Arrays | None = None


@flax.struct.dataclass
class FlaxTokenClassifierOutput(ModelOutput):
    """Output of :class:`FlaxAlbertForTokenClassification`: ``logits`` is
    ``(batch, seq, num_labels)``."""

    loss: Array | None = None
    logits: Array | None = None
    hidden_states: _Arrays | None = None
    attentions: _Arrays | None = None


@flax.struct.dataclass
class FlaxQuestionAnsweringModelOutput(ModelOutput):
    """Output of :class:`FlaxAlbertForQuestionAnswering`: span start and end scores
    ``(batch, seq)``."""

    loss: Array | None = None
    start_logits: Array | None = None
    end_logits: Array | None = None
    hidden_states: _Arrays | None = None
    attentions: _Arrays | None = None


@flax.struct.dataclass
class FlaxMultipleChoiceModelOutput(ModelOutput):
    """Output of :class:`FlaxAlbertForMultipleChoice`: ``logits`` is ``(batch, num_choices)``.

    ``hidden_states`` and ``attentions`` have ``batch * num_choices`` rows.
    """

    loss: Array | None = None
    logits: Array | None = None
    hidden_states: _Arrays | None = None
    attentions: _Arrays | None = None


# ================================================================================= losses
def cross_entropy_loss(logits: Array, labels: Array, ignore_index: int = mu.IGNORE_INDEX) -> Array:
    """Mean softmax cross-entropy over the positions whose label is not ``ignore_index``.

    ``logits`` is ``(..., classes)`` and ``labels`` the matching ``(...)`` integer classes.
    Computed in float32. As in PyTorch, the mean over zero scored positions is NaN.
    """
    logits = logits.astype(jnp.float32).reshape(-1, logits.shape[-1])
    labels = labels.reshape(-1).astype(jnp.int32)
    valid = labels != ignore_index
    log_probs = jax.nn.log_softmax(logits, axis=-1)
    picked = jnp.take_along_axis(log_probs, jnp.where(valid, labels, 0)[:, None], axis=-1)[:, 0]
    return -jnp.sum(jnp.where(valid, picked, 0.0)) / jnp.sum(valid)


def masked_lm_loss(logits: Array, labels: Array) -> Array:
    """Masked-LM loss: mean cross-entropy over tokens whose label is not -100."""
    return cross_entropy_loss(logits, labels)


def sequence_classification_loss(logits: Array, labels: Array, config: AlbertConfig) -> Array:
    """The loss ``config.problem_type`` names (inferred from the labels when it is None).

    Regression: mean squared error; single-label: cross-entropy (labels of -100 ignored);
    multi-label: mean binary cross-entropy with logits. Inference follows
    :func:`albert_core.modeling_utils.infer_problem_type` (integer labels: single-label).
    """
    n = config.num_labels
    problem = mu.infer_problem_type(
        config.problem_type, n, bool(jnp.issubdtype(labels.dtype, jnp.integer))
    )
    logits = logits.astype(jnp.float32)
    if problem == "regression":
        target = labels.astype(jnp.float32)
        if n == 1:
            return jnp.mean((jnp.squeeze(logits) - jnp.squeeze(target)) ** 2)
        return jnp.mean((logits - target) ** 2)
    if problem == "single_label_classification":
        return cross_entropy_loss(logits.reshape(-1, n), labels.reshape(-1))
    target = labels.astype(jnp.float32)
    per_item = jnp.maximum(logits, 0) - logits * target + jnp.log1p(jnp.exp(-jnp.abs(logits)))
    return jnp.mean(per_item)


def token_classification_loss(logits: Array, labels: Array) -> Array:
    """Mean cross-entropy over tokens whose label is not -100."""
    return cross_entropy_loss(logits, labels)


def question_answering_loss(
    start_logits: Array, end_logits: Array, start_positions: Array, end_positions: Array
) -> Array:
    """Mean of the start and end cross-entropies, as transformers computes it.

    Positions are clamped to ``[0, seq]``; ``seq`` (outside the input) is left out.
    """
    seq = start_logits.shape[1]
    start = jnp.clip(start_positions.reshape(-1), 0, seq)
    end = jnp.clip(end_positions.reshape(-1), 0, seq)
    start_loss = cross_entropy_loss(start_logits, start, ignore_index=seq)
    end_loss = cross_entropy_loss(end_logits, end, ignore_index=seq)
    return (start_loss + end_loss) / 2


def multiple_choice_loss(logits: Array, labels: Array) -> Array:
    """Cross-entropy over the choices (labels of -100 ignored)."""
    return cross_entropy_loss(logits, labels)


def pretraining_loss(
    prediction_logits: Array, sop_logits: Array, labels: Array, sentence_order_label: Array
) -> Array:
    """Masked-LM cross-entropy plus sentence-order cross-entropy (over ``num_labels``)."""
    return cross_entropy_loss(prediction_logits, labels) + cross_entropy_loss(
        sop_logits, sentence_order_label
    )


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


class _Base(nn.Module):
    """Fields every module shares: the config, computation and parameter dtypes, and the
    matmul precision (``None``: XLA's default for the platform; ``"highest"``: full float32
    on GPUs and TPUs, whose default rounds float32 matmul inputs to TF32/bfloat16)."""

    config: AlbertConfig
    dtype: Dtype = jnp.float32
    param_dtype: Dtype = jnp.float32
    precision: Any = None

    def dense(self, features: int, name: str, use_bias: bool = True) -> nn.Dense:
        """A Dense layer initialised from ``initializer_range`` (zero bias)."""
        return nn.Dense(
            features,
            use_bias=use_bias,
            dtype=self.dtype,
            param_dtype=self.param_dtype,
            precision=self.precision,
            kernel_init=_normal(self.config),
            name=name,
        )

    def layer_norm(self, name: str) -> nn.LayerNorm:
        """A LayerNorm with the config's epsilon and the exact (two-pass) variance."""
        return nn.LayerNorm(
            epsilon=self.config.layer_norm_eps,
            dtype=self.dtype,
            param_dtype=self.param_dtype,
            use_fast_variance=False,
            name=name,
        )


class AlbertEmbeddings(_Base):
    """Word + position + token-type embeddings of width ``embedding_size``, LayerNorm, dropout.

    Missing ``position_ids`` default to ``0..seq-1``, missing ``token_type_ids`` to zeros.
    """

    @nn.compact
    def __call__(
        self,
        input_ids: Array | None,
        token_type_ids: Array | None,
        position_ids: Array | None,
        inputs_embeds: Array | None,
        deterministic: bool = True,
    ) -> Array:
        """``(batch, seq)`` ids (or ``(batch, seq, E)`` embeddings) -> ``(batch, seq, E)``."""
        cfg = self.config
        e = cfg.embedding_size

        def embed(n: int, name: str, init: Callable[..., Array]) -> nn.Embed:
            return nn.Embed(
                n,
                e,
                dtype=self.dtype,
                param_dtype=self.param_dtype,
                embedding_init=init,
                name=name,
            )

        word = embed(cfg.vocab_size, "word_embeddings", _word_embedding_init(cfg))
        position = embed(cfg.max_position_embeddings, "position_embeddings", _normal(cfg))
        token_type = embed(cfg.type_vocab_size, "token_type_embeddings", _normal(cfg))
        if inputs_embeds is None:
            inputs_embeds = word(input_ids.astype(jnp.int32))
        inputs_embeds = inputs_embeds.astype(self.dtype)
        batch, seq = inputs_embeds.shape[:2]
        if token_type_ids is None:
            token_type_ids = jnp.zeros((batch, seq), jnp.int32)
        if position_ids is None:
            position_ids = jnp.arange(seq, dtype=jnp.int32)[None, :]
        embeddings = inputs_embeds + token_type(token_type_ids.astype(jnp.int32))
        embeddings = embeddings + position(position_ids.astype(jnp.int32))
        embeddings = self.layer_norm("LayerNorm")(embeddings)
        return nn.Dropout(rate=cfg.hidden_dropout_prob)(embeddings, deterministic=deterministic)


class AlbertAttention(_Base):
    """Multi-head self-attention with output projection, dropout, residual and LayerNorm.

    Scores and softmax are computed in float32 whatever ``dtype`` is; the probabilities
    are then cast back to ``dtype``.
    """

    @nn.compact
    def __call__(
        self,
        hidden_states: Array,
        attention_bias: Array | None,
        head_mask: Array | None,
        deterministic: bool = True,
    ) -> tuple[Array, Array]:
        """Return the layer-normed attention output and the attention probabilities.

        ``attention_bias`` is additive, broadcastable to ``(batch, heads, seq, seq)``;
        ``head_mask`` multiplies the probabilities and is broadcastable to the same shape.
        """
        cfg = self.config
        batch, seq, hidden = hidden_states.shape
        heads, head_dim = cfg.num_attention_heads, cfg.head_dim

        def split(x: Array) -> Array:
            return x.reshape(batch, seq, heads, head_dim)

        query = split(self.dense(hidden, "query")(hidden_states))
        key = split(self.dense(hidden, "key")(hidden_states))
        value = split(self.dense(hidden, "value")(hidden_states))
        scores = jnp.einsum("bqhd,bkhd->bhqk", query, key, precision=self.precision)
        scores = (scores / jnp.asarray(math.sqrt(head_dim), scores.dtype)).astype(jnp.float32)
        if attention_bias is not None:
            scores = scores + attention_bias
        probs = jax.nn.softmax(scores, axis=-1).astype(self.dtype)
        probs = nn.Dropout(rate=cfg.attention_probs_dropout_prob)(
            probs, deterministic=deterministic
        )
        if head_mask is not None:
            probs = probs * head_mask
        context = jnp.einsum("bhqk,bkhd->bqhd", probs, value, precision=self.precision)
        context = context.reshape(batch, seq, hidden)
        projected = self.dense(hidden, "dense")(context)
        projected = nn.Dropout(rate=cfg.hidden_dropout_prob)(projected, deterministic=deterministic)
        return self.layer_norm("LayerNorm")(hidden_states + projected), probs


class AlbertLayer(_Base):
    """One post-LN transformer layer: attention block, then feed-forward block.

    The feed-forward output passes through dropout before the residual, as in the original
    ALBERT, transformers' TF and Flax versions and the PyTorch backend.
    """

    @nn.compact
    def __call__(
        self,
        hidden_states: Array,
        attention_bias: Array | None,
        head_mask: Array | None,
        deterministic: bool = True,
    ) -> tuple[Array, Array]:
        """Return the layer output and the attention probabilities."""
        cfg = self.config
        attention_output, probs = AlbertAttention(
            cfg, self.dtype, self.param_dtype, self.precision, name="attention"
        )(hidden_states, attention_bias, head_mask, deterministic)
        ffn = self.dense(cfg.intermediate_size, "ffn")(attention_output)
        ffn = get_activation(cfg.hidden_act)(ffn)
        ffn = self.dense(cfg.hidden_size, "ffn_output")(ffn)
        ffn = nn.Dropout(rate=cfg.hidden_dropout_prob)(ffn, deterministic=deterministic)
        return self.layer_norm("full_layer_layer_norm")(ffn + attention_output), probs


class AlbertLayerStack(_Base):
    """The ``inner_group_num`` layers of one shared group, applied in sequence."""

    @nn.compact
    def __call__(
        self,
        hidden_states: Array,
        attention_bias: Array | None,
        head_mask: Array | None,
        deterministic: bool = True,
    ) -> tuple[Array, list[Array]]:
        """Run every inner layer; return the output and the list of attention probabilities."""
        attentions = []
        for k in range(self.config.inner_group_num):
            hidden_states, probs = AlbertLayer(
                self.config, self.dtype, self.param_dtype, self.precision, name=str(k)
            )(hidden_states, attention_bias, head_mask, deterministic)
            attentions.append(probs)
        return hidden_states, attentions


class AlbertGroupStep(_Base):
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
            self.config, self.dtype, self.param_dtype, self.precision, name="albert_layers"
        )(hidden_states, attention_bias, head_mask, self.deterministic)
        per_step = (
            hidden_states if self.output_hidden_states else None,
            jnp.stack(attentions) if self.output_attentions else None,
        )
        return hidden_states, per_step


class AlbertLayerGroups(_Base):
    """All ``num_hidden_layers`` applications of the shared groups.

    Consecutive applications of the same group run as one scan (or a Python loop with
    ``scan_layers=False``); ``remat`` recomputes each application's activations in the
    backward pass instead of storing them.
    """

    scan_layers: bool = True
    remat: bool = False

    @nn.compact
    def __call__(
        self,
        hidden_states: Array,
        attention_bias: Array | None,
        head_mask: Array | None,
        deterministic: bool = True,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
    ) -> tuple[Array, list[Array], list[Array]]:
        """Return the output, the per-application hidden states and the attentions.

        ``head_mask`` is ``(num_hidden_layers, ...)``: row ``i`` for application ``i``.
        """
        cfg = self.config
        step_cls: Any = AlbertGroupStep
        if self.remat:
            step_cls = nn.remat(step_cls, prevent_cse=not self.scan_layers)
        kwargs = dict(
            config=cfg,
            dtype=self.dtype,
            param_dtype=self.param_dtype,
            precision=self.precision,
            deterministic=deterministic,
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
        )
        all_hidden: list[Array] = []
        all_attentions: list[Array] = []
        start = 0
        for group, run in itertools.groupby(cfg.layer_groups()):
            length = len(list(run))
            rows = None if head_mask is None else head_mask[start : start + length]
            start += length
            if self.scan_layers:
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


class AlbertEncoder(_Base):
    """The ``E -> H`` projection and the shared layer groups."""

    scan_layers: bool = True
    remat: bool = False

    @nn.compact
    def __call__(
        self,
        embeddings: Array,
        attention_bias: Array | None,
        head_mask: Array | None,
        deterministic: bool = True,
        output_attentions: bool = False,
        output_hidden_states: bool = False,
    ) -> FlaxBaseModelOutputWithPooling:
        """Encode ``(batch, seq, E)`` embeddings."""
        hidden_states = self.dense(self.config.hidden_size, "embedding_hidden_mapping_in")(
            embeddings
        )
        first = hidden_states
        hidden_states, all_hidden, all_attentions = AlbertLayerGroups(
            self.config,
            self.dtype,
            self.param_dtype,
            self.precision,
            scan_layers=self.scan_layers,
            remat=self.remat,
            name="albert_layer_groups",
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


class AlbertModule(_Base):
    """The ALBERT backbone (embeddings, encoder, optional tanh pooler) as a Linen module.

    Its params are those of transformers' ``FlaxAlbertModule``; as the base model of a
    head it is named ``albert``.
    """

    add_pooling_layer: bool = True
    scan_layers: bool = True
    remat: bool = False

    @nn.compact
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
        cfg = self.config
        embeddings = AlbertEmbeddings(
            cfg, self.dtype, self.param_dtype, self.precision, name="embeddings"
        )(input_ids, token_type_ids, position_ids, inputs_embeds, deterministic)
        attention_bias = None
        if attention_mask is not None:
            keep = attention_mask.astype(jnp.float32)[:, None, None, :]
            attention_bias = (1.0 - keep) * jnp.finfo(jnp.float32).min
        output = AlbertEncoder(
            cfg,
            self.dtype,
            self.param_dtype,
            self.precision,
            scan_layers=self.scan_layers,
            remat=self.remat,
            name="encoder",
        )(
            embeddings,
            attention_bias,
            _layer_head_mask(head_mask, cfg, self.dtype),
            deterministic,
            output_attentions,
            output_hidden_states,
        )
        if self.add_pooling_layer:
            first_token = output.last_hidden_state[:, 0]
            pooled = jnp.tanh(self.dense(cfg.hidden_size, "pooler")(first_token))
            output = output.replace(pooler_output=pooled)
        return output


def _layer_head_mask(head_mask: Array | None, config: AlbertConfig, dtype: Dtype) -> Array | None:
    """A head mask viewed as ``(num_hidden_layers, batch|1, heads, seq|1, seq|1)``."""
    if head_mask is None:
        return None
    head_mask = jnp.asarray(head_mask)
    shape = mu.head_mask_shape(
        head_mask.shape, config.num_hidden_layers, config.num_attention_heads
    )
    head_mask = head_mask.reshape(shape).astype(dtype)
    return jnp.broadcast_to(head_mask, (config.num_hidden_layers, *shape[1:]))


class AlbertMLMHead(_Base):
    """Masked-LM head: dense ``H -> E``, activation, LayerNorm, decoder ``E -> vocab``.

    With ``tie_word_embeddings`` the decoder is the word-embedding table (passed in);
    otherwise it is a ``decoder`` kernel of its own. The decoder bias is ``bias``.
    """

    @nn.compact
    def __call__(self, hidden_states: Array, word_embeddings: Array | None) -> Array:
        """``(..., H)`` -> ``(..., vocab_size)`` scores."""
        cfg = self.config
        hidden_states = self.dense(cfg.embedding_size, "dense")(hidden_states)
        hidden_states = get_activation(cfg.hidden_act)(hidden_states)
        hidden_states = self.layer_norm("LayerNorm")(hidden_states)
        if cfg.tie_word_embeddings:
            table = jnp.asarray(word_embeddings, self.dtype)
            logits = jnp.dot(hidden_states, table.T, precision=self.precision)
        else:
            logits = self.dense(cfg.vocab_size, "decoder", use_bias=False)(hidden_states)
        bias = self.param("bias", nn.initializers.zeros, (cfg.vocab_size,), self.param_dtype)
        return logits + jnp.asarray(bias, self.dtype)


class AlbertSOPHead(_Base):
    """Sentence-order prediction: dropout and a linear ``classifier`` on the pooled output."""

    @nn.compact
    def __call__(self, pooled_output: Array, deterministic: bool = True) -> Array:
        """``(batch, H)`` -> ``(batch, num_labels)`` scores."""
        pooled_output = nn.Dropout(rate=mu.classifier_dropout(self.config))(
            pooled_output, deterministic=deterministic
        )
        return self.dense(self.config.num_labels, "classifier")(pooled_output)


class _HeadModule(_Base):
    """Shared fields and the backbone call of the head modules."""

    scan_layers: bool = True
    remat: bool = False
    #: Whether the backbone of this head has the pooler.
    pooled: ClassVar[bool] = True

    def backbone(
        self,
        deterministic: bool,
        output_attentions: bool,
        output_hidden_states: bool,
        **inputs: Any,
    ) -> FlaxBaseModelOutputWithPooling:
        """Run the ``albert`` backbone."""
        return AlbertModule(
            self.config,
            self.dtype,
            self.param_dtype,
            self.precision,
            add_pooling_layer=self.pooled,
            scan_layers=self.scan_layers,
            remat=self.remat,
            name="albert",
        )(
            **inputs,
            deterministic=deterministic,
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
        )

    def word_embeddings(self) -> Array | None:
        """The backbone's word-embedding table (the tied MLM decoder), after it ran."""
        if not self.config.tie_word_embeddings:
            return None
        return self.variables["params"]["albert"]["embeddings"]["word_embeddings"]["embedding"]


class AlbertForPreTrainingModule(_HeadModule):
    """Backbone + masked-LM head (``predictions``) + sentence-order head (``sop_classifier``)."""

    @nn.compact
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
    ) -> FlaxAlbertForPreTrainingOutput:
        """Masked-LM and sentence-order scores (no loss; see the wrapper)."""
        out = self.backbone(
            deterministic, output_attentions, output_hidden_states, input_ids=input_ids,
            attention_mask=attention_mask, token_type_ids=token_type_ids,
            position_ids=position_ids, head_mask=head_mask, inputs_embeds=inputs_embeds,
        )  # fmt: skip
        prediction_logits = AlbertMLMHead(
            self.config, self.dtype, self.param_dtype, self.precision, name="predictions"
        )(out.last_hidden_state, self.word_embeddings())
        sop_logits = AlbertSOPHead(
            self.config, self.dtype, self.param_dtype, self.precision, name="sop_classifier"
        )(out.pooler_output, deterministic)
        return FlaxAlbertForPreTrainingOutput(
            prediction_logits=prediction_logits,
            sop_logits=sop_logits,
            hidden_states=out.hidden_states,
            attentions=out.attentions,
        )


class AlbertForMaskedLMModule(_HeadModule):
    """Backbone (no pooler) + masked-LM head."""

    pooled: ClassVar[bool] = False

    @nn.compact
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
    ) -> FlaxMaskedLMOutput:
        """Vocabulary scores per token (no loss; see the wrapper)."""
        out = self.backbone(
            deterministic, output_attentions, output_hidden_states, input_ids=input_ids,
            attention_mask=attention_mask, token_type_ids=token_type_ids,
            position_ids=position_ids, head_mask=head_mask, inputs_embeds=inputs_embeds,
        )  # fmt: skip
        logits = AlbertMLMHead(
            self.config, self.dtype, self.param_dtype, self.precision, name="predictions"
        )(out.last_hidden_state, self.word_embeddings())
        return FlaxMaskedLMOutput(
            logits=logits, hidden_states=out.hidden_states, attentions=out.attentions
        )


class AlbertForSequenceClassificationModule(_HeadModule):
    """Backbone + dropout + linear ``classifier`` (``num_labels`` outputs) on the pooled output."""

    @nn.compact
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
    ) -> FlaxSequenceClassifierOutput:
        """Scores per sequence (no loss; see the wrapper)."""
        out = self.backbone(
            deterministic, output_attentions, output_hidden_states, input_ids=input_ids,
            attention_mask=attention_mask, token_type_ids=token_type_ids,
            position_ids=position_ids, head_mask=head_mask, inputs_embeds=inputs_embeds,
        )  # fmt: skip
        pooled = nn.Dropout(rate=mu.classifier_dropout(self.config))(
            out.pooler_output, deterministic=deterministic
        )
        logits = self.dense(self.config.num_labels, "classifier")(pooled)
        return FlaxSequenceClassifierOutput(
            logits=logits, hidden_states=out.hidden_states, attentions=out.attentions
        )


class AlbertForTokenClassificationModule(_HeadModule):
    """Backbone (no pooler) + dropout + linear ``classifier`` on every token."""

    pooled: ClassVar[bool] = False

    @nn.compact
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
    ) -> FlaxTokenClassifierOutput:
        """Scores per token (no loss; see the wrapper)."""
        out = self.backbone(
            deterministic, output_attentions, output_hidden_states, input_ids=input_ids,
            attention_mask=attention_mask, token_type_ids=token_type_ids,
            position_ids=position_ids, head_mask=head_mask, inputs_embeds=inputs_embeds,
        )  # fmt: skip
        hidden = nn.Dropout(rate=mu.classifier_dropout(self.config))(
            out.last_hidden_state, deterministic=deterministic
        )
        logits = self.dense(self.config.num_labels, "classifier")(hidden)
        return FlaxTokenClassifierOutput(
            logits=logits, hidden_states=out.hidden_states, attentions=out.attentions
        )


class AlbertForQuestionAnsweringModule(_HeadModule):
    """Backbone (no pooler) + linear ``qa_outputs`` giving start and end scores per token."""

    pooled: ClassVar[bool] = False

    @nn.compact
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
    ) -> FlaxQuestionAnsweringModelOutput:
        """Span scores (no loss; see the wrapper). ``config.num_labels`` must be 2."""
        _check_qa_labels(self.config)
        out = self.backbone(
            deterministic, output_attentions, output_hidden_states, input_ids=input_ids,
            attention_mask=attention_mask, token_type_ids=token_type_ids,
            position_ids=position_ids, head_mask=head_mask, inputs_embeds=inputs_embeds,
        )  # fmt: skip
        logits = self.dense(self.config.num_labels, "qa_outputs")(out.last_hidden_state)
        return FlaxQuestionAnsweringModelOutput(
            start_logits=logits[..., 0],
            end_logits=logits[..., 1],
            hidden_states=out.hidden_states,
            attentions=out.attentions,
        )


def _check_qa_labels(config: AlbertConfig) -> None:
    if config.num_labels != 2:
        raise ValueError(
            f"FlaxAlbertForQuestionAnswering needs num_labels=2 (start and end scores), got "
            f"num_labels={config.num_labels}"
        )


class AlbertForMultipleChoiceModule(_HeadModule):
    """Backbone + dropout + linear ``classifier`` (one score) on each choice's pooled output.

    Inputs are ``(batch, num_choices, seq)`` (``inputs_embeds`` ``(batch, num_choices, seq,
    E)``); the choices are encoded as one batch of ``batch * num_choices`` sequences.
    """

    @nn.compact
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
    ) -> FlaxMultipleChoiceModelOutput:
        """Scores per choice (no loss; see the wrapper)."""
        main = input_ids if input_ids is not None else inputs_embeds
        num_choices = main.shape[1]

        def flat(x: Array | None) -> Array | None:
            return None if x is None else x.reshape(-1, x.shape[-1])

        out = self.backbone(
            deterministic,
            output_attentions,
            output_hidden_states,
            input_ids=flat(input_ids),
            attention_mask=flat(attention_mask),
            token_type_ids=flat(token_type_ids),
            position_ids=flat(position_ids),
            head_mask=head_mask,
            inputs_embeds=None
            if inputs_embeds is None
            else inputs_embeds.reshape(-1, *inputs_embeds.shape[-2:]),
        )
        pooled = nn.Dropout(rate=mu.classifier_dropout(self.config))(
            out.pooler_output, deterministic=deterministic
        )
        logits = self.dense(1, "classifier")(pooled).reshape(-1, num_choices)
        return FlaxMultipleChoiceModelOutput(
            logits=logits, hidden_states=out.hidden_states, attentions=out.attentions
        )


# ================================================================================ wrappers
def _is_concrete(value: Any) -> bool:
    return value is not None and not isinstance(value, jax.core.Tracer)


def _min_max(value: Any) -> tuple[int, int] | None:
    """Smallest and largest entry of a concrete, non-empty array; None otherwise."""
    if not _is_concrete(value):
        return None
    array = np.asarray(value)
    if array.size == 0:
        return None
    return int(array.min()), int(array.max())


def _dtype(value: Any) -> np.dtype:
    return value.dtype if hasattr(value, "dtype") else np.asarray(value).dtype


def _shape(value: Any) -> tuple[int, ...]:
    return tuple(int(d) for d in np.shape(value))


def _as_array(value: Any) -> Any:
    """Lists and numpy arrays become jax arrays; tracers and jax arrays pass through."""
    if value is None or isinstance(value, jax.Array):
        return value
    return jnp.asarray(value)


_FORWARD_CACHE: dict[tuple[Any, ...], Callable[..., Any]] = {}


def _cached_forward(
    cls: type[FlaxAlbertPreTrainedModel],
    module: nn.Module,
    options: tuple[Any, ...],
    config: AlbertConfig,
) -> Callable[..., Any]:
    """The jitted ``apply`` (+ loss) shared by every wrapper of the same class and config.

    ``options`` are the module settings besides the config (dtypes, precision, remat, scan).
    Sharing the function means that loading the same model twice, or once per checkpoint
    format, compiles once. It depends on the params only through its arguments.
    """
    key = (cls, config.to_json_string(), *options)
    if key in _FORWARD_CACHE:
        return _FORWARD_CACHE[key]
    loss_fn = cls._loss
    config = config.copy()  # the function's own, unaffected by later edits of the original

    def forward(
        params: Params,
        inputs: dict[str, Any],
        labels: dict[str, Any],
        dropout_rng: Array | None,
        *,
        train: bool,
        output_attentions: bool,
        output_hidden_states: bool,
    ) -> ModelOutput:
        rngs = {"dropout": dropout_rng} if dropout_rng is not None else {}
        outputs = module.apply(
            {"params": params},
            **inputs,
            deterministic=not train,
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
            rngs=rngs,
        )
        if labels:
            outputs = outputs.replace(loss=loss_fn(outputs, labels, config))
        return outputs

    jitted = jax.jit(
        forward, static_argnames=("train", "output_attentions", "output_hidden_states")
    )
    _FORWARD_CACHE[key] = jitted
    return jitted


class FlaxAlbertPreTrainedModel:
    """Shared behaviour of the ``FlaxAlbert*`` wrappers: params, calling, loading, saving.

    A wrapper holds :attr:`config`, the Linen :attr:`module` and its :attr:`params` (a
    pytree in transformers' Flax layout). Calling it runs a cached ``jax.jit`` of
    ``module.apply`` (nested inside your own ``jax.jit``/``jax.grad`` it is simply traced),
    after checking concrete inputs, and adds the loss when labels are given.

    Args:
        config: the model hyper-parameters.
        dtype: computation dtype (``jnp.float32`` default, or ``jnp.bfloat16``: outputs then
            stay within :data:`BF16_TOLERANCE` times the float32 outputs' scale; softmax
            and losses are computed in float32).
        param_dtype: dtype of freshly initialised and loaded parameters (``jnp.float32``).
        seed: seed of the random initialisation (see :meth:`init_params`).
        params: use these params instead of initialising.
        remat: recompute each layer application's activations in the backward pass
            (``nn.remat``) instead of storing them; gradients are unchanged.
        scan_layers: run the applications of a shared group as ``nn.scan`` (default), or
            as a Python loop (same params and results, compile time grows with depth).
        precision: matmul precision, e.g. ``"highest"`` for full float32 on GPU/TPU (whose
            default is faster and less exact); None keeps XLA's default.
        _do_init: False leaves :attr:`params` None (set it before calling).

    The config is read when the wrapper is built; build a new wrapper after changing it.
    """

    #: Schema head name of the class.
    head: ClassVar[str] = "model"
    #: The Linen module class.
    module_class: ClassVar[type[nn.Module]] = AlbertModule
    #: Keyword arguments of :meth:`__call__` that carry labels for this head's loss.
    label_names: ClassVar[tuple[str, ...]] = ()
    #: Rank of ``input_ids`` (3 for multiple choice).
    input_rank: ClassVar[int] = 2

    def __init__(
        self,
        config: AlbertConfig,
        *,
        dtype: Dtype = jnp.float32,
        param_dtype: Dtype = jnp.float32,
        seed: int = 0,
        params: Params | None = None,
        remat: bool = False,
        scan_layers: bool = True,
        precision: Any = None,
        _do_init: bool = True,
    ) -> None:
        if not isinstance(config, AlbertConfig):
            raise TypeError(f"config must be an AlbertConfig, got {type(config).__name__}")
        if self.head == "question-answering":
            _check_qa_labels(config)
        self.config = config
        self.dtype = jnp.dtype(dtype)
        self.param_dtype = jnp.dtype(param_dtype)
        self.module = self.module_class(
            config,
            self.dtype,
            self.param_dtype,
            precision,
            scan_layers=scan_layers,
            remat=remat,
        )
        #: What :meth:`from_pretrained` matched; None for a model built from a config.
        self.loading_report: LoadReport | None = None
        options = (self.dtype.name, self.param_dtype.name, str(precision), remat, scan_layers)
        self._forward = _cached_forward(type(self), self.module, options, config)
        if params is not None:
            weights.check_structure(params, config, self.head)
        elif _do_init:
            params = self.init_params(jax.random.PRNGKey(seed))
        self.params: Params | None = params

    # ------------------------------------------------------------------ params
    def dummy_inputs(self, batch: int = 1, seq: int = 1) -> dict[str, Array]:
        """Smallest valid inputs (used to initialise the params)."""
        shape = (batch, 1, seq) if self.input_rank == 3 else (batch, seq)
        return {"input_ids": jnp.zeros(shape, jnp.int32)}

    def init_params(self, rng: Array) -> Params:
        """Fresh params from the PRNG key ``rng``, following ``config.initializer_range``.

        Linear kernels and embedding tables are normal with standard deviation
        ``initializer_range`` (the word table's ``pad_token_id`` row is zero), biases are
        zero and LayerNorm scales one, as in the PyTorch backend; leaves have
        :attr:`param_dtype`. The numbers are drawn on the host by numpy, seeded from
        ``rng``'s key data, so creating a model compiles nothing; the Linen modules' own
        initialisers (``module.init``) draw from the same distributions in JAX.
        """
        key = jnp.asarray(rng)
        if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
            key = jax.random.key_data(key)
        generator = np.random.default_rng([int(x) for x in np.asarray(key).ravel()])
        config = self.config
        arrays: dict[str, np.ndarray] = {}
        for spec in schema.tensor_specs(config, self.head):
            if spec.tied_to is not None:
                continue
            if spec.kind in ("linear", "embedding"):
                value = generator.standard_normal(spec.shape, dtype=np.float32)
                value *= np.float32(config.initializer_range)
                if spec.name.endswith(_WORD_EMBEDDINGS) and config.pad_token_id is not None:
                    value[config.pad_token_id] = 0.0
            elif spec.kind == "norm_scale":
                value = np.ones(spec.shape, np.float32)
            else:
                value = np.zeros(spec.shape, np.float32)
            arrays[spec.name] = value
        return weights.arrays_to_params(arrays, config, self.head, self.param_dtype)

    def num_parameters(self, params: Params | None = None) -> int:
        """Number of parameters (tied ones count once)."""
        leaves = jax.tree_util.tree_leaves(self.params if params is None else params)
        return int(sum(np.prod(x.shape) for x in leaves))

    def to_arrays(self, params: Params | None = None) -> dict[str, np.ndarray]:
        """Every canonical tensor (tied names included) as PyTorch-layout numpy arrays."""
        return weights.params_to_arrays(
            self.params if params is None else params, self.config, self.head
        )

    def to_bf16(self, params: Params | None = None) -> Params:
        """A bfloat16 copy of the params (``self.params`` unchanged)."""
        return weights.cast_params(self.params if params is None else params, jnp.bfloat16)

    # ------------------------------------------------------------------- calling
    @staticmethod
    def _loss(outputs: ModelOutput, labels: Mapping[str, Array], config: AlbertConfig) -> Array:
        raise ValueError("the bare model has no loss")

    def compute_loss(self, outputs: ModelOutput, labels: Mapping[str, Array]) -> Array:
        """This head's loss from its ``outputs`` and ``labels`` (keys: :attr:`label_names`).

        Pure and jittable; :meth:`__call__` uses it when labels are passed.
        """
        return self._loss(outputs, labels, self.config)

    def _check_inputs(
        self,
        input_ids: Any,
        attention_mask: Any,
        token_type_ids: Any,
        position_ids: Any,
        head_mask: Any,
        inputs_embeds: Any,
    ) -> tuple[int, ...]:
        config = self.config
        mu.check_inputs_given(input_ids is not None, inputs_embeds is not None)
        rank = self.input_rank
        dims = "(batch, num_choices, seq" if rank == 3 else "(batch, seq"
        if input_ids is not None:
            shape = _shape(input_ids)
            if len(shape) != rank:
                raise ValueError(f"input_ids must be {dims}), got shape {shape}")
        else:
            full = _shape(inputs_embeds)
            if len(full) != rank + 1 or full[-1] != config.embedding_size:
                raise ValueError(
                    f"inputs_embeds must be {dims}, embedding_size={config.embedding_size}), "
                    f"got shape {full}"
                )
            shape = full[:-1]
        for name, value in (
            ("attention_mask", attention_mask),
            ("token_type_ids", token_type_ids),
            ("position_ids", position_ids),
        ):
            if value is None or _shape(value) == shape:
                continue
            got = _shape(value)
            if (
                name == "position_ids"
                and len(got) == rank
                and got[-1] == shape[-1]
                and all(d == 1 for d in got[:-1])
            ):
                continue  # one row of positions shared by the batch
            raise ValueError(f"{name} has shape {got}; expected {shape} like the input")
        mu.check_sequence_length(config, shape[-1])
        ranges = {
            name: found
            for name, value in (
                ("input_ids", input_ids),
                ("token_type_ids", token_type_ids),
                ("position_ids", position_ids),
            )
            if (found := _min_max(value)) is not None
        }
        mu.check_index_ranges(config, ranges)
        if head_mask is not None:
            mu.head_mask_shape(
                _shape(head_mask), config.num_hidden_layers, config.num_attention_heads
            )
        return shape

    def _check_labels(self, labels: dict[str, Any], shape: tuple[int, ...]) -> None:
        """Class labels must lie in ``[0, classes)`` or be -100 (concrete inputs only)."""
        for name, value in labels.items():
            classes = self._label_classes(name, shape)
            found = _min_max(value) if classes is not None else None
            if found is None:
                continue
            array = np.asarray(value)
            bad = array[(array != mu.IGNORE_INDEX) & ((array < 0) | (array >= classes))]
            if bad.size:
                raise ValueError(
                    f"{name} contains {int(bad.flat[0])}; labels must be in [0, {classes}) "
                    f"or {mu.IGNORE_INDEX} (ignored)"
                )

    def _label_classes(self, name: str, shape: tuple[int, ...]) -> int | None:
        """Number of classes an integer label named ``name`` indexes (None: not checked)."""
        return None

    def __call__(
        self,
        input_ids: Any = None,
        attention_mask: Any = None,
        token_type_ids: Any = None,
        position_ids: Any = None,
        head_mask: Any = None,
        inputs_embeds: Any = None,
        *,
        labels: Any = None,
        sentence_order_label: Any = None,
        start_positions: Any = None,
        end_positions: Any = None,
        params: Params | None = None,
        dropout_rng: Array | None = None,
        train: bool = False,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> Any:
        """Run the model.

        Args:
            input_ids: ``(batch, seq)`` token ids in ``[0, vocab_size)`` (multiple choice:
                ``(batch, num_choices, seq)``, as for every per-token input below).
            attention_mask: ``(batch, seq)``, 1 for tokens and 0 for padding.
            token_type_ids: ``(batch, seq)`` segment ids in ``[0, type_vocab_size)``; zeros
                when omitted.
            position_ids: ``(batch, seq)`` (or ``(1, seq)``) positions in
                ``[0, max_position_embeddings)``; ``0..seq-1`` when omitted.
            head_mask: multiplies the attention probabilities per head (1 keeps, 0 drops).
                ``(num_heads,)`` applies to every layer; ``(num_hidden_layers, num_heads)``
                gives row ``i`` to the ``i``-th layer application, i.e. to every inner layer
                of the shared group run at step ``i``; a 5-D ``(layers | 1, batch | 1, heads,
                seq | 1, seq | 1)`` mask is used as it is. (transformers 4.57 indexes rows by
                group and inner layer instead; both agree when all rows are equal.)
            inputs_embeds: ``(batch, seq, embedding_size)`` instead of ``input_ids``.
            labels, sentence_order_label, start_positions, end_positions: the labels of
                this head (:attr:`label_names`); when all are given, ``loss`` is returned.
            params: params to use instead of :attr:`params` (e.g. inside ``jax.grad``).
            dropout_rng: PRNG key for dropout; needed with ``train=True`` when the config
                has non-zero dropout.
            train: apply dropout.
            output_attentions: also return every inner layer's attention probabilities.
            output_hidden_states: also return the hidden state after every application.
            return_dict: False returns a tuple of the non-None output fields.

        Raises:
            ValueError: ids, positions or labels outside their range, a sequence longer than
                ``max_position_embeddings``, mismatched shapes, labels this head does not
                take; the message names the input and the bound. Value checks need concrete
                inputs and are skipped for tracers (inside your own ``jax.jit``).
        """
        given = {
            "labels": labels,
            "sentence_order_label": sentence_order_label,
            "start_positions": start_positions,
            "end_positions": end_positions,
        }
        given = {k: v for k, v in given.items() if v is not None}
        unknown = sorted(set(given) - set(self.label_names))
        if unknown:
            raise ValueError(
                f"{type(self).__name__} takes labels {list(self.label_names)}, not {unknown}"
            )
        shape = self._check_inputs(
            input_ids, attention_mask, token_type_ids, position_ids, head_mask, inputs_embeds
        )
        self._check_labels(given, shape)
        use_labels = given if len(given) == len(self.label_names) else {}
        if train and dropout_rng is None and self._has_dropout():
            raise ValueError("train=True needs a dropout_rng (the config has non-zero dropout)")
        params = self.params if params is None else params
        if params is None:
            raise ValueError("this model has no params: pass params= or call init_params")
        inputs = self._complete_inputs(
            shape, input_ids, attention_mask, token_type_ids, position_ids, head_mask,
            inputs_embeds,
        )  # fmt: skip
        outputs = self._forward(
            params,
            inputs,
            {k: _as_array(v) for k, v in use_labels.items()},
            dropout_rng if train else None,
            train=bool(train),
            output_attentions=bool(output_attentions),
            output_hidden_states=bool(output_hidden_states),
        )
        return outputs if return_dict is None or return_dict else outputs.to_tuple()

    def _complete_inputs(
        self,
        shape: tuple[int, ...],
        input_ids: Any,
        attention_mask: Any,
        token_type_ids: Any,
        position_ids: Any,
        head_mask: Any,
        inputs_embeds: Any,
    ) -> dict[str, Any]:
        """Fill in the optional inputs with their defaults, as arrays of fixed shape.

        An omitted mask, token type, position or head mask has the same effect as its
        default value, so the jitted forward sees one input structure however it is called
        and compiles once (a head mask of any accepted shape becomes its 5-D view).
        """
        config = self.config
        if head_mask is None:
            head_mask = jnp.ones((config.num_hidden_layers, 1, config.num_attention_heads, 1, 1))
        else:
            head_mask = _layer_head_mask(_as_array(head_mask), config, self.dtype)

        def ints(value: Any, default: Callable[[], Array]) -> Array:
            return default() if value is None else _as_array(value).astype(jnp.int32)

        seq = shape[-1]
        return {
            "input_ids": None if input_ids is None else ints(input_ids, lambda: None),
            "attention_mask": ints(attention_mask, lambda: jnp.ones(shape, jnp.int32)),
            "token_type_ids": ints(token_type_ids, lambda: jnp.zeros(shape, jnp.int32)),
            "position_ids": ints(
                position_ids,
                lambda: jnp.broadcast_to(jnp.arange(seq, dtype=jnp.int32), shape),
            ),
            "head_mask": head_mask.astype(self.dtype),
            "inputs_embeds": _as_array(inputs_embeds),
        }

    def _has_dropout(self) -> bool:
        c = self.config
        rates = (c.hidden_dropout_prob, c.attention_probs_dropout_prob, mu.classifier_dropout(c))
        return any(r > 0 for r in rates)

    # --------------------------------------------------------------- load/save
    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str | os.PathLike[str],
        *,
        dtype: Dtype = jnp.float32,
        param_dtype: Dtype = jnp.float32,
        revision: str | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        strict: bool = True,
        config: AlbertConfig | None = None,
        fmt: str | None = None,
        seed: int = 0,
        remat: bool = False,
        scan_layers: bool = True,
        precision: Any = None,
        **config_overrides: Any,
    ) -> FlaxAlbertPreTrainedModel:
        """Load a model from a local directory or a hub id.

        Any of ``model.safetensors``, ``pytorch_model.bin``, ``tf_model.h5`` and
        ``flax_model.msgpack`` is read (``fmt`` picks one: ``"safetensors"``,
        ``"pytorch"``, ``"tf"``, ``"flax"``) and matched against this class's schema by
        :func:`albert_core.checkpoints.load_pretrained`. With ``strict=True`` any missing or
        unexpected tensor raises :class:`albert_core.schema.WeightsMismatchError` naming
        them all; with ``strict=False`` a warning lists them and missing ones keep their
        random initialisation (from ``seed``).

        Args:
            name_or_path: a directory or a hub id.
            dtype: computation dtype. ``param_dtype``: dtype of the loaded params.
            revision: hub revision. ``config``: use this config instead of the checkpoint's.
            cache_dir: where hub downloads are cached (default: huggingface_hub's cache).
            fmt: checkpoint format to read when the directory holds several.
            remat, scan_layers, precision: as in the constructor.
            **config_overrides: config fields to change (``num_labels=5``, ...).

        The :class:`albert_core.schema.LoadReport` is kept as ``model.loading_report``.
        """
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
        model = cls(
            loaded.config,
            dtype=dtype,
            param_dtype=param_dtype,
            seed=seed,
            remat=remat,
            scan_layers=scan_layers,
            precision=precision,
            _do_init=bool(loaded.report.missing),
        )
        model.params = weights.arrays_to_params(
            loaded.arrays, loaded.config, cls.head, model.param_dtype, base=model.params
        )
        model.loading_report = loaded.report
        return model

    def save_pretrained(
        self,
        directory: str | os.PathLike[str],
        params: Params | None = None,
        *,
        formats: Sequence[str] = ("flax",),
        overwrite: bool = True,
        **options: Any,
    ) -> list[Path]:
        """Write ``config.json`` and the weights in each of ``formats`` into ``directory``.

        The default writes ``flax_model.msgpack`` (the params pytree, which is
        transformers' Flax layout); add ``"safetensors"`` (``model.safetensors``),
        ``"pytorch"`` or ``"tf"`` for the other formats of
        :data:`albert_core.checkpoints.FORMATS`. bfloat16 params are written as float32.
        Returns the written paths.
        """
        arrays = self.to_arrays(params)
        return checkpoints.save_pretrained(
            directory, self.config, self.head, arrays, tuple(formats), overwrite=overwrite,
            **options,
        )  # fmt: skip

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config!r}, dtype={self.dtype.name})"


class FlaxAlbertModel(FlaxAlbertPreTrainedModel):
    """The bare ALBERT encoder with the tanh pooler: ``last_hidden_state``, ``pooler_output``."""

    head = "model"
    module_class = AlbertModule


class FlaxAlbertForPreTraining(FlaxAlbertPreTrainedModel):
    """ALBERT with the masked-LM and sentence-order heads used in pre-training.

    Labels: ``labels`` ``(batch, seq)`` token ids (-100 ignored) and
    ``sentence_order_label`` ``(batch,)`` in ``[0, num_labels)``; with both, ``loss`` is the
    masked-LM cross-entropy plus the sentence-order cross-entropy.
    """

    head = "pretraining"
    module_class = AlbertForPreTrainingModule
    label_names = ("labels", "sentence_order_label")

    @staticmethod
    def _loss(outputs: ModelOutput, labels: Mapping[str, Array], config: AlbertConfig) -> Array:
        """:func:`pretraining_loss` of ``outputs``."""
        return pretraining_loss(
            outputs.prediction_logits,
            outputs.sop_logits,
            labels["labels"],
            labels["sentence_order_label"],
        )

    def _label_classes(self, name: str, shape: tuple[int, ...]) -> int | None:
        return self.config.vocab_size if name == "labels" else self.config.num_labels


class FlaxAlbertForMaskedLM(FlaxAlbertPreTrainedModel):
    """ALBERT with the masked-LM head (no pooler); ``labels`` ``(batch, seq)``, -100 ignored."""

    head = "masked-lm"
    module_class = AlbertForMaskedLMModule
    label_names = ("labels",)

    @staticmethod
    def _loss(outputs: ModelOutput, labels: Mapping[str, Array], config: AlbertConfig) -> Array:
        """:func:`masked_lm_loss` of ``outputs``."""
        return masked_lm_loss(outputs.logits, labels["labels"])

    def _label_classes(self, name: str, shape: tuple[int, ...]) -> int | None:
        return self.config.vocab_size


class FlaxAlbertForSequenceClassification(FlaxAlbertPreTrainedModel):
    """ALBERT with dropout and a linear classifier (or regressor) on the pooled output.

    ``labels``: ``(batch,)`` class ids (single-label), floats (regression) or
    ``(batch, num_labels)`` multi-hot floats (multi-label); see
    :func:`sequence_classification_loss`.
    """

    head = "sequence-classification"
    module_class = AlbertForSequenceClassificationModule
    label_names = ("labels",)

    @staticmethod
    def _loss(outputs: ModelOutput, labels: Mapping[str, Array], config: AlbertConfig) -> Array:
        """:func:`sequence_classification_loss` of ``outputs``."""
        return sequence_classification_loss(outputs.logits, labels["labels"], config)

    def _label_classes(self, name: str, shape: tuple[int, ...]) -> int | None:
        return self.config.num_labels if self.config.num_labels > 1 else None

    def _check_labels(self, labels: dict[str, Any], shape: tuple[int, ...]) -> None:
        value = labels.get("labels")
        if (
            value is not None
            and jnp.issubdtype(_dtype(value), jnp.integer)
            and (self.config.problem_type in (None, "single_label_classification"))
        ):
            super()._check_labels(labels, shape)


class FlaxAlbertForTokenClassification(FlaxAlbertPreTrainedModel):
    """ALBERT with dropout and a linear classifier on every token (no pooler).

    ``labels``: ``(batch, seq)`` class ids; -100 marks positions left out of the loss.
    """

    head = "token-classification"
    module_class = AlbertForTokenClassificationModule
    label_names = ("labels",)

    @staticmethod
    def _loss(outputs: ModelOutput, labels: Mapping[str, Array], config: AlbertConfig) -> Array:
        """:func:`token_classification_loss` of ``outputs``."""
        return token_classification_loss(outputs.logits, labels["labels"])

    def _label_classes(self, name: str, shape: tuple[int, ...]) -> int | None:
        return self.config.num_labels


class FlaxAlbertForQuestionAnswering(FlaxAlbertPreTrainedModel):
    """ALBERT with a linear layer giving span start and end scores per token (no pooler).

    ``config.num_labels`` must be 2. ``start_positions``/``end_positions`` ``(batch,)``
    are clamped to ``[0, seq]`` and ``seq`` is ignored by the loss (transformers' rule).
    """

    head = "question-answering"
    module_class = AlbertForQuestionAnsweringModule
    label_names = ("start_positions", "end_positions")

    @staticmethod
    def _loss(outputs: ModelOutput, labels: Mapping[str, Array], config: AlbertConfig) -> Array:
        """:func:`question_answering_loss` of ``outputs``."""
        return question_answering_loss(
            outputs.start_logits,
            outputs.end_logits,
            labels["start_positions"],
            labels["end_positions"],
        )


class FlaxAlbertForMultipleChoice(FlaxAlbertPreTrainedModel):
    """ALBERT scoring each choice with a linear layer on its pooled output.

    Inputs are ``(batch, num_choices, seq)``; ``labels`` ``(batch,)`` is the index of the
    right choice.
    """

    head = "multiple-choice"
    module_class = AlbertForMultipleChoiceModule
    label_names = ("labels",)
    input_rank = 3

    @staticmethod
    def _loss(outputs: ModelOutput, labels: Mapping[str, Array], config: AlbertConfig) -> Array:
        """:func:`multiple_choice_loss` of ``outputs``."""
        return multiple_choice_loss(outputs.logits, labels["labels"])

    def _label_classes(self, name: str, shape: tuple[int, ...]) -> int | None:
        return shape[1]


#: Schema head name -> wrapper class.
MODEL_CLASSES: dict[str, type[FlaxAlbertPreTrainedModel]] = {
    cls.head: cls
    for cls in (
        FlaxAlbertModel,
        FlaxAlbertForPreTraining,
        FlaxAlbertForMaskedLM,
        FlaxAlbertForSequenceClassification,
        FlaxAlbertForTokenClassification,
        FlaxAlbertForQuestionAnswering,
        FlaxAlbertForMultipleChoice,
    )
}
