"""Writing prepared data: a corpus -> segment pairs -> ``.npz`` shards + ``meta.json``."""

from __future__ import annotations

import json
import os
import random
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from albert_core.io_utils import atomic_open, atomic_write_text
from albert_core.tokenizers.base import AlbertTokenizerBase
from albert_core.training.corpus import read_documents
from albert_core.training.data_config import (
    DATA_FORMAT,
    DATA_VERSION,
    META_FILE,
    SPLITS,
    TOKENIZER_DIR,
    DataConfig,
)
from albert_core.training.pairs import create_segment_pairs
from albert_core.training.vocab import VocabInfo, load_tokenizer


class _ShardWriter:
    """Collects examples of one split and writes them as numbered ``.npz`` shards."""

    def __init__(self, directory: Path, split: str, config: DataConfig, vocab: VocabInfo) -> None:
        self.directory = directory
        self.split = split
        self.config = config
        self.cls_id, self.sep_id = vocab.cls_id, vocab.sep_id
        self.id_dtype = np.uint16 if vocab.vocab_size <= np.iinfo(np.uint16).max + 1 else np.int32
        self.buffer: list[tuple[list[int], list[int], int]] = []
        self.shards: list[str] = []
        self.counts: list[int] = []
        self.tokens = 0
        self.labels = [0, 0]

    def add(self, pair: tuple[list[int], list[int], int]) -> None:
        self.buffer.append(pair)
        if len(self.buffer) >= self.config.shard_size:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        n, width = len(self.buffer), self.config.max_seq_length
        input_ids = np.zeros((n, width), self.id_dtype)
        token_type_ids = np.zeros((n, width), np.uint8)
        lengths = np.zeros(n, np.int32)
        order = np.zeros(n, np.uint8)
        for row, (a, b, label) in enumerate(self.buffer):
            ids = [self.cls_id, *a, self.sep_id, *b, self.sep_id]
            input_ids[row, : len(ids)] = ids
            token_type_ids[row, len(a) + 2 : len(ids)] = 1
            lengths[row] = len(ids)
            order[row] = label
            self.labels[label] += 1
        self.tokens += int(lengths.sum())
        name = f"{self.split}-{len(self.shards):05d}.npz"
        with atomic_open(self.directory / name, "wb", overwrite=True) as handle:
            np.savez(handle, input_ids=input_ids, token_type_ids=token_type_ids,
                     lengths=lengths, sentence_order_label=order)
        self.shards.append(name)
        self.counts.append(n)
        self.buffer = []

    def summary(self) -> dict[str, Any]:
        return {
            "shards": self.shards,
            "counts": self.counts,
            "examples": int(sum(self.counts)),
            "tokens": self.tokens,
            "sentence_order_labels": self.labels,
        }


def _tokenize_sentences(tokenizer: AlbertTokenizerBase, sentences: list[str]) -> list[list[int]]:
    """Ids of each sentence, without special tokens."""
    return [
        tokenizer.convert_tokens_to_ids(tokenizer.tokenize(sentence)) for sentence in sentences
    ]


def prepare_pretraining_data(
    inputs: Sequence[str | os.PathLike[str]],
    tokenizer: str | os.PathLike[str] | AlbertTokenizerBase,
    out_dir: str | os.PathLike[str],
    config: DataConfig | None = None,
    *,
    progress: bool = True,
    overwrite: bool = False,
    sources: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Turn text files into pre-training shards in ``out_dir``; return ``meta.json``'s dict.

    Args:
        inputs: text files (``.txt``, ``.gz``): blank lines between documents.
        tokenizer: an ALBERT tokenizer or its directory / ``.model`` file; it is copied into
            ``out_dir/tokenizer`` so that training and the saved model use the same one.
        out_dir: where ``meta.json``, the shards and the tokenizer go.
        config: pair construction and masking options (stored in ``meta.json``).
        progress: show a tqdm progress bar (bytes read) on stderr.
        overwrite: replace an existing dataset in ``out_dir``.
        sources: optional records about the corpus (name, licence, ...) kept in the metadata.

    The result depends only on the inputs, the tokenizer and ``config`` (the seed included).
    """
    config = config or DataConfig()
    tok = load_tokenizer(tokenizer)
    vocab = VocabInfo.from_tokenizer(tok)
    out = Path(out_dir)
    if (out / META_FILE).exists() and not overwrite:
        raise FileExistsError(f"{out} already holds pre-training data; pass overwrite=True")
    out.mkdir(parents=True, exist_ok=True)
    for old in list(out.glob("train-*.npz")) + list(out.glob("heldout-*.npz")):
        old.unlink()
    (out / META_FILE).unlink(missing_ok=True)
    tok.save_pretrained(out / TOKENIZER_DIR)
    paths = [Path(p) for p in inputs]
    if not paths:
        raise ValueError("no input files")
    writers = {split: _ShardWriter(out, split, config, vocab) for split in SPLITS}
    total_bytes = sum(p.stat().st_size for p in paths if p.is_file()) * config.dupe_factor
    documents = {split: 0 for split in SPLITS}
    bar = _progress_bar(total_bytes, "preparing data", progress, unit="B")
    try:
        for dupe in range(config.dupe_factor):
            split_rng = random.Random(f"{config.seed}:split")
            pair_rng = random.Random(f"{config.seed}:pairs:{dupe}")
            for document in read_documents(paths, bar):
                split = "heldout" if split_rng.random() < config.heldout_fraction else "train"
                if split == "heldout" and dupe > 0:
                    continue
                ids = _tokenize_sentences(tok, document)
                pairs = create_segment_pairs(ids, config, pair_rng, vocab)
                if dupe == 0:
                    documents[split] += 1
                for pair in pairs:
                    writers[split].add(pair)
    finally:
        if bar is not None:
            bar.close()
    for writer in writers.values():
        writer.flush()
    if not writers["train"].counts:
        raise ValueError(f"no training examples could be made from {[str(p) for p in paths]}")
    meta = {
        "format": DATA_FORMAT,
        "version": DATA_VERSION,
        "config": config.to_dict(),
        "vocab_size": vocab.vocab_size,
        "tokenizer": TOKENIZER_DIR,
        "inputs": [{"name": p.name, "bytes": p.stat().st_size} for p in paths],
        "sources": [dict(s) for s in sources or ()],
        "documents": documents,
        "splits": {split: writer.summary() for split, writer in writers.items()},
    }
    atomic_write_text(out / META_FILE, json.dumps(meta, indent=2) + "\n", overwrite=True)
    return meta


def _progress_bar(total: int, desc: str, enabled: bool, unit: str = "it") -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, unit_scale=unit == "B", dynamic_ncols=True)
