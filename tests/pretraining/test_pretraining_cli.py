"""``albert train-tokenizer``, ``albert prepare-pretraining-data`` and ``albert pretrain``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pretraining_testutils import MAX_SEQ_LENGTH

from albert_core.cli.app import main
from albert_core.cli.pretraining import load_config

MODEL = ["--set", "embedding_size=16", "--set", "hidden_size=32", "--set",
         "num_hidden_layers=2", "--set", "num_attention_heads=2", "--set",
         "intermediate_size=64", "--set", f"max_position_embeddings={MAX_SEQ_LENGTH}"]


def test_the_whole_pipeline_from_the_command_line(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("torch")
    tok, data, model = tmp_path / "tok", tmp_path / "data", tmp_path / "model"
    assert main(["train-tokenizer", "--input", str(corpus), "--vocab-size", "100",
                 "--out", str(tok), "--threads", "1"]) == 0
    assert (tok / "spiece.model").is_file()
    assert main(["prepare-pretraining-data", "--input", str(corpus), "--tokenizer", str(tok),
                 "--out", str(data), "--max-seq-length", str(MAX_SEQ_LENGTH),
                 "--heldout-fraction", "0.1", "--no-progress"]) == 0
    assert "train:" in capsys.readouterr().out
    assert main(["prepare-pretraining-data", "--input", str(corpus), "--tokenizer", str(tok),
                 "--out", str(data), "--no-progress"]) == 2
    assert "--overwrite" in capsys.readouterr().err

    command = ["pretrain", "--config", "albert-base-v2", *MODEL, "--data", str(data),
               "--framework", "pt", "--steps", "6", "--batch-size", "8", "--lr", "0.01",
               "--save-every", "2", "--log-every", "2", "--no-progress", "--out", str(model)]
    assert main([*command, "--stop-after", "3"]) == 0
    captured = capsys.readouterr()
    assert "stopped at step 3 of 6" in captured.out
    assert "vocab_size 30000 -> 100" in captured.err
    assert main([*command, "--no-resume"]) == 2
    assert "--no-resume" in capsys.readouterr().err
    assert main(command) == 0
    assert "held-out: loss" in capsys.readouterr().out
    config = json.loads((model / "config.json").read_text())
    assert config["hidden_size"] == 32 and config["vocab_size"] == 100
    assert json.loads((model / "eval_results.json").read_text())["step"] == 6

    assert main(["run", "--task", "fill-mask", "--model", str(model), "--top-k", "2",
                 "the old cat [MASK] the dog."]) == 0
    record = json.loads(capsys.readouterr().out)
    assert len(record["predictions"]) == 2


def test_config_sources_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = load_config("albert-base-v2", ["hidden_size=256", "num_attention_heads=4",
                                            "hidden_act=gelu"])
    assert config.hidden_size == 256 and config.hidden_act == "gelu"
    path = tmp_path / "config.json"
    config.save_pretrained(tmp_path)
    assert load_config(str(path), []).hidden_size == 256
    assert load_config(str(tmp_path), ["num_hidden_layers=3"]).num_hidden_layers == 3
    with pytest.raises(ValueError, match="preset"):
        load_config("no-such-thing", [])
    with pytest.raises(ValueError, match="KEY=VALUE"):
        load_config("albert-base-v2", ["hidden_size"])
    assert main(["pretrain", "--config", "albert-base-v2", "--data", str(tmp_path),
                 "--steps", "1", "--out", str(tmp_path / "o")]) == 2
    assert "not a pre-training dataset" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["pretrain", "--config", "x", "--data", "d", "--steps", "1", "--out", "o",
              "--framework", "mxnet"])
