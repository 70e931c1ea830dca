"""``albert_pt.finetune`` (the command's path in Python), gradient checkpointing, ``--device``
and the new-weights note."""

from __future__ import annotations

from pathlib import Path

import pytest
from finetuning_testutils import TINY_MODEL, finetune
from torchrun_testutils import assert_same_weights

pytest.importorskip("torch")


def test_api_with_gradient_checkpointing_equals_the_command(
        task_files: dict[str, Path], tmp_path: Path, read_json) -> None:
    import albert_pt
    from albert_core.training.finetune import FinetuneArguments
    from albert_core.training.finetune_tasks import load_task_data
    from albert_pt.finetuning import PTFinetuner

    train = task_files["text-classification"]
    command, api = tmp_path / "command", tmp_path / "api"
    assert finetune("text-classification", train, command, "--learning-rate", "1e-3",
                    validation=train) == 0
    notes: list[str] = []
    result = albert_pt.finetune(
        "text-classification", train, api, validation_file=train, test_file=train,
        model=TINY_MODEL, gradient_checkpointing=True, device="cpu", notify=notes.append,
        max_steps=3, batch_size=4, max_length=32, learning_rate=1e-3, progress=False)
    assert result.finished and result.step == 3 and result.main_process
    assert_same_weights(command, api, atol=1e-6)
    assert result.eval == read_json(api / "eval_results.json")
    assert result.test == read_json(api / "test_results.json")
    assert len(notes) == 1 and "classifier.weight" in notes[0]

    from albert_core.tokenizers.fast import AlbertTokenizerFast

    args = FinetuneArguments("text-classification", str(train), str(tmp_path / "x"),
                             model=TINY_MODEL, max_length=32)
    data = load_task_data("text-classification", train, None,
                          AlbertTokenizerFast.from_pretrained(TINY_MODEL), max_length=32)
    assert PTFinetuner(data, args, gradient_checkpointing=True).model.is_gradient_checkpointing
    assert not PTFinetuner(data, args).model.is_gradient_checkpointing


def test_resume_does_not_announce_new_weights(task_files: dict[str, Path], tmp_path: Path,
                                              capsys) -> None:
    train, out = task_files["text-classification"], tmp_path / "out"
    assert finetune("text-classification", train, out, "--stop-after", "1", steps=2) == 0
    assert "weights (initialised)" in capsys.readouterr().err
    assert finetune("text-classification", train, out, "--resume", steps=2) == 0
    err = capsys.readouterr().err
    assert "initialised" not in err and "serve it with" in err


def test_pytorch_only_options_and_bad_devices(task_files: dict[str, Path], tmp_path: Path,
                                              capsys) -> None:
    train, out = task_files["text-classification"], tmp_path / "out"
    for extra, words in ((("--framework", "tf", "--device", "cpu"), ("--device", "pt")),
                         (("--framework", "flax", "--gradient-checkpointing"),
                          ("--gradient-checkpointing", "pt")),
                         (("--device", "tpu:3"), ("tpu:3",))):
        assert finetune("text-classification", train, out, *extra) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and all(word in err[0] for word in words), err
    assert not out.exists()


def test_a_process_other_than_the_main_one_writes_nothing(task_files: dict[str, Path],
                                                          tmp_path: Path) -> None:
    from albert_core.tokenizers.fast import AlbertTokenizerFast
    from albert_core.training.finetune import FinetuneArguments, run_finetuning
    from albert_core.training.finetune_tasks import load_task_data
    from albert_pt.finetuning import PTFinetuner

    class SecondRank(PTFinetuner):
        process_index = 1

    train, out = task_files["text-classification"], tmp_path / "out"
    tokenizer = AlbertTokenizerFast.from_pretrained(TINY_MODEL)
    data = load_task_data("text-classification", train, train, tokenizer, max_length=32)
    args = FinetuneArguments("text-classification", str(train), str(out), model=TINY_MODEL,
                             max_steps=2, batch_size=4, max_length=32, save_every=1,
                             progress=False)
    result = run_finetuning(SecondRank(data, args), data, args, tokenizer=tokenizer)
    assert result.finished and not result.main_process
    assert [r["step"] for r in result.history if "loss" in r] == [1, 2]
    assert result.eval is not None and "accuracy" in result.eval
    assert not out.exists()


def test_regression_labels_stay_floats(tmp_path: Path) -> None:
    """The PyTorch loss of float labels is the MSE of those labels, not of truncated ints."""
    import numpy as np

    from albert_core.tokenizers.fast import AlbertTokenizerFast
    from albert_core.training.finetune import FinetuneArguments
    from albert_core.training.finetune_tasks import load_task_data
    from albert_pt.finetuning import PTFinetuner

    train = tmp_path / "scores.csv"
    train.write_text("sentence,label\ngood day,3.5\nbad day,0.25\nfine day,2.75\n",
                     encoding="utf-8")
    tokenizer = AlbertTokenizerFast.from_pretrained(TINY_MODEL)
    data = load_task_data("text-classification", train, None, tokenizer, max_length=16)
    data.config_updates["classifier_dropout_prob"] = 0.0
    args = FinetuneArguments("text-classification", str(train), str(tmp_path / "out"),
                             model=TINY_MODEL, max_length=16)
    finetuner = PTFinetuner(data, args)
    batch = data.train
    assert batch["labels"].dtype.kind == "f" and batch["labels"][0] == 3.5
    inputs = {k: v for k, v in batch.items() if k != "labels"}
    logits = finetuner.predict(inputs)["logits"].reshape(-1)
    loss = finetuner.forward_backward(batch, 1.0)["loss"]
    assert loss == pytest.approx(float(np.mean((logits - batch["labels"]) ** 2)), rel=1e-5)
