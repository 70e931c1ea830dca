"""Helpers of the Keras/TensorFlow backend tests: labelled batches, the bfloat16 tolerance."""

from __future__ import annotations

import numpy as np

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
    # One class per example: (feature, number of classes).
    per_example = {
        "pretraining": ("sentence_order_label", n),
        "sequence-classification": ("labels", n),
        "multiple-choice": ("labels", 2),
    }
    if head in per_example:
        name, classes = per_example[head]
        features[name] = rng.integers(0, classes, size=(batch,))
    elif head == "token-classification":
        features["labels"] = np.where(mask == 1, rng.integers(0, n, size=choices), -100)
    elif head == "question-answering":
        for name in ("start_positions", "end_positions"):
            features[name] = rng.integers(0, seq, size=(batch,))
    return {k: v.astype(np.int32) for k, v in features.items()}
