"""Original google-research TF1 checkpoints: read, converted, written back, restored.

The fixtures are written here with tf.compat.v1 variables and a Saver, named exactly as the
original code names them; the converted models must reproduce the independent numpy forward
of the original graph in ``tf1_original_reference``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

import tf1_original_reference as ref  # noqa: E402

from albert_conversion import TF1CompatibilityError, convert  # noqa: E402
from albert_core.checkpoints import CheckpointError  # noqa: E402

GOLDENS = Path(__file__).resolve().parents[1] / "fixtures" / "goldens"
ATOL = 1e-5

#: name -> (albert_config.json overrides, head, optimizer slots, variable prefix)
CASES = {
    "one_group": (dict(num_hidden_layers=3), "pretraining", True, ""),
    "two_groups": (dict(num_hidden_layers=4, num_hidden_groups=2, hidden_act="relu"),
                   "masked-lm", False, ""),
    "two_inner_groups": (dict(num_hidden_layers=2, inner_group_num=2), "model", True, ""),
    "emb_eq_hidden": (dict(embedding_size=12, num_hidden_layers=2), "pretraining", False, ""),
    "hub_classifier": (dict(num_hidden_layers=2), "sequence-classification", False, "module/"),
    # int(15 / 22 * 22) == 14 but int(15 / (22 / 22)) == 15: the original runs group 14
    # twice and never group 15, which the converter has to remap.
    "groups_remapped": (dict(num_hidden_layers=22, num_hidden_groups=22, hidden_size=4,
                             embedding_size=2, num_attention_heads=1, intermediate_size=4,
                             vocab_size=10),
                        "model", False, ""),
}  # fmt: skip


@pytest.fixture(scope="module")
def tf1_dirs(tmp_path_factory) -> dict[str, tuple[Path, dict, str, dict]]:
    """Every case written once: name -> (directory, config, head, variables)."""
    root = tmp_path_factory.mktemp("tf1")
    out = {}
    for seed, (name, (overrides, head, slots, prefix)) in enumerate(CASES.items()):
        cfg = ref.original_config(**overrides)
        variables = ref.random_variables(cfg, head, seed=seed)
        directory = root / name
        ref.save_checkpoint(directory, variables, step=100 + seed, slots=slots, prefix=prefix,
                            config=cfg)  # fmt: skip
        out[name] = (directory, cfg, head, variables)
    return out


def test_group_quirk_is_real():
    """The remapped case really differs between the two formulas (guards the fixture)."""
    from albert_core.config import AlbertConfig

    cfg = ref.original_config(**CASES["groups_remapped"][0])
    ours = AlbertConfig.from_original_dict(cfg).layer_groups()
    assert ref.groups_used(cfg) != ours


def _pt_outputs(directory: Path, head: str, ids, mask, types) -> dict[str, np.ndarray]:
    torch = pytest.importorskip("torch")
    from albert_pt import MODEL_CLASSES

    model = MODEL_CLASSES[head].from_pretrained(directory)
    with torch.no_grad():
        out = model(input_ids=torch.tensor(ids), attention_mask=torch.tensor(mask),
                    token_type_ids=torch.tensor(types), output_hidden_states=True)  # fmt: skip
    return {k: v.numpy() if hasattr(v, "numpy") else v for k, v in out.items()}


def _expected(head: str, reference: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Our output field names for the reference's outputs."""
    if head == "model":
        return {"last_hidden_state": reference["sequence_output"],
                "pooler_output": reference["pooled_output"]}  # fmt: skip
    if head == "pretraining":
        return {"prediction_logits": reference["mlm_logits"], "sop_logits": reference["sop_logits"]}
    if head == "masked-lm":
        return {"logits": reference["mlm_logits"]}
    return {"logits": reference["classifier_logits"]}


@pytest.mark.parametrize("case", list(CASES))
def test_converted_model_reproduces_the_original_graph(tf1_dirs, tmp_path, case):
    directory, cfg, head, variables = tf1_dirs[case]
    result = convert(directory, tmp_path / "out", to="safetensors")
    assert result.head == head
    if CASES[case][2]:
        skipped = result.skipped
        assert skipped["global_step"] == "training step"
        slots = [n for n, why in skipped.items() if why == "optimizer slot"]
        assert len(slots) == 2 * len(variables)
        assert all(n.endswith(("/adam_m", "/adam_v")) for n in slots)
    ids, mask, types = ref.example_batch(cfg)
    expected = _expected(head, ref.forward(variables, cfg, ids, mask, types))
    got = _pt_outputs(tmp_path / "out", head, ids, mask, types)
    for key, want in expected.items():
        np.testing.assert_allclose(got[key], want, atol=ATOL, rtol=0, err_msg=key)
    if head == "model":  # every layer application, not only the last one
        hidden = got["hidden_states"]
        assert len(hidden) == cfg["num_hidden_layers"] + 1


@pytest.mark.parametrize("framework", ["tf", "flax"])
def test_converted_model_in_other_frameworks(tf1_dirs, tmp_path, framework):
    package = pytest.importorskip(f"albert_{framework}")
    directory, cfg, head, variables = tf1_dirs["one_group"]
    fmt = {"tf": "tf", "flax": "flax"}[framework]
    convert(directory, tmp_path / "out", to=fmt)
    model = package.MODEL_CLASSES[head].from_pretrained(tmp_path / "out")
    ids, mask, types = ref.example_batch(cfg)
    if framework == "tf":
        out = model(input_ids=ids, attention_mask=mask, token_type_ids=types, training=False)
    else:
        out = model(ids, attention_mask=mask, token_type_ids=types)
    expected = _expected(head, ref.forward(variables, cfg, ids, mask, types))
    for key, want in expected.items():
        np.testing.assert_allclose(np.asarray(out[key]), want, atol=ATOL, rtol=0, err_msg=key)


@pytest.mark.parametrize("case", ["one_group", "two_inner_groups", "emb_eq_hidden",
                                  "hub_classifier", "groups_remapped"])  # fmt: skip
def test_written_tf1_restores_in_the_original_graph(tf1_dirs, tmp_path, case):
    """TF1 -> safetensors -> TF1: the original graph's Saver restores every variable."""
    directory, cfg, head, variables = tf1_dirs[case]
    convert(directory, tmp_path / "hf", to="safetensors")
    result = convert(tmp_path / "hf", tmp_path / "tf1", to="tf1", verify=True)
    assert result.verification.ok
    prefix = Path(tf.train.latest_checkpoint(str(tmp_path / "tf1")))
    assert prefix.name == "model.ckpt-0"
    stored = dict(tf.train.list_variables(str(prefix)))
    shapes = ref.original_shapes(cfg, head)
    assert set(stored) == set(shapes) | {"global_step"}
    restored = ref.restore_as_original(prefix, shapes)
    for name, value in variables.items():
        np.testing.assert_array_equal(restored[name], value, err_msg=name)
    written = json.loads((tmp_path / "tf1" / "albert_config.json").read_text())
    assert written == {k: v for k, v in cfg.items()}


def test_tf1_source_verified_against_original_graph(tf1_dirs, tmp_path):
    directory, _, _, _ = tf1_dirs["one_group"]
    lines: list[str] = []
    result = convert(directory, tmp_path / "out", to=["safetensors", "tf1"], verify=True,
                     log=lines.append)  # fmt: skip
    report = result.verification
    assert report.ok
    assert {c.reference for c in report.comparisons} == {"SRC tf1 [original]"}
    assert {c.target for c in report.comparisons} == {"DST safetensors [pt]",
                                                       "DST tf1 [original]"}  # fmt: skip
    assert any("max |diff|" in line for line in lines)
    assert "model.ckpt-100.index" in result.files  # the source's global_step


def test_mlm_only_graph_drops_its_pooler(tf1_dirs, tmp_path):
    directory, *_ = tf1_dirs["two_groups"]
    result = convert(directory, tmp_path / "out")
    assert result.head == "masked-lm"
    assert result.skipped == {"bert/pooler/dense/bias": "not a weight of the 'masked-lm' head",
                              "bert/pooler/dense/kernel": "not a weight of the 'masked-lm' head"}


def test_hub_module_prefix_and_released_vocabulary(tf1_dirs, tmp_path):
    directory, *_ = tf1_dirs["hub_classifier"]
    source = tmp_path / "albert_base"
    shutil.copytree(directory, source)
    vocab = GOLDENS.parent / "tiny-fill-mask" / "spiece.model"
    shutil.copy(vocab, source / "30k-clean.model")  # the released archives' name
    result = convert(source, tmp_path / "out", to="safetensors")
    assert result.head == "sequence-classification"
    assert sorted(result.tokenizer_files) == ["special_tokens_map.json", "spiece.model",
                                              "tokenizer.json", "tokenizer_config.json"]
    config = json.loads((tmp_path / "out" / "config.json").read_text())
    assert len(config["id2label"]) == 3 and config["hidden_act"] == "gelu_new"
    assert "down_scale_factor" not in config


def test_unknown_variables_are_listed(tf1_dirs, tmp_path):
    _, cfg, head, variables = tf1_dirs["one_group"]
    extra = dict(variables)
    extra["bert/encoder/mystery/kernel"] = np.zeros((2, 2), np.float32)
    extra["cls/other/output_bias"] = np.zeros((2,), np.float32)
    ref.save_checkpoint(tmp_path / "src", extra, step=1, slots=False, config=cfg)
    with pytest.raises(CheckpointError) as err:
        convert(tmp_path / "src", tmp_path / "out")
    assert "bert/encoder/mystery/kernel" in str(err.value)
    assert "cls/other/output_bias" in str(err.value)
    assert not (tmp_path / "out").exists()


def test_config_that_does_not_match_is_listed(tf1_dirs, tmp_path):
    directory, cfg, *_ = tf1_dirs["two_groups"]
    source = tmp_path / "src"
    shutil.copytree(directory, source)
    wrong = dict(cfg, intermediate_size=cfg["intermediate_size"] + 4, num_hidden_groups=1)
    (source / "albert_config.json").write_text(json.dumps(wrong))
    with pytest.raises(CheckpointError) as err:
        convert(source, tmp_path / "out")
    message = str(err.value)
    assert "ffn_1/intermediate/dense/kernel: expected (12, 24), checkpoint has (12, 20)" in message
    assert "group_1" in message  # the second group is unknown with one group


def test_group_assignment_that_cannot_be_remapped_is_refused(tf1_dirs, tmp_path):
    """18 layers in 14 groups: layer 9 runs group 7 in the original, 6 in ours (which also
    runs at layer 8, where the original runs 6): no canonical model is equivalent."""
    directory, cfg, *_ = tf1_dirs["one_group"]
    source = tmp_path / "src"
    shutil.copytree(directory, source)
    (source / "albert_config.json").write_text(
        json.dumps(dict(cfg, num_hidden_layers=18, num_hidden_groups=14))
    )
    with pytest.raises(TF1CompatibilityError, match="group 6 runs where the original runs"):
        convert(source, tmp_path / "out")


def test_models_without_an_original_counterpart_are_refused(tmp_path):
    golden = GOLDENS / "emb_eq_hidden" / "pretraining"  # exact gelu, projection not identity
    with pytest.raises(TF1CompatibilityError) as err:
        convert(golden, tmp_path / "out", to="tf1")
    message = str(err.value)
    assert "exact (erf) GELU" in message
    assert "not the identity" in message
    assert not (tmp_path / "out").exists()
    with pytest.raises(TF1CompatibilityError, match="no checkpoint layout"):
        convert(GOLDENS / "groups2_inner2" / "question-answering", tmp_path / "qa", to="tf1")


def test_tf1_prefix_and_index_file_as_source(tf1_dirs, tmp_path):
    directory, *_ = tf1_dirs["two_inner_groups"]
    prefix = directory / "model.ckpt-102"
    a = convert(prefix, tmp_path / "a")
    b = convert(directory / "model.ckpt-102.index", tmp_path / "b")
    assert a.tensors == b.tensors and a.head == b.head == "model"


def test_tf_hub_module_layout(tf1_dirs, tmp_path):
    """A TF-Hub module: variables/variables.{index,data-*}, assets/albert_config.json."""
    directory, cfg, head, _ = tf1_dirs["hub_classifier"]
    module = tmp_path / "hub_module"
    (module / "variables").mkdir(parents=True)
    (module / "assets").mkdir()
    for path in directory.glob("model.ckpt-*"):
        if path.suffix != ".meta":
            suffix = path.name.split(".", 2)[2]  # index / data-00000-of-00001
            shutil.copy(path, module / "variables" / f"variables.{suffix}")
    shutil.copy(directory / "albert_config.json", module / "assets")
    shutil.copy(GOLDENS.parent / "tiny-fill-mask" / "spiece.model",
                module / "assets" / "30k-clean.model")  # fmt: skip
    result = convert(module, tmp_path / "out")
    assert result.head == head and "tokenizer.json" in result.tokenizer_files
