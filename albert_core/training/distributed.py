"""How a training batch is split over processes or devices so the result equals one process.

Every training loop of albert reads one *global* micro-batch of ``batch_size`` rows per
forward pass (the same rows on every process: :func:`albert_core.training.finetune.micro_batches`
and :class:`albert_core.training.batches.BatchStream` are functions of the seed and the
position only). With ``count`` processes (``torchrun``, ``MultiWorkerMirroredStrategy``) or
replicas (``MirroredStrategy``), replica ``index`` takes the contiguous rows
:func:`shard_bounds` gives it and the gradients are *averaged* over the replicas, as
``DistributedDataParallel`` does. A head's loss is a mean over a denominator that depends on
the rows (labelled tokens for token classification and masked LM, rows otherwise,
:func:`loss_denominator`), so each replica scales its own mean loss by
:attr:`Shard.scale` ``= count * denominator(shard) / denominator(batch)``: the average of the
scaled gradients is then exactly the gradient of the global batch's mean loss, for any split.

A replica whose share is empty (fewer rows than replicas, at the end of an epoch) gets the
batch's first row with scale 0, so every replica runs the same collective operations. A
share with nothing to score (that stand-in row, or rows whose labels are all -100) has its
first label made valid, so its mean loss is finite and, times the scale 0, gives zero
gradients rather than 0 / 0.

The pre-training objective (mean masked-LM cross-entropy plus mean sentence-order
cross-entropy) has two denominators; :func:`pretraining_denominators` gives the global ones,
and a replica's objective is ``count * (mlm_sum / mlm_count + sop_sum / sop_count)`` with
its own sums over them.

A JAX mesh needs none of this: the global batch is one array sharded along the data axis
and the loss is computed over all of it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np

from albert_core.modeling_utils import IGNORE_INDEX

#: Heads whose loss averages over the labelled tokens (labels of -100 are skipped).
TOKEN_MEAN_HEADS = ("token-classification", "masked-lm")


@dataclasses.dataclass(frozen=True)
class Shard:
    """One replica's part of a global batch.

    Attributes:
        batch: the replica's rows (every key of the global batch).
        scale: the factor of the replica's mean loss (see the module doc).
        rows: how many real rows it holds (0 for the stand-in row of an empty share).
    """

    batch: dict[str, np.ndarray]
    scale: float
    rows: int


def shard_bounds(rows: int, count: int) -> list[tuple[int, int]]:
    """``[begin, end)`` of each of ``count`` contiguous shares of ``rows`` rows; sizes differ
    by at most one, the first shares the larger.

    Raises:
        ValueError: ``count`` is not positive or ``rows`` is negative.
    """
    if count < 1:
        raise ValueError(f"count must be positive, got {count}")
    if rows < 0:
        raise ValueError(f"rows must be 0 or more, got {rows}")
    base, extra = divmod(rows, count)
    bounds, begin = [], 0
    for index in range(count):
        end = begin + base + (1 if index < extra else 0)
        bounds.append((begin, end))
        begin = end
    return bounds


def loss_denominator(head: str, batch: Mapping[str, np.ndarray]) -> float:
    """What the mean loss of ``head`` on ``batch`` divides by: the labelled tokens (labels
    other than -100) for token classification and masked LM, the labelled rows for
    sequence classification, the rows otherwise."""
    labels = batch.get("labels")
    if head in TOKEN_MEAN_HEADS:
        return float(np.sum(np.asarray(labels) != IGNORE_INDEX))
    if head == "sequence-classification" and labels is not None \
            and np.issubdtype(np.asarray(labels).dtype, np.integer) and np.ndim(labels) == 1:
        return float(np.sum(np.asarray(labels) != IGNORE_INDEX))
    return float(len(batch["input_ids"]))


def shard_batch(batch: Mapping[str, np.ndarray], head: str, index: int, count: int) -> Shard:
    """Replica ``index`` of ``count``'s :class:`Shard` of the global ``batch``."""
    if not 0 <= index < count:
        raise ValueError(f"index must be in [0, {count}), got {index}")
    rows = len(batch["input_ids"])
    begin, end = shard_bounds(rows, count)[index]
    if end == begin:
        stand_in = {key: np.asarray(value)[:1] for key, value in batch.items()}
        return Shard(_scorable(head, stand_in), 0.0, 0)
    part = {key: np.asarray(value)[begin:end] for key, value in batch.items()}
    total = loss_denominator(head, batch)
    scale = count * loss_denominator(head, part) / total if total else 0.0
    return Shard(_scorable(head, part), scale, end - begin)


def _scorable(head: str, part: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``part`` with its first label made valid when it has none to score (see the module
    doc); its scale is then 0, so the label's value does not matter."""
    if "labels" not in part or loss_denominator(head, part):
        return part
    labels = np.array(part["labels"])
    labels.reshape(-1)[0] = 0
    return {**part, "labels": labels}


def pretraining_denominators(batch: Mapping[str, np.ndarray]) -> dict[str, float]:
    """The global ``mlm_count`` (sum of ``masked_lm_weights``, at least 1) and ``sop_count``
    (rows) of a pre-training batch."""
    return {"mlm_count": max(1.0, float(np.sum(batch["masked_lm_weights"]))),
            "sop_count": float(len(batch["input_ids"]))}


__all__ = [
    "TOKEN_MEAN_HEADS",
    "Shard",
    "loss_denominator",
    "pretraining_denominators",
    "shard_batch",
    "shard_bounds",
]
