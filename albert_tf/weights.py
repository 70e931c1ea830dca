"""Keras variables <-> canonical ``{name: np.ndarray}``: the only such mapping in albert_tf.

Every variable of an albert_tf model has a path ``<model name>/<keras name>`` where
``<keras name>`` is what :func:`albert_core.schema.keras_weight_name` gives for its canonical
tensor (without the ``:0`` suffix). The name translation and the layout change (linear
kernels are ``[in, out]`` in Keras, ``[out, in]`` canonically) both come from
:mod:`albert_core.schema`; this module only walks the variables.

Ties (:func:`albert_core.schema.tied_names`): a tied MLM decoder has no variables of its own
(it uses the word embeddings and ``predictions.bias``), so ``predictions.decoder.weight`` and
``predictions.decoder.bias`` are written as copies of their sources and are not read back.
With ``tie_word_embeddings=False`` the decoder weight is a variable like any other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from albert_core import schema

if TYPE_CHECKING:
    import keras

    from albert_tf.pretrained import TFAlbertPreTrainedModel


def keras_path(model: TFAlbertPreTrainedModel, variable: keras.Variable) -> str:
    """The path of ``variable`` below ``model``'s own scope, with the ``:0`` suffix."""
    parts = variable.path.split("/")
    if model.name in parts:
        parts = parts[parts.index(model.name) + 1 :]
    return "/".join(parts) + ":0"


def canonical_variables(model: TFAlbertPreTrainedModel) -> dict[str, keras.Variable]:
    """``{canonical name: variable}`` for every variable of ``model``, in Keras order.

    Raises ValueError when a variable's path does not translate to a name of the model's
    schema (a sign that a layer was renamed).
    """
    expected = schema.expected_shapes(model.config, model.head)
    out: dict[str, keras.Variable] = {}
    for variable in model.weights:
        path = keras_path(model, variable)
        try:
            name = schema.from_keras_weight_name(path, model.head)
        except ValueError:
            name = path
        if name not in expected or name in out:
            raise ValueError(
                f"{type(model).__name__}: variable {variable.path!r} maps to {name!r}, which "
                f"is not a (distinct) tensor of the {model.head!r} schema"
            )
        out[name] = variable
    return out


def model_arrays(model: TFAlbertPreTrainedModel) -> dict[str, np.ndarray]:
    """Every canonical tensor of ``model`` (tied names included) as a float32 numpy array
    in canonical (PyTorch) layout."""
    arrays = {}
    for name, variable in canonical_variables(model).items():
        value = np.asarray(variable.numpy(), dtype=np.float32)
        arrays[name] = np.ascontiguousarray(schema.from_framework_layout(name, value))
    for name, source in schema.tied_names(model.config, model.head).items():
        arrays[name] = arrays[source]
    return arrays


def load_arrays(model: TFAlbertPreTrainedModel, arrays: Mapping[str, np.ndarray]) -> list[str]:
    """Assign ``arrays`` (canonical names of ``model.head``, canonical layout) to ``model``.

    Tied names are skipped when their source is given (the source is authoritative). Names
    the model lacks, or of the wrong shape, raise ValueError naming them (the schema check
    in :func:`albert_core.checkpoints.load_pretrained` normally catches them first).
    Returns the canonical names of the variables that received no value.
    """
    variables = canonical_variables(model)
    tied = schema.tied_names(model.config, model.head)
    unknown = sorted(name for name in arrays if name not in variables and name not in tied)
    if unknown:
        raise ValueError(f"{type(model).__name__} has no variables for {unknown}")
    for name, variable in variables.items():
        if name not in arrays:
            continue
        value = schema.to_framework_layout(name, np.asarray(arrays[name]))
        if tuple(value.shape) != tuple(variable.shape):
            raise ValueError(
                f"{name}: the model's variable {variable.path!r} has shape "
                f"{tuple(variable.shape)}, got {tuple(value.shape)} (Keras layout)"
            )
        variable.assign(value.astype(variable.dtype))
    for name, source in tied.items():
        if name in arrays and source not in arrays and source in variables:
            # A tie holds the same canonical array under two names: no layout change between.
            value = schema.to_framework_layout(source, np.asarray(arrays[name]))
            variables[source].assign(value.astype(variables[source].dtype))
    filled = set(arrays) | {source for name, source in tied.items() if name in arrays}
    return sorted(name for name in variables if name not in filled)
