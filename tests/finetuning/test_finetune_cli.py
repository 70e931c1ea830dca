"""``albert finetune`` on every task with the tiny model: the saved model, its labels, the
evaluation keys, the loss going down, exact resume and the bad-input errors. Tests taking
the ``framework`` fixture run under every framework that fine-tunes."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from finetuning_testutils import CONTEXT, finetune
from safetensors.numpy import load_file

from albert_core.cli import main
from albert_core.config import AlbertConfig

#: --task -> (extra options, keys eval_results.json must have).
EXPECTED = {
    "text-classification": ((), {"accuracy", "f1", "matthews_correlation"}),
    "token-classification": ((), {"precision", "recall", "f1", "accuracy"}),
    "question-answering": (("--doc-stride", "8"), {"exact_match", "f1"}),
    "multiple-choice": ((), {"accuracy"}),
    "masked-lm": ((), {"accuracy", "perplexity"}),
}


@pytest.mark.parametrize("task", sorted(EXPECTED))
def test_every_task_finetunes_and_serves(task: str, framework: str,
                                         task_files: dict[str, Path], tmp_path: Path,
                                         read_json, capsys) -> None:
    extra, keys = EXPECTED[task]
    out = tmp_path / "out"
    train = task_files[task]
    assert finetune(task, train, out, *extra, validation=train, framework=framework) == 0
    hint = capsys.readouterr().err.strip().splitlines()[-1]
    if task == "multiple-choice":  # albert run has no such task: the hint names the class
        assert "AlbertForMultipleChoice.from_pretrained" in hint
    else:
        assert hint.startswith("albert finetune: serve it with: albert run --task")
    results = read_json(out / "eval_results.json")
    assert keys <= set(results)
    for key in keys - {"perplexity", "exact_match", "f1"} if task == "question-answering" \
            else keys - {"perplexity"}:
        assert 0.0 <= results[key] <= 1.0
    log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log if "loss" in r] == [1, 2, 3]
    assert all(np.isfinite(r["loss"]) for r in log if "loss" in r)
    assert (out / "tokenizer.json").is_file() and (out / "model.safetensors").is_file()
    config = AlbertConfig.from_pretrained(out)
    if task == "text-classification":
        assert set(config.id2label.values()) == {"neg", "pos"}
    if task == "token-classification":
        assert set(config.id2label.values()) == {"O", "B-PER", "B-LOC"}
    if task == "question-answering":
        assert (out / "predictions.json").is_file() and (out / "nbest_predictions.json").is_file()
        predictions = read_json(out / "predictions.json")
        assert set(predictions) == {f"q{i}" for i in range(6)}
        assert 0.0 <= results["f1"] <= 100.0
    if framework == "tf":  # the other frameworks load what Keras wrote, strictly
        from albert_core.backend import get_backend
        from albert_core.training.finetune_tasks import TASK_HEADS

        for other, package in {"pt": "torch", "flax": "flax"}.items():
            if importlib.util.find_spec(package) is not None:  # strict: raises on a mismatch
                assert get_backend(other).from_pretrained(TASK_HEADS[task], out) is not None
    capsys.readouterr()
    run_inputs = {"text-classification": ["good day"], "token-classification": ["John lives"],
                  "masked-lm": ["the old [MASK] sees the river"]}
    # served by its own framework and by PyTorch (the file is the same for every framework)
    for served_by in dict.fromkeys((framework, "pt")) if task in run_inputs else ():
        run_task = "fill-mask" if task == "masked-lm" else task
        assert main(["run", "--task", run_task, "--model", str(out), "--framework", served_by,
                     *run_inputs[task]]) == 0
        printed = capsys.readouterr().out
        if task == "text-classification":
            line = json.loads(printed.splitlines()[0])
            assert line["predictions"][0]["label"] in {"neg", "pos"}


def test_question_answering_v2_keys(task_files: dict[str, Path], tmp_path: Path,
                                    read_json) -> None:
    out = tmp_path / "out"
    train = tmp_path / "squad2.jsonl"
    lines = task_files["question-answering"].read_text(encoding="utf-8").splitlines()
    impossible = {"id": "none", "question": "Who lives on the moon?", "context": CONTEXT,
                  "answers": {"text": [], "answer_start": []}}
    train.write_text("\n".join([*lines, json.dumps(impossible)]) + "\n", encoding="utf-8")
    message_status = finetune("question-answering", train, tmp_path / "v1", "--doc-stride", "8")
    assert message_status == 2 and not (tmp_path / "v1").exists()
    assert finetune("question-answering", train, out, "--version-2-with-negative",
                    "--doc-stride", "8", validation=train) == 0
    results = read_json(out / "eval_results.json")
    assert {"exact", "f1", "HasAns_exact", "HasAns_f1", "NoAns_exact", "NoAns_f1"} <= set(results)
    assert set(read_json(out / "null_odds.json")) == {f"q{i}" for i in range(6)} | {"none"}


def test_loss_goes_down_on_separable_data(task_files: dict[str, Path], tmp_path: Path,
                                          read_json) -> None:
    out = tmp_path / "out"
    train = task_files["text-classification"]
    assert finetune("text-classification", train, out, "--learning-rate", "5e-3",
                    "--batch-size", "8", validation=train, steps=30) == 0
    losses = [json.loads(line)["loss"] for line in (out / "log.jsonl").read_text().splitlines()
              if "loss" in json.loads(line)]
    assert np.mean(losses[-5:]) < 0.5 * np.mean(losses[:5])
    assert read_json(out / "eval_results.json")["accuracy"] == 1.0


def test_resume_gives_the_same_weights(framework: str, task_files: dict[str, Path],
                                       tmp_path: Path) -> None:
    train = task_files["text-classification"]
    options = ("--learning-rate", "1e-3", "--gradient-accumulation-steps", "2",
               "--warmup-ratio", "0.2", "--save-every", "2")
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    assert finetune("text-classification", train, whole, *options, steps=12,
                    framework=framework) == 0
    assert finetune("text-classification", train, parts, *options, "--stop-after", "5",
                    steps=12, framework=framework) == 0
    assert not (parts / "model.safetensors").exists()
    assert finetune("text-classification", train, parts, *options, "--resume", steps=12,
                    framework=framework) == 0
    a, b = load_file(whole / "model.safetensors"), load_file(parts / "model.safetensors")
    assert set(a) == set(b)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def _error(capsys, status: int) -> str:
    assert status == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("albert finetune: error: ")
    return err[0]


def test_bad_inputs_fail_with_one_line_and_write_nothing(task_files: dict[str, Path],
                                                         tmp_path: Path, capsys) -> None:
    train = task_files["text-classification"]
    out = tmp_path / "out"
    message = _error(capsys, finetune("text-classification", train, out, "--max-length", "999"))
    assert "max_position_embeddings" in message and "999" in message
    empty = tmp_path / "empty.csv"
    empty.write_text("sentence,label\n", encoding="utf-8")
    message = _error(capsys, finetune("text-classification", empty, out))
    assert "empty.csv" in message
    message = _error(capsys, finetune("text-classification", task_files["question-answering"],
                                      out))
    assert "squad.jsonl" in message
    assert not out.exists()

    full = tmp_path / "full"
    full.mkdir()
    (full / "notes.txt").write_text("mine\n", encoding="utf-8")
    message = _error(capsys, finetune("text-classification", train, full))
    assert "--overwrite" in message and "not empty" in message
    assert sorted(p.name for p in full.iterdir()) == ["notes.txt"]


def test_label_count_against_the_checkpoint_head(task_files: dict[str, Path], tmp_path: Path,
                                                 capsys) -> None:
    first = tmp_path / "three-labels"
    three = tmp_path / "three.csv"
    three.write_text("sentence,label\n" + "".join(
        f"text {i},{'abc'[i % 3]}\n" for i in range(9)), encoding="utf-8")
    assert finetune("text-classification", three, first) == 0
    capsys.readouterr()
    out = tmp_path / "out"
    argv = ["finetune", "--task", "text-classification", "--train",
            str(task_files["text-classification"]), "--out", str(out), "--model", str(first),
            "--max-steps", "1", "--quiet"]
    message = _error(capsys, main(argv))
    assert "3 labels" in message and "has 2" in message and "head" in message
    assert not out.exists()


def test_resume_with_other_options_is_refused(framework: str, task_files: dict[str, Path],
                                              tmp_path: Path, capsys) -> None:
    train = task_files["text-classification"]
    out = tmp_path / "out"
    assert finetune("text-classification", train, out, "--stop-after", "1", steps=4,
                    framework=framework) == 0
    capsys.readouterr()
    before = sorted(p.name for p in out.rglob("*"))
    message = _error(capsys, finetune("text-classification", train, out, "--resume",
                                      "--seed", "7", steps=4, framework=framework))
    assert "seed" in message
    other = next(name for name in ("pt", "flax") if name != framework)
    message = _error(capsys, finetune("text-classification", train, out, "--resume", steps=4,
                                      framework=other))
    assert f"{framework} finetuner" in message
    assert sorted(p.name for p in out.rglob("*")) == before


def test_frameworks_without_finetuning_say_so(task_files: dict[str, Path], tmp_path: Path,
                                              capsys, monkeypatch) -> None:
    from albert_core.backend import Backend, get_backend

    # a backend that does not override the hook (the base class's answer)
    monkeypatch.setattr(type(get_backend("pt")), "finetuner", Backend.finetuner)
    out = tmp_path / "out"
    status = finetune("text-classification", task_files["text-classification"], out)
    message = _error(capsys, status)
    assert "fine-tuning in pt is not available yet" in message
    assert not out.exists()


def test_test_file_eval_every_and_bf16(framework: str, task_files: dict[str, Path],
                                       tmp_path: Path, read_json) -> None:
    out = tmp_path / "out"
    train = task_files["text-classification"]
    assert finetune("text-classification", train, out, "--bf16", "--eval-every", "2",
                    "--test", str(train), validation=train, steps=4, framework=framework) == 0
    log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log if "eval_accuracy" in r] == [2, 4]
    assert {"accuracy", "f1"} <= set(read_json(out / "test_results.json"))
    assert all(np.isfinite(r["loss"]) for r in log if "loss" in r)


def test_regression_keys_and_overwrite(tmp_path: Path, read_json) -> None:
    scores = tmp_path / "scores.tsv"
    scores.write_text("sentence1\tsentence2\tlabel\n" + "".join(
        f"good day {i}\tbad day\t{i % 5}.5\n" for i in range(10)), encoding="utf-8")
    out = tmp_path / "out"
    assert finetune("text-classification", scores, out, "--save-every", "1",
                    validation=scores) == 0
    results = read_json(out / "eval_results.json")
    assert {"pearson", "spearmanr"} <= set(results)
    config = AlbertConfig.from_pretrained(out)
    assert config.problem_type == "regression" and config.num_labels == 1
    assert finetune("text-classification", scores, out, "--overwrite", validation=scores,
                    steps=2) == 0
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == ["step-00000002"]


def test_defaults_follow_the_issue() -> None:
    from albert_core.bundled import DEFAULT_MODEL
    from albert_core.cli.app import build_parser

    args = build_parser().parse_args(["finetune", "--task", "masked-lm", "--train", "t.txt",
                                      "--out", "o"])
    assert (args.model, args.framework, args.max_steps) == (DEFAULT_MODEL, "pt", None)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["finetune", "--task", "masked-lm", "--train", "t.txt",
                                   "--out", "o", "--max-steps", "2", "--epochs", "1"])
