"""Fixtures of the core tests: the golden checkpoints and the two tokenizers."""

from __future__ import annotations

from pathlib import Path

import pytest
from golden_testutils import GOLDEN_DIRS

from albert_core.config import AlbertConfig
from albert_core.tokenizers import AlbertTokenizer, AlbertTokenizerFast


def _golden_dir_id(directory: Path) -> str:
    return f"{directory.parent.name}/{directory.name}"


@pytest.fixture(params=GOLDEN_DIRS, ids=_golden_dir_id)
def golden_case(request: pytest.FixtureRequest) -> tuple[Path, AlbertConfig, str]:
    """``(directory, config, head)`` of each checkpoint transformers wrote for the goldens."""
    directory = request.param
    return directory, AlbertConfig.from_pretrained(directory), directory.name


@pytest.fixture(scope="module")
def slow(spiece_model_path: Path) -> AlbertTokenizer:
    """The sentencepiece tokenizer on the ALBERT v2 vocabulary."""
    return AlbertTokenizer(spiece_model_path)


@pytest.fixture(scope="module")
def fast(spiece_model_path: Path) -> AlbertTokenizerFast:
    """The tokenizers-backed tokenizer on the ALBERT v2 vocabulary."""
    return AlbertTokenizerFast(spiece_model_path)
