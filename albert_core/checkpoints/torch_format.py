"""``pytorch_model.bin`` (and its shards), exactly as transformers' PyTorch classes write it.

The file is ``torch.save`` of a state dict of tensors under the canonical names, in PyTorch
layout, tied names included and sharing their source's storage (so
``predictions.decoder.weight`` costs nothing on disk). It is read with
``torch.load(..., weights_only=True, map_location="cpu")`` only: no pickled code runs.

Large models may be split into ``pytorch_model-00001-of-0000N.bin`` shards listed by
``pytorch_model.bin.index.json`` (see :mod:`albert_core.checkpoints.safetensors_format`).
torch is imported on first use; it is the ``torch`` extra of ``albert-models``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from albert_core import schema
from albert_core.checkpoints.common import (
    CheckpointError,
    ml_dtypes_type,
    plan_shards,
    read_sharded,
    same_array,
    write_planned,
)


def _torch() -> Any:
    try:
        import torch
    except ImportError as err:
        raise ImportError(
            "reading or writing pytorch_model.bin needs PyTorch: "
            "pip install 'albert-models[torch]'"
        ) from err
    return torch


def _to_numpy(tensor: Any, path: Path) -> np.ndarray:
    torch = _torch()
    tensor = tensor.detach().cpu()
    if tensor.dtype == torch.bfloat16:
        return tensor.view(torch.int16).numpy().view(ml_dtypes_type("bfloat16", path))
    try:
        return tensor.numpy()
    except TypeError as err:
        raise CheckpointError(f"{path}: unsupported dtype {tensor.dtype}: {err}") from None


def _to_tensor(array: np.ndarray) -> Any:
    torch = _torch()
    array = np.asarray(array)
    if array.dtype.name == "bfloat16":
        return torch.from_numpy(np.array(array.view(np.int16), order="C")).view(torch.bfloat16)
    if not (array.flags.c_contiguous and array.flags.writeable):
        array = np.array(array, order="C")  # torch wants writable, contiguous memory
    return torch.from_numpy(array)


def _read_file(path: Path) -> dict[str, np.ndarray]:
    torch = _torch()
    try:
        state = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as err:  # zip/pickle errors surface as RuntimeError, UnpicklingError, ...
        raise CheckpointError(
            f"{path}: not a readable PyTorch state dict ({type(err).__name__}: {err})"
        ) from None
    if not isinstance(state, Mapping):
        raise CheckpointError(f"{path}: holds a {type(state).__name__}, not a state dict")
    arrays = {}
    for name, tensor in state.items():
        if not isinstance(name, str) or not isinstance(tensor, torch.Tensor):
            raise CheckpointError(
                f"{path}: entry {name!r} is a {type(tensor).__name__}, not a named tensor"
            )
        arrays[name] = _to_numpy(tensor, path)
    return arrays


def read(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """``{canonical name: array}`` from ``pytorch_model.bin``, a shard, or the index of shards
    (dtypes and errors as :func:`~albert_core.checkpoints.common.read_sharded`)."""
    return read_sharded(path, _read_file)


def write(path: str | os.PathLike[str], arrays: Mapping[str, np.ndarray], head: str, *,
          overwrite: bool = False, shard_size: int | str | None = None) -> list[Path]:
    """Write ``arrays`` (canonical names of ``head``) as transformers' ``torch.save`` does.

    Every tied name is stored, sharing storage with its source when the two are the same
    tensor (and filled from it when ``arrays`` leave it out). With ``shard_size`` (bytes or
    a string such as ``"2GB"``) a larger checkpoint is split into shards plus an index.
    Returns the written paths; each file is written atomically and the set all or nothing.
    """
    torch = _torch()
    schema.head_spec(head)
    path = Path(path)
    tensors = {name: _to_tensor(array) for name, array in arrays.items()}
    shared = {}
    for name, source in schema.possible_ties(head).items():
        if source not in arrays:
            continue
        if name not in arrays or same_array(arrays[name], arrays[source]):
            tensors[name] = tensors[source].detach()  # a second tensor on the same storage
            shared[name] = source
    sizes = {name: (t.numel() * t.element_size(), t.numel()) for name, t in tensors.items()}
    plan = plan_shards(sizes, path, shard_size, shared)

    def save(temporary: Path, final: Path, names: list[str]) -> None:
        # torch.save names the archive's inner folder after the file (transformers' files
        # hold ``pytorch_model/data.pkl``): save under the final name in a scratch
        # directory, then move that onto the temporary path.
        with tempfile.TemporaryDirectory(prefix=f".{final.name}.", dir=final.parent) as scratch:
            staged = Path(scratch) / final.name
            torch.save({name: tensors[name] for name in names}, staged)
            os.replace(staged, temporary)

    return write_planned(path, plan, save, overwrite=overwrite)
