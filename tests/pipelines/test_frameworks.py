"""Every task on every installed framework gives PyTorch's answers (scores within 1e-4)."""

from __future__ import annotations

import pytest
from pipeline_testutils import assert_same

from albert_core.pipelines import PipelineError, parse_device, pipeline

CONTEXT = ("The Amazon rainforest covers much of the Amazon basin of South America. "
           "Most of the forest is contained within Brazil, with 60% of the rainforest. ") * 8

#: Task -> (inputs, call options): batches with pairs, several masks, long inputs.
CASES = {
    "fill-mask": (["Plants create energy through a process known as [MASK].",
                   "The [MASK] sat on the [MASK]."], {"top_k": 4}),
    "text-classification": (["What a lovely day.", ("The cat sat.", "A cat was sitting.")],
                            {"top_k": None}),
    "token-classification": (["My name is Wolfgang and I live in Berlin, unbelievably.",
                              "Hugging Face Inc. is in New York City. " * 12],
                             {"aggregation_strategy": "simple", "ignore_labels": []}),
    "question-answering": ([("Where is most of the forest?", CONTEXT),
                            ("What covers the basin?", CONTEXT[:80])], {"top_k": 3}),
    "feature-extraction": (["Hello world.", "A longer sentence about rainforests."], {}),
}


@pytest.mark.parametrize("framework", ["tf", "flax"])
@pytest.mark.parametrize("task", list(CASES))
def test_frameworks_agree(get_pipeline, task, framework):
    inputs, options = CASES[task]
    expected = get_pipeline(task, "pt")(inputs, **options)
    pipe = get_pipeline(task, framework)
    assert pipe.framework == framework
    assert_same(pipe(inputs, **options), expected)


def test_devices():
    assert parse_device(None) == parse_device(-1) == parse_device("cpu") == ("cpu", 0)
    assert parse_device(0) == parse_device("cuda") == parse_device("0") == ("cuda", 0)
    assert parse_device("cuda:2") == parse_device("gpu:2") == parse_device(2) == ("cuda", 2)
    for bad in ("tpu", "cuda:x", -2, True, 1.5):
        with pytest.raises(PipelineError, match="not understood"):
            parse_device(bad)


@pytest.mark.parametrize("framework", ["pt", "tf", "flax"])
def test_asking_for_a_missing_gpu_is_a_clear_error(get_pipeline, tiny_dirs, framework):
    get_pipeline("fill-mask", framework)  # skips when the framework is not installed
    try:
        pipeline("fill-mask", tiny_dirs["tiny-fill-mask"], framework=framework, device=7)
    except ValueError as err:
        assert "GPU" in str(err) and "7" in str(err)
    else:  # pragma: no cover - a machine with 8 GPUs
        pytest.skip("this machine has a GPU 7")


def test_unknown_framework_and_missing_backend(tiny_dirs, monkeypatch):
    with pytest.raises(PipelineError, match="unknown framework 'mxnet'"):
        pipeline("fill-mask", tiny_dirs["tiny-fill-mask"], framework="mxnet")
    monkeypatch.setitem(__import__("sys").modules, "albert_tf.backend", None)
    with pytest.raises(PipelineError, match=r"'tf' is not installed.*albert-models\[tf\]"):
        pipeline("fill-mask", tiny_dirs["tiny-fill-mask"], framework="tf")
