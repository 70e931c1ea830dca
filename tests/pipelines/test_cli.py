"""``albert run`` for every task, its input forms and errors; ``albert --help``; a subprocess."""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pipeline_testutils import TASK_MODELS, framework_installed

from albert_core import cli
from albert_core.pipelines import TASK_ALIASES

pytestmark = pytest.mark.skipif(not framework_installed("pt"),
                                reason="albert run defaults to the PyTorch backend")

CONTEXT = "The Eiffel Tower is in Paris. It was built in 1889 for the World's Fair."


@pytest.fixture
def run(tiny_dirs, capsys, monkeypatch):
    """``run(task, *args, stdin=None)`` -> (exit status, stdout, stderr) of ``albert run``."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    def invoke(task, *args, stdin=None, model=None):
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin or ""))
        name = TASK_MODELS.get(TASK_ALIASES.get(task, task), "tiny-fill-mask")
        model = model or str(tiny_dirs[name])
        code = cli.main(["run", "--task", task, "--model", model, *args])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def records(out):
    return [json.loads(line) for line in out.splitlines()]


def test_text_classification(run):
    code, out, _ = run("text-classification", "--top-k", "2", "What a day.", "Bad.")
    assert code == 0
    lines = records(out)
    assert [r["input"] for r in lines] == ["What a day.", "Bad."]
    assert {p["label"] for p in lines[0]["predictions"]} == {"NEGATIVE", "POSITIVE"}
    code, out, _ = run("sentiment-analysis", "--jsonl",
                       stdin='{"text": "a", "text_pair": "b"}\n{"text": "c"}\n')
    assert code == 0
    lines = records(out)
    assert lines[0]["input"] == ["a", "b"] and lines[1]["input"] == "c"
    assert len(lines[0]["predictions"]) == 1


def test_token_classification(run):
    text = "My name is Wolfgang and I live in Berlin."
    code, out, _ = run("token-classification", "--aggregation", "first", text)
    assert code == 0
    (record,) = records(out)
    for entity in record["predictions"]:
        assert text[entity["start"]:entity["end"]] == entity["word"]
        assert set(entity) == {"entity_group", "score", "word", "start", "end"}


def test_question_answering_with_context_and_as_json_lines(run):
    code, out, _ = run("question-answering", "--context", CONTEXT, "--top-k", "2",
                       "--max-answer-len", "4", "Where is the tower?", "When was it built?")
    assert code == 0
    lines = records(out)
    assert [r["input"] for r in lines] == [
        {"question": "Where is the tower?", "context": CONTEXT},
        {"question": "When was it built?", "context": CONTEXT}]
    for record in lines:
        assert len(record["predictions"]) == 2
        for answer in record["predictions"]:
            assert CONTEXT[answer["start"]:answer["end"]] == answer["answer"]
    stdin = json.dumps({"question": "Where is the tower?", "context": CONTEXT}) + "\n"
    code, out, _ = run("question-answering", "--top-k", "2", "--max-answer-len", "4", stdin=stdin)
    assert code == 0 and records(out)[0]["predictions"] == lines[0]["predictions"]


def test_feature_extraction(run):
    code, out, _ = run("feature-extraction", "Hello world.", "--pooling", "mean")
    assert code == 0
    (record,) = records(out)
    assert len(record["features"]) == 32 and isinstance(record["features"][0], float)
    code, out, _ = run("feature-extraction", "Hello world.")
    assert len(records(out)[0]["features"][0]) == 32


def test_fill_mask_targets_batch_size_and_other_frameworks(run):
    code, out, _ = run("fill-mask", "--targets", "plants, cat", "--batch-size", "1",
                       "A [MASK] here.", "Another [MASK].")
    assert code == 0
    lines = records(out)
    assert all(len(r["predictions"]) == 2 for r in lines)
    tokens = {p["token_str"] for p in lines[0]["predictions"]}
    assert tokens == {"plants", "cat"}
    for framework in ("tf", "flax"):
        if framework_installed(framework):
            code, other, _ = run("fill-mask", "--targets", "plants, cat", "--framework",
                                 framework, "A [MASK] here.", "Another [MASK].")
            assert code == 0
            for a, b in zip(records(other), lines, strict=True):
                assert [p["token"] for p in a["predictions"]] == [
                    p["token"] for p in b["predictions"]]


@pytest.mark.parametrize(
    ("task", "args", "expect"),
    [
        ("text-classification", ["Nice."], ["Nice.", "   1. "]),
        ("token-classification", ["--aggregation", "simple", "Berlin is big."],
         ["Berlin is big.", "  "]),
        ("question-answering", ["--context", CONTEXT, "Where?"], ["question: Where?", "   1. "]),
        ("feature-extraction", ["Hi."], ["Hi.", "  shape [4, 32]"]),
    ],
)
def test_table_format(run, task, args, expect):
    code, out, _ = run(task, "--format", "table", *args)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == expect[0] and lines[1].startswith(expect[1])


def test_warnings_go_to_stderr(run):
    code, out, err = run("text-classification", "word " * 300)
    assert code == 0 and len(records(out)) == 1
    assert err.startswith("warning: input of 302 tokens truncated to 128")


@pytest.mark.parametrize(
    ("task", "args", "stdin", "needle"),
    [
        ("summarization", ["x"], None, "unknown task 'summarization'; choose one of fill-mask"),
        ("fill-mask", ["--framework", "mxnet", "x"], None, "unknown framework 'mxnet'"),
        ("fill-mask", ["--model", "no/such-model-here", "x"], None, "no/such-model-here"),
        ("fill-mask", ["--model", "/no/such/dir", "x"], None, "/no/such/dir"),
        ("fill-mask", ["--framework", "tf", "x [MASK]"], None,
         "framework 'tf' is not installed"),
        ("text-classification", [], "fine\n\n", "input line 2 is empty"),
        ("text-classification", ["ok", " "], None, "input line 2 is empty"),
        ("text-classification", ["--jsonl"], "{nope\n", "input line 1 is not JSON"),
        ("text-classification", ["--jsonl"], '{"sentence": "x"}\n',
         "input line 1 must be a JSON object with keys 'text', 'text_pair' (optional)"),
        ("question-answering", [], "Where is it?\n", "input line 1 is not JSON"),
        ("question-answering", [], '{"question": "a"}\n', "keys 'question', 'context'"),
        ("question-answering", ["--context", "  ", "q"], None, "--context is empty"),
        ("question-answering", ["--context", "c", "--jsonl", "q"], None, "--jsonl"),
        ("token-classification", ["--top-k", "2", "x"], None,
         "--top-k does not apply to token-classification"),
        ("fill-mask", ["--context", "c", "x"], None, "--context does not apply to fill-mask"),
        ("text-classification", ["--model", "TINY_FILL_MASK", "x"], None,
         "holds AlbertForMaskedLM weights, but text-classification needs "
         "AlbertForSequenceClassification weights"),
        ("fill-mask", ["--device", "tpu", "x"], None, "device 'tpu' is not understood"),
        ("fill-mask", ["--top-k", "0", "x [MASK]"], None, "top_k must be a positive int"),
    ],
)
def test_errors_are_one_line_with_exit_2(run, tiny_dirs, monkeypatch, task, args, stdin,
                                         needle):
    monkeypatch.setitem(sys.modules, "albert_tf.backend", None)  # tf "uninstalled"
    model = None
    if "--model" in args:
        index = args.index("--model")
        model = args[index + 1].replace("TINY_FILL_MASK", str(tiny_dirs["tiny-fill-mask"]))
        args = args[:index] + args[index + 2:]
    code, out, err = run(task, *args, stdin=stdin, model=model)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("albert run: error: "), err
    assert needle in err


def test_help_lists_every_command_and_each_has_examples(capsys):
    parser = cli.build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert {"run", "info", "convert"} <= set(sub.choices)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    top = capsys.readouterr().out
    assert "examples:" in top
    for name, subparser in sub.choices.items():
        assert name in top
        assert "examples:" in subparser.format_help(), f"albert {name} --help has no examples"
    run_help = sub.choices["run"].format_help()
    for task in ("fill-mask", "text-classification", "token-classification",
                 "question-answering", "feature-extraction"):
        assert f"--task {task}" in run_help


def test_console_script_in_a_subprocess(tiny_dirs):
    script = Path(sys.executable).with_name("albert")
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "albert_core.cli"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [*command, "run", "--task", "fill-mask", "--model", str(tiny_dirs["tiny-fill-mask"]),
         "--top-k", "2"],
        input="Plants create energy through a process known as [MASK].\n",
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    (record,) = records(done.stdout)
    assert len(record["predictions"]) == 2
    done = subprocess.run([*command, "run", "--task", "nope", "--model", "x", "y"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("albert run: error: unknown task 'nope'")
