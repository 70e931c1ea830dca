"""Batching of every task: rows sorted by length, padded per batch, answers in input order."""

from __future__ import annotations

import numpy as np
import pytest
from pipeline_testutils import FakeBackend, SpyBackend, assert_same, small_config

from albert_core.pipelines import PipelineError, TextClassificationPipeline
from albert_core.pipelines.base import PAD_TO_MULTIPLE_OF, length_batches

CONTEXT = ("The Amazon rainforest covers much of the Amazon basin of South America. "
           "Most of the forest is contained within Brazil, with 60% of the rainforest. ") * 3

#: Task -> (inputs of mixed lengths, not in length order; call options). The long
#: token-classification text and the QA contexts (max_seq_len 48) are read in windows.
CASES = {
    "fill-mask": (["The [MASK] sat.",
                   "A much longer sentence about rainforests, rivers and the [MASK] that "
                   "lives in them, written to be long.",
                   "[MASK] it.",
                   "Paris is the [MASK] of France, or so they [MASK] say."], {"top_k": 3}),
    "text-classification": (["Short.",
                             ("A longer first text of a pair, about the forest.",
                              "And its second text, which is also rather long, sadly."),
                             "A text of medium length here.",
                             {"text": "x"}], {"top_k": None}),
    "token-classification": (["My name is Wolfgang.",
                              "Hugging Face Inc. is in New York City. " * 16,
                              "I live in Berlin, unbelievably."],
                             {"aggregation_strategy": "simple", "ignore_labels": []}),
    "question-answering": ([("What covers the basin?", CONTEXT[:80]),
                            ("Where is most of the forest?", CONTEXT),
                            ("Who?", CONTEXT[:200])], {"top_k": 2, "max_seq_len": 48}),
    "feature-extraction": (["Hello world.",
                            "A longer sentence about rainforests, rivers and their fish.",
                            "Hi."], {"pooling": "none"}),
}


def widths(calls: list[dict[str, np.ndarray]]) -> list[tuple[int, int]]:
    """``(rows, width)`` of every batch a backend ran."""
    return [batch["input_ids"].shape for batch in calls]


def test_length_batches_sorts_stably_longest_first():
    assert length_batches([3, 9, 3, 5, 9], 2) == [[1, 4], [3, 0], [2]]
    assert length_batches([4, 4, 4], 8) == [[0, 1, 2]]
    assert length_batches([2, 7, 5], 1) == [[1], [2], [0]]
    assert length_batches([], 4) == []
    for bad in (0, -1, True, 2.5):
        with pytest.raises(PipelineError, match=rf"batch_size must be a positive int, got {bad}"):
            length_batches([1], bad)


@pytest.mark.parametrize("framework", ["pt", "tf", "flax"])
@pytest.mark.parametrize("task", list(CASES))
def test_batched_calls_equal_one_by_one(get_pipeline, task, framework):
    inputs, options = CASES[task]
    pipe = get_pipeline(task, framework)
    alone = [pipe(item, **options, batch_size=1) for item in inputs]
    assert_same(pipe(inputs, **options, batch_size=2), alone, atol=1e-5)
    assert_same(pipe(inputs, **options), alone, atol=1e-5)


@pytest.mark.parametrize("task", list(CASES))
def test_batches_are_padded_to_their_own_longest_row(get_pipeline, monkeypatch, task):
    inputs, options = CASES[task]
    pipe = get_pipeline(task, "pt")
    spy = SpyBackend(pipe.backend)
    monkeypatch.setattr(pipe, "backend", spy)
    expected = pipe(inputs, **options, batch_size=1)
    rows = sorted((int(row.sum()) for call in spy.calls for row in call["attention_mask"]),
                  reverse=True)
    assert len(rows) >= 3 and all(shape[0] == 1 for shape in widths(spy.calls))

    spy.calls.clear()
    assert_same(pipe(inputs, **options, batch_size=2), expected, atol=1e-5)
    got = [[int(row.sum()) for row in call["attention_mask"]] for call in spy.calls]
    assert [n for lengths in got for n in lengths] == rows, "longest rows first"
    for (size, width), lengths in zip(widths(spy.calls), got, strict=True):
        assert size <= 2
        assert width == -(-max(lengths) // PAD_TO_MULTIPLE_OF) * PAD_TO_MULTIPLE_OF
    assert widths(spy.calls)[-1][1] < widths(spy.calls)[0][1], "short rows padded to long"

    spy.calls.clear()
    pipe(inputs, **options)  # the pipeline's batch_size (8) when the call names none
    assert [shape[0] for shape in widths(spy.calls)] == [
        len(rows[start:start + 8]) for start in range(0, len(rows), 8)]


@pytest.mark.parametrize("task", list(CASES))
def test_a_bad_batch_size_names_the_value(get_pipeline, task):
    inputs, options = CASES[task]
    for bad in (0, -2, True, "2"):
        with pytest.raises(PipelineError, match=rf"batch_size must be a positive int, got {bad!r}"):
            get_pipeline(task, "pt")(inputs, **options, batch_size=bad)


def test_each_answer_comes_from_its_own_row(tokenizer):
    fake = FakeBackend(lambda batch: {"logits": np.stack(
        [batch["attention_mask"].sum(axis=1), np.zeros(len(batch["input_ids"]))], axis=1)})
    classify = TextClassificationPipeline(None, tokenizer, fake, small_config(num_labels=2),
                                          batch_size=3)
    texts = ["a b", "one two three four five six seven eight nine ten eleven twelve", "c",
             "a sentence of a few more words", "d e f", "some more words"]
    results = classify(texts, top_k=None, function_to_apply="none")
    for text, result in zip(texts, results, strict=True):
        length = len(tokenizer(text)["input_ids"])
        assert {r["label"]: r["score"] for r in result}["LABEL_0"] == length, text
    assert [shape[0] for shape in widths(fake.calls)] == [3, 3]
    assert len(classify(texts, batch_size=4)) == 6 and [s[0] for s in widths(fake.calls)] == [
        3, 3, 4, 2]
