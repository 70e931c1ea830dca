"""``FlaxFinetuner`` data parallel over a mesh of 4 simulated CPU devices equals one device
(weights within 1e-5), with a micro-batch the data axis does not split."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from finetuning_testutils import TINY_MODEL
from multidevice_testutils import run_on_host_devices

pytest.importorskip("flax")

SCRIPT = textwrap.dedent(
    """
    import json
    import sys

    import jax
    import numpy as np

    from albert_core.tokenizers.fast import AlbertTokenizerFast
    from albert_core.training.finetune import FinetuneArguments, run_finetuning
    from albert_core.training.finetune_tasks import load_task_data
    from albert_flax.finetuning import FlaxFinetuner, batch_arrays
    from albert_flax.sharding import make_mesh, place_batch

    model, train, out = sys.argv[1:4]
    assert jax.device_count() == 4, jax.devices()
    tokenizer = AlbertTokenizerFast.from_pretrained(model)
    data = load_task_data("text-classification", train, None, tokenizer, max_length=32)
    # 38 rows in micro-batches of 8: 8, 8, 8, 8, 6 (6 rows do not split over 4 devices)
    data.train = {key: value[:38] for key, value in data.train.items()}
    options = dict(task="text-classification", train_file=train, model=model, batch_size=8,
                   gradient_accumulation_steps=2, max_steps=4, learning_rate=1e-3,
                   weight_decay=0.01, warmup_ratio=0.25, progress=False)
    mesh = make_mesh(data=4)
    found, losses = {}, {}
    for name, where in (("one", None), ("mesh", mesh)):
        args = FinetuneArguments(output_dir=f"{out}/{name}", **options)
        finetuner = FlaxFinetuner(data, args, mesh=where)
        result = run_finetuning(finetuner, data, args)
        assert result.finished
        found[name] = finetuner.numpy_weights()
        losses[name] = [h["loss"] for h in result.history]
    leaves = jax.tree_util.tree_leaves(finetuner.state.params)
    batch = batch_arrays({k: v[:8] for k, v in data.train.items()})
    report = {
        "weights": max(float(np.abs(found["mesh"][k] - found["one"][k]).max())
                       for k in found["one"]),
        "moved": max(float(np.abs(found["one"][k] - v).max())
                     for k, v in FlaxFinetuner(data, args, mesh=None).numpy_weights().items()),
        "losses": float(np.abs(np.subtract(losses["mesh"], losses["one"])).max()),
        "replicated": all(x.sharding.is_fully_replicated and len(x.devices()) == 4
                          for x in leaves),
        "even_shard": list(place_batch(batch, mesh)["input_ids"]
                           .addressable_shards[0].data.shape),
        "odd_shard": list(place_batch({k: v[:6] for k, v in batch.items()}, mesh)["input_ids"]
                          .addressable_shards[0].data.shape),
    }
    print("REPORT", json.dumps(report))
    """
)


def test_mesh_of_four_devices_equals_one(task_files: dict[str, Path], tmp_path: Path) -> None:
    report = run_on_host_devices(SCRIPT, TINY_MODEL, task_files["text-classification"],
                                 tmp_path)
    assert report["moved"] > 1e-3  # the weights did change
    assert report["weights"] <= 1e-5, report
    assert report["losses"] <= 1e-5, report
    assert report["replicated"]
    assert report["even_shard"] == [2, 32]  # the batch split over the data axis
    assert report["odd_shard"] == [6, 32]  # replicated when the data axis does not divide it
