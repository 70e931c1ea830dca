"""The pre-training loop every backend shares (``albert pretrain``).

A backend supplies a :class:`FrameworkTrainer`: a model and an optimizer that can run a
forward/backward pass on a numpy batch (adding to accumulated gradients), apply the
accumulated gradients at a learning rate, evaluate a batch, and save/load their full state.
Everything else is here, written once:

* the learning-rate schedule (:func:`linear_schedule`: linear warmup, then linear decay to
  zero) and which weights get no weight decay or layer adaptation (:func:`no_decay`);
* the loop (:func:`run_pretraining`): gradient accumulation, a tqdm progress bar with loss,
  masked-LM accuracy and sentence-order accuracy, a JSON-lines log, checkpoints every
  ``save_every`` steps that resume exactly (model, optimizer state, random state, data
  position, step, running metrics), a final evaluation on the held-out split, and the
  trained model written with ``save_pretrained`` next to its tokenizer.

Losses, as the backends compute them: the masked-LM loss is the mean cross-entropy over the
predicted positions (``masked_lm_weights`` = 1), the sentence-order loss the mean
cross-entropy over the batch, and the training objective their sum, as in ALBERT. With
gradient accumulation each micro-batch's objective is scaled by ``1 / grad_accum_steps``.

Checkpoints live in ``OUT/checkpoints/step-NNNNNNNN/`` (``trainer_state.json`` plus the
backend's files) and are written atomically; the newest is resumed from when the same
command runs again.

Several processes (``torchrun``, multi-worker) run the same loop on the same global
batches; the trainer takes its share (:mod:`albert_core.training.distributed`) and returns
the metric sums of the whole batch. Every process checks the output directory and reads
the checkpoint before :meth:`StepTrainer.barrier`; only the main process
(:attr:`StepTrainer.is_main_process`) writes files (arguments, log, checkpoints, the
evaluation, the model, the tokenizer) and shows the progress bar, with a barrier after each
checkpoint and at the end. Every process evaluates the held-out data itself, so their logs
agree, and ``--time-limit`` stops them all when any one's clock runs out
(:meth:`StepTrainer.any_process`).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import shutil
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from albert_core.backend import get_backend
from albert_core.config import AlbertConfig
from albert_core.io_utils import atomic_directory, atomic_write_text
from albert_core.training.dataset import PretrainingData

OPTIMIZERS = ("lamb", "adamw")
CHECKPOINT_DIR = "checkpoints"
STATE_FILE = "trainer_state.json"
LOG_FILE = "log.jsonl"
EVAL_FILE = "eval_results.json"
ARGS_FILE = "pretraining_args.json"

#: Substrings of a weight's name (any backend's spelling) that exclude it from weight
#: decay and from LAMB's layer adaptation: LayerNorm scales and offsets, and biases.
NO_DECAY_PATTERNS: tuple[str, ...] = ("LayerNorm", "layer_norm", "bias")

#: Names of the metric sums a trainer returns for one batch.
METRIC_SUMS = ("mlm_loss_sum", "mlm_count", "mlm_correct", "sop_loss_sum", "sop_count",
               "sop_correct")


def no_decay(name: str) -> bool:
    """Whether the weight ``name`` is a LayerNorm parameter or a bias (see
    :data:`NO_DECAY_PATTERNS`); works on PyTorch, Keras and Flax names alike."""
    return any(pattern in name for pattern in NO_DECAY_PATTERNS)


def linear_schedule(step: int, peak: float, warmup_steps: int, total_steps: int) -> float:
    """Learning rate of update ``step`` (0-based): linear warmup to ``peak`` over
    ``warmup_steps`` updates, then linear decay to 0 at ``total_steps``."""
    if warmup_steps > 0 and step < warmup_steps:
        return peak * (step + 1) / warmup_steps
    remaining = max(0, total_steps - step)
    return peak * remaining / max(1, total_steps - warmup_steps)


# ============================================================================ arguments
@dataclasses.dataclass
class PretrainingArguments:
    """Options of a pre-training run.

    Args:
        output_dir: where checkpoints, the log, the evaluation and the final model go.
        steps: optimizer updates in the whole run (the schedule's length).
        batch_size: examples per update (split into ``grad_accum_steps`` micro-batches).
        learning_rate: peak learning rate.
        optimizer: ``"lamb"`` (ALBERT's) or ``"adamw"``.
        warmup_steps: updates of linear warmup (None: 5% of ``steps``, at least 1).
        weight_decay: decoupled weight decay (not on LayerNorm weights and biases).
        beta1, beta2, epsilon: moment decay rates and epsilon of LAMB/AdamW.
        max_grad_norm: clip the global gradient norm to this (0: no clipping).
        grad_accum_steps: micro-batches per update.
        save_every: write a checkpoint every this many updates (and at the end).
        keep_checkpoints: checkpoints kept (older ones are deleted).
        log_every: updates between log lines / progress-bar refreshes.
        eval_every: evaluate on the held-out split every this many updates (0: only at the
            end).
        eval_batches: held-out batches per evaluation at most (0: the whole split).
        seed: seed of the initial weights, the data order, the masks and dropout.
        stop_after: stop (with a checkpoint) after this update even though the schedule
            goes on; run again to continue (None: run to ``steps``).
        time_limit: stop (with a checkpoint) after this many seconds of this process.
        progress: show the tqdm progress bar.
    """

    output_dir: str
    steps: int
    batch_size: int = 32
    learning_rate: float = 1e-3
    optimizer: str = "lamb"
    warmup_steps: int | None = None
    weight_decay: float = 0.01
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-6
    max_grad_norm: float = 1.0
    grad_accum_steps: int = 1
    save_every: int = 1000
    keep_checkpoints: int = 2
    log_every: int = 10
    eval_every: int = 0
    eval_batches: int = 50
    seed: int = 0
    stop_after: int | None = None
    time_limit: float | None = None
    progress: bool = True

    def __post_init__(self) -> None:
        if self.steps < 1:
            raise ValueError(f"steps must be positive, got {self.steps}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        if self.grad_accum_steps < 1 or self.batch_size % self.grad_accum_steps:
            raise ValueError(
                f"batch_size ({self.batch_size}) must be a multiple of grad_accum_steps "
                f"({self.grad_accum_steps})"
            )
        for name in ("save_every", "log_every", "keep_checkpoints"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if self.learning_rate <= 0:
            raise ValueError(f"learning_rate must be positive, got {self.learning_rate}")

    @property
    def micro_batch_size(self) -> int:
        """Examples per forward/backward pass."""
        return self.batch_size // self.grad_accum_steps

    @property
    def warmup(self) -> int:
        """Warmup updates actually used."""
        if self.warmup_steps is not None:
            return min(self.warmup_steps, self.steps)
        return max(1, self.steps // 20)

    def learning_rate_at(self, step: int) -> float:
        """The schedule's learning rate for update ``step`` (0-based)."""
        return linear_schedule(step, self.learning_rate, self.warmup, self.steps)

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict."""
        return dataclasses.asdict(self)


# ============================================================================== trainer
class StepTrainer(ABC):
    """What every training loop asks of a framework: accumulate gradients, step, and keep
    enough state to continue exactly. :class:`FrameworkTrainer` (pre-training) and
    :class:`albert_core.training.finetune.FrameworkFinetuner` add what their loop reads."""

    #: The ``--framework`` name.
    framework: ClassVar[str] = ""

    @property
    def process_index(self) -> int:
        """This process's rank among the processes training together (0 alone)."""
        return 0

    @property
    def process_count(self) -> int:
        """How many processes train together (``torchrun``, multi-worker); 1 alone."""
        return 1

    @property
    def is_main_process(self) -> bool:
        """Whether this process writes the run's files (rank 0 / the chief)."""
        return self.process_index == 0

    def barrier(self) -> None:
        """Wait until every process reaches this point (nothing to wait for alone)."""
        return None

    def any_process(self, flag: bool) -> bool:
        """Whether ``flag`` is true on any process, so that every process takes the same
        branch (a collective: every process must call it; ``flag`` itself alone)."""
        return flag

    @abstractmethod
    def forward_backward(self, batch: Mapping[str, np.ndarray], scale: float) -> dict[str, float]:
        """Run the model in training mode on ``batch``, add ``scale`` times the gradient of
        its objective to the accumulated gradients, and return its metric sums."""

    @abstractmethod
    def apply_gradients(self, learning_rate: float) -> None:
        """Clip the accumulated gradients, take one optimizer step at ``learning_rate`` and
        reset the accumulation."""

    @abstractmethod
    def save_state(self, directory: Path) -> None:
        """Write everything needed to continue exactly (weights, optimizer, random state)
        into the existing ``directory``."""

    @abstractmethod
    def load_state(self, directory: Path) -> None:
        """Restore what :meth:`save_state` wrote."""

    @abstractmethod
    def save_pretrained(self, directory: Path) -> None:
        """Write the model (``config.json`` + ``model.safetensors``) into ``directory``."""


class FrameworkTrainer(StepTrainer):
    """What a backend implements for :func:`run_pretraining`.

    A trainer owns an ``*ForPreTraining`` model built from ``config`` (initialised from
    ``args.seed``) and an optimizer (:attr:`PretrainingArguments.optimizer`, with the
    hyper-parameters of ``args``, no weight decay or layer adaptation where
    :func:`no_decay`). Batches are the numpy dicts of
    :class:`albert_core.training.dataset.BatchIterator`; :meth:`forward_backward` and
    :meth:`evaluate` return the metric sums of :data:`METRIC_SUMS`.
    """

    def __init__(self, config: AlbertConfig, args: PretrainingArguments) -> None:
        self.config = config
        self.args = args

    @abstractmethod
    def evaluate(self, batch: Mapping[str, np.ndarray]) -> dict[str, float]:
        """Metric sums (:data:`METRIC_SUMS`) of ``batch`` in inference mode."""

    @abstractmethod
    def numpy_weights(self) -> dict[str, np.ndarray]:
        """The model's canonical tensors as numpy arrays (for tests and reports)."""


def trainer_class(framework: str) -> type[FrameworkTrainer]:
    """The trainer of ``framework`` (``pt``, ``tf`` or ``flax``): its backend's
    :meth:`~albert_core.backend.Backend.pretrainer`, imported on demand.

    Raises:
        ValueError: an unknown framework.
        ImportError: its framework is not installed (the extra to install named).
    """
    return get_backend(framework).pretrainer()


# ============================================================================== metrics
class MetricSums:
    """Running sums of :data:`METRIC_SUMS` and the derived averages."""

    def __init__(self, values: Mapping[str, float] | None = None) -> None:
        self.values = {key: float((values or {}).get(key, 0.0)) for key in METRIC_SUMS}
        self.batches = int((values or {}).get("batches", 0))

    def add(self, sums: Mapping[str, float]) -> None:
        """Add one batch's sums."""
        for key in METRIC_SUMS:
            self.values[key] += float(sums[key])
        self.batches += 1

    def summary(self) -> dict[str, float]:
        """``loss`` (MLM + SOP), ``mlm_loss``, ``sop_loss``, ``mlm_accuracy``,
        ``sop_accuracy`` and ``mlm_perplexity``."""
        v = self.values
        mlm = v["mlm_loss_sum"] / max(1.0, v["mlm_count"])
        sop = v["sop_loss_sum"] / max(1.0, v["sop_count"])
        return {
            "loss": mlm + sop,
            "mlm_loss": mlm,
            "sop_loss": sop,
            "mlm_accuracy": v["mlm_correct"] / max(1.0, v["mlm_count"]),
            "sop_accuracy": v["sop_correct"] / max(1.0, v["sop_count"]),
            "mlm_perplexity": math.exp(min(mlm, 50.0)),
        }

    def state(self) -> dict[str, float]:
        """JSON-ready sums (for checkpoints)."""
        return {**self.values, "batches": self.batches}


# ========================================================================== checkpoints
def _checkpoint_dirs(output_dir: Path) -> list[tuple[int, Path]]:
    root = output_dir / CHECKPOINT_DIR
    found = []
    if root.is_dir():
        for path in root.iterdir():
            match = re.fullmatch(r"step-(\d+)", path.name)
            if match and (path / STATE_FILE).is_file():
                found.append((int(match.group(1)), path))
    return sorted(found)


def latest_checkpoint(output_dir: str | os.PathLike[str]) -> Path | None:
    """The newest complete checkpoint directory under ``output_dir``, or None."""
    found = _checkpoint_dirs(Path(output_dir))
    return found[-1][1] if found else None


def save_checkpoint(
    trainer: Any, output_dir: Path, state: dict[str, Any], keep: int
) -> Path:
    """Write ``trainer``'s state (its ``save_state``) and ``state`` as
    ``trainer_state.json`` into ``OUTPUT/checkpoints/step-NNNNNNNN`` atomically, keeping the
    newest ``keep`` checkpoints."""
    path = output_dir / CHECKPOINT_DIR / f"step-{state['step']:08d}"
    with atomic_directory(path, overwrite=True) as tmp:
        trainer.save_state(tmp)
        (tmp / STATE_FILE).write_text(json.dumps(state, indent=1) + "\n", encoding="utf-8")
    for _, old in _checkpoint_dirs(output_dir)[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return path


def write_log(path: Path, history: Iterable[Mapping[str, Any]]) -> None:
    """Rewrite the JSON-lines log ``path`` with ``history`` atomically."""
    atomic_write_text(path, "".join(json.dumps(h) + "\n" for h in history), overwrite=True)


# ================================================================================= loop
@dataclasses.dataclass
class PretrainingResult:
    """What :func:`run_pretraining` did.

    Attributes:
        step: updates done so far (``args.steps`` when finished).
        finished: whether the schedule ran to its end (the model and evaluation are then
            written).
        history: the logged training metrics, one dict per log line.
        eval: held-out metrics of the final model (None if not finished).
        output_dir: where everything was written.
        train_seconds: time spent in training steps over all runs of this output.
    """

    step: int
    finished: bool
    history: list[dict[str, Any]]
    eval: dict[str, float] | None
    output_dir: Path
    train_seconds: float


def evaluate(
    trainer: FrameworkTrainer, data: PretrainingData, batch_size: int, max_batches: int,
    seed: int,
) -> dict[str, float]:
    """Held-out metrics (see :meth:`MetricSums.summary`) over the first ``max_batches`` full
    batches of ``data`` in file order with fixed masks (0: all), plus ``examples``."""
    sums = MetricSums()
    # Full batches only (one shape: jitted steps compile once), unless there are none.
    iterator = data.batches(batch_size, seed=seed, shuffle=False, epochs=1,
                            drop_last=len(data) >= batch_size)
    examples = 0
    for index, batch in enumerate(iterator):
        if max_batches and index >= max_batches:
            break
        sums.add(trainer.evaluate(batch))
        examples += len(batch["input_ids"])
    return {**sums.summary(), "examples": examples}


def run_pretraining(
    trainer: FrameworkTrainer,
    data_dir: str | os.PathLike[str],
    args: PretrainingArguments,
    *,
    resume: bool = True,
) -> PretrainingResult:
    """Pre-train ``trainer``'s model on the dataset in ``data_dir`` (see the module doc).

    With ``resume`` the newest checkpoint in ``args.output_dir`` is continued (its config
    must match); otherwise an output directory holding checkpoints is an error. Returns a
    :class:`PretrainingResult`; when the schedule is finished, ``OUTPUT_DIR`` holds the
    model, its tokenizer, ``eval_results.json`` and ``log.jsonl``.
    """
    output_dir = Path(args.output_dir)
    main = trainer.is_main_process
    train = PretrainingData(data_dir, "train")
    seq = train.config.max_seq_length
    if seq > trainer.config.max_position_embeddings:
        raise ValueError(
            f"the data has max_seq_length={seq} but the model's max_position_embeddings is "
            f"{trainer.config.max_position_embeddings}"
        )
    if train.vocab.vocab_size != trainer.config.vocab_size:
        raise ValueError(
            f"the data's tokenizer has {train.vocab.vocab_size} ids but the config has "
            f"vocab_size={trainer.config.vocab_size}"
        )
    iterator = train.batches(args.micro_batch_size, seed=args.seed)
    step, train_seconds = 0, 0.0
    history: list[dict[str, Any]] = []
    window = MetricSums()
    checkpoint = latest_checkpoint(output_dir)
    if checkpoint is not None:
        if not resume:
            raise FileExistsError(f"{output_dir} already holds checkpoints ({checkpoint.name})")
        state = json.loads((checkpoint / STATE_FILE).read_text(encoding="utf-8"))
        _check_resumable(state, trainer, args)
        trainer.load_state(checkpoint)
        iterator.load_state_dict(state["data"])
        step, train_seconds = int(state["step"]), float(state["train_seconds"])
        history = list(state["history"])
        window = MetricSums(state["window"])
    # Every process has checked the output and read the checkpoint before the main one
    # writes (or, at its next save, prunes that checkpoint).
    trainer.barrier()
    if main:
        output_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(output_dir / ARGS_FILE, json.dumps(
            {"args": args.to_dict(), "config": trainer.config.to_dict(),
             "framework": trainer.framework, "data": str(data_dir)}, indent=2) + "\n",
            overwrite=True)
        write_log(output_dir / LOG_FILE, history)
    heldout = PretrainingData(data_dir, "heldout") if _has_heldout(train) else None

    def make_state() -> dict[str, Any]:
        return {
            "step": step, "framework": trainer.framework, "config": trainer.config.to_dict(),
            "args": args.to_dict(), "data": iterator.state_dict(),
            "train_seconds": train_seconds, "history": history, "window": window.state(),
        }

    def log(record: dict[str, Any]) -> None:
        history.append(record)
        if main:
            with open(output_dir / LOG_FILE, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(record) + "\n")

    bar = None
    if args.progress and main:
        from tqdm.auto import tqdm

        bar = tqdm(total=args.steps, initial=step, desc=f"pretrain ({trainer.framework})",
                   unit="step", dynamic_ncols=True)
    started = time.monotonic()
    stop_at = args.steps if args.stop_after is None else min(args.steps, args.stop_after)
    tokens_window, window_start = 0, time.monotonic()
    try:
        while step < stop_at:
            lr = args.learning_rate_at(step)
            t0 = time.monotonic()
            for _ in range(args.grad_accum_steps):
                batch = next(iterator)
                tokens_window += int(batch["attention_mask"].sum())
                window.add(trainer.forward_backward(batch, 1.0 / args.grad_accum_steps))
            trainer.apply_gradients(lr)
            train_seconds += time.monotonic() - t0
            step += 1
            if bar is not None:
                bar.update(1)
            if step % args.log_every == 0 or step == args.steps:
                elapsed = max(1e-9, time.monotonic() - window_start)
                record = {"step": step, "learning_rate": lr, **window.summary(),
                          "epoch": round(iterator.epoch, 4),
                          "tokens_per_second": tokens_window / elapsed,
                          "train_seconds": round(train_seconds, 2)}
                log(record)
                if bar is not None:
                    bar.set_postfix(loss=f"{record['loss']:.3f}",
                                    mlm_acc=f"{record['mlm_accuracy']:.3f}",
                                    sop_acc=f"{record['sop_accuracy']:.3f}", lr=f"{lr:.2e}")
                window = MetricSums()
                tokens_window, window_start = 0, time.monotonic()
            if args.eval_every and step % args.eval_every == 0 and heldout is not None \
                    and step < args.steps:
                result = evaluate(trainer, heldout, args.micro_batch_size, args.eval_batches,
                                  args.seed)
                log({"step": step, **{f"eval_{k}": v for k, v in result.items()}})
            # Processes stop together: the clock of any one of them decides.
            out_of_time = args.time_limit is not None and trainer.any_process(
                time.monotonic() - started >= args.time_limit
            )
            if step % args.save_every == 0 or step == stop_at or out_of_time:
                if main:
                    save_checkpoint(trainer, output_dir, make_state(), args.keep_checkpoints)
                trainer.barrier()
            if out_of_time:
                break
    finally:
        if bar is not None:
            bar.close()
    finished = step >= args.steps
    eval_result = None
    if finished:
        if heldout is not None:
            eval_result = evaluate(trainer, heldout, args.micro_batch_size, args.eval_batches,
                                   args.seed)
            eval_result = {**eval_result, "step": step}
            if main:
                atomic_write_text(output_dir / EVAL_FILE,
                                  json.dumps(eval_result, indent=2) + "\n", overwrite=True)
        if main:
            trainer.save_pretrained(output_dir)
            _copy_tokenizer(train.tokenizer_dir, output_dir)
    trainer.barrier()
    return PretrainingResult(step, finished, history, eval_result, output_dir, train_seconds)


def _has_heldout(train: PretrainingData) -> bool:
    return bool(train.meta["splits"].get("heldout", {}).get("examples", 0))


def _copy_tokenizer(source: Path, output_dir: Path) -> None:
    for path in source.iterdir():
        if path.is_file():
            shutil.copyfile(path, output_dir / path.name)


def _check_resumable(
    state: Mapping[str, Any], trainer: FrameworkTrainer, args: PretrainingArguments
) -> None:
    if state["framework"] != trainer.framework:
        raise ValueError(
            f"the checkpoint in {args.output_dir} was written by the {state['framework']} "
            f"trainer, not {trainer.framework}"
        )
    if AlbertConfig.from_dict(state["config"]) != trainer.config:
        raise ValueError(f"the checkpoint in {args.output_dir} has another model config")
    saved = state["args"]
    for key in ("batch_size", "grad_accum_steps", "seed", "optimizer"):
        if saved[key] != getattr(args, key):
            raise ValueError(
                f"the checkpoint in {args.output_dir} used {key}={saved[key]!r}, not "
                f"{getattr(args, key)!r}; resume with the same value or another --out"
            )


__all__ = [
    "ARGS_FILE",
    "CHECKPOINT_DIR",
    "EVAL_FILE",
    "LOG_FILE",
    "METRIC_SUMS",
    "NO_DECAY_PATTERNS",
    "OPTIMIZERS",
    "STATE_FILE",
    "FrameworkTrainer",
    "MetricSums",
    "PretrainingArguments",
    "PretrainingResult",
    "evaluate",
    "latest_checkpoint",
    "linear_schedule",
    "no_decay",
    "run_pretraining",
    "save_checkpoint",
    "trainer_class",
    "write_log",
]
