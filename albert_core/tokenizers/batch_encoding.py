"""The tokenizer output (:class:`BatchEncoding`) and its conversion to np / pt / tf / jax tensors.

numpy is always available; PyTorch, TensorFlow and JAX are imported only when tensors of that
framework are requested.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from .inputs import to_list


class TokenSpan(NamedTuple):
    """Tokens ``start`` (inclusive) to ``end`` (exclusive) of a row, as in transformers."""

    start: int
    end: int

TENSOR_TYPES = ("np", "pt", "tf", "jax")
"""Accepted values of ``return_tensors`` (besides None)."""

_TENSOR_PACKAGES = {
    "pt": ("torch", "PyTorch", "torch"),
    "tf": ("tensorflow", "TensorFlow", "tf"),
    "jax": ("jax.numpy", "JAX", "flax"),
}


class BatchEncoding(dict):
    """The output of a tokenizer call: a ``dict`` of model inputs with attribute access.

    ``enc["input_ids"]`` and ``enc.input_ids`` are the same object.  Values are Python lists,
    or tensors when ``return_tensors`` was given.
    """

    def __getattr__(self, name: str) -> Any:
        """Give attribute access to the keys (``enc.input_ids``)."""
        try:
            return self[name]
        except KeyError:
            raise AttributeError(
                f"{type(self).__name__!s} has no attribute or key {name!r}"
            ) from None

    _token_info: dict[str, list[list[Any]]] | None = None
    _id_to_tokens: Callable[[list[int]], list[str]] | None = None

    def set_token_info(
        self, info: dict[str, list[list[Any]]], id_to_tokens: Callable[[list[int]], list[str]]
    ) -> None:
        """Attach the per-row ``word_ids`` / ``sequence_ids`` (set by the tokenizer call)."""
        object.__setattr__(self, "_token_info", info)
        object.__setattr__(self, "_id_to_tokens", id_to_tokens)

    def _info(self, key: str, batch_index: int) -> list[Any]:
        if self._token_info is None or key not in self._token_info:
            raise ValueError(
                f"{key}() needs a BatchEncoding made by a tokenizer call; this one was built "
                "another way (pad() or by hand)"
            )
        rows = self._token_info[key]
        if not -len(rows) <= batch_index < len(rows):
            raise IndexError(f"batch index {batch_index} is out of range for {len(rows)} rows")
        return rows[batch_index]

    def word_ids(self, batch_index: int = 0) -> list[int | None]:
        """Word index of every token of row ``batch_index`` (None for special and padding)."""
        return list(self._info("word_ids", batch_index))

    def sequence_ids(self, batch_index: int = 0) -> list[int | None]:
        """0 or 1 (first / second sequence) for every token of a row, None for the others."""
        return list(self._info("sequence_ids", batch_index))

    def tokens(self, batch_index: int = 0) -> list[str]:
        """The token strings of row ``batch_index``."""
        self._info("word_ids", batch_index)
        ids = to_list(self["input_ids"])
        row = ids[batch_index] if ids and isinstance(ids[0], list) else ids
        return self._id_to_tokens(row)

    def _row_and_position(self, first: int, second: int | None) -> tuple[int, int]:
        return (0, first) if second is None else (first, second)

    def token_to_word(self, batch_or_token_index: int, token_index: int | None = None) -> Any:
        """The word of a token (``(token)`` or ``(row, token)``); None for special tokens."""
        row, token = self._row_and_position(batch_or_token_index, token_index)
        return self._info("word_ids", row)[token]

    def token_to_sequence(self, batch_or_token_index: int, token_index: int | None = None) -> Any:
        """The sequence (0 or 1) of a token (``(token)`` or ``(row, token)``); None if special."""
        row, token = self._row_and_position(batch_or_token_index, token_index)
        return self._info("sequence_ids", row)[token]

    def word_to_tokens(
        self, batch_or_word_index: int, word_index: int | None = None, sequence_index: int = 0
    ) -> TokenSpan | None:
        """The tokens of a word of sequence ``sequence_index``; None when not in the row."""
        row, word = self._row_and_position(batch_or_word_index, word_index)
        positions = [
            position
            for position, (word_id, sequence_id) in enumerate(zip(
                self._info("word_ids", row), self._info("sequence_ids", row), strict=True
            ))
            if word_id == word and sequence_id == sequence_index
        ]
        return TokenSpan(positions[0], positions[-1] + 1) if positions else None

    def convert_to_tensors(
        self, tensor_type: str | None, prepend_batch_axis: bool = False
    ) -> BatchEncoding:
        """Convert the values in place to ``tensor_type`` tensors ("np", "pt", "tf" or "jax").

        All values must be rectangular (pad first).  Returns ``self``.
        """
        if tensor_type is None:
            return self
        for key, value in list(self.items()):
            self[key] = to_tensor([value] if prepend_batch_axis else value, tensor_type, key=key)
        return self


def to_tensor(value: Any, tensor_type: str, *, key: str = "value") -> Any:
    """Convert nested lists of ints to a tensor of ``tensor_type`` ("np", "pt", "tf", "jax").

    numpy is always available; torch, tensorflow and jax are imported only here, and a clear
    :class:`ImportError` names the missing package.
    """
    tensor_type = check_tensor_type(tensor_type)
    try:
        array = np.asarray(value, dtype=np.int64)
    except ValueError as err:
        raise ValueError(
            f"Unable to create a tensor for {key!r}: the sequences have different lengths. "
            "Use padding=True (or padding='max_length') and/or truncation=True so that all "
            "sequences of the batch have the same length."
        ) from err
    if tensor_type == "np":
        return array
    module_name, pretty, extra = _TENSOR_PACKAGES[tensor_type]
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise ImportError(
            f"return_tensors={tensor_type!r} needs {pretty} (package "
            f"{module_name.split('.')[0]!r}), which is not installed. Install it, e.g. with "
            f"`pip install albert-models[{extra}]`, or use return_tensors='np'."
        ) from err
    if tensor_type == "pt":
        return module.tensor(array, dtype=module.long)
    if tensor_type == "tf":
        return module.constant(array.astype(np.int32))
    return module.asarray(array.astype(np.int32))


def check_tensor_type(tensor_type: Any) -> str:
    """The ``return_tensors`` value as a string; ValueError for unknown ones."""
    value = getattr(tensor_type, "value", tensor_type)  # accept enum-like objects
    if value not in TENSOR_TYPES:
        raise ValueError(
            f"return_tensors must be None or one of {', '.join(map(repr, TENSOR_TYPES))}, "
            f"got {tensor_type!r}"
        )
    return value
