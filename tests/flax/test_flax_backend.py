"""The Flax Backend: registered, numpy in and out, and the same numbers as the models."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("flax")

from golden_testutils import (  # noqa: E402
    assert_matches_golden,
    golden,
    golden_arrays,
    golden_config,
    golden_dir,
    golden_inputs,
)

from albert_core.backend import Backend, get_backend  # noqa: E402
from albert_flax import MODEL_CLASSES  # noqa: E402
from albert_flax.backend import BACKEND  # noqa: E402

CASE = ("groups2_inner2", "masked-lm")


@pytest.fixture(scope="module")
def arrays():
    """The golden masked-LM's canonical arrays (tied names included)."""
    return golden_arrays(*CASE)


def test_registered_and_a_backend():
    backend = get_backend("flax")
    assert backend is BACKEND
    assert isinstance(backend, Backend)
    assert backend.framework == "flax"
    assert dict(backend.model_classes) == MODEL_CLASSES


def test_from_arrays_forward_matches_the_model(arrays):
    config, data = golden_config(*CASE), golden(*CASE)
    model = BACKEND.from_arrays(config, CASE[1], arrays)
    assert isinstance(model, MODEL_CLASSES[CASE[1]])
    batch = golden_inputs(data)
    got = BACKEND.forward(model, batch)
    assert set(got) == {"loss", "logits"}
    assert all(v.dtype == np.float32 for v in got.values())
    direct = model(**batch)
    np.testing.assert_array_equal(got["logits"], np.asarray(direct.logits))
    np.testing.assert_array_equal(got["loss"], np.asarray(direct.loss))


def test_to_arrays_and_load_arrays_round_trip(arrays):
    config = golden_config(*CASE)
    model = BACKEND.from_arrays(config, CASE[1], arrays)
    back = BACKEND.to_arrays(model)
    assert set(back) == set(arrays)
    for name, value in arrays.items():
        np.testing.assert_array_equal(back[name], value, err_msg=name)
    fresh = MODEL_CLASSES[CASE[1]](config, seed=1)
    BACKEND.load_arrays(fresh, arrays)
    for name, value in BACKEND.to_arrays(fresh).items():
        np.testing.assert_array_equal(value, arrays[name], err_msg=name)


def test_from_pretrained_gives_the_golden_outputs():
    data = golden(*CASE)
    model = BACKEND.from_pretrained(CASE[1], golden_dir(*CASE), device=-1, dtype="float32")
    assert model.loading_report.ok
    got = BACKEND.forward(model, golden_inputs(data))
    assert_matches_golden({f"output.{k}": v for k, v in got.items()}, data, "output.",
                          only={"output.logits", "output.loss"})  # fmt: skip


def test_from_pretrained_rejects_a_bad_dtype():
    with pytest.raises(ValueError, match="not a JAX dtype"):
        BACKEND.from_pretrained(CASE[1], golden_dir(*CASE), dtype="float77")


def test_pretrainer_is_the_flax_trainer():
    from albert_flax.pretraining import FlaxPretrainer

    assert BACKEND.pretrainer() is FlaxPretrainer
