"""Fixtures of the task data tests: the tiny fixture's tokenizer and a file writer."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="session")
def tokenizer():
    """The sentencepiece tokenizer of ``tests/fixtures/tiny-fill-mask`` (albert-base-v2's
    vocabulary)."""
    from albert_core.tokenizers.sentencepiece import AlbertTokenizer

    return AlbertTokenizer.from_pretrained(FIXTURES / "tiny-fill-mask")


@pytest.fixture
def write(tmp_path) -> Callable[..., Path]:
    """``write(name, content)``: a file in ``tmp_path``; lists/dicts become JSON (or JSON
    lines for ``.jsonl``), strings are written as they are."""

    def _write(name: str, content) -> Path:
        path = tmp_path / name
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        elif name.endswith(".jsonl"):
            path.write_text("".join(json.dumps(r) + "\n" for r in content), encoding="utf-8")
        else:
            path.write_text(json.dumps(content), encoding="utf-8")
        return path

    return _write
