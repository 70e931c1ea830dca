"""Text classification data (run_glue's files): texts or text pairs and a label per row.

The text columns are ``sentence`` or ``text``, or ``sentence1`` + ``sentence2``; otherwise
the first two columns that are not the label (or the only one), as transformers' run_glue
picks them. The labels decide the problem:

* strings: classes named by the labels, ids in sorted order (``id2label`` / ``label2id``);
* integers: class ids as given (``num_labels`` is the largest plus one);
* floats: regression (``problem_type="regression"``, one output);
* a list per row: multi-label classification, multi-hot float targets.

CSV and TSV values are text, so a label column whose every value reads as an integer (or as
a number) is taken as integers (or floats). When the label ids are fixed, by a model's
``label2id`` or by ``label_names``, every label must be one of them.
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
    fixed_label_ids,
    load_tokenizer,
    unknown_label,
)
from albert_core.tasks.files import DataFormatError, Table, read_table
from albert_core.tokenizers.base import AlbertTokenizerBase

#: Problem types by the kind of label.
REGRESSION = "regression"
SINGLE_LABEL = "single_label_classification"
MULTI_LABEL = "multi_label_classification"


def text_columns(
    table: Table, label_column: str, text_column: str | None, text_pair_column: str | None
) -> tuple[str, str | None]:
    """The text column and the optional pair column of ``table`` (see the module docstring)."""
    columns = table.columns
    if text_column is not None:
        table.require(text_column, *([text_pair_column] if text_pair_column else []))
        return text_column, text_pair_column
    if text_pair_column is not None:
        raise ValueError("text_pair_column needs text_column")
    if "sentence1" in columns and "sentence2" in columns:
        return "sentence1", "sentence2"
    for name in ("sentence", "text"):
        if name in columns:
            return name, None
    others = [c for c in columns if c != label_column]
    if not others:
        raise DataFormatError(
            f"{table.source} has no text column besides {label_column!r}; columns found: "
            f"{columns}"
        )
    return others[0], (others[1] if len(others) > 1 else None)


def check_text(table: Table, index: int, column: str, value: Any) -> str:
    """``value`` (of record ``index``'s ``column``) if it is text, else an error naming it."""
    if not isinstance(value, str):
        raise DataFormatError(
            f"{table.where(index)}: column {column!r} holds {value!r} "
            f"({type(value).__name__}), not text"
        )
    return value


def texts_of(table: Table, column: str) -> list[str]:
    """The values of a text column; a value that is not text is an error naming it."""
    return [check_text(table, i, column, table.value(i, column)) for i in range(len(table))]


def _number(text: str, kind: type) -> Any:
    try:
        return kind(text.strip())
    except ValueError:
        return None


def _scalar_labels(table: Table, column: str, values: list[Any]) -> tuple[str, list[Any]]:
    """``("str" | "int" | "float", values)`` for single labels, numbers read from text."""
    for i, value in enumerate(values):
        if value is None or value == "" or isinstance(value, (bool, Mapping)):
            raise DataFormatError(
                f"{table.where(i)}: column {column!r} holds {value!r}, not a label"
            )
    if all(isinstance(v, str) for v in values):
        for kind in (int, float):
            parsed = [_number(v, kind) for v in values]
            if all(p is not None for p in parsed):
                return kind.__name__, parsed
        return "str", values
    texts = [i for i, v in enumerate(values) if isinstance(v, str)]
    if texts:
        numbers = [i for i, v in enumerate(values) if not isinstance(v, str)]
        raise DataFormatError(
            f"column {column!r} mixes text labels ({table.where(texts[0])}: "
            f"{values[texts[0]]!r}) and numbers ({table.where(numbers[0])}: "
            f"{values[numbers[0]]!r})"
        )
    if all(isinstance(v, int) for v in values):
        return "int", values
    return "float", [float(v) for v in values]


def _class_ids(
    table: Table, column: str, values: list[Any], fixed: dict[str, int] | None
) -> tuple[list[list[int]], dict[int, str]]:
    """Class ids of every label (a list of labels per row) and the label names."""
    flat = [(i, v) for i, row in enumerate(values) for v in row]
    for i, v in flat:
        if isinstance(v, bool) or not isinstance(v, (str, int)):
            raise DataFormatError(
                f"{table.where(i)}: column {column!r} holds {v!r}; labels are text or integers"
            )
    kinds = {isinstance(v, str) for _, v in flat}
    if len(kinds) > 1:
        raise DataFormatError(f"{table.source}: column {column!r} mixes text and integer labels")
    integers = kinds == {False}
    if fixed is not None:
        known = fixed
    elif integers:
        top = max((v for _, v in flat), default=0)
        known = {f"LABEL_{n}": n for n in range(top + 1)}
    else:
        known = {name: n for n, name in enumerate(sorted({v for _, v in flat}))}
    id2label = {n: name for name, n in known.items()}
    ids: list[list[int]] = []
    for i, row in enumerate(values):
        row_ids = []
        for v in row:
            if integers:
                if not 0 <= v < len(known):
                    raise unknown_label(table.where(i), v, known)
                row_ids.append(v)
            elif v in known:
                row_ids.append(known[v])
            else:
                raise unknown_label(table.where(i), v, known)
        ids.append(row_ids)
    return ids, id2label


def read_labels(
    table: Table,
    column: str = "label",
    *,
    label2id: Mapping[str, int] | None = None,
    label_names: Sequence[str] | None = None,
) -> tuple[np.ndarray, dict[int, str], str]:
    """The labels of ``table``'s ``column`` as the head's targets.

    Returns ``(labels, id2label, problem_type)``: int64 ``[rows]`` class ids, float32
    ``[rows]`` regression targets, or float32 ``[rows, num_labels]`` multi-hot rows.
    """
    table.require(column)
    fixed = fixed_label_ids(label2id, label_names)
    if fixed is None and column in table.label_names:
        fixed = fixed_label_ids(None, table.label_names[column])
    values = [table.value(i, column) for i in range(len(table))]
    lists = [isinstance(v, (list, tuple)) for v in values]
    if any(lists):
        if not all(lists):
            i = lists.index(False)
            raise DataFormatError(
                f"{table.where(i)}: column {column!r} holds {values[i]!r} where other rows "
                "hold lists of labels (multi-label)"
            )
        ids, id2label = _class_ids(table, column, values, fixed)
        hot = np.zeros((len(values), len(id2label)), dtype=np.float32)
        for row, row_ids in enumerate(ids):
            hot[row, row_ids] = 1.0
        return hot, id2label, MULTI_LABEL
    kind, parsed = _scalar_labels(table, column, values)
    if kind == "float":
        return np.asarray(parsed, dtype=np.float32), {0: "LABEL_0"}, REGRESSION
    ids, id2label = _class_ids(table, column, [[v] for v in parsed], fixed)
    return np.asarray([row[0] for row in ids], dtype=np.int64), id2label, SINGLE_LABEL


def text_classification_features(
    data: str | os.PathLike[str] | Sequence[Mapping[str, Any]] | Any,
    tokenizer: AlbertTokenizerBase | str | os.PathLike[str],
    *,
    split: str | None = None,
    text_column: str | None = None,
    text_pair_column: str | None = None,
    label_column: str = "label",
    label2id: Mapping[str, int] | None = None,
    label_names: Sequence[str] | None = None,
    with_labels: bool = True,
    max_length: int = DEFAULT_MAX_LENGTH,
    padding: str = "max_length",
    truncation: bool | str = True,
) -> TaskFeatures:
    """Features for ``sequence-classification`` from a file, records or a dataset.

    Args:
        data: a CSV / TSV / JSON / JSON lines file, a list of dicts, or a ``datasets``
            ``Dataset`` / ``DatasetDict`` (:func:`~albert_core.tasks.files.read_table`).
        tokenizer: an ALBERT tokenizer, or a model directory / name to load one from.
        split: the ``DatasetDict`` split.
        text_column, text_pair_column: the text columns, instead of the defaults.
        label_column: the label column.
        label2id: the ids fixed by a model (its config's ``label2id``), for validation data.
        label_names: the class names, in id order (integer labels index them).
        with_labels: False for data without labels (no ``labels`` array).
        max_length: tokens per row at most, special tokens included.
        padding: ``"max_length"`` or ``"longest"``.
        truncation: cut long rows (True: ``"longest_first"``, or a tokenizer strategy).
    """
    check_options(max_length, padding)
    table = read_table(data, split=split)
    first, second = text_columns(table, label_column, text_column, text_pair_column)
    firsts = texts_of(table, first)
    seconds = None if second is None else texts_of(table, second)
    id2label = problem = labels = None
    if with_labels:
        labels, id2label, problem = read_labels(
            table, label_column, label2id=label2id, label_names=label_names
        )
    arrays, truncated = encode_pairs(
        load_tokenizer(tokenizer), firsts, seconds, max_length=max_length, padding=padding,
        truncation=truncation,
    )
    if labels is not None:
        arrays["labels"] = labels
    return TaskFeatures("sequence-classification", arrays, id2label, problem,
                        truncated=truncated, source=table.source)
