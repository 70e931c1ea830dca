"""from_pretrained / save_pretrained: heads into heads, strictness, dtype, device, formats."""

from __future__ import annotations

import importlib.util
import json
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from golden_testutils import GOLDENS, flatten, golden  # noqa: E402
from pt_testutils import golden_inputs, random_batch  # noqa: E402

from albert_core import checkpoints, schema  # noqa: E402
from albert_core.schema import WeightsMismatchError  # noqa: E402
from albert_pt import (  # noqa: E402
    AlbertForMaskedLM,
    AlbertForPreTraining,
    AlbertForSequenceClassification,
    AlbertModel,
    quantize_dynamic,
)

CONFIG = "groups2_inner2"


def _has_format(fmt: str) -> bool:
    return (
        importlib.util.find_spec(f"albert_core.checkpoints.{checkpoints.FORMATS[fmt][2]}")
        is not None
    )


def _forward(model, inputs, **kw):
    with torch.no_grad():
        return model(**inputs, **kw)


def test_head_checkpoint_loads_into_base_model():
    directory = GOLDENS / CONFIG / "pretraining"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model, info = AlbertModel.from_pretrained(directory, output_loading_info=True)
    assert info == {
        "missing_keys": [],
        "unexpected_keys": [],
        "mismatched_keys": [],
        "error_msgs": [],
    }
    assert model.loading_report.ok
    assert "sop_classifier.classifier.weight" in model.loading_report.ignored
    data = golden(CONFIG, "pretraining")
    inputs = {
        k: v for k, v in golden_inputs(data).items() if k not in ("labels", "sentence_order_label")
    }
    got = flatten(_forward(model, inputs, output_hidden_states=True))
    for i in range(model.config.num_hidden_layers + 1):
        key = f"output.hidden_states.{i}"
        np.testing.assert_allclose(got[key], data[key], atol=1e-5, rtol=0)


def test_base_checkpoint_into_head_needs_strict_false_and_lists_missing():
    directory = GOLDENS / CONFIG / "model"
    with pytest.raises(WeightsMismatchError, match="classifier.weight"):
        AlbertForSequenceClassification.from_pretrained(directory)
    with pytest.warns(UserWarning, match="classifier.weight"):
        model, info = AlbertForSequenceClassification.from_pretrained(
            directory, strict=False, output_loading_info=True, num_labels=5
        )
    assert sorted(info["missing_keys"]) == ["classifier.bias", "classifier.weight"]
    assert model.config.num_labels == 5 and model.classifier.out_features == 5
    weight = model.classifier.weight
    assert torch.isfinite(weight).all() and 0.01 < weight.std().item() < 0.03  # initialised
    assert torch.all(model.classifier.bias == 0)
    base = AlbertModel.from_pretrained(directory)
    torch.testing.assert_close(
        model.albert.embeddings.word_embeddings.weight, base.embeddings.word_embeddings.weight
    )


def test_wrong_shapes_always_raise():
    directory = GOLDENS / CONFIG / "model"
    with pytest.raises(WeightsMismatchError, match="shape mismatch"):
        AlbertModel.from_pretrained(directory, strict=False, hidden_size=32, num_attention_heads=2)


@pytest.mark.parametrize("head_cls", [AlbertForPreTraining, AlbertForMaskedLM])
def test_save_and_reload_round_trip(tmp_path, head_cls):
    head = head_cls.head
    source = GOLDENS / CONFIG / head
    model = head_cls.from_pretrained(source)
    written = model.save_pretrained(tmp_path / "out")
    assert {p.name for p in written} == {"config.json", "model.safetensors"}
    saved = json.loads((tmp_path / "out" / "config.json").read_text())
    assert saved["architectures"] == [head_cls.__name__]
    again = head_cls.from_pretrained(tmp_path / "out")
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, again.state_dict()[name]), name
    assert again.get_output_embeddings().weight is again.get_input_embeddings().weight
    with pytest.raises(FileExistsError):
        model.save_pretrained(tmp_path / "out", overwrite=False)
    # the arrays the writer gets are exactly the schema
    arrays = checkpoints.read(tmp_path / "out")
    _, report = schema.match(arrays, model.config, head)
    assert report.ok


@pytest.mark.skipif(not _has_format("pytorch"), reason="pytorch_model.bin module not available")
def test_save_bin_too(tmp_path):
    model = AlbertForSequenceClassification.from_pretrained(
        GOLDENS / CONFIG / "sequence-classification"
    )
    written = model.save_pretrained(tmp_path, formats=("safetensors", "pytorch"))
    assert {p.name for p in written} >= {"model.safetensors", "pytorch_model.bin"}
    again = AlbertForSequenceClassification.from_pretrained(tmp_path, fmt="pytorch")
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, again.state_dict()[name]), name


@pytest.mark.parametrize(
    ("kwargs", "dtype"),
    [
        ({"dtype": torch.bfloat16}, torch.bfloat16),
        ({"dtype": "float16"}, torch.float16),
        ({"torch_dtype": torch.float16}, torch.float16),
        ({"dtype": "auto"}, torch.float32),
        ({}, torch.float32),
    ],
)
def test_dtype_argument(kwargs, dtype):
    directory = GOLDENS / CONFIG / "masked-lm"
    model = AlbertForMaskedLM.from_pretrained(directory, device="cpu", **kwargs)
    assert model.dtype == dtype and model.device == torch.device("cpu")
    assert model.get_output_embeddings().weight is model.get_input_embeddings().weight
    data = golden(CONFIG, "masked-lm")
    out = _forward(model, golden_inputs(data))
    tol = 1e-5 if dtype == torch.float32 else 0.3
    np.testing.assert_allclose(out.logits.float().numpy(), data["output.logits"], atol=tol, rtol=0)


def test_bfloat16_save_keeps_dtype(tmp_path):
    model = AlbertModel.from_pretrained(GOLDENS / CONFIG / "model", dtype=torch.bfloat16)
    model.save_pretrained(tmp_path)
    again = AlbertModel.from_pretrained(tmp_path, dtype="auto")
    assert again.dtype == torch.bfloat16
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, again.state_dict()[name]), name


def test_bad_arguments():
    directory = GOLDENS / CONFIG / "model"
    with pytest.raises(ValueError, match="float8"):
        AlbertModel.from_pretrained(directory, dtype="float8")
    with pytest.raises(ValueError, match="not both"):
        AlbertModel.from_pretrained(directory, dtype="float16", torch_dtype=torch.float16)
    with pytest.raises(ValueError, match="flash"):
        AlbertModel.from_pretrained(directory, attn_implementation="flash")


def test_attn_implementation_and_config_override(tmp_path):
    model = AlbertModel.from_pretrained(
        GOLDENS / CONFIG / "model", attn_implementation="eager", hidden_dropout_prob=0.2
    )
    assert model.attn_implementation == "eager"
    assert model.config.hidden_dropout_prob == 0.2 and model.embeddings.dropout.p == 0.2
    model.save_pretrained(tmp_path)
    saved = json.loads((tmp_path / "config.json").read_text())
    assert "attn_implementation" not in saved and saved["hidden_dropout_prob"] == 0.2


def test_quantized_model_cannot_be_saved(tmp_path):
    model = AlbertModel.from_pretrained(GOLDENS / CONFIG / "model")
    with pytest.raises(ValueError, match="quantized"):
        quantize_dynamic(model).save_pretrained(tmp_path)


def test_fresh_model_save_then_load_matches(tmp_path, tiny):
    torch.manual_seed(4)
    model = AlbertForSequenceClassification(tiny).eval()
    model.save_pretrained(tmp_path)
    again = AlbertForSequenceClassification.from_pretrained(tmp_path)
    inputs = random_batch(tiny)
    torch.testing.assert_close(
        _forward(again, inputs).logits, _forward(model, inputs).logits, rtol=0, atol=0
    )


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("dtype", [torch.float32, torch.float16, torch.bfloat16])
def test_cuda_device(dtype):
    for impl in ("sdpa", "eager"):
        model = AlbertForMaskedLM.from_pretrained(
            GOLDENS / CONFIG / "masked-lm", device="cuda", dtype=dtype, attn_implementation=impl
        )
        assert model.device.type == "cuda" and model.dtype == dtype
        data = golden(CONFIG, "masked-lm")
        inputs = {k: v.cuda() for k, v in golden_inputs(data).items()}
        out = _forward(model, inputs, output_hidden_states=True)
        tol = 1e-4 if dtype == torch.float32 else 0.3  # TF32/reduced precision on GPU
        np.testing.assert_allclose(
            out.logits.float().cpu().numpy(), data["output.logits"], atol=tol, rtol=0
        )
        np.testing.assert_allclose(
            out.loss.float().cpu().numpy(), data["output.loss"], atol=tol * 10, rtol=0
        )
        bad = dict(inputs, input_ids=inputs["input_ids"].clone())
        bad["input_ids"][0, 0] = 10_000
        with pytest.raises(ValueError, match="input_ids contains 10000"):
            model(**bad)


def test_from_pretrained_reads_a_hub_id_from_cache_dir(hub_cache, tmp_path):
    directory = GOLDENS / "relu" / "sequence-classification"
    elsewhere = type(hub_cache)(tmp_path / "elsewhere")  # a second cache, not the default
    elsewhere.add("org/albert-cls", {name: directory / name
                                     for name in ("config.json", "model.safetensors")})
    model = AlbertForSequenceClassification.from_pretrained("org/albert-cls",
                                                            cache_dir=elsewhere.root)
    assert model.loading_report.ok
    changed = AlbertForSequenceClassification.from_pretrained(  # config read from there too
        "org/albert-cls", cache_dir=elsewhere.root, classifier_dropout_prob=0.25)
    assert changed.config.classifier_dropout_prob == 0.25 and changed.loading_report.ok
