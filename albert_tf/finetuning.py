"""Fine-tuning a task head with Keras/TensorFlow: task features as a ``tf.data`` pipeline
for ``compile``/``fit``, PyTorch's AdamW as a Keras optimizer, and :class:`TFFinetuner`, the
:class:`albert_core.training.finetune.FrameworkFinetuner` of ``albert finetune --framework
tf``.

* :func:`task_dataset`: features of :mod:`albert_core.tasks` (or a dict of numpy arrays,
  ``TaskData.train``) -> batched, prefetched dicts holding the labels, so that
  ``model.compile(optimizer=...)`` and ``model.fit(task_dataset(...))`` train every
  ``TFAlbert*`` head on its own loss (under any ``tf.distribute`` strategy too).
* :class:`~albert_tf.optimizers.AdamW` (also importable from here): ``torch.optim.AdamW``'s
  update as a Keras optimizer, so that the three frameworks fine-tune to the same weights.
* :class:`TFFinetuner`: the task model loaded with the data's labels, AdamW without decay
  for biases and LayerNorm weights, gradients accumulated in variables and clipped to the
  global norm 1.0, ``tf.function`` steps (XLA with ``jit_compile``), bf16 through Keras'
  ``mixed_bfloat16`` policy, and any ``tf.distribute`` strategy
  (:mod:`albert_tf.training`).
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

from albert_core.training.distributed import shard_batch  # noqa: E402
from albert_core.training.finetune import FinetuneArguments, FrameworkFinetuner  # noqa: E402
from albert_core.training.finetune_tasks import TaskData  # noqa: E402
from albert_tf.models import MODEL_CLASSES  # noqa: E402
from albert_tf.optimizers import AdamW  # noqa: E402
from albert_tf.training import TFStepTrainer  # noqa: E402

MAX_GRAD_NORM = 1.0


# ================================================================================= data
def _arrays_of(features: Any) -> dict[str, np.ndarray]:
    """The model's arrays of ``features``: a mapping, an object with ``.arrays``
    (:class:`albert_core.tasks.TaskFeatures`) or ``model_inputs()`` (question answering)."""
    if isinstance(features, Mapping):
        arrays = features
    elif hasattr(features, "arrays"):
        arrays = features.arrays
    elif callable(getattr(features, "model_inputs", None)):
        arrays = features.model_inputs()
    else:
        raise TypeError("task_dataset needs a dict of arrays or task features (with .arrays "
                        f"or .model_inputs()), got {type(features).__name__}")
    out = {}
    for key, value in arrays.items():
        value = np.asarray(value)
        if np.issubdtype(value.dtype, np.integer):
            value = value.astype(np.int32)
        elif np.issubdtype(value.dtype, np.floating):
            value = value.astype(np.float32)
        out[key] = value
    if "input_ids" not in out:
        raise ValueError(f"the features have no input_ids (keys: {sorted(out)})")
    rows = {key: len(value) for key, value in out.items()}
    if len(set(rows.values())) != 1:
        raise ValueError(f"the feature arrays have different numbers of rows: {rows}")
    return out


def task_dataset(
    features: Any, batch_size: int, *, shuffle: bool = False, seed: int = 0,
    drop_remainder: bool = False,
) -> tf.data.Dataset:
    """Task features as a ``tf.data.Dataset`` of batched dicts for ``model.fit``.

    The labels stay inside each dict (``labels``, or ``start_positions`` /
    ``end_positions``), so a ``TFAlbert*`` model compiled without a loss computes its own;
    integer arrays become int32 and floating ones float32. The dataset is prefetched.

    Args:
        features: a dict of numpy arrays (``TaskData.train``) or the features of
            :mod:`albert_core.tasks` (``.arrays``, or question answering's
            ``model_inputs()``).
        batch_size: rows per batch (the global batch under a ``tf.distribute`` strategy).
        shuffle: shuffle the rows, anew each epoch, from ``seed``.
        seed: seed of the shuffle.
        drop_remainder: drop a last, smaller batch.

    Returns:
        The dataset.

    Raises:
        ValueError: ``batch_size`` is not positive, or the arrays have no ``input_ids`` or
            different numbers of rows.
        TypeError: ``features`` is neither a dict nor task features.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    arrays = _arrays_of(features)
    dataset = tf.data.Dataset.from_tensor_slices(arrays)
    if shuffle:
        dataset = dataset.shuffle(len(arrays["input_ids"]), seed=seed,
                                  reshuffle_each_iteration=True)
    return dataset.batch(batch_size, drop_remainder=drop_remainder).prefetch(tf.data.AUTOTUNE)


# ============================================================================ finetuner
class TFFinetuner(TFStepTrainer, FrameworkFinetuner):
    """Keras/TensorFlow finetuner of :func:`albert_core.training.finetune.run_finetuning`.

    The model is ``MODEL_CLASSES[head].from_pretrained(model, strict=False,
    **config_updates)`` built after ``keras.utils.set_random_seed(seed)`` under
    ``strategy.scope()``: head weights the checkpoint lacks are initialised and listed in
    :attr:`new_weights`. Under a strategy of ``n`` replicas, replica ``i`` trains on
    ``shard_batch(batch, head, i, n)`` with its loss scaled by ``shard.scale / n`` and the
    gradients summed, which equals one device (:mod:`albert_core.training.distributed`).

    Args:
        data: the task data (its head and config updates pick the model).
        args: the run's options (``model``, ``seed``, ``learning_rate``, ``weight_decay``,
            ``bf16``: Keras' ``mixed_bfloat16`` policy, float32 variables and loss).
        strategy: a ``tf.distribute.Strategy`` (None:
            :func:`albert_tf.training.choose_strategy`).
        jit_compile: compile the steps with XLA.

    Attributes:
        model: the task model.
        optimizer: its :class:`AdamW`.
        new_weights: canonical names of the weights the checkpoint did not have.
    """

    framework = "tf"
    max_grad_norm = MAX_GRAD_NORM

    def __init__(self, data: TaskData, args: FinetuneArguments, *,
                 strategy: tf.distribute.Strategy | None = None,
                 jit_compile: bool = False) -> None:
        FrameworkFinetuner.__init__(self, data, args)
        self._init_strategy(strategy)
        with self.strategy.scope():
            keras.utils.set_random_seed(args.seed)
            self.model = MODEL_CLASSES[data.head].from_pretrained(
                args.model, strict=False, dtype="mixed_bfloat16" if args.bf16 else None,
                **data.config_updates)
            self.optimizer = AdamW(args.learning_rate, weight_decay_rate=args.weight_decay)
        report = getattr(self.model, "loading_report", None)
        self.new_weights: list[str] = sorted(getattr(report, "missing", None) or [])
        trainable = list(self.model.trainable_variables)
        self._init_steps(trainable, jit_compile)
        self._predict = tf.function(self._predict_fn, jit_compile=jit_compile,
                                    reduce_retracing=True)

    @property
    def fields(self) -> tuple[str, ...]:
        """The output fields :meth:`predict` returns."""
        return ("start_logits", "end_logits") if self.data.head == "question-answering" \
            else ("logits",)

    def _replica_step(self, batch: dict[str, tf.Tensor], factor: tf.Tensor, scale: tf.Tensor
                      ) -> dict[str, tf.Tensor]:
        with tf.GradientTape() as tape:
            loss = tf.cast(self.model(batch, training=True).loss, tf.float32)
            objective = loss * factor * scale
        self._accumulate(tape, objective)
        return {"loss": loss * factor}

    def forward_backward(self, batch: Mapping[str, np.ndarray], scale: float) -> dict[str, float]:
        """See :meth:`FrameworkFinetuner.forward_backward` (the loss is the batch's mean)."""
        arrays = {key: np.asarray(value) for key, value in batch.items()}
        if not len(arrays["input_ids"]):
            raise ValueError("forward_backward got a batch of 0 rows")
        head = self.data.head

        def shard(index: int, count: int) -> tuple[dict[str, np.ndarray], float]:
            part = shard_batch(arrays, head, index, count)
            return part.batch, part.scale / count

        return self.run_shards(shard, scale)

    def _predict_fn(self, batch: dict[str, tf.Tensor]) -> dict[str, tf.Tensor]:
        out = self.model(batch, training=False)
        return {name: tf.cast(out[name], tf.float32) for name in self.fields}

    def predict(self, batch: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """See :meth:`FrameworkFinetuner.predict`."""
        tensors = {key: tf.convert_to_tensor(np.asarray(value)) for key, value in batch.items()}
        return {key: value.numpy() for key, value in self._predict(tensors).items()}

    def save_pretrained(self, directory: Path) -> None:
        """``config.json`` (with the data's labels) and ``model.safetensors``, which every
        framework's ``from_pretrained`` loads."""
        self.model.save_pretrained(directory, formats=("safetensors",))


__all__ = ["MAX_GRAD_NORM", "AdamW", "TFFinetuner", "task_dataset"]
