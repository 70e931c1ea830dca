"""Answer spans of one window, shared by QA post-processing and the question-answering pipeline.

Numpy only, and free of the rest of the package, so that both may import it.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np


def rank_spans(scores: np.ndarray, max_answer_length: int,
               starts: np.ndarray | None = None) -> Iterator[tuple[int, int]]:
    """``(i, j)`` token spans of a window, best ``scores[i, j]`` first.

    ``scores`` is square over the window's context tokens; a span has ``i <= j <
    i + max_answer_length``, and ``starts`` (bool per token, optional) says where one may
    start. Ties keep the earlier span first.
    """
    n = scores.shape[0]
    band = np.triu(np.tril(np.ones((n, n), dtype=bool), max_answer_length - 1))
    if starts is not None:
        band &= np.asarray(starts, dtype=bool)[:, None]
    candidates = np.flatnonzero(band)
    for flat in candidates[np.argsort(-scores.flat[candidates], kind="stable")]:
        yield divmod(int(flat), n)


def strip_span(context: str, start: int, end: int) -> tuple[int, int]:
    """``(start, end)`` moved past leading whitespace: tokenizers whose offsets include the
    space before a word (as transformers' do) then give the same answer as those that do not.
    """
    while start < end and context[start].isspace():
        start += 1
    return start, end
