"""albert_tf model behaviour: inputs, errors, names, ties, losses, save/load, XLA, bfloat16."""

from __future__ import annotations

import functools

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

import keras  # noqa: E402
from golden_testutils import HEADS, tiny_config  # noqa: E402
from tf_testutils import BF16_ATOL, tiny_batch  # noqa: E402

from albert_core import checkpoints, schema  # noqa: E402
from albert_tf import MODEL_CLASSES, ModelOutput, weights  # noqa: E402
from albert_tf.losses import masked_cross_entropy, sequence_classification_loss  # noqa: E402

FEATURES = ("input_ids", "attention_mask", "token_type_ids")


def config_for(head: str, **overrides):
    """The tiny config; question answering needs two labels (start, end)."""
    if head == "question-answering":
        overrides.setdefault("num_labels", 2)
    return tiny_config(**overrides)


@functools.cache
def model_for(head: str):
    """One randomly initialised tiny model per head, built once per session."""
    keras.utils.set_random_seed(len(head))
    return MODEL_CLASSES[head](config_for(head))


def features(batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: batch[k] for k in FEATURES}


# ---------------------------------------------------------------------------- structure
@pytest.mark.parametrize("head", HEADS)
def test_variable_paths_are_the_schema_names(head):
    model = model_for(head)
    names = {weights.keras_path(model, v) for v in model.weights}
    specs = schema.tensor_specs(model.config, head)
    expected = {schema.keras_weight_name(t.name, head) for t in specs if not t.tied_to}
    if head in ("pretraining", "masked-lm"):
        expected.discard(schema.keras_weight_name("predictions.decoder.bias", head))
    assert names == expected
    assert model.name == schema.head_spec(head).keras_scope


@pytest.mark.parametrize("head", HEADS)
def test_arrays_round_trip_and_cover_the_schema(head):
    model = model_for(head)
    arrays = weights.model_arrays(model)
    assert set(arrays) == set(schema.expected_shapes(model.config, head))
    for name, shape in schema.expected_shapes(model.config, head).items():
        assert arrays[name].shape == shape, name
    clone = MODEL_CLASSES[head](model.config)
    assert weights.load_arrays(clone, arrays) == []
    batch = features(tiny_batch(model.config, head))
    for key, value in model(batch).items():
        np.testing.assert_array_equal(np.asarray(clone(batch)[key]), np.asarray(value))


def test_decoder_is_tied_to_word_embeddings_and_bias():
    model = model_for("masked-lm")
    arrays = weights.model_arrays(model)
    np.testing.assert_array_equal(
        arrays["predictions.decoder.weight"], arrays["albert.embeddings.word_embeddings.weight"]
    )
    np.testing.assert_array_equal(arrays["predictions.decoder.bias"], arrays["predictions.bias"])
    # A transformers-TF-style zero decoder bias never overrides predictions.bias.
    bias = np.linspace(-1, 1, model.config.vocab_size).astype(np.float32)
    arrays = {**arrays, "predictions.bias": bias, "predictions.decoder.bias": bias * 0}
    weights.load_arrays(model, arrays)
    np.testing.assert_array_equal(model.predictions.bias.numpy(), bias)
    ids = np.array([[5, 6, 7]])
    hidden = model.albert({"input_ids": tf.constant(ids)})["last_hidden_state"]
    manual = model.predictions(hidden, model.get_input_embeddings().table)
    np.testing.assert_allclose(model(ids).logits, manual, atol=1e-6)


def test_unsupported_configs_are_refused():
    with pytest.raises(ValueError, match="num_labels=2"):
        MODEL_CLASSES["question-answering"](tiny_config(num_labels=3))
    with pytest.raises(TypeError, match="AlbertConfig"):
        MODEL_CLASSES["model"]({"vocab_size": 3})


@pytest.mark.parametrize("head", ["masked-lm", "pretraining"])
def test_untied_decoder_is_its_own_variable_and_round_trips(head, tmp_path):
    keras.utils.set_random_seed(3)
    model = MODEL_CLASSES[head](tiny_config(tie_word_embeddings=False))
    decoder = schema.keras_weight_name("predictions.decoder.weight", head)
    assert decoder in {weights.keras_path(model, v) for v in model.weights}
    arrays = weights.model_arrays(model)
    word = arrays["albert.embeddings.word_embeddings.weight"]
    assert arrays["predictions.decoder.weight"].shape == word.shape
    assert not np.array_equal(arrays["predictions.decoder.weight"], word)
    batch = features(tiny_batch(model.config, head))
    logits = "logits" if head == "masked-lm" else "prediction_logits"
    want = np.asarray(model(batch)[logits])
    # The decoder does not follow the word embeddings: changing the table changes the
    # inputs only, and a changed decoder changes the scores of the same hidden states.
    hidden = model.albert(batch)["last_hidden_state"]
    before = np.asarray(model.predictions(hidden, model.get_input_embeddings().table))
    table = model.get_input_embeddings().table
    table.assign(table * 0)
    after = np.asarray(model.predictions(hidden, model.get_input_embeddings().table))
    np.testing.assert_array_equal(after, before)
    weights.load_arrays(model, arrays)
    model.save_pretrained(tmp_path, formats=("safetensors",))
    loaded = MODEL_CLASSES[head].from_pretrained(tmp_path)
    assert loaded.loading_report.ok and not loaded.config.tie_word_embeddings
    np.testing.assert_array_equal(np.asarray(loaded(batch)[logits]), want)
    reloaded = weights.model_arrays(loaded)
    for name, value in arrays.items():
        np.testing.assert_array_equal(reloaded[name], value, err_msg=name)


def test_keras_config_round_trip():
    model = model_for("token-classification")
    clone = type(model).from_config(model.get_config())
    assert clone.config == model.config
    assert len(clone.weights) == len(model.weights)


# ------------------------------------------------------------------------------ inputs
def test_inputs_as_dict_kwargs_numpy_tensors_and_lists():
    model = model_for("sequence-classification")
    batch = features(tiny_batch(model.config, "sequence-classification"))
    want = np.asarray(model(batch).logits)
    np.testing.assert_allclose(model(**batch).logits, want, atol=1e-6)
    as_tensors = {k: tf.constant(v) for k, v in batch.items()}
    np.testing.assert_allclose(model(as_tensors).logits, want, atol=1e-6)
    np.testing.assert_allclose(
        model(batch["input_ids"].tolist(), attention_mask=batch["attention_mask"],
              token_type_ids=batch["token_type_ids"]).logits, want, atol=1e-6,
    )  # fmt: skip
    as_tuple = model(batch, return_dict=False)
    assert isinstance(as_tuple, tuple) and len(as_tuple) == 1
    out = model(batch, output_hidden_states=True)
    assert isinstance(out, ModelOutput) and out.attentions is None and out.loss is None
    assert len(out.hidden_states) == model.config.num_hidden_layers + 1
    assert out.to_tuple()[0] is out.logits


def test_inputs_embeds_equal_looked_up_embeddings():
    model = model_for("model")
    ids = np.array([[5, 9, 11, 3]])
    embeds = tf.gather(model.get_input_embeddings().table, ids)
    np.testing.assert_allclose(
        model(inputs_embeds=embeds).last_hidden_state, model(ids).last_hidden_state, atol=1e-6
    )


BAD_INPUTS = [
    ({"input_ids": [[5, 50]]}, r"input_ids contains 50; ids must be in \[0, vocab_size=50\)"),
    ({"input_ids": [[5, -1]]}, r"input_ids contains -1"),
    ({"input_ids": [[5, 6]], "token_type_ids": [[0, 2]]}, r"token_type_ids contains 2.*type_"),
    ({"input_ids": [[5, 6]], "position_ids": [[0, 20]]}, r"position_ids contains 20.*max_pos"),
    ({"input_ids": [[5] * 21]}, r"sequence length 21 exceeds max_position_embeddings=20"),
    ({"input_ids": [[5, 6]], "attention_mask": [[1, 1, 1]]}, r"attention_mask has shape"),
    ({"input_ids": [[5, 6]], "head_mask": np.ones(3)}, r"head_mask covers 3 heads"),
    ({"input_ids": [[5, 6]], "head_mask": np.ones((3, 2))}, r"head_mask has 3 rows"),
    ({"input_ids": [5, 6]}, r"input_ids must be \(batch, seq\)"),
    ({"input_ids": [[5.0, 6.0]]}, r"input_ids must hold integers"),
    ({"inputs_embeds": np.zeros((1, 2, 3), np.float32)}, r"embedding_size=8"),
    ({"input_ids": [[5]], "inputs_embeds": np.zeros((1, 1, 8), np.float32)}, r"not both"),
    ({}, r"pass input_ids or inputs_embeds"),
    ({"input_ids": {"input_ids": [[5]], "label": [1]}}, r"unknown inputs \['label'\]"),
    ({"input_ids": {"input_ids": [[5]]}, "attention_mask": None}, None),
]


@pytest.mark.parametrize(("kwargs", "message"), BAD_INPUTS)
def test_clear_errors_in_eager_mode(kwargs, message):
    model = model_for("model")
    if message is None:  # the control case: valid
        model(**kwargs)
        return
    with pytest.raises(ValueError, match=message):
        model(**kwargs)


def test_multiple_choice_shape_errors():
    model = model_for("multiple-choice")
    with pytest.raises(ValueError, match=r"\(batch, num_choices, seq\)"):
        model(np.array([[5, 6]]))
    embeds = np.zeros((2, 3, 4, 8), np.float32)
    assert model(inputs_embeds=embeds).logits.shape == (2, 3)


# ------------------------------------------------------------------------------ losses
def test_masked_cross_entropy_ignores_minus_100():
    logits = np.log(np.array([[[0.5, 0.25, 0.25], [0.1, 0.8, 0.1], [1 / 3] * 3]], np.float32))
    labels = np.array([[0, -100, 2]])
    want = -(np.log(0.5) + np.log(1 / 3)) / 2
    assert float(masked_cross_entropy(labels, logits)) == pytest.approx(want, rel=1e-6)


def test_sequence_classification_problem_types():
    logits = np.array([[0.5, -1.0], [2.0, 0.1]], np.float32)
    floats = np.array([[1.0, 0.0], [0.0, 1.0]], np.float32)
    sigmoid = 1 / (1 + np.exp(-logits))
    bce = -np.mean(floats * np.log(sigmoid) + (1 - floats) * np.log(1 - sigmoid))
    got = sequence_classification_loss(tf.constant(floats), logits, None, 2)
    assert float(got) == pytest.approx(bce, rel=1e-5)
    got = sequence_classification_loss(tf.constant(floats), logits, "regression", 2)
    assert float(got) == pytest.approx(np.mean((logits - floats) ** 2), rel=1e-6)
    one = sequence_classification_loss(tf.constant([0.5, 2.0]), logits[:, :1], None, 1)
    assert float(one) == pytest.approx(np.mean((logits[:, 0] - [0.5, 2.0]) ** 2), rel=1e-6)


@pytest.mark.parametrize("head", [h for h in HEADS if h != "model"])
def test_loss_needs_all_labels_and_is_finite(head):
    model = model_for(head)
    batch = tiny_batch(model.config, head)
    out = model(batch)
    assert out.loss.shape == () and np.isfinite(float(out.loss))
    label = next(k for k in batch if k not in FEATURES)
    partial = {k: v for k, v in batch.items() if k != label}
    assert model(partial).loss is None


# ------------------------------------------------------------------------ save / load
def test_save_pretrained_round_trip_every_format_written(tmp_path):
    pytest.importorskip("torch")
    model = model_for("pretraining")
    written = model.save_pretrained(tmp_path, formats=("tf", "safetensors"))
    assert sorted(p.name for p in written) == ["config.json", "model.safetensors", "tf_model.h5"]
    arrays = weights.model_arrays(model)
    for fmt in ("tf", "safetensors"):
        clone = type(model).from_pretrained(tmp_path, fmt=fmt)
        assert clone.loading_report.ok
        cloned = weights.model_arrays(clone)
        for name, value in arrays.items():
            np.testing.assert_array_equal(cloned[name], value, err_msg=f"{fmt}: {name}")
    raw = checkpoints.read(tmp_path, "tf")
    np.testing.assert_array_equal(raw["predictions.decoder.bias"], arrays["predictions.bias"])
    with pytest.raises(FileExistsError):
        model.save_pretrained(tmp_path, overwrite=False)


def test_backbone_loads_from_a_head_checkpoint(tmp_path):
    model = model_for("sequence-classification")
    model.save_pretrained(tmp_path)
    base = MODEL_CLASSES["model"].from_pretrained(tmp_path)
    assert base.loading_report.ok and "classifier.weight" in base.loading_report.ignored
    batch = features(tiny_batch(model.config, "model"))
    np.testing.assert_allclose(
        base(batch).pooler_output, model.albert(batch)["pooler_output"], atol=1e-6
    )


# ------------------------------------------------------------------------- XLA, bf16
@pytest.mark.parametrize("head", ["question-answering", "multiple-choice"])
def test_xla_matches_eager_fixed_and_variable_batch(head):
    # Each new shape is one XLA compilation (seconds on a CPU): keep them few.
    config = config_for(head, num_hidden_layers=2, num_hidden_groups=2, inner_group_num=1)
    model = MODEL_CLASSES[head](config)
    batch = features(tiny_batch(config, head, batch=5))
    spec = [tf.TensorSpec([None] * batch["input_ids"].ndim, tf.int32)] * 3

    @tf.function(jit_compile=True, input_signature=spec)
    def variable(ids, mask, types):
        return dict(model(input_ids=ids, attention_mask=mask, token_type_ids=types))

    fixed = tf.function(lambda b: dict(model(b, training=False)), jit_compile=True)
    cases = [(fixed, batch), (variable, batch), (variable, {k: v[:2] for k, v in batch.items()})]
    for run, part in cases:
        got = run(part) if run is fixed else run(*(part[k] for k in FEATURES))
        eager = model(part)
        assert set(got) == set(eager)
        for key, value in eager.items():
            np.testing.assert_allclose(got[key], value, atol=1e-5, err_msg=key)


@pytest.mark.parametrize("head", ["pretraining", "token-classification"])
def test_mixed_bfloat16_within_tolerance(head):
    model = model_for(head)
    mixed = MODEL_CLASSES[head](model.config, dtype="mixed_bfloat16")
    weights.load_arrays(mixed, weights.model_arrays(model))
    assert all(v.dtype == "float32" for v in mixed.weights)
    batch = tiny_batch(model.config, head)
    want, got = model(batch), mixed(batch, output_hidden_states=True)
    assert got.hidden_states[-1].dtype == tf.bfloat16
    for key in want:
        assert got[key].dtype == tf.float32, key
        np.testing.assert_allclose(got[key], want[key], atol=BF16_ATOL, err_msg=key)


def test_global_mixed_precision_policy_is_honoured():
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = MODEL_CLASSES["model"](tiny_config())
    finally:
        keras.mixed_precision.set_global_policy(previous)
    out = model(np.array([[5, 6, 7]]))
    assert model.dtype_policy.name == "mixed_bfloat16"
    assert out.last_hidden_state.dtype == tf.bfloat16
