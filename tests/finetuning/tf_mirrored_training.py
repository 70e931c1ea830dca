"""Run by test_tf_finetuning.py in a subprocess (logical devices must be set up before
TensorFlow starts): training under ``MirroredStrategy`` over two logical CPUs equals one
device. Prints one ``OK <check>`` line per check that passed; fails with an assertion.

Usage: ``python mirrored_training.py TINY_MODEL SENTIMENT_CSV NER_CONLL``.
"""

from __future__ import annotations

import sys

import numpy as np
import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)

import keras  # noqa: E402

from albert_core.config import AlbertConfig  # noqa: E402
from albert_core.tokenizers.fast import AlbertTokenizerFast  # noqa: E402
from albert_core.training.finetune import FinetuneArguments  # noqa: E402
from albert_core.training.finetune_tasks import load_task_data  # noqa: E402
from albert_core.training.loop import PretrainingArguments  # noqa: E402
from albert_tf import TFAlbertForSequenceClassification, weights  # noqa: E402
from albert_tf.finetuning import AdamW, TFFinetuner, task_dataset  # noqa: E402
from albert_tf.pretraining import TFPretrainer  # noqa: E402

NO_DROPOUT = {"hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0,
              "classifier_dropout_prob": 0.0}
#: Micro-batches (row ranges) of two updates: 5 and 3 rows split unevenly over the two
#: replicas, and a single row leaves the second replica an empty share.
UPDATES = [[(0, 5), (5, 8)], [(3, 4), (1, 6)]]
LR = 2e-5  # small enough that Adam's steps on noise-level gradients stay below 1e-5


def assert_same(one: dict[str, np.ndarray], two: dict[str, np.ndarray],
                start: dict[str, np.ndarray], atol: float = 1e-5) -> None:
    """Equal within ``atol``, and the weights moved further than that."""
    assert sorted(one) == sorted(two)
    diff = {k: float(np.abs(one[k] - two[k]).max()) for k in one}
    assert max(diff.values()) <= atol, max(diff.items(), key=lambda kv: kv[1])
    moved = max(float(np.abs(one[k] - start[k]).max()) for k in one)
    assert moved > 3 * atol, moved


def finetuning(strategy: tf.distribute.Strategy, model: str, train: str, task: str) -> None:
    tokenizer = AlbertTokenizerFast.from_pretrained(model)
    data = load_task_data(task, train, None, tokenizer, max_length=16)
    data.config_updates.update(NO_DROPOUT)
    args = FinetuneArguments(task=task, train_file=train, output_dir="unused", model=model,
                             learning_rate=LR, weight_decay=0.01, progress=False)
    results, losses = [], []
    for choice in (None, strategy):
        finetuner = TFFinetuner(data, args, strategy=choice)
        assert finetuner.replicas == (1 if choice is None else 2)
        start = weights.model_arrays(finetuner.model)
        losses.append([])
        for update in UPDATES:
            for begin, end in update:
                batch = {key: value[begin:end] for key, value in data.train.items()}
                losses[-1].append(finetuner.forward_backward(batch, 0.5)["loss"])
            finetuner.apply_gradients(LR)
        results.append(weights.model_arrays(finetuner.model))
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-5)
    assert_same(*results, start)
    print("OK finetuning", task, flush=True)


def pretraining(strategy: tf.distribute.Strategy) -> None:
    config = AlbertConfig(vocab_size=40, embedding_size=8, hidden_size=16, num_hidden_layers=2,
                          num_attention_heads=2, intermediate_size=20,
                          max_position_embeddings=16, **NO_DROPOUT)
    rng = np.random.default_rng(0)
    rows, seq, preds = 9, 10, 3
    ids = rng.integers(5, 40, size=(rows, seq)).astype(np.int32)
    batch = {
        "input_ids": ids, "attention_mask": np.ones_like(ids),
        "token_type_ids": np.zeros_like(ids),
        "masked_lm_positions": rng.integers(1, seq, size=(rows, preds)).astype(np.int32),
        "masked_lm_ids": rng.integers(5, 40, size=(rows, preds)).astype(np.int32),
        "masked_lm_weights": (rng.random((rows, preds)) < 0.7).astype(np.float32),
        "sentence_order_label": rng.integers(0, 2, size=(rows,)).astype(np.int32),
    }
    args = PretrainingArguments(output_dir="unused", steps=2, learning_rate=1e-3, seed=1)
    results, sums = [], []
    for choice in (None, strategy):
        trainer = TFPretrainer(config, args, strategy=choice)
        start = trainer.numpy_weights()
        sums.append([])
        for update in UPDATES:
            for begin, end in update:
                part = {key: value[begin:end] for key, value in batch.items()}
                sums[-1].append(trainer.forward_backward(part, 0.5))
            trainer.apply_gradients(1e-3)
        results.append(trainer.numpy_weights())
    for one, two in zip(*sums, strict=True):
        assert sorted(one) == sorted(two)
        for key in one:
            np.testing.assert_allclose(one[key], two[key], rtol=1e-5, err_msg=key)
    assert_same(*results, start)
    print("OK pretraining", flush=True)


def keras_fit(strategy: tf.distribute.Strategy, model: str, train: str) -> None:
    tokenizer = AlbertTokenizerFast.from_pretrained(model)
    data = load_task_data("text-classification", train, None, tokenizer, max_length=16)
    keras.utils.set_random_seed(0)
    start = weights.model_arrays(TFAlbertForSequenceClassification.from_pretrained(
        model, strict=False, **data.config_updates, **NO_DROPOUT))
    config = AlbertConfig.from_pretrained(model, **data.config_updates, **NO_DROPOUT)
    results, histories = [], []
    for scope in (tf.distribute.get_strategy(), strategy):
        with scope.scope():
            classifier = TFAlbertForSequenceClassification(config)
            weights.load_arrays(classifier, start)
            classifier.compile(optimizer=AdamW(LR))
        rows = {key: value[:16] for key, value in data.train.items()}
        history = classifier.fit(task_dataset(rows, 8), epochs=2, verbose=0, shuffle=False)
        histories.append(history.history["loss"])
        results.append(weights.model_arrays(classifier))
    np.testing.assert_allclose(histories[0], histories[1], rtol=1e-5)
    assert_same(*results, start)
    print("OK keras fit", flush=True)


def main() -> None:
    model, sentiment, ner = sys.argv[1:4]
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    finetuning(strategy, model, ner, "token-classification")
    pretraining(strategy)
    keras_fit(strategy, model, sentiment)


if __name__ == "__main__":
    main()
