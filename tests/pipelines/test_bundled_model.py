"""The bundled default model: shipped complete, loads strictly everywhere, fills masks.

``albert_core/bundled/albert-small-wordnet`` is committed (``scripts/pretrain_bundled_model.py``
made it), so these tests run on every checkout.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from pipeline_testutils import framework_installed

from albert_core import DEFAULT_MODEL, cli
from albert_core.bundled import DEFAULT_MODEL_TASKS, bundled_model_dir
from albert_core.config import AlbertConfig
from albert_core.pipelines import TASKS, PipelineError, default_model, pipeline

README_SENTENCE = "Plants create energy through a process known as [MASK]."
#: The issue's limit on what the repository carries for the model.
MAX_BYTES = 25 * 1024 * 1024

DIRECTORY = bundled_model_dir(DEFAULT_MODEL)
MASKED_LM_CLASSES = {
    "pt": ("albert_pt", "AlbertForMaskedLM"),
    "tf": ("albert_tf", "TFAlbertForMaskedLM"),
    "flax": ("albert_flax", "FlaxAlbertForMaskedLM"),
}


def test_the_default_model_is_bundled_complete_and_small():
    assert DIRECTORY is not None, f"{DEFAULT_MODEL} is not under albert_core/bundled"
    names = {path.name for path in DIRECTORY.iterdir()}
    assert {"config.json", "model.safetensors", "spiece.model", "tokenizer_config.json",
            "README.md", "loss_curve.png", "eval_results.json"} <= names
    assert (DIRECTORY / "loss_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    size = sum(path.stat().st_size for path in DIRECTORY.iterdir())
    assert size <= MAX_BYTES, f"{size / 1e6:.1f} MB"


def test_the_model_card_records_data_licence_steps_and_held_out_accuracy():
    card = (DIRECTORY / "README.md").read_text(encoding="utf-8")
    evaluation = json.loads((DIRECTORY / "eval_results.json").read_text())
    steps = json.loads((DIRECTORY / "log.jsonl").read_text().splitlines()[-1])["step"]
    assert evaluation["step"] == steps
    assert "WordNet 3.0" in card and "license" in card.lower()
    assert re.search(rf"\b{steps} steps\b", card), "the card does not give the step count"
    assert f"| masked-LM accuracy | {evaluation['mlm_accuracy']:.4f} |" in card
    assert "![loss curve](loss_curve.png)" in card


def test_default_model_serves_fill_mask_and_feature_extraction_only():
    for task in TASKS:
        if task in DEFAULT_MODEL_TASKS:
            assert default_model(task) == DEFAULT_MODEL
        else:
            with pytest.raises(PipelineError, match="fine-tuned"):
                default_model(task)
    with pytest.raises(PipelineError, match="token-classification needs a model"):
        pipeline("ner")  # an alias, and no model named


@pytest.mark.parametrize("framework", list(MASKED_LM_CLASSES))
def test_loads_by_name_with_no_missing_or_unexpected_weights(framework):
    if not framework_installed(framework):
        pytest.skip(f"framework {framework!r} is not installed")
    import importlib

    module, name = MASKED_LM_CLASSES[framework]
    model = getattr(importlib.import_module(module), name).from_pretrained(DEFAULT_MODEL)
    report = model.loading_report
    assert not report.missing and not report.unexpected and not report.mismatched
    assert isinstance(model.config, AlbertConfig)
    assert model.config.to_dict() == AlbertConfig.from_pretrained(DIRECTORY).to_dict()


# Words a weak masked-LM guesses anywhere; none of them fits the README sentence.
FUNCTION_WORDS = {"also", "from", "have", "into", "that", "their", "them", "there", "these",
                  "they", "this", "which", "with", "when", "were", "what"}


@pytest.fixture(scope="module")
def fill_mask_pt():
    if not framework_installed("pt"):
        pytest.skip("framework 'pt' is not installed")
    return pipeline("fill-mask")  # no model: the bundled default


def test_fill_mask_on_the_readme_sentence_guesses_words(fill_mask_pt):
    guesses = fill_mask_pt(README_SENTENCE, top_k=5)
    assert len(guesses) == 5
    scores = [guess["score"] for guess in guesses]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0.01
    # Letters, not punctuation or special tokens.
    for guess in guesses:
        assert re.fullmatch(r"[a-z]+", guess["token_str"]), guess
    # The top guess is a whole word (a piece that starts one) and a content word, not a
    # function word or a suffix.
    top = guesses[0]
    assert fill_mask_pt.tokenizer.convert_ids_to_tokens([top["token"]])[0] == "\u2581" + top[
        "token_str"], top
    assert len(top["token_str"]) >= 4 and top["token_str"] not in FUNCTION_WORDS, top


@pytest.mark.parametrize("framework", ["tf", "flax"])
def test_every_framework_gives_the_same_answers(fill_mask_pt, framework):
    if not framework_installed(framework):
        pytest.skip(f"framework {framework!r} is not installed")
    other = pipeline("fill-mask", framework=framework)
    want = fill_mask_pt(README_SENTENCE, top_k=5)
    got = other(README_SENTENCE, top_k=5)
    assert [g["token"] for g in got] == [w["token"] for w in want]
    np.testing.assert_allclose([g["score"] for g in got], [w["score"] for w in want],
                               rtol=1e-4, atol=1e-6)


def test_the_command_line_runs_fill_mask_without_a_model(capsys):
    if not framework_installed("pt"):
        pytest.skip("framework 'pt' is not installed")
    assert cli.main(["run", "--task", "fill-mask", "--top-k", "3", README_SENTENCE]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["input"] == README_SENTENCE and len(record["predictions"]) == 3
    assert cli.main(["run", "--task", "question-answering", "--context", "c", "q"]) == 2
    assert "needs a model fine-tuned for it" in capsys.readouterr().err
