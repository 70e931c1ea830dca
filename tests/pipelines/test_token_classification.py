"""The token-classification pipeline: aggregation strategies, offsets, windows, options.

The aggregation rules are checked on a fake backend whose scores are looked up per token
id, so every expected entity is known; the tiny model checks the real data path.
"""

from __future__ import annotations

import numpy as np
import pytest
from pipeline_testutils import FakeBackend, per_token, small_config
from tiny_models import NER_LABELS

from albert_core.pipelines import PipelineError, TokenClassificationPipeline
from albert_core.pipelines.token_classification import split_label

TEXT = "Hugging Face Inc. is in New York City, unbelievably."


def probs(**given: float) -> np.ndarray:
    """A probability vector over NER_LABELS (``B_PER=0.7``); the rest shared equally."""
    p = np.zeros(len(NER_LABELS))
    for name, value in given.items():
        p[NER_LABELS.index(name.replace("_", "-"))] = value
    p[p == 0] = (1 - p.sum()) / np.count_nonzero(p == 0)
    return p


#: Per piece: its probabilities over NER_LABELS.
DESIGN = {
    "▁hugging": probs(B_ORG=0.9), "▁face": probs(I_ORG=0.8), "▁inc": probs(I_ORG=0.7),
    ".": probs(O=0.6), "▁is": probs(O=0.95), "▁in": probs(O=0.95),
    "▁new": probs(B_LOC=0.9), "▁york": probs(I_LOC=0.85), "▁city": probs(I_LOC=0.8),
    ",": probs(O=0.9),
    "▁un": probs(B_MISC=0.5, B_PER=0.2), "be": probs(B_PER=0.7),
    "liev": probs(B_PER=0.3, B_MISC=0.45), "ably": probs(O=0.5, B_MISC=0.3),
}


@pytest.fixture(scope="module")
def designed(tokenizer):
    """``make(max_positions)``: a pipeline over the designed scores."""
    table = {tokenizer.convert_tokens_to_ids(piece): np.log(p) for piece, p in DESIGN.items()}
    assert len(table) == len(DESIGN), "a designed piece is not in the vocabulary"
    config = small_config(id2label=dict(enumerate(NER_LABELS)))

    def make(max_positions: int = 128, **options) -> TokenClassificationPipeline:
        backend = FakeBackend(per_token(table, np.log(probs(O=0.99))))
        return TokenClassificationPipeline(None, tokenizer, backend,
                                           config.copy(max_position_embeddings=max_positions),
                                           **options)

    return make


def test_the_design_matches_the_tokenizer(tokenizer):
    pieces = tokenizer.tokenize(TEXT)
    assert pieces == ["▁hugging", "▁face", "▁inc", ".", "▁is", "▁in", "▁new", "▁york", "▁city",
                      ",", "▁un", "be", "liev", "ably", "."]


def test_none_gives_every_token_but_ignored_labels(designed):
    result = designed()(TEXT)
    assert [(e["entity"], e["word"]) for e in result] == [
        ("B-ORG", "Hugging"), ("I-ORG", "Face"), ("I-ORG", "Inc"), ("B-LOC", "New"),
        ("I-LOC", "York"), ("I-LOC", "City"), ("B-MISC", "un"), ("B-PER", "be"),
        ("B-MISC", "liev"),
    ]
    first = result[0]
    assert first == {"entity": "B-ORG", "score": pytest.approx(0.9), "index": 1,
                     "word": "Hugging", "start": 0, "end": 7}
    assert [e["index"] for e in result][-3:] == [11, 12, 13]
    for entity in result:
        assert TEXT[entity["start"]:entity["end"]] == entity["word"]
    everything = designed()(TEXT, ignore_labels=[])
    assert len(everything) == len(DESIGN) + 1  # "." twice


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        ("simple", [("ORG", "Hugging Face Inc", np.mean([0.9, 0.8, 0.7])),
                    ("LOC", "New York City", np.mean([0.9, 0.85, 0.8])), ("MISC", "un", 0.5),
                    ("PER", "be", 0.7), ("MISC", "liev", 0.45)]),
        ("first", [("ORG", "Hugging Face Inc.", np.mean([0.9, 0.8, 0.7])),
                   ("LOC", "New York City,", np.mean([0.9, 0.85, 0.8])),
                   ("MISC", "unbelievably.", 0.5)]),
        # "City," is one word: its "," (O 0.9) outweighs "city" (I-LOC 0.8) under max and
        # average, so the word is O and the place ends at "York".
        ("max", [("ORG", "Hugging Face Inc.", np.mean([0.9, 0.8, 0.7])),
                 ("LOC", "New York", np.mean([0.9, 0.85])),
                 ("PER", "unbelievably.", 0.7)]),
        ("average", [("ORG", "Hugging Face Inc.", None), ("LOC", "New York", None),
                     ("MISC", "unbelievably.", None)]),
    ],
)
def test_aggregation_strategies(designed, strategy, expected):
    result = designed(aggregation_strategy=strategy)(TEXT)
    assert [(e["entity_group"], e["word"]) for e in result] == [e[:2] for e in expected]
    for entity, (_, _, score) in zip(result, expected, strict=True):
        assert set(entity) == {"entity_group", "score", "word", "start", "end"}
        assert TEXT[entity["start"]:entity["end"]] == entity["word"]
        if score is not None:
            assert entity["score"] == pytest.approx(score)
    if strategy == "average":
        word = ["▁un", "be", "liev", "ably", "."]
        mean = np.mean([DESIGN[p] for p in word], axis=0)
        assert result[-1]["score"] == pytest.approx(mean.max())
        # The word-level label of "Inc." averages I-ORG 0.7 with "." (O 0.6): I-ORG wins.
        inc = np.mean([DESIGN["▁inc"], DESIGN["."]], axis=0)
        assert result[0]["score"] == pytest.approx(np.mean([0.9, 0.8, inc.max()]))


def test_long_texts_are_windowed_without_changing_entities(designed):
    text = " ".join([TEXT] * 12)
    whole = designed(max_positions=512)
    small = designed(max_positions=8)
    for strategy in ("none", "simple", "first", "average", "max"):
        assert small(text, aggregation_strategy=strategy) == whole(
            text, aggregation_strategy=strategy)
    rows = [row for call in small.backend.calls for row in call["attention_mask"]]
    assert max(int(row.sum()) for row in rows) == 8 and len(rows) > 30
    strided = designed(max_positions=8, stride=0)
    assert strided(text) == whole(text)
    with pytest.raises(PipelineError, match="overlap"):
        designed(max_positions=8, stride=6)


def test_labels_without_prefixes_group_when_equal(tokenizer):
    table = {tokenizer.convert_tokens_to_ids(p): np.log([0.1, 0.9]) for p in ("▁new", "▁york")}
    pipe = TokenClassificationPipeline(
        None, tokenizer, FakeBackend(per_token(table, np.log([0.9, 0.1]))),
        small_config(id2label={0: "NONE", 1: "PLACE"}), ignore_labels=["NONE"])
    result = pipe("I love New York a lot", aggregation_strategy="simple")
    assert [(e["entity_group"], e["word"]) for e in result] == [("PLACE", "New York")]


def test_split_label():
    assert split_label("B-PER") == ("B", "PER")
    assert split_label("I-PER") == ("I", "PER")
    assert split_label("S-LOC") == ("B", "LOC")
    assert split_label("E-LOC") == ("I", "LOC")
    assert split_label("O") == ("I", "O")
    assert split_label("LABEL_3") == ("I", "LABEL_3")


def test_tiny_model_end_to_end(get_pipeline):
    ner = get_pipeline("token-classification")
    text = "My name is Wolfgang and I live in Berlin, unbelievably."
    tokens = ner(text, ignore_labels=[])
    assert len(tokens) == len(ner.tokenizer.tokenize(text))
    assert all(e["entity"] in NER_LABELS and 0 < e["score"] <= 1 for e in tokens)
    for strategy in ("simple", "first", "average", "max"):
        entities = ner(text, aggregation_strategy=strategy, ignore_labels=[])
        assert entities and entities[0]["start"] == 0 and entities[-1]["end"] == len(text)
        for entity in entities:
            assert text[entity["start"]:entity["end"]] == entity["word"]
    batch = ner([text, "Berlin"], aggregation_strategy="first")
    assert batch[0] == ner(text, aggregation_strategy="first")


def test_bad_inputs(get_pipeline, designed):
    ner = get_pipeline("token-classification")
    with pytest.raises(PipelineError, match="aggregation_strategy"):
        ner("x", aggregation_strategy="longest")
    with pytest.raises(PipelineError, match="empty"):
        ner(["ok", ""])
    with pytest.raises(PipelineError, match="aggregation_strategy"):
        designed(aggregation_strategy="mean")
