"""albert_tf through the Backend protocol: the registry, arrays in and out, forward, goldens."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tensorflow")

import keras  # noqa: E402
from golden_testutils import (  # noqa: E402
    GOLDEN_CONFIGS,
    HEADS,
    assert_matches_golden,
    golden,
    golden_dir,
    golden_inputs,
    tiny_config,
)
from tf_testutils import tiny_batch  # noqa: E402

from albert_core.backend import Backend, get_backend  # noqa: E402
from albert_tf import MODEL_CLASSES, weights  # noqa: E402
from albert_tf.pretraining import TFPretrainer  # noqa: E402


def config_for(head: str):
    """The tiny config; question answering needs two labels (start, end)."""
    return tiny_config(num_labels=2) if head == "question-answering" else tiny_config()


@pytest.fixture(scope="module")
def backend() -> Backend:
    """The registered Keras/TensorFlow backend."""
    return get_backend("tf")


def test_registry_gives_a_backend(backend):
    assert isinstance(backend, Backend)
    assert backend.framework == "tf"
    assert dict(backend.model_classes) == MODEL_CLASSES
    assert set(backend.model_classes) == set(HEADS)
    assert backend.pretrainer() is TFPretrainer


@pytest.mark.parametrize("head", HEADS)
def test_from_arrays_forward_matches_the_model_and_arrays_round_trip(backend, head):
    keras.utils.set_random_seed(7)
    source = MODEL_CLASSES[head](config_for(head))
    arrays = weights.model_arrays(source)
    model = backend.from_arrays(source.config, head, arrays)
    assert isinstance(model, MODEL_CLASSES[head])
    got = backend.to_arrays(model)
    assert set(got) == set(arrays)
    for name, value in arrays.items():
        assert got[name].dtype == np.float32
        np.testing.assert_array_equal(got[name], value, err_msg=name)
    batch = tiny_batch(source.config, head)
    outputs = backend.forward(model, batch)
    direct = source(**batch, training=False)
    assert set(outputs) == set(direct)
    assert ("loss" in outputs) == (head != "model")
    for key, value in direct.items():
        assert outputs[key].dtype == np.float32
        np.testing.assert_array_equal(outputs[key], np.asarray(value, np.float32), err_msg=key)


def test_forward_leaves_out_per_layer_tuples(backend):
    model = backend.from_arrays(tiny_config(), "model", {})
    batch = {**tiny_batch(model.config, "model"), "output_hidden_states": np.array(True)}
    outputs = backend.forward(model, batch)
    assert set(outputs) == {"last_hidden_state", "pooler_output"}


def test_load_arrays_copies_into_a_model(backend):
    keras.utils.set_random_seed(1)
    source = MODEL_CLASSES["masked-lm"](tiny_config())
    target = MODEL_CLASSES["masked-lm"](tiny_config())
    arrays = backend.to_arrays(source)
    backend.load_arrays(target, arrays)
    for name, value in backend.to_arrays(target).items():
        np.testing.assert_array_equal(value, arrays[name], err_msg=name)


@pytest.mark.parametrize("head", HEADS)
def test_from_pretrained_gives_the_golden_outputs(backend, head):
    config_name = GOLDEN_CONFIGS[0]
    model = backend.from_pretrained(head, golden_dir(config_name, head), device=-1)
    assert model.loading_report.ok
    data = golden(config_name, head)
    outputs = backend.forward(model, golden_inputs(data))
    single = {k for k in data if k.startswith("output.") and k.count(".") == 1}
    assert_matches_golden({f"output.{k}": v for k, v in outputs.items()}, data, "output.",
                          only=single)
    assert {f"output.{k}" for k in outputs} == single
