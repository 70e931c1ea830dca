"""ALBERT's n-gram masking of one example, and the stacking of masked examples into a batch."""

from __future__ import annotations

import bisect
import dataclasses
import random
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from albert_core.modeling_utils import IGNORE_INDEX
from albert_core.training.data_config import DataConfig
from albert_core.training.vocab import VocabInfo


@dataclasses.dataclass
class MaskedExample:
    """One example after masking.

    Attributes:
        input_ids: ``(max_seq_length,)`` ids with the replacements made.
        labels: ``(max_seq_length,)`` original ids at the predicted positions, -100 elsewhere.
        positions: ``(max_predictions,)`` predicted positions (ascending, zero-padded).
        label_ids: ``(max_predictions,)`` their original ids (zero-padded).
        weights: ``(max_predictions,)`` 1.0 for real predictions, 0.0 for padding.
        ngrams: the length ``n`` (in words) of each masked span, in the order chosen.
    """

    input_ids: np.ndarray
    labels: np.ndarray
    positions: np.ndarray
    label_ids: np.ndarray
    weights: np.ndarray
    ngrams: list[int] = dataclasses.field(default_factory=list)


def whole_words(input_ids: Sequence[int], length: int, vocab: VocabInfo) -> list[list[list[int]]]:
    """The words of an example as runs between special tokens.

    Returns one list per run of ordinary tokens (segment A, segment B); each run is a list
    of words, each word the list of its positions. A word starts at a word-start piece
    (:func:`is_word_start_piece`) or right after a special token.
    """
    specials = (vocab.cls_id, vocab.sep_id, vocab.pad_id)
    runs: list[list[list[int]]] = []
    run: list[list[int]] = []
    for i in range(length):
        token = int(input_ids[i])
        if token in specials:
            if run:
                runs.append(run)
                run = []
            continue
        if not run or vocab.word_start[token]:
            run.append([i])
        else:
            run[-1].append(i)
    if run:
        runs.append(run)
    return runs


def ngram_weights(max_ngram: int) -> np.ndarray:
    """``P(n) ∝ 1/n`` for ``n = 1..max_ngram``, normalised."""
    weights = 1.0 / np.arange(1, max_ngram + 1)
    return weights / weights.sum()


def sample_ngram_length(rng: random.Random, cumulative: Sequence[float], longest: int) -> int:
    """Draw ``n`` in ``1..longest`` with ``P(n) ∝ 1/n``; ``cumulative`` is the running sum
    of :func:`ngram_weights` (its first ``longest`` entries are used)."""
    draw = rng.random() * cumulative[longest - 1]
    return min(bisect.bisect_right(cumulative, draw) + 1, longest)


def mask_example(
    input_ids: np.ndarray,
    length: int,
    vocab: VocabInfo,
    config: DataConfig,
    rng: random.Random,
) -> MaskedExample:
    """ALBERT's n-gram masking of one example (see the module docstring).

    ``round(length * masked_lm_prob)`` tokens (at least 1, at most ``max_predictions``) are
    chosen as spans of ``n`` consecutive whole words of one segment, ``P(n) ∝ 1/n``. Spans
    are tried from shuffled start words; a span that would overshoot the budget is shortened,
    and skipped if even one word overshoots or it overlaps a chosen span.
    """
    runs = whole_words(input_ids, length, vocab)
    starts = [(r, w) for r, run in enumerate(runs) for w in range(len(run))]
    rng.shuffle(starts)
    budget = min(config.max_predictions, max(1, int(round(length * config.masked_lm_prob))))
    cumulative = np.cumsum(ngram_weights(config.max_ngram)).tolist()
    covered: set[int] = set()
    ngrams: list[int] = []
    for r, w in starts:
        if len(covered) >= budget:
            break
        run = runs[r]
        n = sample_ngram_length(rng, cumulative, min(config.max_ngram, len(run) - w))
        while n >= 1:
            span = [i for word in run[w:w + n] for i in word]
            if len(covered) + len(span) <= budget:
                break
            n -= 1
        if n < 1 or any(i in covered for i in span):
            continue
        covered.update(span)
        ngrams.append(n)
    positions = sorted(covered)
    masked = np.array(input_ids, dtype=np.int32, copy=True)
    labels = np.full(masked.shape, IGNORE_INDEX, dtype=np.int32)
    keep_limit = 1.0 - config.random_token_prob  # draws in [mask_token_prob, keep_limit) keep
    for i in positions:
        labels[i] = masked[i]
        draw = rng.random()
        if draw < config.mask_token_prob:
            masked[i] = vocab.mask_id
        elif draw >= keep_limit:
            masked[i] = vocab.random_ids[rng.randrange(len(vocab.random_ids))]
    width = config.max_predictions
    pos = np.zeros(width, np.int32)
    ids = np.zeros(width, np.int32)
    weights = np.zeros(width, np.float32)
    pos[: len(positions)] = positions
    ids[: len(positions)] = labels[positions]
    weights[: len(positions)] = 1.0
    return MaskedExample(masked, labels, pos, ids, weights, ngrams)


def collate(examples: Sequence[Mapping[str, Any]], pad_id: int) -> dict[str, np.ndarray]:
    """Stack masked examples into a batch of numpy arrays.

    Keys: ``input_ids``, ``attention_mask``, ``token_type_ids``, ``labels`` (-100 where not
    predicted), ``masked_lm_positions``, ``masked_lm_ids``, ``masked_lm_weights`` and
    ``sentence_order_label``. Integers are int32, weights float32.
    """
    input_ids = np.stack([e["masked"].input_ids for e in examples])
    lengths = np.array([e["length"] for e in examples])
    width = input_ids.shape[1]
    attention_mask = (np.arange(width)[None, :] < lengths[:, None]).astype(np.int32)
    input_ids = np.where(attention_mask == 1, input_ids, pad_id).astype(np.int32)
    return {
        "input_ids": input_ids,
        "attention_mask": attention_mask,
        "token_type_ids": np.stack([e["token_type_ids"] for e in examples]).astype(np.int32),
        "labels": np.stack([e["masked"].labels for e in examples]).astype(np.int32),
        "masked_lm_positions": np.stack([e["masked"].positions for e in examples]),
        "masked_lm_ids": np.stack([e["masked"].label_ids for e in examples]),
        "masked_lm_weights": np.stack([e["masked"].weights for e in examples]),
        "sentence_order_label": np.array(
            [e["sentence_order_label"] for e in examples], dtype=np.int32
        ),
    }
