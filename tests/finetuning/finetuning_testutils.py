"""Fixture data and helpers of the fine-tuning tests: one tiny file per task, the tiny model."""

from __future__ import annotations

import json
from pathlib import Path

from albert_core.cli import main

#: Framework -> the package it needs: the frameworks ``albert finetune`` tests run under.
FRAMEWORKS = {"pt": "torch", "tf": "tensorflow", "flax": "flax"}

#: The tiny committed checkpoint (hidden 32, 2 layers) every test starts from.
TINY_MODEL = str(Path(__file__).resolve().parents[1] / "fixtures" / "tiny-fill-mask")

POSITIVE = ("good great lovely fine", "happy nice wonderful", "excellent superb good")
NEGATIVE = ("bad awful terrible", "sad horrible poor", "dreadful bad nasty")

CONTEXT = "The farmer lives in Paris and the teacher lives in Rome near the river."


def write_task_files(root: Path) -> dict[str, Path]:
    """Write a small training file per task under ``root``; returns task -> path."""
    files = {}
    rows = ["sentence,label"] + [
        f"{(POSITIVE if i % 2 else NEGATIVE)[i % 3]} day,{'pos' if i % 2 else 'neg'}"
        for i in range(40)
    ]
    files["text-classification"] = root / "sentiment.csv"
    files["text-classification"].write_text("\n".join(rows) + "\n", encoding="utf-8")

    sentences = [[("John", "B-PER"), ("lives", "O"), ("in", "O"), ("Paris", "B-LOC")],
                 [("Mary", "B-PER"), ("visits", "O"), ("Rome", "B-LOC"), ("today", "O")]] * 4
    files["token-classification"] = root / "ner.conll"
    files["token-classification"].write_text(
        "\n\n".join("\n".join(f"{w} {t}" for w, t in s) for s in sentences) + "\n",
        encoding="utf-8")

    questions = [("Where does the farmer live?", "Paris"), ("Where does the teacher live?", "Rome")]
    records = [{"id": f"q{i}", "question": q, "context": CONTEXT,
                "answers": {"text": [a], "answer_start": [CONTEXT.index(a)]}}
               for i, (q, a) in enumerate(questions * 3)]
    files["question-answering"] = root / "squad.jsonl"
    files["question-answering"].write_text(
        "".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")

    choices = [{"question": "The cat", "choices": ["sat on the mat", "flew to the moon"],
                "label": 0},
               {"question": "The bird", "choices": ["drove a car", "sang a song"], "label": 1}]
    files["multiple-choice"] = root / "choices.jsonl"
    files["multiple-choice"].write_text(
        "".join(json.dumps(r) + "\n" for r in choices * 3), encoding="utf-8")

    files["masked-lm"] = root / "text.txt"
    files["masked-lm"].write_text(
        "\n".join(f"the {w} farmer sees the river in the morning" for w in
                  ("old", "young", "happy", "quiet", "tall", "brave")) + "\n", encoding="utf-8")
    return files


def finetune(task: str, train: Path, out: Path, *extra: str, validation: Path | None = None,
             steps: int = 3, framework: str = "pt") -> int:
    """Run ``albert finetune --framework framework`` in-process on the tiny model; returns
    the exit status."""
    argv = ["finetune", "--task", task, "--train", str(train), "--out", str(out),
            "--model", TINY_MODEL, "--max-steps", str(steps), "--batch-size", "4",
            "--max-length", "32", "--framework", framework, "--quiet", *extra]
    if validation is not None:
        argv += ["--validation", str(validation)]
    return main(argv)
