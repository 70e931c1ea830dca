"""Fixtures of the PyTorch backend tests (helpers live in pt_testutils.py)."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")

from golden_testutils import tiny_config  # noqa: E402

from albert_core.config import AlbertConfig  # noqa: E402


@pytest.fixture(scope="module")
def tiny() -> AlbertConfig:
    """The tiny config (fresh per module)."""
    return tiny_config()
