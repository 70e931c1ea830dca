"""ALBERT in Keras 3 (TensorFlow backend): embeddings, shared layer groups, the seven heads.

The file reads top to bottom like the paper (Lan et al., 2019):

1. factorized embeddings: word + position + token type of width ``E``, LayerNorm, dropout;
2. a projection ``E -> H`` followed by ``num_hidden_layers`` applications of
   ``num_hidden_groups`` parameter-shared groups, each of ``inner_group_num`` post-LN
   transformer layers (application ``i`` uses group ``config.group_of_layer(i)``);
3. a tanh pooler on the first token, and the heads: masked-LM (tied to the word
   embeddings), sentence-order prediction, sequence/token classification, extractive QA
   and multiple choice.

Layers are named so that every variable's path below the model scope is the Keras name
:func:`albert_core.schema.keras_weight_name` gives its canonical tensor
(``albert/encoder/albert_layer_groups_._0/albert_layers_._0/attention/query/kernel``);
:mod:`albert_tf.weights` maps them to and from canonical numpy arrays. The MLM decoder has
no variables of its own: it multiplies by the word-embedding matrix and adds
``predictions/bias``, so the tie of :mod:`albert_core.schema` holds by construction.

Outputs are :class:`ModelOutput` dicts with transformers' field names, so they pass through
``tf.function``, ``fit``/``predict`` and SavedModel signatures unchanged.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import optree  # noqa: E402
import tensorflow as tf  # noqa: E402

from albert_core import checkpoints, schema  # noqa: E402
from albert_core import modeling_utils as mu  # noqa: E402
from albert_core.config import ACTIVATIONS, AlbertConfig  # noqa: E402
from albert_core.schema import LoadReport  # noqa: E402

if keras.backend.backend() != "tensorflow":  # pragma: no cover - depends on the environment
    raise ImportError(
        f"albert_tf needs Keras' TensorFlow backend, but Keras runs on "
        f"{keras.backend.backend()!r}; set KERAS_BACKEND=tensorflow before importing keras"
    )

#: The tensor inputs every model accepts (besides its labels).
FEATURE_NAMES = (
    "input_ids",
    "attention_mask",
    "token_type_ids",
    "position_ids",
    "head_mask",
    "inputs_embeds",
)

#: What a tensor argument may be: a tf.Tensor, a numpy array or a (nested) list.
TensorLike = Any


# ============================================================================ activations
def _gelu(x: tf.Tensor) -> tf.Tensor:
    return tf.nn.gelu(x, approximate=False)


def _gelu_tanh(x: tf.Tensor) -> tf.Tensor:
    return tf.nn.gelu(x, approximate=True)


def _quick_gelu(x: tf.Tensor) -> tf.Tensor:
    return x * tf.sigmoid(tf.cast(1.702, x.dtype) * x)


def _linear(x: tf.Tensor) -> tf.Tensor:
    return x


#: Activation name -> function; the formulas are those of :data:`albert_core.config.ACTIVATIONS`.
ACT_FNS: dict[str, Callable[[tf.Tensor], tf.Tensor]] = {
    "gelu": _gelu,
    "gelu_new": _gelu_tanh,
    "gelu_fast": _gelu_tanh,
    "gelu_pytorch_tanh": _gelu_tanh,
    "quick_gelu": _quick_gelu,
    "relu": tf.nn.relu,
    "silu": tf.nn.silu,
    "swish": tf.nn.silu,
    "tanh": tf.tanh,
    "sigmoid": tf.sigmoid,
    "linear": _linear,
}

if set(ACT_FNS) != set(ACTIVATIONS):  # pragma: no cover - guards against drift from the core
    raise ImportError(
        f"albert_tf activations {sorted(ACT_FNS)} differ from albert_core's {sorted(ACTIVATIONS)}"
    )


def get_activation(name: str) -> Callable[[tf.Tensor], tf.Tensor]:
    """The function for activation ``name``; ValueError naming the choices otherwise."""
    try:
        return ACT_FNS[name]
    except KeyError:
        raise ValueError(
            f"hidden_act={name!r} is not supported; choose one of {sorted(ACT_FNS)}"
        ) from None


# ================================================================================ outputs
class ModelOutput(dict):
    """Base of the output classes: a ``dict`` of the fields that are not None.

    Fields are read by name (``out["logits"]``) or as attributes (``out.logits``; a field
    that was not computed reads as None). Being a dict, an output passes through
    ``tf.function``, ``tf.nest``, ``keras.tree`` and SavedModel signatures as it is.
    :meth:`to_tuple` gives the values in field order, which is what ``return_dict=False``
    returns.
    """

    #: Every field the class can hold, in order.
    fields: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # keras.tree (optree) treats unregistered dict subclasses as leaves.
        optree.register_pytree_node(
            cls,
            lambda out: (tuple(out.values()), tuple(out.keys()), tuple(out.keys())),
            lambda keys, values: cls(zip(keys, values, strict=True)),
            namespace="keras",
        )

    @classmethod
    def make(cls, **values: Any) -> ModelOutput:
        """An output holding the given fields that are not None, in field order."""
        unknown = sorted(set(values) - set(cls.fields))
        if unknown:
            raise TypeError(f"{cls.__name__} has no fields {unknown}")
        return cls((k, values[k]) for k in cls.fields if values.get(k) is not None)

    def __getattr__(self, name: str) -> Any:
        if name in self:
            return self[name]
        if name in type(self).fields:
            return None
        raise AttributeError(f"{type(self).__name__} has no field {name!r}")

    def to_tuple(self) -> tuple[Any, ...]:
        """The values of the fields that are not None, in field order."""
        return tuple(self[k] for k in type(self).fields if k in self)


class BaseModelOutputWithPooling(ModelOutput):
    """Output of :class:`TFAlbertModel`.

    Fields:
        last_hidden_state: ``(batch, seq, hidden_size)`` output of the last layer.
        pooler_output: ``(batch, hidden_size)`` tanh-pooled first token.
        hidden_states: with ``output_hidden_states``, ``num_hidden_layers + 1`` tensors:
            the projected embeddings, then the output of every layer application.
        attentions: with ``output_attentions``, ``num_hidden_layers * inner_group_num``
            attention probabilities ``(batch, heads, seq, seq)``, one per inner layer call.
    """

    fields = ("last_hidden_state", "pooler_output", "hidden_states", "attentions")


class AlbertForPreTrainingOutput(ModelOutput):
    """Output of :class:`TFAlbertForPreTraining`: ``loss`` (with both labels),
    ``prediction_logits`` ``(batch, seq, vocab_size)``, ``sop_logits`` ``(batch, num_labels)``,
    ``hidden_states``, ``attentions``."""

    fields = ("loss", "prediction_logits", "sop_logits", "hidden_states", "attentions")


class MaskedLMOutput(ModelOutput):
    """Output of :class:`TFAlbertForMaskedLM`: ``logits`` is ``(batch, seq, vocab_size)``."""

    fields = ("loss", "logits", "hidden_states", "attentions")


class SequenceClassifierOutput(ModelOutput):
    """Output of :class:`TFAlbertForSequenceClassification`: ``logits`` is
    ``(batch, num_labels)``."""

    fields = ("loss", "logits", "hidden_states", "attentions")


class TokenClassifierOutput(ModelOutput):
    """Output of :class:`TFAlbertForTokenClassification`: ``logits`` is
    ``(batch, seq, num_labels)``."""

    fields = ("loss", "logits", "hidden_states", "attentions")


class QuestionAnsweringModelOutput(ModelOutput):
    """Output of :class:`TFAlbertForQuestionAnswering`: span ``start_logits`` and
    ``end_logits``, each ``(batch, seq)``."""

    fields = ("loss", "start_logits", "end_logits", "hidden_states", "attentions")


class MultipleChoiceModelOutput(ModelOutput):
    """Output of :class:`TFAlbertForMultipleChoice`: ``logits`` is ``(batch, num_choices)``;
    ``hidden_states`` and ``attentions`` have ``batch * num_choices`` rows."""

    fields = ("loss", "logits", "hidden_states", "attentions")


# ================================================================================= losses
def _float32(x: tf.Tensor) -> tf.Tensor:
    return tf.cast(x, tf.float32)


def masked_cross_entropy(
    labels: tf.Tensor, logits: tf.Tensor, ignore_index: int | tf.Tensor = mu.IGNORE_INDEX
) -> tf.Tensor:
    """Mean softmax cross-entropy over the labels that are not ``ignore_index``.

    ``logits`` is ``(..., classes)`` and ``labels`` the matching ``(...)`` integer ids. As in
    PyTorch, the mean is over the scored positions (NaN when every label is ignored).
    """
    classes = tf.shape(logits)[-1]
    logits = tf.reshape(_float32(logits), [-1, classes])
    labels = tf.reshape(tf.cast(labels, tf.int32), [-1])
    keep = tf.not_equal(labels, tf.cast(ignore_index, tf.int32))
    safe = tf.where(keep, labels, tf.zeros_like(labels))
    losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=safe, logits=logits)
    keep = tf.cast(keep, tf.float32)
    return tf.reduce_sum(losses * keep) / tf.reduce_sum(keep)


def sequence_classification_loss(
    labels: tf.Tensor, logits: tf.Tensor, problem_type: str | None, num_labels: int
) -> tf.Tensor:
    """MSE, cross-entropy or binary cross-entropy, as
    :func:`albert_core.modeling_utils.infer_problem_type` decides from the labels' dtype."""
    problem = mu.infer_problem_type(problem_type, num_labels, labels.dtype.is_integer)
    logits = _float32(logits)
    if problem == "regression":
        target = _float32(labels)
        if num_labels == 1:
            return tf.reduce_mean(tf.square(tf.reshape(logits, [-1]) - tf.reshape(target, [-1])))
        return tf.reduce_mean(tf.square(logits - tf.reshape(target, tf.shape(logits))))
    if problem == "single_label_classification":
        return masked_cross_entropy(labels, logits, ignore_index=mu.IGNORE_INDEX)
    target = _float32(labels)
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=target, logits=logits))


def span_loss(
    start_positions: tf.Tensor,
    end_positions: tf.Tensor,
    start_logits: tf.Tensor,
    end_logits: tf.Tensor,
) -> tf.Tensor:
    """Mean of the start and end cross-entropies.

    As in transformers, positions are clamped to ``[0, seq]`` and ``seq`` (a position
    outside the input) is left out of the loss.
    """
    seq = tf.shape(start_logits)[1]
    start = tf.clip_by_value(tf.reshape(tf.cast(start_positions, tf.int32), [-1]), 0, seq)
    end = tf.clip_by_value(tf.reshape(tf.cast(end_positions, tf.int32), [-1]), 0, seq)
    start_loss = masked_cross_entropy(start, start_logits, ignore_index=seq)
    end_loss = masked_cross_entropy(end, end_logits, ignore_index=seq)
    return (start_loss + end_loss) / 2.0


# ================================================================================= layers
def _initializer(config: AlbertConfig) -> keras.initializers.Initializer:
    return keras.initializers.TruncatedNormal(stddev=config.initializer_range)


def _dense(
    units: int, config: AlbertConfig, name: str, dtype: Any, **kwargs: Any
) -> keras.layers.Dense:
    return keras.layers.Dense(
        units, kernel_initializer=_initializer(config), name=name, dtype=dtype, **kwargs
    )


def _layer_norm(config: AlbertConfig, name: str, dtype: Any) -> keras.layers.LayerNormalization:
    return keras.layers.LayerNormalization(
        axis=-1, epsilon=config.layer_norm_eps, name=name, dtype=dtype
    )


class AlbertEmbeddingTable(keras.layers.Layer):
    """One embedding table: ``ids -> rows``. Its variable is called ``variable_name``
    (``weight`` for the word table, as transformers' TF names it, else ``embeddings``)."""

    def __init__(
        self,
        num_rows: int,
        width: int,
        initializer: keras.initializers.Initializer,
        variable_name: str = "embeddings",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.num_rows = num_rows
        self.width = width
        self.initializer = initializer
        self.variable_name = variable_name

    def build(self, input_shape: Any = None) -> None:
        """Create the ``(num_rows, width)`` table."""
        self.table = self.add_weight(
            name=self.variable_name,
            shape=(self.num_rows, self.width),
            initializer=self.initializer,
        )

    def call(self, ids: tf.Tensor) -> tf.Tensor:
        """Rows of ``ids`` (any integer shape) in the compute dtype."""
        return tf.cast(tf.gather(self.table, ids), self.compute_dtype)


class AlbertEmbeddings(keras.layers.Layer):
    """Word + position + token-type embeddings of width ``embedding_size``, LayerNorm, dropout.

    Missing ``position_ids`` default to ``0..seq-1`` and missing ``token_type_ids`` to zeros.
    """

    def __init__(self, config: AlbertConfig, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        e, init, dtype = config.embedding_size, _initializer(config), self.dtype_policy
        self.embedding_size = e
        self.word_embeddings = AlbertEmbeddingTable(
            config.vocab_size, e, init, "weight", name="word_embeddings", dtype=dtype
        )
        self.token_type_embeddings = AlbertEmbeddingTable(
            config.type_vocab_size, e, init, name="token_type_embeddings", dtype=dtype
        )
        self.position_embeddings = AlbertEmbeddingTable(
            config.max_position_embeddings, e, init, name="position_embeddings", dtype=dtype
        )
        self.LayerNorm = _layer_norm(config, "LayerNorm", dtype)
        self.dropout = keras.layers.Dropout(config.hidden_dropout_prob, dtype=dtype)

    def build(self, input_shape: Any = None) -> None:
        """Create the three tables and the LayerNorm."""
        self.word_embeddings.build()
        self.token_type_embeddings.build()
        self.position_embeddings.build()
        self.LayerNorm.build((None, None, self.embedding_size))

    def call(
        self,
        input_ids: tf.Tensor | None = None,
        token_type_ids: tf.Tensor | None = None,
        position_ids: tf.Tensor | None = None,
        inputs_embeds: tf.Tensor | None = None,
        training: bool = False,
    ) -> tf.Tensor:
        """``(batch, seq)`` ids (or ``(batch, seq, E)`` embeddings) -> ``(batch, seq, E)``."""
        if inputs_embeds is None:
            inputs_embeds = self.word_embeddings(input_ids)
        inputs_embeds = tf.cast(inputs_embeds, self.compute_dtype)
        shape = tf.shape(inputs_embeds)
        if token_type_ids is None:
            token_type_ids = tf.zeros(shape[:2], dtype=tf.int32)
        if position_ids is None:
            position_ids = tf.range(shape[1])[tf.newaxis, :]
        embeddings = inputs_embeds + self.token_type_embeddings(token_type_ids)
        embeddings = embeddings + self.position_embeddings(position_ids)
        return self.dropout(self.LayerNorm(embeddings), training=training)


class AlbertAttention(keras.layers.Layer):
    """Multi-head self-attention with output projection, dropout, residual and LayerNorm.

    The softmax runs in float32 whatever the compute dtype.
    """

    def __init__(self, config: AlbertConfig, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        h, dtype = config.hidden_size, self.dtype_policy
        self.hidden_size = h
        self.num_attention_heads = config.num_attention_heads
        self.head_dim = config.head_dim
        self.query = _dense(h, config, "query", dtype)
        self.key = _dense(h, config, "key", dtype)
        self.value = _dense(h, config, "value", dtype)
        self.dense = _dense(h, config, "dense", dtype)
        self.LayerNorm = _layer_norm(config, "LayerNorm", dtype)
        self.attention_dropout = keras.layers.Dropout(
            config.attention_probs_dropout_prob, dtype=dtype
        )
        self.output_dropout = keras.layers.Dropout(config.hidden_dropout_prob, dtype=dtype)

    def build(self, input_shape: Any = None) -> None:
        """Create the four projections and the LayerNorm."""
        for layer in (self.query, self.key, self.value, self.dense):
            layer.build((None, None, self.hidden_size))
        self.LayerNorm.build((None, None, self.hidden_size))

    def _split_heads(self, x: tf.Tensor, batch: tf.Tensor, seq: tf.Tensor) -> tf.Tensor:
        x = tf.reshape(x, [batch, seq, self.num_attention_heads, self.head_dim])
        return tf.transpose(x, [0, 2, 1, 3])

    def call(
        self,
        hidden_states: tf.Tensor,
        attention_mask: tf.Tensor | None = None,
        head_mask: tf.Tensor | None = None,
        training: bool = False,
    ) -> tuple[tf.Tensor, tf.Tensor]:
        """Return the layer-normed attention output and the attention probabilities.

        ``attention_mask`` is additive, broadcastable to ``(batch, heads, seq,
        seq)``; ``head_mask`` multiplies the probabilities and broadcasts the same way.
        """
        shape = tf.shape(hidden_states)
        batch, seq = shape[0], shape[1]
        query = self._split_heads(self.query(hidden_states), batch, seq)
        key = self._split_heads(self.key(hidden_states), batch, seq)
        value = self._split_heads(self.value(hidden_states), batch, seq)
        scores = tf.matmul(query, key, transpose_b=True)
        scores = _float32(scores) / float(np.sqrt(self.head_dim))
        if attention_mask is not None:
            scores = scores + _float32(attention_mask)  # Keras may have autocast it
        probs = tf.cast(tf.nn.softmax(scores, axis=-1), self.compute_dtype)
        probs = self.attention_dropout(probs, training=training)
        if head_mask is not None:
            probs = probs * tf.cast(head_mask, probs.dtype)
        context = tf.matmul(probs, value)
        context = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [batch, seq, self.hidden_size])
        projected = self.output_dropout(self.dense(context), training=training)
        return self.LayerNorm(hidden_states + projected), probs


class AlbertLayer(keras.layers.Layer):
    """One post-LN transformer layer: attention block, then feed-forward block.

    The feed-forward output passes through dropout before the residual, as in the original
    ALBERT and in albert's PyTorch backend.
    """

    def __init__(self, config: AlbertConfig, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        h, dtype = config.hidden_size, self.dtype_policy
        self.hidden_size = h
        self.intermediate_size = config.intermediate_size
        self.attention = AlbertAttention(config, name="attention", dtype=dtype)
        self.ffn = _dense(config.intermediate_size, config, "ffn", dtype)
        self.ffn_output = _dense(h, config, "ffn_output", dtype)
        self.full_layer_layer_norm = _layer_norm(config, "full_layer_layer_norm", dtype)
        self.activation = get_activation(config.hidden_act)
        self.dropout = keras.layers.Dropout(config.hidden_dropout_prob, dtype=dtype)

    def build(self, input_shape: Any = None) -> None:
        """Create the attention block, the feed-forward block and the final LayerNorm."""
        self.attention.build()
        self.ffn.build((None, None, self.hidden_size))
        self.ffn_output.build((None, None, self.intermediate_size))
        self.full_layer_layer_norm.build((None, None, self.hidden_size))

    def call(
        self,
        hidden_states: tf.Tensor,
        attention_mask: tf.Tensor | None = None,
        head_mask: tf.Tensor | None = None,
        training: bool = False,
    ) -> tuple[tf.Tensor, tf.Tensor]:
        """Return the layer output and the attention probabilities."""
        attention_output, probs = self.attention(
            hidden_states, attention_mask, head_mask, training=training
        )
        ffn_output = self.ffn_output(self.activation(self.ffn(attention_output)))
        ffn_output = self.dropout(ffn_output, training=training)
        return self.full_layer_layer_norm(ffn_output + attention_output), probs


class AlbertLayerGroup(keras.layers.Layer):
    """``inner_group_num`` layers applied in sequence; the unit of parameter sharing."""

    def __init__(self, config: AlbertConfig, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.albert_layers = [
            AlbertLayer(config, name=f"albert_layers_._{k}", dtype=self.dtype_policy)
            for k in range(config.inner_group_num)
        ]

    def build(self, input_shape: Any = None) -> None:
        """Create every inner layer."""
        for layer in self.albert_layers:
            layer.build()

    def call(
        self,
        hidden_states: tf.Tensor,
        attention_mask: tf.Tensor | None = None,
        head_mask: tf.Tensor | None = None,
        training: bool = False,
    ) -> tuple[tf.Tensor, list[tf.Tensor]]:
        """Run every inner layer (all with ``head_mask``); return the output and the list of
        attention probabilities."""
        attentions = []
        for layer in self.albert_layers:
            hidden_states, probs = layer(
                hidden_states, attention_mask, head_mask, training=training
            )
            attentions.append(probs)
        return hidden_states, attentions


class AlbertTransformer(keras.layers.Layer):
    """The ``E -> H`` projection and ``num_hidden_layers`` applications of the shared groups."""

    def __init__(self, config: AlbertConfig, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        dtype = self.dtype_policy
        self.embedding_size = config.embedding_size
        self.layer_groups = config.layer_groups()
        self.embedding_hidden_mapping_in = _dense(
            config.hidden_size, config, "embedding_hidden_mapping_in", dtype
        )
        self.albert_layer_groups = [
            AlbertLayerGroup(config, name=f"albert_layer_groups_._{g}", dtype=dtype)
            for g in range(config.num_hidden_groups)
        ]

    def build(self, input_shape: Any = None) -> None:
        """Create the projection and every group."""
        self.embedding_hidden_mapping_in.build((None, None, self.embedding_size))
        for group in self.albert_layer_groups:
            group.build()

    def call(
        self,
        embeddings: tf.Tensor,
        attention_mask: tf.Tensor | None = None,
        head_mask: tf.Tensor | None = None,
        training: bool = False,
    ) -> tuple[tf.Tensor, list[tf.Tensor], list[tf.Tensor]]:
        """Encode ``(batch, seq, E)`` embeddings.

        ``head_mask`` is 5-D with one row per layer application (or a single row for all).
        Returns the last hidden state, every hidden state (projected embeddings first) and
        every attention-probability tensor.
        """
        hidden_states = self.embedding_hidden_mapping_in(embeddings)
        all_hidden = [hidden_states]
        all_attentions: list[tf.Tensor] = []
        for i, group_index in enumerate(self.layer_groups):
            layer_head_mask = None
            if head_mask is not None:
                layer_head_mask = head_mask[i] if head_mask.shape[0] > 1 else head_mask[0]
            hidden_states, attentions = self.albert_layer_groups[group_index](
                hidden_states, attention_mask, layer_head_mask, training=training
            )
            all_hidden.append(hidden_states)
            all_attentions.extend(attentions)
        return hidden_states, all_hidden, all_attentions


class AlbertMainLayer(keras.layers.Layer):
    """The ALBERT encoder: embeddings, shared layer groups and (optionally) the tanh pooler.

    Every model keeps one under the name ``albert``. Its :meth:`call` checks the inputs
    (see :meth:`TFAlbertModel.call`) and returns a :class:`BaseModelOutputWithPooling`.
    """

    def __init__(self, config: AlbertConfig, add_pooling_layer: bool = True, **kwargs: Any):
        super().__init__(**kwargs)
        dtype = self.dtype_policy
        self.config = config
        self.embeddings = AlbertEmbeddings(config, name="embeddings", dtype=dtype)
        self.encoder = AlbertTransformer(config, name="encoder", dtype=dtype)
        self.pooler = None
        if add_pooling_layer:
            self.pooler = _dense(config.hidden_size, config, "pooler", dtype, activation="tanh")

    def build(self, input_shape: Any = None) -> None:
        """Create every variable of the encoder."""
        self.embeddings.build()
        self.encoder.build()
        if self.pooler is not None:
            self.pooler.build((None, self.config.hidden_size))

    # ----------------------------------------------------------------- checks
    def _check_inputs(self, inputs: Mapping[str, tf.Tensor | None]) -> None:
        config = self.config
        input_ids, inputs_embeds = inputs["input_ids"], inputs["inputs_embeds"]
        mu.check_inputs_given(input_ids is not None, inputs_embeds is not None)
        if input_ids is not None:
            if input_ids.shape.rank != 2:
                raise ValueError(f"input_ids must be (batch, seq), got shape {input_ids.shape}")
            if input_ids.dtype.is_floating or input_ids.dtype.is_complex:
                raise ValueError(f"input_ids must hold integers, got dtype {input_ids.dtype.name}")
            shape = input_ids.shape
        else:
            if inputs_embeds.shape.rank != 3 or inputs_embeds.shape[-1] != config.embedding_size:
                raise ValueError(
                    f"inputs_embeds must be (batch, seq, embedding_size={config.embedding_size}),"
                    f" got shape {inputs_embeds.shape}"
                )
            shape = inputs_embeds.shape[:2]
        for name in ("attention_mask", "token_type_ids", "position_ids"):
            tensor = inputs[name]
            if tensor is None or tensor.shape.is_compatible_with(shape):
                continue
            if name == "position_ids" and tensor.shape.is_compatible_with([1, shape[1]]):
                continue  # one row of positions shared by the batch
            raise ValueError(f"{name} has shape {tensor.shape}; expected {shape} like the input")
        if shape[1] is not None:
            mu.check_sequence_length(config, int(shape[1]))
        if tf.executing_eagerly():
            ranges = {}
            for name in mu.INDEX_LIMITS:
                tensor = inputs[name]
                if tensor is not None and tf.size(tensor) > 0:
                    ranges[name] = (int(tf.reduce_min(tensor)), int(tf.reduce_max(tensor)))
            mu.check_index_ranges(config, ranges)

    def _head_mask(self, head_mask: tf.Tensor | None) -> tf.Tensor | None:
        if head_mask is None:
            return None
        config = self.config
        shape = mu.head_mask_shape(
            head_mask.shape, config.num_hidden_layers, config.num_attention_heads
        )
        return tf.reshape(tf.cast(head_mask, self.compute_dtype), shape)

    # ------------------------------------------------------------------- call
    def call(
        self,
        inputs: Mapping[str, tf.Tensor | None],
        output_attentions: bool = False,
        output_hidden_states: bool = False,
        training: bool = False,
    ) -> BaseModelOutputWithPooling:
        """Encode ``inputs`` (a dict with the keys of :data:`FEATURE_NAMES`, None for absent)."""
        inputs = {name: inputs.get(name) for name in FEATURE_NAMES}
        self._check_inputs(inputs)
        embedding_output = self.embeddings(
            inputs["input_ids"],
            token_type_ids=inputs["token_type_ids"],
            position_ids=inputs["position_ids"],
            inputs_embeds=inputs["inputs_embeds"],
            training=training,
        )
        attention_mask = inputs["attention_mask"]
        additive_mask = None
        if attention_mask is not None:
            mask = _float32(attention_mask)[:, tf.newaxis, tf.newaxis, :]
            additive_mask = (1.0 - mask) * tf.float32.min
        sequence_output, hidden_states, attentions = self.encoder(
            embedding_output,
            additive_mask,
            self._head_mask(inputs["head_mask"]),
            training=training,
        )
        pooled_output = None
        if self.pooler is not None:
            pooled_output = self.pooler(sequence_output[:, 0])
        return BaseModelOutputWithPooling.make(
            last_hidden_state=sequence_output,
            pooler_output=pooled_output,
            hidden_states=tuple(hidden_states) if output_hidden_states else None,
            attentions=tuple(attentions) if output_attentions else None,
        )


class AlbertMLMHead(keras.layers.Layer):
    """Masked-LM head: dense ``H -> E``, activation, LayerNorm, then the decoder.

    The decoder multiplies by the word-embedding matrix it is given (the tie) and adds this
    layer's ``bias``, which is both ``predictions.bias`` and ``predictions.decoder.bias``.
    """

    def __init__(self, config: AlbertConfig, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        dtype = self.dtype_policy
        self.hidden_size = config.hidden_size
        self.embedding_size = config.embedding_size
        self.vocab_size = config.vocab_size
        self.dense = _dense(config.embedding_size, config, "dense", dtype)
        self.LayerNorm = _layer_norm(config, "LayerNorm", dtype)
        self.activation = get_activation(config.hidden_act)

    def build(self, input_shape: Any = None) -> None:
        """Create the bias, the dense layer and the LayerNorm."""
        self.bias = self.add_weight(name="bias", shape=(self.vocab_size,), initializer="zeros")
        self.dense.build((None, None, self.hidden_size))
        self.LayerNorm.build((None, None, self.embedding_size))

    def call(self, hidden_states: tf.Tensor, word_embeddings: tf.Variable) -> tf.Tensor:
        """``(..., H)`` -> ``(..., vocab_size)`` float32 scores."""
        x = self.LayerNorm(self.activation(self.dense(hidden_states)))
        matrix = tf.cast(word_embeddings, self.compute_dtype)
        # A 2-D matmul: the gradient of an ellipsis einsum w.r.t. the table materialises a
        # (vocab, E, batch, seq) tensor, which a 30k vocabulary cannot afford.
        flat = tf.reshape(x, (-1, self.embedding_size))
        logits = tf.matmul(flat, matrix, transpose_b=True)
        logits = tf.reshape(logits, tf.concat([tf.shape(x)[:-1], [self.vocab_size]], axis=0))
        return _float32(logits) + _float32(self.bias)


class AlbertSOPHead(keras.layers.Layer):
    """Sentence-order prediction: dropout and a linear ``classifier`` on the pooled output."""

    def __init__(self, config: AlbertConfig, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        dtype = self.dtype_policy
        self.hidden_size = config.hidden_size
        self.dropout = keras.layers.Dropout(mu.classifier_dropout(config), dtype=dtype)
        self.classifier = _dense(config.num_labels, config, "classifier", dtype)

    def build(self, input_shape: Any = None) -> None:
        """Create the classifier."""
        self.classifier.build((None, self.hidden_size))

    def call(self, pooled_output: tf.Tensor, training: bool = False) -> tf.Tensor:
        """``(batch, H)`` -> ``(batch, num_labels)`` float32 scores."""
        return _float32(self.classifier(self.dropout(pooled_output, training=training)))


# ============================================================================ base class
def _check_tied(config: AlbertConfig) -> None:
    if not config.tie_word_embeddings:
        raise ValueError(
            "tie_word_embeddings=False is not supported: albert_tf's MLM decoder is always the "
            "word-embedding matrix"
        )


def _as_tensor(value: Any) -> tf.Tensor | None:
    if value is None or isinstance(value, (tf.Tensor, tf.Variable)):
        return value
    if isinstance(value, keras.KerasTensor):  # pragma: no cover - symbolic use
        return value
    return tf.convert_to_tensor(value)


def _lists_to_arrays(value: Any) -> Any:
    # Keras refuses positional arguments that are not arrays or tensors.
    if isinstance(value, list):
        return np.asarray(value)
    if isinstance(value, Mapping):
        return {k: np.asarray(v) if isinstance(v, list) else v for k, v in value.items()}
    return value


class TFAlbertPreTrainedModel(keras.Model):
    """Shared behaviour of every ALBERT Keras model: inputs, losses, loading, saving, export.

    Subclasses set :attr:`head` (a key of :data:`albert_core.schema.HEADS`),
    :attr:`label_names` and :attr:`output_class`. Every variable is created in the
    constructor (the model is built), so weights can be loaded before the first call.

    Args:
        config: the model hyper-parameters.
        dtype: a Keras dtype policy for every layer (e.g. ``"mixed_bfloat16"``); by default
            the global policy (``keras.mixed_precision.set_global_policy``).
        **kwargs: passed to ``keras.Model`` (``name``, ``trainable``).

    Calling the model: features may be keyword arguments, one dict (``model(batch)``; the
    dict may also hold the labels, as a ``tf.data`` pipeline for ``fit`` yields them), or
    numpy arrays / tensors / lists. Outputs are :class:`ModelOutput` dicts.

    Training with ``fit``: without a compiled ``loss`` the model's own loss is used: from the
    labels inside the feature dict, or from ``y`` when the dataset yields ``(features,
    labels)``. With ``compile(loss=...)`` Keras' loss is applied to the logits (for
    question answering to ``(start_logits, end_logits)``) and compiled metrics see the same.
    """

    #: Schema head name of the class.
    head: ClassVar[str] = "model"
    #: Label inputs of ``call`` (all of them are needed for the loss).
    label_names: ClassVar[tuple[str, ...]] = ()
    #: The :class:`ModelOutput` subclass ``call`` returns.
    output_class: ClassVar[type[ModelOutput]] = BaseModelOutputWithPooling
    #: Output fields that a compiled Keras loss and compiled metrics receive.
    logits_fields: ClassVar[tuple[str, ...]] = ("logits",)
    #: Attribute holding the :class:`AlbertMainLayer`.
    base_model_prefix: ClassVar[str] = "albert"
    #: Name of the main input of ``call``.
    main_input_name: ClassVar[str] = "input_ids"
    #: Whether the backbone has a pooler.
    add_pooling_layer: ClassVar[bool] = True

    def __init__(self, config: AlbertConfig, *, dtype: Any = None, **kwargs: Any) -> None:
        if not isinstance(config, AlbertConfig):
            raise TypeError(f"config must be an AlbertConfig, got {type(config).__name__}")
        # transformers' TF scope name, fixed: Keras would add _1, _2 ... per process.
        kwargs.setdefault("name", schema.head_spec(self.head).keras_scope)
        super().__init__(dtype=dtype, **kwargs)
        self.config = config
        #: What :meth:`from_pretrained` matched; None for a model built from a config.
        self.loading_report: LoadReport | None = None
        self.albert = AlbertMainLayer(
            config,
            add_pooling_layer=self.add_pooling_layer,
            name="albert",
            dtype=self.dtype_policy,
        )
        self._make_head()
        self.build()

    def _make_head(self) -> None:
        """Create the task head's layers (none for the bare model)."""

    def _build_head(self) -> None:
        """Create the task head's variables (none for the bare model)."""

    def build(self, input_shape: Any = None) -> None:
        """Create every variable (called by the constructor; ``input_shape`` is ignored)."""
        self.albert.build()
        self._build_head()

    # ----------------------------------------------------------------- inputs
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the model (see :meth:`call`); Python lists are accepted as arrays too."""
        if args:
            args = (_lists_to_arrays(args[0]), *args[1:])
        return super().__call__(*args, **kwargs)

    def _unpack_inputs(self, input_ids: Any, **named: Any) -> dict[str, tf.Tensor | None]:
        """Merge a feature dict given as the first argument with keyword arguments.

        Returns every name of :data:`FEATURE_NAMES` and :attr:`label_names` (None when
        absent) as tensors.
        """
        allowed = FEATURE_NAMES + self.label_names
        values = dict(named)
        if isinstance(input_ids, Mapping):
            unknown = sorted(set(input_ids) - set(allowed))
            if unknown:
                raise ValueError(
                    f"{type(self).__name__} got unknown inputs {unknown}; it accepts "
                    f"{list(allowed)}"
                )
            for key, value in input_ids.items():
                if value is None:
                    continue
                if values.get(key) is not None:
                    raise ValueError(f"{key} was given twice: in the input dict and as an argument")
                values[key] = value
        else:
            values["input_ids"] = input_ids
        return {name: _as_tensor(values.get(name)) for name in allowed}

    @staticmethod
    def _features(inputs: Mapping[str, Any]) -> dict[str, Any]:
        return {name: inputs[name] for name in FEATURE_NAMES}

    def _finish(self, return_dict: bool | None, **fields: Any) -> Any:
        output = self.output_class.make(**fields)
        return output if return_dict is None or return_dict else output.to_tuple()

    # ------------------------------------------------------------------- loss
    def head_loss(self, labels: Mapping[str, tf.Tensor], outputs: Mapping[str, Any]) -> tf.Tensor:
        """The model's own loss from ``labels`` (every name of :attr:`label_names`) and the
        outputs of a call."""
        raise NotImplementedError(f"{type(self).__name__} has no loss of its own")

    def _loss_if_labelled(
        self, inputs: Mapping[str, Any], outputs: Mapping[str, Any]
    ) -> tf.Tensor | None:
        labels = {name: inputs[name] for name in self.label_names}
        if not labels or any(value is None for value in labels.values()):
            return None
        return self.head_loss(labels, outputs)

    def _labels_from_y(self, y: Any) -> dict[str, Any]:
        names = self.label_names
        if isinstance(y, Mapping):
            labels = dict(y)
        elif isinstance(y, (tuple, list)) and len(names) > 1:
            labels = dict(zip(names, y, strict=False))
        else:
            labels = {names[0]: y} if names else {}
        missing = [name for name in names if labels.get(name) is None]
        if missing or not names:
            raise ValueError(
                f"{type(self).__name__} computes its loss from {list(names)}; got labels "
                f"{sorted(labels)} (pass them in the feature dict or as y, or compile with a "
                f"Keras loss)"
            )
        return {name: _as_tensor(labels[name]) for name in names}

    def _logits(self, y_pred: Any) -> Any:
        if not isinstance(y_pred, Mapping):
            return y_pred
        values = tuple(y_pred[name] for name in self.logits_fields)
        return values[0] if len(values) == 1 else values

    def compute_loss(
        self,
        x: Any = None,
        y: Any = None,
        y_pred: Any = None,
        sample_weight: Any = None,
        training: bool = True,
    ) -> tf.Tensor:
        """The loss ``fit``/``evaluate`` minimise.

        With a compiled Keras loss: that loss on the logits (see :attr:`logits_fields`).
        Otherwise the model's own loss: ``y_pred["loss"]`` when the labels came inside the
        features, else computed from ``y``. Sample weights apply to compiled losses only.
        Under a ``tf.distribute`` strategy each replica's loss (the mean over its share of
        the batch) is divided by the number of replicas, since Keras sums their gradients.
        """
        if getattr(self, "_compile_loss", None) is not None:
            y = self._labels_in(x) if y is None else y
            return super().compute_loss(x, y, self._logits(y_pred), sample_weight, training)
        loss = y_pred.get("loss") if isinstance(y_pred, Mapping) else None
        if loss is None:
            if y is None:
                raise ValueError(
                    f"{type(self).__name__}: no labels to compute a loss from; put "
                    f"{list(self.label_names)} in the feature dict, pass y, or compile with a "
                    f"Keras loss"
                )
            loss = self.head_loss(self._labels_from_y(y), y_pred)
        for extra in self.losses:
            loss = loss + tf.cast(tf.reduce_sum(extra), loss.dtype)
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        if replicas > 1:
            loss = loss / replicas
        return loss

    def compute_metrics(
        self, x: Any, y: Any, y_pred: Any, sample_weight: Any = None
    ) -> dict[str, Any]:
        """Update compiled metrics with the logits and the labels (``y``, or the labels in
        the feature dict)."""
        y = self._labels_in(x) if y is None else y
        return super().compute_metrics(x, y, self._logits(y_pred), sample_weight)

    def _labels_in(self, x: Any) -> Any:
        """The labels inside a feature dict, shaped like ``y`` (None when absent)."""
        if not isinstance(x, Mapping):
            return None
        labels = [x.get(name) for name in self.label_names]
        if not labels or any(label is None for label in labels):
            return None
        return labels[0] if len(labels) == 1 else tuple(labels)

    # ---------------------------------------------------------------- weights
    def get_input_embeddings(self) -> AlbertEmbeddingTable:
        """The word embedding table layer (its variable is ``.table``)."""
        return self.albert.embeddings.word_embeddings

    # --------------------------------------------------------------- keras io
    def get_config(self) -> dict[str, Any]:
        """Keras config: the :class:`AlbertConfig` as a dict, plus name and trainable."""
        return {
            "name": self.name,
            "trainable": self.trainable,
            "dtype": keras.dtype_policies.serialize(self.dtype_policy),
            "config": self.config.to_dict(),
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> TFAlbertPreTrainedModel:
        """Inverse of :meth:`get_config`."""
        config = dict(config)
        albert_config = AlbertConfig.from_dict(config.pop("config"))
        dtype = config.pop("dtype", None)
        if isinstance(dtype, dict):
            dtype = keras.dtype_policies.deserialize(dtype)
        return cls(albert_config, dtype=dtype, **config)

    def serving_signature(self) -> list[tf.TensorSpec]:
        """The ``input_ids``, ``attention_mask`` and ``token_type_ids`` specs of
        :meth:`export` (int32, any batch size and length)."""
        shape = [None, None, None] if self.head == "multiple-choice" else [None, None]
        return [
            tf.TensorSpec(shape, tf.int32, name=name)
            for name in ("input_ids", "attention_mask", "token_type_ids")
        ]

    def export(
        self,
        filepath: str | os.PathLike[str],
        format: str = "tf_saved_model",
        verbose: bool | None = None,
        input_signature: Any = None,
        **kwargs: Any,
    ) -> None:
        """Export a SavedModel whose ``serve`` endpoint (the ``serving_default`` signature)
        takes ``input_ids``, ``attention_mask`` and ``token_type_ids`` (int32) and returns
        the output fields as a dict of tensors.

        With another ``format`` or an explicit ``input_signature`` this is Keras'
        ``Model.export``. Reload with ``tf.saved_model.load(filepath)``: the artifact needs
        neither albert nor Keras.
        """
        if format != "tf_saved_model" or input_signature is not None:
            return super().export(
                filepath,
                format=format,
                verbose=verbose,
                input_signature=input_signature,
                **kwargs,
            )
        archive = keras.export.ExportArchive()
        archive.track(self)

        def serve(input_ids, attention_mask, token_type_ids):
            outputs = self(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=token_type_ids,
                training=False,
            )
            return dict(outputs)

        archive.add_endpoint("serve", serve, input_signature=self.serving_signature())
        archive.write_out(os.fspath(filepath), verbose=bool(verbose))
        return None

    # --------------------------------------------------------------- load/save
    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str | os.PathLike[str],
        *,
        revision: str | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        strict: bool = True,
        config: AlbertConfig | None = None,
        fmt: str | None = None,
        dtype: Any = None,
        output_loading_info: bool = False,
        **config_overrides: Any,
    ) -> Any:
        """Load a model from a local directory or a hub id.

        Any of ``model.safetensors``, ``pytorch_model.bin`` (needs torch), ``tf_model.h5``
        and ``flax_model.msgpack`` (needs flax) is read through
        :func:`albert_core.checkpoints.load_pretrained` (``fmt`` picks one) and matched
        against this class's schema; the MLM decoder bias is ``predictions.bias`` whatever
        the file. With ``strict=True`` any missing or unexpected tensor raises
        :class:`albert_core.WeightsMismatchError` naming them all; with ``strict=False``
        missing ones warn and stay randomly initialised.

        Args:
            name_or_path: a directory or a hub id (``albert/albert-base-v2``).
            revision: hub revision (branch, tag or commit).
            cache_dir: where hub downloads are cached (default: huggingface_hub's cache).
            strict: see above.
            config: use this config instead of the checkpoint's.
            fmt: checkpoint format when the directory holds several (``"safetensors"``,
                ``"pytorch"``, ``"tf"``, ``"flax"``).
            dtype: Keras dtype policy of the model (``"mixed_bfloat16"``, ...).
            output_loading_info: also return ``{"missing_keys", "unexpected_keys",
                "mismatched_keys", "error_msgs"}`` as transformers does.
            **config_overrides: config fields to change (``num_labels=5``, ...).

        Returns:
            The model (and the loading info when asked); the
            :class:`albert_core.LoadReport` is kept as ``model.loading_report``.
        """
        from albert_tf import weights

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
        model = cls(loaded.config, dtype=dtype)
        weights.load_arrays(model, loaded.arrays)
        model.loading_report = loaded.report
        if output_loading_info:
            return model, loaded.report.loading_info()
        return model

    def save_pretrained(
        self,
        directory: str | os.PathLike[str],
        formats: Sequence[str] = ("tf",),
        *,
        overwrite: bool = True,
        **options: Any,
    ) -> list[Path]:
        """Write ``config.json`` and the weights in each of ``formats`` into ``directory``.

        The default ``"tf"`` writes ``tf_model.h5`` as transformers' TF classes do (so
        ``transformers.TFAlbert*.from_pretrained`` loads it); add ``"safetensors"`` (or
        ``"pytorch"``, ``"flax"``) for the other formats. Returns the written paths;
        ``overwrite=False`` refuses to replace existing files.
        """
        from albert_tf import weights

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


class TFAlbertModel(TFAlbertPreTrainedModel):
    """The bare ALBERT encoder with the tanh pooler: ``last_hidden_state``, ``pooler_output``."""

    head = "model"
    output_class = BaseModelOutputWithPooling
    logits_fields = ("last_hidden_state",)

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
        inputs = self._unpack_inputs(
            input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids,
            position_ids=position_ids, head_mask=head_mask, inputs_embeds=inputs_embeds,
        )  # fmt: skip
        outputs = self.albert(
            inputs,
            output_attentions=bool(output_attentions),
            output_hidden_states=bool(output_hidden_states),
            training=training,
        )
        return self._finish(return_dict, **outputs)


class TFAlbertForPreTraining(TFAlbertPreTrainedModel):
    """ALBERT with the masked-LM and sentence-order-prediction heads used in pre-training."""

    head = "pretraining"
    label_names = ("labels", "sentence_order_label")
    output_class = AlbertForPreTrainingOutput
    logits_fields = ("prediction_logits", "sop_logits")

    def _make_head(self) -> None:
        _check_tied(self.config)
        self.predictions = AlbertMLMHead(self.config, name="predictions", dtype=self.dtype_policy)
        self.sop_classifier = AlbertSOPHead(
            self.config, name="sop_classifier", dtype=self.dtype_policy
        )

    def _build_head(self) -> None:
        self.predictions.build()
        self.sop_classifier.build()

    def head_loss(self, labels: Mapping[str, tf.Tensor], outputs: Mapping[str, Any]) -> tf.Tensor:
        """Mean masked-LM cross-entropy (-100 ignored) plus sentence-order cross-entropy."""
        mlm = masked_cross_entropy(labels["labels"], outputs["prediction_logits"])
        sop = masked_cross_entropy(labels["sentence_order_label"], outputs["sop_logits"])
        return mlm + sop

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
        inputs = self._unpack_inputs(
            input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids,
            position_ids=position_ids, head_mask=head_mask, inputs_embeds=inputs_embeds,
            labels=labels, sentence_order_label=sentence_order_label,
        )  # fmt: skip
        outputs = self.albert(
            self._features(inputs),
            output_attentions=bool(output_attentions),
            output_hidden_states=bool(output_hidden_states),
            training=training,
        )
        fields = {
            "prediction_logits": self.predictions(
                outputs["last_hidden_state"], self.get_input_embeddings().table
            ),
            "sop_logits": self.sop_classifier(outputs["pooler_output"], training=training),
            "hidden_states": outputs.get("hidden_states"),
            "attentions": outputs.get("attentions"),
        }
        loss = self._loss_if_labelled(inputs, fields)
        return self._finish(return_dict, loss=loss, **fields)


class TFAlbertForMaskedLM(TFAlbertPreTrainedModel):
    """ALBERT with the masked-LM head (no pooler); the decoder is tied to the word
    embeddings and its bias is ``predictions.bias``."""

    head = "masked-lm"
    label_names = ("labels",)
    output_class = MaskedLMOutput
    add_pooling_layer = False

    def _make_head(self) -> None:
        _check_tied(self.config)
        self.predictions = AlbertMLMHead(self.config, name="predictions", dtype=self.dtype_policy)

    def _build_head(self) -> None:
        self.predictions.build()

    def head_loss(self, labels: Mapping[str, tf.Tensor], outputs: Mapping[str, Any]) -> tf.Tensor:
        """Mean cross-entropy over the positions whose label is not -100."""
        return masked_cross_entropy(labels["labels"], outputs["logits"])

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
        inputs = self._unpack_inputs(
            input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids,
            position_ids=position_ids, head_mask=head_mask, inputs_embeds=inputs_embeds,
            labels=labels,
        )  # fmt: skip
        outputs = self.albert(
            self._features(inputs),
            output_attentions=bool(output_attentions),
            output_hidden_states=bool(output_hidden_states),
            training=training,
        )
        fields = {
            "logits": self.predictions(
                outputs["last_hidden_state"], self.get_input_embeddings().table
            ),
            "hidden_states": outputs.get("hidden_states"),
            "attentions": outputs.get("attentions"),
        }
        loss = self._loss_if_labelled(inputs, fields)
        return self._finish(return_dict, loss=loss, **fields)


class TFAlbertForSequenceClassification(TFAlbertPreTrainedModel):
    """ALBERT with dropout and a linear classifier (or regressor) on the pooled output."""

    head = "sequence-classification"
    label_names = ("labels",)
    output_class = SequenceClassifierOutput

    def _make_head(self) -> None:
        dtype = self.dtype_policy
        self.dropout = keras.layers.Dropout(mu.classifier_dropout(self.config), dtype=dtype)
        self.classifier = _dense(self.config.num_labels, self.config, "classifier", dtype)

    def _build_head(self) -> None:
        self.classifier.build((None, self.config.hidden_size))

    def head_loss(self, labels: Mapping[str, tf.Tensor], outputs: Mapping[str, Any]) -> tf.Tensor:
        """MSE (regression), cross-entropy (integer labels) or binary cross-entropy
        (multi-hot float labels); ``config.problem_type`` decides when set."""
        return sequence_classification_loss(
            labels["labels"], outputs["logits"], self.config.problem_type, self.config.num_labels
        )

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
                floats (multi-label); see :func:`sequence_classification_loss`.
        """
        inputs = self._unpack_inputs(
            input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids,
            position_ids=position_ids, head_mask=head_mask, inputs_embeds=inputs_embeds,
            labels=labels,
        )  # fmt: skip
        outputs = self.albert(
            self._features(inputs),
            output_attentions=bool(output_attentions),
            output_hidden_states=bool(output_hidden_states),
            training=training,
        )
        pooled = self.dropout(outputs["pooler_output"], training=training)
        fields = {
            "logits": _float32(self.classifier(pooled)),
            "hidden_states": outputs.get("hidden_states"),
            "attentions": outputs.get("attentions"),
        }
        loss = self._loss_if_labelled(inputs, fields)
        return self._finish(return_dict, loss=loss, **fields)


class TFAlbertForTokenClassification(TFAlbertPreTrainedModel):
    """ALBERT with dropout and a linear classifier on every token (no pooler)."""

    head = "token-classification"
    label_names = ("labels",)
    output_class = TokenClassifierOutput
    add_pooling_layer = False

    def _make_head(self) -> None:
        dtype = self.dtype_policy
        self.dropout = keras.layers.Dropout(mu.classifier_dropout(self.config), dtype=dtype)
        self.classifier = _dense(self.config.num_labels, self.config, "classifier", dtype)

    def _build_head(self) -> None:
        self.classifier.build((None, None, self.config.hidden_size))

    def head_loss(self, labels: Mapping[str, tf.Tensor], outputs: Mapping[str, Any]) -> tf.Tensor:
        """Mean cross-entropy over the tokens whose label is not -100."""
        return masked_cross_entropy(labels["labels"], outputs["logits"])

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
        inputs = self._unpack_inputs(
            input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids,
            position_ids=position_ids, head_mask=head_mask, inputs_embeds=inputs_embeds,
            labels=labels,
        )  # fmt: skip
        outputs = self.albert(
            self._features(inputs),
            output_attentions=bool(output_attentions),
            output_hidden_states=bool(output_hidden_states),
            training=training,
        )
        sequence = self.dropout(outputs["last_hidden_state"], training=training)
        fields = {
            "logits": _float32(self.classifier(sequence)),
            "hidden_states": outputs.get("hidden_states"),
            "attentions": outputs.get("attentions"),
        }
        loss = self._loss_if_labelled(inputs, fields)
        return self._finish(return_dict, loss=loss, **fields)


class TFAlbertForQuestionAnswering(TFAlbertPreTrainedModel):
    """ALBERT with a linear layer giving span start and end scores per token (no pooler).

    ``config.num_labels`` must be 2 (start, end).
    """

    head = "question-answering"
    label_names = ("start_positions", "end_positions")
    output_class = QuestionAnsweringModelOutput
    logits_fields = ("start_logits", "end_logits")
    add_pooling_layer = False

    def __init__(self, config: AlbertConfig, *, dtype: Any = None, **kwargs: Any) -> None:
        if isinstance(config, AlbertConfig) and config.num_labels != 2:
            raise ValueError(
                f"TFAlbertForQuestionAnswering needs num_labels=2 (start and end scores), got "
                f"num_labels={config.num_labels}"
            )
        super().__init__(config, dtype=dtype, **kwargs)

    def _make_head(self) -> None:
        self.qa_outputs = _dense(
            self.config.num_labels, self.config, "qa_outputs", self.dtype_policy
        )

    def _build_head(self) -> None:
        self.qa_outputs.build((None, None, self.config.hidden_size))

    def head_loss(self, labels: Mapping[str, tf.Tensor], outputs: Mapping[str, Any]) -> tf.Tensor:
        """Mean of the start and end cross-entropies; see :func:`span_loss`."""
        return span_loss(
            labels["start_positions"],
            labels["end_positions"],
            outputs["start_logits"],
            outputs["end_logits"],
        )

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
        inputs = self._unpack_inputs(
            input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids,
            position_ids=position_ids, head_mask=head_mask, inputs_embeds=inputs_embeds,
            start_positions=start_positions, end_positions=end_positions,
        )  # fmt: skip
        outputs = self.albert(
            self._features(inputs),
            output_attentions=bool(output_attentions),
            output_hidden_states=bool(output_hidden_states),
            training=training,
        )
        logits = _float32(self.qa_outputs(outputs["last_hidden_state"]))
        fields = {
            "start_logits": logits[..., 0],
            "end_logits": logits[..., 1],
            "hidden_states": outputs.get("hidden_states"),
            "attentions": outputs.get("attentions"),
        }
        loss = self._loss_if_labelled(inputs, fields)
        return self._finish(return_dict, loss=loss, **fields)


class TFAlbertForMultipleChoice(TFAlbertPreTrainedModel):
    """ALBERT scoring each choice with a linear layer on its pooled output.

    Inputs are ``(batch, num_choices, seq)``; the choices are encoded as one batch of
    ``batch * num_choices`` sequences.
    """

    head = "multiple-choice"
    label_names = ("labels",)
    output_class = MultipleChoiceModelOutput

    def _make_head(self) -> None:
        dtype = self.dtype_policy
        self.dropout = keras.layers.Dropout(mu.classifier_dropout(self.config), dtype=dtype)
        self.classifier = _dense(1, self.config, "classifier", dtype)

    def _build_head(self) -> None:
        self.classifier.build((None, self.config.hidden_size))

    def head_loss(self, labels: Mapping[str, tf.Tensor], outputs: Mapping[str, Any]) -> tf.Tensor:
        """Cross-entropy over the choices."""
        return masked_cross_entropy(labels["labels"], outputs["logits"])

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
        inputs = self._unpack_inputs(
            input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids,
            position_ids=position_ids, head_mask=head_mask, inputs_embeds=inputs_embeds,
            labels=labels,
        )  # fmt: skip
        features = self._features(inputs)
        ids, embeds = features["input_ids"], features["inputs_embeds"]
        mu.check_inputs_given(ids is not None, embeds is not None)
        if ids is not None:
            main, name, rank = ids, "input_ids", 3
        else:
            main, name, rank = embeds, "inputs_embeds", 4
        if main.shape.rank != rank:
            extra = ", embedding_size" if rank == 4 else ""
            raise ValueError(
                f"{name} must be (batch, num_choices, seq{extra}), got shape {main.shape}"
            )
        num_choices = tf.shape(main)[1]
        for key in ("input_ids", "attention_mask", "token_type_ids", "position_ids"):
            if features[key] is not None:
                features[key] = tf.reshape(features[key], [-1, tf.shape(features[key])[-1]])
        if embeds is not None:
            shape = tf.shape(embeds)
            features["inputs_embeds"] = tf.reshape(embeds, [-1, shape[2], shape[3]])
            features["inputs_embeds"].set_shape([None, embeds.shape[2], embeds.shape[3]])
        outputs = self.albert(
            features,
            output_attentions=bool(output_attentions),
            output_hidden_states=bool(output_hidden_states),
            training=training,
        )
        pooled = self.dropout(outputs["pooler_output"], training=training)
        logits = tf.reshape(_float32(self.classifier(pooled)), [-1, num_choices])
        fields = {
            "logits": logits,
            "hidden_states": outputs.get("hidden_states"),
            "attentions": outputs.get("attentions"),
        }
        loss = self._loss_if_labelled(inputs, fields)
        return self._finish(return_dict, loss=loss, **fields)


for _cls in (
    TFAlbertModel,
    TFAlbertForPreTraining,
    TFAlbertForMaskedLM,
    TFAlbertForSequenceClassification,
    TFAlbertForTokenClassification,
    TFAlbertForQuestionAnswering,
    TFAlbertForMultipleChoice,
):
    _cls.call.__doc__ = _cls.call.__doc__.replace("{args}", _CALL_ARGS_DOC.strip())
    keras.saving.register_keras_serializable(package="albert")(_cls)

#: Schema head name -> model class.
MODEL_CLASSES: dict[str, type[TFAlbertPreTrainedModel]] = {
    cls.head: cls
    for cls in (
        TFAlbertModel,
        TFAlbertForPreTraining,
        TFAlbertForMaskedLM,
        TFAlbertForSequenceClassification,
        TFAlbertForTokenClassification,
        TFAlbertForQuestionAnswering,
        TFAlbertForMultipleChoice,
    )
}
