"""Fixtures of the pre-training tests: a synthetic corpus, a tokenizer trained on it, and a
prepared dataset (all built once per session, in a few seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pretraining_testutils import MAX_SEQ_LENGTH, VOCAB_SIZE, make_corpus

from albert_core.tokenizers import train_tokenizer
from albert_core.training import DataConfig, prepare_pretraining_data


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic corpus file."""
    return make_corpus(tmp_path_factory.mktemp("corpus") / "corpus.txt")


@pytest.fixture(scope="session")
def tokenizer_dir(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sentencepiece vocabulary of VOCAB_SIZE pieces trained on the corpus."""
    out = tmp_path_factory.mktemp("tokenizer")
    return train_tokenizer([corpus], out, VOCAB_SIZE, num_threads=1)


@pytest.fixture(scope="session")
def data_config() -> DataConfig:
    """Short sequences, small shards (several per split), 10% held-out documents."""
    return DataConfig(max_seq_length=MAX_SEQ_LENGTH, shard_size=64, heldout_fraction=0.1,
                      seed=7)


@pytest.fixture(scope="session")
def data_dir(corpus: Path, tokenizer_dir: Path, data_config: DataConfig,
             tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The prepared dataset."""
    out = tmp_path_factory.mktemp("data")
    prepare_pretraining_data([corpus], tokenizer_dir, out, data_config, progress=False)
    return out
