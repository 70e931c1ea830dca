"""Helpers of the Keras/TensorFlow backend tests: the shared golden helpers and batches."""

from __future__ import annotations

import numpy as np
from golden_testutils import (  # noqa: F401  (re-exported for the Keras/TensorFlow tests)
    ATOL,
    GOLDEN_CONFIGS,
    GOLDENS,
    HEADS,
    assert_matches_golden,
    flatten,
    golden,
    golden_config,
    golden_dir,
    golden_inputs,
    tiny_config,
)

from albert_core.config import AlbertConfig

#: Tolerance of the mixed_bfloat16 policy against float32 on the tiny models (logits):
#: bfloat16 keeps 8 significant bits, so each matmul may be off by ~0.4% of its scale.
BF16_ATOL = 5e-2


def tiny_batch(
    config: AlbertConfig, head: str, batch: int = 4, seq: int = 7, seed: int = 0
) -> dict[str, np.ndarray]:
    """Right-padded int32 features with labels suited to ``head``."""
    rng = np.random.default_rng(seed)
    choices = (batch, 2, seq) if head == "multiple-choice" else (batch, seq)
    ids = rng.integers(5, config.vocab_size, size=choices)
    mask = np.ones(choices, dtype=np.int32)
    mask[::2, ..., seq - 2 :] = 0
    ids[mask == 0] = 0
    types = np.zeros(choices, dtype=np.int32)
    types[..., seq // 2 :] = 1
    features = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
    n = config.num_labels
    if head in ("pretraining", "masked-lm"):
        labels = np.where(rng.random(choices) < 0.5, ids, -100)
        labels[:, 0] = ids[:, 0]
        features["labels"] = labels
    if head == "pretraining":
        features["sentence_order_label"] = rng.integers(0, n, size=(batch,))
    elif head == "sequence-classification":
        features["labels"] = rng.integers(0, n, size=(batch,))
    elif head == "token-classification":
        features["labels"] = np.where(mask == 1, rng.integers(0, n, size=choices), -100)
    elif head == "question-answering":
        features["start_positions"] = rng.integers(0, seq, size=(batch,))
        features["end_positions"] = rng.integers(0, seq, size=(batch,))
    elif head == "multiple-choice":
        features["labels"] = rng.integers(0, 2, size=(batch,))
    return {k: v.astype(np.int32) for k, v in features.items()}
