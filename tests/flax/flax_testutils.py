"""Helpers of the JAX/Flax backend tests: random batches."""

from __future__ import annotations

import numpy as np

from albert_core.config import AlbertConfig


def random_batch(
    config: AlbertConfig, batch: int = 3, seq: int = 9, seed: int = 0
) -> dict[str, np.ndarray]:
    """Right-padded ids, mask and token types (rows of decreasing length)."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(5, config.vocab_size, size=(batch, seq))
    mask = np.zeros((batch, seq), np.int32)
    types = np.zeros((batch, seq), np.int32)
    for row in range(batch):
        length = max(2, seq - 2 * row)
        mask[row, :length] = 1
        ids[row, length:] = config.pad_token_id
        types[row, length // 2 : length] = 1
    return {"input_ids": ids.astype(np.int32), "attention_mask": mask, "token_type_ids": types}
