"""Parity with the transformers 4.57.6 goldens: every head, config, format and attention path."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from pt_testutils import (  # noqa: E402
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
from albert_pt import MODEL_CLASSES, weights  # noqa: E402

CASES = [(c, h) for c in GOLDEN_CONFIGS for h in HEADS]
IMPLS = ["eager", "sdpa"]


def _case_id(case: tuple[str, str]) -> str:
    return "/".join(case)


@pytest.fixture(scope="module", params=CASES, ids=_case_id)
def loaded(request):
    """A model per golden case, weights copied straight from model.safetensors."""
    config_name, head = request.param
    config = golden_config(config_name, head)
    arrays, _ = schema.check(
        load_file(GOLDENS / config_name / head / "model.safetensors"), config, head
    )
    model = MODEL_CLASSES[head](config).eval()
    weights.load_arrays(model, arrays)
    return config_name, head, model


def _run(model, inputs, **kwargs):
    with torch.no_grad():
        return model(**inputs, **kwargs)


@pytest.mark.parametrize("impl", IMPLS)
def test_all_outputs_match_golden(loaded, impl):
    config_name, head, model = loaded
    model.set_attn_implementation(impl)
    data = golden(config_name, head)
    out = _run(model, golden_inputs(data), output_hidden_states=True, output_attentions=True)
    assert_matches_golden(flatten(out), data, "output.")


def test_sdpa_kernel_path_matches_golden(loaded):
    """Without output_attentions the sdpa path really runs scaled_dot_product_attention."""
    config_name, head, model = loaded
    model.set_attn_implementation("sdpa")
    data = golden(config_name, head)
    got = flatten(_run(model, golden_inputs(data), output_hidden_states=True))
    assert not any(k.startswith("output.attentions") for k in got)
    assert_matches_golden(got, data, "output.", only=set(got))


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("case", ["head_mask", "position_ids", "inputs_embeds"])
@pytest.mark.parametrize("config_name", GOLDEN_CONFIGS)
def test_model_extra_cases(config_name, case, impl):
    data = golden(config_name, "model")
    config = golden_config(config_name, "model")
    arrays, _ = schema.check(
        load_file(GOLDENS / config_name / "model" / "model.safetensors"), config, "model"
    )
    model = MODEL_CLASSES["model"](config, attn_implementation=impl).eval()
    weights.load_arrays(model, arrays)
    inputs = golden_inputs(data)
    plain = {k: inputs[k] for k in ("input_ids", "attention_mask", "token_type_ids")}
    value = torch.from_numpy(data[f"case.{case}"])
    if case == "inputs_embeds":
        del plain["input_ids"]
    out = _run(model, plain, **{case: value}, output_hidden_states=True, output_attentions=True)
    assert_matches_golden(flatten(out, f"{case}."), data, f"{case}.")
    # The same call without attentions (the sdpa kernel unless head_mask forces eager).
    out = _run(model, plain, **{case: value})
    got = flatten(out, f"{case}.")
    assert_matches_golden(got, data, f"{case}.", only=set(got))


# ------------------------------------------------------------- through load_pretrained
def _format_available(fmt: str) -> bool:
    module = checkpoints.FORMATS[fmt][2]
    return importlib.util.find_spec(f"albert_core.checkpoints.{module}") is not None


FORMAT_PARAMS = [
    pytest.param(
        fmt,
        marks=pytest.mark.skipif(
            not _format_available(fmt), reason=f"{fmt} checkpoint module not available"
        ),
    )
    for fmt in checkpoints.READ_PREFERENCE
]


@pytest.mark.parametrize("fmt", FORMAT_PARAMS)
@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_from_pretrained_every_format(case, fmt):
    if fmt == "flax":
        pytest.importorskip("flax")
    if fmt == "tf":
        pytest.importorskip("h5py")
    config_name, head = case
    model = MODEL_CLASSES[head].from_pretrained(GOLDENS / config_name / head, fmt=fmt)
    assert model.loading_report.ok and not model.training
    data = golden(config_name, head)
    out = _run(model, golden_inputs(data), output_hidden_states=True, output_attentions=True)
    assert_matches_golden(flatten(out), data, "output.")


def test_goldens_cover_every_head_and_config():
    assert {h for _, h in CASES} == set(schema.HEADS)
    assert len(GOLDEN_CONFIGS) >= 3
    for config_name, head in CASES:
        assert "output.loss" in golden(config_name, head) or head == "model"
        assert np.isfinite(golden(config_name, head)[next(iter(golden(config_name, head)))]).all()
