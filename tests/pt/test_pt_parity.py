"""Parity with the transformers 4.57.6 goldens: every head, config, format and attention path."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import golden_testutils as gold  # noqa: E402
from pt_testutils import golden_inputs  # noqa: E402

from albert_core import checkpoints, schema  # noqa: E402
from albert_pt import MODEL_CLASSES, weights  # noqa: E402

IMPLS = ["eager", "sdpa"]


@pytest.fixture(scope="module", params=gold.CASES, ids=gold.case_id)
def loaded(request):
    """A model per golden case, weights copied straight from model.safetensors."""
    config_name, head = request.param
    model = MODEL_CLASSES[head](gold.golden_config(config_name, head)).eval()
    weights.load_arrays(model, gold.golden_arrays(config_name, head))
    return config_name, head, model


def _run(model, inputs, **kwargs):
    with torch.no_grad():
        return model(**inputs, **kwargs)


@pytest.mark.parametrize("impl", IMPLS)
def test_all_outputs_match_golden(loaded, impl):
    config_name, head, model = loaded
    model.set_attn_implementation(impl)
    data = gold.golden(config_name, head)
    out = _run(model, golden_inputs(data), output_hidden_states=True, output_attentions=True)
    gold.assert_matches_golden(gold.flatten(out), data, "output.")


def test_sdpa_kernel_path_matches_golden(loaded):
    """Without output_attentions the sdpa path really runs scaled_dot_product_attention."""
    config_name, head, model = loaded
    model.set_attn_implementation("sdpa")
    data = gold.golden(config_name, head)
    got = gold.flatten(_run(model, golden_inputs(data), output_hidden_states=True))
    assert not any(k.startswith("output.attentions") for k in got)
    gold.assert_matches_golden(got, data, "output.", only=set(got))


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("case", gold.EXTRA_CASES)
@pytest.mark.parametrize("config_name", gold.GOLDEN_CONFIGS)
def test_model_extra_cases(config_name, case, impl):
    data = gold.golden(config_name, "model")
    config = gold.golden_config(config_name, "model")
    model = MODEL_CLASSES["model"](config, attn_implementation=impl).eval()
    weights.load_arrays(model, gold.golden_arrays(config_name, "model"))
    inputs = {k: torch.from_numpy(v) for k, v in gold.extra_case_inputs(data, case).items()}
    out = _run(model, inputs, output_hidden_states=True, output_attentions=True)
    gold.assert_matches_golden(gold.flatten(out, f"{case}."), data, f"{case}.")
    # The same call without attentions (the sdpa kernel unless head_mask forces eager).
    got = gold.flatten(_run(model, inputs), f"{case}.")
    gold.assert_matches_golden(got, data, f"{case}.", only=set(got))


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
@pytest.mark.parametrize("case", gold.CASES, ids=gold.case_id)
def test_from_pretrained_every_format(case, fmt):
    if fmt == "flax":
        pytest.importorskip("flax")
    if fmt == "tf":
        pytest.importorskip("h5py")
    config_name, head = case
    model = MODEL_CLASSES[head].from_pretrained(gold.golden_dir(config_name, head), fmt=fmt)
    assert model.loading_report.ok and not model.training
    data = gold.golden(config_name, head)
    out = _run(model, golden_inputs(data), output_hidden_states=True, output_attentions=True)
    gold.assert_matches_golden(gold.flatten(out), data, "output.")


def test_goldens_cover_every_head_and_config():
    assert {h for _, h in gold.CASES} == set(schema.HEADS)
    assert len(gold.GOLDEN_CONFIGS) >= 3
    for config_name, head in gold.CASES:
        assert "output.loss" in gold.golden(config_name, head) or head == "model"
        data = gold.golden(config_name, head)
        assert np.isfinite(data[next(iter(data))]).all()
