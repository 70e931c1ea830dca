"""The PyTorch Backend (``get_backend("pt")``): numpy in, numpy out, against the goldens."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from golden_testutils import (  # noqa: E402
    GOLDEN_CONFIGS,
    HEADS,
    assert_matches_golden,
    golden,
    golden_config,
    golden_dir,
    golden_inputs,
    tiny_config,
)
from pt_testutils import random_batch  # noqa: E402

from albert_core.backend import Backend, get_backend  # noqa: E402
from albert_core.heads import HEADS as HEAD_SPECS  # noqa: E402
from albert_pt import MODEL_CLASSES  # noqa: E402
from albert_pt.backend import BACKEND  # noqa: E402
from albert_pt.pretraining import PTPretrainer  # noqa: E402


@pytest.fixture(scope="module")
def backend() -> Backend:
    return get_backend("pt")


def _arrays(config, head, seed=0):
    torch.manual_seed(seed)
    return BACKEND.to_arrays(MODEL_CLASSES[head](config))


def _batch(config, head):
    batch = {k: v.numpy() for k, v in random_batch(config).items()}
    if HEAD_SPECS[head].input_rank == 3:
        batch = {k: np.repeat(v[:, None], 2, axis=1) for k, v in batch.items()}
    return batch


def test_registry_gives_a_backend(backend):
    assert backend is BACKEND
    assert isinstance(backend, Backend)
    assert backend.framework == "pt"
    assert dict(backend.model_classes) == MODEL_CLASSES
    assert set(backend.model_classes) == set(HEAD_SPECS)


def test_pretrainer_is_the_pt_trainer(backend):
    assert backend.pretrainer() is PTPretrainer


@pytest.mark.parametrize("head", HEADS)
def test_from_arrays_then_forward_matches_the_model(backend, head):
    config = tiny_config(num_labels=2)
    arrays = _arrays(config, head)
    model = backend.from_arrays(config, head, arrays)
    assert isinstance(model, MODEL_CLASSES[head]) and not model.training
    batch = _batch(config, head)
    got = backend.forward(model, batch)
    with torch.no_grad():
        want = model(**{k: torch.from_numpy(v) for k, v in batch.items()})
    assert sorted(got) == sorted(HEAD_SPECS[head].fields)
    for name, value in got.items():
        assert value.dtype == np.float32
        np.testing.assert_array_equal(value, want[name].numpy())


@pytest.mark.parametrize("head", HEADS)
def test_to_arrays_round_trips(backend, head):
    config = tiny_config(num_labels=2)
    arrays = _arrays(config, head, seed=1)
    model = backend.from_arrays(config, head, arrays)
    again = backend.to_arrays(model)
    assert sorted(again) == sorted(arrays)
    for name, value in arrays.items():
        np.testing.assert_array_equal(again[name], value, err_msg=name)
    other = MODEL_CLASSES[head](config)
    backend.load_arrays(other, arrays)
    for name, value in backend.to_arrays(other).items():
        np.testing.assert_array_equal(value, arrays[name], err_msg=name)


@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("config_name", GOLDEN_CONFIGS)
def test_from_pretrained_gives_the_golden_outputs(backend, config_name, head):
    model = backend.from_pretrained(head, golden_dir(config_name, head), device=-1)
    assert not model.training
    assert model.config == golden_config(config_name, head)
    data = golden(config_name, head)
    got = backend.forward(model, golden_inputs(data))
    fields = set(HEAD_SPECS[head].fields) | ({"loss"} if "output.loss" in data else set())
    assert set(got) == fields
    assert_matches_golden({f"output.{k}": v for k, v in got.items()}, data, "output.",
                          only={f"output.{k}" for k in got})


def test_forward_takes_int32_batches(backend):
    config = tiny_config()
    model = backend.from_arrays(config, "masked-lm", _arrays(config, "masked-lm"))
    batch = _batch(config, "masked-lm")
    small = {k: v.astype(np.int32) for k, v in batch.items()}
    small["labels"] = small["input_ids"]
    got = backend.forward(model, small)
    assert np.isfinite(got["loss"])
    np.testing.assert_array_equal(got["logits"], backend.forward(model, batch)["logits"])


def test_from_pretrained_refuses_a_missing_gpu(backend, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="GPU"):
        backend.from_pretrained("model", golden_dir(GOLDEN_CONFIGS[0], "model"), device=0)
