"""question-answering: the span of a context that answers a question (extractive QA)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from albert_core.backend import Backend
from albert_core.config import AlbertConfig
from albert_core.pipelines.base import (
    Pipeline,
    PipelineError,
    check_positive,
    softmax,
    windows,
)
from albert_core.tasks.qa_spans import rank_spans

#: One input: ``{"question", "context"}`` or a ``(question, context)`` tuple.
QAInput = Mapping[str, str] | tuple[str, str]


class QuestionAnsweringPipeline(Pipeline):
    """Find the answer to a question as a span of a context.

    Call it as ``qa(question=..., context=...)`` (lists allowed: a list of questions with one
    context asks them all of it), or with ``{"question", "context"}`` dicts or
    ``(question, context)`` tuples, one or a list. Each question gives a list of
    ``{"score", "start", "end", "answer"}`` dicts, best first: ``answer`` is
    ``context[start:end]``, and ``score`` is ``p_start * p_end`` of the span, the two
    probabilities coming from a softmax over the context tokens (and ``[CLS]``) of the window
    the span was read in. One question returns its list, several a list of lists.

    Each model row is ``[CLS] question [SEP] context window [SEP]``. A context that does not
    fit is read in windows of ``max_seq_len`` tokens that share ``doc_stride`` tokens; spans
    of every window compete, and a span seen in two windows keeps its best score. Spans are
    at most ``max_answer_len`` tokens long and never leave the context. With
    ``handle_impossible_answer`` the empty answer (``""``, start = end = 0, scored by
    ``[CLS]``, its lowest score over the windows) competes too.

    The constructor also takes the arguments of
    :class:`~albert_core.pipelines.base.Pipeline`; build pipelines with
    :func:`albert_core.pipelines.pipeline`.

    Args:
        top_k: answers per question (default 1).
        max_answer_len: longest answer, in tokens (default 15).
        max_seq_len: tokens per model row (default the smaller of 384 and the model's limit).
        doc_stride: tokens shared by consecutive context windows (default the smaller of 128
            and half a window).
        max_question_len: questions are truncated to this many tokens, with a warning
            (default the smaller of 64 and half of ``max_seq_len``).
        handle_impossible_answer: let the empty answer compete (default False).
    """

    task = "question-answering"

    def __init__(self, model: Any, tokenizer: Any, backend: Backend, config: AlbertConfig,
                 *, framework: str = "pt", batch_size: int = 8, top_k: int = 1,
                 max_answer_len: int = 15, max_seq_len: int | None = None,
                 doc_stride: int | None = None, max_question_len: int | None = None,
                 handle_impossible_answer: bool = False) -> None:
        super().__init__(model, tokenizer, backend, config, framework=framework,
                         batch_size=batch_size)
        self.top_k = top_k
        self.max_answer_len = max_answer_len
        self.max_seq_len = max_seq_len
        self.doc_stride = doc_stride
        self.max_question_len = max_question_len
        self.handle_impossible_answer = handle_impossible_answer
        self._settings({})

    def _settings(self, overrides: Mapping[str, Any]) -> dict[str, Any]:
        names = ("top_k", "max_answer_len", "max_seq_len", "doc_stride", "max_question_len",
                 "handle_impossible_answer")
        s = {n: getattr(self, n) if overrides.get(n) is None else overrides[n] for n in names}
        for name in ("top_k", "max_answer_len"):
            check_positive(name, s[name])
        check_positive("max_seq_len", s["max_seq_len"], allow_none=True)
        check_positive("max_question_len", s["max_question_len"], allow_none=True)
        if s["doc_stride"] is not None and (isinstance(s["doc_stride"], bool)
                                            or not isinstance(s["doc_stride"], int)
                                            or s["doc_stride"] < 0):
            raise PipelineError(f"doc_stride must be an int >= 0, got {s['doc_stride']!r}")
        if s["max_seq_len"] is None:
            s["max_seq_len"] = min(384, self.max_length)
        if s["max_seq_len"] > self.max_length:
            raise PipelineError(f"max_seq_len={s['max_seq_len']} is more than the model's "
                                f"limit of {self.max_length} tokens")
        if s["max_question_len"] is None:
            s["max_question_len"] = min(64, s["max_seq_len"] // 2)
        if s["max_question_len"] > s["max_seq_len"] - 4:
            raise PipelineError(
                f"max_question_len={s['max_question_len']} leaves no room for the context "
                f"in max_seq_len={s['max_seq_len']} tokens (at most {s['max_seq_len'] - 4})"
            )
        return s

    def __call__(self, inputs: QAInput | Sequence[QAInput] | None = None, *,
                 question: str | Sequence[str] | None = None,
                 context: str | Sequence[str] | None = None, top_k: int | None = None,
                 max_answer_len: int | None = None, max_seq_len: int | None = None,
                 doc_stride: int | None = None, max_question_len: int | None = None,
                 handle_impossible_answer: bool | None = None,
                 batch_size: int | None = None) -> list:
        """Answer one question (returns its answer list) or several (a list of lists).

        The keyword settings override the pipeline's for this call (``batch_size``: model
        rows, i.e. context windows, per forward pass).
        """
        s = self._settings({
            "top_k": top_k, "max_answer_len": max_answer_len, "max_seq_len": max_seq_len,
            "doc_stride": doc_stride, "max_question_len": max_question_len,
            "handle_impossible_answer": handle_impossible_answer,
        })
        single, examples = self._examples(inputs, question, context)
        questions = self._tokenize([q for q, _ in examples])
        contexts = self._tokenize([c for _, c in examples], offsets=True)
        rows, plan = [], []
        for index, ((text, _), q, c) in enumerate(zip(examples, questions, contexts,
                                                      strict=True)):
            q_ids = q["input_ids"]
            if len(q_ids) > s["max_question_len"]:
                warnings.warn(f"question of {len(q_ids)} tokens truncated to "
                              f"max_question_len={s['max_question_len']}: {text[:40]!r}...",
                              UserWarning, stacklevel=2)
                q_ids = q_ids[:s["max_question_len"]]
            window = s["max_seq_len"] - len(q_ids) - 3
            overlap = s["doc_stride"]
            if overlap is None:
                overlap = min(128, window // 2)
            elif overlap >= window:
                raise PipelineError(f"doc_stride={overlap} must be smaller than the context "
                                    f"window of {window} tokens")
            for start, end in windows(len(c["input_ids"]), window, overlap):
                rows.append(self._row(q_ids, c["input_ids"][start:end]))
                plan.append((index, start, end, len(q_ids) + 2))
        found: list[dict[tuple[int, int], float]] = [{} for _ in examples]
        null = [np.inf] * len(examples)
        for (index, start, end, first), out in zip(plan, self._run(rows, batch_size), strict=True):
            offsets = contexts[index]["offset_mapping"][start:end]
            null[index] = min(null[index], self._window_spans(
                out["start_logits"], out["end_logits"], first, offsets, examples[index][1], s,
                found[index]))
        results = []
        for (_, text), spans, empty in zip(examples, found, null, strict=True):
            answers = [{"score": score, "start": a, "end": b, "answer": text[a:b]}
                       for (a, b), score in spans.items()]
            if s["handle_impossible_answer"] and np.isfinite(empty):
                answers.append({"score": float(empty), "start": 0, "end": 0, "answer": ""})
            answers.sort(key=lambda item: -item["score"])
            results.append(answers[:s["top_k"]])
        return results[0] if single else results

    def _examples(self, inputs: Any, question: Any,
                  context: Any) -> tuple[bool, list[tuple[str, str]]]:
        """``(single, [(question, context), ...])`` from any accepted input form."""
        if inputs is not None:
            if question is not None or context is not None:
                raise PipelineError("pass either inputs or question=/context=, not both")
            single = isinstance(inputs, (Mapping, tuple))
            examples = [self._example(item) for item in ([inputs] if single else inputs)]
        elif question is None or context is None:
            raise PipelineError("question-answering needs a question and a context")
        elif isinstance(question, str):
            if not isinstance(context, str):
                raise PipelineError("one question needs one context (a str)")
            single, examples = True, [(question, context)]
        else:
            questions = list(question)
            contexts = [context] * len(questions) if isinstance(context, str) else list(context)
            if len(contexts) != len(questions):
                raise PipelineError(f"got {len(questions)} questions and {len(contexts)} "
                                    "contexts; give one context, or one per question")
            single, examples = False, list(zip(questions, contexts, strict=True))
        for q, c in examples:
            self._check_text(q, "question")
            self._check_text(c, "context")
        return single, examples

    @staticmethod
    def _example(item: Any) -> tuple[str, str]:
        if isinstance(item, Mapping):
            if set(item) != {"question", "context"}:
                raise PipelineError("a question-answering input needs exactly the keys "
                                    f"'question' and 'context'; got {sorted(item)}")
            return item["question"], item["context"]
        if isinstance(item, tuple) and len(item) == 2:
            return item
        raise PipelineError("a question-answering input is a {'question', 'context'} dict or "
                            f"a (question, context) tuple, got {type(item).__name__}")

    @staticmethod
    def _window_spans(start_logits: np.ndarray, end_logits: np.ndarray, first: int,
                      offsets: list[tuple[int, int]], context: str, s: Mapping[str, Any],
                      found: dict[tuple[int, int], float]) -> float:
        """Add the window's best spans to ``found``; return its empty-answer score."""
        n = len(offsets)
        positions = np.concatenate([[0], np.arange(first, first + n)])
        p_start = softmax(start_logits[positions])
        p_end = softmax(end_logits[positions])
        scores = np.outer(p_start[1:], p_end[1:])
        taken: set[tuple[int, int]] = set()
        for i, j in rank_spans(scores, s["max_answer_len"]):
            if len(taken) == s["top_k"]:
                break
            span = (offsets[i][0], offsets[j][1])
            if span in taken:
                continue
            taken.add(span)
            score = float(scores[i, j])
            if score > found.get(span, -1.0):
                found[span] = score
        return float(p_start[0] * p_end[0])
