"""Text classification features: columns, label kinds, every format, the errors."""

from __future__ import annotations

import re

import numpy as np
import pytest

from albert_core.config import AlbertConfig
from albert_core.tasks import DataFormatError, text_classification_features
from albert_core.tasks.files import read_table
from albert_core.tasks.text_classification import read_labels

ROWS = [("a fine film", "pos"), ("dull, and long", "neg"), ("fine", "pos")]


def _csv(rows, header="sentence,label"):
    lines = [header] + [",".join(f'"{v}"' if "," in str(v) else str(v) for v in row)
                        for row in rows]
    return "\n".join(lines) + "\n"


def test_string_labels_become_sorted_label_maps(write, tokenizer):
    features = text_classification_features(write("train.csv", _csv(ROWS)), tokenizer)
    assert features.head == "sequence-classification"
    assert features.id2label == {0: "neg", 1: "pos"}
    assert features.label2id == {"neg": 0, "pos": 1}
    assert features.problem_type == "single_label_classification"
    np.testing.assert_array_equal(features["labels"], [1, 0, 1])
    assert features["labels"].dtype == np.int64
    expected = tokenizer([r[0] for r in ROWS], padding="max_length", max_length=128,
                         return_tensors="np")
    for name in ("input_ids", "attention_mask", "token_type_ids"):
        np.testing.assert_array_equal(features[name], expected[name])
        assert features[name].dtype == np.int64 and features[name].shape == (3, 128)
    config = AlbertConfig.from_pretrained(
        "tests/fixtures/tiny-fill-mask").copy(**features.config_updates())
    assert config.num_labels == 2 and config.id2label == {0: "neg", 1: "pos"}
    assert config.problem_type == "single_label_classification"


def test_every_format_gives_the_same_features(write, tokenizer):
    records = [{"sentence": s, "label": label} for s, label in ROWS]
    tsv = "sentence\tlabel\n" + "".join(f"{s}\t{label}\n" for s, label in ROWS)
    sources = [write("a.csv", _csv(ROWS)), write("a.tsv", tsv), write("a.json", records),
               write("b.json", {"data": records}), write("a.jsonl", records), records]
    results = [text_classification_features(s, tokenizer, max_length=16) for s in sources]
    for other in results[1:]:
        assert other.id2label == results[0].id2label
        for name, array in results[0].arrays.items():
            np.testing.assert_array_equal(other[name], array)


def test_integer_labels_are_ids_as_given(write, tokenizer):
    path = write("a.csv", _csv([("x", 0), ("y", 2), ("z", 2)]))
    features = text_classification_features(path, tokenizer, max_length=8)
    np.testing.assert_array_equal(features["labels"], [0, 2, 2])
    assert features.id2label == {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"}
    named = text_classification_features(path, tokenizer, max_length=8,
                                         label_names=["neg", "neutral", "pos"])
    assert named.id2label == {0: "neg", 1: "neutral", 2: "pos"}


def test_float_labels_mean_regression(write, tokenizer):
    path = write("stsb.tsv", "sentence1\tsentence2\tlabel\na\tb\t3.800\nc\td\t1\n")
    features = text_classification_features(path, tokenizer, max_length=16)
    assert features.problem_type == "regression"
    assert features["labels"].dtype == np.float32
    np.testing.assert_allclose(features["labels"], [3.8, 1.0])
    config = AlbertConfig().copy(**features.config_updates())
    assert config.num_labels == 1 and config.problem_type == "regression"


def test_lists_of_labels_mean_multi_label(write, tokenizer):
    records = [{"text": "a", "label": ["sports", "news"]}, {"text": "b", "label": []},
               {"text": "c", "label": ["arts"]}]
    features = text_classification_features(write("a.jsonl", records), tokenizer, max_length=8)
    assert features.problem_type == "multi_label_classification"
    assert features.id2label == {0: "arts", 1: "news", 2: "sports"}
    assert features["labels"].dtype == np.float32
    np.testing.assert_array_equal(features["labels"], [[0, 1, 1], [0, 0, 0], [1, 0, 0]])
    ints = [{"text": "a", "label": [0, 3]}, {"text": "b", "label": [1]}]
    features = text_classification_features(ints, tokenizer, max_length=8)
    np.testing.assert_array_equal(features["labels"], [[1, 0, 0, 1], [0, 1, 0, 0]])


def test_text_columns(tokenizer):
    pairs = [{"idx": 0, "sentence1": "a b", "sentence2": "c", "label": 1}]
    features = text_classification_features(pairs, tokenizer, max_length=8)
    expected = tokenizer("a b", "c", padding="max_length", max_length=8)
    assert features["input_ids"][0].tolist() == expected["input_ids"]
    assert features["token_type_ids"][0].tolist() == expected["token_type_ids"]
    # else the first two columns that are not the label, or the only one
    other = [{"premise": "a b", "hypothesis": "c", "label": 1}]
    assert text_classification_features(other, tokenizer, max_length=8)[
        "input_ids"][0].tolist() == expected["input_ids"]
    single = [{"label": 1, "review": "a b"}]
    assert text_classification_features(single, tokenizer, max_length=8)[
        "input_ids"][0].tolist() == tokenizer("a b", padding="max_length", max_length=8)[
        "input_ids"]
    named = [{"q": "c", "doc": "a b", "y": "yes"}]
    features = text_classification_features(named, tokenizer, max_length=8, text_column="doc",
                                            text_pair_column="q", label_column="y")
    assert features["input_ids"][0].tolist() == expected["input_ids"]
    assert features.id2label == {0: "yes"}


def test_padding_longest_and_truncation(tokenizer):
    records = [{"text": "one two three four five six seven", "label": 0},
               {"text": "one", "label": 1}]
    features = text_classification_features(records, tokenizer, max_length=6)
    assert features.truncated == 1
    assert features["input_ids"][0].tolist() == tokenizer(
        records[0]["text"], truncation=True, max_length=6)["input_ids"]
    longest = text_classification_features(records, tokenizer, max_length=64, padding="longest")
    assert longest["input_ids"].shape == (2, len(tokenizer(records[0]["text"])["input_ids"]))
    assert longest.truncated == 0
    with pytest.raises(ValueError, match="example 1 has 9 tokens, more than max_length=6"):
        text_classification_features(records, tokenizer, max_length=6, truncation=False)
    with pytest.raises(ValueError, match="padding must be one of"):
        text_classification_features(records, tokenizer, padding="do_not_pad")


def test_without_labels(tokenizer):
    features = text_classification_features([{"sentence": "hi"}], tokenizer, with_labels=False)
    assert "labels" not in features.arrays and features.config_updates() == {}


def test_known_labels_at_validation(write, tokenizer):
    path = write("dev.csv", _csv([("a", "pos"), ("b", "pos")]))
    features = text_classification_features(path, tokenizer, label2id={"neg": 0, "pos": 1})
    assert features.id2label == {0: "neg", 1: "pos"}
    path = write("dev2.csv", _csv([("a", "pos"), ("b", "angry")]))
    with pytest.raises(DataFormatError, match=re.escape(
            f"{path} line 3: label 'angry' is not one the model knows: ['neg', 'pos']")):
        text_classification_features(path, tokenizer, label2id={"neg": 0, "pos": 1})
    path = write("dev3.csv", _csv([("a", 0), ("b", 5)]))
    with pytest.raises(DataFormatError, match="label 5 is not one the model knows"):
        text_classification_features(path, tokenizer, label2id={"neg": 0, "pos": 1})


def test_a_text_column_that_is_not_text(write, tokenizer):
    path = write("a.jsonl", [{"sentence": "ok", "label": 0}, {"sentence": 7, "label": 1}])
    with pytest.raises(DataFormatError, match=re.escape(
            f"{path} line 2: column 'sentence' holds 7 (int), not text")):
        text_classification_features(path, tokenizer)


def test_missing_columns(write, tokenizer):
    path = write("a.csv", "sentence,score\nhi,1\n")
    with pytest.raises(DataFormatError, match=re.escape(
            f"{path} has no column 'label'; columns found: ['sentence', 'score']")):
        text_classification_features(path, tokenizer)
    with pytest.raises(DataFormatError, match="has no column 'body'"):
        text_classification_features(path, tokenizer, text_column="body", label_column="score")
    with pytest.raises(DataFormatError, match="no text column besides 'label'"):
        text_classification_features([{"label": 1}], tokenizer)


def test_bad_labels(write, tokenizer):
    with pytest.raises(DataFormatError, match=r"line 3: column 'label' holds '', not a label"):
        text_classification_features(write("a.csv", "text,label\na,1\nb,\n"), tokenizer)
    mixed = [{"text": "a", "label": "pos"}, {"text": "b", "label": 1}]
    with pytest.raises(DataFormatError, match=r"mixes text labels \(input record 1: 'pos'\)"):
        text_classification_features(mixed, tokenizer)
    ragged = [{"text": "a", "label": ["x"]}, {"text": "b", "label": "x"}]
    with pytest.raises(DataFormatError, match="record 2: column 'label' holds 'x' where other"):
        text_classification_features(ragged, tokenizer)
    with pytest.raises(DataFormatError, match="holds True, not a label"):
        read_labels(read_table([{"label": True}]))


def test_datasets_class_labels(tokenizer):
    datasets = pytest.importorskip("datasets")
    features = datasets.Features({"sentence": datasets.Value("string"),
                                  "label": datasets.ClassLabel(names=["neg", "pos"])})
    train = datasets.Dataset.from_list([{"sentence": "a", "label": 1}], features=features)
    result = text_classification_features(datasets.DatasetDict({"train": train}), tokenizer)
    assert result.id2label == {0: "neg", 1: "pos"}
    np.testing.assert_array_equal(result["labels"], [1])
