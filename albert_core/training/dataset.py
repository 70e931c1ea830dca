"""Reading prepared data: :class:`PretrainingData` (one split) and its :class:`BatchIterator`."""

from __future__ import annotations

import dataclasses
import os
import random
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from albert_core.training.data_config import (
    SPLITS,
    TOKENIZER_DIR,
    DataConfig,
    read_meta,
)
from albert_core.training.masking import collate, mask_example
from albert_core.training.vocab import VocabInfo, load_tokenizer


class PretrainingData:
    """One split of a dataset written by
    :func:`~albert_core.training.prepare.prepare_pretraining_data`.

    Shards are loaded on demand (at most ``cache_shards`` at a time), so a corpus larger
    than memory can be read. Masking options stored with the data can be overridden
    (``masked_lm_prob=0.2``, ...).

    Args:
        directory: the dataset directory.
        split: ``"train"`` or ``"heldout"``.
        cache_shards: shards kept in memory; also how many shards one shuffle mixes.
        **overrides: :class:`DataConfig` fields to change for masking.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        split: str = "train",
        *,
        cache_shards: int = 8,
        **overrides: Any,
    ) -> None:
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        self.directory = Path(directory)
        self.meta = read_meta(self.directory)
        self.split = split
        stored = DataConfig.from_dict(self.meta["config"])
        changed = {k: v for k, v in overrides.items() if v is not None}
        fixed = {"max_seq_length", "short_seq_prob", "dupe_factor", "heldout_fraction",
                 "shard_size", "seed"} & set(changed)
        if fixed:
            raise ValueError(f"{sorted(fixed)} are fixed when the data is prepared")
        self.config = dataclasses.replace(stored, **changed)
        info = self.meta["splits"][split]
        self.shards = [self.directory / name for name in info["shards"]]
        self.counts = [int(c) for c in info["counts"]]
        self.offsets = np.concatenate([[0], np.cumsum(self.counts)]).astype(np.int64)
        self.cache_shards = max(1, int(cache_shards))
        self._cache: OrderedDict[int, dict[str, np.ndarray]] = OrderedDict()
        self.tokenizer_dir = self.directory / self.meta.get("tokenizer", TOKENIZER_DIR)
        self.vocab = VocabInfo.from_tokenizer(load_tokenizer(self.tokenizer_dir))
        if self.vocab.vocab_size != self.meta["vocab_size"]:
            raise ValueError(
                f"{self.tokenizer_dir} has {self.vocab.vocab_size} ids but the data was made "
                f"with {self.meta['vocab_size']}"
            )

    def __len__(self) -> int:
        return int(self.offsets[-1])

    def shard(self, index: int) -> dict[str, np.ndarray]:
        """The arrays of shard ``index`` (cached)."""
        if index in self._cache:
            self._cache.move_to_end(index)
            return self._cache[index]
        with np.load(self.shards[index]) as data:
            arrays = {key: data[key] for key in data.files}
        self._cache[index] = arrays
        while len(self._cache) > self.cache_shards:
            self._cache.popitem(last=False)
        return arrays

    def example(self, row: int) -> dict[str, Any]:
        """The unmasked example ``row``: ``input_ids``, ``token_type_ids``, ``length``,
        ``sentence_order_label``."""
        if not 0 <= row < len(self):
            raise IndexError(f"row {row} out of range for {len(self)} examples")
        index = int(np.searchsorted(self.offsets, row, side="right") - 1)
        arrays = self.shard(index)
        local = row - int(self.offsets[index])
        return {
            "input_ids": arrays["input_ids"][local].astype(np.int32),
            "token_type_ids": arrays["token_type_ids"][local].astype(np.int32),
            "length": int(arrays["lengths"][local]),
            "sentence_order_label": int(arrays["sentence_order_label"][local]),
        }

    def epoch_order(self, epoch: int, seed: int, shuffle: bool = True) -> np.ndarray:
        """Global row ids in the order epoch ``epoch`` visits them.

        Shards are permuted, taken ``cache_shards`` at a time, and the rows of each such
        group are permuted together, so reading stays within the cached shards.
        """
        n = len(self)
        if not shuffle:
            return np.arange(n, dtype=np.int64)
        rng = np.random.default_rng([seed, epoch, 0x5EED])
        order = rng.permutation(len(self.shards))
        parts = []
        for start in range(0, len(order), self.cache_shards):
            group = order[start:start + self.cache_shards]
            rows = np.concatenate(
                [np.arange(self.offsets[g], self.offsets[g + 1]) for g in group]
            )
            parts.append(rows[rng.permutation(len(rows))])
        return np.concatenate(parts).astype(np.int64)

    def masked_example(self, row: int, epoch: int, seed: int) -> dict[str, Any]:
        """Example ``row`` masked as epoch ``epoch`` with ``seed`` masks it."""
        example = self.example(row)
        rng = random.Random(f"{seed}:{epoch}:{row}")
        masked = mask_example(example["input_ids"], example["length"], self.vocab,
                              self.config, rng)
        return {**example, "masked": masked}

    def batches(self, batch_size: int, **options: Any) -> BatchIterator:
        """A :class:`BatchIterator` over this split; ``options`` (``seed``, ``start``,
        ``shuffle``, ``drop_last``, ``epochs``) as there."""
        return BatchIterator(self, batch_size, **options)


class BatchIterator:
    """Masked numpy batches of a :class:`PretrainingData`, resumable at any batch.

    The stream is a sequence of epochs, each a permutation of the split (see
    :meth:`PretrainingData.epoch_order`); batches are consecutive slices of it, and may span
    two epochs. Example ``k`` of the stream depends only on ``(seed, k)``, so
    :meth:`state_dict` (the number of examples consumed) is all it takes to resume, and
    :meth:`batch` can build any batch directly (what data-loader workers use).

    Args:
        data: the split to read.
        batch_size: examples per batch.
        seed: seed of the shuffling and the masks.
        start: examples of the stream to skip (a resume position).
        shuffle: permute each epoch (False: file order, every epoch the same rows).
        drop_last: with ``epochs`` set, drop a last batch smaller than ``batch_size``.
        epochs: stop after this many epochs (None: never stop).
    """

    def __init__(
        self,
        data: PretrainingData,
        batch_size: int,
        *,
        seed: int = 0,
        start: int = 0,
        shuffle: bool = True,
        drop_last: bool = True,
        epochs: int | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        if len(data) == 0:
            raise ValueError(f"the {data.split} split of {data.directory} is empty")
        self.data = data
        self.batch_size = int(batch_size)
        self.seed = int(seed)
        self.position = int(start)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.epochs = epochs
        self._orders: OrderedDict[int, np.ndarray] = OrderedDict()

    def _order(self, epoch: int) -> np.ndarray:
        if epoch not in self._orders:
            self._orders[epoch] = self.data.epoch_order(epoch, self.seed, self.shuffle)
            while len(self._orders) > 2:
                self._orders.popitem(last=False)
        return self._orders[epoch]

    @property
    def epoch(self) -> float:
        """Epochs consumed so far (fractional)."""
        return self.position / len(self.data)

    def _end(self) -> int | None:
        return None if self.epochs is None else self.epochs * len(self.data)

    def examples(self, start: int, count: int) -> list[dict[str, Any]]:
        """Masked examples ``start .. start + count - 1`` of the stream."""
        n = len(self.data)
        out = []
        for k in range(start, start + count):
            epoch, index = divmod(k, n)
            row = int(self._order(epoch)[index])
            out.append(self.data.masked_example(row, epoch, self.seed))
        return out

    def batch(self, index: int) -> dict[str, np.ndarray]:
        """Batch ``index`` of the stream counted from position 0 (ignores ``epochs``)."""
        examples = self.examples(index * self.batch_size, self.batch_size)
        return collate(examples, self.data.vocab.pad_id)

    def __iter__(self) -> BatchIterator:
        return self

    def __next__(self) -> dict[str, np.ndarray]:
        size = self.batch_size
        end = self._end()
        if end is not None:
            left = end - self.position
            if left <= 0 or (self.drop_last and left < size):
                raise StopIteration
            size = min(size, left)
        examples = self.examples(self.position, size)
        self.position += size
        return collate(examples, self.data.vocab.pad_id)

    def state_dict(self) -> dict[str, int]:
        """The resume position: ``{"position": examples consumed, "seed": seed}``."""
        return {"position": self.position, "seed": self.seed}

    def load_state_dict(self, state: Mapping[str, int]) -> None:
        """Continue from a :meth:`state_dict`."""
        if int(state.get("seed", self.seed)) != self.seed:
            raise ValueError(
                f"the saved data position was made with seed {state['seed']}, not {self.seed}"
            )
        self.position = int(state["position"])
