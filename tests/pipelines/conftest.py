"""Fixtures of the pipeline tests: tiny checkpoints for every task, pipelines shared per session.

Helpers for the tests (a fake backend, the framework list) live in ``pipeline_testutils.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import tiny_models
from pipeline_testutils import TASK_MODELS, framework_installed

from albert_core.pipelines import Pipeline, pipeline


@pytest.fixture(scope="session")
def tiny_dirs(tmp_path_factory) -> dict[str, Path]:
    """Name -> directory of every tiny checkpoint (see ``tiny_models.py``)."""
    return tiny_models.build(tmp_path_factory.mktemp("tiny-models"))


@pytest.fixture(scope="session")
def get_pipeline(tiny_dirs):
    """``get_pipeline(task, framework="pt")``: one shared pipeline per task and framework,
    on the task's tiny checkpoint; skips when the framework is not installed."""
    cache: dict[tuple[str, str], Pipeline] = {}

    def get(task: str, framework: str = "pt") -> Pipeline:
        if not framework_installed(framework):
            pytest.skip(f"framework {framework!r} is not installed")
        key = (task, framework)
        if key not in cache:
            cache[key] = pipeline(task, tiny_dirs[TASK_MODELS[task]], framework=framework)
        return cache[key]

    return get


@pytest.fixture(scope="session")
def tokenizer():
    """The fast tokenizer of the fixtures (albert-base-v2 vocabulary)."""
    from albert_core.pipelines import load_tokenizer

    return load_tokenizer(tiny_models.TINY_FILL_MASK)
