"""Parity with the transformers 4.57.6 goldens: every head, config and checkpoint format."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

pytest.importorskip("flax")

from flax_testutils import (  # noqa: E402
    GOLDEN_CONFIGS,
    GOLDENS,
    HEADS,
    assert_matches_golden,
    flatten,
    golden,
    golden_config,
    golden_inputs,
)
from safetensors.numpy import load_file  # noqa: E402

from albert_core import checkpoints, schema  # noqa: E402
from albert_flax import MODEL_CLASSES, weights  # noqa: E402

CASES = [(c, h) for c in GOLDEN_CONFIGS for h in HEADS]
FORMATS = list(checkpoints.FORMATS)


def _case_id(case: tuple[str, str]) -> str:
    return "/".join(case)


@pytest.fixture(scope="module", params=CASES, ids=_case_id)
def case(request):
    """A model per golden case, params copied straight from model.safetensors."""
    config_name, head = request.param
    config = golden_config(config_name, head)
    arrays, _ = schema.check(
        load_file(GOLDENS / config_name / head / "model.safetensors"), config, head
    )
    model = MODEL_CLASSES[head](config, _do_init=False)
    model.params = weights.arrays_to_params(arrays, config, head)
    return config_name, head, model


def _all_outputs(model, data, params=None):
    out = model(
        **golden_inputs(data), params=params, output_hidden_states=True, output_attentions=True
    )
    return flatten(out)


def test_all_outputs_match_golden(case):
    """Logits, losses, every hidden state and attention map within 1e-5."""
    config_name, head, model = case
    data = golden(config_name, head)
    assert_matches_golden(_all_outputs(model, data), data, "output.")


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
    loaded = MODEL_CLASSES[head].from_pretrained(GOLDENS / config_name / head, fmt=fmt)
    report = loaded.loading_report
    assert report.ok and not report.missing and not report.unexpected
    data = golden(config_name, head)
    # the reference model's compiled forward is shared (same class and config)
    assert loaded._forward is model._forward
    assert_matches_golden(_all_outputs(loaded, data), data, "output.")


@pytest.mark.parametrize("extra", ["head_mask", "position_ids", "inputs_embeds"])
@pytest.mark.parametrize("config_name", GOLDEN_CONFIGS)
def test_model_extra_cases(config_name, extra):
    """The base model with a head mask, permuted positions, or embeddings instead of ids."""
    data = golden(config_name, "model")
    model = MODEL_CLASSES["model"].from_pretrained(GOLDENS / config_name / "model")
    inputs = {k: data[f"input.{k}"] for k in ("input_ids", "attention_mask", "token_type_ids")}
    if extra == "inputs_embeds":
        del inputs["input_ids"]
    inputs[extra] = data[f"case.{extra}"]
    out = model(**inputs, output_hidden_states=True, output_attentions=True)
    assert_matches_golden(flatten(out, prefix=f"{extra}."), data, f"{extra}.")


def test_head_mask_rows_equal_golden():
    """A (num_hidden_layers, heads) mask with equal rows is the 1-D mask of the golden."""
    data = golden("groups2_inner2", "model")
    config = golden_config("groups2_inner2", "model")
    model = MODEL_CLASSES["model"].from_pretrained(GOLDENS / "groups2_inner2" / "model")
    rows = np.tile(data["case.head_mask"], (config.num_hidden_layers, 1))
    inputs = {k: data[f"input.{k}"] for k in ("input_ids", "attention_mask", "token_type_ids")}
    out = model(**inputs, head_mask=rows, output_hidden_states=True, output_attentions=True)
    assert_matches_golden(flatten(out, prefix="head_mask."), data, "head_mask.")


def test_highest_precision_matches_golden():
    """precision="highest" (full float32 matmuls on GPU/TPU) gives the same numbers."""
    data = golden("relu", "masked-lm")
    model = MODEL_CLASSES["masked-lm"].from_pretrained(
        GOLDENS / "relu" / "masked-lm", precision="highest"
    )
    assert_matches_golden(_all_outputs(model, data), data, "output.")
