"""albert_core.training.distributed: shares of a global batch whose scaled mean losses
average to the global mean loss."""

from __future__ import annotations

import numpy as np
import pytest

from albert_core.training.distributed import (
    loss_denominator,
    pretraining_denominators,
    shard_batch,
    shard_bounds,
)


def mean_token_loss(batch: dict[str, np.ndarray], losses: np.ndarray) -> float:
    """A stand-in head loss: the mean of per-token losses over labelled tokens."""
    where = batch["labels"] != -100
    return float(losses[batch["row"]][where].sum() / max(1, where.sum()))


@pytest.mark.parametrize("rows,count", [(8, 2), (7, 2), (5, 4), (3, 4), (1, 2), (9, 3)])
def test_scaled_shard_losses_average_to_the_global_loss(rows: int, count: int) -> None:
    rng = np.random.default_rng(rows * 10 + count)
    labels = rng.integers(0, 5, size=(rows, 6))
    labels[rng.random((rows, 6)) < 0.4] = -100
    batch = {"input_ids": np.zeros((rows, 6), np.int32), "labels": labels,
             "row": np.arange(rows)}
    per_token = rng.random((rows, 6))
    shards = [shard_batch(batch, "token-classification", i, count) for i in range(count)]
    averaged = sum(s.scale * mean_token_loss(s.batch, per_token) for s in shards) / count
    assert averaged == pytest.approx(mean_token_loss(batch, per_token), rel=1e-12)
    assert sum(s.rows for s in shards) == rows
    assert all(len(s.batch["input_ids"]) >= 1 for s in shards)


def test_bounds_are_contiguous_and_balanced() -> None:
    assert shard_bounds(7, 3) == [(0, 3), (3, 5), (5, 7)]
    assert shard_bounds(2, 4) == [(0, 1), (1, 2), (2, 2), (2, 2)]
    with pytest.raises(ValueError, match="count must be positive"):
        shard_bounds(4, 0)


def test_denominators_follow_the_heads() -> None:
    batch = {"input_ids": np.zeros((3, 4)), "labels": np.array([[1, -100, 2, -100]] * 3)}
    assert loss_denominator("masked-lm", batch) == 6
    assert loss_denominator("multiple-choice", {"input_ids": np.zeros((3, 2, 4)),
                                                "labels": np.array([0, 1, 0])}) == 3
    assert loss_denominator("sequence-classification",
                            {"input_ids": np.zeros((3, 4)), "labels": np.array([1, -100, 0])}) == 2
    pre = pretraining_denominators({"input_ids": np.zeros((2, 4)),
                                    "masked_lm_weights": np.array([[1.0, 0.0], [1.0, 1.0]])})
    assert pre == {"mlm_count": 3.0, "sop_count": 2.0}
    with pytest.raises(ValueError, match="index must be in"):
        shard_batch(batch, "masked-lm", 2, 2)


def test_a_share_with_nothing_to_score_gets_one_valid_label_and_scale_zero() -> None:
    labels = np.array([[1, 2], [-100, -100]])
    batch = {"input_ids": np.zeros((2, 2), np.int32), "labels": labels}
    second = shard_batch(batch, "token-classification", 1, 2)
    assert second.scale == 0.0 and second.rows == 1
    assert loss_denominator("token-classification", second.batch) == 1
    assert labels[1, 0] == -100  # the caller's batch is not changed
    empty = shard_batch(batch, "token-classification", 2, 3)
    assert empty.rows == 0 and empty.scale == 0.0
    assert loss_denominator("token-classification", empty.batch) >= 1
