"""Checkpoint files as ``{canonical name: numpy array}``, in every format transformers wrote.

One module per file format, each with the same two functions:

* ``read(path) -> dict[str, np.ndarray]`` — canonical names as the head the file was written
  for names them (a base model without the ``albert.`` prefix), PyTorch layout.
* ``write(path, arrays, head, *, overwrite=False, **options)`` — the file exactly as
  transformers 4.57 writes it for that head, so transformers loads it with nothing missing.

This package adds the dispatch on top: which formats a directory holds, which one to read,
and the two calls every backend's ``from_pretrained`` / ``save_pretrained`` use:
:func:`load_pretrained` and :func:`save_pretrained`.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from albert_core import hub, schema
from albert_core.checkpoints.common import CheckpointError
from albert_core.config import CONFIG_NAME, ORIGINAL_CONFIG_NAME, AlbertConfig
from albert_core.io_utils import check_writable

#: Format name -> (file name, sharded index file name or None, implementing module).
FORMATS: dict[str, tuple[str, str | None, str]] = {
    "safetensors": ("model.safetensors", "model.safetensors.index.json", "safetensors_format"),
    "pytorch": ("pytorch_model.bin", "pytorch_model.bin.index.json", "torch_format"),
    "tf": ("tf_model.h5", None, "keras_h5"),
    "flax": ("flax_model.msgpack", None, "flax_msgpack"),
}

#: Order in which formats are preferred when a directory holds several.
READ_PREFERENCE = ("safetensors", "pytorch", "tf", "flax")


def format_module(fmt: str) -> ModuleType:
    """The module implementing format ``fmt`` (imported on first use)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown checkpoint format {fmt!r}; choose one of {sorted(FORMATS)}")
    return importlib.import_module(f"albert_core.checkpoints.{FORMATS[fmt][2]}")


def detect_formats(directory: str | os.PathLike[str]) -> list[str]:
    """Formats present in ``directory``, in :data:`READ_PREFERENCE` order."""
    directory = Path(directory)
    found = []
    for fmt in READ_PREFERENCE:
        filename, index, _ = FORMATS[fmt]
        if (directory / filename).is_file() or (index and (directory / index).is_file()):
            found.append(fmt)
    return found


def format_of_file(path: str | os.PathLike[str]) -> str:
    """The format of a weights file, from its name."""
    name = Path(path).name
    for fmt, (filename, index, _) in FORMATS.items():
        stem = filename.rsplit(".", 1)
        if name in (filename, index) or (name.startswith(stem[0] + "-") and name.endswith(stem[1])):
            return fmt
    raise CheckpointError(f"{path}: not a known checkpoint file name ({_known_names()})")


def _known_names() -> str:
    return ", ".join(f for f, _, _ in FORMATS.values())


def read(path: str | os.PathLike[str], fmt: str | None = None) -> dict[str, np.ndarray]:
    """Read the checkpoint at ``path`` (a directory or a weights file) into numpy.

    For a directory, ``fmt`` picks the format; by default the first present in
    :data:`READ_PREFERENCE`.
    """
    path = Path(path)
    if path.is_dir():
        present = detect_formats(path)
        if fmt is None:
            if not present:
                raise CheckpointError(
                    f"{path}: no weights file found (looked for {_known_names()})"
                )
            fmt = present[0]
        elif fmt not in present:
            raise CheckpointError(f"{path}: no {fmt} weights ({FORMATS[fmt][0]}) here")
        filename, index, _ = FORMATS[fmt]
        path = path / filename if (path / filename).is_file() else path / index
    elif not path.exists():
        raise FileNotFoundError(f"no checkpoint file at {path}")
    fmt = fmt or format_of_file(path)
    return format_module(fmt).read(path)


def write(
    directory: str | os.PathLike[str],
    arrays: Mapping[str, np.ndarray],
    head: str,
    formats: Iterable[str] = ("safetensors",),
    *,
    overwrite: bool = False,
    **options,
) -> list[Path]:
    """Write ``arrays`` (canonical names of ``head``) in each of ``formats`` into ``directory``.

    Returns the written paths. Each file is written atomically; an existing file is
    replaced only with ``overwrite``.
    """
    schema.head_spec(head)
    directory = Path(directory)
    modules = {fmt: format_module(fmt) for fmt in formats}
    # Refuse before writing anything, rather than after some formats are on disk.
    for fmt in modules:
        check_writable(directory / FORMATS[fmt][0], overwrite=overwrite)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt, module in modules.items():
        target = directory / FORMATS[fmt][0]
        result = module.write(target, arrays, head, overwrite=overwrite, **options)
        written += result if isinstance(result, list) else [target]
    return written


@dataclass
class LoadedCheckpoint:
    """What :func:`load_pretrained` found: config, aligned arrays, and the matching report."""

    config: AlbertConfig
    arrays: dict[str, np.ndarray]
    report: schema.LoadReport
    directory: Path
    format: str

    def attach(self, model: Any, output_loading_info: bool = False) -> Any:
        """What every backend's ``from_pretrained`` ends with: the report kept as
        ``model.loading_report``; ``(model, loading info)`` when ``output_loading_info``."""
        model.loading_report = self.report
        if output_loading_info:
            return model, self.report.loading_info()
        return model


def _weight_candidates() -> list[str]:
    names = []
    for fmt in READ_PREFERENCE:
        filename, index, _ = FORMATS[fmt]
        names += [index, filename] if index else [filename]
    return names


def resolve_directory(
    name_or_path: str | os.PathLike[str],
    *,
    revision: str | None = None,
    fmt: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> Path:
    """Local directory holding the config and weights of ``name_or_path`` (hub ids fetched).

    Only one weights format is downloaded; shards listed by an index file are fetched too.
    ``cache_dir`` replaces huggingface_hub's default cache.
    """
    if fmt is not None:
        filename, index, _ = FORMATS[fmt]
        candidates = [c for c in (index, filename) if c]
    else:
        candidates = _weight_candidates()
    directory = hub.resolve(
        name_or_path,
        revision=revision,
        cache_dir=cache_dir,
        files=[CONFIG_NAME, ORIGINAL_CONFIG_NAME],
        first_of=candidates,
    )
    for index in (FORMATS[f][1] for f in READ_PREFERENCE if FORMATS[f][1]):
        if (directory / index).is_file() and not Path(name_or_path).is_dir():
            shards = sorted(set(json.loads((directory / index).read_text())["weight_map"].values()))
            directory = hub.resolve(name_or_path, revision=revision, cache_dir=cache_dir,
                                    files=shards)
    return directory


def load_pretrained(
    name_or_path: str | os.PathLike[str],
    head: str,
    *,
    config: AlbertConfig | None = None,
    revision: str | None = None,
    fmt: str | None = None,
    strict: bool = True,
    cache_dir: str | os.PathLike[str] | None = None,
    **config_overrides: Any,
) -> LoadedCheckpoint:
    """The shared first half of every backend's ``from_pretrained``.

    Resolves ``name_or_path`` (directory or hub id), reads its config (unless given; either
    way with ``config_overrides`` applied) and weights, and aligns them with ``head``'s
    schema. With ``strict`` any missing, unexpected or mis-shaped tensor raises
    :class:`albert_core.schema.WeightsMismatchError` listing them all; otherwise
    missing/unexpected ones are reported in a warning. ``revision`` and ``cache_dir``
    (default: huggingface_hub's cache) apply to hub ids. The backend ends with
    :meth:`LoadedCheckpoint.attach`.
    """
    directory = resolve_directory(name_or_path, revision=revision, fmt=fmt, cache_dir=cache_dir)
    if config is None:
        config = AlbertConfig.from_pretrained(directory, **config_overrides)
    elif config_overrides:
        config = config.copy(**config_overrides)
    present = detect_formats(directory)
    if not present:
        raise CheckpointError(
            f"{name_or_path}: no weights file found (looked for {_known_names()})"
        )
    fmt = fmt or present[0]
    raw = read(directory, fmt)
    arrays, report = schema.check(
        raw, config, head, source=f"{directory / FORMATS[fmt][0]}", strict=strict
    )
    return LoadedCheckpoint(config, arrays, report, directory, fmt)


def save_pretrained(
    directory: str | os.PathLike[str],
    config: AlbertConfig,
    head: str,
    arrays: Mapping[str, np.ndarray],
    formats: Iterable[str] = ("safetensors",),
    *,
    overwrite: bool = True,
    **options,
) -> list[Path]:
    """The shared second half of every backend's ``save_pretrained``.

    Writes ``config.json`` (with ``architectures`` naming the PyTorch class, as transformers
    does) and the weights in each of ``formats``. ``arrays`` must hold every tensor of
    ``head``'s schema; each is checked before anything is written.
    """
    # Write the aligned arrays: canonical names and order, tied names filled from their
    # source (the same array, so each format stores the tie the way transformers does).
    aligned, _ = schema.check(arrays, config, head, source="model state")
    config = finalize_config(config, head, aligned)
    directory = Path(directory)
    check_writable(directory / CONFIG_NAME, overwrite=overwrite)
    written = write(directory, aligned, head, formats, overwrite=overwrite, **options)
    return [config.save_pretrained(directory, overwrite=overwrite), *written]


def finalize_config(
    config: AlbertConfig, head: str, arrays: Mapping[str, np.ndarray]
) -> AlbertConfig:
    """The config to save with ``arrays`` of ``head``: a copy whose ``architectures`` names
    the PyTorch class (as transformers writes it) and whose ``dtype`` is the weights' dtype.
    """
    changes: dict[str, object] = {"architectures": [schema.head_spec(head).pt_class]}
    dtype = _weights_dtype(arrays)
    if dtype is not None:
        # transformers' ``dtype="auto"`` loads in the config's dtype: keep it truthful.
        changes["dtype"] = dtype
        if "torch_dtype" in config.extra:  # what older transformers versions call it
            changes["torch_dtype"] = dtype
    return config.copy(**changes)


def _weights_dtype(arrays: Mapping[str, np.ndarray]) -> str | None:
    """The dtype name of the first floating-point array (transformers' model dtype)."""
    for array in arrays.values():
        dtype = np.asarray(array).dtype
        if dtype.kind == "f" or dtype.name == "bfloat16":
            return dtype.name
    return None
