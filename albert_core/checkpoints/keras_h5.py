"""``tf_model.h5``, exactly as transformers' TF classes write it (tf-keras h5 weights format).

Written and read with h5py only; TensorFlow is never imported. The layout Keras gives it::

    /                          attrs: backend, keras_version, layer_names
    /<layer>                   one group per top-level Keras layer of the model, in order
                               (``albert``, then ``predictions`` / ``sop_classifier`` /
                               ``dropout_N`` / ``classifier`` / ``qa_outputs``), attr
                               ``weight_names`` listing its variables in creation order
    /<layer>/<scope>/<name>    one dataset per variable: ``<scope>`` is the model's name
                               (``tf_albert_for_masked_lm``), ``<name>`` its Keras name
    /top_level_model_weights   the model's own variables (none for ALBERT)

Variable names and the kernel transposes come from :mod:`albert_core.schema`. Quirks of
transformers' TF ALBERT that the file reflects:

* the word embeddings are a bare ``weight:0`` variable;
* the MLM head (``predictions``) tracks the embeddings layer, so its group lists, and
  holds copies of, all embedding weights too;
* the decoder weight is the word-embedding matrix (no dataset), while the decoder bias is a
  variable of its own, ``predictions/decoder/bias:0``: it is written with the value of
  ``predictions.bias`` and read back under its canonical name
  (:func:`albert_core.schema.match` reconciles the two copies);
* the base model keeps its weights in an ``albert`` main layer, which maps to the
  unprefixed canonical names.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import h5py
import numpy as np

from albert_core import schema
from albert_core.checkpoints.common import (
    CheckpointError,
    ml_dtypes_type,
    same_array,
    warn_unsharded,
)
from albert_core.io_utils import atomic_path

#: Root attributes of the files transformers 4.57 writes with tf-keras 2.21.
BACKEND = "tensorflow"
KERAS_VERSION = "2.21.0"
#: The group Keras adds for a model's own (non-layer) variables.
TOP_LEVEL_GROUP = "top_level_model_weights"
_ASCII = h5py.string_dtype("ascii")
_UNIQUIFIED = re.compile(r"(.+?)(?:_\d+)?")
_SCOPES = {spec.keras_scope: spec.name for spec in schema.HEADS.values()}


def _strings(values: object) -> list[str]:
    if isinstance(values, (str, bytes)):
        values = [values]
    return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in np.ravel(values)]


def _set_names(attrs: h5py.AttributeManager, key: str, names: list[str]) -> None:
    if names:
        attrs.create(key, np.array(names, dtype=object), dtype=_ASCII)
    else:
        attrs.create(key, np.array([], dtype=np.float64))  # what Keras writes for an empty list


# ------------------------------------------------------------------------------ reading
def _head_of_scope(scope: str, path: Path) -> str:
    # Keras makes model names unique within a process (``tf_albert_model_1``).
    bare = _UNIQUIFIED.fullmatch(scope).group(1)
    if scope in _SCOPES:
        return _SCOPES[scope]
    if bare in _SCOPES:
        return _SCOPES[bare]
    raise CheckpointError(
        f"{path}: weights are scoped {scope!r}, which is no transformers TF ALBERT class "
        f"(expected one of {sorted(_SCOPES)})"
    )


def _dataset_value(dataset: h5py.Dataset, path: Path) -> np.ndarray:
    if dataset.id.get_type().get_class() == h5py.h5t.OPAQUE and dataset.dtype.itemsize == 2:
        # What h5py stores for a bfloat16 array (as tf-keras does for bf16 variables).
        return dataset[()].view(ml_dtypes_type("bfloat16", path))
    return np.asarray(dataset[()])


def read(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """``{canonical name: array}`` (PyTorch layout) from a transformers TF ``tf_model.h5``.

    The head is read from the model scope of the weight names; a base model's ``albert/``
    main layer maps to unprefixed names. Both ``predictions.bias`` and
    ``predictions.decoder.bias`` are returned when present. Arrays keep their stored dtype.

    Raises:
        FileNotFoundError: no file at ``path``.
        CheckpointError: the file is truncated or corrupt, or not a transformers TF ALBERT
            weights file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint file at {path}")
    try:
        handle = h5py.File(path, "r")
    except OSError as err:
        raise CheckpointError(f"{path}: not a readable HDF5 file ({err})") from None
    arrays: dict[str, np.ndarray] = {}
    head = None
    with handle:
        try:
            if "layer_names" not in handle.attrs:
                raise CheckpointError(
                    f"{path}: no 'layer_names' attribute; not a Keras weights file such as "
                    "transformers' tf_model.h5"
                )
            for layer in _strings(handle.attrs["layer_names"]):
                group = handle.get(layer)
                if not isinstance(group, h5py.Group) or "weight_names" not in group.attrs:
                    raise CheckpointError(f"{path}: layer {layer!r} has no group with weight_names")
                for weight_name in _strings(group.attrs["weight_names"]):
                    scope, _, keras_name = weight_name.partition("/")
                    this_head = _head_of_scope(scope, path)
                    if head is None:
                        head = this_head
                    elif this_head != head:
                        raise CheckpointError(
                            f"{path}: weights of two model classes ({head!r}, {this_head!r})"
                        )
                    try:
                        name = schema.from_keras_weight_name(keras_name, head)
                    except ValueError as err:
                        raise CheckpointError(f"{path}: {err}") from None
                    dataset = group.get(weight_name)
                    if not isinstance(dataset, h5py.Dataset):
                        raise CheckpointError(f"{path}: no dataset {layer}/{weight_name}")
                    value = _dataset_value(dataset, path)
                    # Later layers win, as in transformers' loader (copies are equal anyway).
                    arrays[name] = np.ascontiguousarray(schema.from_framework_layout(name, value))
        except (OSError, RuntimeError, KeyError, ValueError) as err:
            if isinstance(err, CheckpointError):
                raise
            raise CheckpointError(f"{path}: corrupt HDF5 content ({err})") from None
    if not arrays:
        raise CheckpointError(f"{path}: holds no weights")
    return arrays


# ------------------------------------------------------------------------------ writing
def _keras_arrays(arrays: Mapping[str, np.ndarray], head: str, path: Path) -> dict:
    """The TF class's variables: no decoder weight, decoder bias = ``predictions.bias``."""
    out = dict(arrays)
    decoder, word = schema.MLM_DECODER_WEIGHT, schema.WORD_EMBEDDINGS
    if decoder in out:
        if word in out and not same_array(out[decoder], out[word]):
            raise CheckpointError(
                f"{path}: transformers' TF ALBERT always ties the decoder to the word "
                "embeddings; these arrays have an untied decoder, which tf_model.h5 cannot hold"
            )
        del out[decoder]
    bias = out.get(schema.MLM_BIAS, out.get(schema.MLM_DECODER_BIAS))
    if bias is not None and schema.KERAS_MLM_LAYER in schema.keras_layer_names(head, 0):
        out[schema.MLM_BIAS] = out[schema.MLM_DECODER_BIAS] = bias
    return out


def _grouped(names: Iterable[str], head: str, path: Path) -> dict[str, list[str]]:
    names = sorted(names, key=schema.keras_order_key)
    layers: dict[str, list[str]] = {
        layer: [] for layer in schema.keras_layer_names(head, len(schema.layer_slots(names)))
    }
    for name in names:
        layer = schema.keras_layer_of(name, head)
        if layer not in layers:
            raise CheckpointError(
                f"{path}: {name!r} is not a weight of the {head!r} head (its TF class has "
                f"no {layer!r} layer)"
            )
        layers[layer].append(name)
    mlm = schema.KERAS_MLM_LAYER
    if mlm in layers:
        # The MLM head tracks the embeddings layer: Keras lists (and stores) its weights too.
        layers[mlm] += [
            n for n in layers[schema.KERAS_MAIN_LAYER] if schema.is_keras_embedding(n, head)
        ]
    return layers


def write(path: str | os.PathLike[str], arrays: Mapping[str, np.ndarray], head: str, *,
          overwrite: bool = False, shard_size: int | str | None = None) -> list[Path]:
    """Write ``arrays`` (canonical names of ``head``) as ``tf_model.h5`` the way transformers does.

    Kernels are transposed to the Keras layout, dtypes kept. The file is written atomically.
    ``shard_size`` is accepted for symmetry with the other formats; ``tf_model.h5`` is
    always one file (a warning says so when it is larger).

    Raises:
        FileExistsError: ``path`` exists and ``overwrite`` is off.
        CheckpointError: a name is not a weight of ``head``, or the decoder is untied.
    """
    scope = schema.head_spec(head).keras_scope
    path = Path(path)
    weights = _keras_arrays(arrays, head, path)
    layers = _grouped(weights, head, path)
    nbytes = sum(np.asarray(a).nbytes for a in weights.values())
    warn_unsharded(path, nbytes, shard_size, "tf_model.h5")
    with atomic_path(path, overwrite=overwrite) as temporary:
        with h5py.File(temporary, "w") as handle:
            _set_names(handle.attrs, "layer_names", list(layers))
            handle.attrs.create("backend", BACKEND, dtype=_ASCII)
            handle.attrs.create("keras_version", KERAS_VERSION, dtype=_ASCII)
            for layer, names in layers.items():
                group = handle.create_group(layer)
                keras_names = [f"{scope}/{schema.keras_weight_name(n, head)}" for n in names]
                _set_names(group.attrs, "weight_names", keras_names)
                for name, keras_name in zip(names, keras_names, strict=True):
                    value = schema.to_framework_layout(name, np.asarray(weights[name]))
                    group.create_dataset(keras_name, data=np.ascontiguousarray(value))
            _set_names(handle.create_group(TOP_LEVEL_GROUP).attrs, "weight_names", [])
    return [path]
