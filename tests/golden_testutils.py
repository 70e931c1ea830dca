"""Helpers shared by the three backends' tests: the reference goldens and a tiny config.

``tests/fixtures/goldens/<config>/<head>/`` holds what transformers 4.57.6 wrote
(``tests/fixtures/make_goldens.py``): the checkpoint in four formats, ``config.json`` and
``golden.npz`` with the inputs (``input.*``) and outputs (``output.*``, ``train.*``) of one
forward pass. The backends' tests import these from here; each backend's ``*_testutils``
adds its own batches.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load_file

from albert_core import schema
from albert_core.config import AlbertConfig

GOLDENS = Path(__file__).resolve().parent / "fixtures" / "goldens"
GOLDEN_CONFIGS = sorted(p.name for p in GOLDENS.iterdir() if p.is_dir())
HEADS = list(schema.HEADS)
#: Every directory that holds a golden checkpoint, as found on disk.
GOLDEN_DIRS = sorted(p.parent for p in GOLDENS.glob("*/*/config.json"))
#: Every ``(config name, head)`` pair of the goldens.
CASES = [(c, h) for c in GOLDEN_CONFIGS for h in HEADS]
#: The base-model goldens' extra calls: ``case.<name>`` holds that argument's value.
EXTRA_CASES = ("head_mask", "position_ids", "inputs_embeds")
#: The id features of every forward call (``input.*`` less the labels).
FEATURES = ("input_ids", "attention_mask", "token_type_ids")
#: float32 tolerance against the goldens (max abs difference of any output).
ATOL = 1e-5


@functools.cache
def golden(config_name: str, head: str) -> dict[str, np.ndarray]:
    """The arrays of ``golden.npz`` (loaded once per session)."""
    with np.load(GOLDENS / config_name / head / "golden.npz") as data:
        return {k: data[k] for k in data.files}


def golden_dir(config_name: str, head: str) -> Path:
    """The directory of one golden checkpoint."""
    return GOLDENS / config_name / head


@functools.cache
def golden_config(config_name: str, head: str) -> AlbertConfig:
    """The ``config.json`` transformers wrote next to the golden."""
    return AlbertConfig.from_pretrained(golden_dir(config_name, head))


def case_id(case: tuple[str, str]) -> str:
    """The test id of a ``(config name, head)`` case: ``config/head``."""
    return "/".join(case)


def golden_arrays(config_name: str, head: str) -> dict[str, np.ndarray]:
    """The canonical arrays of the golden's ``model.safetensors``, checked against its config."""
    stored = load_file(golden_dir(config_name, head) / "model.safetensors")
    arrays, _ = schema.check(stored, golden_config(config_name, head), head)
    return arrays


def golden_inputs(data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``input.*`` arrays keyed by call argument (labels included)."""
    return {k.removeprefix("input."): v for k, v in data.items() if k.startswith("input.")}


def extra_case_inputs(data: dict[str, np.ndarray], case: str) -> dict[str, np.ndarray]:
    """The features of a base-model golden plus the ``case.<case>`` argument.

    ``inputs_embeds`` stands in place of ``input_ids``.
    """
    inputs = {k: data[f"input.{k}"] for k in FEATURES}
    if case == "inputs_embeds":
        del inputs["input_ids"]
    inputs[case] = data[f"case.{case}"]
    return inputs


def to_numpy(value: Any) -> np.ndarray:
    """A torch tensor, TF tensor or JAX array as a float32 numpy array."""
    if hasattr(value, "detach"):  # torch: leave the autograd graph and any bfloat16 first
        value = value.detach().cpu().float().numpy()
    return np.asarray(value, dtype=np.float32)


def flatten(outputs: Any, prefix: str = "output.") -> dict[str, np.ndarray]:
    """An output object of any backend -> ``{prefix<field>[.<i>]: array}`` like the goldens."""
    flat = {}
    for key, value in outputs.items():
        if isinstance(value, tuple):
            for i, item in enumerate(value):
                flat[f"{prefix}{key}.{i}"] = to_numpy(item)
        else:
            flat[f"{prefix}{key}"] = to_numpy(value)
    return flat


def assert_matches_golden(
    got: dict[str, np.ndarray],
    data: dict[str, np.ndarray],
    prefix: str,
    *,
    atol: float = ATOL,
    only: set[str] | None = None,
) -> None:
    """Every golden array under ``prefix`` (or just the names in ``only``) within ``atol``.

    Without ``only``, an output the golden lacks fails too.
    """
    want = {k for k in data if k.startswith(prefix)} if only is None else only
    assert want <= set(got), f"missing outputs: {sorted(want - set(got))}"
    if only is None:
        assert set(got) == want, f"unexpected outputs: {sorted(set(got) - want)}"
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
