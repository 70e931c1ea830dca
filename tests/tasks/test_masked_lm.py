"""Masked-LM features from plain text: documents, line-by-line rows, packed blocks, masking."""

from __future__ import annotations

import numpy as np
import pytest

from albert_core.modeling_utils import IGNORE_INDEX
from albert_core.tasks import (
    DataFormatError,
    mask_blocks,
    masked_lm_blocks,
    masked_lm_features,
    read_documents,
)

TEXT = """The quick brown fox jumps over the lazy dog.
A second document is here.

Third line, after a blank line, continues
on the next line.
"""


def test_documents_by_line_or_blank_line(write):
    path = write("corpus.txt", TEXT)
    assert read_documents(path) == [
        "The quick brown fox jumps over the lazy dog.", "A second document is here.",
        "Third line, after a blank line, continues", "on the next line."]
    assert read_documents(path, documents="blank_line") == [
        "The quick brown fox jumps over the lazy dog. A second document is here.",
        "Third line, after a blank line, continues on the next line."]
    assert read_documents(["a", " ", "b"]) == ["a", "b"]
    assert read_documents([{"text": "a"}, {"text": "b"}]) == ["a", "b"]
    with pytest.raises(ValueError, match="documents must be one of"):
        read_documents(path, documents="page")


def test_line_by_line_rows(write, tokenizer):
    path = write("corpus.txt", TEXT)
    blocks = masked_lm_blocks(path, tokenizer, line_by_line=True, max_length=8)
    assert blocks.head == "masked-lm" and "labels" not in blocks.arrays
    assert blocks["input_ids"].shape == (4, 8) and blocks["input_ids"].dtype == np.int64
    docs = read_documents(path)
    for row, doc in zip(blocks["input_ids"], docs, strict=True):
        expected = tokenizer(doc, truncation=True, max_length=8)["input_ids"]
        assert row[:len(expected)].tolist() == expected
    assert blocks.truncated == sum(len(tokenizer(d)["input_ids"]) > 8 for d in docs) > 0


def test_packed_blocks_keep_every_piece(write, tokenizer):
    path = write("corpus.txt", TEXT)
    blocks = masked_lm_blocks(path, tokenizer, documents="blank_line", max_length=10)
    docs = read_documents(path, documents="blank_line")
    stream = _pieces(tokenizer, docs[0]) + [tokenizer.sep_token_id] + _pieces(tokenizer, docs[1])
    ids, mask = blocks["input_ids"], blocks["attention_mask"]
    assert ids.shape == (-(-len(stream) // 8), 10)
    assert (ids[:, 0] == tokenizer.cls_token_id).all()
    rebuilt = []
    for row, row_mask in zip(ids, mask, strict=True):
        real = row[row_mask == 1].tolist()
        assert real[-1] == tokenizer.sep_token_id
        rebuilt += real[1:-1]
    assert rebuilt == stream
    assert mask[-1].sum() < 10, "the short last block is kept"


def _pieces(tokenizer, text):
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def test_masking_predicts_original_ids_and_never_special_tokens(write, tokenizer):
    path = write("corpus.txt", TEXT * 3)
    blocks = masked_lm_blocks(path, tokenizer, max_length=32)
    features = mask_blocks(blocks, tokenizer, masked_lm_prob=0.2, seed=3)
    labels, original = features["labels"], blocks["input_ids"]
    assert labels.dtype == np.int64 and labels.shape == original.shape
    chosen = labels != IGNORE_INDEX
    assert chosen.any()
    np.testing.assert_array_equal(labels[chosen], original[chosen])
    specials = np.isin(original, [tokenizer.cls_token_id, tokenizer.sep_token_id,
                                  tokenizer.pad_token_id])
    assert not (chosen & specials).any()
    np.testing.assert_array_equal(features["input_ids"][~chosen], original[~chosen])
    assert (features["input_ids"][chosen] == tokenizer.mask_token_id).mean() > 0.5
    np.testing.assert_array_equal(features["attention_mask"], blocks["attention_mask"])
    again = mask_blocks(blocks, tokenizer, masked_lm_prob=0.2, seed=3)
    np.testing.assert_array_equal(again["labels"], labels)
    other = mask_blocks(blocks, tokenizer, masked_lm_prob=0.2, seed=4)
    assert (other["labels"] != labels).any()


def test_masked_lm_features_in_one_call(write, tokenizer):
    path = write("corpus.txt", TEXT)
    features = masked_lm_features(path, tokenizer, line_by_line=True, max_length=16, seed=1)
    assert set(features.arrays) == {"input_ids", "attention_mask", "token_type_ids", "labels"}
    assert ((features["labels"] != IGNORE_INDEX).sum(axis=1) >= 1).all()


def test_empty_input(write, tokenizer):
    with pytest.raises(DataFormatError, match="is empty"):
        masked_lm_features(write("a.txt", "\n \n"), tokenizer)
    with pytest.raises(DataFormatError, match="texts holds no text"):
        masked_lm_features(["", " "], tokenizer)
    with pytest.raises(DataFormatError, match="has no column 'text'"):
        masked_lm_features([{"body": "a"}], tokenizer)


def test_datasets_text_column(tokenizer):
    datasets = pytest.importorskip("datasets")
    data = datasets.Dataset.from_list([{"text": "hello world"}, {"text": ""}])
    assert read_documents(data) == ["hello world"]
