"""Token classification features: CoNLL text and JSON records, piece labels, the errors."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from albert_core.modeling_utils import IGNORE_INDEX
from albert_core.tasks import DataFormatError, read_conll, token_classification_features
from albert_core.tasks.token_classification import b_to_i

CONLL = """-DOCSTART- -X- -X- O

EU NNP B-NP B-ORG
rejects VBZ B-VP O
German JJ B-NP B-MISC
call NN I-NP O

Peter NNP B-NP B-PER
Blackburn NNP I-NP I-PER
"""

SENTENCES = [
    {"tokens": ["EU", "rejects", "German", "call"], "ner_tags": ["B-ORG", "O", "B-MISC", "O"]},
    {"tokens": ["Peter", "Blackburn"], "ner_tags": ["B-PER", "I-PER"]},
]
TAGS = ["B-MISC", "B-ORG", "B-PER", "I-PER", "O"]


def _pieces(tokenizer, word):
    return tokenizer(word, add_special_tokens=False)["input_ids"]


def test_read_conll_skips_docstart_and_splits_sentences(write):
    path = write("train.txt", CONLL)
    table = read_conll(path)
    assert table.records == SENTENCES
    assert table.lines == [3, 8]
    tags_first = write("pos.txt", "EU B-ORG NNP\nrejects O VBZ\n")
    assert read_conll(tags_first, tag_column=1).records == [
        {"tokens": ["EU", "rejects"], "ner_tags": ["B-ORG", "O"]}]


def test_first_piece_carries_the_label(write, tokenizer):
    features = token_classification_features(write("train.txt", CONLL), tokenizer, max_length=16)
    assert features.head == "token-classification"
    assert features.id2label == dict(enumerate(TAGS))
    labels, ids, words = features["labels"], features["input_ids"], features.extras["word_ids"]
    assert labels.dtype == np.int64 and labels.shape == (2, 16)
    expected_ids, expected_labels, expected_words = [tokenizer.cls_token_id], [IGNORE_INDEX], [-1]
    for index, (word, tag) in enumerate(zip(SENTENCES[0]["tokens"], SENTENCES[0]["ner_tags"],
                                            strict=True)):
        pieces = _pieces(tokenizer, word)
        assert tokenizer.convert_ids_to_tokens(pieces[0]).startswith("▁")
        expected_ids += pieces
        expected_labels += [TAGS.index(tag)] + [IGNORE_INDEX] * (len(pieces) - 1)
        expected_words += [index] * len(pieces)
    expected_ids.append(tokenizer.sep_token_id)
    n = len(expected_ids)
    assert n > 6, "the fixture should have words of several pieces"
    assert ids[0, :n].tolist() == expected_ids
    assert labels[0, :n].tolist() == expected_labels + [IGNORE_INDEX]
    assert words[0, :n].tolist() == expected_words + [-1]
    assert (labels[0, n:] == IGNORE_INDEX).all() and (ids[0, n:] == tokenizer.pad_token_id).all()
    assert features["attention_mask"][0].tolist() == [1] * n + [0] * (16 - n)
    assert not features["token_type_ids"].any()


def test_label_all_tokens_gives_continuations_the_inside_tag(tokenizer):
    records = [{"tokens": ["Blackburnshire", "rejects"], "ner_tags": ["B-LOC", "O"]}]
    names = ["O", "B-LOC", "I-LOC", "B-MISC"]
    first = _pieces(tokenizer, "Blackburnshire")
    second = _pieces(tokenizer, "rejects")
    assert len(first) > 1 and len(second) > 1
    features = token_classification_features(records, tokenizer, label_names=names,
                                              label_all_tokens=True, padding="longest")
    expected = [IGNORE_INDEX, 1] + [2] * (len(first) - 1) + [0] * len(second) + [IGNORE_INDEX]
    assert features["labels"][0].tolist() == expected
    assert b_to_i(dict(enumerate(names))) == [0, 2, 2, 3]


def test_json_layouts_match_conll(write, tokenizer):
    conll = token_classification_features(write("a.conll", CONLL), tokenizer, max_length=16)
    words_ner = [{"words": s["tokens"], "ner": s["ner_tags"]} for s in SENTENCES]
    named = [{"w": s["tokens"], "t": s["ner_tags"]} for s in SENTENCES]
    sources = [
        (write("a.json", SENTENCES), {}), (write("b.json", {"data": SENTENCES}), {}),
        (write("a.jsonl", SENTENCES), {}), (write("b.jsonl", words_ner), {}),
        (named, {"tokens_column": "w", "tags_column": "t"}),
        ([{"tokens": s["tokens"], "ner_tags": [TAGS.index(t) for t in s["ner_tags"]]}
          for s in SENTENCES], {"label_names": TAGS}),
    ]
    for source, options in sources:
        features = token_classification_features(source, tokenizer, max_length=16, **options)
        assert features.id2label == conll.id2label
        for name, array in conll.arrays.items():
            np.testing.assert_array_equal(features[name], array)


def test_truncation_counts_cut_sentences(tokenizer):
    features = token_classification_features(SENTENCES, tokenizer, max_length=5)
    assert features.truncated == 1
    assert features["input_ids"][0, -1] == tokenizer.sep_token_id
    with pytest.raises(ValueError, match="more than max_length=5; pass truncation=True"):
        token_classification_features(SENTENCES, tokenizer, max_length=5, truncation=False)


def test_ragged_conll_line_names_its_line(write, tokenizer):
    path = write("train.txt", "EU NNP B-NP B-ORG\nrejects VBZ O\n")
    with pytest.raises(DataFormatError, match=re.escape(
            f"{path} line 2 has 3 columns where the file has 4: 'rejects VBZ O'")):
        token_classification_features(path, tokenizer)
    with pytest.raises(DataFormatError, match="line 1 has 1 columns; column 3 is not"):
        read_conll(write("b.txt", "EU\n"), tag_column=3)


def test_empty_files(write, tokenizer):
    with pytest.raises(DataFormatError, match="is empty"):
        token_classification_features(write("a.txt", "\n\n"), tokenizer)
    with pytest.raises(DataFormatError, match="holds no sentences"):
        token_classification_features(write("b.txt", "-DOCSTART- -X- O O\n\n"), tokenizer)
    with pytest.raises(DataFormatError, match="is empty"):
        token_classification_features(write("c.jsonl", ""), tokenizer)


def test_tag_errors(write, tokenizer):
    path = write("dev.jsonl", [{"tokens": ["a", "b"], "ner_tags": ["O", "B-FOO"]}])
    with pytest.raises(DataFormatError, match=re.escape(
            f"{path} line 1: label 'B-FOO' is not one the model knows: ['O', 'B-PER']")):
        token_classification_features(path, tokenizer, label2id={"O": 0, "B-PER": 1})
    ints = [{"tokens": ["a"], "ner_tags": [3]}]
    with pytest.raises(DataFormatError, match="integer tags; pass label_names"):
        token_classification_features(ints, tokenizer)
    with pytest.raises(DataFormatError, match="label 3 is not one the model knows"):
        token_classification_features(ints, tokenizer, label_names=["O", "B-PER"])
    short = [{"tokens": ["a", "b"], "ner_tags": ["O"]}]
    with pytest.raises(DataFormatError, match="record 1: column 'ner_tags' holds.*2 tags"):
        token_classification_features(short, tokenizer)
    with pytest.raises(DataFormatError, match="column 'tokens' holds 'a b', not a list of words"):
        token_classification_features([{"tokens": "a b", "ner_tags": ["O"]}], tokenizer)
    with pytest.raises(DataFormatError, match="mixes text and integer tags"):
        token_classification_features([{"tokens": ["a", "b"], "ner_tags": ["O", 1]}],
                                      tokenizer, label_names=["O", "B"])


def test_missing_columns(write, tokenizer):
    path = write("a.json", [{"tokens": ["a"], "tags": ["O"]}])
    with pytest.raises(DataFormatError, match=re.escape(
            f"{path} has no column 'ner_tags' (nor 'words' + 'ner'); columns found: "
            "['tokens', 'tags']")):
        token_classification_features(path, tokenizer)
    with pytest.raises(DataFormatError, match="has no column 'labels'"):
        token_classification_features(path, tokenizer, tags_column="labels")


def test_datasets_sequence_of_class_labels(tokenizer):
    datasets = pytest.importorskip("datasets")
    features = datasets.Features({
        "tokens": datasets.Sequence(datasets.Value("string")),
        "ner_tags": datasets.Sequence(datasets.ClassLabel(names=["O", "B-PER", "I-PER"])),
    })
    data = datasets.Dataset.from_list([{"tokens": ["Peter", "Blackburn"], "ner_tags": [1, 2]}],
                                      features=features)
    result = token_classification_features(data, tokenizer, max_length=8)
    assert result.id2label == {0: "O", 1: "B-PER", 2: "I-PER"}
    assert [t for t in result["labels"][0].tolist() if t != IGNORE_INDEX] == [1, 2]


def test_fast_tokenizer_and_model_directory_give_the_same_features(write, tokenizer):
    from albert_core.tokenizers.fast import AlbertTokenizerFast

    path = write("train.txt", CONLL)
    slow = token_classification_features(path, tokenizer, max_length=16)
    directory = Path(__file__).resolve().parents[1] / "fixtures" / "tiny-fill-mask"
    for other in (AlbertTokenizerFast.from_pretrained(directory), directory):
        features = token_classification_features(path, other, max_length=16)
        for name, array in slow.arrays.items():
            np.testing.assert_array_equal(features[name], array)
