"""Question-answering examples read from SQuAD files: nested v1.1 / v2.0 and flat records.

Two layouts are read into one :class:`QAExample` type:

- the official SQuAD layout, ``{"data": [{"title", "paragraphs": [{"context", "qas": [{"id",
  "question", "answers": [{"text", "answer_start"}], "is_impossible", "plausible_answers"}]}]}]}``
  (v1.1 has no ``is_impossible``);
- flat records, one per question, as transformers' ``run_qa`` reads them: ``{"id", "question",
  "context", "answers": {"text": [...], "answer_start": [...]}}``, in a JSON file (a list, or
  the list under a ``data`` key) or a JSON lines file. An empty answer list is an impossible
  question (SQuAD v2.0).

An answer whose text is not ``context[answer_start:answer_start + len(text)]`` is dropped
and reported by id (:attr:`QAData.mismatched`, and a warning); a question left with no
answer that is not marked impossible is dropped too (:attr:`QAData.skipped`), so that
nothing is ever trained on a wrong span.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple


class QADataError(ValueError):
    """A question-answering data file cannot be read; the message names the file and the fault."""


class QAAnswer(NamedTuple):
    """One gold answer: its text and the character where it starts in the context."""

    text: str
    start: int

    @property
    def end(self) -> int:
        """The character just after the answer (``context[start:end] == text``)."""
        return self.start + len(self.text)


@dataclass(frozen=True)
class QAExample:
    """One question about one context.

    Attributes:
        id: the question's id (unique within a file).
        question: the question text.
        context: the passage the answer is read from.
        answers: the gold answers (character spans of ``context``); empty for an impossible
            question. Training uses the first; evaluation compares with all of them.
        is_impossible: the context does not answer the question (SQuAD v2.0).
        plausible_answers: v2.0's plausible but wrong spans of an impossible question
            (informative; never trained on).
        title: the article title, when the file gives one.
    """

    id: str
    question: str
    context: str
    answers: tuple[QAAnswer, ...] = ()
    is_impossible: bool = False
    plausible_answers: tuple[QAAnswer, ...] = ()
    title: str = ""


@dataclass
class QAData(Sequence[QAExample]):
    """The examples of a file, with what was dropped on the way.

    Attributes:
        path: the file read (None for records given in memory).
        examples: the examples kept, in file order.
        mismatched: id -> the answers dropped because their text is not the context at
            ``answer_start``.
        skipped: ids of the questions dropped because no answer was left.
    """

    path: Path | None
    examples: list[QAExample]
    mismatched: dict[str, list[QAAnswer]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.examples)

    def __getitem__(self, index: Any) -> Any:
        return self.examples[index]

    def __iter__(self) -> Iterator[QAExample]:
        return iter(self.examples)

    @property
    def has_impossible(self) -> bool:
        """Whether any question is impossible (post-process it as SQuAD v2.0)."""
        return any(example.is_impossible for example in self.examples)


def read_squad(path: str | os.PathLike[str]) -> QAData:
    """Read a SQuAD file: the official nested layout, or flat records in JSON / JSON lines.

    Raises:
        QADataError: the file is empty, is not JSON, lacks a key (the message names the
            record, the key and the keys found), repeats an id, or holds no question.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise QADataError(f"{path}: cannot read ({err})") from None
    if not text.strip():
        raise QADataError(f"{path}: the file is empty")
    data = _load_json(path, text)
    if isinstance(data, Mapping) and "data" in data:
        data = data["data"]
    if isinstance(data, Mapping):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(item, Mapping) for item in data):
        raise QADataError(f"{path}: expected a list of records (or one under 'data'), "
                          f"got {type(data).__name__}")
    if not data:
        raise QADataError(f"{path}: no question-answering records")
    nested = "paragraphs" in data[0]
    records = list(_nested_records(path, data)) if nested else data
    return squad_examples(records, source=path)


def squad_examples(records: Sequence[Mapping[str, Any]], *,
                   source: str | os.PathLike[str] | None = None) -> QAData:
    """Examples from flat records (``id``, ``question``, ``context``, ``answers``).

    ``answers`` is ``{"text": [...], "answer_start": [...]}`` or a list of ``{"text",
    "answer_start"}``; ``is_impossible`` is optional (default: no answers). Records from
    :func:`albert_core.tasks.files.read_records` or a ``datasets.Dataset`` fit as they are.

    Raises:
        QADataError: as :func:`read_squad`.
    """
    where = str(source) if source is not None else "records"
    examples, mismatched, skipped, seen = [], {}, [], set()
    for index, record in enumerate(records):
        record_at = record.get("_where", f"record {index}")
        for key in ("id", "question", "context"):
            if key not in record:
                raise QADataError(f"{where}: {record_at} has no {key!r} (keys: "
                                  f"{sorted(k for k in record if k != '_where')})")
        qid, question, context = str(record["id"]), record["question"], record["context"]
        for key, value in (("question", question), ("context", context)):
            if not isinstance(value, str):
                raise QADataError(f"{where}: {record_at} ({qid}): {key!r} must be text, got "
                                  f"{type(value).__name__}")
        if qid in seen:
            raise QADataError(f"{where}: {record_at}: id {qid!r} appears twice")
        seen.add(qid)
        answers = _answers(where, record_at, record.get("answers", []))
        impossible = bool(record.get("is_impossible", not answers))
        good = () if impossible else tuple(
            a for a in answers if a.text and a.start >= 0 and context[a.start:a.end] == a.text)
        if not impossible and len(good) < len(answers):
            mismatched[qid] = [a for a in answers if a not in good]
        if not impossible and not good:
            skipped.append(qid)
            continue
        examples.append(QAExample(
            id=qid, question=question, context=context, answers=good, is_impossible=impossible,
            plausible_answers=_answers(where, record_at, record.get("plausible_answers", [])),
            title=str(record.get("title", "")),
        ))
    if not examples and not skipped:
        raise QADataError(f"{where}: no question-answering examples")
    if mismatched:
        ids = list(mismatched)
        shown = ", ".join(ids[:10]) + (", ..." if len(ids) > 10 else "")
        warnings.warn(
            f"{where}: {sum(map(len, mismatched.values()))} answers of {len(ids)} questions do "
            f"not match the context at answer_start and were dropped; {len(skipped)} questions "
            f"left without an answer were skipped (ids: {shown})", UserWarning, stacklevel=2,
        )
    return QAData(Path(source) if source is not None else None, examples, mismatched, skipped)


def _load_json(path: Path, text: str) -> Any:
    """The document of a JSON file, or the list of records of a JSON lines file."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as whole:
        if whole.msg != "Extra data":
            raise QADataError(f"{path}: not valid JSON ({whole.msg} at line {whole.lineno})") \
                from None
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise QADataError(f"{path}: line {number} is not valid JSON ({err.msg})") \
                    from None
    return records


def _nested_records(path: Path, data: list[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    """Flat records of the official nested layout, each with ``_where`` for error messages."""
    for i, article in enumerate(data):
        paragraphs = _key(path, article, "paragraphs", f"data[{i}]")
        for j, paragraph in enumerate(paragraphs):
            at = f"data[{i}].paragraphs[{j}]"
            context = _key(path, paragraph, "context", at)
            for k, qa in enumerate(_key(path, paragraph, "qas", at)):
                yield {**qa, "context": context, "title": article.get("title", ""),
                       "_where": f"{at}.qas[{k}]"}


def _key(path: Path, record: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in record:
        raise QADataError(f"{path}: {where} has no {key!r} (keys: {sorted(record)})")
    return record[key]


def _answers(where: str, record_at: str, answers: Any) -> tuple[QAAnswer, ...]:
    """Answers given as ``{"text": [...], "answer_start": [...]}`` or a list of dicts."""
    if isinstance(answers, Mapping):
        texts, starts = answers.get("text"), answers.get("answer_start")
        if texts is None or starts is None or len(texts) != len(starts):
            raise QADataError(f"{where}: {record_at}: 'answers' needs lists 'text' and "
                              f"'answer_start' of the same length, got {dict(answers)!r}")
        pairs = list(zip(texts, starts, strict=True))
    else:
        pairs = []
        for answer in answers:
            if not isinstance(answer, Mapping) or not {"text", "answer_start"} <= set(answer):
                raise QADataError(f"{where}: {record_at}: an answer needs 'text' and "
                                  f"'answer_start', got {answer!r}")
            pairs.append((answer["text"], answer["answer_start"]))
    out = []
    for text, start in pairs:
        if not isinstance(text, str) or isinstance(start, bool) or not isinstance(start, int):
            raise QADataError(f"{where}: {record_at}: an answer needs a text and an integer "
                              f"answer_start, got {text!r} at {start!r}")
        out.append(QAAnswer(text, start))
    return tuple(out)
