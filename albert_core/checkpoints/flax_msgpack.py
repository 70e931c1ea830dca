"""``flax_model.msgpack``, exactly as transformers' Flax classes write it.

The file is ``flax.serialization.msgpack_serialize`` of the parameter tree: nested dicts
with sorted keys (as JAX's pytree handling leaves them), leaves named ``kernel`` / ``scale``
/ ``embedding`` / ``bias`` with kernels transposed (paths and transposes come from
:mod:`albert_core.schema`). The base model's tree has no ``albert`` top key, matching the
unprefixed canonical names. A tied decoder has no parameters in Flax
(``predictions.decoder.*`` are left out; an untied decoder weight is stored as
``predictions/decoder/kernel``, as Flax does for ``tie_word_embeddings=False``).

flax is imported on first use; it is the ``flax`` extra of ``albert-models``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from albert_core import schema
from albert_core.checkpoints.common import (
    CheckpointError,
    tied_in,
    warn_unsharded,
)
from albert_core.io_utils import atomic_open


def _serialization() -> Any:
    try:
        from flax import serialization
    except ImportError as err:
        raise ImportError(
            "reading or writing flax_model.msgpack needs Flax: pip install 'albert-models[flax]'"
        ) from err
    return serialization


def _leaves(tree: Mapping, path: Path, prefix: tuple[str, ...] = ()):
    for key, value in tree.items():
        here = (*prefix, str(key))
        if isinstance(value, Mapping):
            yield from _leaves(value, path, here)
        elif isinstance(value, np.ndarray) or hasattr(value, "__array__"):
            yield here, np.asarray(value)
        else:
            raise CheckpointError(
                f"{path}: {'/'.join(here)} is a {type(value).__name__}, not an array"
            )


def read(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """``{canonical name: array}`` (PyTorch layout) from a transformers ``flax_model.msgpack``.

    Arrays keep their stored dtype (``bfloat16`` as ``ml_dtypes.bfloat16``).

    Raises:
        FileNotFoundError: no file at ``path``.
        CheckpointError: the file is truncated or corrupt, or not an ALBERT parameter tree.
    """
    serialization = _serialization()
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint file at {path}")
    try:
        tree = serialization.msgpack_restore(path.read_bytes())
    except Exception as err:  # msgpack raises ValueError subclasses, ExtraData, TypeError, ...
        raise CheckpointError(
            f"{path}: not a readable msgpack parameter file ({type(err).__name__}: {err})"
        ) from None
    if not isinstance(tree, Mapping) or not tree:
        raise CheckpointError(f"{path}: holds no parameter tree")
    arrays = {}
    for flax_path, value in _leaves(tree, path):
        try:
            name = schema.from_flax_path(flax_path)
        except ValueError as err:
            raise CheckpointError(f"{path}: {err}") from None
        arrays[name] = np.ascontiguousarray(schema.from_framework_layout(name, value))
    return arrays


def unflatten(flat: Mapping[tuple[str, ...], Any]) -> dict:
    """The nested plain dicts of a flat ``{path: leaf}`` parameter tree."""
    tree: dict = {}
    for flax_path, value in flat.items():
        node = tree
        for key in flax_path[:-1]:
            node = node.setdefault(key, {})
        node[flax_path[-1]] = value
    return tree


def _sorted(tree: dict) -> dict:
    return {k: _sorted(v) if isinstance(v, dict) else v for k, v in sorted(tree.items())}


def write(path: str | os.PathLike[str], arrays: Mapping[str, np.ndarray], head: str, *,
          overwrite: bool = False, shard_size: int | str | None = None) -> list[Path]:
    """Write ``arrays`` (canonical names of ``head``) as transformers' Flax classes do.

    Tied decoder copies are left out (Flax has no decoder bias at all: ``predictions.bias``
    is the one bias). Dtypes are kept. The file is written atomically. ``shard_size`` is
    accepted for symmetry with the other formats; the file is always one piece (a warning
    says so when it is larger).
    """
    serialization = _serialization()
    schema.head_spec(head)
    path = Path(path)
    tied = tied_in(arrays, head)
    flat = {}
    for name, array in arrays.items():
        if name in tied or (name == schema.MLM_DECODER_BIAS and schema.MLM_BIAS in arrays):
            continue
        if name == schema.MLM_DECODER_BIAS:  # only the decoder copy given: Flax's one bias
            name = schema.MLM_BIAS
        value = schema.to_framework_layout(name, np.asarray(array))
        flat[schema.to_flax_path(name)] = np.ascontiguousarray(value)
    warn_unsharded(path, sum(a.nbytes for a in flat.values()), shard_size, "flax_model.msgpack")
    payload = serialization.msgpack_serialize(_sorted(unflatten(flat)))
    with atomic_open(path, "wb", overwrite=overwrite) as handle:
        handle.write(payload)
    return [path]
