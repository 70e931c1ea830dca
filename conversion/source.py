"""Step one of a conversion: open the source and read it into canonical numpy arrays.

A source is a directory in any of the four Hugging Face formats, one weights file, an
original google-research TF1 checkpoint (``model.ckpt-*`` with its ``albert_config.json``)
or a hub id. :func:`load_source` finds which, reads it through
:mod:`albert_core.checkpoints` or :mod:`albert_conversion.tf1`, and returns a
:class:`SourceCheckpoint`: arrays, config, the head the tensors imply, what was skipped,
and where the tokenizer is.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from albert_conversion import tf1
from albert_core import checkpoints, hub, schema
from albert_core.checkpoints import FORMATS, CheckpointError, detect_formats
from albert_core.config import CONFIG_NAME, ORIGINAL_CONFIG_NAME, AlbertConfig

#: Every format a checkpoint can be read from (``tf1``: the original google-research one).
SOURCE_FORMATS: tuple[str, ...] = (*FORMATS, "tf1")
#: dtypes a checkpoint may store its weights in.
SOURCE_DTYPES: tuple[str, ...] = ("float16", "bfloat16", "float32", "float64")
#: Tokenizer files a source may have (``spiece.model`` or ``tokenizer.json`` is needed).
TOKENIZER_FILES: tuple[str, ...] = (
    "spiece.model", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
)  # fmt: skip


class ConversionError(ValueError):
    """A conversion was refused or failed; the message says why (and what to do)."""


@dataclasses.dataclass
class SourceCheckpoint:
    """A checkpoint read into canonical numpy arrays, with what is needed to convert it."""

    #: The name or path as given.
    name: str
    #: The local directory holding it (the hub cache snapshot for hub ids).
    directory: Path
    #: Which of :data:`SOURCE_FORMATS` was read.
    format: str
    config: AlbertConfig
    #: Canonical names of the head the file was written for -> arrays (PyTorch layout).
    arrays: dict[str, np.ndarray]
    #: The head inferred from the tensors.
    head: str
    #: Names that were not converted -> why.
    skipped: dict[str, str] = dataclasses.field(default_factory=dict)
    #: A directory or model file to build the tokenizer from, when the source has one.
    tokenizer: Path | None = None
    #: ``global_step`` of a TF1 checkpoint.
    global_step: int | None = None
    #: The TF1 checkpoint prefix, for TF1 sources.
    tf1_prefix: Path | None = None


def _drop_original_only(config: AlbertConfig) -> AlbertConfig:
    for key, default in tf1.ORIGINAL_ONLY_KEYS.items():
        if config.extra.get(key, default) == default:
            config.extra.pop(key, None)
    return config


def config_from(value: AlbertConfig | str | os.PathLike[str]) -> AlbertConfig:
    """A config object, or the config read from a directory or a config file."""
    if isinstance(value, AlbertConfig):
        return value
    path = Path(value).expanduser()
    if path.is_dir():
        return _drop_original_only(AlbertConfig.from_pretrained(path))
    if not path.is_file():
        raise FileNotFoundError(f"no config file at {path}")
    return _drop_original_only(AlbertConfig.from_json_file(path))


def _tokenizer_source(directory: Path, *, tf1_checkpoint: bool = False) -> Path | None:
    if (directory / "spiece.model").is_file() or (directory / "tokenizer.json").is_file():
        return directory
    if tf1_checkpoint:  # released archives ship 30k-clean.model; TF-Hub modules in assets/
        for root in (directory, directory / "assets"):
            models = sorted(root.glob("*.model")) if root.is_dir() else []
            if len(models) == 1:
                return models[0]
    return None


def _is_local(name: str) -> bool:
    return name.startswith(("/", ".", "~")) or os.sep in name.rstrip(os.sep) and (
        Path(name).expanduser().parent.exists()
    )


def load_source(
    src: str | os.PathLike[str],
    *,
    config: AlbertConfig | str | os.PathLike[str] | None = None,
    src_format: str | None = None,
    revision: str | None = None,
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
) -> SourceCheckpoint:
    """Read ``src`` (directory, weights file, TF1 prefix or hub id) into canonical arrays.

    ``config`` (an :class:`AlbertConfig` or a ``config.json`` / ``albert_config.json``
    path) replaces the source's own; ``src_format`` picks a format when the directory holds
    several (default: safetensors, pytorch, tf, flax, then tf1).

    Raises:
        FileNotFoundError: nothing at ``src``, no weights, or no config (named).
        CheckpointError / ValueError: corrupt files, unknown tensor names (listed).
    """
    if src_format is not None and src_format not in SOURCE_FORMATS:
        raise ConversionError(
            f"unknown source format {src_format!r}; choose one of {', '.join(SOURCE_FORMATS)}"
        )
    name = str(src)
    path = Path(name).expanduser()
    given = config_from(config) if config is not None else None
    weights: Path | None = None
    if path.is_dir():
        directory = path
        present = detect_formats(path)
        if tf1.is_checkpoint(path):
            present.append("tf1")
        if not present:
            raise FileNotFoundError(
                f"{path}: no checkpoint found (looked for "
                f"{', '.join(f for f, _, _ in FORMATS.values())} and TF1 model.ckpt-*.index)"
            )
        if src_format is not None and src_format not in present:
            raise FileNotFoundError(
                f"{path}: no {src_format} checkpoint here (found {', '.join(present)})"
            )
        fmt = src_format or present[0]
    elif path.is_file() or tf1.is_checkpoint(path):
        directory = path.parent
        if tf1.is_checkpoint(path):
            fmt = "tf1"
        else:
            try:
                fmt = checkpoints.format_of_file(path)
            except CheckpointError:
                raise CheckpointError(
                    f"{path}: not a checkpoint file (expected a directory, a weights file "
                    f"such as model.safetensors, or a TF1 model.ckpt-* prefix)"
                ) from None
            weights = path
        if src_format is not None and src_format != fmt:
            raise ConversionError(f"{path} is a {fmt} checkpoint, not {src_format}")
    elif _is_local(name):
        raise FileNotFoundError(f"no such file or directory: {path}")
    else:
        hf_format = src_format if src_format in FORMATS else None
        directory = checkpoints.resolve_directory(name, revision=revision, fmt=hf_format)
        present = detect_formats(directory)
        if not present:
            raise FileNotFoundError(f"{name}: the hub repository has no weights file we read")
        fmt = hf_format or present[0]
        if _tokenizer_source(directory) is None:
            try:
                directory = hub.resolve(name, revision=revision, files=TOKENIZER_FILES)
            except FileNotFoundError:
                pass
    if fmt == "tf1":
        return _load_tf1(name, path, given, progress)
    cfg = given or _drop_original_only(AlbertConfig.from_pretrained(directory))
    arrays = checkpoints.read(weights or directory, fmt)
    _check_dtypes(arrays, f"{weights or directory} ({fmt})")
    return SourceCheckpoint(
        name=name,
        directory=directory,
        format=fmt,
        config=cfg,
        arrays=arrays,
        head=schema.infer_head(arrays, cfg.extra.get("architectures"), config=cfg),
        tokenizer=_tokenizer_source(directory),
    )


def _load_tf1(
    name: str,
    path: Path,
    given: AlbertConfig | None,
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None,
) -> SourceCheckpoint:
    prefix = tf1.find_checkpoint(path)
    if given is None:
        found = tf1.find_config(prefix)
        if found is None and (prefix.parent / CONFIG_NAME).is_file():
            found = prefix.parent / CONFIG_NAME
        if found is None:
            raise FileNotFoundError(
                f"TF1 checkpoint {prefix} has no {ORIGINAL_CONFIG_NAME} next to it; put the "
                f"model's {ORIGINAL_CONFIG_NAME} there or pass --config"
            )
        config = config_from(found)
        if not _has_labels(found):
            # albert_config.json has no labels: their number is that of a fine-tuned
            # classifier's output_weights rows.
            variables = tf1.list_variables(prefix)
            for key in ("output_weights", tf1.HUB_PREFIX + "output_weights"):
                shape = variables.get(key, ((),))[0]
                if len(shape) == 2 and shape[0] != config.num_labels:
                    labels = {i: f"LABEL_{i}" for i in range(shape[0])}
                    config = config.copy(id2label=labels, label2id=None)
    else:
        config = given
    checkpoint = tf1.read(prefix, config, progress=progress)
    _check_dtypes(checkpoint.arrays, str(prefix))
    return SourceCheckpoint(
        name=name,
        directory=tf1.checkpoint_root(prefix),
        format="tf1",
        config=config,
        arrays=checkpoint.arrays,
        head=checkpoint.head,
        skipped=dict(checkpoint.skipped),
        tokenizer=_tokenizer_source(tf1.checkpoint_root(prefix), tf1_checkpoint=True),
        global_step=checkpoint.global_step,
        tf1_prefix=prefix,
    )


def _has_labels(config_file: Path) -> bool:
    try:
        data = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and ("id2label" in data or "num_labels" in data)


def _check_dtypes(arrays: Mapping[str, np.ndarray], source: str) -> None:
    bad = [f"{n} ({np.asarray(a).dtype})" for n, a in arrays.items()
           if np.asarray(a).dtype.name not in SOURCE_DTYPES]  # fmt: skip
    if bad:
        raise ConversionError(
            f"{source}: unsupported dtype for {len(bad)} tensor(s): {', '.join(bad)}; "
            f"weights must be one of {', '.join(SOURCE_DTYPES)}"
        )
