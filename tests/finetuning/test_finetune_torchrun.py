"""``albert finetune`` under ``torchrun --nproc_per_node=2`` (DistributedDataParallel, gloo):
the same weights as one process with the same global batch, batches that split unevenly
over the two ranks, files written once, and a stopped and resumed two-process run (dropout
on) equal to an uninterrupted one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from finetuning_testutils import TINY_MODEL, finetune
from torchrun_testutils import assert_same_weights, torchrun

pytest.importorskip("torch")

#: Options of the equivalence runs: 40 rows in micro-batches of 7 (the last of an epoch 5),
#: so the ranks get 4 + 3 and 3 + 2 rows; accumulation exercises no_sync().
CLASSIFICATION = ("--batch-size", "7", "--gradient-accumulation-steps", "2",
                  "--learning-rate", "1e-3", "--warmup-ratio", "0.25", "--weight-decay", "0.01")
#: 8 sentences in micro-batches of 3: 2 + 1 rows per rank, unequal labelled tokens.
TOKENS = ("--batch-size", "3", "--learning-rate", "1e-3")
#: The resume runs keep the model's classifier dropout (0.1).
RESUME = ("--batch-size", "7", "--gradient-accumulation-steps", "2", "--learning-rate", "1e-3",
          "--save-every", "2")


def _argv(task: str, train: Path, out: Path, model: str, steps: int, *extra: str) -> list[str]:
    return ["finetune", "--task", task, "--train", str(train), "--validation", str(train),
            "--out", str(out), "--model", model, "--max-steps", str(steps),
            "--max-length", "32", "--quiet", *extra]


@pytest.fixture(scope="module")
def runs(task_files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One torchrun launch running every two-process fine-tuning of this module."""
    root = tmp_path_factory.mktemp("torchrun-finetune")
    no_dropout = root / "tiny-no-dropout"
    shutil.copytree(TINY_MODEL, no_dropout)
    config = json.loads((no_dropout / "config.json").read_text(encoding="utf-8"))
    config.update(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                  classifier_dropout_prob=0.0)
    (no_dropout / "config.json").write_text(json.dumps(config), encoding="utf-8")
    text, tokens = task_files["text-classification"], task_files["token-classification"]
    commands = [
        _argv("text-classification", text, root / "text-2", str(no_dropout), 6,
              *CLASSIFICATION),
        _argv("token-classification", tokens, root / "tokens-2", str(no_dropout), 4, *TOKENS),
        _argv("text-classification", text, root / "whole-2", TINY_MODEL, 6, *RESUME),
        _argv("text-classification", text, root / "parts-2", TINY_MODEL, 6, *RESUME,
              "--stop-after", "3"),
        _argv("text-classification", text, root / "parts-2", TINY_MODEL, 6, *RESUME,
              "--resume"),
    ]
    torchrun(commands, root / "work")
    return root


def _losses(out: Path) -> list[float]:
    lines = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    return [line["loss"] for line in lines if "loss" in line]


@pytest.mark.parametrize(("task", "name", "steps", "options"), [
    ("text-classification", "text-2", 6, CLASSIFICATION),
    ("token-classification", "tokens-2", 4, TOKENS),
])
def test_two_processes_equal_one(task: str, name: str, steps: int, options: tuple[str, ...],
                                 runs: Path, task_files: dict[str, Path], tmp_path: Path,
                                 read_json) -> None:
    two = runs / name
    one = tmp_path / "one"
    assert finetune(task, task_files[task], one, *options, "--model",
                    str(runs / "tiny-no-dropout"), validation=task_files[task],
                    steps=steps) == 0
    assert_same_weights(one, two, atol=1e-5)
    np.testing.assert_allclose(_losses(two), _losses(one), rtol=1e-5)
    assert len(_losses(two)) == steps
    first, second = read_json(one / "eval_results.json"), read_json(two / "eval_results.json")
    assert first.keys() == second.keys()
    for key in first:
        assert second[key] == pytest.approx(first[key], abs=1e-6), key
    assert sorted(p.name for p in (two / "checkpoints").iterdir()) == [f"step-{steps:08d}"]
    assert (two / "tokenizer.json").is_file()


def test_two_process_resume_equals_uninterrupted(runs: Path) -> None:
    whole, parts = runs / "whole-2", runs / "parts-2"
    assert_same_weights(whole, parts, atol=0)
    assert _losses(whole) == _losses(parts)
