"""Multiple choice features: SWAG and the generic layout, [examples, choices, seq], errors."""

from __future__ import annotations

import re

import numpy as np
import pytest

from albert_core.tasks import DataFormatError, multiple_choice_features

SWAG = [
    {"sent1": "Members of the group sit.", "sent2": "They",
     "ending0": "sing a song.", "ending1": "fly away.", "ending2": "eat a car.",
     "ending3": "melt.", "label": 0},
    {"sent1": "A man opens the door.", "sent2": "He",
     "ending0": "walks in.", "ending1": "is a door.", "ending2": "swims.",
     "ending3": "turns blue.", "label": 3},
]


def _swag_csv(records):
    header = list(records[0])
    rows = [",".join(f'"{r[c]}"' if isinstance(r[c], str) else str(r[c]) for c in header)
            for r in records]
    return ",".join(header) + "\n" + "\n".join(rows) + "\n"


def test_swag_choices_are_sent1_and_sent2_plus_ending(write, tokenizer):
    features = multiple_choice_features(write("train.csv", _swag_csv(SWAG)), tokenizer,
                                        max_length=24)
    assert features.head == "multiple-choice" and features.id2label is None
    for name in ("input_ids", "attention_mask", "token_type_ids"):
        assert features[name].shape == (2, 4, 24) and features[name].dtype == np.int64
    assert features["labels"].dtype == np.int64
    np.testing.assert_array_equal(features["labels"], [0, 3])
    expected = tokenizer("A man opens the door.", "He turns blue.", padding="max_length",
                         max_length=24)
    assert features["input_ids"][1, 3].tolist() == expected["input_ids"]
    assert features["token_type_ids"][1, 3].tolist() == expected["token_type_ids"]
    assert features.config_updates() == {}


def test_every_swag_format_gives_the_same_features(write, tokenizer):
    sources = [write("a.csv", _swag_csv(SWAG)), write("a.json", SWAG),
               write("b.json", {"data": SWAG}), write("a.jsonl", SWAG), SWAG]
    results = [multiple_choice_features(s, tokenizer, max_length=24) for s in sources]
    for other in results[1:]:
        for name, array in results[0].arrays.items():
            np.testing.assert_array_equal(other[name], array)


def test_generic_layout_any_fixed_number_of_choices(write, tokenizer):
    records = [{"question": "Where is the sun?", "choices": ["up", "down", "left"], "label": 0},
               {"question": "What is ice?", "choices": ["hot", "cold", "loud"], "label": "cold"}]
    features = multiple_choice_features(write("q.jsonl", records), tokenizer,
                                        padding="longest")
    assert features["input_ids"].shape[:2] == (2, 3)
    np.testing.assert_array_equal(features["labels"], [0, 1])
    expected = tokenizer("What is ice?", "loud")["input_ids"]
    assert features["input_ids"][1, 2, :len(expected)].tolist() == expected
    both = [{"context": "It is winter.", "question": "What is ice?",
             "choices": ["hot", "cold"], "label": 1}]
    features = multiple_choice_features(both, tokenizer, padding="longest")
    assert features["input_ids"][0, 1].tolist() == tokenizer(
        "It is winter.", "What is ice? cold")["input_ids"]


def test_a_choice_count_that_varies(write, tokenizer):
    records = [{"question": "a", "choices": ["x", "y", "z"], "label": 0},
               {"question": "b", "choices": ["x", "y"], "label": 0}]
    path = write("q.jsonl", records)
    with pytest.raises(DataFormatError, match=re.escape(
            f"{path} line 2 has 2 choices where {path} line 1 has 3")):
        multiple_choice_features(path, tokenizer)
    swag = [dict(SWAG[0]), {k: v for k, v in SWAG[1].items() if k != "ending3"}]
    with pytest.raises(DataFormatError, match="record 2 has 3 choices where"):
        multiple_choice_features(swag, tokenizer)
    with pytest.raises(DataFormatError, match="has 1 choices; at least 2"):
        multiple_choice_features([{"question": "a", "choices": ["x"], "label": 0}], tokenizer)


def test_labels(tokenizer):
    bad = [dict(SWAG[0], label=4)]
    with pytest.raises(DataFormatError, match=r"record 1: label 4 is not a choice index 0\.\.3"):
        multiple_choice_features(bad, tokenizer)
    with pytest.raises(DataFormatError, match="'maybe' is neither a choice index"):
        multiple_choice_features([dict(SWAG[0], label="maybe")], tokenizer)
    unlabelled = [{k: v for k, v in SWAG[0].items() if k != "label"}]
    features = multiple_choice_features(unlabelled, tokenizer, with_labels=False)
    assert "labels" not in features.arrays
    with pytest.raises(DataFormatError, match="has no column 'label'"):
        multiple_choice_features(unlabelled, tokenizer)


def test_missing_columns_and_non_text(write, tokenizer):
    path = write("a.csv", "sent1,ending0,ending1,label\na,b,c,0\n")
    with pytest.raises(DataFormatError, match=re.escape(
            f"{path} has no column 'sent2'; columns found: ['sent1', 'ending0', 'ending1', "
            "'label']")):
        multiple_choice_features(path, tokenizer)
    with pytest.raises(DataFormatError, match="no column 'question' or 'context'"):
        multiple_choice_features([{"choices": ["a", "b"], "label": 0}], tokenizer)
    with pytest.raises(DataFormatError, match="has no column 'choices'"):
        multiple_choice_features([{"question": "a", "label": 0}], tokenizer)
    with pytest.raises(DataFormatError, match=r"column 'choices' holds 2 \(int\), not text"):
        multiple_choice_features([{"question": "a", "choices": ["b", 2], "label": 0}],
                                 tokenizer)
    with pytest.raises(DataFormatError, match="column 'ending1' holds None"):
        multiple_choice_features([dict(SWAG[0], ending1=None)], tokenizer)
