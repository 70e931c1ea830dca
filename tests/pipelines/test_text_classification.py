"""The text-classification pipeline: labels, scores, pairs, truncation, options."""

from __future__ import annotations

import numpy as np
import pytest
from pipeline_testutils import FakeBackend, small_config

from albert_core.pipelines import PipelineError, TextClassificationPipeline
from albert_core.pipelines.base import softmax

TEXT = "What a lovely day for a walk in the park."


@pytest.fixture(scope="module")
def classify(get_pipeline):
    return get_pipeline("text-classification")


def model_logits(pipe, text, pair=None):
    """The classifier's logits computed without the pipeline (tokenizer + backend)."""
    encoded = pipe.tokenizer(text, pair, return_tensors="np")
    batch = {k: np.asarray(v, dtype=np.int64) for k, v in encoded.items()}
    return pipe.backend.forward(pipe.model, batch)["logits"][0]


def test_labels_and_scores_are_the_softmax_of_the_logits(classify):
    probs = softmax(model_logits(classify, TEXT))
    result = classify(TEXT, top_k=None)
    assert [r["label"] for r in result] == [
        ["NEGATIVE", "POSITIVE"][i] for i in np.argsort(-probs)]
    np.testing.assert_allclose([r["score"] for r in result], np.sort(probs)[::-1], rtol=1e-6)
    assert classify(TEXT) == result[:1]
    assert sum(r["score"] for r in result) == pytest.approx(1.0)


def test_pairs_use_segment_b(classify):
    expected = softmax(model_logits(classify, "The cat sat.", "A cat was sitting."))
    for form in [("The cat sat.", "A cat was sitting."),
                 {"text": "The cat sat.", "text_pair": "A cat was sitting."}]:
        result = {r["label"]: r["score"] for r in classify(form, top_k=None)}
        np.testing.assert_allclose([result["NEGATIVE"], result["POSITIVE"]], expected,
                                   rtol=1e-6)
    alone = classify("The cat sat.", top_k=None)
    assert alone != classify(("The cat sat.", "A cat was sitting."), top_k=None)
    assert classify({"text": "The cat sat."}, top_k=None) == alone


def test_batches_equal_single_calls(classify):
    inputs = [TEXT, ("a", "b"), "Short.", {"text": "x y z"}]
    batched = classify(inputs, top_k=None)
    for item, result in zip(inputs, batched, strict=True):
        single = classify(item, top_k=None)
        assert [r["label"] for r in result] == [r["label"] for r in single]
        np.testing.assert_allclose([r["score"] for r in result], [r["score"] for r in single],
                                   atol=1e-6)


def test_score_functions(classify):
    logits = model_logits(classify, TEXT)
    raw = classify(TEXT, top_k=None, function_to_apply="none")
    assert sorted(r["score"] for r in raw) == pytest.approx(sorted(logits.tolist()), abs=1e-6)
    sig = classify(TEXT, top_k=None, function_to_apply="sigmoid")
    assert sorted(r["score"] for r in sig) == pytest.approx(
        sorted((1 / (1 + np.exp(-logits))).tolist()), abs=1e-6)


def test_default_function_follows_the_config(tokenizer):
    fake = FakeBackend(lambda batch: {"logits": np.tile([[2.0, 0.0, -1.0]],
                                                         (len(batch["input_ids"]), 1))})
    tok = tokenizer
    single = TextClassificationPipeline(None, tok, fake, small_config(num_labels=3))
    multi = TextClassificationPipeline(
        None, tok, fake, small_config(num_labels=3, problem_type="multi_label_classification"))
    assert single.default_function == "softmax" and multi.default_function == "sigmoid"
    assert multi("x", top_k=None)[0] == {"label": "LABEL_0", "score": pytest.approx(0.8807970)}
    assert [r["label"] for r in single("x", top_k=2)] == ["LABEL_0", "LABEL_1"]


def test_long_inputs_are_truncated_with_a_warning(classify):
    with pytest.warns(UserWarning, match="truncated to 128"):
        result = classify("word " * 300)
    assert len(result) == 1
    long_a, short_b = "alpha " * 200, "beta gamma."
    with pytest.warns(UserWarning, match="truncated"):
        classify((long_a, short_b))
    with pytest.warns(UserWarning):
        a, b = classify._fit(list(range(200)), list(range(5)), "t")
    assert len(a) + len(b) == classify.max_length - 3 and len(b) == 5


def test_bad_inputs(classify):
    with pytest.raises(PipelineError, match="empty"):
        classify("  ")
    with pytest.raises(PipelineError, match="'text'"):
        classify({"sentence": "x"})
    with pytest.raises(PipelineError, match="text_pair"):
        classify(("a", " "))
    with pytest.raises(PipelineError, match="top_k"):
        classify(TEXT, top_k=0)
    with pytest.raises(PipelineError, match="function_to_apply"):
        classify(TEXT, function_to_apply="relu")
    with pytest.raises(TypeError, match="str"):
        classify([TEXT, None])
