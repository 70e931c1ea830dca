"""Helpers of the PyTorch backend tests: golden inputs as tensors, and random batches."""

from __future__ import annotations

import numpy as np
import torch
from golden_testutils import golden_inputs as shared_golden_inputs

from albert_core.config import AlbertConfig


def golden_inputs(data: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """``input.*`` arrays as tensors, keyed by forward argument."""
    return {k: torch.from_numpy(v) for k, v in shared_golden_inputs(data).items()}


def random_batch(
    config: AlbertConfig,
    batch: int = 3,
    seq: int = 9,
    seed: int = 0,
    lengths: tuple[int, ...] | None = None,
) -> dict[str, torch.Tensor]:
    """Right-padded ids, mask and token types."""
    gen = torch.Generator().manual_seed(seed)
    lengths = lengths or tuple(max(2, seq - 2 * i) for i in range(batch))
    ids = torch.randint(5, config.vocab_size, (batch, seq), generator=gen)
    mask = torch.zeros(batch, seq, dtype=torch.long)
    types = torch.zeros(batch, seq, dtype=torch.long)
    for row, length in enumerate(lengths):
        mask[row, :length] = 1
        ids[row, length:] = config.pad_token_id
        types[row, length // 2 : length] = 1
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
