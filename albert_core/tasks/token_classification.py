"""Token classification data (run_ner's files and CoNLL-2003 text): words and a tag per word.

Two layouts are read:

* records (JSON / JSON lines, or a ``datasets`` dataset) with a list of words (``tokens``,
  or ``words``) and a list of tags (``ner_tags``, or ``ner``) per sentence; tags are strings,
  or integers with a list of the tag names;
* CoNLL-2003 column text (any other extension): a word per line, whitespace-separated
  columns, the word first and the tag last unless told otherwise, a blank line between
  sentences, ``-DOCSTART-`` lines skipped.

Words are tokenized one by one without special tokens, then wrapped in ``[CLS]`` / ``[SEP]``:
ALBERT's tokenizer puts ``▁`` before every word, so the pieces are those of transformers'
``is_split_into_words=True``. The first piece of each word carries its tag; the others carry
-100 (:data:`~albert_core.modeling_utils.IGNORE_INDEX`), or with ``label_all_tokens`` the
word's tag (a ``B-`` tag's ``I-`` tag where the tag set has it), as run_ner does.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from albert_core.modeling_utils import IGNORE_INDEX
from albert_core.tasks.features import (
    DEFAULT_MAX_LENGTH,
    TaskFeatures,
    check_options,
    fixed_label_ids,
    load_tokenizer,
    pad_rows,
    unknown_label,
)
from albert_core.tasks.files import FORMATS, DataFormatError, Table, read_table, read_text
from albert_core.tokenizers.base import AlbertTokenizerBase

#: (words column, tags column) pairs looked for, in order.
COLUMN_PAIRS = (("tokens", "ner_tags"), ("words", "ner"))

#: The first column of the document separator lines of CoNLL files.
DOCSTART = "-DOCSTART-"


def read_conll(
    path: str | os.PathLike[str], *, word_column: int = 0, tag_column: int = -1
) -> Table:
    """A CoNLL column file as a :class:`~albert_core.tasks.files.Table` of sentences.

    Each record has ``tokens`` (the words) and ``ner_tags`` (the tags, strings); ``lines``
    holds the line each sentence starts on. A line with a different number of columns from
    the file's first line, or too few for ``word_column`` / ``tag_column``, is an error with
    its line number.
    """
    source = str(path)
    records: list[dict[str, Any]] = []
    lines: list[int] = []
    words: list[str] = []
    tags: list[str] = []
    width = None
    for number, line in enumerate(read_text(path).split("\n"), start=1):
        fields = line.split()
        if not fields or fields[0] == DOCSTART:
            if words:
                records.append({"tokens": words, "ner_tags": tags})
                words, tags = [], []
            continue
        if width is None:
            width = len(fields)
            for column in (word_column, tag_column):
                if not -width <= column < width:
                    raise DataFormatError(
                        f"{source} line {number} has {width} columns; column {column} is not "
                        "one of them"
                    )
        if len(fields) != width:
            raise DataFormatError(
                f"{source} line {number} has {len(fields)} columns where the file has {width}: "
                f"{line.strip()!r}"
            )
        if not words:
            lines.append(number)
        words.append(fields[word_column])
        tags.append(fields[tag_column])
    if words:
        records.append({"tokens": words, "ner_tags": tags})
    if not records:
        raise DataFormatError(f"{source} holds no sentences")
    return Table(records, source, lines, ["tokens", "ner_tags"])


def read_sentences(
    data: str | os.PathLike[str] | Sequence[Mapping[str, Any]] | Any,
    *,
    split: str | None = None,
    format: str | None = None,
    word_column: int = 0,
    tag_column: int = -1,
) -> Table:
    """Records of sentences: JSON / JSON lines / a dataset by :func:`read_table`, CoNLL text
    by :func:`read_conll` (any extension other than ``.csv``, ``.tsv``, ``.json``,
    ``.jsonl``, or ``format="conll"``)."""
    if isinstance(data, (str, os.PathLike)):
        if format == "conll" or (format is None and Path(data).suffix.lower() not in FORMATS):
            return read_conll(data, word_column=word_column, tag_column=tag_column)
    return read_table(data, split=split, format=format)


def _columns(table: Table, tokens_column: str | None, tags_column: str | None) -> tuple[str, str]:
    if tokens_column is not None or tags_column is not None:
        pair = (tokens_column or "tokens", tags_column or "ner_tags")
        table.require(*pair)
        return pair
    for pair in COLUMN_PAIRS:
        if all(c in table.columns for c in pair):
            return pair
    missing = next(c for c in COLUMN_PAIRS[0] if c not in table.columns)
    raise DataFormatError(
        f"{table.source} has no column {missing!r} (nor 'words' + 'ner'); columns found: "
        f"{table.columns}"
    )


def _tag_ids(
    table: Table, column: str, tags: list[list[Any]], fixed: dict[str, int] | None
) -> tuple[list[list[int]], dict[int, str]]:
    integers = [isinstance(t, int) and not isinstance(t, bool) for row in tags for t in row]
    if any(integers):
        if not all(integers):
            raise DataFormatError(f"{table.source}: column {column!r} mixes text and integer tags")
        if fixed is None:
            raise DataFormatError(
                f"{table.source}: column {column!r} holds integer tags; pass label_names (the "
                "tag of each id) or the model's label2id"
            )
    elif fixed is None:
        fixed = {name: i for i, name in enumerate(sorted({t for row in tags for t in row}))}
    ids = []
    for i, row in enumerate(tags):
        row_ids = []
        for tag in row:
            if isinstance(tag, str) and tag in fixed:
                row_ids.append(fixed[tag])
            elif isinstance(tag, int) and not isinstance(tag, bool) and 0 <= tag < len(fixed):
                row_ids.append(tag)
            else:
                raise unknown_label(table.where(i), tag, fixed)
        ids.append(row_ids)
    return ids, {i: name for name, i in fixed.items()}


def b_to_i(id2label: Mapping[int, str]) -> list[int]:
    """For every tag id, the id continuation pieces get: a ``B-X`` tag's ``I-X`` where the
    tag set has it, else the tag itself."""
    label2id = {name: i for i, name in id2label.items()}
    out = []
    for i in range(len(id2label)):
        name = id2label[i]
        inside = "I-" + name[2:] if name.startswith("B-") else None
        out.append(label2id.get(inside, i) if inside else i)
    return out


def token_classification_features(
    data: str | os.PathLike[str] | Sequence[Mapping[str, Any]] | Any,
    tokenizer: AlbertTokenizerBase | str | os.PathLike[str],
    *,
    split: str | None = None,
    format: str | None = None,
    tokens_column: str | None = None,
    tags_column: str | None = None,
    word_column: int = 0,
    tag_column: int = -1,
    label2id: Mapping[str, int] | None = None,
    label_names: Sequence[str] | None = None,
    label_all_tokens: bool = False,
    max_length: int = DEFAULT_MAX_LENGTH,
    padding: str = "max_length",
    truncation: bool = True,
) -> TaskFeatures:
    """Features for ``token-classification``.

    Args:
        data: a JSON / JSON lines file, a CoNLL text file, a list of dicts or a dataset.
        tokenizer: an ALBERT tokenizer, or a model directory / name to load one from.
        split, format: the ``DatasetDict`` split; the format instead of the extension
            (``"conll"``, ``"json"``, ``"jsonl"``).
        tokens_column, tags_column: the columns of the words and the tags.
        word_column, tag_column: the CoNLL columns of the word and the tag.
        label2id: the tag ids fixed by a model (for validation data).
        label_names: the tag of each id (integer tags index them).
        label_all_tokens: every piece of a word carries a tag, not only the first.
        max_length, padding, truncation: as :func:`text_classification_features`; a cut
            sentence loses the tags of the words past ``max_length``.

    ``extras["word_ids"]`` holds each piece's word index in its sentence (-1 for special
    tokens and padding).
    """
    check_options(max_length, padding)
    table = read_sentences(data, split=split, format=format, word_column=word_column,
                           tag_column=tag_column)
    words_col, tags_col = _columns(table, tokens_column, tags_column)
    sentences, tags = [], []
    for i in range(len(table)):
        words, row_tags = table.value(i, words_col), table.value(i, tags_col)
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise DataFormatError(
                f"{table.where(i)}: column {words_col!r} holds {words!r}, not a list of words"
            )
        if not isinstance(row_tags, list) or len(row_tags) != len(words):
            raise DataFormatError(
                f"{table.where(i)}: column {tags_col!r} holds {row_tags!r}, not a list of "
                f"{len(words)} tags (one per word)"
            )
        sentences.append(words)
        tags.append(row_tags)
    fixed = fixed_label_ids(label2id, label_names)
    if fixed is None and tags_col in table.label_names:
        fixed = fixed_label_ids(None, table.label_names[tags_col])
    tag_ids, id2label = _tag_ids(table, tags_col, tags, fixed)
    tokenizer = load_tokenizer(tokenizer)
    flat = [w for words in sentences for w in words]
    pieces = iter(tokenizer(flat, add_special_tokens=False, return_attention_mask=False,
                            return_token_type_ids=False)["input_ids"] if flat else [])
    continuation = b_to_i(id2label)
    rows, labels, word_ids, truncated = [], [], [], 0
    room = max_length - 2
    for words, ids in zip(sentences, tag_ids, strict=True):
        row, row_labels, row_words = [], [], []
        for index, tag in enumerate(ids):
            word_pieces = next(pieces)
            row.extend(word_pieces)
            row_words.extend([index] * len(word_pieces))
            rest = continuation[tag] if label_all_tokens else IGNORE_INDEX
            row_labels.extend([tag] + [rest] * (len(word_pieces) - 1) if word_pieces else [])
        if len(row) > room:
            if not truncation:
                raise ValueError(
                    f"a sentence of {len(words)} words has {len(row) + 2} tokens, more than "
                    f"max_length={max_length}; pass truncation=True"
                )
            row, row_labels, row_words = row[:room], row_labels[:room], row_words[:room]
            truncated += 1
        rows.append([tokenizer.cls_token_id, *row, tokenizer.sep_token_id])
        labels.append([IGNORE_INDEX, *row_labels, IGNORE_INDEX])
        word_ids.append([-1, *row_words, -1])
    width = max_length if padding == "max_length" else None
    arrays = pad_rows(rows, None, tokenizer.pad_token_id, width, labels=labels)
    words_array = pad_rows(word_ids, None, 0, width, labels=word_ids, label_pad=-1)["labels"]
    return TaskFeatures("token-classification", arrays, id2label, extras={"word_ids": words_array},
                        truncated=truncated, source=table.source)
