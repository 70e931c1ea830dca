"""The fine-tuning loop every backend shares (``albert finetune``).

A backend supplies a :class:`FrameworkFinetuner`: a task model loaded from a checkpoint and
an AdamW optimizer, able to run a forward/backward pass on a numpy batch (adding to the
accumulated gradients), apply them at a learning rate, predict a batch, and save/load its
full state. :func:`run_finetuning` does the rest with the pre-training loop's machinery
(:mod:`albert_core.training.loop`): the linear warm-up and decay schedule, gradient
accumulation, a tqdm bar with the loss, the JSON-lines log, checkpoints in
``OUT/checkpoints/step-NNNNNNNN`` that resume exactly, evaluation into
``eval_results.json``, and the model written with ``save_pretrained`` next to its tokenizer.

The data order is a function of ``(seed, epoch)`` only: epoch ``e`` visits the training rows
in ``np.random.default_rng([seed, e]).permutation(rows)`` order, cut into micro-batches of
``batch_size`` (the last one of an epoch may be smaller). A resumed run therefore needs only
the step to continue with the same batches.

Several processes (``torchrun``, multi-worker) run the same loop: every process reads the
same global micro-batches of ``batch_size`` rows and its finetuner trains on its share
(:func:`albert_core.training.distributed.shard_batch`), returning the loss of the whole
batch. Every process checks the output directory and reads the checkpoint it resumes
before the first :meth:`~albert_core.training.loop.StepTrainer.barrier`; only the main
process writes (arguments, log, checkpoints, ``eval_results.json``, prediction files, the
model, the tokenizer) and shows the progress bar, with a barrier after each checkpoint and
at the end. Evaluation is not sharded: every process predicts the whole validation set with
its own (identical) model and computes the metrics, so every history is the same, and the
main process writes them.

:func:`finetune` is the whole ``albert finetune`` path (checks, tokenizer, task data,
finetuner, loop, test evaluation), shared by the command and each backend's helper such as
``albert_pt.finetune``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import time
from abc import abstractmethod
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from albert_core.io_utils import atomic_write_text
from albert_core.training.finetune_tasks import LABEL_KEYS, TaskData
from albert_core.training.loop import (
    EVAL_FILE,
    LOG_FILE,
    STATE_FILE,
    StepTrainer,
    latest_checkpoint,
    linear_schedule,
    save_checkpoint,
    write_log,
)

ARGS_FILE = "finetuning_args.json"

#: Options a resumed run must share with the checkpoint it continues.
RESUME_KEYS = ("task", "model", "batch_size", "gradient_accumulation_steps", "seed",
               "max_steps", "epochs", "learning_rate", "weight_decay", "warmup_ratio",
               "max_length")


@dataclasses.dataclass
class FinetuneArguments:
    """Options of a fine-tuning run (the ``albert finetune`` options).

    Args:
        task: ``text-classification``, ``token-classification``, ``question-answering``,
            ``multiple-choice`` or ``masked-lm``.
        train_file: the training data.
        output_dir: where checkpoints, the log, the evaluation and the model go.
        validation_file: data evaluated during and after training.
        model: the checkpoint to start from (anything ``from_pretrained`` takes).
        max_steps: optimizer updates in the run (None: ``epochs`` over the data).
        epochs: passes over the training data when ``max_steps`` is None.
        batch_size: examples per forward pass (an update sees
            ``batch_size * gradient_accumulation_steps``).
        learning_rate: peak learning rate of AdamW.
        weight_decay: decoupled weight decay (not on biases and LayerNorm weights).
        warmup_ratio: share of the updates spent warming up linearly.
        max_length: tokens per row.
        doc_stride: overlap of question-answering windows (None: the reader's default).
        version_2_with_negative: SQuAD v2.0 data (questions may have no answer).
        label_all_tokens: token classification labels every piece of a word.
        gradient_accumulation_steps: forward passes per update.
        bf16: bfloat16 autocast.
        seed: seed of the data order, new head weights and dropout.
        eval_every: evaluate every this many updates (0: only at the end).
        save_every: checkpoint every this many updates (and at the end).
        resume: continue from the newest checkpoint in ``output_dir``.
        overwrite: allow a non-empty ``output_dir`` (its checkpoints are dropped).
        stop_after: stop with a checkpoint after this update (None: run to the end).
        keep_checkpoints: checkpoints kept.
        progress: show the tqdm bar.
    """

    task: str
    train_file: str
    output_dir: str
    validation_file: str | None = None
    model: str = "albert-small-wordnet"
    max_steps: int | None = None
    epochs: float = 3.0
    batch_size: int = 8
    learning_rate: float = 5e-5
    weight_decay: float = 0.0
    warmup_ratio: float = 0.0
    max_length: int = 128
    doc_stride: int | None = None
    version_2_with_negative: bool = False
    label_all_tokens: bool = False
    gradient_accumulation_steps: int = 1
    bf16: bool = False
    seed: int = 42
    eval_every: int = 0
    save_every: int = 500
    resume: bool = False
    overwrite: bool = False
    stop_after: int | None = None
    keep_checkpoints: int = 2
    progress: bool = True

    def __post_init__(self) -> None:
        for name in ("batch_size", "gradient_accumulation_steps", "save_every",
                     "keep_checkpoints"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if self.max_steps is not None and self.max_steps < 1:
            raise ValueError(f"max_steps must be positive, got {self.max_steps}")
        if self.max_steps is None and self.epochs <= 0:
            raise ValueError(f"epochs must be positive, got {self.epochs}")
        if self.learning_rate <= 0:
            raise ValueError(f"learning_rate must be positive, got {self.learning_rate}")
        if not 0.0 <= self.warmup_ratio <= 1.0:
            raise ValueError(f"warmup_ratio must be in [0, 1], got {self.warmup_ratio}")
        if self.eval_every < 0:
            raise ValueError(f"eval_every must be 0 or positive, got {self.eval_every}")

    def total_steps(self, rows: int) -> int:
        """Updates of the run on ``rows`` training rows."""
        if self.max_steps is not None:
            return self.max_steps
        per_epoch = math.ceil(rows / self.batch_size)
        return max(1, math.ceil(self.epochs * per_epoch / self.gradient_accumulation_steps))

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict."""
        return dataclasses.asdict(self)


class FrameworkFinetuner(StepTrainer):
    """What a backend implements for :func:`run_finetuning`.

    A finetuner owns the task model of ``data.head`` loaded from ``args.model`` with
    ``data.config_updates`` (head weights the checkpoint lacks initialised from
    ``args.seed``) and AdamW over it (no weight decay where
    :func:`albert_core.training.loop.no_decay`). :meth:`forward_backward` returns
    ``{"loss": ...}``; :meth:`apply_gradients` clips to norm 1; :meth:`save_pretrained`
    writes the config with the data's labels.
    """

    def __init__(self, data: TaskData, args: FinetuneArguments) -> None:
        self.data = data
        self.args = args

    @abstractmethod
    def predict(self, batch: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The head's output fields (``logits``, or ``start_logits`` / ``end_logits``) of
        ``batch`` in inference mode, as float32 numpy."""


def micro_batches(arrays: Mapping[str, np.ndarray], batch_size: int, seed: int,
                  start: int = 0) -> Iterator[dict[str, np.ndarray]]:
    """Training micro-batches from the ``start``-th on, endlessly (see the module doc)."""
    rows = len(arrays["input_ids"])
    per_epoch = math.ceil(rows / batch_size)
    index = start
    while True:
        epoch, position = divmod(index, per_epoch)
        order = np.random.default_rng([seed, epoch]).permutation(rows)
        take = order[position * batch_size:(position + 1) * batch_size]
        yield {key: value[take] for key, value in arrays.items()}
        index += 1


def evaluate(finetuner: FrameworkFinetuner, data: TaskData, batch_size: int,
             output_dir: Path | None = None) -> dict[str, float]:
    """Metrics of the model on ``data.validation`` (in file order), via ``data.score``;
    ``output_dir`` receives the question-answering prediction files."""
    if data.validation is None or data.score is None:
        raise ValueError("there is no validation data to evaluate on")
    rows = len(data.validation["input_ids"])
    parts: list[dict[str, np.ndarray]] = []
    for begin in range(0, rows, batch_size):
        batch = {key: value[begin:begin + batch_size] for key, value in data.validation.items()}
        inputs = {key: value for key, value in batch.items() if key not in LABEL_KEYS}
        parts.append(data.collect(finetuner.predict(inputs), batch))
    collected = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
    return data.score(collected, output_dir)


def check_output_dir(args: FinetuneArguments) -> None:
    """A non-empty output directory needs ``overwrite`` or ``resume``.

    Raises:
        FileExistsError: it is not empty and neither was given.
    """
    out = Path(args.output_dir)
    if out.is_dir() and any(out.iterdir()) and not (args.overwrite or args.resume):
        raise FileExistsError(f"{out} is not empty; pass --overwrite to replace it or --resume "
                              "to continue its checkpoint")
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} is a file, not a directory")


def check_resume(args: FinetuneArguments, framework: str) -> dict[str, Any] | None:
    """With ``args.resume``, the state of the newest checkpoint in ``args.output_dir``
    (None when there is none), checked against this run.

    Raises:
        ValueError: the checkpoint was written by another framework or with other
            :data:`RESUME_KEYS` options.
    """
    checkpoint = latest_checkpoint(args.output_dir) if args.resume else None
    if checkpoint is None:
        return None
    state = json.loads((checkpoint / STATE_FILE).read_text(encoding="utf-8"))
    if state.get("framework") != framework:
        raise ValueError(f"the checkpoint in {args.output_dir} was written by the "
                         f"{state.get('framework')} finetuner, not {framework}")
    saved = state["args"]
    for key in RESUME_KEYS:
        if saved.get(key) != getattr(args, key):
            raise ValueError(
                f"the checkpoint in {args.output_dir} used {key}={saved.get(key)!r}, not "
                f"{getattr(args, key)!r}; resume with the same value or use --overwrite"
            )
    return {**state, "path": str(checkpoint)}


@dataclasses.dataclass
class FinetuningResult:
    """What :func:`run_finetuning` did.

    Attributes:
        step: updates done so far.
        total_steps: updates of the whole schedule.
        finished: whether the schedule ran to its end (the model is then written).
        history: the log lines.
        eval: the final validation metrics (None without validation data or unfinished).
        output_dir: where everything was written.
        test: the test-file metrics of :func:`finetune` (None without a test file).
        main_process: whether this process is the one that wrote the files (and reports).
    """

    step: int
    total_steps: int
    finished: bool
    history: list[dict[str, Any]]
    eval: dict[str, float] | None
    output_dir: Path
    test: dict[str, float] | None = None
    main_process: bool = True


def run_finetuning(finetuner: FrameworkFinetuner, data: TaskData, args: FinetuneArguments,
                   *, tokenizer: Any = None) -> FinetuningResult:
    """Fine-tune ``finetuner``'s model on ``data`` (see the module doc).

    With ``args.resume`` the newest checkpoint in ``args.output_dir`` is continued (its
    options must match, :data:`RESUME_KEYS`). When the schedule ends, the output directory
    holds the model, ``tokenizer`` (its ``save_pretrained``), ``eval_results.json`` (with
    validation data), the question-answering prediction files and ``log.jsonl``.
    """
    check_output_dir(args)
    output_dir = Path(args.output_dir)
    main = finetuner.is_main_process
    total = args.total_steps(len(data.train["input_ids"]))
    accum = args.gradient_accumulation_steps
    warmup = int(math.ceil(args.warmup_ratio * total))
    step, history = 0, []
    state = check_resume(args, finetuner.framework)
    if state is not None:
        finetuner.load_state(Path(state["path"]))
        step, history = int(state["step"]), list(state["history"])
    # Every process has checked the output and read the checkpoint before the main one
    # writes, drops old checkpoints or, at its next save, prunes the one just read.
    finetuner.barrier()
    if main:
        if state is None and args.overwrite and (output_dir / "checkpoints").is_dir():
            import shutil

            shutil.rmtree(output_dir / "checkpoints")
        output_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(output_dir / ARGS_FILE, json.dumps(
            {"args": args.to_dict(), "framework": finetuner.framework,
             "config_updates": data.config_updates},
            indent=2) + "\n", overwrite=True)
        write_log(output_dir / LOG_FILE, history)

    def log(record: dict[str, Any]) -> None:
        history.append(record)
        if main:
            with open(output_dir / LOG_FILE, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(record) + "\n")

    def make_state() -> dict[str, Any]:
        return {"step": step, "framework": finetuner.framework, "args": args.to_dict(),
                "history": history}

    batches = micro_batches(data.train, args.batch_size, args.seed, start=step * accum)
    bar = None
    if args.progress and main:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, initial=step, desc=f"finetune {data.task} ({finetuner.framework})",
                   unit="step", dynamic_ncols=True)
    stop_at = total if args.stop_after is None else min(total, args.stop_after)
    try:
        while step < stop_at:
            lr = linear_schedule(step, args.learning_rate, warmup, total)
            started, loss = time.monotonic(), 0.0
            for _ in range(accum):
                loss += finetuner.forward_backward(next(batches), 1.0 / accum)["loss"] / accum
            finetuner.apply_gradients(lr)
            step += 1
            log({"step": step, "loss": loss, "learning_rate": lr,
                 "seconds": round(time.monotonic() - started, 4)})
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{loss:.4f}", lr=f"{lr:.2e}")
            if args.eval_every and step % args.eval_every == 0 and step < total \
                    and data.validation is not None:
                log({"step": step, **{f"eval_{k}": v for k, v in
                                      evaluate(finetuner, data, args.batch_size).items()}})
            if step % args.save_every == 0 or step == stop_at:
                if main:
                    save_checkpoint(finetuner, output_dir, make_state(), args.keep_checkpoints)
                finetuner.barrier()
    finally:
        if bar is not None:
            bar.close()
    finished = step >= total
    result = None
    if finished:
        if data.validation is not None:
            result = evaluate(finetuner, data, args.batch_size, output_dir if main else None)
            log({"step": step, **{f"eval_{k}": v for k, v in result.items()}})
            if main:
                atomic_write_text(output_dir / EVAL_FILE, json.dumps(result, indent=2) + "\n",
                                  overwrite=True)
        if main:
            finetuner.save_pretrained(output_dir)
            if tokenizer is not None:
                tokenizer.save_pretrained(output_dir)
    finetuner.barrier()
    return FinetuningResult(step, total, finished, history, result, output_dir,
                            main_process=main)


TEST_FILE = "test_results.json"

logger = logging.getLogger(__name__)


def check_head(model: str, head: str, config: Any, updates: Mapping[str, Any]) -> None:
    """A classifier head already in the checkpoint ``model`` must have as many labels as
    the data (``updates``: its config updates).

    Raises:
        ValueError: it has another count (the message says how to train a new head).
    """
    from albert_core.heads import head_spec

    if head not in ("sequence-classification", "token-classification"):
        return
    from albert_core.checkpoints import resolve_directory

    saved = json.loads((resolve_directory(model) / "config.json").read_text(encoding="utf-8"))
    if head_spec(head).pt_class not in (saved.get("architectures") or []):
        return
    wanted = len(updates["id2label"]) if "id2label" in updates else updates.get("num_labels", 1)
    if config.num_labels != wanted:
        raise ValueError(
            f"{model} has a {head} head with {config.num_labels} labels but the data has "
            f"{wanted}; to train a new head, start from a checkpoint without it (its base "
            "model, e.g. saved with the head dropped) or use data with the same labels"
        )


def finetune(
    framework: str,
    task: str,
    train_file: str | os.PathLike[str],
    output_dir: str | os.PathLike[str],
    *,
    validation_file: str | os.PathLike[str] | None = None,
    test_file: str | os.PathLike[str] | None = None,
    finetuner_options: Mapping[str, Any] | None = None,
    notify: Callable[[str], None] | None = None,
    **options: Any,
) -> FinetuningResult:
    """Fine-tune ``options["model"]`` on ``task``'s ``train_file`` with ``framework``'s
    finetuner: what ``albert finetune`` does.

    Everything that can be refused is checked before anything is written: the output
    directory and the checkpoint to resume, ``max_length`` against the model, the
    framework's finetuner, the data files, and the label count against a classifier head
    the checkpoint already has. Then the tokenizer and the task data are loaded, the
    finetuner is built (``finetuner_options`` go to its constructor, e.g. PyTorch's
    ``device``), :func:`run_finetuning` runs, and a finished run evaluates ``test_file``
    into ``test_results.json``. Under several processes every one of them calls this.

    Args:
        framework: ``pt``, ``tf`` or ``flax``.
        task: a key of :data:`albert_core.training.finetune_tasks.TASK_HEADS`.
        train_file: the training data.
        output_dir: where the run writes (see :func:`run_finetuning`).
        validation_file: data evaluated during and after training.
        test_file: data evaluated once at the end.
        finetuner_options: keyword arguments of the finetuner's constructor.
        notify: receives the note naming newly initialised head weights (main process,
            not on resume; default: this module's logger, level warning).
        **options: the other fields of :class:`FinetuneArguments` (``model``,
            ``max_steps``, ``batch_size``, ``learning_rate``, ``resume``, ...).

    Returns:
        The :class:`FinetuningResult` (``test`` holds the test metrics).

    Raises:
        FileExistsError: the output directory is not empty and neither ``overwrite`` nor
            ``resume`` was given.
        ValueError: bad options, data, or a checkpoint that does not fit (one message
            naming the value).
        NotImplementedError: ``framework`` has no finetuner.
    """
    from albert_core.config import AlbertConfig
    from albert_core.tokenizers.fast import AlbertTokenizerFast
    from albert_core.training.finetune_tasks import load_task_data

    args = FinetuneArguments(
        task=task, train_file=str(train_file), output_dir=str(output_dir),
        validation_file=None if validation_file is None else str(validation_file), **options)
    check_output_dir(args)
    resumed = check_resume(args, framework) is not None
    config = AlbertConfig.from_pretrained(args.model)
    if args.max_length > config.max_position_embeddings:
        raise ValueError(f"max_length {args.max_length} is above the model's "
                         f"max_position_embeddings ({config.max_position_embeddings})")
    cls = finetuner_class(framework)
    tokenizer = AlbertTokenizerFast.from_pretrained(args.model)
    data_options = {"max_length": args.max_length, "doc_stride": args.doc_stride,
                    "version_2_with_negative": args.version_2_with_negative,
                    "label_all_tokens": args.label_all_tokens, "seed": args.seed}
    data = load_task_data(task, train_file, validation_file, tokenizer, **data_options)
    check_head(args.model, data.head, config, data.config_updates)
    finetuner = cls(data, args, **dict(finetuner_options or {}))
    new_weights = getattr(finetuner, "new_weights", None)
    if new_weights and not resumed and finetuner.is_main_process:
        (notify or logger.warning)(
            f"new {data.head} weights (initialised): {', '.join(new_weights)}")
    result = run_finetuning(finetuner, data, args, tokenizer=tokenizer)
    if result.finished and test_file is not None:
        test = load_task_data(task, train_file, test_file, tokenizer, **data_options)
        result.test = evaluate(finetuner, test, args.batch_size)
        if finetuner.is_main_process:
            atomic_write_text(result.output_dir / TEST_FILE,
                              json.dumps(result.test, indent=2) + "\n", overwrite=True)
        finetuner.barrier()
    return result


def finetuner_class(framework: str) -> type[FrameworkFinetuner]:
    """The finetuner of ``framework``: its backend's
    :meth:`~albert_core.backend.Backend.finetuner`, imported on demand."""
    from albert_core.backend import get_backend

    return get_backend(framework).finetuner()


__all__ = [
    "ARGS_FILE",
    "RESUME_KEYS",
    "TEST_FILE",
    "FinetuneArguments",
    "FinetuningResult",
    "FrameworkFinetuner",
    "check_head",
    "check_output_dir",
    "check_resume",
    "evaluate",
    "finetune",
    "finetuner_class",
    "micro_batches",
    "run_finetuning",
]
