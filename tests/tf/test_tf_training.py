"""albert_tf as a Keras model: fit/evaluate/predict, export, MirroredStrategy."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

import keras  # noqa: E402
from golden_testutils import tiny_config  # noqa: E402
from tf_testutils import tiny_batch  # noqa: E402

from albert_tf import MODEL_CLASSES  # noqa: E402

FEATURES = ("input_ids", "attention_mask", "token_type_ids")
ROOT = Path(__file__).resolve().parents[2]


def dataset(batch: dict[str, np.ndarray], batch_size: int, split_labels: bool = False):
    """A tf.data pipeline of feature dicts (labels inside, or as ``y`` when split)."""
    if split_labels:
        x = {k: v for k, v in batch.items() if k in FEATURES}
        (label,) = (v for k, v in batch.items() if k not in FEATURES)
        return tf.data.Dataset.from_tensor_slices((x, label)).batch(batch_size)
    return tf.data.Dataset.from_tensor_slices(batch).batch(batch_size)


def test_xla_fit_with_labels_in_the_features_lowers_the_loss():
    keras.utils.set_random_seed(0)
    config = tiny_config(num_hidden_layers=2, num_hidden_groups=1, inner_group_num=1)
    model = MODEL_CLASSES["masked-lm"](config)
    batch = tiny_batch(config, "masked-lm", batch=8)
    # XLA-compiled train/test/predict steps (Keras' "auto" leaves XLA off on CPUs).
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2), jit_compile=True)
    before = float(model(batch).loss)
    history = model.fit(dataset(batch, 4), epochs=5, verbose=0, shuffle=False)
    losses = history.history["loss"]
    assert losses[-1] < losses[0] and float(model(batch).loss) < before
    # evaluate and predict go through the same path.
    halves = [{k: v[i : i + 4] for k, v in batch.items()} for i in (0, 4)]
    per_batch = np.mean([float(model(half).loss) for half in halves])
    assert model.evaluate(dataset(batch, 4), verbose=0) == pytest.approx(per_batch, rel=1e-5)
    predicted = model.predict({k: batch[k] for k in FEATURES}, batch_size=3, verbose=0)
    assert predicted["logits"].shape == (8, 7, config.vocab_size)


def test_fit_with_labels_as_y_and_with_a_keras_loss():
    keras.utils.set_random_seed(1)
    config = tiny_config(num_hidden_layers=2, num_hidden_groups=1, inner_group_num=1)
    model = MODEL_CLASSES["sequence-classification"](config)
    batch = tiny_batch(config, "sequence-classification", batch=8)
    # (features, labels) pairs: the model's own loss, computed from y.
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2))
    own = model.fit(
        dataset(batch, 4, split_labels=True), epochs=3, verbose=0, shuffle=False
    ).history["loss"]
    assert np.all(np.isfinite(own)) and own[-1] < own[0]
    # A user-supplied Keras loss and metric see the logits.
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-2),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    history = model.fit(
        dataset(batch, 4, split_labels=True), epochs=3, verbose=0, shuffle=False
    ).history
    assert set(history) == {"loss", "accuracy"} and history["loss"][-1] < history["loss"][0]
    result = model.evaluate(dataset(batch, 8), verbose=0, return_dict=True)  # labels in x
    logits = np.asarray(model(batch).logits)
    keras_loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    assert result["loss"] == pytest.approx(float(keras_loss(batch["labels"], logits)), rel=1e-5)
    accuracy = np.mean(logits.argmax(-1) == batch["labels"])
    assert result["accuracy"] == pytest.approx(accuracy)


def test_missing_labels_give_a_clear_error():
    config = tiny_config(num_hidden_layers=1, num_hidden_groups=1)
    model = MODEL_CLASSES["token-classification"](config)
    batch = tiny_batch(config, "token-classification")
    model.compile(optimizer="sgd")
    with pytest.raises(ValueError, match="no labels"):
        model.fit(dataset({k: batch[k] for k in FEATURES}, 4), epochs=1, verbose=0, shuffle=False)


@pytest.mark.parametrize("head", ["question-answering", "multiple-choice"])
def test_export_serving_signature_and_reload(head, tmp_path):
    config = tiny_config(num_labels=2, num_hidden_layers=2, num_hidden_groups=1)
    model = MODEL_CLASSES[head](config)
    batch = {k: v for k, v in tiny_batch(config, head).items() if k in FEATURES}
    model.export(tmp_path / "saved", verbose=False)
    reloaded = tf.saved_model.load(str(tmp_path / "saved"))
    signature = reloaded.signatures["serving_default"]
    assert set(signature.structured_input_signature[1]) == set(FEATURES)
    want = model(batch)
    for part in (batch, {k: v[:1] for k, v in batch.items()}):
        served = signature(**{k: tf.constant(v) for k, v in part.items()})
        direct = reloaded.serve(**part)
        assert set(served) == set(want) == set(direct)
        n = len(part["input_ids"])
        for key, value in want.items():
            np.testing.assert_allclose(served[key], np.asarray(value)[:n], atol=1e-5)
            np.testing.assert_allclose(direct[key], np.asarray(value)[:n], atol=1e-5)


MIRRORED = textwrap.dedent(
    """
    import os
    import numpy as np
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import keras
    from albert_core.config import AlbertConfig
    from albert_tf import TFAlbertForPreTraining, weights

    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    assert strategy.num_replicas_in_sync == 2
    config = AlbertConfig(
        vocab_size=40, embedding_size=8, hidden_size=16, num_hidden_layers=2,
        num_attention_heads=2, intermediate_size=20, max_position_embeddings=16,
    )
    keras.utils.set_random_seed(0)
    with strategy.scope():
        model = TFAlbertForPreTraining(config)
        model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.5))
    assert "Mirrored" in type(model.weights[0].value).__name__
    rng = np.random.default_rng(0)
    ids = rng.integers(5, 40, size=(8, 6)).astype(np.int32)
    labels = np.where(rng.random((8, 6)) < 0.5, ids, -100).astype(np.int32)
    labels[:, 0] = ids[:, 0]
    order = rng.integers(0, 2, size=(8,)).astype(np.int32)
    data = {"input_ids": ids, "labels": labels, "sentence_order_label": order}
    before = weights.model_arrays(model)
    data = tf.data.Dataset.from_tensor_slices(data).batch(8)
    history = model.fit(data, epochs=2, verbose=0, shuffle=False)
    losses = history.history["loss"]
    assert all(np.isfinite(losses)) and losses[1] < losses[0], losses
    after = weights.model_arrays(model)
    moved = [k for k in before if not np.array_equal(before[k], after[k])]
    assert "albert.embeddings.word_embeddings.weight" in moved and "predictions.bias" in moved
    print("MIRRORED OK", losses)
    """
)


def test_mirrored_strategy_over_two_logical_cpus_builds_and_fits():
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "KERAS_BACKEND": "tensorflow"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-c", MIRRORED], env=env, cwd=ROOT, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "MIRRORED OK" in result.stdout
