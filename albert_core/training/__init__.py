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

Everything here is numpy and the standard library; the framework adapters of
:class:`~albert_core.training.batches.BatchStream` are
``albert_pt.pretraining.PretrainingIterableDataset``, ``albert_tf.pretraining.tf_dataset``
and ``albert_flax.pretraining.numpy_batches``.

Rooms: :mod:`~albert_core.training.corpus` (step 1), :mod:`~albert_core.training.pairs`
(step 2), :mod:`~albert_core.training.prepare` and :mod:`~albert_core.training.data_config`
(step 3), :mod:`~albert_core.training.masking`, :mod:`~albert_core.training.dataset` and
:mod:`~albert_core.training.batches` (step 4), :mod:`~albert_core.training.vocab` (word
starts), and :mod:`~albert_core.training.loop`, the pre-training loop every backend shares.
"""

from __future__ import annotations

from albert_core.training.batches import BatchStream, dataset_statistics, stream_batches
from albert_core.training.corpus import open_binary, read_documents, split_sentences
from albert_core.training.data_config import DataConfig, read_meta
from albert_core.training.dataset import BatchIterator, PretrainingData
from albert_core.training.loop import FrameworkTrainer, PretrainingArguments, run_pretraining
from albert_core.training.masking import (
    MaskedExample,
    collate,
    mask_example,
    ngram_weights,
    sample_ngram_length,
    whole_words,
)
from albert_core.training.pairs import create_segment_pairs
from albert_core.training.prepare import prepare_pretraining_data
from albert_core.training.vocab import VocabInfo, is_word_start_piece, load_tokenizer

__all__ = [
    "BatchIterator",
    "BatchStream",
    "DataConfig",
    "FrameworkTrainer",
    "MaskedExample",
    "PretrainingArguments",
    "PretrainingData",
    "VocabInfo",
    "collate",
    "create_segment_pairs",
    "dataset_statistics",
    "is_word_start_piece",
    "load_tokenizer",
    "mask_example",
    "ngram_weights",
    "open_binary",
    "prepare_pretraining_data",
    "read_documents",
    "read_meta",
    "run_pretraining",
    "sample_ngram_length",
    "split_sentences",
    "stream_batches",
    "whole_words",
]
