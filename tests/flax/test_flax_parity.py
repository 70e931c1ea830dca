"""Parity with the transformers 4.57.6 goldens: every head, config and checkpoint format."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

pytest.importorskip("flax")

import golden_testutils as gold  # noqa: E402

from albert_core import checkpoints  # noqa: E402
from albert_flax import MODEL_CLASSES, weights  # noqa: E402

FORMATS = list(checkpoints.FORMATS)


@pytest.fixture(scope="module", params=gold.CASES, ids=gold.case_id)
def case(request):
    """A model per golden case, params copied straight from model.safetensors."""
    config_name, head = request.param
    config = gold.golden_config(config_name, head)
    model = MODEL_CLASSES[head](config, _do_init=False)
    model.params = weights.arrays_to_params(gold.golden_arrays(config_name, head), config, head)
    return config_name, head, model


def _all_outputs(model, data, params=None):
    inputs = gold.golden_inputs(data)
    out = model(**inputs, params=params, output_hidden_states=True, output_attentions=True)
    return gold.flatten(out)


def test_all_outputs_match_golden(case):
    """Logits, losses, every hidden state and attention map within 1e-5."""
    config_name, head, model = case
    data = gold.golden(config_name, head)
    gold.assert_matches_golden(_all_outputs(model, data), data, "output.")


def _needs(fmt: str) -> None:
    if fmt == "pytorch":
        pytest.importorskip("torch")
    module = checkpoints.FORMATS[fmt][2]
    if importlib.util.find_spec(f"albert_core.checkpoints.{module}") is None:
        pytest.skip(f"the {fmt} reader has not landed yet")


@pytest.mark.parametrize("fmt", FORMATS)
def test_from_pretrained_every_format(case, fmt):
    """from_pretrained on each file transformers wrote: nothing missing, outputs match."""
    _needs(fmt)
    config_name, head, model = case
    loaded = MODEL_CLASSES[head].from_pretrained(gold.golden_dir(config_name, head), fmt=fmt)
    report = loaded.loading_report
    assert report.ok and not report.missing and not report.unexpected
    data = gold.golden(config_name, head)
    # the reference model's compiled forward is shared (same class and config)
    assert loaded._forward is model._forward
    gold.assert_matches_golden(_all_outputs(loaded, data), data, "output.")


@pytest.mark.parametrize("extra", gold.EXTRA_CASES)
@pytest.mark.parametrize("config_name", gold.GOLDEN_CONFIGS)
def test_model_extra_cases(config_name, extra):
    """The base model with a head mask, permuted positions, or embeddings instead of ids."""
    data = gold.golden(config_name, "model")
    model = MODEL_CLASSES["model"].from_pretrained(gold.golden_dir(config_name, "model"))
    inputs = gold.extra_case_inputs(data, extra)
    out = model(**inputs, output_hidden_states=True, output_attentions=True)
    gold.assert_matches_golden(gold.flatten(out, prefix=f"{extra}."), data, f"{extra}.")


def test_head_mask_rows_equal_golden():
    """A (num_hidden_layers, heads) mask with equal rows is the 1-D mask of the golden."""
    data = gold.golden("groups2_inner2", "model")
    config = gold.golden_config("groups2_inner2", "model")
    model = MODEL_CLASSES["model"].from_pretrained(gold.golden_dir("groups2_inner2", "model"))
    rows = np.tile(data["case.head_mask"], (config.num_hidden_layers, 1))
    inputs = {k: data[f"input.{k}"] for k in gold.FEATURES}
    out = model(**inputs, head_mask=rows, output_hidden_states=True, output_attentions=True)
    gold.assert_matches_golden(gold.flatten(out, prefix="head_mask."), data, "head_mask.")


def test_highest_precision_matches_golden():
    """precision="highest" (full float32 matmuls on GPU/TPU) gives the same numbers."""
    data = gold.golden("relu", "masked-lm")
    model = MODEL_CLASSES["masked-lm"].from_pretrained(
        gold.golden_dir("relu", "masked-lm"), precision="highest"
    )
    gold.assert_matches_golden(_all_outputs(model, data), data, "output.")
