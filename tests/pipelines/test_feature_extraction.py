"""The feature-extraction pipeline: hidden states per token or pooled, lenient loading."""

from __future__ import annotations

import types

import numpy as np
import pytest

from albert_core.pipelines import PipelineError, pipeline
from albert_core.pipelines import _check_loaded as check_loaded

TEXT = "Plants create energy through a process known as photosynthesis."


@pytest.fixture(scope="module")
def features(get_pipeline):
    return get_pipeline("feature-extraction")


def test_hidden_states_per_token(features):
    out = features(TEXT)
    encoded = features.tokenizer(TEXT, return_tensors="np")
    assert isinstance(out, np.ndarray) and out.dtype == np.float32
    assert out.shape == (encoded["input_ids"].shape[1], features.config.hidden_size)
    batch = {k: np.asarray(v, dtype=np.int64) for k, v in encoded.items()}
    direct = features.backend.forward(features.model, batch)["last_hidden_state"][0]
    np.testing.assert_allclose(out, direct, atol=1e-5)


def test_pooling_and_batches(features):
    texts = [TEXT, "Short one.", "A third, longer text than the second one is."]
    per_token = features(texts)
    assert [a.shape[0] for a in per_token] == [len(features.tokenizer(t)["input_ids"])
                                               for t in texts]
    for text, array in zip(texts, per_token, strict=True):
        np.testing.assert_allclose(array, features(text), atol=1e-5)  # padding changes nothing
    means = features(texts, pooling="mean")
    np.testing.assert_allclose(means[1], per_token[1].mean(axis=0), atol=1e-6)
    np.testing.assert_array_equal(features(TEXT, pooling="cls"), per_token[0][0])
    with pytest.raises(PipelineError, match="pooling"):
        features(TEXT, pooling="max")


def test_long_inputs_are_truncated_with_a_warning(features):
    with pytest.warns(UserWarning, match="truncated to 128"):
        out = features("word " * 300)
    assert out.shape[0] == 128


def test_any_checkpoint_works_but_missing_weights_beyond_the_pooler_fail(tiny_dirs):
    # tiny-sst2 has a pooler and a classifier; tiny-fill-mask has no pooler: both load.
    assert pipeline("feature-extraction", tiny_dirs["tiny-sst2"])("x").shape[1] == 32
    report = types.SimpleNamespace(missing=["pooler.weight", "pooler.bias"])
    check_loaded("feature-extraction", types.SimpleNamespace(loading_report=report), "m")
    report.missing.append("encoder.embedding_hidden_mapping_in.weight")
    with pytest.raises(PipelineError, match="lacks weights.*embedding_hidden_mapping_in"):
        check_loaded("feature-extraction", types.SimpleNamespace(loading_report=report), "m")
