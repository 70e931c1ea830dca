"""Fine-tuning a task head in JAX/Flax: :class:`FlaxFinetuner`, the
:class:`albert_core.training.finetune.FrameworkFinetuner` that ``albert finetune
--framework flax`` runs.

* :class:`FinetuneState`: flax's ``TrainState`` (params, optax state, update count) plus the
  accumulated gradients and the count of forward/backward passes.
* :func:`make_optimizer`: global-norm clipping to :data:`MAX_GRAD_NORM`, then
  ``optax.adamw`` (b1 0.9, b2 0.999, eps 1e-8, decoupled weight decay off LayerNorm
  weights and biases through :func:`albert_flax.pretraining.decay_mask`), its learning rate
  injected so that the shared loop sets it every update, as PyTorch's ``AdamW`` does.
* :func:`finetune_steps`: the jitted functions (forward/backward into the accumulated
  gradients, the update, the prediction), the state donated, shared through an LRU cache
  so that repeated runs in one process compile once. The loss is the head's
  (:func:`albert_flax.losses.head_loss`) on the labels in the batch.

The model is ``MODEL_CLASSES[head].from_pretrained(model, strict=False, seed=seed,
**config_updates)``: head weights the checkpoint lacks are initialised from ``seed`` and
listed in :attr:`FlaxFinetuner.new_weights`. The dropout key of forward/backward pass ``k``
is ``fold_in(PRNGKey(seed), k)``, so a checkpoint (params, optimizer state, ``k``) resumes
exactly. ``bf16`` computes in bfloat16 (``dtype=jnp.bfloat16``; params, gradients and the
optimizer stay float32, softmax and losses are float32).

Data parallel: with a :class:`jax.sharding.Mesh` the state is placed by
:func:`albert_flax.sharding.shard_params` (replicated on a pure data mesh) and each global
micro-batch is split along :data:`albert_flax.sharding.DATA_AXIS`
(:func:`albert_flax.sharding.place_batch`); the loss is the global batch's, so the result
equals one device's. The default ``mesh="local"`` is a data mesh over every local device
when there are several (what ``albert finetune`` uses), else one device.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import serialization
from flax.training import train_state
from jax.sharding import Mesh

from albert_core.heads import HeadSpec
from albert_core.model_output import ModelOutput
from albert_core.training.finetune import FinetuneArguments, FrameworkFinetuner
from albert_core.training.finetune_tasks import TaskData
from albert_flax import inputs
from albert_flax.forward import LRUCache
from albert_flax.losses import head_loss
from albert_flax.models import MODEL_CLASSES
from albert_flax.pretrained import FlaxAlbertPreTrainedModel
from albert_flax.pretraining import decay_mask
from albert_flax.sharding import LOCAL, place_batch, place_state, resolve_mesh, shard_params

STATE_FILE = "flax_finetune_state.msgpack"
MAX_GRAD_NORM = 1.0
#: The model inputs a fine-tuning batch may hold (the other keys are labels).
MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
Params = Any


class FinetuneState(train_state.TrainState):
    """``flax.training.train_state.TrainState`` with gradient accumulation.

    Attributes:
        step: optimizer updates so far (``TrainState``'s).
        params, opt_state, tx, apply_fn: as in ``TrainState``.
        grads: the gradients accumulated since the last update, each pass's scaled by its
            ``scale``.
        micro_step: forward/backward passes so far (the index of the next dropout key).
    """

    grads: Params
    micro_step: jax.Array


def make_optimizer(params: Params, weight_decay: float,
                   learning_rate: float = 0.0) -> optax.GradientTransformation:
    """Clipping to global norm :data:`MAX_GRAD_NORM`, then AdamW (b1 0.9, b2 0.999, eps
    1e-8, ``weight_decay`` on the weights :func:`~albert_flax.pretraining.decay_mask`
    selects), with the learning rate injected (``opt_state.hyperparams["learning_rate"]``).

    Args:
        params: the params the optimizer will update (their structure gives the mask).
        weight_decay: decoupled weight decay (``w -= lr * weight_decay * w``).
        learning_rate: the initial injected learning rate.

    Returns:
        The optax transformation.
    """
    mask = decay_mask(params)

    def build(learning_rate: float) -> optax.GradientTransformation:
        return optax.chain(
            optax.clip_by_global_norm(MAX_GRAD_NORM),
            optax.adamw(learning_rate, b1=0.9, b2=0.999, eps=1e-8, weight_decay=weight_decay,
                        mask=mask),
        )

    return optax.inject_hyperparams(build)(learning_rate=learning_rate)


def head_outputs(module: nn.Module, params: Params, batch: Mapping[str, jax.Array],
                 dropout_rng: jax.Array | None) -> ModelOutput:
    """The head module's outputs on the model inputs of ``batch``; dropout is on when
    ``dropout_rng`` is given."""
    rngs = {} if dropout_rng is None else {"dropout": dropout_rng}
    model_inputs = {key: batch[key] for key in MODEL_INPUTS if key in batch}
    return module.apply({"params": params}, **model_inputs,
                        deterministic=dropout_rng is None, rngs=rngs)


@dataclasses.dataclass(frozen=True)
class FinetuneSteps:
    """The jitted functions of one head, config, options and weight decay.

    Attributes:
        module: the head's Linen module.
        optimizer: :func:`make_optimizer`'s transformation.
        accumulate: ``(state, batch, scale, key) -> (state, loss)``: the head's loss on
            ``batch`` (inputs and labels), its gradient times ``scale`` added to
            ``state.grads``; dropout from ``fold_in(key, state.micro_step)``. ``state`` is
            donated.
        apply: ``(state, learning_rate) -> state``: one optimizer update with the
            accumulated gradients, which are then zeroed. ``state`` is donated.
        predict: ``(params, inputs) -> {field: float32 array}``: the head's output fields
            without dropout.
    """

    module: nn.Module
    optimizer: optax.GradientTransformation
    accumulate: Callable[..., tuple[FinetuneState, jax.Array]]
    apply: Callable[[FinetuneState, jax.Array], FinetuneState]
    predict: Callable[[Params, Mapping[str, jax.Array]], dict[str, jax.Array]]


#: :class:`FinetuneSteps` per (head, config, options, weight decay, dropout); the least
#: recently used are dropped.
_STEP_CACHE: LRUCache[FinetuneSteps] = LRUCache(maxsize=8)


def finetune_steps(model: FlaxAlbertPreTrainedModel, weight_decay: float) -> FinetuneSteps:
    """The :class:`FinetuneSteps` of ``model``'s head, config and options, from the cache.

    Args:
        model: the task model (its params give the optimizer's decay mask).
        weight_decay: the optimizer's weight decay.

    Returns:
        The shared jitted functions.
    """
    config = model.config
    dropout = inputs.has_dropout(config)
    key = (model.head, config.to_json_string(), model.options, float(weight_decay), dropout)
    return _STEP_CACHE.get(key, lambda: _build_steps(
        model.spec, type(model).module_class(config.copy(), model.options), model.params,
        weight_decay, dropout))


def _build_steps(spec: HeadSpec, module: nn.Module, params: Params, weight_decay: float,
                 dropout: bool) -> FinetuneSteps:
    """The functions of :func:`finetune_steps`, jitted afresh (``module`` holds its own
    config copy)."""
    optimizer = make_optimizer(params, weight_decay)
    config = module.config

    def accumulate(state: FinetuneState, batch: dict[str, jax.Array], scale: jax.Array,
                   key: jax.Array) -> tuple[FinetuneState, jax.Array]:
        rng = jax.random.fold_in(key, state.micro_step) if dropout else None

        def loss_of(p: Params) -> jax.Array:
            labels = {name: batch[name] for name in spec.labels}
            return head_loss(spec, head_outputs(module, p, batch, rng), labels, config)

        loss, grads = jax.value_and_grad(loss_of)(state.params)
        summed = jax.tree_util.tree_map(lambda a, g: a + g * scale, state.grads, grads)
        return state.replace(grads=summed, micro_step=state.micro_step + 1), loss

    def apply(state: FinetuneState, learning_rate: jax.Array) -> FinetuneState:
        opt_state = state.opt_state._replace(
            hyperparams={**state.opt_state.hyperparams, "learning_rate": learning_rate})
        state = state.replace(opt_state=opt_state).apply_gradients(grads=state.grads)
        return state.replace(grads=jax.tree_util.tree_map(jnp.zeros_like, state.grads))

    def predict(params: Params, batch: dict[str, jax.Array]) -> dict[str, jax.Array]:
        out = head_outputs(module, params, batch, None)
        return {name: getattr(out, name).astype(jnp.float32) for name in spec.fields}

    return FinetuneSteps(module, optimizer, jax.jit(accumulate, donate_argnums=(0,)),
                         jax.jit(apply, donate_argnums=(0,)), jax.jit(predict))


def _strongly_typed(state: FinetuneState) -> FinetuneState:
    """``state`` with its Python and weakly typed scalars (the step, the injected learning
    rate) as arrays of their own dtype, as every step returns them, so that the first call
    compiles what the later ones use."""
    return jax.tree_util.tree_map(lambda leaf: jnp.asarray(leaf, jnp.asarray(leaf).dtype),
                                  state)


def batch_arrays(batch: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``batch`` with integer arrays as int32 and float arrays as float32 (what the jitted
    steps take)."""
    out = {}
    for key, value in batch.items():
        array = np.asarray(value)
        integer = np.issubdtype(array.dtype, np.integer) or array.dtype == np.bool_
        out[key] = array.astype(np.int32 if integer else np.float32)
    return out


class FlaxFinetuner(FrameworkFinetuner):
    """JAX/Flax finetuner of :func:`albert_core.training.finetune.run_finetuning`.

    Args:
        data: the task data (its head and config updates pick the model).
        args: the run's options (``model``, ``seed``, ``weight_decay``, ``bf16``).
        mesh: a :class:`jax.sharding.Mesh` to train data parallel on (the batch split over
            its data axis, the state placed by :func:`albert_flax.sharding.shard_params`);
            ``"local"`` (default): a data mesh over every local device when there are
            several, else one device; None: one device.

    Attributes:
        state: the :class:`FinetuneState`.
        mesh: the mesh trained on (None: one device).
        new_weights: names of the weights the checkpoint did not have (initialised).
    """

    framework = "flax"

    def __init__(self, data: TaskData, args: FinetuneArguments, *,
                 mesh: Mesh | str | None = LOCAL) -> None:
        super().__init__(data, args)
        self.mesh = resolve_mesh(mesh)
        model = MODEL_CLASSES[data.head].from_pretrained(
            args.model, strict=False, seed=args.seed,
            dtype=jnp.bfloat16 if args.bf16 else jnp.float32, **data.config_updates)
        report = model.loading_report
        self.new_weights: list[str] = sorted(getattr(report, "missing", None) or [])
        self.steps = finetune_steps(model, args.weight_decay)
        params = model.params if self.mesh is None else shard_params(model.params, self.mesh)
        state = FinetuneState.create(
            apply_fn=self.steps.module.apply, params=params, tx=self.steps.optimizer,
            grads=jax.tree_util.tree_map(jnp.zeros_like, params),
            micro_step=jnp.zeros((), jnp.int32))
        self.state: FinetuneState = place_state(_strongly_typed(state), self.mesh)
        # The state's buffers are donated at every step: the wrapper reads them through
        # the ``model`` property instead of holding its own reference.
        model.params = None
        self._model = model
        self._key = jax.random.PRNGKey(args.seed)

    @property
    def model(self) -> FlaxAlbertPreTrainedModel:
        """The task model holding the current params (``state.params``); read it again
        after a step, whose donated state frees the previous params."""
        self._model.params = self.state.params
        return self._model

    def _batch(self, batch: Mapping[str, np.ndarray]) -> dict[str, jax.Array]:
        return place_batch(batch_arrays(batch), self.mesh)

    def forward_backward(self, batch: Mapping[str, np.ndarray], scale: float) -> dict[str, float]:
        """See :meth:`FrameworkFinetuner.forward_backward`."""
        self.state, loss = self.steps.accumulate(
            self.state, self._batch(batch), jnp.asarray(scale, jnp.float32), self._key)
        return {"loss": float(loss)}

    def apply_gradients(self, learning_rate: float) -> None:
        """See :meth:`FrameworkFinetuner.apply_gradients`."""
        self.state = self.steps.apply(self.state, jnp.asarray(learning_rate, jnp.float32))

    def predict(self, batch: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """See :meth:`FrameworkFinetuner.predict`."""
        out = self.steps.predict(self.state.params, self._batch(batch))
        return {name: np.asarray(value) for name, value in out.items()}

    def _saved(self) -> dict[str, Any]:
        state = self.state
        return {"params": state.params, "opt_state": state.opt_state, "step": state.step,
                "micro_step": state.micro_step}

    def save_state(self, directory: Path) -> None:
        """See :meth:`FrameworkFinetuner.save_state` (params, optimizer state and counts
        in ``flax_finetune_state.msgpack``; the accumulated gradients are zero between
        updates)."""
        (directory / STATE_FILE).write_bytes(serialization.to_bytes(self._saved()))

    def load_state(self, directory: Path) -> None:
        """See :meth:`FrameworkFinetuner.load_state`."""
        current = self._saved()
        restored = serialization.from_bytes(current, (directory / STATE_FILE).read_bytes())
        shardings = jax.tree_util.tree_map(lambda leaf: leaf.sharding, current)
        restored = jax.device_put(restored, shardings)
        self.state = self.state.replace(
            **restored, grads=jax.tree_util.tree_map(jnp.zeros_like, restored["params"]))

    def save_pretrained(self, directory: Path) -> None:
        """See :meth:`FrameworkFinetuner.save_pretrained` (``model.safetensors`` and the
        config with the data's labels)."""
        self._model.save_pretrained(directory, self.state.params, formats=("safetensors",))

    def numpy_weights(self) -> dict[str, np.ndarray]:
        """The canonical tensors of the current params as numpy arrays."""
        return self._model.to_arrays(self.state.params)


__all__ = [
    "MAX_GRAD_NORM",
    "FinetuneState",
    "FinetuneSteps",
    "FlaxFinetuner",
    "batch_arrays",
    "finetune_steps",
    "head_outputs",
    "make_optimizer",
]
