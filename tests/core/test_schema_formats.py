"""The schema rules the checkpoint formats rely on, against transformers' own files."""

from __future__ import annotations

from pathlib import Path

import h5py
import pytest

from albert_core import schema


def h5_weight_names(directory: Path) -> dict[str, list[str]]:
    with h5py.File(directory / "tf_model.h5", "r") as handle:
        return {
            str(layer): [str(n) for n in handle[layer].attrs["weight_names"]]
            for layer in handle.attrs["layer_names"]
        }


def test_keras_weight_names_with_main_layer(golden_case):
    directory, config, head = golden_case
    scope = schema.head_spec(head).keras_scope
    stored = {n for names in h5_weight_names(directory).values() for n in names}
    names = [n for n in schema.expected_shapes(config, head) if n != "predictions.decoder.weight"]
    assert {f"{scope}/{schema.keras_weight_name(n, head)}" for n in names} == stored
    for name in names:
        keras = schema.keras_weight_name(name, head)
        assert keras.split("/")[0] in ("albert", name.split(".")[0])
        assert schema.from_keras_weight_name(keras, head) == name


def test_keras_order_is_the_weight_names_order(golden_case):
    directory, config, head = golden_case
    for layer, listed in h5_weight_names(directory).items():
        own = [n.split("/", 1)[1] for n in listed if n.split("/")[1] == layer]
        canonical = [schema.from_keras_weight_name(n, head) for n in own]
        assert sorted(canonical, key=schema.keras_order_key) == canonical, layer


def test_layer_slots(golden_case):
    _, config, head = golden_case
    slots = schema.layer_slots(schema.expected_shapes(config, head))
    assert slots == [
        (g, k) for g in range(config.num_hidden_groups) for k in range(config.inner_group_num)
    ]
    assert schema.layer_slots(["pooler.weight", "predictions.bias"]) == []


def test_possible_ties_need_no_config(golden_case):
    _, config, head = golden_case
    assert schema.possible_ties(head) == schema.tied_names(config, head)
    assert schema.possible_ties(head) == schema.tied_names(
        config.copy(tie_word_embeddings=True), head
    )


def test_spec_order_is_the_pytorch_state_dict_order(golden_case):
    torch = pytest.importorskip("torch", reason="reading pytorch_model.bin needs torch")
    directory, config, head = golden_case
    state = torch.load(directory / "pytorch_model.bin", weights_only=True, map_location="cpu")
    assert [t.name for t in schema.tensor_specs(config, head)] == list(state)
