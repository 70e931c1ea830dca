"""The losses of the heads, in float32 whatever the compute dtype.

:func:`head_loss` picks one by :attr:`albert_core.heads.HeadSpec.loss`; the others are the
building blocks (as transformers computes them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import tensorflow as tf

from albert_core import modeling_utils as mu
from albert_core.config import AlbertConfig
from albert_core.heads import HeadSpec


def masked_cross_entropy(
    labels: tf.Tensor, logits: tf.Tensor, ignore_index: int | tf.Tensor = mu.IGNORE_INDEX
) -> tf.Tensor:
    """Mean softmax cross-entropy over the labels that are not ``ignore_index``.

    ``logits`` is ``(..., classes)`` and ``labels`` the matching ``(...)`` integer ids. As in
    PyTorch, the mean is over the scored positions (NaN when every label is ignored).
    """
    classes = tf.shape(logits)[-1]
    logits = tf.reshape(tf.cast(logits, tf.float32), [-1, classes])
    labels = tf.reshape(tf.cast(labels, tf.int32), [-1])
    keep = tf.not_equal(labels, tf.cast(ignore_index, tf.int32))
    safe = tf.where(keep, labels, tf.zeros_like(labels))
    losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=safe, logits=logits)
    keep = tf.cast(keep, tf.float32)
    return tf.reduce_sum(losses * keep) / tf.reduce_sum(keep)


def sequence_classification_loss(
    labels: tf.Tensor, logits: tf.Tensor, problem_type: str | None, num_labels: int
) -> tf.Tensor:
    """MSE, cross-entropy or binary cross-entropy, as
    :func:`albert_core.modeling_utils.infer_problem_type` decides from the labels' dtype."""
    problem = mu.infer_problem_type(problem_type, num_labels, labels.dtype.is_integer)
    logits = tf.cast(logits, tf.float32)
    if problem == "regression":
        target = tf.cast(labels, tf.float32)
        if num_labels == 1:
            return tf.reduce_mean(tf.square(tf.reshape(logits, [-1]) - tf.reshape(target, [-1])))
        return tf.reduce_mean(tf.square(logits - tf.reshape(target, tf.shape(logits))))
    if problem == "single_label_classification":
        return masked_cross_entropy(labels, logits, ignore_index=mu.IGNORE_INDEX)
    target = tf.cast(labels, tf.float32)
    return tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=target, logits=logits))


def span_loss(
    start_positions: tf.Tensor,
    end_positions: tf.Tensor,
    start_logits: tf.Tensor,
    end_logits: tf.Tensor,
) -> tf.Tensor:
    """Mean of the start and end cross-entropies.

    As in transformers, positions are clamped to ``[0, seq]`` and ``seq`` (a position
    outside the input) is left out of the loss.
    """
    seq = tf.shape(start_logits)[1]
    start = tf.clip_by_value(tf.reshape(tf.cast(start_positions, tf.int32), [-1]), 0, seq)
    end = tf.clip_by_value(tf.reshape(tf.cast(end_positions, tf.int32), [-1]), 0, seq)
    start_loss = masked_cross_entropy(start, start_logits, ignore_index=seq)
    end_loss = masked_cross_entropy(end, end_logits, ignore_index=seq)
    return (start_loss + end_loss) / 2.0



def head_loss(
    spec: HeadSpec,
    config: AlbertConfig,
    labels: Mapping[str, tf.Tensor],
    outputs: Mapping[str, Any],
) -> tf.Tensor:
    """The loss of ``spec``'s head from its ``labels`` (every name of ``spec.labels``) and
    the output fields of a call, by ``spec.loss``:

    * ``mlm_sop``: masked-LM cross-entropy (-100 ignored) plus sentence-order cross-entropy;
    * ``mlm``, ``token``: cross-entropy over the positions whose label is not -100;
    * ``choice``: cross-entropy over the choices;
    * ``sequence``: see :func:`sequence_classification_loss`;
    * ``span``: see :func:`span_loss`.
    """
    targets = [labels[name] for name in spec.labels]
    scores = [outputs[name] for name in spec.fields]
    if spec.loss == "mlm_sop":
        (mlm_labels, sop_labels), (mlm_scores, sop_scores) = targets, scores
        return masked_cross_entropy(mlm_labels, mlm_scores) + masked_cross_entropy(
            sop_labels, sop_scores
        )
    if spec.loss in ("mlm", "token", "choice"):
        return masked_cross_entropy(targets[0], scores[0])
    if spec.loss == "sequence":
        return sequence_classification_loss(
            targets[0], scores[0], config.problem_type, config.num_labels
        )
    if spec.loss == "span":
        return span_loss(*targets, *scores)
    raise NotImplementedError(f"the {spec.name!r} head has no loss of its own")
