"""Tokenizer directories: file names, locating and reading them, and the saved options.

A tokenizer directory holds ``spiece.model`` (and ``tokenizer.json`` for the fast tokenizer),
``tokenizer_config.json`` and ``special_tokens_map.json``, as written by transformers.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .inputs import is_int
from .special_tokens import SPECIAL_TOKEN_NAMES, SpecialToken

VOCAB_FILE_NAME = "spiece.model"
"""File name of the sentencepiece model in a tokenizer directory."""
TOKENIZER_FILE_NAME = "tokenizer.json"
"""File name of the ``tokenizers`` pipeline (fast tokenizer) in a tokenizer directory."""
TOKENIZER_CONFIG_FILE_NAME = "tokenizer_config.json"
"""File name of the tokenizer options in a tokenizer directory."""
SPECIAL_TOKENS_MAP_FILE_NAME = "special_tokens_map.json"
"""File name of the special tokens in a tokenizer directory."""
TOKENIZER_FILES = (
    VOCAB_FILE_NAME,
    TOKENIZER_FILE_NAME,
    TOKENIZER_CONFIG_FILE_NAME,
    SPECIAL_TOKENS_MAP_FILE_NAME,
)
"""Every file a tokenizer directory may hold (what a hub download fetches)."""


def options_from_directory(directory: Path, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Read ``tokenizer_config.json`` and ``special_tokens_map.json`` into constructor options.

    Unknown keys are ignored; explicit ``overrides`` win over the files.
    """
    config = read_json_object(directory / TOKENIZER_CONFIG_FILE_NAME)
    options: dict[str, Any] = {}
    for key in ("do_lower_case", "remove_space", "keep_accents",
                "clean_up_tokenization_spaces"):
        if key in config:
            options[key] = bool(config[key])
    for key in ("padding_side", "truncation_side"):
        if isinstance(config.get(key), str):
            options[key] = config[key]
    if is_int(config.get("model_max_length")):
        options["model_max_length"] = int(config["model_max_length"])
    flags: dict[str, SpecialToken] = {}
    decoder = config.get("added_tokens_decoder")
    if isinstance(decoder, Mapping):
        for entry in decoder.values():
            if isinstance(entry, Mapping) and isinstance(entry.get("content"), str):
                token = SpecialToken.coerce(entry, name="added_tokens_decoder entry")
                flags[token.content] = token
    special_map = read_json_object(directory / SPECIAL_TOKENS_MAP_FILE_NAME)
    for name in SPECIAL_TOKEN_NAMES:
        value = special_map.get(name, config.get(name))
        if value is None:
            continue
        token = SpecialToken.coerce(value, name=name, default_lstrip=name == "mask_token")
        if isinstance(value, str) and token.content in flags:
            token = flags[token.content]
        options[name] = token
    options.update(overrides)
    return options


def load_sentencepiece(
    data: bytes, source: str, kwargs: Mapping[str, Any] | None = None
) -> Any:
    """Build a ``SentencePieceProcessor`` from model bytes, with a clear error when corrupt."""
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor(**dict(kwargs or {}))
    try:
        processor.LoadFromSerializedProto(data)
    except Exception as err:  # sentencepiece raises RuntimeError / OSError
        raise ValueError(
            f"{source} is not a valid sentencepiece model ({type(err).__name__}: {err})"
        ) from err
    if processor.get_piece_size() <= 0:
        raise ValueError(f"{source} is not a valid sentencepiece model (empty vocabulary)")
    return processor


def check_model_path(path: Any, name: str) -> Path:
    """``path`` as a Path when it is an existing file; a clear error otherwise."""
    if path is None or not isinstance(path, str | os.PathLike):
        raise TypeError(
            f"{name} must be the path of a sentencepiece .model file, got "
            f"{type(path).__name__}: {path!r}"
        )
    resolved = Path(path)
    if resolved.is_dir():
        raise IsADirectoryError(
            f"{name} {str(resolved)!r} is a directory; pass the .model file or use "
            "from_pretrained(directory)"
        )
    if not resolved.is_file():
        raise FileNotFoundError(f"{name} {str(resolved)!r} does not exist")
    return resolved


def resolve_hub_id(path: Any, kwargs: dict[str, Any]) -> Any:
    """A hub id (``albert/albert-base-v2``) becomes its cached snapshot directory.

    Local paths and bad types pass through unchanged for :func:`locate` to judge. The
    ``revision`` and ``cache_dir`` keywords, when given, are consumed here.
    """
    revision = kwargs.pop("revision", None)
    cache_dir = kwargs.pop("cache_dir", None)
    if not isinstance(path, str) or Path(path).exists() or path.count("/") > 1:
        return path
    from albert_core import hub

    try:
        return hub.resolve(path, revision=revision, cache_dir=cache_dir, files=TOKENIZER_FILES)
    except hub.ModelNotFoundError:
        return path


def locate(path: Any) -> tuple[Path, Path | None]:
    """Return ``(directory, model_file_or_None)`` for a local directory or ``.model`` path.

    Hub ids are resolved to a local directory before this point.
    """
    if path is None or not isinstance(path, str | os.PathLike):
        raise TypeError(
            f"pretrained_model_name_or_path must be a path, got {type(path).__name__}: {path!r}"
        )
    resolved = Path(path)
    if resolved.is_dir():
        return resolved, None
    if resolved.is_file():
        return resolved.parent, resolved
    raise FileNotFoundError(
        f"{str(resolved)!r} is not a local tokenizer directory or model file"
    )


def read_json_object(path: Path, kind: str = "JSON") -> dict[str, Any]:
    """The JSON object in ``path`` (``{}`` when there is no such file).

    Raises ValueError when the file is not valid ``kind`` (e.g. ``"tokenizer.json"``) or holds
    something other than an object.
    """
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path} is not valid {kind}: {err}") from err
    if not isinstance(data, dict):
        raise ValueError(f"{path} must hold a JSON object, got {type(data).__name__}")
    return data


def json_bytes(data: Any) -> bytes:
    """``data`` as the UTF-8 JSON text transformers writes (indented, non-ASCII kept)."""
    return (json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n").encode()
