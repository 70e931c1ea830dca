"""Question-answering features: ``[CLS] question [SEP] context window [SEP]`` rows with labels.

A context longer than a row is read in windows that share ``doc_stride`` tokens (the
``stride`` of transformers' ``run_qa``: the overlap, not the step), cut by
:func:`albert_core.pipelines.base.windows` exactly as the question-answering pipeline cuts
them. Only the context is windowed; the question is cut to ``max_query_length`` tokens, as
the original ``run_squad`` does. Every row keeps which example it reads
(``example_id``, ``overflow_to_sample_mapping``), the character span of the context each of
its tokens covers (``offset_mapping``, ``(-1, -1)`` on the question and special tokens) and
whether the row is the one where a token has the most context on both sides
(``token_is_max_context``), which post-processing needs to map predictions back.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from albert_core.pipelines.base import check_positive, windows
from albert_core.tasks.qa_examples import QAAnswer, QAExample

#: transformers' ``run_qa`` defaults.
MAX_LENGTH, DOC_STRIDE, MAX_QUERY_LENGTH = 384, 128, 64


@dataclass
class QAFeatures:
    """One row per context window, every array padded to ``max_length``.

    Attributes:
        input_ids, attention_mask, token_type_ids: int64 ``(rows, max_length)`` model inputs
            (token type 0 on ``[CLS] question [SEP]``, 1 on ``context [SEP]``).
        start_positions, end_positions: int64 ``(rows,)`` token labels of the first gold
            answer; 0 (the ``[CLS]`` position) when the window does not hold the whole
            answer or the question has none.
        overflow_to_sample_mapping: int64 ``(rows,)``: the index of the row's example.
        example_id: the id of the row's example, per row.
        offset_mapping: int64 ``(rows, max_length, 2)``: ``[start, end)`` characters of the
            context under each token; ``(-1, -1)`` elsewhere.
        token_is_max_context: bool ``(rows, max_length)``: the token is context and this row
            is the one that gives it the most context.
    """

    input_ids: np.ndarray
    attention_mask: np.ndarray
    token_type_ids: np.ndarray
    start_positions: np.ndarray
    end_positions: np.ndarray
    overflow_to_sample_mapping: np.ndarray
    example_id: list[str]
    offset_mapping: np.ndarray
    token_is_max_context: np.ndarray

    def __len__(self) -> int:
        return len(self.example_id)

    def model_inputs(self, *, labels: bool = True) -> dict[str, np.ndarray]:
        """The arrays a question-answering head takes (with its labels unless told not to)."""
        out = {"input_ids": self.input_ids, "attention_mask": self.attention_mask,
               "token_type_ids": self.token_type_ids}
        if labels:
            out |= {"start_positions": self.start_positions, "end_positions": self.end_positions}
        return out


def prepare_qa_features(examples: Iterable[QAExample], tokenizer: Any, *,
                        max_length: int = MAX_LENGTH, doc_stride: int | None = None,
                        max_query_length: int | None = None) -> QAFeatures:
    """Model rows (and labels) for question-answering examples.

    ``tokenizer`` is an :class:`~albert_core.AlbertTokenizerFast` (character offsets are
    needed). Questions longer than ``max_query_length`` tokens are cut, with one warning.
    Unset, ``max_query_length`` is the smaller of 64 and half of ``max_length``, and
    ``doc_stride`` the smaller of 128 and half of a row's context window (so 64 and 128 with
    the default ``max_length`` of 384, as in ``run_qa``), as the pipeline chooses them.

    Raises:
        ValueError: no examples, a tokenizer without offsets, or sizes that leave no room:
            ``max_query_length`` must be at most ``max_length - 4`` and ``doc_stride`` smaller
            than the context window of every row.
    """
    examples = list(examples)
    check_positive("max_length", max_length)
    if max_query_length is None:
        max_query_length = min(MAX_QUERY_LENGTH, max_length // 2)
    check_positive("max_query_length", max_query_length)
    if doc_stride is not None and (isinstance(doc_stride, bool)
                                   or not isinstance(doc_stride, int) or doc_stride < 0):
        raise ValueError(f"doc_stride must be an int >= 0, got {doc_stride!r}")
    if max_query_length > max_length - 4:
        raise ValueError(f"max_query_length={max_query_length} leaves no room for the context "
                         f"in max_length={max_length} tokens (at most {max_length - 4})")
    if not examples:
        raise ValueError("no question-answering examples to make features of")
    if not getattr(tokenizer, "supports_offsets", False):
        raise ValueError(f"question-answering features need character offsets, which "
                         f"{type(tokenizer).__name__} cannot give; use AlbertTokenizerFast")
    questions = _encode(tokenizer, [e.question for e in examples])
    contexts = _encode(tokenizer, [e.context for e in examples])
    cls, sep = tokenizer.cls_token_id, tokenizer.sep_token_id
    rows: list[tuple[list[int], int, list[tuple[int, int]], np.ndarray, int, int, int]] = []
    truncated = 0
    for index, (example, (q_ids, _), (c_ids, c_offsets)) in enumerate(
            zip(examples, questions, contexts, strict=True)):
        truncated += len(q_ids) > max_query_length
        q_ids = q_ids[:max_query_length]
        room = max_length - len(q_ids) - 3
        stride = min(DOC_STRIDE, room // 2) if doc_stride is None else doc_stride
        if stride >= room:
            raise ValueError(f"doc_stride={stride} must be smaller than the context window "
                             f"of {room} tokens (max_length={max_length} less the question of "
                             f"{example.id!r} and 3 special tokens)")
        spans = windows(len(c_ids), room, stride)
        best = _max_context_windows(spans, len(c_ids))
        answer = example.answers[0] if example.answers and not example.is_impossible else None
        first = len(q_ids) + 2
        for w, (a, b) in enumerate(spans):
            span = _label(c_offsets[a:b], answer)
            start, end = (first + span[0], first + span[1]) if span else (0, 0)
            rows.append(([cls, *q_ids, sep, *c_ids[a:b], sep], first, c_offsets[a:b],
                         best[a:b] == w, index, start, end))
    if truncated:
        warnings.warn(f"{truncated} questions longer than max_query_length={max_query_length} "
                      "tokens were cut", UserWarning, stacklevel=2)
    return _assemble(rows, examples, max_length, tokenizer.pad_token_id)


def _encode(tokenizer: Any, texts: list[str]) -> list[tuple[list[int], list[tuple[int, int]]]]:
    """Ids and character offsets of each text, without special tokens."""
    encoded = tokenizer(texts, add_special_tokens=False, return_offsets_mapping=True,
                        return_token_type_ids=False, return_attention_mask=False)
    return [(list(ids), [(int(a), int(b)) for a, b in offsets])
            for ids, offsets in zip(encoded["input_ids"], encoded["offset_mapping"], strict=True)]


def _max_context_windows(spans: list[tuple[int, int]], length: int) -> np.ndarray:
    """For every context token, the window where it has the most context (the first on ties).

    A token's context in a window is the smaller of its left and right neighbours there,
    plus a hundredth of the window's length, as in the original ``run_squad``.
    """
    position = np.arange(length)
    scores = np.full((len(spans), length), -np.inf)
    for w, (a, b) in enumerate(spans):
        inside = slice(a, b)
        scores[w, inside] = np.minimum(position[inside] - a, b - 1 - position[inside]) \
            + 0.01 * (b - a)
    return scores.argmax(axis=0) if length else position


def _label(offsets: list[tuple[int, int]], answer: QAAnswer | None) -> tuple[int, int] | None:
    """First and last of the window's tokens under ``answer``; None when the window does not
    hold all of it.

    A token covers ``answer.start`` if it starts at or before it (offsets that include the
    space before a word, or not, give the same token).
    """
    if answer is None or not offsets or offsets[0][0] > answer.start \
            or offsets[-1][1] < answer.end:
        return None
    start = max(i for i, (a, _) in enumerate(offsets) if a <= answer.start)
    end = min(i for i, (_, b) in enumerate(offsets) if b >= answer.end)
    return start, max(start, end)


def _assemble(rows: list, examples: list[QAExample], max_length: int, pad: int) -> QAFeatures:
    n = len(rows)
    input_ids = np.full((n, max_length), pad, dtype=np.int64)
    attention_mask = np.zeros((n, max_length), dtype=np.int64)
    token_type_ids = np.zeros((n, max_length), dtype=np.int64)
    offset_mapping = np.full((n, max_length, 2), -1, dtype=np.int64)
    max_context = np.zeros((n, max_length), dtype=bool)
    labels = np.zeros((n, 2), dtype=np.int64)
    sample = np.zeros(n, dtype=np.int64)
    for r, (ids, first, offsets, is_max, index, start, end) in enumerate(rows):
        input_ids[r, :len(ids)] = ids
        attention_mask[r, :len(ids)] = 1
        token_type_ids[r, first:len(ids)] = 1
        if offsets:
            offset_mapping[r, first:first + len(offsets)] = offsets
            max_context[r, first:first + len(offsets)] = is_max
        labels[r] = start, end
        sample[r] = index
    return QAFeatures(
        input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids,
        start_positions=labels[:, 0].copy(), end_positions=labels[:, 1].copy(),
        overflow_to_sample_mapping=sample, example_id=[examples[i].id for i in sample],
        offset_mapping=offset_mapping, token_is_max_context=max_context,
    )
