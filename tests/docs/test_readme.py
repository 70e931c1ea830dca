"""The README's first two commands stay true: setup + fill-mask, and CI's test command."""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
from pathlib import Path

import pytest

from albert_core import cli

ROOT = Path(__file__).resolve().parents[2]


def bash_blocks() -> list[str]:
    """The README's ```bash blocks, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"^```bash\n(.*?)^```", text, re.M | re.S)


def test_first_command_sets_up_then_runs_fill_mask_on_the_bundled_model(monkeypatch, capsys):
    first = bash_blocks()[0].strip()
    steps = [step.strip() for step in first.split("&&")]
    assert steps[0] == "bash scripts/setup.sh", first
    argv = shlex.split(steps[-1])
    assert argv[0] == ".venv/bin/albert" and argv[1:3] == ["run", "--task"], first
    assert argv[3] == "fill-mask" and "--model" not in argv, "not the bundled default model"
    if importlib.util.find_spec("torch") is None:
        pytest.skip("the command runs on PyTorch, which is not installed")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    table = argv[1:]
    assert cli.main(table) == 0
    assert "[MASK]" in capsys.readouterr().out
    json_lines = [arg for arg in table if arg not in ("--format", "table")]
    assert cli.main(json_lines) == 0
    predictions = json.loads(capsys.readouterr().out)["predictions"]
    assert len(predictions) == 5 and all(p["token_str"].isalpha() for p in predictions)


def test_second_command_is_what_ci_runs():
    second = bash_blocks()[1].strip()
    assert second == ".venv/bin/python -m pytest -q"
    ci = (ROOT / ".ci" / "run").read_text()
    assert "bash scripts/setup.sh" in ci
    assert f"exec {second}" in ci
