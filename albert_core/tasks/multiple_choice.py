"""Multiple choice data (run_swag's files): a context, a fixed number of choices, the answer.

Two layouts are read, from CSV / TSV / JSON / JSON lines files, records or a dataset:

* SWAG: ``sent1``, ``sent2``, ``ending0`` ... ``endingN``, ``label``; choice ``j`` is the
  pair (``sent1``, ``sent2 + " " + ending<j>``), as run_swag builds it;
* generic: ``question`` or ``context`` (or both), a ``choices`` list and ``label``; choice
  ``j`` is the pair (``context``, ``question + " " + choices[j]``) with both, else
  (``question`` or ``context``, ``choices[j]``).

The label is the index of the right choice (an integer, or its digits in CSV), or the
text of the right choice. Every example must have the same number of choices.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from albert_core.tasks.features import (
    DEFAULT_MAX_LENGTH,
    TaskFeatures,
    check_options,
    encode_pairs,
    load_tokenizer,
)
from albert_core.tasks.files import DataFormatError, Table, read_table
from albert_core.tasks.text_classification import check_text, texts_of
from albert_core.tokenizers.base import AlbertTokenizerBase


def _swag_choices(table: Table) -> tuple[list[str], list[list[str]], list[list[str]]]:
    table.require("sent1", "sent2")
    firsts, seconds = texts_of(table, "sent1"), texts_of(table, "sent2")
    choices, options = [], []
    for i, record in enumerate(table.records):
        count = 0
        while f"ending{count}" in record:
            count += 1
        endings = [check_text(table, i, f"ending{j}", record[f"ending{j}"]) for j in range(count)]
        choices.append([f"{seconds[i]} {ending}" for ending in endings])
        options.append(endings)
    return firsts, choices, options


def _generic_choices(table: Table) -> tuple[list[str], list[list[str]], list[list[str]]]:
    table.require("choices")
    has_context, has_question = "context" in table.columns, "question" in table.columns
    if not has_context and not has_question:
        raise DataFormatError(
            f"{table.source} has no column 'question' or 'context' (nor SWAG's 'sent1'); "
            f"columns found: {table.columns}"
        )
    firsts = texts_of(table, "context" if has_context else "question")
    questions = texts_of(table, "question") if has_context and has_question else None
    choices, options = [], []
    for i in range(len(table)):
        row = table.value(i, "choices")
        if not isinstance(row, list):
            raise DataFormatError(
                f"{table.where(i)}: column 'choices' holds {row!r}, not a list of texts"
            )
        texts = [check_text(table, i, "choices", choice) for choice in row]
        options.append(texts)
        if questions is not None:
            texts = [f"{questions[i]} {choice}" for choice in texts]
        choices.append(texts)
    return firsts, choices, options


def _label(table: Table, index: int, value: Any, options: list[str]) -> int:
    count = len(options)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        if 0 <= value < count:
            return value
        raise DataFormatError(
            f"{table.where(index)}: label {value} is not a choice index 0..{count - 1}"
        )
    if isinstance(value, str) and value in options:
        return options.index(value)
    raise DataFormatError(
        f"{table.where(index)}: label {value!r} is neither a choice index 0..{count - 1} nor "
        "the text of a choice"
    )


def multiple_choice_features(
    data: str | os.PathLike[str] | Sequence[Mapping[str, Any]] | Any,
    tokenizer: AlbertTokenizerBase | str | os.PathLike[str],
    *,
    split: str | None = None,
    format: str | None = None,
    label_column: str = "label",
    with_labels: bool = True,
    max_length: int = DEFAULT_MAX_LENGTH,
    padding: str = "max_length",
    truncation: bool | str = True,
) -> TaskFeatures:
    """Features for ``multiple-choice``: arrays of ``[examples, choices, seq]``, int64
    ``labels`` of ``[examples]``.

    Args: as :func:`~albert_core.tasks.text_classification.text_classification_features`
    (``format`` overrides the file extension).
    """
    check_options(max_length, padding)
    table = read_table(data, split=split, format=format)
    swag = "sent1" in table.columns or "ending0" in table.columns
    firsts, choices, options = (_swag_choices if swag else _generic_choices)(table)
    count = len(choices[0])
    if count < 2:
        raise DataFormatError(f"{table.where(0)} has {count} choices; at least 2 are needed")
    for i, row in enumerate(choices):
        if len(row) != count:
            raise DataFormatError(
                f"{table.where(i)} has {len(row)} choices where {table.where(0)} has {count}; "
                "every example needs the same number"
            )
    labels = None
    if with_labels:
        table.require(label_column)
        labels = np.asarray(
            [_label(table, i, table.value(i, label_column), options[i])
             for i in range(len(table))], dtype=np.int64)
    flat_firsts = [first for first in firsts for _ in range(count)]
    flat_seconds = [choice for row in choices for choice in row]
    arrays, truncated = encode_pairs(
        load_tokenizer(tokenizer), flat_firsts, flat_seconds, max_length=max_length,
        padding=padding, truncation=truncation,
    )
    arrays = {key: value.reshape(len(table), count, -1) for key, value in arrays.items()}
    if labels is not None:
        arrays["labels"] = labels
    return TaskFeatures("multiple-choice", arrays, truncated=truncated, source=table.source)
