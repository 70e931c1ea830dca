"""Helpers shared by the PyTorch backend tests: goldens, flattening, tiny configs."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import torch

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


def golden_inputs(data: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """``input.*`` arrays as tensors, keyed by forward argument."""
    return {
        k.removeprefix("input."): torch.from_numpy(v)
        for k, v in data.items()
        if k.startswith("input.")
    }


def flatten(outputs, prefix: str = "output.") -> dict[str, np.ndarray]:
    """Output dataclass -> ``{prefix<field>[.<i>]: array}`` like the goldens."""
    flat = {}
    for key, value in outputs.items():
        if isinstance(value, tuple):
            for i, item in enumerate(value):
                flat[f"{prefix}{key}.{i}"] = item.detach().float().numpy()
        else:
            flat[f"{prefix}{key}"] = value.detach().float().numpy()
    return flat


def assert_matches_golden(
    got: dict[str, np.ndarray],
    data: dict[str, np.ndarray],
    prefix: str,
    *,
    atol: float = ATOL,
    only: set[str] | None = None,
) -> None:
    """Every golden array under ``prefix`` (or the names in ``only``) within ``atol``."""
    want = {k for k in data if k.startswith(prefix)} if only is None else only
    assert want <= set(got), f"missing outputs: {sorted(want - set(got))}"
    if only is None:
        assert set(got) == want, f"unexpected outputs: {sorted(set(got) - want)}"
    for key in sorted(want):
        assert got[key].shape == data[key].shape, key
        diff = float(np.abs(got[key] - data[key]).max()) if got[key].size else 0.0
        assert diff <= atol, f"{key}: max abs diff {diff:.3g} > {atol}"


def tiny_config(**overrides) -> AlbertConfig:
    """A few-kilobyte config with two groups of two inner layers over four applications."""
    fields = dict(
        vocab_size=50, embedding_size=8, hidden_size=16, num_hidden_layers=4,
        num_hidden_groups=2, inner_group_num=2, num_attention_heads=2, intermediate_size=20,
        hidden_act="gelu_new", max_position_embeddings=20, type_vocab_size=2, num_labels=3,
    )  # fmt: skip
    fields.update(overrides)
    return AlbertConfig(**fields)


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
