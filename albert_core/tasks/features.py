"""What every task reader returns (:class:`TaskFeatures`) and the encoding steps they share.

A task's features are numpy arrays keyed by the model's argument names (``input_ids``,
``attention_mask``, ``token_type_ids`` as int64, and ``labels`` in the dtype the head's loss
takes, see :data:`albert_core.heads.LossKind`), plus what a fine-tuning run must store in
the saved config (the label names and the problem type, :meth:`TaskFeatures.config_updates`).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from albert_core.tasks.files import DataFormatError
from albert_core.tokenizers.base import AlbertTokenizerBase

#: The ``max_length`` of the task readers unless told otherwise (as transformers' scripts).
DEFAULT_MAX_LENGTH = 128

#: What ``padding`` may be: every row padded to ``max_length``, or to the longest row.
PADDINGS = ("max_length", "longest")

#: The model inputs every task gives, in this order.
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")


@dataclasses.dataclass
class TaskFeatures:
    """Numpy features of one split of a task, and what the model's config must say.

    Attributes:
        head: the head they are for (a key of :data:`albert_core.heads.HEADS`).
        arrays: the model's keyword arguments: ``input_ids``, ``attention_mask``,
            ``token_type_ids`` (int64, ``[examples, seq]``, or ``[examples, choices, seq]``
            for multiple choice) and ``labels`` when the data has them.
        id2label: the label names by id, for the heads with classes (None otherwise).
        problem_type: ``"regression"``, ``"single_label_classification"`` or
            ``"multi_label_classification"`` for sequence classification, else None.
        extras: per-example arrays that are not model inputs (e.g. ``word_ids``).
        truncated: how many rows were cut to ``max_length`` (choices, for multiple choice).
        source: what the examples were read from.
    """

    head: str
    arrays: dict[str, np.ndarray]
    id2label: dict[int, str] | None = None
    problem_type: str | None = None
    extras: dict[str, np.ndarray] = dataclasses.field(default_factory=dict)
    truncated: int = 0
    source: str = ""

    def __len__(self) -> int:
        return int(self.arrays["input_ids"].shape[0])

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays[name]

    @property
    def label2id(self) -> dict[str, int] | None:
        """The inverse of :attr:`id2label`."""
        if self.id2label is None:
            return None
        return {name: index for index, name in self.id2label.items()}

    @property
    def num_labels(self) -> int | None:
        """The classifier width these labels need (None for heads without classes)."""
        return None if self.id2label is None else len(self.id2label)

    def config_updates(self) -> dict[str, Any]:
        """The config fields a model fine-tuned on these features must carry, for
        :meth:`AlbertConfig.copy <albert_core.config.AlbertConfig.copy>`."""
        out: dict[str, Any] = {}
        if self.id2label is not None:
            out["id2label"] = dict(self.id2label)
            out["label2id"] = self.label2id
        if self.problem_type is not None:
            out["problem_type"] = self.problem_type
        return out


def load_tokenizer(tokenizer: AlbertTokenizerBase | str | os.PathLike[str]) -> AlbertTokenizerBase:
    """A tokenizer as given, or the fast tokenizer of a model directory or name."""
    if isinstance(tokenizer, AlbertTokenizerBase):
        return tokenizer
    from albert_core.tokenizers.fast import AlbertTokenizerFast

    return AlbertTokenizerFast.from_pretrained(tokenizer)


def check_options(max_length: int, padding: str) -> None:
    """``max_length`` must leave room for a token; ``padding`` one of :data:`PADDINGS`."""
    if not isinstance(max_length, int) or max_length < 4:
        raise ValueError(f"max_length must be an integer of at least 4, got {max_length!r}")
    if padding not in PADDINGS:
        raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")


def encode_pairs(
    tokenizer: AlbertTokenizerBase,
    firsts: Sequence[str],
    seconds: Sequence[str] | None,
    *,
    max_length: int,
    padding: str,
    truncation: bool | str,
) -> tuple[dict[str, np.ndarray], int]:
    """Tokenize texts (or pairs) into padded int64 model inputs; also the truncated count.

    Each row is tokenized once; only rows longer than ``max_length`` are tokenized again
    with ``truncation`` (a tokenizer strategy, True meaning ``"longest_first"``). Without
    truncation, a row longer than ``max_length`` is an error.
    """
    encoded = tokenizer(list(firsts), None if seconds is None else list(seconds),
                        return_attention_mask=False)
    rows = {key: list(encoded[key]) for key in ("input_ids", "token_type_ids")}
    long = [i for i, ids in enumerate(rows["input_ids"]) if len(ids) > max_length]
    if long and not truncation:
        raise ValueError(
            f"example {long[0] + 1} has {len(rows['input_ids'][long[0]])} tokens, more than "
            f"max_length={max_length}; pass truncation=True"
        )
    if long:
        cut = tokenizer([firsts[i] for i in long],
                        None if seconds is None else [seconds[i] for i in long],
                        truncation="longest_first" if truncation is True else truncation,
                        max_length=max_length, return_attention_mask=False)
        for j, i in enumerate(long):
            for key in rows:
                rows[key][i] = cut[key][j]
    return pad_rows(rows["input_ids"], rows["token_type_ids"], tokenizer.pad_token_id,
                    max_length if padding == "max_length" else None), len(long)


def pad_rows(
    input_ids: Sequence[Sequence[int]],
    token_type_ids: Sequence[Sequence[int]] | None,
    pad_id: int,
    width: int | None,
    labels: Sequence[Sequence[int]] | None = None,
    label_pad: int = -100,
) -> dict[str, np.ndarray]:
    """Right-pad rows of ids into ``[rows, width]`` int64 arrays (``width`` None: the
    longest row). ``labels`` rows, when given, are padded with ``label_pad``."""
    width = width if width is not None else max((len(r) for r in input_ids), default=0)
    count = len(input_ids)
    ids = np.full((count, width), pad_id, dtype=np.int64)
    mask = np.zeros((count, width), dtype=np.int64)
    types = np.zeros((count, width), dtype=np.int64)
    out_labels = np.full((count, width), label_pad, dtype=np.int64)
    for i, row in enumerate(input_ids):
        n = len(row)
        ids[i, :n] = row
        mask[i, :n] = 1
        if token_type_ids is not None:
            types[i, :n] = token_type_ids[i]
        if labels is not None:
            out_labels[i, :n] = labels[i]
    arrays = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
    if labels is not None:
        arrays["labels"] = out_labels
    return arrays


def fixed_label_ids(
    label2id: Mapping[str, int] | None, label_names: Sequence[str] | None
) -> dict[str, int] | None:
    """The label ids fixed by a model (``label2id``) or a label list, checked; else None."""
    if label2id is not None and label_names is not None:
        raise ValueError("pass label2id or label_names, not both")
    if label_names is not None:
        names = [str(n) for n in label_names]
        if len(set(names)) != len(names):
            raise ValueError(f"label_names repeats a name: {names}")
        return {name: i for i, name in enumerate(names)}
    if label2id is None:
        return None
    ids = sorted(int(v) for v in label2id.values())
    if ids != list(range(len(ids))):
        raise ValueError(f"label2id ids must be 0..{len(ids) - 1}, got {ids}")
    return {str(k): int(v) for k, v in label2id.items()}


def unknown_label(where: str, label: Any, known: Mapping[str, int]) -> DataFormatError:
    """The error for a label the model does not know: it, and the labels it knows."""
    names = sorted(known, key=known.__getitem__)
    return DataFormatError(f"{where}: label {label!r} is not one the model knows: {names}")
