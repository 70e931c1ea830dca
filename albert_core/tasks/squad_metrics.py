"""SQuAD scores: exact match and token F1 of predicted answers against every gold answer.

The definitions are those of the official SQuAD v1.1 and v2.0 evaluations:

- **Normalisation.** Both texts are lower-cased, stripped of ASCII punctuation and of the
  articles ``a`` / ``an`` / ``the``, and their whitespace collapsed to single spaces.
- **Exact match** is 1 when the normalised prediction equals a normalised gold answer.
- **F1** is the harmonic mean of precision and recall over the bags of whitespace tokens of
  the two normalised texts.
- Each question keeps its best score over its gold answers; the reported numbers are means
  over questions, in percent.
- **v2** (``version_2_with_negative``): gold answers that normalise to nothing are dropped,
  and a question left without any is unanswerable, its only gold answer being ``""``; an
  empty prediction is then right (exact and F1 both 1), any other wrong. Scores are split
  into ``HasAns_*`` and ``NoAns_*``. Given the null odds of each question (how much more the
  model believes in no answer), a question whose odds exceed ``no_answer_threshold`` counts as
  answered with ``""``, and ``best_exact`` / ``best_f1`` report the best scores any threshold
  reaches, with that threshold (``best_*_thresh``).

References are flat records (``{"id", "answers": {"text": [...]}}``, ``answers`` also a list of
``{"text"}`` dicts), the official nested dataset (``data`` -> ``paragraphs`` -> ``qas``), or
the path of a JSON / JSON-lines file holding either.
"""

from __future__ import annotations

import json
import math
import os
import re
import string
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = str.maketrans("", "", string.punctuation)

#: What references may be: records, the dataset JSON, or a file holding either.
References = Sequence[Mapping[str, Any]] | Mapping[str, Any] | str | os.PathLike[str]


def normalize_answer(text: str) -> str:
    """``text`` lower-cased, without punctuation or articles, with single spaces."""
    text = text.lower().translate(_PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_score(prediction: str, gold: str) -> float:
    """1.0 when the two answers are equal after :func:`normalize_answer`, else 0.0."""
    return float(normalize_answer(prediction) == normalize_answer(gold))


def f1_score(prediction: str, gold: str, *, empty_matches_empty: bool = True) -> float:
    """Token F1 of two answers after :func:`normalize_answer`.

    When either side has no tokens the score is 1.0 if both are empty and 0.0 otherwise
    (``empty_matches_empty=False`` gives 0.0 in both cases, as SQuAD v1.1 does).
    """
    predicted = normalize_answer(prediction).split()
    expected = normalize_answer(gold).split()
    if not predicted or not expected:
        return float(empty_matches_empty and predicted == expected)
    shared = sum((Counter(predicted) & Counter(expected)).values())
    if shared == 0:
        return 0.0
    precision = shared / len(predicted)
    recall = shared / len(expected)
    return 2 * precision * recall / (precision + recall)


def load_references(references: References) -> dict[str, list[str]]:
    """``{question id: gold answer texts}`` from any accepted layout (see the module doc)."""
    source = "references"
    if isinstance(references, str | os.PathLike):
        source = str(references)
        references = _read_file(Path(references))
    if isinstance(references, Mapping):
        if "data" not in references:
            raise ValueError(f"{source}: a mapping needs a 'data' key; found {sorted(references)}")
        references = references["data"]
    gold: dict[str, list[str]] = {}
    for record in _flatten(references, source):
        for key in ("id", "answers"):
            if key not in record:
                raise ValueError(f"{source}: a question has no {key!r}; found {sorted(record)}")
        qid = str(record["id"])
        if qid in gold:
            raise ValueError(f"{source}: question id {qid!r} appears twice")
        gold[qid] = _answer_texts(record["answers"], qid, source)
    return gold


def _read_file(path: Path) -> Any:
    """The parsed JSON of ``path``, or its records when it is JSON lines."""
    text = path.read_text(encoding="utf-8")
    if path.suffix in (".jsonl", ".ndjson"):
        records = []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    records.append(json.loads(line))
                except json.JSONDecodeError as error:
                    raise ValueError(f"{path}:{number}: not JSON ({error.msg})") from None
        return records
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not JSON ({error.msg}, line {error.lineno})") from None


def _flatten(items: Iterable[Any], source: str) -> Iterable[Mapping[str, Any]]:
    """Question records from flat records or the nested articles -> paragraphs -> qas."""
    for item in items:
        if not isinstance(item, Mapping):
            raise ValueError(f"{source}: expected question records, found {type(item).__name__}")
        if "paragraphs" in item:
            for paragraph in item["paragraphs"]:
                yield from paragraph.get("qas", ())
        else:
            yield item


def _answer_texts(answers: Any, qid: str, source: str) -> list[str]:
    """The gold texts of ``answers``: ``{"text": [...]}`` or a list of ``{"text"}`` dicts."""
    if isinstance(answers, Mapping):
        texts = answers.get("text")
    elif isinstance(answers, Sequence) and not isinstance(answers, str):
        texts = [a.get("text") if isinstance(a, Mapping) else None for a in answers]
    else:
        texts = None
    if texts is None or isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
        raise ValueError(
            f"{source}: answers of question {qid!r} are not {{'text': [...]}} or a list of "
            f"{{'text': ...}} dicts: {answers!r}"
        )
    return list(texts)


def _predictions(predictions: Mapping[str, str] | Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """``{id: text}``, also from ``[{"id", "prediction_text"}]`` records."""
    if isinstance(predictions, Mapping):
        return {str(k): v for k, v in predictions.items()}
    return {str(p["id"]): p["prediction_text"] for p in predictions}


def _check_ids(wanted: Iterable[str], given: Mapping[str, Any], what: str) -> None:
    """Raise KeyError naming the reference ids that ``given`` lacks."""
    missing = [qid for qid in wanted if qid not in given]
    if missing:
        shown = ", ".join(repr(m) for m in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise KeyError(f"{len(missing)} question(s) have no {what}: {shown}{more}")


def squad_v1(predictions: Mapping[str, str] | Sequence[Mapping[str, Any]],
             references: References) -> dict[str, float]:
    """SQuAD v1.1 ``exact_match`` and ``f1`` (percent) of ``predictions`` (``{id: text}``).

    Every reference question needs a prediction (a KeyError names those without); extra
    predictions are ignored. A question without gold answers is a ValueError (use
    :func:`squad_v2` for unanswerable questions).
    """
    preds = _predictions(predictions)
    gold = load_references(references)
    _check_ids(gold, preds, "prediction")
    if not gold:
        raise ValueError("references hold no question")
    exact = f1 = 0.0
    for qid, answers in gold.items():
        if not answers:
            raise ValueError(
                f"question {qid!r} has no gold answer; SQuAD v2 data needs squad_v2 "
                "(version_2_with_negative=True)"
            )
        exact += max(exact_score(preds[qid], a) for a in answers)
        f1 += max(f1_score(preds[qid], a, empty_matches_empty=False) for a in answers)
    return {"exact_match": 100.0 * exact / len(gold), "f1": 100.0 * f1 / len(gold)}


def squad_v2(predictions: Mapping[str, str] | Sequence[Mapping[str, Any]],
             references: References, null_odds: Mapping[str, float] | None = None, *,
             no_answer_threshold: float = 1.0) -> dict[str, float]:
    """SQuAD v2.0 scores (percent) of ``predictions`` (``{id: text}``, ``""`` for no answer).

    Returns ``exact``, ``f1``, ``total``, the same for ``HasAns_`` and ``NoAns_`` questions
    (when there are any), and with ``null_odds`` (``{id: float}``) the scores after treating
    questions whose odds exceed ``no_answer_threshold`` as unanswered, plus ``best_exact``,
    ``best_exact_thresh``, ``best_f1`` and ``best_f1_thresh``. Every reference question needs
    a prediction, and a null odd when they are given (a KeyError names those without).
    """
    preds = _predictions(predictions)
    gold = load_references(references)
    _check_ids(gold, preds, "prediction")
    if not gold:
        raise ValueError("references hold no question")
    has_answer: dict[str, bool] = {}
    exact: dict[str, float] = {}
    f1: dict[str, float] = {}
    for qid, answers in gold.items():
        answers = [a for a in answers if normalize_answer(a)] or [""]
        has_answer[qid] = answers != [""]
        exact[qid] = max(exact_score(preds[qid], a) for a in answers)
        f1[qid] = max(f1_score(preds[qid], a) for a in answers)
    if null_odds is None:
        return _summary(exact, f1, has_answer)
    odds = {str(k): float(v) for k, v in null_odds.items()}
    _check_ids(gold, odds, "null odds")
    null_right = {qid: float(not has) for qid, has in has_answer.items()}
    results = _summary(
        {q: null_right[q] if odds[q] > no_answer_threshold else s for q, s in exact.items()},
        {q: null_right[q] if odds[q] > no_answer_threshold else s for q, s in f1.items()},
        has_answer,
    )
    for name, scores in (("exact", exact), ("f1", f1)):
        best, threshold = best_threshold(scores, null_right, odds)
        results[f"best_{name}"] = best
        results[f"best_{name}_thresh"] = threshold
    return results


def _summary(exact: Mapping[str, float], f1: Mapping[str, float],
             has_answer: Mapping[str, bool]) -> dict[str, float]:
    """Mean scores in percent over all questions, and over each kind when there are any."""
    results: dict[str, float] = {}
    groups = (("", list(exact)), ("HasAns_", [q for q in exact if has_answer[q]]),
              ("NoAns_", [q for q in exact if not has_answer[q]]))
    for prefix, qids in groups:
        if qids or not prefix:
            results[f"{prefix}exact"] = 100.0 * sum(exact[q] for q in qids) / len(qids)
            results[f"{prefix}f1"] = 100.0 * sum(f1[q] for q in qids) / len(qids)
            results[f"{prefix}total"] = float(len(qids))
    return results


def best_threshold(scores: Mapping[str, float], null_right: Mapping[str, float],
                   odds: Mapping[str, float]) -> tuple[float, float]:
    """The best mean score (percent) over null-odds thresholds, and the lowest that gives it.

    At threshold ``t`` a question keeps its own score when its odds are at most ``t`` and
    gets ``null_right`` (1 for an unanswerable question, else 0) otherwise. Candidates are
    every distinct odds value (questions with equal odds switch together) and, for "no
    question answered", 0.0 when every odds is positive, else just below the smallest.
    """
    order = sorted(scores, key=lambda q: odds[q])
    total = sum(null_right[q] for q in order)
    best, best_at = total, min(0.0, math.nextafter(odds[order[0]], -math.inf))
    i = 0
    while i < len(order):
        at = odds[order[i]]
        while i < len(order) and odds[order[i]] == at:
            total += scores[order[i]] - null_right[order[i]]
            i += 1
        if total > best:
            best, best_at = total, at
    return 100.0 * best / len(order), best_at
