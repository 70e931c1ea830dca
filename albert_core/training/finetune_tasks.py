"""The data of a fine-tuning run: task files read into model features, and their evaluation.

:func:`load_task_data` reads the ``--train`` / ``--validation`` files of a task with the task
data layer (:mod:`albert_core.tasks`) and returns a :class:`TaskData`: the training and
validation arrays, the config fields the fine-tuned model must carry, and how predictions
on the validation arrays become the metrics of ``eval_results.json`` (for question
answering, also the predictions, n-best and null-odds files). Framework-neutral.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from albert_core.tokenizers.base import AlbertTokenizerBase

#: ``--task`` -> the head it fine-tunes.
TASK_HEADS: dict[str, str] = {
    "text-classification": "sequence-classification",
    "token-classification": "token-classification",
    "question-answering": "question-answering",
    "multiple-choice": "multiple-choice",
    "masked-lm": "masked-lm",
}

#: Batch keys that are labels (not given to ``predict``).
LABEL_KEYS = ("labels", "start_positions", "end_positions")

#: ``score(collected, output_dir)``: metrics of the concatenated evaluation arrays; it may
#: write prediction files into ``output_dir`` (None: write nothing).
Scorer = Callable[[Mapping[str, np.ndarray], "Path | None"], dict[str, float]]


@dataclasses.dataclass
class TaskData:
    """What a fine-tuning run trains and evaluates on.

    Attributes:
        task: the ``--task`` name (a key of :data:`TASK_HEADS`).
        head: the head it trains.
        train: model inputs and labels of the training split (numpy, rows first).
        validation: the same for the validation split, or None.
        config_updates: config fields of the fine-tuned model (``id2label``, ``label2id``,
            ``problem_type``, ``num_labels``).
        score: turns the collected validation outputs (the model's outputs plus the
            ``labels`` of each batch, see :meth:`collect`) into metrics.
    """

    task: str
    head: str
    train: dict[str, np.ndarray]
    validation: dict[str, np.ndarray] | None = None
    config_updates: dict[str, Any] = dataclasses.field(default_factory=dict)
    score: Scorer | None = None

    @property
    def max_length(self) -> int:
        """Tokens per row of the training arrays."""
        return int(self.train["input_ids"].shape[-1])

    def collect(self, outputs: Mapping[str, np.ndarray],
                batch: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """What one evaluation batch keeps: the outputs and labels (for masked LM only the
        labelled positions, so that the vocabulary-wide logits are not all kept)."""
        kept = {key: np.asarray(value) for key, value in outputs.items() if key != "loss"}
        if "labels" in batch:
            kept["labels"] = np.asarray(batch["labels"])
        if self.head == "masked-lm":
            where = kept["labels"] != -100
            kept = {"logits": kept["logits"][where], "labels": kept["labels"][where]}
        return kept


def _classification(train: Any, validation: Any) -> tuple[dict[str, Any], Scorer]:
    updates = train.config_updates()
    if train.problem_type == "regression":
        updates["num_labels"] = 1
    problem_type = train.problem_type

    def score(collected: Mapping[str, np.ndarray], _: Path | None) -> dict[str, float]:
        from albert_core.tasks.metrics import compute_metrics

        metrics = compute_metrics("sequence-classification", collected["logits"],
                                  collected["labels"], problem_type=problem_type)
        if "spearman" in metrics:
            metrics["spearmanr"] = metrics.pop("spearman")
        return metrics

    return updates, score


def load_task_data(
    task: str,
    train_file: str | os.PathLike[str],
    validation_file: str | os.PathLike[str] | None,
    tokenizer: AlbertTokenizerBase,
    *,
    max_length: int,
    doc_stride: int | None = None,
    version_2_with_negative: bool = False,
    label_all_tokens: bool = False,
    seed: int = 0,
) -> TaskData:
    """Read the files of ``task`` into a :class:`TaskData` (validation labels use the
    training labels' ids).

    Raises:
        ValueError: an unknown task, an empty training file, or data the task's reader
            refuses (its message names the file and the problem).
    """
    if task not in TASK_HEADS:
        raise ValueError(f"unknown task {task!r}; choose one of {', '.join(TASK_HEADS)}")
    head = TASK_HEADS[task]
    if task == "question-answering":
        return _question_answering(train_file, validation_file, tokenizer, max_length,
                                   doc_stride, version_2_with_negative)
    from albert_core import tasks

    validation = None
    if task == "text-classification":
        train = tasks.text_classification_features(train_file, tokenizer, max_length=max_length)
        _check_rows(train, train_file)
        if validation_file is not None:
            validation = tasks.text_classification_features(
                validation_file, tokenizer, max_length=max_length, label2id=train.label2id)
        updates, score = _classification(train, validation)
    elif task == "token-classification":
        train = tasks.token_classification_features(
            train_file, tokenizer, max_length=max_length, label_all_tokens=label_all_tokens)
        _check_rows(train, train_file)
        if validation_file is not None:
            validation = tasks.token_classification_features(
                validation_file, tokenizer, max_length=max_length, label2id=train.label2id,
                label_all_tokens=label_all_tokens)
        updates = train.config_updates()
        id2label = dict(train.id2label or {})

        def score(collected: Mapping[str, np.ndarray], _: Path | None) -> dict[str, float]:
            from albert_core.tasks.metrics import compute_metrics

            return compute_metrics("token-classification", collected["logits"],
                                   collected["labels"], id2label=id2label)
    elif task == "multiple-choice":
        train = tasks.multiple_choice_features(train_file, tokenizer, max_length=max_length)
        _check_rows(train, train_file)
        if validation_file is not None:
            validation = tasks.multiple_choice_features(validation_file, tokenizer,
                                                        max_length=max_length)
        updates = {}

        def score(collected: Mapping[str, np.ndarray], _: Path | None) -> dict[str, float]:
            from albert_core.tasks.metrics import compute_metrics

            return compute_metrics("multiple-choice", collected["logits"], collected["labels"])
    else:
        train = tasks.masked_lm_features(train_file, tokenizer, max_length=max_length, seed=seed)
        _check_rows(train, train_file)
        if validation_file is not None:
            validation = tasks.masked_lm_features(validation_file, tokenizer,
                                                  max_length=max_length, seed=seed)
        updates = {}

        def score(collected: Mapping[str, np.ndarray], _: Path | None) -> dict[str, float]:
            from albert_core.tasks.metrics import compute_metrics

            metrics = compute_metrics("masked-lm", collected["logits"], collected["labels"])
            return {"accuracy": metrics["accuracy"], "perplexity": metrics["perplexity"],
                    "loss": metrics["loss"]}
    return TaskData(task, head, dict(train.arrays),
                    None if validation is None else dict(validation.arrays), updates, score)


def _check_rows(features: Any, path: str | os.PathLike[str]) -> None:
    if len(features) == 0:
        raise ValueError(f"the training file {path} holds no examples")


def _question_answering(
    train_file: str | os.PathLike[str], validation_file: str | os.PathLike[str] | None,
    tokenizer: AlbertTokenizerBase, max_length: int, doc_stride: int | None,
    version_2: bool,
) -> TaskData:
    from albert_core.tasks import postprocess_qa_predictions, prepare_qa_features, read_squad

    examples = read_squad(train_file)
    if len(examples) == 0:
        raise ValueError(f"the training file {train_file} holds no examples")
    if examples.has_impossible and not version_2:
        raise ValueError(f"{train_file} has questions without answers; pass "
                         "--version-2-with-negative for SQuAD v2.0 data")
    train = prepare_qa_features(examples, tokenizer, max_length=max_length,
                                doc_stride=doc_stride)
    if validation_file is None:
        return TaskData("question-answering", "question-answering", train.model_inputs())
    eval_examples = read_squad(validation_file)
    eval_features = prepare_qa_features(eval_examples, tokenizer, max_length=max_length,
                                        doc_stride=doc_stride)
    references = [{"id": ex.id, "answers": {"text": [a.text for a in ex.answers]}}
                  for ex in eval_examples]

    def score(collected: Mapping[str, np.ndarray], output_dir: Path | None) -> dict[str, float]:
        from albert_core.tasks.metrics import compute_metrics

        predictions = postprocess_qa_predictions(
            eval_examples, eval_features, collected["start_logits"], collected["end_logits"],
            version_2=version_2)
        if output_dir is not None:
            predictions.save(output_dir, overwrite=True)
        return compute_metrics("question-answering", predictions.predictions, references,
                               version_2_with_negative=version_2,
                               null_odds=predictions.null_odds)

    return TaskData("question-answering", "question-answering", train.model_inputs(),
                    eval_features.model_inputs(labels=False), {}, score)


__all__ = ["LABEL_KEYS", "TASK_HEADS", "Scorer", "TaskData", "load_task_data"]
