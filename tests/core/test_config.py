"""AlbertConfig: transformers compatibility, original-format reading, validation, presets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from albert_core.config import ACTIVATIONS, AlbertConfig, AlbertConfigError
from albert_core.presets import PRESETS, preset

GOLDENS = Path(__file__).resolve().parents[1] / "fixtures" / "goldens"
GOLDEN_CONFIGS = sorted(GOLDENS.glob("*/*/config.json"))


def test_defaults_are_transformers_defaults():
    # transformers' AlbertConfig defaults describe albert-xxlarge.
    config = AlbertConfig()
    assert (config.vocab_size, config.embedding_size, config.hidden_size) == (30000, 128, 4096)
    layers = (config.num_hidden_layers, config.num_hidden_groups, config.inner_group_num)
    assert layers == (12, 1, 1)
    assert (config.num_attention_heads, config.intermediate_size) == (64, 16384)
    assert config.hidden_act == "gelu_new"
    assert config.hidden_dropout_prob == 0 and config.attention_probs_dropout_prob == 0
    assert config.classifier_dropout_prob == 0.1
    assert (config.max_position_embeddings, config.type_vocab_size) == (512, 2)
    assert (config.pad_token_id, config.bos_token_id, config.eos_token_id) == (0, 2, 3)
    assert config.layer_norm_eps == 1e-12 and config.initializer_range == 0.02
    assert config.num_labels == 2 and config.id2label == {0: "LABEL_0", 1: "LABEL_1"}
    assert config.problem_type is None and config.tie_word_embeddings is True


@pytest.mark.parametrize(
    "path", GOLDEN_CONFIGS, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}"
)
def test_transformers_config_round_trips(path, tmp_path):
    original = json.loads(path.read_text())
    config = AlbertConfig.from_json_file(path)
    assert config.hidden_size == original["hidden_size"]
    assert config.num_labels == len(original.get("id2label", "ab"))  # transformers omits 2
    config.save_pretrained(tmp_path)
    written = json.loads((tmp_path / "config.json").read_text())
    # Every key transformers wrote comes back unchanged, unknown ones included.
    for key, value in original.items():
        assert written[key] == value, key
    assert AlbertConfig.from_pretrained(tmp_path) == config


def test_unknown_keys_are_kept(tmp_path):
    config = AlbertConfig(hidden_size=32, num_attention_heads=4, intermediate_size=8,
                          custom_field={"a": 1}, architectures=["AlbertForMaskedLM"])
    config.save_pretrained(tmp_path)
    again = AlbertConfig.from_pretrained(tmp_path)
    assert again.extra["custom_field"] == {"a": 1}
    assert again.extra["architectures"] == ["AlbertForMaskedLM"]


ORIGINAL_BASE = {
    "attention_probs_dropout_prob": 0.1, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
    "embedding_size": 128, "hidden_size": 768, "initializer_range": 0.02,
    "intermediate_size": 3072, "max_position_embeddings": 512, "num_attention_heads": 12,
    "num_hidden_layers": 12, "num_hidden_groups": 1, "net_structure_type": 0, "gap_size": 0,
    "num_memory_blocks": 0, "inner_group_num": 1, "down_scale_factor": 1,
    "type_vocab_size": 2, "vocab_size": 30000,
}


def test_original_albert_config_maps_gelu_to_tanh_approximation(tmp_path):
    path = tmp_path / "albert_config.json"
    path.write_text(json.dumps(ORIGINAL_BASE))
    config = AlbertConfig.from_json_file(path)
    # The original code's gelu is the tanh approximation.
    assert config.hidden_act == "gelu_new"
    assert config.hidden_size == 768 and config.extra["net_structure_type"] == 0
    # A directory holding only the original file is read too.
    assert AlbertConfig.from_pretrained(tmp_path) == config


def test_config_json_gelu_stays_exact_gelu(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**ORIGINAL_BASE, "model_type": "albert"}))
    assert AlbertConfig.from_json_file(path).hidden_act == "gelu"


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"hidden_size": 100, "num_attention_heads": 12}, "hidden_size=100"),
        ({"vocab_size": 0}, "vocab_size"),
        ({"embedding_size": -4}, "embedding_size"),
        ({"num_hidden_layers": 2.5}, "num_hidden_layers"),
        ({"num_hidden_groups": 3, "num_hidden_layers": 2}, "num_hidden_groups=3"),
        ({"hidden_act": "swishy"}, "hidden_act='swishy'"),
        ({"hidden_dropout_prob": 1.5}, "hidden_dropout_prob"),
        ({"layer_norm_eps": 0}, "layer_norm_eps"),
        ({"position_embedding_type": "relative_key"}, "relative_key"),
        ({"problem_type": "ranking"}, "ranking"),
        ({"pad_token_id": 30000}, "pad_token_id=30000"),
        ({"num_labels": 0}, "num_labels"),
        ({"num_labels": 3, "id2label": {0: "a", 1: "b"}}, "num_labels=3"),
        ({"inner_group_num": True}, "inner_group_num"),
    ],
)
def test_validation_names_field_and_value(fields, needle):
    small = {"hidden_size": 64, "num_attention_heads": 4, "intermediate_size": 32}
    with pytest.raises(AlbertConfigError, match=needle.replace("(", r"\(").replace(")", r"\)")):
        AlbertConfig(**{**small, **fields})


def test_bad_file_errors_name_the_file(tmp_path):
    bad = tmp_path / "config.json"
    bad.write_text("{not json")
    with pytest.raises(AlbertConfigError, match="config.json"):
        AlbertConfig.from_json_file(bad)
    bad.write_text(json.dumps({"model_type": "bert", "hidden_size": 8}))
    with pytest.raises(AlbertConfigError, match="bert"):
        AlbertConfig.from_json_file(bad)
    bad.write_text(json.dumps({"model_type": "albert", "hidden_size": 7, "num_attention_heads": 2}))
    with pytest.raises(AlbertConfigError, match=r"config.json.*hidden_size=7"):
        AlbertConfig.from_json_file(bad)
    with pytest.raises(FileNotFoundError, match="nope"):
        AlbertConfig.from_json_file(tmp_path / "nope.json")


@pytest.mark.parametrize(("layers", "groups"), [(12, 1), (12, 2), (12, 3), (4, 2), (6, 4), (5, 5)])
def test_layer_to_group_assignment_matches_reference_formula(layers, groups):
    config = AlbertConfig(hidden_size=8, num_attention_heads=2, intermediate_size=8,
                          num_hidden_layers=layers, num_hidden_groups=groups)
    expected = [int(i / (layers / groups)) for i in range(layers)]
    assert config.layer_groups() == expected
    assert sorted(set(expected)) == list(range(groups))  # every group is used
    with pytest.raises(IndexError):
        config.group_of_layer(layers)


def test_labels_follow_num_labels_and_id2label():
    config = AlbertConfig(hidden_size=8, num_attention_heads=2, intermediate_size=8,
                          id2label={"0": "neg", "1": "neu", "2": "pos"})
    assert config.num_labels == 3 and config.label2id == {"neg": 0, "neu": 1, "pos": 2}
    config.num_labels = 5
    assert list(config.id2label) == [0, 1, 2, 3, 4]


def test_save_refuses_to_overwrite_unless_asked(tmp_path):
    config = AlbertConfig(hidden_size=8, num_attention_heads=2, intermediate_size=8)
    config.save_pretrained(tmp_path)
    with pytest.raises(FileExistsError):
        config.save_pretrained(tmp_path, overwrite=False)
    config.copy(hidden_size=16).save_pretrained(tmp_path)
    assert AlbertConfig.from_pretrained(tmp_path).hidden_size == 16
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json"]


def test_presets():
    assert len(PRESETS) == 8
    base = preset("albert-base-v2")
    assert (base.hidden_size, base.num_attention_heads, base.num_hidden_layers) == (768, 12, 12)
    assert base.hidden_act == "gelu_new" and base.hidden_dropout_prob == 0
    assert preset("albert-base-v1").hidden_dropout_prob == 0.1
    xxl = preset("albert/albert-xxlarge-v2")
    assert (xxl.hidden_size, xxl.intermediate_size, xxl.num_hidden_layers) == (4096, 16384, 12)
    assert preset("albert-large-v2", num_labels=5).num_labels == 5
    assert AlbertConfig.from_pretrained("albert-large-v1").hidden_size == 1024
    with pytest.raises(KeyError, match="albert-huge"):
        preset("albert-huge-v2")


def test_every_activation_is_accepted():
    for act in ACTIVATIONS:
        assert AlbertConfig(hidden_size=8, num_attention_heads=2, intermediate_size=8,
                            hidden_act=act).hidden_act == act


def test_num_labels_override_replaces_label_names(tmp_path):
    config = AlbertConfig(hidden_size=8, num_attention_heads=2, intermediate_size=8,
                          id2label={0: "neg", 1: "neu", 2: "pos"})
    assert config.copy(num_labels=2).id2label == {0: "LABEL_0", 1: "LABEL_1"}
    config.save_pretrained(tmp_path)
    assert AlbertConfig.from_pretrained(tmp_path, num_labels=4).num_labels == 4
    assert config.copy(hidden_size=16).id2label == config.id2label
