"""The head pattern, written once and driven by :data:`albert_core.heads.HEADS`.

Every task model is the encoder plus what its :class:`~albert_core.heads.HeadSpec` says:

1. inputs of rank ``spec.input_rank`` (multiple choice's ``(batch, choices, seq)`` are
   flattened to ``(batch * choices, seq)`` before the encoder and the scores reshaped back);
2. the feature ``spec.feature`` reads: every token's state, the pooled first token, or both
   (pre-training: the masked-LM head on the tokens, sentence order on the pooled state);
3. dropout where ``spec.classifier_dropout``, then the layers of ``spec.layers``;
4. the output fields ``spec.fields`` (a two-wide layer such as ``qa_outputs`` is split into
   its fields), and the loss ``spec.loss`` when every label of ``spec.labels`` is given.

The public classes of :mod:`albert_tf.models` only declare their head and ``call`` signature.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import keras
import tensorflow as tf

from albert_core import modeling_utils as mu
from albert_core.config import AlbertConfig
from albert_tf import losses
from albert_tf.layers import (
    FEATURE_NAMES,
    AlbertMLMHead,
    AlbertSOPHead,
    dense_layer,
    float32,
)
from albert_tf.pretrained import TFAlbertPreTrainedModel

#: Head layers with a class of their own (by the first part of their canonical name); the
#: others are one linear layer of ``spec.classifier_outputs(config)`` units.
_LAYER_CLASSES: dict[str, type[keras.layers.Layer]] = {
    "predictions": AlbertMLMHead,
    "sop_classifier": AlbertSOPHead,
}

#: The inputs that are ``(batch, seq)`` ids or masks (``(batch, choices, seq)`` for
#: multiple choice).
_ID_INPUTS = ("input_ids", "attention_mask", "token_type_ids", "position_ids")


def _layer_attribute(layer: str) -> str:
    """The model attribute (and Keras name) of a head layer: ``sop_classifier.classifier``
    is held as ``sop_classifier``."""
    return layer.split(".")[0]


def flatten_choices(features: dict[str, tf.Tensor | None]) -> tuple[dict[str, Any], tf.Tensor]:
    """``(batch, choices, seq[, E])`` features -> ``(batch * choices, seq[, E])``; also
    returns the number of choices.

    Raises:
        ValueError: neither or both of ``input_ids`` and ``inputs_embeds``, or the main
            input is not of rank 3 (ids) or 4 (embeddings).
    """
    ids, embeds = features["input_ids"], features["inputs_embeds"]
    mu.check_inputs_given(ids is not None, embeds is not None)
    if ids is not None:
        main, name, rank = ids, "input_ids", 3
    else:
        main, name, rank = embeds, "inputs_embeds", 4
    if main.shape.rank != rank:
        extra = ", embedding_size" if rank == 4 else ""
        raise ValueError(f"{name} must be (batch, num_choices, seq{extra}), got shape {main.shape}")
    num_choices = tf.shape(main)[1]
    flat = dict(features)
    for key in _ID_INPUTS:
        if flat[key] is not None:
            flat[key] = tf.reshape(flat[key], [-1, tf.shape(flat[key])[-1]])
    if embeds is not None:
        shape = tf.shape(embeds)
        flat["inputs_embeds"] = tf.reshape(embeds, [-1, shape[2], shape[3]])
        flat["inputs_embeds"].set_shape([None, embeds.shape[2], embeds.shape[3]])
    return flat, num_choices


class TFAlbertHeadModel(TFAlbertPreTrainedModel):
    """A task model built from its head's :class:`~albert_core.heads.HeadSpec`.

    Subclasses set :attr:`head` and define ``call`` with their explicit signature, passing
    every argument on to :meth:`_forward`.

    Raises:
        ValueError: ``config.num_labels`` does not suit the head
            (:meth:`~albert_core.heads.HeadSpec.check_config`).
    """

    def __init__(self, config: AlbertConfig, *, dtype: Any = None, **kwargs: Any) -> None:
        if isinstance(config, AlbertConfig):
            self.spec.check_config(config, self.spec.tf_class)
        super().__init__(config, dtype=dtype, **kwargs)

    # ----------------------------------------------------------------- layers
    def _make_head(self) -> None:
        """Create the layers of ``spec.layers``, with dropout before a classifier."""
        spec, config, dtype = self.spec, self.config, self.dtype_policy
        for layer in spec.layers:
            name = _layer_attribute(layer)
            if name in _LAYER_CLASSES:
                setattr(self, name, _LAYER_CLASSES[name](config, name=name, dtype=dtype))
                continue
            if spec.classifier_dropout:
                self.dropout = keras.layers.Dropout(mu.classifier_dropout(config), dtype=dtype)
            width = spec.classifier_outputs(config)
            setattr(self, name, dense_layer(width, config, name, dtype))

    def _build_head(self) -> None:
        """Create the variables of the head's layers."""
        for layer in self.spec.layers:
            name = _layer_attribute(layer)
            if name in _LAYER_CLASSES:
                getattr(self, name).build()
            else:
                getattr(self, name).build((None, None, self.config.hidden_size))

    # ------------------------------------------------------------------ call
    def _score(self, layer: str, feature: tf.Tensor, training: bool) -> tf.Tensor:
        """Float32 scores of head layer ``layer`` on ``feature``."""
        name = _layer_attribute(layer)
        if name == "predictions":
            return self.predictions(feature, self.get_input_embeddings().table)
        if name == "sop_classifier":
            return self.sop_classifier(feature, training=training)
        if self.spec.classifier_dropout:
            feature = self.dropout(feature, training=training)
        return float32(getattr(self, name)(feature))

    def _head_fields(self, backbone: Mapping[str, Any], training: bool) -> dict[str, Any]:
        """The output fields ``spec.fields`` from the encoder's outputs."""
        spec = self.spec
        if spec.feature == "none":
            return {field: backbone.get(field) for field in spec.fields}
        sequence, pooled = backbone.get("last_hidden_state"), backbone.get("pooler_output")
        if spec.feature == "both":  # the first layer reads the tokens, the second the pooled
            features = (sequence, pooled)
            return {
                field: self._score(layer, feature, training)
                for field, layer, feature in zip(spec.fields, spec.layers, features, strict=True)
            }
        (layer,) = spec.layers
        scores = self._score(layer, sequence if spec.feature == "sequence" else pooled, training)
        if len(spec.fields) == 1:
            return {spec.fields[0]: scores}
        return {field: scores[..., i] for i, field in enumerate(spec.fields)}

    def _forward(
        self,
        input_ids: Any,
        *,
        output_attentions: bool | None,
        output_hidden_states: bool | None,
        return_dict: bool | None,
        training: bool,
        **named: Any,
    ) -> Any:
        """The whole call: inputs, encoder, head layers, output fields and loss.

        ``named`` holds the other features and the labels by name.
        """
        spec = self.spec
        inputs = self._unpack_inputs(input_ids, **named)
        features = {name: inputs[name] for name in FEATURE_NAMES}
        if spec.input_rank == 3:
            features, num_choices = flatten_choices(features)
        backbone = self.albert(
            features,
            output_attentions=bool(output_attentions),
            output_hidden_states=bool(output_hidden_states),
            training=training,
        )
        fields = self._head_fields(backbone, training)
        if spec.input_rank == 3:
            fields = {name: tf.reshape(value, [-1, num_choices]) for name, value in fields.items()}
        fields["hidden_states"] = backbone.get("hidden_states")
        fields["attentions"] = backbone.get("attentions")
        labels = {name: inputs[name] for name in spec.labels}
        if labels and all(value is not None for value in labels.values()):
            fields["loss"] = self.head_loss(labels, fields)
        output = self.output_class.make(**fields)
        return output if return_dict is None or return_dict else output.to_tuple()

    # ------------------------------------------------------------------ loss
    def head_loss(self, labels: Mapping[str, tf.Tensor], outputs: Mapping[str, Any]) -> tf.Tensor:
        """The head's own loss (:func:`albert_tf.losses.head_loss` by ``spec.loss``) from
        ``labels`` (every name of :attr:`label_names`) and the outputs of a call."""
        return losses.head_loss(self.spec, self.config, labels, outputs)
