"""Fixtures of the Keras/TensorFlow backend tests (helpers live in tf_testutils.py)."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

pytest.importorskip("tensorflow")

from golden_testutils import tiny_config  # noqa: E402

from albert_core.config import AlbertConfig  # noqa: E402


@pytest.fixture(scope="module")
def tiny() -> AlbertConfig:
    """The tiny config (fresh per module)."""
    return tiny_config()
