"""``albert convert`` and ``python -m albert_conversion`` through a subprocess: success,
and every bad input with a clear message and a non-zero exit."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

GOLDENS = Path(__file__).resolve().parents[1] / "fixtures" / "goldens"
MODEL = GOLDENS / "relu" / "model"
PRETRAINING = GOLDENS / "groups2_inner2" / "pretraining"


def albert(
    *args: str | os.PathLike[str], module: str = "albert_core.cli"
) -> subprocess.CompletedProcess:
    """Run ``albert convert ARGS`` (or ``python -m albert_conversion ARGS``)."""
    command = [sys.executable, "-m", module]
    if module == "albert_core.cli":
        command.append("convert")
    env = dict(os.environ, HF_HUB_OFFLINE="1", TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([*command, *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=300)  # fmt: skip


def error_of(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0, result.stdout
    lines = [line for line in result.stderr.splitlines() if "albert convert: error:" in line]
    assert lines, result.stderr
    return result.stderr[result.stderr.index(lines[0]) :]


def golden_copy(tmp_path: Path, *names: str) -> Path:
    """A new ``tmp_path/src`` holding copies of the named files of the golden base model."""
    source = tmp_path / "src"
    source.mkdir()
    for name in names:
        shutil.copy(MODEL / name, source)
    return source


def test_help_lists_formats_and_examples():
    result = albert("--help")
    assert result.returncode == 0
    for text in ("--to", "--verify", "--force", "--shard-size", "examples:", "tf1",
                 "albert convert albert_base/"):  # fmt: skip
        assert text in result.stdout


def test_convert_prints_a_summary(tmp_path):
    result = albert(PRETRAINING, tmp_path / "out", "--to", "safetensors", "--to", "tf",
                    "--head", "model")  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "converted" in out and "formats:    safetensors, tf" in out
    assert "tensors:" in out and "parameters" in out and "bytes:" in out
    assert "skipped:" in out and "sop_classifier.classifier.weight" in out
    assert (tmp_path / "out" / "tf_model.h5").is_file()


def test_python_dash_m_with_verify(tmp_path):
    pytest.importorskip("torch")
    result = albert(MODEL, tmp_path / "out", "--to", "pytorch", "--verify",
                    module="albert_conversion")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "max |diff|" in result.stdout and "verified:   ok" in result.stdout


def test_missing_source(tmp_path):
    message = error_of(albert(tmp_path / "nowhere", tmp_path / "out"))
    assert "no such file or directory" in message and "nowhere" in message
    assert not (tmp_path / "out").exists()


def test_directory_without_weights(tmp_path):
    source = golden_copy(tmp_path, "config.json")
    message = error_of(albert(source, tmp_path / "out"))
    assert "no checkpoint found" in message and "model.safetensors" in message


def test_corrupt_weights_file(tmp_path):
    source = golden_copy(tmp_path, "config.json")
    (source / "model.safetensors").write_bytes(b"\x00garbage" * 10)
    message = error_of(albert(source, tmp_path / "out"))
    assert "model.safetensors" in message and "not a readable safetensors file" in message
    assert not (tmp_path / "out").exists()


def test_missing_config(tmp_path):
    source = golden_copy(tmp_path, "model.safetensors")
    message = error_of(albert(source, tmp_path / "out"))
    assert "config.json" in message


def test_config_that_does_not_match_the_tensors(tmp_path):
    other = GOLDENS / "emb_eq_hidden" / "model" / "config.json"
    message = error_of(albert(MODEL, tmp_path / "out", "--config", other))
    assert "shape mismatch: embeddings.word_embeddings.weight expected (48, 12)" in message
    assert "checkpoint has (40, 6)" in message
    assert "--config" in message


def test_unknown_tensor_names_are_listed(tmp_path):
    from safetensors.numpy import load_file, save_file

    source = golden_copy(tmp_path, "config.json")
    arrays = load_file(MODEL / "model.safetensors")
    arrays["encoder.mystery.weight"] = np.zeros((2, 2), np.float32)
    arrays["embeddings.extra.bias"] = np.zeros((2,), np.float32)
    save_file(arrays, source / "model.safetensors", metadata={"format": "pt"})
    message = error_of(albert(source, tmp_path / "out"))
    assert "unexpected (2): embeddings.extra.bias, encoder.mystery.weight" in message


def test_unsupported_dtypes(tmp_path):
    message = error_of(albert(MODEL, tmp_path / "out", "--dtype", "int8"))
    assert "argument --dtype: invalid choice: 'int8'" in message
    from safetensors.numpy import load_file, save_file

    source = golden_copy(tmp_path, "config.json")
    arrays = load_file(MODEL / "model.safetensors")
    arrays["pooler.bias"] = arrays["pooler.bias"].astype(np.int32)
    save_file(arrays, source / "model.safetensors", metadata={"format": "pt"})
    message = error_of(albert(source, tmp_path / "out"))
    assert "unsupported dtype" in message and "pooler.bias (int32)" in message


def test_tf1_checkpoint_without_albert_config(tmp_path):
    source = tmp_path / "albert_base"
    source.mkdir()
    (source / "model.ckpt-best.index").write_bytes(b"")
    (source / "model.ckpt-best.data-00000-of-00001").write_bytes(b"")
    message = error_of(albert(source, tmp_path / "out"))
    assert "albert_config.json" in message and "--config" in message


def test_corrupt_tf1_checkpoint(tmp_path):
    pytest.importorskip("tensorflow")
    source = tmp_path / "albert_base"
    source.mkdir()
    (source / "model.ckpt-5.index").write_bytes(b"not an index")
    (source / "model.ckpt-5.data-00000-of-00001").write_bytes(b"")
    (source / "albert_config.json").write_text(json.dumps({"vocab_size": 40}))
    message = error_of(albert(source, tmp_path / "out"))
    assert "not a readable TF1 checkpoint" in message


def test_destination_inside_source(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(MODEL, source)
    message = error_of(albert(source, source / "sub"))
    assert "inside the source" in message
    assert not (source / "sub").exists()


def test_existing_destination_without_force(tmp_path):
    (tmp_path / "out").mkdir()
    message = error_of(albert(MODEL, tmp_path / "out"))
    assert "already exists" in message and "--force" in message
    assert list((tmp_path / "out").iterdir()) == []
    result = albert(MODEL, tmp_path / "out", "--force")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "model.safetensors").is_file()


def test_unknown_format_and_head(tmp_path):
    assert "unknown target format 'onnx'" in error_of(albert(MODEL, tmp_path / "o", "--to", "onnx"))
    assert "invalid choice" in albert(MODEL, tmp_path / "o", "--head", "x").stderr


def test_model_the_original_layout_cannot_hold(tmp_path):
    pytest.importorskip("tensorflow")
    message = error_of(albert(GOLDENS / "emb_eq_hidden" / "model", tmp_path / "o", "--to", "tf1"))
    assert "cannot be written as an original TF1" in message and "exact (erf) GELU" in message
    assert not (tmp_path / "o").exists()


def test_verify_command_ready_for_registration(capsys):
    """``albert verify CHECKPOINT`` (parser and handler live in albert_conversion.cli)."""
    pytest.importorskip("torch")
    import argparse

    from albert_conversion import cli

    parser = argparse.ArgumentParser(prog="albert")
    cli.register_verify(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["verify", str(MODEL), "--tolerance", "1e-4"])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "verification passed" in out and "max |diff|" in out
