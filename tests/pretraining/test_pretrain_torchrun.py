"""``albert pretrain`` under ``torchrun --nproc_per_node=2`` (DistributedDataParallel, gloo):
stopped and resumed, it ends with the weights, log and held-out evaluation of one process
with the same global batch."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from pretraining_testutils import MAX_SEQ_LENGTH
from torchrun_testutils import assert_same_weights, torchrun

from albert_core.cli.app import main

pytest.importorskip("torch")

#: A two-layer model without dropout; micro-batches of 3 rows (6 per update, accumulated
#: twice) split 2 + 1 over the ranks.
OPTIONS = ["--config", "albert-base-v2", "--set", "embedding_size=16", "--set",
           "hidden_size=32", "--set", "num_hidden_layers=2", "--set", "num_attention_heads=2",
           "--set", "intermediate_size=64", "--set", f"max_position_embeddings={MAX_SEQ_LENGTH}",
           "--set", "hidden_dropout_prob=0", "--set", "attention_probs_dropout_prob=0",
           "--set", "classifier_dropout_prob=0", "--framework", "pt", "--steps", "4",
           "--batch-size", "6", "--grad-accum", "2", "--lr", "0.01", "--save-every", "2",
           "--log-every", "1", "--eval-batches", "2", "--no-progress"]


def _log(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]


def test_two_processes_with_a_resume_equal_one(data_dir: Path, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    command = ["pretrain", *OPTIONS, "--data", str(data_dir)]
    torchrun([[*command, "--out", str(two), "--stop-after", "2"],
              [*command, "--out", str(two)]], tmp_path / "work")
    assert main([*command, "--out", str(one)]) == 0
    assert_same_weights(one, two, atol=1e-5)
    first, second = _log(one), _log(two)
    assert [r["step"] for r in second] == [1, 2, 3, 4]
    for key in ("loss", "mlm_accuracy", "sop_accuracy"):
        np.testing.assert_allclose([r[key] for r in second], [r[key] for r in first],
                                   rtol=1e-5, atol=1e-6, err_msg=key)
    a = json.loads((one / "eval_results.json").read_text())
    b = json.loads((two / "eval_results.json").read_text())
    assert a["examples"] == b["examples"] and b["loss"] == pytest.approx(a["loss"], rel=1e-5)
    assert sorted(p.name for p in (two / "checkpoints").iterdir()) == [
        "step-00000002", "step-00000004"]


def test_a_process_other_than_the_main_one_writes_nothing(data_dir: Path,
                                                          tmp_path: Path) -> None:
    from pretraining_testutils import tiny_config

    from albert_core.training.loop import PretrainingArguments, run_pretraining
    from albert_pt.pretraining import PTPretrainer

    class SecondRank(PTPretrainer):
        process_index = 1

    out = tmp_path / "out"
    args = PretrainingArguments(str(out), steps=2, batch_size=4, save_every=1, log_every=1,
                                eval_batches=1, progress=False, time_limit=3600.0)
    result = run_pretraining(SecondRank(tiny_config(), args), data_dir, args)
    assert result.finished and [r["step"] for r in result.history] == [1, 2]
    assert result.eval is not None and not out.exists()
