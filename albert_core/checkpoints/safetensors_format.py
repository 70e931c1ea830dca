"""``model.safetensors`` (and its shards), exactly as transformers' PyTorch classes write it.

A single file holds every tensor under its canonical name, in PyTorch layout, with the
metadata ``{"format": "pt"}`` that transformers requires. Tied copies
(``predictions.decoder.weight`` / ``.bias``, the same parameters as the word embeddings and
``predictions.bias``) are left out, as transformers does; reading accepts files with or
without them (:func:`albert_core.schema.match` fills them from their source).

Large models may be split into ``model-00001-of-0000N.safetensors`` shards listed by
``model.safetensors.index.json`` (the sharding itself is :mod:`albert_core.checkpoints.common`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from albert_core import schema
from albert_core.checkpoints.common import (
    CheckpointError,
    ml_dtypes_type,
    plan_shards,
    read_sharded,
    tied_in,
    write_planned,
)

#: Metadata transformers writes into (and requires of) every PyTorch safetensors file.
METADATA = {"format": "pt"}

#: safetensors dtype names numpy cannot represent without ``ml_dtypes``.
ML_DTYPES_NAMES = {
    "BF16": "bfloat16",
    "F8_E4M3": "float8_e4m3fn",
    "F8_E5M2": "float8_e5m2",
}


def _read_file(path: Path) -> dict[str, np.ndarray]:
    from safetensors import safe_open

    try:
        with safe_open(path, framework="np") as handle:
            names = list(handle.keys())
            for name in names:
                dtype = handle.get_slice(name).get_dtype()
                if dtype in ML_DTYPES_NAMES:
                    ml_dtypes_type(ML_DTYPES_NAMES[dtype], path)
            return {name: handle.get_tensor(name) for name in names}
    except ImportError:
        raise
    except Exception as err:  # safetensors raises its own error types (and OSError, ...)
        raise CheckpointError(
            f"{path}: not a readable safetensors file ({type(err).__name__}: {err})"
        ) from None


def read(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """``{canonical name: array}`` from ``model.safetensors``, a shard, or the index of shards
    (dtypes and errors as :func:`~albert_core.checkpoints.common.read_sharded`)."""
    return read_sharded(path, _read_file)


def write(path: str | os.PathLike[str], arrays: Mapping[str, np.ndarray], head: str, *,
          overwrite: bool = False, shard_size: int | str | None = None) -> list[Path]:
    """Write ``arrays`` (canonical names of ``head``) as transformers' PyTorch classes do.

    Tied copies equal to their source are left out. With ``shard_size`` (bytes, or a string
    such as ``"2GB"``) a larger checkpoint is split into shards plus an index. Returns the
    written paths; each file is written atomically and the set all or nothing.
    """
    from safetensors.numpy import save_file

    schema.head_spec(head)
    path = Path(path)
    tied = tied_in(arrays, head)
    kept = {name: np.ascontiguousarray(a) for name, a in arrays.items() if name not in tied}
    plan = plan_shards({n: (a.nbytes, a.size) for n, a in kept.items()}, path, shard_size)

    def save(temporary: Path, final: Path, names: list[str]) -> None:
        save_file({name: kept[name] for name in names}, temporary, metadata=METADATA)

    return write_planned(path, plan, save, overwrite=overwrite)
