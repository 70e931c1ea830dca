"""Data and model parallelism on 4 simulated CPU devices give the unsharded results.

Runs in a subprocess because the device count is fixed when JAX starts
(``XLA_FLAGS=--xla_force_host_platform_device_count=4``).
"""

from __future__ import annotations

import textwrap

import pytest
from multidevice_testutils import run_on_host_devices

pytest.importorskip("flax")

from jax.sharding import PartitionSpec as P  # noqa: E402

from albert_flax.sharding import partition_spec  # noqa: E402

SCRIPT = textwrap.dedent(
    """
    import json

    import jax
    import numpy as np

    from albert_core.config import AlbertConfig
    from albert_flax import FlaxAlbertForMaskedLM
    from albert_flax.sharding import batch_sharding, make_mesh, shard_params

    assert jax.device_count() == 4, jax.devices()
    config = AlbertConfig(
        vocab_size=64, embedding_size=8, hidden_size=16, num_hidden_layers=2,
        num_attention_heads=4, intermediate_size=32, max_position_embeddings=16, num_labels=3,
    )
    model = FlaxAlbertForMaskedLM(config, seed=0)
    rng = np.random.default_rng(0)
    batch = {
        "input_ids": rng.integers(0, 64, size=(4, 8)).astype(np.int32),
        "attention_mask": np.array([[1] * 8, [1] * 6 + [0] * 2, [1] * 3 + [0] * 5, [1] * 8]),
    }
    labels = np.where(rng.random((4, 8)) < 0.5, batch["input_ids"], -100)
    reference = model(**batch, labels=labels)
    report = {}
    for data, parallel in ((4, 1), (2, 2)):
        mesh = make_mesh(data=data, model=parallel)
        params = shard_params(model.params, mesh)
        inputs = jax.device_put({**batch, "labels": labels}, batch_sharding(mesh))
        out = model(**inputs, params=params)
        ffn = params["albert"]["encoder"]["albert_layer_groups"]["0"]["albert_layers"]["0"]["ffn"]
        report[f"{data}x{parallel}"] = {
            "logits": float(np.abs(np.asarray(out.logits) - np.asarray(reference.logits)).max()),
            "loss": abs(float(out.loss) - float(reference.loss)),
            "ffn_shard": list(ffn["kernel"].addressable_shards[0].data.shape),
            "input_shard": list(inputs["input_ids"].addressable_shards[0].data.shape),
        }
    print("REPORT", json.dumps(report))
    """
)


def test_partition_rule_is_keyed_on_canonical_names():
    layer = "encoder.albert_layer_groups.0.albert_layers.0."
    assert partition_spec(layer + "ffn.weight") == P(None, "model")
    assert partition_spec("albert." + layer + "ffn_output.weight") == P("model", None)
    assert partition_spec(layer + "attention.query.bias") == P("model")
    assert partition_spec("albert.embeddings.word_embeddings.weight") == P("model", None)
    assert partition_spec(layer + "attention.LayerNorm.weight") == P()
    assert partition_spec("classifier.weight") == P()


def test_sharded_equals_unsharded():
    report = run_on_host_devices(SCRIPT)
    for mesh, found in report.items():
        assert found["logits"] <= 1e-5, mesh
        assert found["loss"] <= 1e-5, mesh
    # batch split over the data axis; the ffn kernel [16, 32] split over the model axis
    assert report["4x1"]["input_shard"] == [1, 8]
    assert report["4x1"]["ffn_shard"] == [16, 32]
    assert report["2x2"]["input_shard"] == [2, 8]
    assert report["2x2"]["ffn_shard"] == [16, 16]
