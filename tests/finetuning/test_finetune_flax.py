"""``FlaxFinetuner`` against ``PTFinetuner``: from the same checkpoint with no dropout, the
same batches and learning rates give the same losses and weights (AdamW b1 0.9, b2 0.999,
eps 1e-8, decoupled weight decay off LayerNorm weights and biases, clipping to norm 1).
The checkpoint both start from is written by ``FlaxFinetuner.save_pretrained`` and read by
PyTorch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from finetuning_testutils import TINY_MODEL

from albert_core.tokenizers.fast import AlbertTokenizerFast
from albert_core.training.finetune import FinetuneArguments, micro_batches
from albert_core.training.finetune_tasks import load_task_data
from albert_core.training.loop import linear_schedule

pytest.importorskip("flax")
pytest.importorskip("torch")

from albert_flax.finetuning import FlaxFinetuner  # noqa: E402
from albert_pt.finetuning import PTFinetuner  # noqa: E402

LEARNING_RATE, STEPS, ACCUMULATION = 1e-3, 3, 2


def test_flax_steps_match_pytorch(task_files: dict[str, Path], tmp_path: Path) -> None:
    train = task_files["text-classification"]
    tokenizer = AlbertTokenizerFast.from_pretrained(TINY_MODEL)
    data = load_task_data("text-classification", train, None, tokenizer, max_length=32)
    data.config_updates["classifier_dropout_prob"] = 0.0
    options = dict(task="text-classification", train_file=str(train), batch_size=5,
                   learning_rate=LEARNING_RATE, weight_decay=0.01, seed=1)
    start = tmp_path / "start"
    first = FlaxFinetuner(data, FinetuneArguments(output_dir=str(tmp_path / "a"),
                                                  model=TINY_MODEL, **options), mesh=None)
    assert "classifier.weight" in first.new_weights
    first.save_pretrained(start)
    args = FinetuneArguments(output_dir=str(tmp_path / "b"), model=str(start), **options)
    flax, pt = FlaxFinetuner(data, args, mesh=None), PTFinetuner(data, args)
    assert flax.new_weights == pt.new_weights == []
    before = flax.numpy_weights()
    batches = micro_batches(data.train, args.batch_size, args.seed)
    for step in range(STEPS):
        for _ in range(ACCUMULATION):
            batch = next(batches)
            want = pt.forward_backward(batch, 1 / ACCUMULATION)["loss"]
            got = flax.forward_backward(batch, 1 / ACCUMULATION)["loss"]
            assert got == pytest.approx(want, rel=1e-5, abs=1e-6)
        lr = linear_schedule(step, LEARNING_RATE, 1, STEPS)
        pt.apply_gradients(lr)
        flax.apply_gradients(lr)
    got = flax.numpy_weights()
    want = {name: t.detach().numpy() for name, t in pt.model.state_dict().items()}
    assert set(got) == set(want)
    moved = max(float(np.abs(got[name] - before[name]).max()) for name in got)
    assert moved > 2 * LEARNING_RATE  # 20 times the tolerance at least
    for name in got:
        np.testing.assert_allclose(got[name], want[name], rtol=0, atol=1e-4, err_msg=name)
