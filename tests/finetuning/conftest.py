"""Tiny task files for the fine-tuning tests, written into temporary directories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from finetuning_testutils import FRAMEWORKS, write_task_files


@pytest.fixture(scope="session")
def task_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``--task`` -> a small training file of that task (also used as validation)."""
    return write_task_files(tmp_path_factory.mktemp("task-data"))


@pytest.fixture()
def read_json():
    """Read a JSON file."""
    return lambda path: json.loads(Path(path).read_text(encoding="utf-8"))


@pytest.fixture(params=sorted(FRAMEWORKS))
def framework(request: pytest.FixtureRequest) -> str:
    """Each framework of :data:`FRAMEWORKS` in turn (skipped when it is not installed)."""
    pytest.importorskip(FRAMEWORKS[request.param])
    return request.param
