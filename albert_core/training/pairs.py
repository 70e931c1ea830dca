"""Segment pairs: a document's sentences packed into ``A [SEP] B`` pairs with an order label."""

from __future__ import annotations

import random
from collections.abc import Sequence

from albert_core.training.data_config import DataConfig
from albert_core.training.vocab import VocabInfo


def _truncate_pair(a: list[int], b: list[int], max_tokens: int, rng: random.Random) -> None:
    """Shorten the longer of ``a``/``b`` from a random end until both fit ``max_tokens``."""
    while len(a) + len(b) > max_tokens:
        longer = a if len(a) > len(b) else b
        if rng.random() < 0.5:
            del longer[0]
        else:
            longer.pop()


def _word_boundaries(tokens: Sequence[int], vocab: VocabInfo) -> list[int]:
    """Positions ``1..len-1`` where a new word starts."""
    return [i for i in range(1, len(tokens)) if vocab.word_start[tokens[i]]]


def create_segment_pairs(
    document: Sequence[Sequence[int]],
    config: DataConfig,
    rng: random.Random,
    vocab: VocabInfo,
) -> list[tuple[list[int], list[int], int]]:
    """Cut one tokenized document (a list of sentences' ids) into segment pairs.

    Returns ``(tokens_a, tokens_b, sentence_order_label)`` triples (label 1: swapped) whose
    lengths add up to at most ``max_seq_length - 3``. See the module docstring.
    """
    max_tokens = config.max_seq_length - 3
    target = max_tokens
    if rng.random() < config.short_seq_prob:
        target = rng.randint(2, max_tokens)
    pairs: list[tuple[list[int], list[int], int]] = []
    chunk: list[Sequence[int]] = []
    length = 0
    for index, sentence in enumerate(document):
        if sentence:
            chunk.append(sentence)
            length += len(sentence)
        if not chunk or (index != len(document) - 1 and length < target):
            continue
        if len(chunk) >= 2:
            a_end = rng.randint(1, len(chunk) - 1)
            tokens_a = [t for s in chunk[:a_end] for t in s]
            tokens_b = [t for s in chunk[a_end:] for t in s]
        else:
            tokens = list(chunk[0])
            cuts = _word_boundaries(tokens, vocab) or list(range(1, len(tokens)))
            if not cuts:  # a single token cannot make a pair
                chunk, length = [], 0
                continue
            cut = rng.choice(cuts)
            tokens_a, tokens_b = tokens[:cut], tokens[cut:]
        label = 0
        if rng.random() < 0.5:
            tokens_a, tokens_b, label = tokens_b, tokens_a, 1
        _truncate_pair(tokens_a, tokens_b, max_tokens, rng)
        if tokens_a and tokens_b:
            pairs.append((tokens_a, tokens_b, label))
        chunk, length = [], 0
        target = max_tokens
        if rng.random() < config.short_seq_prob:
            target = rng.randint(2, max_tokens)
    return pairs
