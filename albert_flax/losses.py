"""The losses of the ``FlaxAlbert*`` heads, computed in float32 and jittable.

One function per :data:`albert_core.heads.LossKind`, and :func:`head_loss`, which picks
the one a head's :attr:`~albert_core.heads.HeadSpec.loss` names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import jax
import jax.numpy as jnp

from albert_core import modeling_utils as mu
from albert_core.config import AlbertConfig
from albert_core.heads import HeadSpec, LossKind
from albert_core.model_output import ModelOutput

Array = jax.Array


def cross_entropy_loss(logits: Array, labels: Array, ignore_index: int = mu.IGNORE_INDEX) -> Array:
    """Mean softmax cross-entropy over the positions whose label is not ``ignore_index``.

    ``logits`` is ``(..., classes)`` and ``labels`` the matching ``(...)`` integer classes.
    Computed in float32. As in PyTorch, the mean over zero scored positions is NaN.
    """
    logits = logits.astype(jnp.float32).reshape(-1, logits.shape[-1])
    labels = labels.reshape(-1).astype(jnp.int32)
    valid = labels != ignore_index
    log_probs = jax.nn.log_softmax(logits, axis=-1)
    picked = jnp.take_along_axis(log_probs, jnp.where(valid, labels, 0)[:, None], axis=-1)[:, 0]
    return -jnp.sum(jnp.where(valid, picked, 0.0)) / jnp.sum(valid)


def masked_lm_loss(logits: Array, labels: Array) -> Array:
    """Masked-LM loss: mean cross-entropy over tokens whose label is not -100."""
    return cross_entropy_loss(logits, labels)


def sequence_classification_loss(logits: Array, labels: Array, config: AlbertConfig) -> Array:
    """The loss ``config.problem_type`` names (inferred from the labels when it is None).

    Regression: mean squared error; single-label: cross-entropy (labels of -100 ignored);
    multi-label: mean binary cross-entropy with logits. Inference follows
    :func:`albert_core.modeling_utils.infer_problem_type` (integer labels: single-label).
    """
    n = config.num_labels
    problem = mu.infer_problem_type(
        config.problem_type, n, bool(jnp.issubdtype(labels.dtype, jnp.integer))
    )
    logits = logits.astype(jnp.float32)
    if problem == "regression":
        target = labels.astype(jnp.float32)
        if n == 1:
            return jnp.mean((jnp.squeeze(logits) - jnp.squeeze(target)) ** 2)
        return jnp.mean((logits - target) ** 2)
    if problem == "single_label_classification":
        return cross_entropy_loss(logits.reshape(-1, n), labels.reshape(-1))
    target = labels.astype(jnp.float32)
    per_item = jnp.maximum(logits, 0) - logits * target + jnp.log1p(jnp.exp(-jnp.abs(logits)))
    return jnp.mean(per_item)


def token_classification_loss(logits: Array, labels: Array) -> Array:
    """Mean cross-entropy over tokens whose label is not -100."""
    return cross_entropy_loss(logits, labels)


def question_answering_loss(
    start_logits: Array, end_logits: Array, start_positions: Array, end_positions: Array
) -> Array:
    """Mean of the start and end cross-entropies, as transformers computes it.

    Positions are clamped to ``[0, seq]``; ``seq`` (outside the input) is left out.
    """
    seq = start_logits.shape[1]
    start = jnp.clip(start_positions.reshape(-1), 0, seq)
    end = jnp.clip(end_positions.reshape(-1), 0, seq)
    start_loss = cross_entropy_loss(start_logits, start, ignore_index=seq)
    end_loss = cross_entropy_loss(end_logits, end, ignore_index=seq)
    return (start_loss + end_loss) / 2


def multiple_choice_loss(logits: Array, labels: Array) -> Array:
    """Cross-entropy over the choices (labels of -100 ignored)."""
    return cross_entropy_loss(logits, labels)


def pretraining_loss(
    prediction_logits: Array, sop_logits: Array, labels: Array, sentence_order_label: Array
) -> Array:
    """Masked-LM cross-entropy plus sentence-order cross-entropy (over ``num_labels``)."""
    return cross_entropy_loss(prediction_logits, labels) + cross_entropy_loss(
        sop_logits, sentence_order_label
    )



#: Loss kind -> ``(outputs, labels, config) -> loss``; labels keyed by the head's
#: :attr:`~albert_core.heads.HeadSpec.labels`.
LOSSES: dict[LossKind, Callable[[ModelOutput, Mapping[str, Array], AlbertConfig], Array]] = {
    "mlm_sop": lambda out, labels, config: pretraining_loss(
        out.prediction_logits, out.sop_logits, labels["labels"], labels["sentence_order_label"]
    ),
    "mlm": lambda out, labels, config: masked_lm_loss(out.logits, labels["labels"]),
    "sequence": lambda out, labels, config: sequence_classification_loss(
        out.logits, labels["labels"], config
    ),
    "token": lambda out, labels, config: token_classification_loss(out.logits, labels["labels"]),
    "span": lambda out, labels, config: question_answering_loss(
        out.start_logits, out.end_logits, labels["start_positions"], labels["end_positions"]
    ),
    "choice": lambda out, labels, config: multiple_choice_loss(out.logits, labels["labels"]),
}


def head_loss(
    spec: HeadSpec, outputs: ModelOutput, labels: Mapping[str, Array], config: AlbertConfig
) -> Array:
    """The loss of ``spec``'s head from its ``outputs`` and every one of its ``labels``."""
    if spec.loss not in LOSSES:
        raise ValueError("the bare model has no loss")
    return LOSSES[spec.loss](outputs, labels, config)
