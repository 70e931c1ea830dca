"""The canonical schema against the files transformers 4.57.6 actually wrote."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from golden_testutils import GOLDEN_DIRS
from safetensors.numpy import load_file

from albert_core import schema
from albert_core.config import AlbertConfig


def test_every_head_has_goldens():
    assert {directory.name for directory in GOLDEN_DIRS} == set(schema.HEADS)


def test_expected_names_and_shapes_match_transformers_files(golden_case):
    directory, config, head = golden_case
    stored = load_file(directory / "model.safetensors")
    expected = schema.expected_shapes(config, head)
    tied = schema.tied_names(config, head)
    # transformers' safetensors omit some tied copies; everything else is exactly the schema.
    assert set(stored) <= set(expected)
    assert set(expected) - set(stored) <= set(tied)
    for name, array in stored.items():
        assert array.shape == expected[name], name


def test_kind_rule_agrees_with_specs(golden_case):
    _, config, head = golden_case
    for spec in schema.tensor_specs(config, head):
        assert schema.kind_of(spec.name) == spec.kind, spec.name


def test_keras_names_are_the_ones_transformers_tf_writes(golden_case):
    directory, config, head = golden_case
    scope = schema.head_spec(head).keras_scope
    with h5py.File(directory / "tf_model.h5", "r") as f:
        stored = set()
        for layer in f.attrs["layer_names"]:
            layer = layer.decode() if isinstance(layer, bytes) else layer
            for name in f[layer].attrs["weight_names"]:
                stored.add(name.decode() if isinstance(name, bytes) else name)
    prefixed = {
        (name if head != "model" else schema.PREFIX + name)
        for name in schema.expected_shapes(config, head)
        if name != "predictions.decoder.weight"  # tied to the word embeddings in TF
    }
    assert {f"{scope}/{schema.to_keras_name(n)}" for n in prefixed} == stored
    for keras_name in stored:
        canonical = schema.from_keras_name(keras_name)
        assert schema.to_keras_name(canonical) == keras_name.removeprefix(scope + "/")


def test_flax_paths_round_trip(golden_case):
    _, config, head = golden_case
    for name in schema.expected_shapes(config, head):
        path = schema.to_flax_path(name)
        assert path[-1] in ("kernel", "embedding", "scale", "bias")
        assert schema.from_flax_path(path) == name
    assert schema.to_flax_path("albert.embeddings.LayerNorm.weight")[-1] == "scale"
    assert schema.needs_transpose("albert.pooler.weight")
    assert not schema.needs_transpose("albert.embeddings.word_embeddings.weight")


def test_infer_head_from_names(golden_case):
    directory, config, head = golden_case
    names = load_file(directory / "model.safetensors")
    guessed = schema.infer_head(names)
    if head == "multiple-choice":
        # Names alone cannot tell it from sequence classification; the config can.
        assert guessed == "sequence-classification"
        assert schema.infer_head(names, config.extra["architectures"]) == head
    else:
        assert guessed == head


@pytest.fixture
def small():
    return AlbertConfig(vocab_size=10, embedding_size=4, hidden_size=8, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=6, max_position_embeddings=6)


def arrays_for(config, head):
    rng = np.random.default_rng(0)
    arrays = {name: rng.normal(size=shape).astype(np.float32)
              for name, shape in schema.expected_shapes(config, head).items()}
    for name, source in schema.tied_names(config, head).items():
        arrays[name] = arrays[source]
    return arrays


def test_match_fills_ties_and_drops_buffers(small):
    arrays = arrays_for(small, "masked-lm")
    del arrays["predictions.decoder.weight"], arrays["predictions.decoder.bias"]
    arrays["albert.embeddings.position_ids"] = np.arange(6)[None]
    out, report = schema.match(arrays, small, "masked-lm")
    assert report.ok
    assert sorted(report.filled_from_tie) == [
        "predictions.decoder.bias",
        "predictions.decoder.weight",
    ]
    assert report.ignored == ["albert.embeddings.position_ids"]
    assert out["predictions.decoder.weight"] is arrays["albert.embeddings.word_embeddings.weight"]


def test_head_checkpoint_into_base_model_and_back(small):
    full = arrays_for(small, "pretraining")
    out, report = schema.match(full, small, "model")
    assert report.ok and "pooler.weight" in out and "embeddings.LayerNorm.bias" in out
    assert "sop_classifier.classifier.weight" in report.ignored
    base = arrays_for(small, "model")
    out, report = schema.match(base, small, "sequence-classification")
    assert report.missing == ["classifier.weight", "classifier.bias"]
    assert "albert.pooler.weight" in out and not report.unexpected


def test_check_lists_every_problem(small):
    arrays = arrays_for(small, "token-classification")
    del arrays["classifier.bias"]
    arrays["albert.embeddings.LayerNorm.weight"] = np.ones(5, np.float32)
    arrays["something.else"] = np.zeros(1, np.float32)
    with pytest.raises(schema.WeightsMismatchError) as err:
        schema.check(arrays, small, "token-classification", source="ckpt.safetensors")
    message = str(err.value)
    assert "ckpt.safetensors" in message and "classifier.bias" in message
    assert "something.else" in message
    assert "albert.embeddings.LayerNorm.weight expected (4,), checkpoint has (5,)" in message
    del arrays["albert.embeddings.LayerNorm.weight"]
    with pytest.warns(UserWarning, match="classifier.bias"):
        _, report = schema.check(arrays, small, "token-classification", strict=False)
    assert report.missing == ["albert.embeddings.LayerNorm.weight", "classifier.bias"]


def test_decoder_bias_tie_reconciliation(small):
    arrays = arrays_for(small, "masked-lm")
    good = arrays["predictions.bias"].copy()
    arrays["predictions.decoder.bias"] = np.zeros_like(good)  # as transformers' PT->TF leaves it
    out, _ = schema.match(arrays, small, "masked-lm")
    np.testing.assert_array_equal(out["predictions.decoder.bias"], good)
    arrays["predictions.bias"] = np.zeros_like(good)
    arrays["predictions.decoder.bias"] = good  # a TF-trained model: only the decoder copy is live
    out, _ = schema.match(arrays, small, "masked-lm")
    np.testing.assert_array_equal(out["predictions.bias"], good)
    arrays["predictions.decoder.bias"] = good + 1
    arrays["predictions.bias"] = good
    with pytest.warns(UserWarning, match="differ"):
        out, _ = schema.match(arrays, small, "masked-lm")
    np.testing.assert_array_equal(out["predictions.decoder.bias"], good)


def test_untied_decoder_is_required(small):
    untied = small.copy(tie_word_embeddings=False)
    arrays = arrays_for(untied, "masked-lm")
    del arrays["predictions.decoder.weight"]
    _, report = schema.match(arrays, untied, "masked-lm")
    assert report.missing == ["predictions.decoder.weight"]


def test_unknown_head():
    with pytest.raises(ValueError, match="'masked_lm'"):
        schema.head_spec("masked_lm")
    assert schema.head_from_class_name("FlaxAlbertForQuestionAnswering") == "question-answering"
    with pytest.raises(ValueError):
        schema.head_from_class_name("BertModel")


def test_weights_of_other_heads_are_ignored_not_unexpected(small):
    # albert-base-v2 is published as a masked-LM checkpoint that still carries its pooler.
    full = arrays_for(small, "pretraining")
    out, report = schema.match(full, small, "masked-lm")
    assert report.ok
    assert sorted(report.ignored) == [
        "albert.pooler.bias",
        "albert.pooler.weight",
        "sop_classifier.classifier.bias",
        "sop_classifier.classifier.weight",
    ]
    assert "predictions.dense.weight" in out
    # A name no ALBERT head has is still unexpected.
    full["albert.encoder.extra.weight"] = np.zeros(2, np.float32)
    _, report = schema.match(full, small, "masked-lm")
    assert report.unexpected == ["albert.encoder.extra.weight"]
