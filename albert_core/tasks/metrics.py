"""Evaluation metrics of every fine-tuning task, on numpy arrays, as flat ``{name: float}`` dicts.

:func:`compute_metrics` is the entry point fine-tuning calls at evaluation; the functions it
dispatches to are public too. Classification and regression scores come from scikit-learn and
scipy, entity scores from seqeval, SQuAD scores from :mod:`albert_core.tasks.squad_metrics`;
the packages are imported when a metric needs them (the ``tasks`` extra installs them).

| task | predictions | references | metrics |
|---|---|---|---|
| ``sequence-classification`` | logits ``[n, labels]`` or ids ``[n]`` | ids ``[n]`` | ``accuracy``, ``f1`` (binary with two labels, else macro), ``f1_macro``, ``matthews_correlation`` |
| ``regression`` | scores ``[n]`` or ``[n, 1]`` | scores ``[n]`` | ``pearson``, ``spearman`` |
| ``multi-label`` | logits ``[n, labels]`` (positive = on) | 0/1 ``[n, labels]`` | ``accuracy`` (every label right), ``f1_micro``, ``f1_macro`` |
| ``token-classification`` | logits ``[b, seq, labels]`` or ids, or tag lists | ids with -100, or tag lists | ``precision``, ``recall``, ``f1``, ``accuracy`` |
| ``question-answering`` | ``{id: text}`` | SQuAD records or dataset | ``exact_match``, ``f1`` (v2: see :func:`squad_v2`) |
| ``multiple-choice`` | logits ``[n, choices]`` or ids | ids ``[n]`` | ``accuracy`` |
| ``masked-lm`` | logits ``[b, seq, vocab]`` | ids with -100 | ``accuracy``, ``loss``, ``perplexity`` |
"""  # noqa: E501

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from albert_core.tasks.squad_metrics import squad_v1, squad_v2

#: Label id of positions no metric reads (padding, special tokens, continuation pieces).
IGNORE_INDEX = -100


# ------------------------------------------------------------------ inputs
def _check_lengths(predictions: Sequence[Any], references: Sequence[Any]) -> None:
    """Raise ValueError unless there are as many predictions as references."""
    if len(predictions) != len(references):
        raise ValueError(
            f"{len(predictions)} predictions for {len(references)} references; "
            "they must match one to one"
        )


def to_label_ids(predictions: Any, references: Any) -> tuple[np.ndarray, np.ndarray]:
    """Predicted and reference label ids: logits one rank above the references are argmaxed."""
    predictions, references = np.asarray(predictions), np.asarray(references)
    if predictions.ndim == references.ndim + 1:
        predictions = predictions.argmax(axis=-1)
    if predictions.shape != references.shape:
        raise ValueError(
            f"predictions of shape {predictions.shape} do not match references of shape "
            f"{references.shape}"
        )
    return predictions, references


# ------------------------------------------------------------------ classification
def accuracy(predictions: Any, references: Any) -> float:
    """Share of predictions equal to their reference (logits are argmaxed first)."""
    from sklearn.metrics import accuracy_score

    predictions, references = to_label_ids(predictions, references)
    return float(accuracy_score(references.ravel(), predictions.ravel()))


def f1(predictions: Any, references: Any, *, average: str = "binary",
       pos_label: int = 1) -> float:
    """F1 of label ids (logits are argmaxed): ``average="binary"`` (of ``pos_label``),
    ``"macro"`` (unweighted mean over labels) or ``"micro"``; 0.0 where undefined."""
    from sklearn.metrics import f1_score

    predictions, references = to_label_ids(predictions, references)
    options = {"pos_label": pos_label} if average == "binary" else {}
    return float(f1_score(references, predictions, average=average, zero_division=0, **options))


def matthews_correlation(predictions: Any, references: Any) -> float:
    """Matthews correlation coefficient of label ids (logits are argmaxed)."""
    from sklearn.metrics import matthews_corrcoef

    predictions, references = to_label_ids(predictions, references)
    return float(matthews_corrcoef(references, predictions))


def classification_metrics(predictions: Any, references: Any) -> dict[str, float]:
    """``accuracy``, ``f1``, ``f1_macro`` and ``matthews_correlation`` of a classifier.

    ``f1`` is binary F1 of label 1 when there are two labels (logits of width 2, or ids
    within {0, 1}) and macro F1 otherwise.
    """
    logits = np.asarray(predictions)
    ids, references = to_label_ids(logits, references)
    labels = logits.shape[-1] if logits.ndim == ids.ndim + 1 else None
    binary = labels == 2 if labels is not None else set(np.unique(np.r_[ids, references])) <= {0, 1}
    return {
        "accuracy": accuracy(ids, references),
        "f1": f1(ids, references, average="binary" if binary else "macro"),
        "f1_macro": f1(ids, references, average="macro"),
        "matthews_correlation": matthews_correlation(ids, references),
    }


def multi_label_metrics(predictions: Any, references: Any, *,
                        threshold: float = 0.0) -> dict[str, float]:
    """Multi-label scores: a label is on where its logit exceeds ``threshold``.

    ``accuracy`` is the share of rows with every label right; ``f1_micro`` and ``f1_macro``
    are over the labels.
    """
    predictions, references = np.asarray(predictions), np.asarray(references)
    if predictions.shape != references.shape or predictions.ndim != 2:
        raise ValueError(
            f"multi-label predictions {predictions.shape} and references {references.shape} "
            "must both be [rows, labels]"
        )
    on = (predictions > threshold).astype(int)
    references = references.astype(int)
    return {
        "accuracy": float(np.mean(np.all(on == references, axis=1))),
        "f1_micro": f1(on, references, average="micro"),
        "f1_macro": f1(on, references, average="macro"),
    }


# ------------------------------------------------------------------ regression
def _scores(predictions: Any, references: Any) -> tuple[np.ndarray, np.ndarray]:
    """Regression outputs and targets as float vectors (``[n, 1]`` outputs are squeezed)."""
    predictions = np.asarray(predictions, dtype=np.float64)
    references = np.asarray(references, dtype=np.float64)
    if predictions.ndim == 2 and predictions.shape[1] == 1:
        predictions = predictions[:, 0]
    if predictions.ndim != 1 or references.ndim != 1:
        raise ValueError(
            f"regression predictions {predictions.shape} and references {references.shape} "
            "must be vectors"
        )
    _check_lengths(predictions, references)
    return predictions, references


def pearson(predictions: Any, references: Any) -> float:
    """Pearson correlation of regression outputs with their targets."""
    from scipy.stats import pearsonr

    return float(pearsonr(*_scores(predictions, references))[0])


def spearman(predictions: Any, references: Any) -> float:
    """Spearman rank correlation of regression outputs with their targets."""
    from scipy.stats import spearmanr

    return float(spearmanr(*_scores(predictions, references))[0])


def regression_metrics(predictions: Any, references: Any) -> dict[str, float]:
    """``pearson`` and ``spearman`` of regression outputs."""
    return {"pearson": pearson(predictions, references),
            "spearman": spearman(predictions, references)}


# ------------------------------------------------------------------ token classification
def logits_to_tags(predictions: Any, label_ids: Any,
                   id2label: Mapping[int | str, str] | Sequence[str],
                   ) -> tuple[list[list[str]], list[list[str]]]:
    """Predicted and gold tag sequences from ``[batch, seq, labels]`` logits (or ``[batch,
    seq]`` ids) and label ids, keeping only positions whose label is not -100.

    ``id2label`` maps ids to tags (keys may be strings, as in a saved config) or lists them.
    """
    predicted, gold = to_label_ids(predictions, label_ids)
    if gold.ndim != 2:
        raise ValueError(f"token label ids must be [batch, seq]; got shape {gold.shape}")
    if isinstance(id2label, Mapping):
        names = {int(k): v for k, v in id2label.items()}
    else:
        names = dict(enumerate(id2label))
    used = set(np.unique(predicted[gold != IGNORE_INDEX])) | (set(np.unique(gold)) - {IGNORE_INDEX})
    unknown = sorted(int(i) for i in used if int(i) not in names)
    if unknown:
        raise ValueError(f"label ids {unknown} are not in id2label (ids {sorted(names)})")
    tags_pred, tags_gold = [], []
    for row_pred, row_gold in zip(predicted, gold, strict=True):
        keep = row_gold != IGNORE_INDEX
        tags_pred.append([names[int(i)] for i in row_pred[keep]])
        tags_gold.append([names[int(i)] for i in row_gold[keep]])
    return tags_pred, tags_gold


def entity_metrics(predictions: Sequence[Sequence[str]], references: Sequence[Sequence[str]], *,
                   scheme: str | None = None, per_entity: bool = False) -> dict[str, float]:
    """Entity-level ``precision``, ``recall``, ``f1`` and token ``accuracy`` of tag sequences.

    The scores are seqeval's: by default its lenient mode, which reads IOB1 and IOB2 alike
    (an ``I-`` tag after ``O`` or after another type starts an entity); a ``scheme`` name
    (``"IOB1"``, ``"IOB2"``, ``"IOE1"``, ``"IOE2"``, ``"IOBES"``, ``"BILOU"``) selects
    seqeval's strict mode for that scheme. ``per_entity`` adds ``{TYPE}_precision``,
    ``{TYPE}_recall``, ``{TYPE}_f1`` and ``{TYPE}_number`` for each entity type.
    """
    from seqeval import metrics

    _check_lengths(predictions, references)
    for i, (pred, gold) in enumerate(zip(predictions, references, strict=True)):
        if len(pred) != len(gold):
            raise ValueError(f"sequence {i} has {len(pred)} predicted tags and {len(gold)} gold")
    options: dict[str, Any] = {"zero_division": 0}
    if scheme is not None:
        from seqeval import scheme as schemes

        if scheme not in ("IOB1", "IOB2", "IOE1", "IOE2", "IOBES", "BILOU"):
            raise ValueError(f"unknown tagging scheme {scheme!r}; use IOB1, IOB2, IOE1, IOE2, "
                             "IOBES or BILOU")
        options.update(mode="strict", scheme=getattr(schemes, scheme))
    references, predictions = [list(r) for r in references], [list(p) for p in predictions]
    results = {
        "precision": float(metrics.precision_score(references, predictions, **options)),
        "recall": float(metrics.recall_score(references, predictions, **options)),
        "f1": float(metrics.f1_score(references, predictions, **options)),
        "accuracy": float(metrics.accuracy_score(references, predictions)),
    }
    if per_entity:
        report = metrics.classification_report(references, predictions, output_dict=True,
                                               **options)
        for name, scores in report.items():
            if not name.endswith(" avg"):
                results.update({
                    f"{name}_precision": float(scores["precision"]),
                    f"{name}_recall": float(scores["recall"]),
                    f"{name}_f1": float(scores["f1-score"]),
                    f"{name}_number": float(scores["support"]),
                })
    return results


def token_classification_metrics(predictions: Any, references: Any, *,
                                 id2label: Mapping[int | str, str] | Sequence[str] | None = None,
                                 scheme: str | None = None,
                                 per_entity: bool = False) -> dict[str, float]:
    """:func:`entity_metrics` of tag sequences, or of logits / ids with -100-masked label ids
    turned into tags by :func:`logits_to_tags` (which needs ``id2label``)."""
    if isinstance(references, np.ndarray) or id2label is not None:
        if id2label is None:
            raise ValueError("token label ids need id2label to become tags")
        predictions, references = logits_to_tags(predictions, references, id2label)
    return entity_metrics(predictions, references, scheme=scheme, per_entity=per_entity)


# ------------------------------------------------------------------ masked LM
def _masked(logits: Any, labels: Any) -> tuple[np.ndarray, np.ndarray]:
    """The ``[n, vocab]`` logits and ``[n]`` labels of positions whose label is not -100."""
    logits, labels = np.asarray(logits), np.asarray(labels)
    if logits.shape[:-1] != labels.shape:
        raise ValueError(
            f"MLM logits of shape {logits.shape} do not match labels of shape {labels.shape}"
        )
    keep = labels != IGNORE_INDEX
    if not keep.any():
        raise ValueError("no position has a label (every label is -100)")
    return logits[keep], labels[keep]


def mlm_accuracy(predictions: Any, labels: Any) -> float:
    """Share of labelled positions (label not -100) whose argmax (or given id) is the label."""
    predictions, labels = to_label_ids(predictions, labels)
    keep = labels != IGNORE_INDEX
    if not keep.any():
        raise ValueError("no position has a label (every label is -100)")
    return float(np.mean(predictions[keep] == labels[keep]))


def cross_entropy(logits: Any, labels: Any) -> float:
    """Mean cross-entropy (natural log) of ``[..., vocab]`` logits over labelled positions."""
    logits, labels = _masked(logits, labels)
    logits = logits.astype(np.float64)
    if labels.min() < 0 or labels.max() >= logits.shape[-1]:
        raise ValueError(f"labels must lie in [0, {logits.shape[-1]}) or be -100")
    top = logits.max(axis=-1, keepdims=True)
    log_norm = np.log(np.exp(logits - top).sum(axis=-1)) + top[:, 0]
    return float(np.mean(log_norm - logits[np.arange(len(labels)), labels]))


def perplexity(mean_loss: float) -> float:
    """``exp`` of a mean cross-entropy (inf when it overflows)."""
    try:
        return math.exp(mean_loss)
    except OverflowError:
        return math.inf


def mlm_metrics(predictions: Any, references: Any) -> dict[str, float]:
    """``accuracy``, mean cross-entropy ``loss`` and ``perplexity`` of MLM logits."""
    loss = cross_entropy(predictions, references)
    return {"accuracy": mlm_accuracy(predictions, references), "loss": loss,
            "perplexity": perplexity(loss)}


# ------------------------------------------------------------------ entry point
def question_answering_metrics(predictions: Any, references: Any, *,
                               version_2_with_negative: bool = False,
                               null_odds: Mapping[str, float] | None = None,
                               no_answer_threshold: float = 1.0) -> dict[str, float]:
    """SQuAD v1.1 (:func:`squad_v1`) or, with ``version_2_with_negative``, v2.0 scores."""
    if version_2_with_negative:
        return squad_v2(predictions, references, null_odds,
                        no_answer_threshold=no_answer_threshold)
    if null_odds is not None:
        raise ValueError("null_odds need version_2_with_negative=True")
    return squad_v1(predictions, references)


def multiple_choice_metrics(predictions: Any, references: Any) -> dict[str, float]:
    """``accuracy`` of ``[n, choices]`` logits (or chosen ids)."""
    return {"accuracy": accuracy(predictions, references)}


#: Task name -> its metrics function ``(predictions, references, **options)``.
TASK_METRICS: dict[str, Callable[..., dict[str, float]]] = {
    "sequence-classification": classification_metrics,
    "regression": regression_metrics,
    "multi-label": multi_label_metrics,
    "token-classification": token_classification_metrics,
    "question-answering": question_answering_metrics,
    "multiple-choice": multiple_choice_metrics,
    "masked-lm": mlm_metrics,
}

#: Other names accepted for a task.
TASK_ALIASES = {
    "text-classification": "sequence-classification",
    "single_label_classification": "sequence-classification",
    "multi_label_classification": "multi-label",
    "ner": "token-classification",
    "qa": "question-answering",
    "mlm": "masked-lm",
}


def compute_metrics(task: str, predictions: Any, references: Any, *,
                    problem_type: str | None = None, **options: Any) -> dict[str, float]:
    """The evaluation metrics of ``task`` as a flat ``{name: float}`` dict (see the module table).

    ``task`` is a head name (``sequence-classification``, ``token-classification``,
    ``question-answering``, ``multiple-choice``, ``masked-lm``), ``regression`` or
    ``multi-label``, or an alias (:data:`TASK_ALIASES`). For ``sequence-classification``,
    ``problem_type`` (``"regression"``, ``"multi_label_classification"``) picks the regression
    or multi-label metrics. ``options`` go to the task's function (``id2label``, ``scheme``,
    ``per_entity`` for tokens; ``version_2_with_negative``, ``null_odds``,
    ``no_answer_threshold`` for QA; ``threshold`` for multi-label).
    """
    name = TASK_ALIASES.get(task, task)
    if name == "sequence-classification" and problem_type not in (
            None, "single_label_classification"):
        name = TASK_ALIASES.get(problem_type, problem_type)
    if name not in TASK_METRICS:
        raise ValueError(f"unknown task {task!r}; known tasks: {', '.join(TASK_METRICS)}"
                         + ("" if problem_type is None else f" (problem_type {problem_type!r})"))
    return TASK_METRICS[name](predictions, references, **options)
