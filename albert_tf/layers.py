"""The ALBERT layers in Keras 3, read top to bottom like the paper (Lan et al., 2019).

1. factorized embeddings: word + position + token type of width ``E``, LayerNorm, dropout;
2. a projection ``E -> H`` followed by ``num_hidden_layers`` applications of
   ``num_hidden_groups`` parameter-shared groups, each of ``inner_group_num`` post-LN
   transformer layers (application ``i`` uses group ``config.group_of_layer(i)``);
3. a tanh pooler on the first token (:class:`AlbertMainLayer` holds 1-3), and the layers
   the heads add: the masked-LM head (its decoder tied to the word embeddings unless
   ``tie_word_embeddings=False``) and sentence-order prediction.

Layers are named so that every variable's path below the model scope is the Keras name
:func:`albert_core.schema.keras_weight_name` gives its canonical tensor
(``albert/encoder/albert_layer_groups_._0/albert_layers_._0/attention/query/kernel``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from albert_core import modeling_utils as mu
from albert_core.config import AlbertConfig
from albert_tf.activations import get_activation
from albert_tf.outputs import BaseModelOutputWithPooling

#: The tensor inputs every model accepts (besides its labels).
FEATURE_NAMES = (
    "input_ids",
    "attention_mask",
    "token_type_ids",
    "position_ids",
    "head_mask",
    "inputs_embeds",
)


def float32(x: tf.Tensor) -> tf.Tensor:
    """``x`` cast to float32 (scores and losses are float32 whatever the compute dtype)."""
    return tf.cast(x, tf.float32)


def _initializer(config: AlbertConfig) -> keras.initializers.Initializer:
    return keras.initializers.TruncatedNormal(stddev=config.initializer_range)


def dense_layer(
    units: int, config: AlbertConfig, name: str, dtype: Any, **kwargs: Any
) -> keras.layers.Dense:
    """A ``Dense`` layer called ``name`` with ALBERT's truncated-normal kernel initializer."""
    return keras.layers.Dense(
        units, kernel_initializer=_initializer(config), name=name, dtype=dtype, **kwargs
    )


def layer_norm(config: AlbertConfig, name: str, dtype: Any) -> keras.layers.LayerNormalization:
    """A ``LayerNormalization`` called ``name`` with ``config.layer_norm_eps``."""
    return keras.layers.LayerNormalization(
        axis=-1, epsilon=config.layer_norm_eps, name=name, dtype=dtype
    )


class AlbertLayerBase(keras.layers.Layer):
    """A layer of the network: it keeps the config and makes its sub-layers in its dtype policy."""

    def __init__(self, config: AlbertConfig, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.config = config

    def make_dense(self, units: int, name: str, **kwargs: Any) -> keras.layers.Dense:
        """A :func:`dense_layer` called ``name``, in this layer's dtype policy."""
        return dense_layer(units, self.config, name, self.dtype_policy, **kwargs)

    def make_layer_norm(self, name: str) -> keras.layers.LayerNormalization:
        """A :func:`layer_norm` called ``name``, in this layer's dtype policy."""
        return layer_norm(self.config, name, self.dtype_policy)

    def make_dropout(self, rate: float) -> keras.layers.Dropout:
        """A ``Dropout`` of ``rate``, in this layer's dtype policy."""
        return keras.layers.Dropout(rate, dtype=self.dtype_policy)


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


class AlbertEmbeddings(AlbertLayerBase):
    """Word + position + token-type embeddings of width ``embedding_size``, LayerNorm, dropout.

    Missing ``position_ids`` default to ``0..seq-1`` and missing ``token_type_ids`` to zeros.
    """

    def __init__(self, config: AlbertConfig, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        e, init, dtype = config.embedding_size, _initializer(config), self.dtype_policy
        self.word_embeddings = AlbertEmbeddingTable(
            config.vocab_size, e, init, "weight", name="word_embeddings", dtype=dtype
        )
        self.token_type_embeddings = AlbertEmbeddingTable(
            config.type_vocab_size, e, init, name="token_type_embeddings", dtype=dtype
        )
        self.position_embeddings = AlbertEmbeddingTable(
            config.max_position_embeddings, e, init, name="position_embeddings", dtype=dtype
        )
        self.LayerNorm = self.make_layer_norm("LayerNorm")
        self.dropout = self.make_dropout(config.hidden_dropout_prob)

    def build(self, input_shape: Any = None) -> None:
        """Create the three tables and the LayerNorm."""
        self.word_embeddings.build()
        self.token_type_embeddings.build()
        self.position_embeddings.build()
        self.LayerNorm.build((None, None, self.config.embedding_size))

    def call(
        self, input_ids: tf.Tensor | None = None, token_type_ids: tf.Tensor | None = None,
        position_ids: tf.Tensor | None = None, inputs_embeds: tf.Tensor | None = None,
        training: bool = False,
    ) -> tf.Tensor:  # fmt: skip
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


class AlbertAttention(AlbertLayerBase):
    """Multi-head self-attention with output projection, dropout, residual and LayerNorm.

    The softmax runs in float32 whatever the compute dtype.
    """

    def __init__(self, config: AlbertConfig, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        h = config.hidden_size
        self.query = self.make_dense(h, "query")
        self.key = self.make_dense(h, "key")
        self.value = self.make_dense(h, "value")
        self.dense = self.make_dense(h, "dense")
        self.LayerNorm = self.make_layer_norm("LayerNorm")
        self.attention_dropout = self.make_dropout(config.attention_probs_dropout_prob)
        self.output_dropout = self.make_dropout(config.hidden_dropout_prob)

    def build(self, input_shape: Any = None) -> None:
        """Create the four projections and the LayerNorm."""
        for layer in (self.query, self.key, self.value, self.dense, self.LayerNorm):
            layer.build((None, None, self.config.hidden_size))

    def _split_heads(self, x: tf.Tensor, batch: tf.Tensor, seq: tf.Tensor) -> tf.Tensor:
        x = tf.reshape(x, [batch, seq, self.config.num_attention_heads, self.config.head_dim])
        return tf.transpose(x, [0, 2, 1, 3])

    def call(
        self, hidden_states: tf.Tensor, attention_mask: tf.Tensor | None = None,
        head_mask: tf.Tensor | None = None, training: bool = False,
    ) -> tuple[tf.Tensor, tf.Tensor]:  # fmt: skip
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
        scores = float32(scores) / float(np.sqrt(self.config.head_dim))
        if attention_mask is not None:
            scores = scores + float32(attention_mask)  # Keras may have autocast it
        probs = tf.cast(tf.nn.softmax(scores, axis=-1), self.compute_dtype)
        probs = self.attention_dropout(probs, training=training)
        if head_mask is not None:
            probs = probs * tf.cast(head_mask, probs.dtype)
        context = tf.matmul(probs, value)
        context = tf.transpose(context, [0, 2, 1, 3])
        context = tf.reshape(context, [batch, seq, self.config.hidden_size])
        projected = self.output_dropout(self.dense(context), training=training)
        return self.LayerNorm(hidden_states + projected), probs


class AlbertLayer(AlbertLayerBase):
    """One post-LN transformer layer: attention block, then feed-forward block.

    The feed-forward output passes through dropout before the residual, as in the original
    ALBERT and in albert's PyTorch backend.
    """

    def __init__(self, config: AlbertConfig, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        self.attention = AlbertAttention(config, name="attention", dtype=self.dtype_policy)
        self.ffn = self.make_dense(config.intermediate_size, "ffn")
        self.ffn_output = self.make_dense(config.hidden_size, "ffn_output")
        self.full_layer_layer_norm = self.make_layer_norm("full_layer_layer_norm")
        self.activation = get_activation(config.hidden_act)
        self.dropout = self.make_dropout(config.hidden_dropout_prob)

    def build(self, input_shape: Any = None) -> None:
        """Create the attention block, the feed-forward block and the final LayerNorm."""
        h = self.config.hidden_size
        self.attention.build()
        self.ffn.build((None, None, h))
        self.ffn_output.build((None, None, self.config.intermediate_size))
        self.full_layer_layer_norm.build((None, None, h))

    def call(
        self, hidden_states: tf.Tensor, attention_mask: tf.Tensor | None = None,
        head_mask: tf.Tensor | None = None, training: bool = False,
    ) -> tuple[tf.Tensor, tf.Tensor]:  # fmt: skip
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
        self, hidden_states: tf.Tensor, attention_mask: tf.Tensor | None = None,
        head_mask: tf.Tensor | None = None, training: bool = False,
    ) -> tuple[tf.Tensor, list[tf.Tensor]]:  # fmt: skip
        """Run every inner layer (all with ``head_mask``); return the output and the list of
        attention probabilities."""
        attentions = []
        for layer in self.albert_layers:
            hidden_states, probs = layer(
                hidden_states, attention_mask, head_mask, training=training
            )
            attentions.append(probs)
        return hidden_states, attentions


class AlbertTransformer(AlbertLayerBase):
    """The ``E -> H`` projection and ``num_hidden_layers`` applications of the shared groups."""

    def __init__(self, config: AlbertConfig, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        self.layer_groups = config.layer_groups()
        self.embedding_hidden_mapping_in = self.make_dense(
            config.hidden_size, "embedding_hidden_mapping_in"
        )
        self.albert_layer_groups = [
            AlbertLayerGroup(config, name=f"albert_layer_groups_._{g}", dtype=self.dtype_policy)
            for g in range(config.num_hidden_groups)
        ]

    def build(self, input_shape: Any = None) -> None:
        """Create the projection and every group."""
        self.embedding_hidden_mapping_in.build((None, None, self.config.embedding_size))
        for group in self.albert_layer_groups:
            group.build()

    def call(
        self, embeddings: tf.Tensor, attention_mask: tf.Tensor | None = None,
        head_mask: tf.Tensor | None = None, training: bool = False,
    ) -> tuple[tf.Tensor, list[tf.Tensor], list[tf.Tensor]]:  # fmt: skip
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


class AlbertMainLayer(AlbertLayerBase):
    """The ALBERT encoder: embeddings, shared layer groups and (optionally) the tanh pooler.

    Every model keeps one under the name ``albert``. Its :meth:`call` checks the inputs
    (see :meth:`TFAlbertModel.call`) and returns a :class:`BaseModelOutputWithPooling`.
    """

    def __init__(self, config: AlbertConfig, add_pooling_layer: bool = True, **kwargs: Any):
        super().__init__(config, **kwargs)
        dtype = self.dtype_policy
        self.embeddings = AlbertEmbeddings(config, name="embeddings", dtype=dtype)
        self.encoder = AlbertTransformer(config, name="encoder", dtype=dtype)
        self.pooler = None
        if add_pooling_layer:
            self.pooler = self.make_dense(config.hidden_size, "pooler", activation="tanh")

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
            mask = float32(attention_mask)[:, tf.newaxis, tf.newaxis, :]
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


class AlbertMLMHead(AlbertLayerBase):
    """Masked-LM head: dense ``H -> E``, activation, LayerNorm, then the decoder.

    The decoder multiplies by the word-embedding matrix it is given (the tie) and adds this
    layer's ``bias``, which is both ``predictions.bias`` and ``predictions.decoder.bias``.
    With ``tie_word_embeddings=False`` it multiplies by its own ``decoder`` kernel instead
    (``predictions/decoder/kernel``, ``(E, vocab_size)``), as PyTorch and Flax do.
    """

    def __init__(self, config: AlbertConfig, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        self.dense = self.make_dense(config.embedding_size, "dense")
        self.LayerNorm = self.make_layer_norm("LayerNorm")
        self.activation = get_activation(config.hidden_act)
        self.decoder = None
        if not config.tie_word_embeddings:
            self.decoder = self.make_dense(config.vocab_size, "decoder", use_bias=False)

    def build(self, input_shape: Any = None) -> None:
        """Create the bias, the dense layer, the LayerNorm and an untied decoder."""
        cfg = self.config
        self.bias = self.add_weight(name="bias", shape=(cfg.vocab_size,), initializer="zeros")
        self.dense.build((None, None, cfg.hidden_size))
        self.LayerNorm.build((None, None, cfg.embedding_size))
        if self.decoder is not None:
            self.decoder.build((None, cfg.embedding_size))

    def call(self, hidden_states: tf.Tensor, word_embeddings: tf.Variable) -> tf.Tensor:
        """``(..., H)`` -> ``(..., vocab_size)`` float32 scores (``word_embeddings`` is
        unused by an untied decoder)."""
        x = self.LayerNorm(self.activation(self.dense(hidden_states)))
        # A 2-D matmul: the gradient of an ellipsis einsum w.r.t. the table materialises a
        # (vocab, E, batch, seq) tensor, which a 30k vocabulary cannot afford.
        flat = tf.reshape(x, (-1, self.config.embedding_size))
        if self.decoder is None:
            matrix = tf.cast(word_embeddings, self.compute_dtype)
            logits = tf.matmul(flat, matrix, transpose_b=True)
        else:
            logits = tf.matmul(flat, tf.cast(self.decoder.kernel, self.compute_dtype))
        logits = tf.reshape(logits, tf.concat([tf.shape(x)[:-1], [self.config.vocab_size]], 0))
        return float32(logits) + float32(self.bias)


class AlbertSOPHead(AlbertLayerBase):
    """Sentence-order prediction: dropout and a linear ``classifier`` on the pooled output."""

    def __init__(self, config: AlbertConfig, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        self.dropout = self.make_dropout(mu.classifier_dropout(config))
        self.classifier = self.make_dense(config.num_labels, "classifier")

    def build(self, input_shape: Any = None) -> None:
        """Create the classifier."""
        self.classifier.build((None, self.config.hidden_size))

    def call(self, pooled_output: tf.Tensor, training: bool = False) -> tf.Tensor:
        """``(batch, H)`` -> ``(batch, num_labels)`` float32 scores."""
        return float32(self.classifier(self.dropout(pooled_output, training=training)))

