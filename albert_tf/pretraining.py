"""Pre-training ALBERT with Keras 3 / TensorFlow: the optimizer choice, a tf.data adapter,
the trainer.

* :func:`make_optimizer`: ALBERT's LAMB or PyTorch's AdamW (:mod:`albert_tf.optimizers`;
  ``Lamb`` is also importable from here).
* :func:`tf_dataset`: masked batches of a prepared dataset as a ``tf.data.Dataset``.
* :class:`TFPretrainer`: the :class:`albert_core.training.loop.FrameworkTrainer` of
  ``albert pretrain --framework tf``: ``tf.function`` steps, gradients accumulated in
  variables, any ``tf.distribute`` strategy (:mod:`albert_tf.training`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from albert_core.config import AlbertConfig  # noqa: E402
from albert_core.training.batches import BatchStream  # noqa: E402
from albert_core.training.dataset import PretrainingData  # noqa: E402
from albert_core.training.distributed import (  # noqa: E402
    pretraining_denominators,
    shard_batch,
)
from albert_core.training.loop import (  # noqa: E402
    FrameworkTrainer,
    PretrainingArguments,
)
from albert_tf import weights  # noqa: E402
from albert_tf.models import TFAlbertForPreTraining  # noqa: E402
from albert_tf.optimizers import AdamW, Lamb  # noqa: E402
from albert_tf.training import TFStepTrainer  # noqa: E402

#: dtypes of the batch arrays in the ``tf.data`` adapter.
_DTYPES = {"masked_lm_weights": tf.float32}


def make_optimizer(args: PretrainingArguments) -> keras.optimizers.Optimizer:
    """:class:`~albert_tf.optimizers.Lamb` or :class:`~albert_tf.optimizers.AdamW`
    (``args.optimizer``); LayerNorm weights
    and biases get no weight decay (and no layer adaptation). Clipping is done by the
    trainer."""
    if args.optimizer == "lamb":
        return Lamb(args.learning_rate, beta_1=args.beta1, beta_2=args.beta2,
                    epsilon=args.epsilon, weight_decay_rate=args.weight_decay)
    return AdamW(args.learning_rate, beta_1=args.beta1, beta_2=args.beta2,
                 epsilon=args.epsilon, weight_decay_rate=args.weight_decay)


# ================================================================================ data
def tf_dataset(directory: str | os.PathLike[str], batch_size: int,
               **options: Any) -> tf.data.Dataset:
    """Masked batches of a prepared dataset as a ``tf.data.Dataset`` of dicts of tensors.

    The batches of :class:`albert_core.training.batches.BatchStream` with these arguments
    (``split``, ``seed``, ``start``, ``num_batches``, ``shuffle``): keys and shapes as
    :func:`albert_core.training.masking.collate` (int32, weights float32). The dataset is
    prefetched.
    """
    stream = BatchStream(directory, batch_size, **options)
    data = PretrainingData(directory, stream.split)
    width = data.config.max_seq_length
    preds = data.config.max_predictions

    shapes = {
        "input_ids": (batch_size, width), "attention_mask": (batch_size, width),
        "token_type_ids": (batch_size, width), "labels": (batch_size, width),
        "masked_lm_positions": (batch_size, preds), "masked_lm_ids": (batch_size, preds),
        "masked_lm_weights": (batch_size, preds), "sentence_order_label": (batch_size,),
    }
    signature = {key: tf.TensorSpec(shape, _DTYPES.get(key, tf.int32))
                 for key, shape in shapes.items()}
    dataset = tf.data.Dataset.from_generator(stream.batches, output_signature=signature)
    return dataset.prefetch(tf.data.AUTOTUNE)


# ============================================================================= trainer
def pretraining_sums(
    model: TFAlbertForPreTraining, batch: Mapping[str, tf.Tensor], training: bool
) -> tuple[tf.Tensor, dict[str, tf.Tensor]]:
    """The objective (mean MLM + mean SOP cross-entropy) and the metric sums of a batch;
    the MLM head runs on the ``masked_lm_positions`` only."""
    features = {name: batch[name] for name in ("input_ids", "attention_mask", "token_type_ids")}
    out = model.albert(features, training=training)
    gathered = tf.gather(out["last_hidden_state"], batch["masked_lm_positions"], batch_dims=1)
    logits = model.predictions(gathered, model.get_input_embeddings().table)
    ids = tf.cast(batch["masked_lm_ids"], tf.int32)
    w = tf.cast(batch["masked_lm_weights"], tf.float32)
    token_ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=ids, logits=logits)
    mlm_sum = tf.reduce_sum(token_ce * w)
    mlm_count = tf.reduce_sum(w)
    sop_logits = model.sop_classifier(out["pooler_output"], training=training)
    labels = tf.cast(batch["sentence_order_label"], tf.int32)
    sop_ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=sop_logits)
    objective = mlm_sum / tf.maximum(mlm_count, 1.0) + tf.reduce_mean(sop_ce)
    mlm_hits = tf.cast(tf.equal(tf.argmax(logits, -1, output_type=tf.int32), ids), tf.float32)
    sop_hits = tf.cast(tf.equal(tf.argmax(sop_logits, -1, output_type=tf.int32), labels),
                       tf.float32)
    sums = {
        "mlm_loss_sum": mlm_sum,
        "mlm_count": mlm_count,
        "mlm_correct": tf.reduce_sum(mlm_hits * w),
        "sop_loss_sum": tf.reduce_sum(sop_ce),
        "sop_count": tf.cast(tf.size(labels), tf.float32),
        "sop_correct": tf.reduce_sum(sop_hits),
    }
    return objective, sums


def _numpy_sums(sums: Mapping[str, tf.Tensor]) -> dict[str, float]:
    return {key: float(value) for key, value in sums.items()}


class TFPretrainer(TFStepTrainer, FrameworkTrainer):
    """Keras/TensorFlow trainer of :func:`albert_core.training.loop.run_pretraining`.

    Builds :class:`TFAlbertForPreTraining` after ``keras.utils.set_random_seed(seed)`` (or
    uses ``model``) under ``strategy.scope()``; gradients accumulate in variables and are
    clipped with ``tf.clip_by_global_norm`` (:class:`albert_tf.training.TFStepTrainer`).
    Under a strategy of ``n`` replicas, replica ``i`` trains on
    ``shard_batch(batch, "pretraining", i, n)`` with the global denominators of
    :func:`albert_core.training.distributed.pretraining_denominators`, so the update
    equals one device's. Checkpoints hold every model variable (dropout seed state
    included) and every optimizer variable.

    Args:
        config: the model config.
        args: the run's options.
        model: start from this model instead of a fresh one (its variables must live
            under ``strategy``).
        jit_compile: compile the steps with XLA.
        strategy: a ``tf.distribute.Strategy`` (None:
            :func:`albert_tf.training.choose_strategy`).
    """

    framework = "tf"

    def __init__(
        self,
        config: AlbertConfig,
        args: PretrainingArguments,
        *,
        model: TFAlbertForPreTraining | None = None,
        jit_compile: bool = False,
        strategy: tf.distribute.Strategy | None = None,
    ) -> None:
        FrameworkTrainer.__init__(self, config, args)
        self._init_strategy(strategy)
        self.max_grad_norm = args.max_grad_norm
        with self.strategy.scope():
            if model is None:
                keras.utils.set_random_seed(args.seed)
                model = TFAlbertForPreTraining(config)
            self.model = model
            variables = list(model.trainable_variables)
            self.optimizer = make_optimizer(args)
        self._init_steps(variables, jit_compile)
        self._evaluate = tf.function(self._evaluate_fn, jit_compile=jit_compile,
                                     reduce_retracing=True)

    def _replica_step(self, batch: dict[str, tf.Tensor], factor: tf.Tensor, scale: tf.Tensor
                      ) -> dict[str, tf.Tensor]:
        # factor: [1 / global mlm_count, 1 / global sop_count, 1] (all 0 for a stand-in row).
        with tf.GradientTape() as tape:
            _, sums = pretraining_sums(self.model, batch, training=True)
            objective = sums["mlm_loss_sum"] * factor[0] + sums["sop_loss_sum"] * factor[1]
            scaled = objective * scale
        self._accumulate(tape, scaled)
        return {key: value * factor[2] for key, value in sums.items()}

    def _evaluate_fn(self, batch: dict[str, tf.Tensor]) -> dict[str, tf.Tensor]:
        return pretraining_sums(self.model, batch, training=False)[1]

    @staticmethod
    def _tensors(batch: Mapping[str, np.ndarray]) -> dict[str, tf.Tensor]:
        return {key: tf.convert_to_tensor(value) for key, value in batch.items()
                if key != "labels"}

    def forward_backward(self, batch: Mapping[str, np.ndarray], scale: float) -> dict[str, float]:
        """See :meth:`FrameworkTrainer.forward_backward`."""
        inputs = {key: value for key, value in batch.items() if key != "labels"}
        counts = pretraining_denominators(inputs)

        def shard(index: int, count: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
            part = shard_batch(inputs, "pretraining", index, count)
            keep = 1.0 if part.rows else 0.0
            return part.batch, np.array([keep / counts["mlm_count"],
                                         keep / counts["sop_count"], keep], np.float32)

        return self.run_shards(shard, scale)

    def evaluate(self, batch: Mapping[str, np.ndarray]) -> dict[str, float]:
        """See :meth:`FrameworkTrainer.evaluate`."""
        return _numpy_sums(self._evaluate(self._tensors(batch)))

    def save_pretrained(self, directory: Path) -> None:
        """See :meth:`FrameworkTrainer.save_pretrained` (``model.safetensors``)."""
        self.model.save_pretrained(directory, formats=("safetensors",))

    def numpy_weights(self) -> dict[str, np.ndarray]:
        """See :meth:`FrameworkTrainer.numpy_weights`."""
        return weights.model_arrays(self.model)


__all__ = ["Lamb", "TFPretrainer", "make_optimizer", "pretraining_sums", "tf_dataset"]
