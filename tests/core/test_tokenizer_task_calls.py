"""Tokenizer calls of task preprocessing: words lists, windows with a stride, offsets, word ids.

The reference outputs are transformers 4.57.6's fast ALBERT tokenizer, in
``tests/fixtures/tokenizer_task_goldens.json`` (written by
``tests/fixtures/make_tokenizer_task_goldens.py``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from albert_core.tokenizers import AlbertTokenizer, AlbertTokenizerFast, BatchEncoding
from albert_core.tokenizers.alignment import strip_word_spaces
from albert_core.tokenizers.batch_encoding import TokenSpan
from albert_core.tokenizers.overflow import target_lengths, windows

GOLDENS_PATH = Path(__file__).resolve().parents[1] / "fixtures" / "tokenizer_task_goldens.json"
GOLDENS = json.loads(GOLDENS_PATH.read_text(encoding="utf-8"))
CASES = {case["name"]: case for case in GOLDENS["cases"]}
# transformers' Python tokenizers split an equally long pair differently under longest_first.
FAST_ONLY = {"pair_longest_first_tie"}


def plain(value):
    if isinstance(value, tuple | list):
        return [plain(item) for item in value]
    return value


def call(cls, spiece_model_path, case):
    tokenizer = cls(spiece_model_path, **case["init"])
    return tokenizer(*case["args"], **case["kwargs"])


def test_goldens_match_the_shared_vocabulary(spiece_model_path):
    assert GOLDENS["transformers_version"] == "4.57.6"
    digest = hashlib.sha256(spiece_model_path.read_bytes()).hexdigest()
    assert GOLDENS["vocab_sha256"] == digest


@pytest.mark.parametrize("name", sorted(CASES))
def test_fast_matches_transformers(spiece_model_path, name):
    case = CASES[name]
    out = call(AlbertTokenizerFast, spiece_model_path, case)
    assert {key: plain(value) for key, value in out.items()} == case["output"]
    rows = len(case["word_ids"])
    assert [out.word_ids(i) for i in range(rows)] == case["word_ids"]
    assert [out.sequence_ids(i) for i in range(rows)] == case["sequence_ids"]


@pytest.mark.parametrize("name", sorted(set(CASES) - FAST_ONLY))
def test_slow_gives_the_same_rows_without_offsets(spiece_model_path, name):
    case = CASES[name]
    kwargs = {key: value for key, value in case["kwargs"].items()
              if key != "return_offsets_mapping"}
    out = AlbertTokenizer(spiece_model_path, **case["init"])(*case["args"], **kwargs)
    expected = {key: value for key, value in case["output"].items() if key != "offset_mapping"}
    assert {key: plain(value) for key, value in out.items()} == expected
    assert [out.word_ids(i) for i in range(len(case["word_ids"]))] == case["word_ids"]
    assert [out.sequence_ids(i) for i in range(len(case["word_ids"]))] == case["sequence_ids"]


@pytest.mark.parametrize(
    "name", sorted(name for name, case in CASES.items() if case["slow_input_ids"] is not None)
)
def test_slow_matches_transformers_python_tokenizer(spiece_model_path, name):
    case = CASES[name]
    out = call(AlbertTokenizer, spiece_model_path, case)
    assert out["input_ids"] == case["slow_input_ids"]


def test_a_tie_is_split_differently_by_the_two_references():
    case = CASES["pair_longest_first_tie"]
    assert case["output"]["token_type_ids"].count(0) == 5  # [CLS] + 3 + [SEP]
    assert case["slow_input_ids"] != case["output"]["input_ids"]


def test_word_lookups(fast):
    out = fast(["Hello", "unbelievable", "world"], ["and", "more"], is_split_into_words=True)
    assert out.tokens() == ["[CLS]", "▁hello", "▁un", "be", "liev", "able", "▁world", "[SEP]",
                            "▁and", "▁more", "[SEP]"]
    assert out.word_to_tokens(1) == TokenSpan(2, 6)
    assert out.word_to_tokens(0, 1, sequence_index=1) == TokenSpan(9, 10)
    assert out.word_to_tokens(7) is None
    assert out.token_to_word(3) == 1
    assert out.token_to_word(0, 9) == 1
    assert out.token_to_word(0) is None
    assert out.token_to_sequence(8) == 1
    assert out.token_to_sequence(7) is None


def test_overflow_keeps_the_batch_axis_and_makes_tensors(fast):
    text = "one two three four five six seven eight nine ten"
    out = fast(text, truncation=True, max_length=6, stride=1, return_overflowing_tokens=True,
               padding="max_length", return_tensors="np")
    assert out["input_ids"].shape == (3, 6)
    assert out["overflow_to_sample_mapping"].tolist() == [0, 0, 0]
    first, second = out.word_ids(0), out.word_ids(1)
    assert first[1:5] == [0, 1, 2, 3] and second[1] == 3  # the stride token is shared


@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize(("max_length", "stride"), [(5, 0), (6, 2), (9, 4), (40, 3)])
def test_windows_cover_the_text_and_share_stride_tokens(spiece_model_path, side, max_length,
                                                        stride):
    tokenizer = AlbertTokenizerFast(spiece_model_path, truncation_side=side)
    text = "a fairly long sentence, with commas, digits like 1,000 and unbelievable words"
    whole = tokenizer(text, add_special_tokens=False)["input_ids"]
    out = tokenizer(text, truncation=True, max_length=max_length, stride=stride,
                    return_overflowing_tokens=True)
    rows = [row[1:-1] for row in out["input_ids"]]
    ranges = windows(len(whole), max_length - 2, stride, side)
    assert rows == [whole[start:stop] for start, stop in ranges]
    covered = sorted({index for start, stop in ranges for index in range(start, stop)})
    assert covered == list(range(len(whole)))
    for (start, stop), (next_start, next_stop) in zip(ranges, ranges[1:], strict=False):
        shared = min(stop, next_stop) - max(start, next_start)
        assert shared == stride or (side, next_start) == ("left", 0) and shared >= stride
    assert out["overflow_to_sample_mapping"] == [0] * len(rows)


def test_stride_must_fit_the_window(fast):
    with pytest.raises(ValueError, match="stride=4 must be smaller than the window of 4"):
        fast("a b c d e f g h", truncation=True, max_length=6, stride=4,
             return_overflowing_tokens=True)
    with pytest.raises(ValueError, match="stride"):
        fast("a b", stride=-1)


def test_bad_word_inputs(fast):
    with pytest.raises(TypeError, match="list of words"):
        fast("not split", is_split_into_words=True)
    with pytest.raises(TypeError, match=r"text\[1\]"):
        fast(["ok", 3], is_split_into_words=True)
    with pytest.raises(ValueError, match="text_pair"):
        fast([["a"], ["b"]], [["c"]], is_split_into_words=True)


def test_token_info_needs_a_tokenizer_call(fast):
    padded = fast.pad({"input_ids": [[2, 3], [2, 14, 3]]})
    with pytest.raises(ValueError, match="word_ids"):
        padded.word_ids(0)
    with pytest.raises(ValueError, match="sequence_ids"):
        BatchEncoding({"input_ids": [1]}).sequence_ids()


def test_windows_and_lengths():
    assert windows(10, 4, 1, "right") == [(0, 4), (3, 7), (6, 10)]
    assert windows(10, 4, 1, "left") == [(6, 10), (3, 7), (0, 4)]
    assert windows(3, 4, 1, "right") == [(0, 3)]
    assert target_lengths(5, 5, 7, "longest_first", "tokenizers") == (3, 4)
    assert target_lengths(5, 5, 7, "longest_first", "python") == (4, 3)
    assert target_lengths(10, 3, 8, "longest_first", "tokenizers") == (5, 3)
    assert target_lengths(10, 3, 13, "only_second", "tokenizers") == (10, 3)
    assert target_lengths(10, 6, 13, "only_second", "tokenizers") == (10, 3)
    with pytest.raises(ValueError, match="second sequence has only 3"):
        target_lengths(10, 3, 8, "only_second", "tokenizers")


def test_strip_word_spaces():
    text = "a  b [MASK] c"
    offsets = [(0, 1), (2, 4), (4, 11), (11, 12), (12, 13)]
    assert strip_word_spaces(text, offsets) == [(0, 1), (3, 4), (5, 11), (12, 13), (12, 13)]


def test_offsets_cover_the_original_text(fast):
    text = "  Héllo   wörld\tagain "
    out = fast(text, add_special_tokens=False, return_offsets_mapping=True)
    spans = [text[a:b] for a, b in out["offset_mapping"]]
    assert spans[:3] == [" Héllo", " wörld", "\tagain"]
    assert np.all(np.diff([a for a, _ in out["offset_mapping"]]) > 0)
