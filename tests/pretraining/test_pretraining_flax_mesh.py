"""``FlaxPretrainer`` data parallel over a mesh of 4 simulated CPU devices equals one device
(weights within 1e-5), dropout on. (A micro-batch the data axis does not split is placed as
the fine-tuning mesh test checks; it is left out here to compile less.)"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from multidevice_testutils import run_on_host_devices
from pretraining_testutils import tiny_config

pytest.importorskip("flax")

SCRIPT = textwrap.dedent(
    """
    import json
    import sys

    import jax
    import numpy as np

    from albert_core.config import AlbertConfig
    from albert_core.training.loop import PretrainingArguments
    from albert_flax.pretraining import FlaxPretrainer, numpy_batches
    from albert_flax.sharding import make_mesh

    config_file, data_dir, out = sys.argv[1:4]
    assert jax.device_count() == 4, jax.devices()
    config = AlbertConfig.from_json_file(config_file)
    args = PretrainingArguments(output_dir=out, steps=3, batch_size=16, grad_accum_steps=2,
                                learning_rate=0.02, seed=3, progress=False)
    batches = list(numpy_batches(data_dir, 8, seed=3, num_batches=6))
    mesh = make_mesh(data=4)
    found, sums = {}, {}
    for name, where in (("one", None), ("mesh", mesh)):
        trainer = FlaxPretrainer(config, args, mesh=where)
        start = trainer.numpy_weights()
        sums[name] = []
        for update in range(3):
            for batch in batches[2 * update:2 * update + 2]:
                sums[name].append(trainer.forward_backward(batch, 0.5)["mlm_loss_sum"])
            trainer.apply_gradients(args.learning_rate)
        found[name] = trainer.numpy_weights()
    leaves = jax.tree_util.tree_leaves(trainer.params)
    report = {
        "weights": max(float(np.abs(found["mesh"][k] - found["one"][k]).max())
                       for k in found["one"]),
        "moved": max(float(np.abs(found["one"][k] - start[k]).max()) for k in start),
        "sums": float(np.abs(np.subtract(sums["mesh"], sums["one"])).max()
                      / np.abs(sums["one"]).max()),
        "replicated": all(x.sharding.is_fully_replicated and len(x.devices()) == 4
                          for x in leaves),
    }
    print("REPORT", json.dumps(report))
    """
)


def test_mesh_of_four_devices_equals_one(data_dir: Path, tmp_path: Path) -> None:
    config_file = tmp_path / "config.json"
    config_file.write_text(tiny_config(hidden_dropout_prob=0.1).to_json_string(),
                           encoding="utf-8")
    report = run_on_host_devices(SCRIPT, config_file, data_dir, tmp_path / "out")
    assert report["moved"] > 1e-3  # the weights did change
    assert report["weights"] <= 1e-5, report
    assert report["sums"] <= 1e-5, report  # masked-LM loss sums, relative
    assert report["replicated"]
