"""Shared state of the equivalence tests: one checkpoint per case, models and outputs built once.

Building a model (and, for Flax, compiling its forward) is what costs time here, so the
session-scoped :class:`Lab` caches by key: every ``(config, head)`` case is written once as a
checkpoint, every backend loads it once per config override and dtype, and every batch
variant is run once per backend. Pair tests then compare cached outputs: three backends
give three pairs for the price of three forwards.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from equivalence_testutils import (  # noqa: E402
    MEASURED,
    adapter,
    config_for,
    input_variant,
    random_arrays,
    write_checkpoint,
)


class Lab:
    """Session cache of checkpoints, models and outputs, keyed by what determines them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._checkpoints: dict[tuple[str, str], Path] = {}
        self._models: dict[tuple, Any] = {}
        self._outputs: dict[tuple, dict[str, np.ndarray]] = {}

    def checkpoint(self, config_name: str, head: str) -> Path:
        """The one checkpoint (``model.safetensors``) of a case, written on first use."""
        key = (config_name, head)
        if key not in self._checkpoints:
            directory = self.root / config_name / head
            config = config_for(config_name, head)
            write_checkpoint(directory, config, head, random_arrays(config_name, head))
            self._checkpoints[key] = directory
        return self._checkpoints[key]

    def model(
        self,
        backend: str,
        config_name: str,
        head: str,
        dtype: str = "float32",
        **overrides: Any,
    ) -> Any:
        """``backend``'s model of a case, loaded from its checkpoint once per dtype/override."""
        key = (backend, config_name, head, dtype, tuple(sorted(overrides.items())))
        if key not in self._models:
            directory = self.checkpoint(config_name, head)
            self._models[key] = adapter(backend).load(head, directory, dtype=dtype, **overrides)
        return self._models[key]

    def batch(self, config_name: str, head: str, variant: str = "stress"):
        """``(features, labels)`` of one input variant (deterministic)."""
        return input_variant(config_for(config_name, head), head, variant)

    def outputs(
        self,
        backend: str,
        config_name: str,
        head: str,
        variant: str = "stress",
        dtype: str = "float32",
    ) -> dict[str, np.ndarray]:
        """Every output (loss, hidden states, attentions included) in eval mode, cached."""
        key = (backend, config_name, head, variant, dtype)
        if key not in self._outputs:
            model = self.model(backend, config_name, head, dtype)
            features, labels = self.batch(config_name, head, variant)
            self._outputs[key] = adapter(backend).forward(model, features, labels)
        return self._outputs[key]


@pytest.fixture(scope="module", autouse=True)
def _single_threaded_torch():
    """One intra-op thread for PyTorch while these modules run (restored after).

    The models are tiny: with two threads every op opens an OpenMP parallel region, and on
    a busy machine each region waits milliseconds for its second thread (a forward of the
    pre-training head took 0.5 s instead of 8 ms). The numbers do not depend on it.
    """
    try:
        import torch
    except ImportError:
        yield
        return
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(saved)


@pytest.fixture(scope="session")
def lab(tmp_path_factory) -> Lab:
    """The session's :class:`Lab` (checkpoints live in a session temporary directory)."""
    return Lab(tmp_path_factory.mktemp("equivalence"))


def pytest_terminal_summary(terminalreporter) -> None:
    """With ALBERT_EQUIVALENCE_REPORT=1, the largest differences each test function saw."""
    if os.environ.get("ALBERT_EQUIVALENCE_REPORT") != "1" or not MEASURED:
        return
    terminalreporter.section("equivalence: measured maxima")
    terminalreporter.write_line(f"{'test':52} {'max abs diff':>13} {'max diff/tol':>13}")
    for test, (diff, ratio) in sorted(MEASURED.items()):
        terminalreporter.write_line(f"{test:52} {diff:13.3g} {ratio:13.3g}")
