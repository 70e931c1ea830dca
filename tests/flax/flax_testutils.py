"""Helpers shared by the JAX/Flax backend tests: goldens, flattening, tiny configs, batches."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from albert_core import schema
from albert_core.config import AlbertConfig

GOLDENS = Path(__file__).resolve().parents[1] / "fixtures" / "goldens"
GOLDEN_CONFIGS = sorted(p.name for p in GOLDENS.iterdir() if p.is_dir())
HEADS = list(schema.HEADS)
ATOL = 1e-5


@functools.cache
def golden(config_name: str, head: str) -> dict[str, np.ndarray]:
    """The arrays of ``golden.npz`` (loaded once per session)."""
    with np.load(GOLDENS / config_name / head / "golden.npz") as data:
        return {k: data[k] for k in data.files}


@functools.cache
def golden_config(config_name: str, head: str) -> AlbertConfig:
    """The ``config.json`` transformers wrote next to the golden."""
    return AlbertConfig.from_pretrained(GOLDENS / config_name / head)


def golden_inputs(data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``input.*`` arrays keyed by call argument (labels included)."""
    return {k.removeprefix("input."): v for k, v in data.items() if k.startswith("input.")}


def flatten(outputs, prefix: str = "output.") -> dict[str, np.ndarray]:
    """Output dataclass -> ``{prefix<field>[.<i>]: float32 array}`` like the goldens."""
    flat = {}
    for key, value in outputs.items():
        if isinstance(value, tuple):
            for i, item in enumerate(value):
                flat[f"{prefix}{key}.{i}"] = np.asarray(item, dtype=np.float32)
        else:
            flat[f"{prefix}{key}"] = np.asarray(value, dtype=np.float32)
    return flat


def assert_matches_golden(
    got: dict[str, np.ndarray],
    data: dict[str, np.ndarray],
    prefix: str,
    *,
    atol: float = ATOL,
) -> None:
    """Exactly the golden arrays under ``prefix``, each within ``atol``."""
    want = {k for k in data if k.startswith(prefix)}
    assert set(got) == want, f"missing {sorted(want - set(got))}, extra {sorted(set(got) - want)}"
    for key in sorted(want):
        assert got[key].shape == data[key].shape, key
        diff = float(np.abs(got[key] - data[key]).max()) if got[key].size else 0.0
        assert diff <= atol, f"{key}: max abs diff {diff:.3g} > {atol}"


def tiny_config(**overrides) -> AlbertConfig:
    """A few-kilobyte config: two groups of two inner layers over four applications."""
    fields = dict(
        vocab_size=50, embedding_size=8, hidden_size=16, num_hidden_layers=4,
        num_hidden_groups=2, inner_group_num=2, num_attention_heads=2, intermediate_size=20,
        hidden_act="gelu_new", max_position_embeddings=20, type_vocab_size=2, num_labels=3,
    )  # fmt: skip
    fields.update(overrides)
    return AlbertConfig(**fields)


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
