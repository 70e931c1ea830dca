"""Question-answering post-processing: start/end logits of every window back to answer text.

For each example the spans of all its windows compete, scored by ``start_logit +
end_logit`` as transformers' ``run_qa`` scores them: a span lies in the context, is at
most ``max_answer_length`` tokens long, and starts on a token of the window that gives
that token the most context (the original ``run_squad`` rule, which keeps a span read in
two windows from counting twice). Every valid pair is ranked, so the n best are exact.
Answers are character spans of the original context; a span that starts on the space
before a word (tokenizers whose offsets include it) starts at the word.

With ``version_2`` (SQuAD v2.0) the null answer ``""`` competes, scored by ``[CLS]``'s
start and end logits (its lowest score over the windows); the prediction is ``""`` when
``null score - best span score > null_score_diff_threshold``, and that difference is the
example's null odds. An example with no span at all (an empty context) predicts ``""``,
its null odds being the null score.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from albert_core.io_utils import atomic_write_text, check_writable
from albert_core.pipelines.base import check_positive, softmax
from albert_core.tasks.qa_examples import QAExample
from albert_core.tasks.qa_features import QAFeatures
from albert_core.tasks.qa_spans import rank_spans, strip_span

#: transformers' ``run_qa`` defaults.
N_BEST_SIZE, MAX_ANSWER_LENGTH = 20, 30

#: The files :meth:`QAPredictions.save` writes (v2.0 adds the null odds).
PREDICTION_FILES = ("predictions.json", "nbest_predictions.json", "null_odds.json")


@dataclass
class QAPredictions:
    """Answers of a set of examples, in the shapes of ``run_qa``'s output files.

    Attributes:
        predictions: id -> answer text (``""``: no answer, SQuAD v2.0).
        nbest: id -> the n best candidates, best first, each ``{"text", "probability",
            "start_logit", "end_logit", "start", "end"}`` (``start`` / ``end``: characters of
            the context; the null answer has 0 / 0). ``probability`` is a softmax over the
            listed candidates' scores.
        null_odds: id -> null score minus the best span's score (SQuAD v2.0), else None.
    """

    predictions: dict[str, str]
    nbest: dict[str, list[dict[str, Any]]]
    null_odds: dict[str, float] | None = None

    def save(self, directory: str | os.PathLike[str], *, prefix: str | None = None,
             overwrite: bool = False) -> list[Path]:
        """Write ``predictions.json``, ``nbest_predictions.json`` and (v2.0)
        ``null_odds.json`` into ``directory`` (names start with ``{prefix}_`` when given).

        Each file is written atomically; nothing is written when one of them exists and
        ``overwrite`` is off. Returns the paths written.

        Raises:
            FileExistsError: a target exists and ``overwrite`` is False.
        """
        contents = [self.predictions, self.nbest]
        if self.null_odds is not None:
            contents.append(self.null_odds)
        names = [f"{prefix}_{name}" if prefix else name for name in PREDICTION_FILES]
        paths = [check_writable(Path(directory) / name, overwrite=overwrite)
                 for name in names[:len(contents)]]
        for path, content in zip(paths, contents, strict=True):
            atomic_write_text(path, json.dumps(content, indent=4) + "\n", overwrite=overwrite)
        return paths


def postprocess_qa_predictions(examples: Sequence[QAExample], features: QAFeatures,
                               start_logits: np.ndarray, end_logits: np.ndarray, *,
                               version_2: bool = False, n_best_size: int = N_BEST_SIZE,
                               max_answer_length: int = MAX_ANSWER_LENGTH,
                               null_score_diff_threshold: float = 0.0) -> QAPredictions:
    """Answers from a question-answering head's ``start_logits`` / ``end_logits``.

    ``features`` are the rows made from ``examples`` by
    :func:`~albert_core.tasks.qa_features.prepare_qa_features`; the logits have one row per
    feature row, as wide as the rows (or wider).

    Raises:
        ValueError: the logits do not fit the features, the features were not made from
            these examples, or a size is not a positive int.
    """
    check_positive("n_best_size", n_best_size)
    check_positive("max_answer_length", max_answer_length)
    starts = np.asarray(start_logits, dtype=np.float64)
    ends = np.asarray(end_logits, dtype=np.float64)
    width = features.input_ids.shape[1]
    for name, logits in (("start_logits", starts), ("end_logits", ends)):
        if logits.ndim != 2 or logits.shape[0] != len(features) or logits.shape[1] < width:
            raise ValueError(f"{name} of shape {logits.shape} do not fit {len(features)} "
                             f"feature rows of {width} tokens")
    examples = list(examples)
    rows_of: list[list[int]] = [[] for _ in examples]
    for row, index in enumerate(features.overflow_to_sample_mapping):
        if index >= len(examples) or examples[index].id != features.example_id[row]:
            raise ValueError(f"feature row {row} reads example {features.example_id[row]!r}, "
                             "which is not at its place in examples: make the features of "
                             "these examples")
        rows_of[index].append(row)
    for example, rows in zip(examples, rows_of, strict=True):
        if not rows:
            raise ValueError(f"example {example.id!r} has no feature rows: make the features "
                             "of these examples")
    out = QAPredictions({}, {}, {} if version_2 else None)
    for example, rows in zip(examples, rows_of, strict=True):
        spans: dict[tuple[int, int], tuple[float, float, float]] = {}
        null: tuple[float, float, float] | None = None
        for row in rows:
            s, e = starts[row, :width], ends[row, :width]
            if null is None or s[0] + e[0] < null[0]:
                null = (s[0] + e[0], s[0], e[0])
            _window_spans(example.context, s, e, features.offset_mapping[row],
                          features.token_is_max_context[row], n_best_size, max_answer_length,
                          spans)
        candidates = [{"text": example.context[a:b], "start": a, "end": b, "score": score,
                       "start_logit": sl, "end_logit": el}
                      for (a, b), (score, sl, el) in spans.items()]
        empty = None
        if version_2 and null is not None:
            empty = {"text": "", "start": 0, "end": 0, "score": null[0],
                     "start_logit": null[1], "end_logit": null[2]}
            candidates.append(empty)
        candidates.sort(key=lambda c: -c["score"])
        best = candidates[:n_best_size]
        if empty is not None and all(c is not empty for c in best):
            best.append(empty)
        out.predictions[example.id], out.nbest[example.id] = _answer(
            best, version_2, null_score_diff_threshold, out.null_odds, example.id)
    return out


def _window_spans(context: str, s: np.ndarray, e: np.ndarray, offsets: np.ndarray,
                  is_max: np.ndarray, n_best: int, max_answer_length: int,
                  spans: dict[tuple[int, int], tuple[float, float, float]]) -> None:
    """Add the window's ``n_best`` best character spans to ``spans`` (the best score kept)."""
    context_tokens = np.flatnonzero(offsets[:, 0] >= 0)
    if not context_tokens.size:
        return
    ss, ee = s[context_tokens], e[context_tokens]
    scores = ss[:, None] + ee[None, :]
    taken = 0
    for i, j in rank_spans(scores, max_answer_length, is_max[context_tokens]):
        a, b = strip_span(context, int(offsets[context_tokens[i], 0]),
                          int(offsets[context_tokens[j], 1]))
        if a == b:
            continue
        score = float(scores[i, j])
        if (a, b) not in spans or spans[a, b][0] < score:
            spans[a, b] = (score, float(ss[i]), float(ee[j]))
        taken += 1
        if taken == n_best:
            break


def _answer(best: list[dict[str, Any]], version_2: bool, threshold: float,
            null_odds: dict[str, float] | None, qid: str) -> tuple[str, list[dict[str, Any]]]:
    """The prediction and the n-best list (with probabilities) of one example."""
    probabilities = softmax(np.array([c.pop("score") for c in best])) if best else []
    nbest = [{"text": c["text"], "probability": float(p), "start_logit": c["start_logit"],
              "end_logit": c["end_logit"], "start": c["start"], "end": c["end"]}
             for c, p in zip(best, probabilities, strict=True)]
    spans = [c for c in nbest if c["text"]]
    if not version_2:
        return (spans[0]["text"] if spans else ""), nbest
    nulls = [c for c in nbest if not c["text"]]
    null_score = nulls[0]["start_logit"] + nulls[0]["end_logit"] if nulls else 0.0
    span_score = spans[0]["start_logit"] + spans[0]["end_logit"] if spans else 0.0
    diff = null_score - span_score
    null_odds[qid] = diff
    return ("" if not spans or diff > threshold else spans[0]["text"]), nbest
