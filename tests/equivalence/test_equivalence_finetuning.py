"""Fine-tuning gives the same model in PyTorch, Keras/TensorFlow and JAX/Flax.

For every task: one starting checkpoint (the tiny model with the task's head, written once
by PyTorch, dropout off), the same data, seed and AdamW options, a few updates of the shared
loop (:func:`albert_core.training.finetune.run_finetuning`) in each framework. The weights
written at the end agree within 1e-4 and the validation metrics are the same.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from equivalence_testutils import FRAMEWORKS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "finetuning"))
from finetuning_testutils import TINY_MODEL, write_task_files  # noqa: E402

from albert_core.training.finetune_tasks import TASK_HEADS  # noqa: E402

#: Max abs difference of any weight after the updates.
WEIGHT_ATOL = 1e-4
#: Metrics computed from logits (losses, perplexity, correlations) may differ in the last bits.
METRIC_RTOL = 1e-4
NO_DROPOUT = {"hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0,
              "classifier_dropout_prob": 0.0}
OTHERS = ("tf", "flax")
#: Weights whose gradient is zero in exact arithmetic, so that Adam moves them by up to the
#: learning rate per step on rounding noise alone, differently in every framework: a
#: multiple-choice classifier's bias shifts every choice's score alike (the softmax over the
#: choices does not see it). They are only checked to stay within that bound.
NOISE_ONLY = {("multiple-choice", "classifier.bias")}
STEPS, LEARNING_RATE = 3, 1e-4


@pytest.fixture(scope="module")
def task_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_task_files(tmp_path_factory.mktemp("equivalence-task-data"))


def starting_point(task: str, files: dict[str, Path], root: Path) -> tuple[Any, Path]:
    """The task data and a checkpoint with its head (PyTorch's initialisation, no dropout)."""
    pytest.importorskip("torch")
    import torch

    from albert_core.tokenizers.fast import AlbertTokenizerFast
    from albert_core.training.finetune_tasks import load_task_data
    from albert_pt.models import MODEL_CLASSES

    tokenizer = AlbertTokenizerFast.from_pretrained(TINY_MODEL)
    data = load_task_data(task, files[task], files[task], tokenizer, max_length=32, seed=0)
    torch.manual_seed(0)
    model = MODEL_CLASSES[data.head].from_pretrained(
        TINY_MODEL, strict=False, **data.config_updates, **NO_DROPOUT)
    start = root / f"start-{task}"
    model.save_pretrained(start)
    return data, start


def finetuned(framework: str, data: Any, start: Path, out: Path, task: str) -> tuple[dict, Any]:
    """The weights (canonical name -> numpy) and final metrics of a short run."""
    pytest.importorskip(FRAMEWORKS[framework])
    from safetensors.numpy import load_file

    from albert_core.training.finetune import (
        FinetuneArguments,
        finetuner_class,
        run_finetuning,
    )

    args = FinetuneArguments(
        task=task, train_file="-", output_dir=str(out), model=str(start), max_steps=STEPS,
        batch_size=4, learning_rate=LEARNING_RATE, weight_decay=0.01, warmup_ratio=0.3,
        gradient_accumulation_steps=2 if task == "token-classification" else 1,
        seed=0, save_every=100, progress=False)
    result = run_finetuning(finetuner_class(framework)(data, args), data, args)
    assert result.finished
    return load_file(str(out / "model.safetensors")), result.eval


@pytest.fixture(scope="module")
def runs(task_files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory):
    """task -> framework -> (weights, metrics), each run once."""
    root = tmp_path_factory.mktemp("equivalence-finetuning")
    cache: dict[str, dict[str, tuple[dict, Any]]] = {}

    def get(task: str, framework: str) -> tuple[dict, Any]:
        if task not in cache:
            cache[task] = {"_start": starting_point(task, task_files, root)}
        if framework not in cache[task]:
            data, start = cache[task]["_start"]
            cache[task][framework] = finetuned(framework, data, start,
                                               root / f"{task}-{framework}", task)
        return cache[task][framework]

    return get


@pytest.mark.parametrize("other", OTHERS)
@pytest.mark.parametrize("task", sorted(TASK_HEADS))
def test_weights_and_metrics_agree_with_pytorch(task: str, other: str, runs) -> None:
    reference, reference_metrics = runs(task, "pt")
    weights, metrics = runs(task, other)
    assert set(weights) == set(reference), (
        f"{other} wrote other tensors: {sorted(set(weights) ^ set(reference))}")
    for name, expected in reference.items():
        diff = float(np.max(np.abs(weights[name].astype(np.float64) - expected)))
        if (task, name) in NOISE_ONLY:
            assert diff <= 2 * STEPS * LEARNING_RATE, f"{task} {other}: {name} moved too far"
            continue
        assert diff <= WEIGHT_ATOL, f"{task} {other}: {name} differs by {diff:.2e}"
    assert set(metrics) == set(reference_metrics)
    for key, expected in reference_metrics.items():
        assert metrics[key] == pytest.approx(expected, rel=METRIC_RTOL, abs=1e-6), (
            f"{task} {other}: {key} {metrics[key]} vs PyTorch {expected}")


def test_training_moved_the_weights(runs) -> None:
    """The comparison is not vacuous: the updates changed the backbone's weights."""
    from safetensors.numpy import load_file

    weights, _ = runs("text-classification", "pt")
    base = load_file(str(Path(TINY_MODEL) / "model.safetensors"))
    shared = [name for name in base if name in weights]
    assert shared
    assert max(float(np.max(np.abs(weights[n] - base[n]))) for n in shared) > 1e-4
