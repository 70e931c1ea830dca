"""How prepared data is built (:class:`DataConfig`) and its on-disk layout (``meta.json``)."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: ``format`` field of ``meta.json``.
DATA_FORMAT = "albert-pretraining-data"
#: Version of the shard layout.
DATA_VERSION = 1
META_FILE = "meta.json"
TOKENIZER_DIR = "tokenizer"
SPLITS = ("train", "heldout")


@dataclasses.dataclass(frozen=True)
class DataConfig:
    """How segment pairs are built and masked.

    Args:
        max_seq_length: length of every example, ``[CLS] A [SEP] B [SEP]`` plus padding.
        short_seq_prob: probability that a chunk targets a random shorter length.
        masked_lm_prob: fraction of the tokens (special tokens included, as in ALBERT) to
            predict.
        max_predictions_per_seq: upper bound on predicted tokens per example; None means
            ``round(max_seq_length * masked_lm_prob)``.
        max_ngram: longest masked span, in whole words (``P(n) ∝ 1/n``).
        mask_token_prob: share of the selected tokens replaced by ``[MASK]``.
        random_token_prob: share replaced by a random vocabulary token (the rest stay).
        dupe_factor: passes over the corpus when writing shards, each cutting the documents
            into pairs anew (masks are drawn per epoch anyway).
        heldout_fraction: probability that a document goes to the held-out split.
        shard_size: examples per shard file.
        seed: seed of the pair construction and the held-out split.
    """

    max_seq_length: int = 128
    short_seq_prob: float = 0.1
    masked_lm_prob: float = 0.15
    max_predictions_per_seq: int | None = None
    max_ngram: int = 3
    mask_token_prob: float = 0.8
    random_token_prob: float = 0.1
    dupe_factor: int = 1
    heldout_fraction: float = 0.01
    shard_size: int = 50_000
    seed: int = 12345

    def __post_init__(self) -> None:
        if self.max_seq_length < 8:
            raise ValueError(f"max_seq_length must be at least 8, got {self.max_seq_length}")
        for name in ("short_seq_prob", "heldout_fraction", "mask_token_prob",
                     "random_token_prob"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {value}")
        if not 0.0 < self.masked_lm_prob < 1.0:
            raise ValueError(f"masked_lm_prob must be in (0, 1), got {self.masked_lm_prob}")
        if self.mask_token_prob + self.random_token_prob > 1.0:
            raise ValueError("mask_token_prob + random_token_prob must not exceed 1")
        if self.max_predictions_per_seq is not None and self.max_predictions_per_seq < 1:
            raise ValueError("max_predictions_per_seq must be positive")
        for name in ("max_ngram", "dupe_factor", "shard_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")

    @property
    def max_predictions(self) -> int:
        """Predicted tokens per example at most (the width of ``masked_lm_positions``)."""
        if self.max_predictions_per_seq is not None:
            return self.max_predictions_per_seq
        return max(1, int(round(self.max_seq_length * self.masked_lm_prob)))

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], **overrides: Any) -> DataConfig:
        """Inverse of :meth:`to_dict`; ``overrides`` replace fields (unknown keys raise)."""
        fields = {f.name for f in dataclasses.fields(cls)}
        merged = {**{k: v for k, v in data.items() if k in fields}, **overrides}
        unknown = sorted(set(overrides) - fields)
        if unknown:
            raise ValueError(f"unknown data options {unknown}; known: {sorted(fields)}")
        return cls(**merged)


def read_meta(directory: str | os.PathLike[str]) -> dict[str, Any]:
    """``meta.json`` of a dataset directory, checked."""
    path = Path(directory) / META_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"{directory} is not a pre-training dataset (no {META_FILE}); make one with "
            "`albert prepare-pretraining-data`"
        )
    meta = json.loads(path.read_text(encoding="utf-8"))
    if meta.get("format") != DATA_FORMAT or meta.get("version") != DATA_VERSION:
        raise ValueError(f"{path} is not {DATA_FORMAT} version {DATA_VERSION}")
    return meta
