"""Masked-LM data from plain text (run_mlm's files), masked with ALBERT's n-gram masking.

A text file holds a document per line (``documents="line"``, empty lines skipped) or
documents separated by blank lines (``documents="blank_line"``, the lines of a document
joined by spaces). The documents become rows of at most ``max_length`` tokens:

* ``line_by_line=True``: one row per document, ``[CLS] document [SEP]``, cut to
  ``max_length``;
* otherwise (packed): the documents' pieces run on, a ``[SEP]`` between documents, cut into
  blocks of ``max_length - 2`` pieces, each ``[CLS] block [SEP]``; the last block is kept
  even when short, so no text is dropped.

:func:`mask_blocks` then picks the predicted tokens with
:func:`albert_core.training.masking.mask_example` (whole-word n-grams, ``P(n) ∝ 1/n``; 80%
``[MASK]``, 10% a random token, 10% kept); call it again with another seed for fresh masks
each epoch.
"""

from __future__ import annotations

import os
import random
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from albert_core.tasks.features import (
    DEFAULT_MAX_LENGTH,
    TaskFeatures,
    check_options,
    load_tokenizer,
    pad_rows,
)
from albert_core.tasks.files import DataFormatError, read_table, read_text
from albert_core.tasks.text_classification import texts_of
from albert_core.tokenizers.base import AlbertTokenizerBase

#: What separates documents in a text file.
DOCUMENT_LAYOUTS = ("line", "blank_line")


def read_documents(
    data: str | os.PathLike[str] | Sequence[str] | Sequence[Mapping[str, Any]] | Any,
    *,
    documents: str = "line",
    text_column: str = "text",
    split: str | None = None,
) -> list[str]:
    """The documents of a text file, a list of strings, or records / a dataset with a
    ``text_column`` (one document per record)."""
    if documents not in DOCUMENT_LAYOUTS:
        raise ValueError(f"documents must be one of {DOCUMENT_LAYOUTS}, got {documents!r}")
    if isinstance(data, (str, os.PathLike)):
        text = read_text(data)
        if documents == "line":
            out = [line.strip() for line in text.split("\n")]
        else:
            out = [" ".join(block.split()) for block in _blocks(text)]
        out = [doc for doc in out if doc]
        source = str(data)
    elif isinstance(data, Sequence) and all(isinstance(d, str) for d in data):
        out, source = [d for d in data if d.strip()], "texts"
    else:
        table = read_table(data, split=split)
        table.require(text_column)
        out, source = [d for d in texts_of(table, text_column) if d.strip()], table.source
    if not out:
        raise DataFormatError(f"{source} holds no text")
    return out


def _blocks(text: str) -> list[str]:
    blocks, current = [], []
    for line in text.split("\n"):
        if line.strip():
            current.append(line)
        elif current:
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    return blocks


def masked_lm_blocks(
    data: str | os.PathLike[str] | Sequence[str] | Any,
    tokenizer: AlbertTokenizerBase | str | os.PathLike[str],
    *,
    documents: str = "line",
    line_by_line: bool = False,
    text_column: str = "text",
    split: str | None = None,
    max_length: int = DEFAULT_MAX_LENGTH,
    padding: str = "max_length",
) -> TaskFeatures:
    """Unmasked rows for ``masked-lm`` (no ``labels``): see the module docstring."""
    check_options(max_length, padding)
    docs = read_documents(data, documents=documents, text_column=text_column, split=split)
    tokenizer = load_tokenizer(tokenizer)
    pieces = tokenizer(docs, add_special_tokens=False, return_attention_mask=False,
                       return_token_type_ids=False)["input_ids"]
    room = max_length - 2
    truncated = 0
    if line_by_line:
        chunks = []
        for ids in pieces:
            truncated += len(ids) > room
            chunks.append(ids[:room])
    else:
        stream: list[int] = []
        for ids in pieces:
            if stream:
                stream.append(tokenizer.sep_token_id)
            stream.extend(ids)
        chunks = [stream[start:start + room] for start in range(0, len(stream), room)]
    rows = [[tokenizer.cls_token_id, *chunk, tokenizer.sep_token_id] for chunk in chunks]
    arrays = pad_rows(rows, None, tokenizer.pad_token_id,
                      max_length if padding == "max_length" else None)
    source = str(data) if isinstance(data, (str, os.PathLike)) else ""
    return TaskFeatures("masked-lm", arrays, truncated=truncated, source=source)


def mask_blocks(
    features: TaskFeatures,
    tokenizer: AlbertTokenizerBase | str | os.PathLike[str],
    *,
    masked_lm_prob: float = 0.15,
    max_ngram: int = 3,
    mask_token_prob: float = 0.8,
    random_token_prob: float = 0.1,
    max_predictions: int | None = None,
    seed: int = 0,
) -> TaskFeatures:
    """Masked copies of unmasked rows: ``input_ids`` with the replacements made and int64
    ``labels`` (the original id at each predicted position, -100 elsewhere).

    ``max_predictions`` bounds the predicted tokens per row (default
    ``round(seq * masked_lm_prob)``); the draws are seeded by ``seed``.
    """
    from albert_core.training.data_config import DataConfig
    from albert_core.training.masking import mask_example
    from albert_core.training.vocab import VocabInfo

    tokenizer = load_tokenizer(tokenizer)
    ids = features.arrays["input_ids"]
    width = ids.shape[1]
    config = DataConfig(
        max_seq_length=max(8, width), masked_lm_prob=masked_lm_prob, max_ngram=max_ngram,
        mask_token_prob=mask_token_prob, random_token_prob=random_token_prob,
        max_predictions_per_seq=max_predictions or max(1, round(width * masked_lm_prob)),
    )
    vocab = VocabInfo.from_tokenizer(tokenizer)
    rng = random.Random(seed)
    lengths = features.arrays["attention_mask"].sum(axis=1)
    masked = [mask_example(ids[i], int(lengths[i]), vocab, config, rng) for i in range(len(ids))]
    arrays = dict(features.arrays)
    arrays["input_ids"] = np.stack([m.input_ids for m in masked]).astype(np.int64)
    arrays["labels"] = np.stack([m.labels for m in masked]).astype(np.int64)
    return TaskFeatures("masked-lm", arrays, truncated=features.truncated,
                        source=features.source)


def masked_lm_features(
    data: str | os.PathLike[str] | Sequence[str] | Any,
    tokenizer: AlbertTokenizerBase | str | os.PathLike[str],
    *,
    masked_lm_prob: float = 0.15,
    max_ngram: int = 3,
    seed: int = 0,
    **options: Any,
) -> TaskFeatures:
    """:func:`masked_lm_blocks` (``options``: ``documents``, ``line_by_line``,
    ``text_column``, ``split``, ``max_length``, ``padding``) masked by :func:`mask_blocks`:
    features for ``masked-lm``."""
    tokenizer = load_tokenizer(tokenizer)
    blocks = masked_lm_blocks(data, tokenizer, **options)
    return mask_blocks(blocks, tokenizer, masked_lm_prob=masked_lm_prob, max_ngram=max_ngram,
                       seed=seed)
