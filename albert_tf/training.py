"""What the Keras/TensorFlow trainers share: the ``tf.distribute`` strategy, the replicas'
shares of a batch, accumulated gradients, the clipped optimizer step and the checkpoint.

:class:`TFStepTrainer` is the base of :class:`albert_tf.pretraining.TFPretrainer` and
:class:`albert_tf.finetuning.TFFinetuner`. It follows the contract of
:mod:`albert_core.training.distributed`: every process reads the same global micro-batch,
replica ``i`` of ``n`` is handed its rows through
``strategy.experimental_distribute_values_from_function``, multiplies its objective by the
factor the contract gives it divided by ``n`` and adds the gradient to its own
accumulators (``ON_READ`` variables, summed when read across replicas). An update
all-reduces the accumulated gradients once, clips them to the global norm, and steps the
optimizer; the result equals one device's (up to the order of float additions).

The strategy (:func:`choose_strategy` when none is given): ``TF_CONFIG`` set ->
``MultiWorkerMirroredStrategy`` (one process per worker; the chief, or worker 0 when there
is no chief, writes the files); more than one visible GPU -> ``MirroredStrategy``;
otherwise the current strategy (the default one, or the one whose ``scope()`` is open).
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from albert_core.training.loop import StepTrainer  # noqa: E402

STATE_FILE = "tf_state.npz"
SUM = tf.distribute.ReduceOp.SUM

_CHOSEN: dict[str, tf.distribute.Strategy] = {}


def choose_strategy() -> tf.distribute.Strategy:
    """The strategy a trainer uses when it is given none (see the module doc).

    ``MultiWorkerMirroredStrategy`` and ``MirroredStrategy`` are made once per process and
    reused, since collective operations are configured once.
    """
    if os.environ.get("TF_CONFIG"):
        kind = "multi-worker"
    elif len(tf.config.list_logical_devices("GPU")) > 1:
        kind = "mirrored"
    else:
        return tf.distribute.get_strategy()
    if kind not in _CHOSEN:
        _CHOSEN[kind] = (tf.distribute.MultiWorkerMirroredStrategy() if kind == "multi-worker"
                         else tf.distribute.MirroredStrategy())
    return _CHOSEN[kind]


def process_rank(strategy: tf.distribute.Strategy) -> tuple[int, int]:
    """``(index, count)`` of this process among the workers of ``strategy``'s cluster
    (``(0, 1)`` without one): the chief is 0 and worker ``i`` is ``i + 1``; without a
    chief, worker ``i`` is ``i``."""
    resolver = getattr(strategy, "cluster_resolver", None)
    spec = resolver.cluster_spec().as_dict() if resolver is not None else {}
    chiefs, workers = len(spec.get("chief", [])), len(spec.get("worker", []))
    if not chiefs + workers:
        return 0, 1
    task_id = int(resolver.task_id or 0)
    index = task_id if resolver.task_type == "chief" else chiefs + task_id
    return index, chiefs + workers


def _without_uniquifiers(path: str) -> str:
    """A variable path without the ``_<n>`` suffixes Keras adds to names already taken in the
    process (``seed_generator_1`` when a second trainer is built), so a checkpoint saved by
    the first trainer of one process loads into the second trainer of another."""
    return re.sub(r"_\d+(?=/|$)", "", path)


class TFStepTrainer(StepTrainer):
    """The Keras/TensorFlow half of a :class:`~albert_core.training.loop.StepTrainer`.

    A subclass builds ``self.model`` and ``self.optimizer`` under ``self.strategy.scope()``
    (after :meth:`_init_strategy`), calls :meth:`_init_steps`, and defines
    :meth:`_replica_step`. Checkpoints hold every model variable (dropout seed state
    included) and every optimizer variable.

    Attributes:
        strategy: the ``tf.distribute.Strategy`` the variables live under.
        replicas: ``strategy.num_replicas_in_sync``.
    """

    model: keras.Model
    optimizer: keras.optimizers.Optimizer
    strategy: tf.distribute.Strategy
    max_grad_norm: float = 1.0

    # ------------------------------------------------------------------ setup
    def _init_strategy(self, strategy: tf.distribute.Strategy | None) -> None:
        """Take ``strategy`` (None: :func:`choose_strategy`)."""
        self.strategy = strategy if strategy is not None else choose_strategy()
        self.replicas = int(self.strategy.num_replicas_in_sync)
        self._rank = process_rank(self.strategy)

    def _init_steps(self, variables: Sequence[Any], jit_compile: bool) -> None:
        """Build the optimizer and the gradient accumulators of ``variables`` under the
        strategy, and the ``tf.function`` steps."""
        self.trainable = list(variables)
        with self.strategy.scope():
            self.optimizer.build(self.trainable)
            self.accumulated = [
                tf.Variable(tf.zeros(v.shape, v.dtype), trainable=False,
                            synchronization=tf.VariableSynchronization.ON_READ,
                            aggregation=tf.VariableAggregation.SUM)
                for v in self.trainable
            ]
        if jit_compile and self.replicas > 1:
            # An XLA cluster runs on one device; a replicated step reads every replica's
            # variables (tf.distribute on XLA fails with "Trying to access resource ...").
            warnings.warn(f"jit_compile needs a single replica; the {self.replicas} replicas "
                          "of the strategy run graph-compiled steps without XLA", stacklevel=3)
            jit_compile = False
        options = {"jit_compile": jit_compile, "reduce_retracing": True}
        self._step = tf.function(self._distributed_step, **options)
        self._apply = tf.function(self._distributed_apply, **options)

    # -------------------------------------------------------------- processes
    @property
    def process_index(self) -> int:
        """This worker's rank (see :func:`process_rank`)."""
        return self._rank[0]

    @property
    def process_count(self) -> int:
        """The workers of a ``MultiWorkerMirroredStrategy`` (1 otherwise)."""
        return self._rank[1]

    def barrier(self) -> None:
        """Wait for every worker: an all-reduce of one number over the replicas."""
        if self.process_count > 1:
            self._barrier()

    @tf.function
    def _barrier(self) -> tf.Tensor:
        return self.strategy.reduce(SUM, self.strategy.run(lambda: tf.constant(1.0)), axis=None)

    # ------------------------------------------------------------------ steps
    def _replica_step(self, batch: dict[str, tf.Tensor], factor: tf.Tensor, scale: tf.Tensor
                      ) -> dict[str, tf.Tensor]:
        """One replica's forward/backward pass on its ``batch``: add the gradient of
        ``factor * scale * objective`` to the accumulators (:meth:`_accumulate`) and return
        values whose sum over the replicas is what ``forward_backward`` reports."""
        raise NotImplementedError

    def _accumulate(self, tape: tf.GradientTape, objective: tf.Tensor) -> None:
        """Add the gradient of ``objective`` to this replica's accumulators."""
        grads = tape.gradient(objective, self.trainable)
        for acc, grad in zip(self.accumulated, grads, strict=True):
            if grad is not None:
                acc.assign_add(tf.cast(tf.convert_to_tensor(grad), acc.dtype))

    def _distributed_step(self, batch: Any, factor: Any, scale: tf.Tensor
                          ) -> dict[str, tf.Tensor]:
        results = self.strategy.run(self._replica_step, args=(batch, factor, scale))
        return {key: self.strategy.reduce(SUM, value, axis=None)
                for key, value in results.items()}

    def run_shards(
        self, shard: Callable[[int, int], tuple[Mapping[str, np.ndarray], float | np.ndarray]],
        scale: float,
    ) -> dict[str, float]:
        """Run :meth:`_replica_step` on every replica: ``shard(index, count)`` gives replica
        ``index`` of ``count`` its rows and its factor (a number or a float array); the
        replicas' results are summed.

        Args:
            shard: the share of each replica.
            scale: the gradient accumulation's factor, the same on every replica.

        Returns:
            The summed results as floats.
        """

        def value(context: tf.distribute.experimental.ValueContext) -> tuple[Any, Any]:
            rows, factor = shard(context.replica_id_in_sync_group,
                                 context.num_replicas_in_sync)
            return ({key: tf.convert_to_tensor(array) for key, array in rows.items()},
                    tf.constant(factor, tf.float32))

        # A nest of per-replica values: (the batch's dict, the factor).
        batch, factor = self.strategy.experimental_distribute_values_from_function(value)
        sums = self._step(batch, factor, tf.constant(scale, tf.float32))
        return {key: float(value) for key, value in sums.items()}

    def _replica_apply(self) -> None:
        context = tf.distribute.get_replica_context()
        local = []
        for acc in self.accumulated:
            # Placed where the replica's copy lives: an all-reduce needs the devices of its
            # inputs, which a plain read leaves unset under MultiWorkerMirroredStrategy.
            with tf.device(acc.device):
                local.append(tf.identity(acc))
        total = context.all_reduce(SUM, local) if self.replicas > 1 else local
        if self.max_grad_norm > 0:
            total, _ = tf.clip_by_global_norm(total, self.max_grad_norm)
        # Keras sums the gradients of the replicas again: each hands in its share.
        self.optimizer.apply([g / self.replicas for g in total] if self.replicas > 1
                             else total, self.trainable)
        for acc in self.accumulated:
            acc.assign(tf.zeros_like(acc))

    def _distributed_apply(self, learning_rate: tf.Tensor) -> None:
        self.optimizer.learning_rate.assign(learning_rate)
        self.strategy.run(self._replica_apply)

    def apply_gradients(self, learning_rate: float) -> None:
        """Clip the summed accumulated gradients to ``max_grad_norm`` (0: no clipping),
        step the optimizer at ``learning_rate`` and reset the accumulators."""
        self._apply(tf.constant(learning_rate, tf.float32))

    # ------------------------------------------------------------- checkpoint
    def _state_variables(self) -> dict[str, Callable[[], list[Any]]]:
        return {"model": lambda: self.model.variables,
                "optimizer": lambda: self.optimizer.variables}

    def _relative(self, path: str) -> str:
        """A variable path without the model's instance name."""
        return path.replace(self.model.name, "model")

    def save_state(self, directory: Path) -> None:
        """Write the model's and the optimizer's variables to ``directory/tf_state.npz``."""
        arrays = {}
        for group, variables in self._state_variables().items():
            for index, variable in enumerate(variables()):
                arrays[f"{group}/{index:05d}/{self._relative(variable.path)}"] = np.asarray(
                    variable.numpy()
                )
        with open(directory / STATE_FILE, "wb") as handle:
            np.savez(handle, **arrays)

    def load_state(self, directory: Path) -> None:
        """Restore what :meth:`save_state` wrote.

        Raises:
            ValueError: the file holds other variables (names or shapes) than the trainer.
        """
        with np.load(directory / STATE_FILE) as data:
            saved = {key: data[key] for key in data.files}
        for group, variables in self._state_variables().items():
            current = variables()
            keys = sorted(k for k in saved if k.startswith(group + "/"))
            if len(keys) != len(current):
                raise ValueError(f"{directory / STATE_FILE} holds {len(keys)} {group} "
                                 f"variables, the trainer has {len(current)}")
            for key, variable in zip(keys, current, strict=True):
                path, mine = key.split("/", 2)[2], self._relative(variable.path)
                if (_without_uniquifiers(path) != _without_uniquifiers(mine)
                        or saved[key].shape != tuple(variable.shape)):
                    raise ValueError(f"{directory / STATE_FILE}: {path} {saved[key].shape} does "
                                     f"not match {mine} {tuple(variable.shape)}")
                variable.assign(saved[key])


__all__ = ["STATE_FILE", "TFStepTrainer", "choose_strategy", "process_rank"]
