"""albert_tf against the transformers goldens: every config, head and checkpoint format."""

from __future__ import annotations

import functools

import numpy as np
import pytest

pytest.importorskip("tensorflow")

import golden_testutils as gold  # noqa: E402

from albert_core import checkpoints, schema  # noqa: E402
from albert_tf import MODEL_CLASSES, TFAlbertModel, weights  # noqa: E402

FORMATS = {"safetensors": None, "pytorch": "torch", "tf": None, "flax": "flax"}


@functools.cache
def loaded_model(config_name: str, head: str):
    """The golden model loaded with ``from_pretrained`` (safetensors), once per session."""
    directory = gold.golden_dir(config_name, head)
    return MODEL_CLASSES[head].from_pretrained(directory, fmt="safetensors")


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("case", gold.CASES, ids=gold.case_id)
def test_every_output_matches_golden_in_every_format(case, fmt):
    if FORMATS[fmt]:
        pytest.importorskip(FORMATS[fmt], reason=f"reading the {fmt} format needs it")
    config_name, head = case
    model = loaded_model(config_name, head)
    assert model.loading_report.ok
    loaded = checkpoints.load_pretrained(gold.golden_dir(config_name, head), head, fmt=fmt)
    assert loaded.report.ok, loaded.report.describe()
    assert weights.load_arrays(model, loaded.arrays) == []
    data = gold.golden(config_name, head)
    outputs = model(gold.golden_inputs(data), output_hidden_states=True, output_attentions=True)
    gold.assert_matches_golden(gold.flatten(outputs), data, "output.")


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_from_pretrained_reads_every_format(fmt):
    """from_pretrained itself, per format, on the MLM head (the decoder-bias tie)."""
    if FORMATS[fmt]:
        pytest.importorskip(FORMATS[fmt], reason=f"reading the {fmt} format needs it")
    directory = gold.golden_dir("groups2_inner2", "masked-lm")
    model, info = MODEL_CLASSES["masked-lm"].from_pretrained(
        directory, fmt=fmt, output_loading_info=True
    )
    assert info == {"missing_keys": [], "unexpected_keys": [], "mismatched_keys": [],
                    "error_msgs": []}  # fmt: skip
    data = gold.golden("groups2_inner2", "masked-lm")
    outputs = model(gold.golden_inputs(data), training=False)
    expected = {k: data[k] for k in ("output.loss", "output.logits")}
    gold.assert_matches_golden(gold.flatten(outputs), expected, "output.")


@pytest.mark.parametrize("case", gold.EXTRA_CASES)
@pytest.mark.parametrize("config_name", gold.GOLDEN_CONFIGS)
def test_model_extra_cases(config_name, case):
    model = loaded_model(config_name, "model")
    data = gold.golden(config_name, "model")
    inputs = gold.extra_case_inputs(data, case)
    outputs = model(**inputs, output_hidden_states=True, output_attentions=True)
    gold.assert_matches_golden(gold.flatten(outputs, prefix=f"{case}."), data, f"{case}.")


@pytest.mark.parametrize("config_name", gold.GOLDEN_CONFIGS)
def test_head_mask_per_layer_rows_and_5d_form(config_name):
    """Equal rows of a (layers, heads) mask, and transformers' 5-D form, match the golden."""
    model = loaded_model(config_name, "model")
    config, data = model.config, gold.golden(config_name, "model")
    inputs = {k: data[f"input.{k}"] for k in gold.FEATURES}
    row = data["case.head_mask"]
    for mask in (
        np.tile(row, (config.num_hidden_layers, 1)),
        row[None, None, :, None, None],
    ):
        outputs = model(**inputs, head_mask=mask, output_attentions=True)
        got = gold.flatten(outputs, prefix="head_mask.")
        gold.assert_matches_golden(got, {k: data[k] for k in got}, "head_mask.")


def test_head_mask_rows_apply_per_layer_application(tiny):
    """Row i of a (layers, heads) mask scales exactly the attentions of application i."""
    config = tiny  # 4 applications of 2 groups of 2 inner layers
    model = TFAlbertModel(config)
    ids = np.arange(5, 17).reshape(2, 6)
    mask = np.ones((config.num_hidden_layers, config.num_attention_heads), np.float32)
    mask[2, 1] = 0.0
    outputs = model(ids, head_mask=mask, output_attentions=True)
    inner = config.inner_group_num
    for i, probs in enumerate(outputs.attentions):
        dropped = float(np.abs(np.asarray(probs)[:, 1]).max()) == 0.0
        assert dropped == (i // inner == 2), i


def test_goldens_cover_every_head_and_config():
    assert len(gold.CASES) == 21
    for config_name, head in gold.CASES:
        assert (gold.golden_dir(config_name, head) / "golden.npz").is_file()
        assert schema.head_spec(head)
