"""ALBERT pre-training, framework-neutral: raw text -> segment pairs -> shards -> masked batches.

The recipe is the ALBERT paper's (Lan et al., 2019) and its ``create_pretraining_data.py``:

1. **Documents and sentences.** Input files are read line by line (streamed, ``.gz`` too).
   A blank line ends a document; every other line is cut into sentences by
   :func:`~albert_core.training.corpus.split_sentences` (a line that already holds one
   sentence stays whole), so both the BERT convention (one sentence per line) and plain
   paragraphs work.
2. **Segment pairs.** Sentences of a document are packed into chunks that fill
   ``max_seq_length - 3`` tokens (with probability ``short_seq_prob`` a shorter random
   target length is used, so the model also sees short inputs). Each chunk is cut at a
   random sentence boundary into segments A and B; with probability 0.5 they are swapped
   (sentence-order prediction, label 1 = swapped, 0 = original order). A chunk of a single
   sentence is cut at a random word boundary instead (ALBERT's code would pair it with a
   random other document, which is next-sentence prediction, not order prediction). Pairs
   that are too long lose tokens from the front or the back of the longer segment.
3. **Shards.** :func:`~albert_core.training.prepare.prepare_pretraining_data` writes the
   unmasked pairs as ``.npz`` shards (``train-00000.npz``, ..., ``heldout-00000.npz``) plus
   ``meta.json`` and a copy of the tokenizer, streaming the corpus with a progress bar. Whole
   documents go to the held-out split with probability ``heldout_fraction``.
4. **Masking, at batch time.** :class:`~albert_core.training.dataset.BatchIterator` masks each
   example when its batch is built, with a generator seeded from ``(seed, epoch, example)``:
   every epoch sees new masks (as in RoBERTa) and any position can be rebuilt exactly, which
   is what resuming training needs. The masking is ALBERT's n-gram masking:
   ``masked_lm_prob`` (15%) of the tokens, in spans of ``n`` whole words with
   ``P(n) ∝ 1/n`` for ``n <= max_ngram`` (3); each selected token becomes ``[MASK]`` (80%),
   stays (10%) or becomes a random token (10%). Words are found on sentencepiece boundaries
   (:func:`~albert_core.training.vocab.is_word_start_piece`).

Everything here is numpy and the standard library; the framework adapters are
``albert_pt.pretraining.PretrainingIterableDataset``, ``albert_tf.pretraining.tf_dataset``
and ``albert_flax.pretraining.numpy_batches``.

Rooms: :mod:`~albert_core.training.corpus` (step 1), :mod:`~albert_core.training.pairs`
(step 2), :mod:`~albert_core.training.prepare` and :mod:`~albert_core.training.data_config`
(step 3), :mod:`~albert_core.training.masking`, :mod:`~albert_core.training.dataset` and
:mod:`~albert_core.training.batches` (step 4), :mod:`~albert_core.training.vocab` (word
starts), and :mod:`~albert_core.training.loop`, the pre-training loop every backend shares.
The names below are loaded on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "DataConfig": "albert_core.training.data_config",
    "read_meta": "albert_core.training.data_config",
    "open_binary": "albert_core.training.corpus",
    "read_documents": "albert_core.training.corpus",
    "split_sentences": "albert_core.training.corpus",
    "VocabInfo": "albert_core.training.vocab",
    "is_word_start_piece": "albert_core.training.vocab",
    "load_tokenizer": "albert_core.training.vocab",
    "create_segment_pairs": "albert_core.training.pairs",
    "MaskedExample": "albert_core.training.masking",
    "collate": "albert_core.training.masking",
    "mask_example": "albert_core.training.masking",
    "ngram_weights": "albert_core.training.masking",
    "sample_ngram_length": "albert_core.training.masking",
    "whole_words": "albert_core.training.masking",
    "prepare_pretraining_data": "albert_core.training.prepare",
    "BatchIterator": "albert_core.training.dataset",
    "PretrainingData": "albert_core.training.dataset",
    "dataset_statistics": "albert_core.training.batches",
    "stream_batches": "albert_core.training.batches",
    "FrameworkTrainer": "albert_core.training.loop",
    "PretrainingArguments": "albert_core.training.loop",
    "run_pretraining": "albert_core.training.loop",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
