"""Task pipelines: text in, answers out, the same on PyTorch, TensorFlow and JAX/Flax.

::

    from albert_core.pipelines import pipeline

    fill_mask = pipeline("fill-mask", model="albert/albert-base-v2", framework="pt")
    fill_mask("Plants create energy through a process known as [MASK].", top_k=5)

Tasks (one module each): ``fill-mask``, ``text-classification`` (alias
``sentiment-analysis``), ``token-classification`` (alias ``ner``), ``question-answering``
and ``feature-extraction``. Pre- and post-processing are framework-neutral numpy code in
this package; each framework's :class:`~albert_core.backend.Backend` supplies only
``from_pretrained`` and ``forward`` (see :mod:`albert_core.pipelines.base`).
"""

from __future__ import annotations

import inspect
import os
from pathlib import Path
from typing import Any

from albert_core import hub, schema
from albert_core.backend import BACKEND_EXTRAS, BACKEND_MODULES, FRAMEWORKS
from albert_core.bundled import DEFAULT_MODEL, DEFAULT_MODEL_TASKS
from albert_core.config import AlbertConfig
from albert_core.pipelines.base import (
    POOLER_NAMES,
    TASK_HEADS,
    TOKENIZER_FILES,
    Pipeline,
    PipelineError,
    load_backend,
    load_tokenizer,
    parse_device,
)
from albert_core.pipelines.feature_extraction import FeatureExtractionPipeline
from albert_core.pipelines.fill_mask import FillMaskPipeline
from albert_core.pipelines.question_answering import QuestionAnsweringPipeline
from albert_core.pipelines.text_classification import TextClassificationPipeline
from albert_core.pipelines.token_classification import TokenClassificationPipeline

#: Task name -> pipeline class.
PIPELINE_CLASSES: dict[str, type[Pipeline]] = {
    cls.task: cls
    for cls in (
        FillMaskPipeline,
        TextClassificationPipeline,
        TokenClassificationPipeline,
        QuestionAnsweringPipeline,
        FeatureExtractionPipeline,
    )
}

#: The task names :func:`pipeline` accepts (besides :data:`TASK_ALIASES`).
TASKS: tuple[str, ...] = tuple(PIPELINE_CLASSES)

#: Other names of tasks, as transformers spells them.
TASK_ALIASES: dict[str, str] = {
    "sentiment-analysis": "text-classification",
    "ner": "token-classification",
}

__all__ = [
    "BACKEND_EXTRAS",
    "BACKEND_MODULES",
    "FRAMEWORKS",
    "PIPELINE_CLASSES",
    "TASKS",
    "TASK_ALIASES",
    "TASK_HEADS",
    "TOKENIZER_FILES",
    "FeatureExtractionPipeline",
    "FillMaskPipeline",
    "Pipeline",
    "PipelineError",
    "QuestionAnsweringPipeline",
    "TextClassificationPipeline",
    "TokenClassificationPipeline",
    "default_model",
    "load_backend",
    "load_tokenizer",
    "options_of",
    "parse_device",
    "pipeline",
]


def options_of(task: str) -> tuple[str, ...]:
    """The keyword options :func:`pipeline` passes on to ``task``'s pipeline class."""
    signature = inspect.signature(PIPELINE_CLASSES[task].__init__)
    return tuple(name for name, parameter in signature.parameters.items()
                 if parameter.kind is inspect.Parameter.KEYWORD_ONLY and name != "framework")


def pipeline(task: str, model: str | os.PathLike[str] | Any = None, *, tokenizer: Any = None,
             framework: str = "pt", device: int | str | None = None, dtype: str | None = None,
             revision: str | None = None, **options: Any) -> Pipeline:
    """Build a task pipeline: ``pipeline("fill-mask", model="albert/albert-base-v2")``.

    Args:
        task: one of :data:`TASKS` (or an alias of :data:`TASK_ALIASES`).
        model: a model directory, bundled model name or hub id, whose checkpoint (any of the
            four formats) has the task's head; or an already loaded model of ``framework``
            (then pass ``tokenizer`` too). Default: the bundled
            :data:`~albert_core.bundled.DEFAULT_MODEL` for fill-mask and feature-extraction;
            the other tasks need a fine-tuned model.
        tokenizer: a tokenizer, or the directory / hub id of one (default: the model's).
        framework: ``"pt"`` (PyTorch, default), ``"tf"`` (Keras/TensorFlow) or ``"flax"``.
        device: as in transformers: None, -1 or ``"cpu"`` for the CPU; a GPU index,
            ``"cuda"`` or ``"cuda:N"`` for a GPU.
        dtype: the model's dtype (``"float32"`` default, ``"bfloat16"``, ``"float16"``).
        revision: hub revision (branch, tag or commit) of ``model``.
        **options: the task's options (``top_k``, ``batch_size``, ``aggregation_strategy``,
            ...; see each pipeline class and :func:`options_of`).

    Returns:
        The pipeline: call it on a text or a list of texts.

    Raises:
        PipelineError: unknown task, framework or option; framework not installed; a
            checkpoint made for another task.
        albert_core.ModelNotFoundError: ``model`` is neither a directory nor a known hub id.
    """
    task = TASK_ALIASES.get(task, task)
    if task not in PIPELINE_CLASSES:
        raise PipelineError(f"unknown task {task!r}; choose one of {list(TASKS)}")
    unknown = sorted(set(options) - set(options_of(task)))
    if unknown:
        raise PipelineError(f"unknown option(s) {unknown} for {task}; it takes "
                            f"{list(options_of(task))}")
    if model is None:
        model = default_model(task)
    parse_device(device)
    backend = load_backend(framework)
    if isinstance(model, (str, os.PathLike)):
        directory = hub.resolve(model, revision=revision, files=("config.json",))
        config = AlbertConfig.from_pretrained(directory)
        _check_architecture(task, config, model)
        # Feature extraction loads leniently: a checkpoint may lack the pooler it does not
        # use (_check_loaded refuses anything else missing).
        loaded = backend.from_pretrained(TASK_HEADS[task], model, device=device, dtype=dtype,
                                         revision=revision, strict=task != "feature-extraction")
        _check_loaded(task, loaded, model)
        if tokenizer is None:
            tokenizer = load_tokenizer(model, revision=revision)
    else:
        loaded, config = model, getattr(model, "config", None)
        if not isinstance(config, AlbertConfig):
            raise PipelineError(f"model must be a directory, a hub id or an albert model; got "
                                f"{type(model).__name__}")
        if tokenizer is None:
            raise PipelineError("pass tokenizer= with a model object")
    if isinstance(tokenizer, (str, Path)):
        tokenizer = load_tokenizer(tokenizer)
    return PIPELINE_CLASSES[task](loaded, tokenizer, backend, config, framework=framework,
                                  **options)


def default_model(task: str) -> str:
    """The model a task runs when none is named: the bundled small model, where it serves.

    Raises:
        PipelineError: ``task`` needs a fine-tuned head the bundled model lacks.
    """
    task = TASK_ALIASES.get(task, task)
    if task not in DEFAULT_MODEL_TASKS:
        raise PipelineError(
            f"{task} needs a model fine-tuned for it; name one (the bundled default model "
            f"{DEFAULT_MODEL} serves only {' and '.join(DEFAULT_MODEL_TASKS)})"
        )
    return DEFAULT_MODEL


def _check_architecture(task: str, config: AlbertConfig, model: Any) -> None:
    """Refuse a checkpoint saved for another head (named in config.json's ``architectures``)."""
    names = config.extra.get("architectures") or []
    try:
        head = schema.head_from_class_name(names[0]) if names else None
    except ValueError:
        head = None
    needed = TASK_HEADS[task]
    if head is None or task == "feature-extraction" or head == needed:
        return
    if task == "fill-mask" and head == "pretraining":
        return
    raise PipelineError(
        f"{model} holds {names[0]} weights, but {task} needs "
        f"{schema.head_spec(needed).pt_class} weights (a checkpoint fine-tuned for the task)"
    )


def _check_loaded(task: str, model: Any, name: Any) -> None:
    """Feature extraction loads leniently (a checkpoint may lack the pooler it does not use);
    anything else missing is an error."""
    report = getattr(model, "loading_report", None)
    missing = set(getattr(report, "missing", ()) or ())
    if missing - POOLER_NAMES:
        raise PipelineError(f"{name}: the checkpoint lacks weights that {task} needs: "
                            f"{', '.join(sorted(missing - POOLER_NAMES))}")
