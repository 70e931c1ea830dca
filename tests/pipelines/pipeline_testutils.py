"""Helpers of the pipeline tests: installed frameworks, a scriptable fake backend, comparisons."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from albert_core.config import AlbertConfig

#: Task -> the tiny checkpoint it runs on (names of ``tiny_models.build``).
TASK_MODELS = {
    "fill-mask": "tiny-fill-mask",
    "text-classification": "tiny-sst2",
    "token-classification": "tiny-ner",
    "question-answering": "tiny-squad2",
    "feature-extraction": "tiny-fill-mask",
}

#: Framework -> the module whose presence means it is installed.
FRAMEWORK_MODULES = {"pt": "torch", "tf": "tensorflow", "flax": "flax"}


def framework_installed(framework: str) -> bool:
    """Whether the deep-learning library of ``framework`` can be imported."""
    return importlib.util.find_spec(FRAMEWORK_MODULES[framework]) is not None


class FakeBackend:
    """A backend whose outputs are computed from the batch by ``fn`` (no model at all).

    ``calls`` records every batch, so tests can check windows and padding.
    """

    def __init__(self, fn: Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]]) -> None:
        self.fn = fn
        self.calls: list[dict[str, np.ndarray]] = []

    def forward(self, model: object, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Record ``batch`` and return ``fn(batch)``."""
        self.calls.append(batch)
        return self.fn(batch)


class SpyBackend:
    """A real backend that records every batch it runs (``calls``, as :class:`FakeBackend`)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[dict[str, np.ndarray]] = []

    def forward(self, model: object, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Record ``batch`` and run it on the wrapped backend."""
        self.calls.append(batch)
        return self.inner.forward(model, batch)


def per_token(table: dict[int, np.ndarray], default: np.ndarray,
              key: str = "logits") -> Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]]:
    """A ``fn`` for :class:`FakeBackend`: each token's output row looked up by its id."""

    def fn(batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        ids = batch["input_ids"]
        out = np.empty((*ids.shape, len(default)), dtype=np.float32)
        for index, token in np.ndenumerate(ids):
            out[index] = table.get(int(token), default)
        return {key: out}

    return fn


def small_config(max_positions: int = 128, **overrides: object) -> AlbertConfig:
    """A config for fake-backend pipelines (only its labels and length limit matter)."""
    return AlbertConfig(vocab_size=30000, embedding_size=8, hidden_size=32,
                        num_attention_heads=2, intermediate_size=64,
                        max_position_embeddings=max_positions, **overrides)


def assert_same(got: Any, expected: Any, where: str = "result", atol: float = 1e-4) -> None:
    """Equal structures; ``score`` values and arrays within ``atol``."""
    if isinstance(expected, np.ndarray):
        np.testing.assert_allclose(got, expected, atol=atol, err_msg=where)
    elif isinstance(expected, dict):
        assert set(got) == set(expected), where
        for key in expected:
            if key == "score":
                assert got[key] == pytest.approx(expected[key], abs=atol), f"{where}.{key}"
            else:
                assert_same(got[key], expected[key], f"{where}.{key}", atol)
    elif isinstance(expected, list):
        assert len(got) == len(expected), where
        for index, (a, b) in enumerate(zip(got, expected, strict=True)):
            assert_same(a, b, f"{where}[{index}]", atol)
    else:
        assert got == expected, where
