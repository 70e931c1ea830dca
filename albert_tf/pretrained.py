"""The base of every ALBERT Keras model: building, loading, saving, export and ``fit``.

:class:`TFAlbertPreTrainedModel` builds the encoder (and, through its subclass's hooks, the
head) in the constructor, so weights load before the first call; reads and writes every
checkpoint format through :mod:`albert_core.checkpoints` and :mod:`albert_tf.weights`; and
lets ``fit``/``evaluate`` use the model's own loss or a compiled Keras one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import keras
import numpy as np
import tensorflow as tf

from albert_core import checkpoints
from albert_core.config import AlbertConfig
from albert_core.heads import HeadSpec, head_spec
from albert_core.schema import LoadReport
from albert_tf import weights
from albert_tf.layers import FEATURE_NAMES, AlbertEmbeddingTable, AlbertMainLayer
from albert_tf.outputs import OUTPUT_CLASSES, BaseModelOutputWithPooling, ModelOutput


def as_tensor(value: Any) -> tf.Tensor | None:
    """``value`` as a tensor: None, tensors and symbolic Keras tensors pass as they are."""
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

    Subclasses set :attr:`head` (a key of :data:`albert_core.heads.HEADS`); the other class
    attributes follow from its :class:`~albert_core.heads.HeadSpec`. Subclasses create the
    head's layers in :meth:`_make_head` and its variables in :meth:`_build_head`. Every
    variable is created in the constructor (the model is built), so weights can be loaded
    before the first call.

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
    #: The head's row of :data:`albert_core.heads.HEADS`.
    spec: ClassVar[HeadSpec] = head_spec("model")
    #: Label inputs of ``call`` (all of them are needed for the loss).
    label_names: ClassVar[tuple[str, ...]] = ()
    #: The :class:`ModelOutput` subclass ``call`` returns.
    output_class: ClassVar[type[ModelOutput]] = BaseModelOutputWithPooling
    #: Output fields that a compiled Keras loss and compiled metrics receive.
    logits_fields: ClassVar[tuple[str, ...]] = ("last_hidden_state",)
    #: Attribute holding the :class:`AlbertMainLayer`.
    base_model_prefix: ClassVar[str] = "albert"
    #: Name of the main input of ``call``.
    main_input_name: ClassVar[str] = "input_ids"
    #: Whether the backbone has a pooler.
    add_pooling_layer: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Derive the class attributes of a subclass from its :attr:`head`."""
        super().__init_subclass__(**kwargs)
        spec = cls.spec = head_spec(cls.head)
        cls.label_names = spec.labels
        cls.output_class = OUTPUT_CLASSES[spec.output]
        # The bare model has no logits: a compiled loss sees its token states.
        cls.logits_fields = spec.fields if spec.labels else spec.fields[:1]
        cls.add_pooling_layer = spec.has_pooler

    def __init__(self, config: AlbertConfig, *, dtype: Any = None, **kwargs: Any) -> None:
        if not isinstance(config, AlbertConfig):
            raise TypeError(f"config must be an AlbertConfig, got {type(config).__name__}")
        # transformers' TF scope name, fixed: Keras would add _1, _2 ... per process.
        kwargs.setdefault("name", self.spec.keras_scope)
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
        return {name: as_tensor(values.get(name)) for name in allowed}

    # ------------------------------------------------------------------- loss
    def head_loss(self, labels: Mapping[str, tf.Tensor], outputs: Mapping[str, Any]) -> tf.Tensor:
        """The model's own loss from ``labels`` (every name of :attr:`label_names`) and the
        outputs of a call."""
        raise NotImplementedError(f"{type(self).__name__} has no loss of its own")

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
        return {name: as_tensor(labels[name]) for name in names}

    def _logits(self, y_pred: Any) -> Any:
        if not isinstance(y_pred, Mapping):
            return y_pred
        values = tuple(y_pred[name] for name in self.logits_fields)
        return values[0] if len(values) == 1 else values

    def compute_loss(
        self, x: Any = None, y: Any = None, y_pred: Any = None, sample_weight: Any = None,
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
            return dict(self(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids, training=False))  # fmt: skip

        archive.add_endpoint("serve", serve, input_signature=self.serving_signature())
        archive.write_out(os.fspath(filepath), verbose=bool(verbose))
        return None

    # --------------------------------------------------------------- load/save
    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str | os.PathLike[str],
        *,
        dtype: Any = None,
        revision: str | None = None, cache_dir: str | os.PathLike[str] | None = None,
        strict: bool = True, config: AlbertConfig | None = None, fmt: str | None = None,
        output_loading_info: bool = False,
        **config_overrides: Any,
    ) -> Any:  # fmt: skip
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
            dtype: Keras dtype policy of the model (``"mixed_bfloat16"``, ...).
            revision: hub revision (branch, tag or commit).
            cache_dir: where hub downloads are cached (default: huggingface_hub's cache).
            strict: see above.
            config: use this config instead of the checkpoint's.
            fmt: checkpoint format when the directory holds several (``"safetensors"``,
                ``"pytorch"``, ``"tf"``, ``"flax"``).
            output_loading_info: also return ``{"missing_keys", "unexpected_keys",
                "mismatched_keys", "error_msgs"}`` as transformers does.
            **config_overrides: config fields to change (``num_labels=5``, ...).

        Returns:
            The model (and the loading info when asked); the
            :class:`albert_core.LoadReport` is kept as ``model.loading_report``.
        """
        loaded = checkpoints.load_pretrained(
            name_or_path, cls.head, config=config, revision=revision, cache_dir=cache_dir,
            strict=strict, fmt=fmt, **config_overrides,
        )  # fmt: skip
        model = cls(loaded.config, dtype=dtype)
        weights.load_arrays(model, loaded.arrays)
        return loaded.attach(model, output_loading_info)

    def save_pretrained(
        self, directory: str | os.PathLike[str], formats: Sequence[str] = ("tf",), *,
        overwrite: bool = True, **options: Any,
    ) -> list[Path]:
        """Write ``config.json`` and the weights in each of ``formats`` (``tf_model.h5`` by
        default) into ``directory``.

        The default ``"tf"`` writes ``tf_model.h5`` as transformers' TF classes do (so
        ``transformers.TFAlbert*.from_pretrained`` loads it); add ``"safetensors"`` (or
        ``"pytorch"``, ``"flax"``) for the other formats. Returns the written paths;
        ``overwrite=False`` refuses to replace existing files.
        """
        return checkpoints.save_pretrained(
            directory, self.config, self.head, weights.model_arrays(self), tuple(formats),
            overwrite=overwrite, **options,
        )  # fmt: skip

