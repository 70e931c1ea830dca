"""Each framework pre-trains a tiny ALBERT on the synthetic corpus: the loss goes down, the
outputs are written, and a run stopped halfway resumes to the same weights; plus the
framework data adapters."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from pretraining_testutils import tiny_config

from albert_core.training import PretrainingData
from albert_core.training.loop import (
    CHECKPOINT_DIR,
    EVAL_FILE,
    LOG_FILE,
    PretrainingArguments,
    latest_checkpoint,
    run_pretraining,
    trainer_class,
)

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

FRAMEWORKS = {"pt": "torch", "tf": "tensorflow", "flax": "flax"}
STEPS = 24


def _args(out: Path, **changes: object) -> PretrainingArguments:
    values = dict(output_dir=str(out), steps=STEPS, batch_size=16, learning_rate=0.05,
                  log_every=4, save_every=10, eval_batches=2, progress=False, seed=3)
    values.update(changes)
    return PretrainingArguments(**values)


@pytest.mark.parametrize("framework", list(FRAMEWORKS))
def test_short_pretraining_learns_and_resumes_exactly(framework: str, data_dir: Path,
                                                      tmp_path: Path) -> None:
    pytest.importorskip(FRAMEWORKS[framework])
    trainer_cls = trainer_class(framework)

    full_args = _args(tmp_path / "full")
    full = run_pretraining(trainer_cls(tiny_config(), full_args), data_dir, full_args)
    losses = [h["loss"] for h in full.history]
    assert full.finished and full.step == STEPS and len(losses) == STEPS // 4
    assert losses[-1] < losses[0] - 0.3, losses
    assert full.eval is not None and full.eval["examples"] > 0
    assert full.eval["loss"] < losses[0] - 0.3
    out = tmp_path / "full"
    for name in ("config.json", "model.safetensors", "spiece.model", EVAL_FILE, LOG_FILE):
        assert (out / name).is_file(), name
    logged = [json.loads(line) for line in (out / LOG_FILE).read_text().splitlines()]
    assert [h["step"] for h in logged] == [4, 8, 12, 16, 20, 24]
    assert sorted(p.name for p in (out / CHECKPOINT_DIR).iterdir()) == ["step-00000020",
                                                                       "step-00000024"]

    # the same run, stopped after 10 updates (a checkpoint) and continued by a new trainer
    half_args = _args(tmp_path / "half", stop_after=10)
    half = run_pretraining(trainer_cls(tiny_config(), half_args), data_dir, half_args)
    assert not half.finished and half.step == 10 and half.eval is None
    assert latest_checkpoint(tmp_path / "half").name == "step-00000010"
    rest_args = _args(tmp_path / "half")
    rest = run_pretraining(trainer_cls(tiny_config(), rest_args), data_dir, rest_args)
    assert rest.finished and rest.step == STEPS

    state = json.loads((latest_checkpoint(tmp_path / "half") / "trainer_state.json").read_text())
    assert state["data"]["position"] == STEPS * 16  # the data position was restored
    expected = trainer_cls(tiny_config(), full_args)
    expected.load_state(latest_checkpoint(tmp_path / "full"))
    resumed = trainer_cls(tiny_config(), rest_args)
    resumed.load_state(latest_checkpoint(tmp_path / "half"))
    want, got = expected.numpy_weights(), resumed.numpy_weights()
    assert sorted(want) == sorted(got)
    for name in want:
        if framework == "pt":  # bit for bit
            np.testing.assert_array_equal(got[name], want[name], err_msg=name)
        else:  # XLA may fuse the resumed run's first step differently
            np.testing.assert_allclose(got[name], want[name], rtol=1e-4, atol=1e-5,
                                       err_msg=name)
    if framework == "pt":
        assert [h["loss"] for h in rest.history] == losses
    else:
        np.testing.assert_allclose([h["loss"] for h in rest.history], losses, rtol=1e-4)


def test_resume_refuses_a_different_run(data_dir: Path, tmp_path: Path) -> None:
    pytest.importorskip("torch")
    trainer_cls = trainer_class("pt")
    args = _args(tmp_path, steps=4, stop_after=2)
    run_pretraining(trainer_cls(tiny_config(), args), data_dir, args)
    with pytest.raises(FileExistsError):
        run_pretraining(trainer_cls(tiny_config(), args), data_dir, args, resume=False)
    other = _args(tmp_path, steps=4, batch_size=8)
    with pytest.raises(ValueError, match="batch_size"):
        run_pretraining(trainer_cls(tiny_config(), other), data_dir, other)
    with pytest.raises(ValueError, match="another model config"):
        run_pretraining(trainer_cls(tiny_config(hidden_size=48), args), data_dir, args)


@pytest.mark.parametrize("framework", list(FRAMEWORKS))
def test_gradient_accumulation(framework: str, data_dir: Path, tmp_path: Path) -> None:
    """Four accumulated micro-batches of 4 equal one batch of 16 holding them (here the same
    micro-batch four times, so both objectives are the same mean)."""
    pytest.importorskip(FRAMEWORKS[framework])
    trainer_cls = trainer_class(framework)
    micro = next(PretrainingData(data_dir).batches(4, seed=5))
    big = {key: np.concatenate([value] * 4) for key, value in micro.items()}
    results = []
    for accum in (1, 4):
        trainer = trainer_cls(tiny_config(), _args(tmp_path, grad_accum_steps=accum))
        for _ in range(2):
            if accum == 1:
                trainer.forward_backward(big, 1.0)
            else:
                for _ in range(4):
                    trainer.forward_backward(micro, 0.25)
            trainer.apply_gradients(0.01)
        results.append(trainer.numpy_weights())
    for name, value in results[0].items():
        np.testing.assert_allclose(results[1][name], value, rtol=1e-4, atol=1e-6, err_msg=name)


def test_pretrained_model_loads_for_fill_mask(data_dir: Path, tmp_path: Path) -> None:
    pytest.importorskip("torch")
    from albert_core.pipelines import pipeline

    args = _args(tmp_path, steps=2)
    run_pretraining(trainer_class("pt")(tiny_config(), args), data_dir, args)
    fill = pipeline("fill-mask", str(tmp_path), framework="pt")
    predictions = fill("the old cat sees the [MASK] dog.")
    assert len(predictions) == 5 and all("token_str" in p for p in predictions)


# ================================================================================ adapters
def _reference(data_dir: Path, count: int) -> list[dict[str, np.ndarray]]:
    iterator = PretrainingData(data_dir).batches(8, seed=1)
    return [next(iterator) for _ in range(count)]


def _same(got: dict, want: dict) -> None:
    assert sorted(got) == sorted(want)
    for key in want:
        np.testing.assert_array_equal(np.asarray(got[key]), want[key], err_msg=key)


def test_torch_iterable_dataset(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    torch = pytest.importorskip("torch")
    from types import SimpleNamespace

    import albert_pt.pretraining as pt_pretraining

    reference = _reference(data_dir, 6)
    dataset = pt_pretraining.PretrainingIterableDataset(data_dir, 8, seed=1, num_batches=6)
    loader = torch.utils.data.DataLoader(dataset, batch_size=None, num_workers=0)
    batches = list(loader)
    assert len(batches) == 6 and batches[0]["input_ids"].dtype == torch.int64
    for got, want in zip(batches, reference, strict=True):
        _same({k: v.numpy() for k, v in got.items()}, want)
    # with two workers, worker i builds batches i, i + 2, ... (DataLoader interleaves them)
    for worker in (0, 1):
        info = SimpleNamespace(id=worker, num_workers=2)
        monkeypatch.setattr(pt_pretraining, "get_worker_info", lambda info=info: info)
        for got, want in zip(dataset, reference[worker::2], strict=True):
            _same({k: v.numpy() for k, v in got.items()}, want)
    monkeypatch.undo()
    resumed = list(pt_pretraining.PretrainingIterableDataset(data_dir, 8, seed=1, start=16,
                                                             num_batches=2))
    _same({k: v.numpy() for k, v in resumed[0].items()}, reference[2])


def test_tf_dataset(data_dir: Path) -> None:
    pytest.importorskip("tensorflow")
    from albert_tf.pretraining import tf_dataset

    reference = _reference(data_dir, 4)
    dataset = tf_dataset(data_dir, 8, seed=1, start=8, num_batches=3)
    batches = [{k: v.numpy() for k, v in b.items()} for b in dataset]
    assert len(batches) == 3
    for got, want in zip(batches, reference[1:], strict=True):
        _same(got, want)


def test_numpy_batches_for_jax(data_dir: Path) -> None:
    pytest.importorskip("flax")
    from albert_flax.pretraining import numpy_batches

    reference = _reference(data_dir, 3)
    for got, want in zip(numpy_batches(data_dir, 8, seed=1, num_batches=3), reference,
                         strict=True):
        _same(got, want)


def test_tf_mlm_logits_match_the_model_head() -> None:
    tf = pytest.importorskip("tensorflow")
    from albert_tf import TFAlbertForPreTraining
    from albert_tf.pretraining import pretraining_sums

    model = TFAlbertForPreTraining(tiny_config())
    rng = np.random.default_rng(0)
    ids = rng.integers(5, model.config.vocab_size, size=(3, 6)).astype(np.int32)
    positions = np.array([[1, 2], [0, 4], [3, 5]], np.int32)
    targets = np.take_along_axis(ids, positions, axis=1)
    batch = {"input_ids": ids, "attention_mask": np.ones_like(ids),
             "token_type_ids": np.zeros_like(ids), "masked_lm_positions": positions,
             "masked_lm_ids": targets, "masked_lm_weights": np.ones(positions.shape, np.float32),
             "sentence_order_label": np.array([0, 1, 0], np.int32)}
    _, sums = pretraining_sums(model, {k: tf.constant(v) for k, v in batch.items()},
                               training=False)
    hidden = model.albert({k: tf.constant(batch[k]) for k in ("input_ids", "attention_mask",
                                                              "token_type_ids")})
    gathered = tf.gather(hidden["last_hidden_state"], positions, batch_dims=1)
    expected = model.predictions(gathered, model.get_input_embeddings().table)
    token_ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=targets, logits=expected)
    np.testing.assert_allclose(float(sums["mlm_loss_sum"]), float(tf.reduce_sum(token_ce)),
                               atol=1e-5)


def test_tf_state_loads_into_a_trainer_whose_variable_names_keras_uniquified(
        data_dir: Path, tmp_path: Path) -> None:
    # Dropout gives the model a seed generator; the second trainer built in one process gets
    # "seed_generator_1" where the first (which saved the state) had "seed_generator".
    pytest.importorskip("tensorflow")
    trainer_cls = trainer_class("tf")
    config = tiny_config(hidden_dropout_prob=0.1, classifier_dropout_prob=0.1)
    args = _args(tmp_path, steps=2)
    first = trainer_cls(config, args)
    run_pretraining(first, data_dir, args)
    second = trainer_cls(config, args)
    second.load_state(latest_checkpoint(tmp_path))
    want, got = first.numpy_weights(), second.numpy_weights()
    for name in want:
        np.testing.assert_array_equal(got[name], want[name], err_msg=name)
    with pytest.raises(ValueError, match="does not match"):
        trainer_cls(config.copy(intermediate_size=40), args).load_state(
            latest_checkpoint(tmp_path))
