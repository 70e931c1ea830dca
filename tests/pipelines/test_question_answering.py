"""The question-answering pipeline: span decoding, windows over long contexts, input forms.

Decoding is checked on a fake backend whose start/end logits are looked up per token id,
so the right answer is known; the tiny model checks the real data path.
"""

from __future__ import annotations

import numpy as np
import pytest
from pipeline_testutils import FakeBackend, small_config

from albert_core.pipelines import PipelineError, QuestionAnsweringPipeline
from albert_core.pipelines.base import windows

CONTEXT = "The capital of France is Paris, a big city on the Seine."
FILLER = "Nothing much happens on this page of the story. " * 40
TREASURE = "The treasure is buried under the old oak tree near the river."


@pytest.fixture(scope="module")
def designed(tokenizer):
    """``make(starts, ends, max_positions, **options)``: a QA pipeline whose start and end
    logits are 10 on the given pieces and 0 elsewhere."""

    def make(starts=(), ends=(), max_positions=128, **options) -> QuestionAnsweringPipeline:
        start_ids = {tokenizer.convert_tokens_to_ids(p) for p in starts}
        end_ids = {tokenizer.convert_tokens_to_ids(p) for p in ends}

        def fn(batch):
            ids = batch["input_ids"]
            return {"start_logits": np.isin(ids, list(start_ids)).astype(np.float32) * 10,
                    "end_logits": np.isin(ids, list(end_ids)).astype(np.float32) * 10}

        return QuestionAnsweringPipeline(None, tokenizer, FakeBackend(fn),
                                         small_config(max_positions, num_labels=2), **options)

    return make


def test_the_answer_is_in_the_context_not_the_question(designed):
    qa = designed(starts=["▁paris"], ends=["▁paris"])
    (answer,) = qa(question="Is Paris the capital?", context=CONTEXT)
    assert answer["answer"] == "Paris" and CONTEXT[answer["start"]:answer["end"]] == "Paris"
    assert answer["score"] > 0.9


def test_max_answer_len(designed):
    qa = designed(starts=["▁capital"], ends=["▁city"])
    (long,) = qa(question="What?", context=CONTEXT)
    assert long["answer"] == "capital of France is Paris, a big city"
    answers = qa(question="What?", context=CONTEXT, max_answer_len=3, top_k=5)
    assert all(len(qa.tokenizer.tokenize(a["answer"])) <= 3 for a in answers)
    assert long["answer"] not in [a["answer"] for a in answers]
    scores = [a["score"] for a in answers]
    assert scores == sorted(scores, reverse=True) and len(answers) == 5


def test_long_contexts_are_read_in_windows(designed):
    context = FILLER + TREASURE + " " + FILLER
    small = designed(starts=["▁oak"], ends=["▁tree"], max_positions=64)
    whole = designed(starts=["▁oak"], ends=["▁tree"], max_positions=512, max_seq_len=512)
    assert len(small.tokenizer.tokenize(context)) > 512  # too long even for a real model
    answers = small(question="Where is the treasure?", context=context, top_k=4)
    assert answers[0]["answer"] == "oak tree"
    assert context[answers[0]["start"]:answers[0]["end"]] == "oak tree"
    spans = [(a["start"], a["end"]) for a in answers]
    assert len(set(spans)) == 4, "a span seen in two windows is reported once"
    rows = [row for call in small.backend.calls for row in call["attention_mask"]]
    assert len(rows) > 20 and max(int(r.sum()) for r in rows) == 64
    top = whole(question="Where is the treasure?", context=context)[0]
    assert (top["start"], top["end"]) == (answers[0]["start"], answers[0]["end"])
    # doc_stride: consecutive windows share that many context tokens.
    tight = designed(starts=["▁oak"], ends=["▁tree"], max_positions=64, doc_stride=0)
    assert tight(question="Where?", context=context)[0]["answer"] == "oak tree"


def test_an_answer_cut_by_a_window_edge_is_found_in_the_overlap(designed, tokenizer):
    qa = designed(starts=["▁oak"], ends=["▁river"], max_positions=32, doc_stride=12)
    context = FILLER[:300] + TREASURE
    pieces = tokenizer.tokenize(context)
    oak, river = pieces.index("▁oak"), pieces.index("▁river")
    # Windows of 27 context tokens sharing 12: one of them ends between "oak" and "river".
    assert any(start <= oak < end <= river for start, end in windows(len(pieces), 27, 12))
    (answer,) = qa(question="Where?", context=context)
    assert answer["answer"] == "oak tree near the river"


def test_impossible_answers(designed):
    qa = designed(starts=["[CLS]"], ends=["[CLS]"])
    (empty,) = qa(question="Who?", context=CONTEXT, handle_impossible_answer=True)
    assert empty == {"score": pytest.approx(1.0, abs=1e-2), "start": 0, "end": 0, "answer": ""}
    (span,) = qa(question="Who?", context=CONTEXT)
    assert span["answer"] and span["score"] < 1e-3


def test_input_forms(designed):
    qa = designed(starts=["▁paris"], ends=["▁paris"])
    single = qa(question="Where?", context=CONTEXT)
    assert qa({"question": "Where?", "context": CONTEXT}) == single
    assert qa(("Where?", CONTEXT)) == single
    assert qa([{"question": "Where?", "context": CONTEXT}, ("Where?", CONTEXT)]) == [single] * 2
    assert qa(question=["Where?", "What?"], context=CONTEXT)[0] == single
    assert qa(question=["Where?"], context=[CONTEXT]) == [single]


def test_long_questions_are_truncated_with_a_warning(designed):
    qa = designed(starts=["▁paris"], ends=["▁paris"])
    with pytest.warns(UserWarning, match="question of .* truncated to max_question_len=64"):
        (answer,) = qa(question="why " * 100, context=CONTEXT)
    assert answer["answer"] == "Paris"


def test_bad_inputs(designed):
    qa = designed()
    with pytest.raises(PipelineError, match="needs a question and a context"):
        qa(question="Where?")
    with pytest.raises(PipelineError, match="2 questions and 3 contexts"):
        qa(question=["a", "b"], context=["x", "y", "z"])
    with pytest.raises(PipelineError, match="'question' and 'context'"):
        qa({"question": "a", "text": "b"})
    with pytest.raises(PipelineError, match="empty context"):
        qa(question="a", context=" ")
    with pytest.raises(PipelineError, match="not both"):
        qa({"question": "a", "context": "b"}, question="a")
    with pytest.raises(PipelineError, match="doc_stride=200 must be smaller"):
        qa(question="a", context=CONTEXT, doc_stride=200)
    with pytest.raises(PipelineError, match="max_seq_len=300 is more than"):
        qa(question="a", context=CONTEXT, max_seq_len=300)
    with pytest.raises(PipelineError, match="max_answer_len"):
        qa(question="a", context=CONTEXT, max_answer_len=0)
    with pytest.raises(PipelineError, match="leaves no room"):
        designed(max_positions=32, max_question_len=40)


def test_tiny_model_end_to_end(get_pipeline):
    qa = get_pipeline("question-answering")
    answers = qa(question="Where is the treasure?", context=TREASURE, top_k=3)
    assert len(answers) == 3
    for answer in answers:
        assert TREASURE[answer["start"]:answer["end"]] == answer["answer"] != ""
        assert 0 < answer["score"] <= 1
    assert [a["score"] for a in answers] == sorted((a["score"] for a in answers), reverse=True)
    batch = qa([("Where is the treasure?", TREASURE), ("Who?", CONTEXT)], top_k=3)
    assert batch[0] == answers
    long = qa(question="Where is the treasure?", context=FILLER + TREASURE)
    assert len(long) == 1 and long[0]["answer"]
