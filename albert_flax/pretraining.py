"""Pre-training ALBERT with JAX / Flax: optax optimizers, the numpy data adapter, the trainer.

* :func:`lamb`: ``optax.lamb`` as ALBERT uses it. ``optax.lamb`` itself applies the trust
  ratio to every parameter; this chain (``scale_by_adam``, ``add_decayed_weights``,
  ``scale_by_trust_ratio``, learning rate) masks both the decay and the trust ratio off
  LayerNorm weights and biases, so it computes what :class:`albert_pt.pretraining.Lamb` and
  :class:`albert_tf.pretraining.Lamb` compute. AdamW is ``optax.adamw`` with the same mask.
* :func:`numpy_batches`: masked numpy batches of a prepared dataset (what ``jax.jit``
  functions take directly).
* :class:`FlaxPretrainer`: the :class:`albert_core.training.loop.FrameworkTrainer` of
  ``albert pretrain --framework flax``: jitted steps, gradients accumulated in a pytree,
  dropout keys derived from ``(seed, micro-step)``, data parallel over a
  :class:`jax.sharding.Mesh` (by default over every local device when there are several;
  see :mod:`albert_flax.sharding`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import serialization
from jax.sharding import Mesh

from albert_core.config import AlbertConfig
from albert_core.training.batches import BatchStream
from albert_core.training.loop import FrameworkTrainer, PretrainingArguments, no_decay
from albert_flax import inputs
from albert_flax.forward import LRUCache
from albert_flax.layers import AlbertMLMHead, AlbertModule, AlbertSOPHead
from albert_flax.models import FlaxAlbertForPreTraining
from albert_flax.options import AlbertOptions
from albert_flax.sharding import LOCAL, place_batch, place_state, resolve_mesh, shard_params

STATE_FILE = "flax_state.msgpack"
Params = Any


# ============================================================================ optimizers
def decay_mask(params: Params) -> Params:
    """A pytree of bools: True for weights that get decay and layer adaptation (not
    LayerNorm weights or biases, see :func:`albert_core.training.loop.no_decay`)."""

    def keep(path: tuple[Any, ...], _: Any) -> bool:
        name = "/".join(str(getattr(k, "key", k)) for k in path)
        return not no_decay(name)

    return jax.tree_util.tree_map_with_path(keep, params)


def lamb(
    learning_rate: float | optax.Schedule,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 1e-6,
    weight_decay: float = 0.0,
    mask: Any = None,
) -> optax.GradientTransformation:
    """ALBERT's LAMB from optax parts: Adam moments (bias-corrected), weight decay and the
    trust ratio ``‖w‖ / ‖u‖`` on the weights ``mask`` selects (all when None), then
    ``-learning_rate``."""
    adapt = optax.scale_by_trust_ratio()
    return optax.chain(
        optax.scale_by_adam(b1=b1, b2=b2, eps=eps),
        optax.add_decayed_weights(weight_decay, mask),
        adapt if mask is None else optax.masked(adapt, mask),
        optax.scale_by_learning_rate(learning_rate),
    )


def make_optimizer(params: Params, args: PretrainingArguments) -> optax.GradientTransformation:
    """LAMB or AdamW (``args.optimizer``) behind global-norm clipping, with the learning
    rate injected (``opt_state.hyperparams["learning_rate"]``) so the shared schedule sets
    it every step."""
    mask = decay_mask(params)

    def build(learning_rate: float) -> optax.GradientTransformation:
        if args.optimizer == "lamb":
            core = lamb(learning_rate, args.beta1, args.beta2, args.epsilon, args.weight_decay,
                        mask)
        else:
            core = optax.adamw(learning_rate, b1=args.beta1, b2=args.beta2, eps=args.epsilon,
                               weight_decay=args.weight_decay, mask=mask)
        if args.max_grad_norm > 0:
            return optax.chain(optax.clip_by_global_norm(args.max_grad_norm), core)
        return core

    return optax.inject_hyperparams(build)(learning_rate=args.learning_rate)


# ================================================================================ data
def numpy_batches(directory: str | os.PathLike[str], batch_size: int,
                  **options: Any) -> Iterator[dict[str, np.ndarray]]:
    """Masked numpy batches of a prepared dataset: the
    :class:`albert_core.training.batches.BatchStream` of these arguments (``split``,
    ``seed``, ``start``, ``num_batches``, ``shuffle``), as ``jax.jit`` takes them."""
    return iter(BatchStream(directory, batch_size, **options))


# ============================================================================== model
class PretrainingHeads(nn.Module):
    """The pre-training model with the MLM head run on the masked positions only.

    Its params are exactly those of
    :class:`albert_flax.heads.AlbertForPreTrainingModule` (``albert``, ``predictions``,
    ``sop_classifier``); it returns ``(mlm_logits (batch, predictions, vocab), sop_logits)``.
    """

    config: AlbertConfig
    options: AlbertOptions = AlbertOptions()

    @nn.compact
    def __call__(
        self,
        input_ids: jax.Array,
        attention_mask: jax.Array,
        token_type_ids: jax.Array,
        masked_lm_positions: jax.Array,
        deterministic: bool = True,
    ) -> tuple[jax.Array, jax.Array]:
        """MLM scores at ``masked_lm_positions`` and SOP scores."""
        config, options = self.config, self.options
        albert = AlbertModule(config, options, add_pooling_layer=True, name="albert")
        out = albert(input_ids=input_ids, attention_mask=attention_mask,
                     token_type_ids=token_type_ids, deterministic=deterministic)
        gathered = jnp.take_along_axis(
            out.last_hidden_state, masked_lm_positions[..., None].astype(jnp.int32), axis=1
        )
        attend = albert.attend if config.tie_word_embeddings else None
        mlm_logits = AlbertMLMHead(config, options, name="predictions")(gathered, attend)
        sop_logits = AlbertSOPHead(config, options, name="sop_classifier")(out.pooler_output,
                                                                           deterministic)
        return mlm_logits, sop_logits


def pretraining_sums(
    module: PretrainingHeads,
    params: Params,
    batch: Mapping[str, jax.Array],
    dropout_rng: jax.Array | None,
) -> tuple[jax.Array, dict[str, jax.Array]]:
    """The objective (mean MLM + mean SOP cross-entropy) and the metric sums of a batch;
    dropout is on when ``dropout_rng`` is given."""
    rngs = {} if dropout_rng is None else {"dropout": dropout_rng}
    mlm_logits, sop_logits = module.apply(
        {"params": params}, batch["input_ids"], batch["attention_mask"],
        batch["token_type_ids"], batch["masked_lm_positions"],
        deterministic=dropout_rng is None, rngs=rngs,
    )
    mlm_logits = mlm_logits.astype(jnp.float32)
    ids = batch["masked_lm_ids"].astype(jnp.int32)
    w = batch["masked_lm_weights"].astype(jnp.float32)
    token_ce = optax.softmax_cross_entropy_with_integer_labels(mlm_logits, ids)
    mlm_sum = jnp.sum(token_ce * w)
    mlm_count = jnp.sum(w)
    labels = batch["sentence_order_label"].astype(jnp.int32)
    sop_logits = sop_logits.astype(jnp.float32)
    sop_ce = optax.softmax_cross_entropy_with_integer_labels(sop_logits, labels)
    objective = mlm_sum / jnp.maximum(mlm_count, 1.0) + jnp.mean(sop_ce)
    sums = {
        "mlm_loss_sum": mlm_sum,
        "mlm_count": mlm_count,
        "mlm_correct": jnp.sum((jnp.argmax(mlm_logits, -1) == ids) * w),
        "sop_loss_sum": jnp.sum(sop_ce),
        "sop_count": jnp.asarray(labels.size, jnp.float32),
        "sop_correct": jnp.sum(jnp.argmax(sop_logits, -1) == labels).astype(jnp.float32),
    }
    return objective, sums


#: Jitted steps per (config, optimizer options): trainers of the same run share them, so a
#: resumed or repeated run compiles nothing new; the least recently used are dropped.
_STEP_CACHE: LRUCache[tuple[Any, ...]] = LRUCache(maxsize=8)


def _compiled_steps(config: AlbertConfig, args: PretrainingArguments, params: Params,
                    has_dropout: bool) -> tuple[Any, ...]:
    """``(optimizer, forward_backward, apply, evaluate)`` for ``config`` and ``args``."""
    key = (config.to_json_string(), args.optimizer, args.learning_rate, args.beta1, args.beta2,
           args.epsilon, args.weight_decay, args.max_grad_norm, has_dropout)
    return _STEP_CACHE.get(key, lambda: _build_steps(config.copy(), args, params, has_dropout))


def _build_steps(config: AlbertConfig, args: PretrainingArguments, params: Params,
                 has_dropout: bool) -> tuple[Any, ...]:
    """The steps of :func:`_compiled_steps`, jitted afresh for ``config`` (the steps' own)."""
    module = PretrainingHeads(config)
    optimizer = make_optimizer(params, args)

    def forward_backward(params: Params, accumulated: Params, batch: dict[str, jax.Array],
                         scale: jax.Array, rng: jax.Array) -> tuple[Params, dict]:
        def objective(p: Params) -> tuple[jax.Array, dict]:
            return pretraining_sums(module, p, batch, rng if has_dropout else None)

        grads, sums = jax.grad(objective, has_aux=True)(params)
        accumulated = jax.tree_util.tree_map(lambda a, g: a + g * scale, accumulated, grads)
        return accumulated, sums

    def apply(params: Params, opt_state: Any, accumulated: Params) -> tuple[Params, Any, Params]:
        updates, opt_state = optimizer.update(accumulated, opt_state, params)
        params = optax.apply_updates(params, updates)
        return params, opt_state, jax.tree_util.tree_map(jnp.zeros_like, accumulated)

    def evaluate(params: Params, batch: dict[str, jax.Array]) -> dict[str, jax.Array]:
        return pretraining_sums(module, params, batch, None)[1]

    return (optimizer, jax.jit(forward_backward, donate_argnums=(1,)),
            jax.jit(apply, donate_argnums=(0, 1, 2)), jax.jit(evaluate))


_INPUT_KEYS = ("input_ids", "attention_mask", "token_type_ids", "masked_lm_positions",
               "masked_lm_ids", "masked_lm_weights", "sentence_order_label")


class FlaxPretrainer(FrameworkTrainer):
    """JAX/Flax trainer of :func:`albert_core.training.loop.run_pretraining`.

    Params start as those of ``FlaxAlbertForPreTraining(config, seed=seed)`` (or
    ``params``); the optimizer is :func:`make_optimizer`. The dropout key of micro-step
    ``k`` is ``fold_in(PRNGKey(seed), k)``, so a checkpoint (params, optimizer state and
    ``k``) resumes exactly.

    With a mesh the params and optimizer state are placed by
    :func:`albert_flax.sharding.shard_params` (replicated on a pure data mesh) and each
    micro-batch is split along its data axis (:func:`albert_flax.sharding.place_batch`);
    the objective is the global batch's, so the result equals one device's.

    Args:
        config: the model config.
        args: the run's options.
        params: start from these params (transformers' Flax layout).
        mesh: a :class:`jax.sharding.Mesh` to train data parallel on; ``"local"``
            (default): a data mesh over every local device when there are several, else one
            device; None: one device.

    Attributes:
        mesh: the mesh trained on (None: one device).
    """

    framework = "flax"

    def __init__(self, config: AlbertConfig, args: PretrainingArguments, *,
                 params: Params | None = None, mesh: Mesh | str | None = LOCAL) -> None:
        super().__init__(config, args)
        self.mesh = resolve_mesh(mesh)
        self.wrapper = FlaxAlbertForPreTraining(config, seed=args.seed, _do_init=params is None)
        self.params = params if params is not None else self.wrapper.params
        steps = _compiled_steps(config, args, self.params, inputs.has_dropout(config))
        self.optimizer, self._forward_backward, self._apply, self._evaluate = steps
        if self.mesh is not None:
            self.params = shard_params(self.params, self.mesh)
        self.opt_state = place_state(self.optimizer.init(self.params), self.mesh)
        self.accumulated = jax.tree_util.tree_map(jnp.zeros_like, self.params)
        self.micro_step = 0
        self._key = jax.random.PRNGKey(args.seed)

    def _arrays(self, batch: Mapping[str, np.ndarray]) -> dict[str, jax.Array]:
        return place_batch({key: np.asarray(batch[key]) for key in _INPUT_KEYS}, self.mesh)

    def forward_backward(self, batch: Mapping[str, np.ndarray], scale: float) -> dict[str, float]:
        """See :meth:`FrameworkTrainer.forward_backward`."""
        rng = jax.random.fold_in(self._key, self.micro_step)
        self.accumulated, sums = self._forward_backward(
            self.params, self.accumulated, self._arrays(batch), jnp.float32(scale), rng
        )
        self.micro_step += 1
        return {key: float(value) for key, value in sums.items()}

    def apply_gradients(self, learning_rate: float) -> None:
        """See :meth:`FrameworkTrainer.apply_gradients`."""
        self.opt_state.hyperparams["learning_rate"] = jnp.asarray(learning_rate, jnp.float32)
        self.params, self.opt_state, self.accumulated = self._apply(
            self.params, self.opt_state, self.accumulated
        )

    def evaluate(self, batch: Mapping[str, np.ndarray]) -> dict[str, float]:
        """See :meth:`FrameworkTrainer.evaluate`."""
        sums = self._evaluate(self.params, self._arrays(batch))
        return {key: float(value) for key, value in sums.items()}

    def _state(self) -> dict[str, Any]:
        return {"params": self.params, "opt_state": self.opt_state,
                "micro_step": np.int64(self.micro_step)}

    def save_state(self, directory: Path) -> None:
        """See :meth:`FrameworkTrainer.save_state`."""
        (directory / STATE_FILE).write_bytes(serialization.to_bytes(self._state()))

    def load_state(self, directory: Path) -> None:
        """See :meth:`FrameworkTrainer.load_state`."""
        current = self._state()
        state = serialization.from_bytes(current, (directory / STATE_FILE).read_bytes())
        if self.mesh is None:
            self.params = jax.tree_util.tree_map(jnp.asarray, state["params"])
            self.opt_state = jax.tree_util.tree_map(jnp.asarray, state["opt_state"])
        else:
            def where(tree: Any) -> Any:
                return jax.tree_util.tree_map(lambda leaf: leaf.sharding, tree)

            self.params = jax.device_put(state["params"], where(current["params"]))
            self.opt_state = jax.device_put(state["opt_state"], where(current["opt_state"]))
        self.micro_step = int(state["micro_step"])
        self.accumulated = jax.tree_util.tree_map(jnp.zeros_like, self.params)

    def save_pretrained(self, directory: Path) -> None:
        """See :meth:`FrameworkTrainer.save_pretrained` (``model.safetensors``)."""
        self.wrapper.save_pretrained(directory, self.params, formats=("safetensors",))

    def numpy_weights(self) -> dict[str, np.ndarray]:
        """See :meth:`FrameworkTrainer.numpy_weights`."""
        return self.wrapper.to_arrays(self.params)


__all__ = [
    "FlaxPretrainer",
    "PretrainingHeads",
    "decay_mask",
    "lamb",
    "make_optimizer",
    "numpy_batches",
    "pretraining_sums",
]
