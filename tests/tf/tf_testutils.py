"""Helpers shared by the Keras/TensorFlow backend tests: goldens, flattening, tiny inputs."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np

from albert_core import schema
from albert_core.config import AlbertConfig

GOLDENS = Path(__file__).resolve().parents[1] / "fixtures" / "goldens"
GOLDEN_CONFIGS = sorted(p.name for p in GOLDENS.iterdir() if p.is_dir())
HEADS = list(schema.HEADS)
ATOL = 1e-5
#: Tolerance of the mixed_bfloat16 policy against float32 on the tiny models (logits):
#: bfloat16 keeps 8 significant bits, so each matmul may be off by ~0.4% of its scale.
BF16_ATOL = 5e-2


@functools.cache
def golden(config_name: str, head: str) -> dict[str, np.ndarray]:
    """The arrays of ``golden.npz`` (loaded once per session)."""
    with np.load(GOLDENS / config_name / head / "golden.npz") as data:
        return {k: data[k] for k in data.files}


def golden_dir(config_name: str, head: str) -> Path:
    """The directory of one golden checkpoint."""
    return GOLDENS / config_name / head


def golden_inputs(data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``input.*`` arrays keyed by call argument (labels included)."""
    return {k.removeprefix("input."): v for k, v in data.items() if k.startswith("input.")}


def flatten(outputs: Any, prefix: str = "output.") -> dict[str, np.ndarray]:
    """Output dict -> ``{prefix<field>[.<i>]: array}`` like the goldens."""
    flat = {}
    for key, value in outputs.items():
        if isinstance(value, tuple):
            for i, item in enumerate(value):
                flat[f"{prefix}{key}.{i}"] = np.asarray(item, dtype=np.float32)
        else:
            flat[f"{prefix}{key}"] = np.asarray(value, dtype=np.float32)
    return flat


def assert_matches_golden(
    got: dict[str, np.ndarray], data: dict[str, np.ndarray], prefix: str, atol: float = ATOL
) -> None:
    """Every golden array under ``prefix`` within ``atol``, and no output the golden lacks."""
    want = {k for k in data if k.startswith(prefix)}
    assert set(got) == want, f"missing {sorted(want - set(got))}, extra {sorted(set(got) - want)}"
    for key in sorted(want):
        assert got[key].shape == data[key].shape, key
        diff = float(np.abs(got[key] - data[key]).max()) if got[key].size else 0.0
        assert diff <= atol, f"{key}: max abs diff {diff:.3g} > {atol}"


def tiny_config(**overrides: Any) -> AlbertConfig:
    """A few-kilobyte config with two groups of two inner layers over four applications."""
    fields = dict(
        vocab_size=50, embedding_size=8, hidden_size=16, num_hidden_layers=4,
        num_hidden_groups=2, inner_group_num=2, num_attention_heads=2, intermediate_size=20,
        hidden_act="gelu_new", max_position_embeddings=20, type_vocab_size=2, num_labels=3,
    )  # fmt: skip
    fields.update(overrides)
    return AlbertConfig(**fields)


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
