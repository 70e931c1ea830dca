"""Masked batch streams of a prepared dataset, and their masking statistics."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import KW_ONLY, dataclass
from typing import Any

import numpy as np

from albert_core.modeling_utils import IGNORE_INDEX
from albert_core.training.dataset import PretrainingData
from albert_core.training.masking import collate, whole_words


@dataclass(eq=False)
class BatchStream:
    """Masked numpy batches of a prepared dataset: the stream every framework adapter wraps.

    Iterating yields the endless stream (``num_batches`` None) or its first ``num_batches``
    batches, keys as :func:`collate`; :meth:`batches` yields every ``every``-th of them.

    Args:
        directory: the dataset directory (made by ``albert prepare-pretraining-data``).
        batch_size: examples per batch.
        split: ``"train"`` or ``"heldout"``.
        seed: seed of the order and the masks.
        start: examples to skip (a resume position).
        num_batches: stop after this many batches (None: endless).
        shuffle: permute every epoch.
    """

    directory: str | os.PathLike[str]
    batch_size: int
    _: KW_ONLY
    split: str = "train"
    seed: int = 0
    start: int = 0
    num_batches: int | None = None
    shuffle: bool = True

    def batches(self, first: int = 0, every: int = 1) -> Iterator[dict[str, np.ndarray]]:
        """Batches ``first, first + every, ...`` of the stream (``every`` > 1 splits it
        between data-loader workers)."""
        data = PretrainingData(self.directory, self.split)
        iterator = data.batches(self.batch_size, seed=self.seed, shuffle=self.shuffle)
        index = first
        while self.num_batches is None or index < self.num_batches:
            examples = iterator.examples(self.start + index * self.batch_size, self.batch_size)
            yield collate(examples, data.vocab.pad_id)
            index += every

    def __iter__(self) -> Iterator[dict[str, np.ndarray]]:
        """Every batch of the stream."""
        return self.batches()


def stream_batches(directory: str | os.PathLike[str], batch_size: int, *, first: int = 0,
                   every: int = 1, **options: Any) -> Iterator[dict[str, np.ndarray]]:
    """Batches ``first, first + every, ...`` of ``BatchStream(directory, batch_size,
    **options)`` (``split``, ``seed``, ``start``, ``num_batches``, ``shuffle``)."""
    return BatchStream(directory, batch_size, **options).batches(first, every)


def dataset_statistics(data: PretrainingData, rows: Iterable[int], epoch: int = 0,
                       seed: int = 0) -> dict[str, float]:
    """Masking statistics over ``rows``: predicted share, 80/10/10 split, n-gram lengths.

    Returns ``masked_fraction`` (predicted / tokens), ``mask_share``, ``random_share``,
    ``keep_share`` (of the predicted tokens), ``sop_swapped`` (share of label 1) and
    ``ngram_1`` .. ``ngram_{max_ngram}`` (share of maximal masked word runs of each length;
    adjacent spans merge, so this is an upper bound on long spans).
    """
    tokens = predicted = masked = kept = 0
    swapped = count = 0
    runs = np.zeros(data.config.max_ngram + 2, np.int64)
    for row in rows:
        item = data.masked_example(row, epoch, seed)
        m = item["masked"]
        length = item["length"]
        original = item["input_ids"]
        sel = np.flatnonzero(m.labels != IGNORE_INDEX)
        tokens += length
        predicted += len(sel)
        masked += int(np.sum(m.input_ids[sel] == data.vocab.mask_id))
        kept += int(np.sum(m.input_ids[sel] == original[sel]))
        swapped += item["sentence_order_label"]
        count += 1
        chosen = set(sel.tolist())
        for run in whole_words(original, length, data.vocab):
            span = 0
            for word in run:
                if word[0] in chosen:
                    span += 1
                    continue
                if span:
                    runs[min(span, len(runs) - 1)] += 1
                span = 0
            if span:
                runs[min(span, len(runs) - 1)] += 1
    total_runs = max(1, int(runs.sum()))
    out = {
        "masked_fraction": predicted / max(1, tokens),
        "mask_share": masked / max(1, predicted),
        "keep_share": kept / max(1, predicted),
        "random_share": (predicted - masked - kept) / max(1, predicted),
        "sop_swapped": swapped / max(1, count),
    }
    for n in range(1, len(runs)):
        out[f"ngram_{n}"] = runs[n] / total_runs
    return out
