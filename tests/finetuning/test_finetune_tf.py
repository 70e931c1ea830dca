"""Keras/TensorFlow fine-tuning: ``compile``/``fit`` on :func:`albert_tf.finetuning.task_dataset`
for every head, AdamW against PyTorch's, the finetuner against PyTorch's, and training under
``tf.distribute`` strategies (in subprocesses: devices are set before TensorFlow starts)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from finetuning_testutils import TINY_MODEL

tf = pytest.importorskip("tensorflow")

import keras  # noqa: E402

from albert_core.tokenizers.fast import AlbertTokenizerFast  # noqa: E402
from albert_core.training.finetune import FinetuneArguments, micro_batches  # noqa: E402
from albert_core.training.finetune_tasks import load_task_data  # noqa: E402
from albert_core.training.loop import no_decay  # noqa: E402
from albert_tf import MODEL_CLASSES, weights  # noqa: E402
from albert_tf.finetuning import AdamW, TFFinetuner, task_dataset  # noqa: E402
from albert_tf.training import process_rank  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
NO_DROPOUT = {"hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0,
              "classifier_dropout_prob": 0.0}
TASKS = ["text-classification", "token-classification", "question-answering",
         "multiple-choice", "masked-lm"]
JIT_TASKS = ("multiple-choice", "masked-lm")


def _data(task: str, task_files: dict[str, Path]):
    tokenizer = AlbertTokenizerFast.from_pretrained(TINY_MODEL)
    return load_task_data(task, task_files[task], None, tokenizer, max_length=16, doc_stride=4)


@pytest.mark.parametrize("task", TASKS)
def test_compile_and_fit_on_task_dataset_trains_every_head(task: str,
                                                           task_files: dict[str, Path]) -> None:
    data = _data(task, task_files)
    keras.utils.set_random_seed(0)
    model = MODEL_CLASSES[data.head].from_pretrained(TINY_MODEL, strict=False,
                                                     **data.config_updates, **NO_DROPOUT)
    dataset = task_dataset(data.train, 4, shuffle=True, seed=1, drop_remainder=True)
    batch = next(iter(dataset))
    assert set(batch) == set(data.train) and batch["input_ids"].dtype == tf.int32
    before = float(model(batch).loss)
    # XLA-compiled steps for the rank-3 and the vocabulary-wide heads (one batch shape,
    # drop_remainder, so one compilation); graph steps for the others.
    model.compile(optimizer=AdamW(5e-3), jit_compile=task in JIT_TASKS)
    history = model.fit(dataset.repeat(), steps_per_epoch=3, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    after = float(model(batch).loss)
    assert after < before, (before, after)


def test_task_dataset_takes_task_features_and_refuses_bad_input(task_files) -> None:
    from albert_core import tasks

    tokenizer = AlbertTokenizerFast.from_pretrained(TINY_MODEL)
    features = tasks.text_classification_features(task_files["text-classification"], tokenizer,
                                                  max_length=16)
    batches = list(task_dataset(features, 16))
    assert [len(b["input_ids"]) for b in batches] == [16, 16, 8]
    np.testing.assert_array_equal(batches[0]["labels"], features.arrays["labels"][:16])
    qa = tasks.prepare_qa_features(tasks.read_squad(task_files["question-answering"]),
                                   tokenizer, max_length=32, doc_stride=8)
    assert {"start_positions", "end_positions"} <= set(next(iter(task_dataset(qa, 2))))
    with pytest.raises(ValueError, match="different numbers of rows"):
        task_dataset({"input_ids": np.zeros((3, 4)), "labels": np.zeros(2)}, 2)
    with pytest.raises(ValueError, match="batch_size"):
        task_dataset(features, 0)
    with pytest.raises(TypeError, match="list"):
        task_dataset([1, 2], 2)


def test_adamw_is_torch_adamw() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    start = {"dense/kernel": rng.standard_normal((6, 3)).astype(np.float32),
             "LayerNorm/gamma": rng.standard_normal(3).astype(np.float32)}
    grads = [{k: (rng.standard_normal(v.shape) * 10.0 ** rng.integers(-9, 0, v.shape))
              .astype(np.float32) for k, v in start.items()} for _ in range(4)]
    params = {k: torch.nn.Parameter(torch.tensor(v)) for k, v in start.items()}
    reference = torch.optim.AdamW([
        {"params": [params["dense/kernel"]], "weight_decay": 0.1},
        {"params": [params["LayerNorm/gamma"]], "weight_decay": 0.0}], lr=1e-2)
    variables = {k: keras.Variable(v, name=k.replace("/", "_")) for k, v in start.items()}
    optimizer = AdamW(1e-2, weight_decay_rate=0.1, exclude_patterns=("gamma",))
    for step in grads:
        for k, p in params.items():
            p.grad = torch.tensor(step[k])
        reference.step()
        optimizer.apply([tf.constant(step[k]) for k in variables], list(variables.values()))
    for k, p in params.items():
        np.testing.assert_allclose(variables[k].numpy(), p.detach().numpy(), atol=1e-6, rtol=0)
    # Rows repeated in an embedding lookup's gradient are summed before squaring.
    table = keras.Variable(np.ones((4, 2), np.float32))
    dense, sparse = AdamW(0.1), AdamW(0.1)
    copy = keras.Variable(np.ones((4, 2), np.float32))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.gather(table, [1, 1, 2]) * [[1.0, 2.0], [-3.0, 1.0], [1.0, 1.0]])
    gradient = tape.gradient(loss, table)
    assert isinstance(gradient, tf.IndexedSlices)
    sparse.apply([gradient], [table])
    dense.apply([tf.convert_to_tensor(gradient)], [copy])
    np.testing.assert_array_equal(table.numpy(), copy.numpy())


def test_finetuner_matches_pytorch(task_files: dict[str, Path]) -> None:
    """Four AdamW steps from the same weights: PyTorch's and Keras' finetuners agree within
    1e-4 (at lr 1e-4; Adam's first steps on noise-level gradients scale with lr)."""
    pytest.importorskip("torch")
    from albert_pt.finetuning import PTFinetuner

    data = _data("token-classification", task_files)
    data.config_updates.update(NO_DROPOUT)
    args = FinetuneArguments(task=data.task, train_file="unused", output_dir="unused",
                             model=TINY_MODEL, learning_rate=1e-4, weight_decay=0.01,
                             progress=False)
    pt, tf_ = PTFinetuner(data, args), TFFinetuner(data, args)
    start = {name: t.detach().numpy().copy() for name, t in pt.model.state_dict().items()}
    weights.load_arrays(tf_.model, start)  # the same new head
    assert tf_.new_weights == pt.new_weights == ["classifier.bias", "classifier.weight"]
    decayed = {v.path: no_decay(v.path) for v in tf_.trainable}
    assert sum(decayed.values()) and not all(decayed.values())
    for finetuner in (pt, tf_):
        batches = micro_batches(data.train, 3, seed=0)
        for _ in range(4):
            finetuner.forward_backward(next(batches), 1.0)
            finetuner.apply_gradients(1e-4)
    got = weights.model_arrays(tf_.model)
    moved = 0.0
    for name, tensor in pt.model.state_dict().items():
        np.testing.assert_allclose(got[name], tensor.numpy(), atol=1e-4, rtol=0, err_msg=name)
        moved = max(moved, float(np.abs(tensor.numpy() - start[name]).max()))
    assert moved > 3e-4
    batch = {k: v[:2] for k, v in data.train.items() if k != "labels"}
    np.testing.assert_allclose(tf_.predict(batch)["logits"],
                               pt.predict(batch)["logits"], atol=1e-4)


def test_process_rank_from_the_cluster() -> None:
    SimpleClusterResolver = tf.distribute.cluster_resolver.SimpleClusterResolver

    class Strategy:
        def __init__(self, cluster: dict, task_type: str, task_id: int) -> None:
            self.cluster_resolver = SimpleClusterResolver(
                tf.train.ClusterSpec(cluster), task_type=task_type, task_id=task_id)

    workers = {"worker": ["a:1", "b:2", "c:3"]}
    assert process_rank(Strategy(workers, "worker", 2)) == (2, 3)
    assert process_rank(Strategy(workers, "worker", 0)) == (0, 3)
    chief = {"chief": ["a:1"], "worker": ["b:2", "c:3"]}
    assert process_rank(Strategy(chief, "chief", 0)) == (0, 3)
    assert process_rank(Strategy(chief, "worker", 0)) == (1, 3)
    assert process_rank(tf.distribute.get_strategy()) == (0, 1)


def _env() -> dict[str, str]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "KERAS_BACKEND": "tensorflow"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), str(HERE),
                                                      env.get("PYTHONPATH")]))
    env.pop("TF_CONFIG", None)
    return env


@pytest.mark.slow
def test_mirrored_strategy_over_two_logical_cpus_equals_one_device(task_files) -> None:
    """Fine-tuning, pre-training and Keras ``fit`` (see tf_mirrored_training.py)."""
    result = subprocess.run(
        [sys.executable, str(HERE / "tf_mirrored_training.py"), TINY_MODEL,
         str(task_files["text-classification"]), str(task_files["token-classification"])],
        env=_env(), cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split("\n")[:3] == ["OK finetuning token-classification",
                                             "OK pretraining", "OK keras fit"]


def _train_two_steps(train: str) -> tuple[TFFinetuner, list[float], dict[str, np.ndarray]]:
    """Two updates of token classification on batches of 5 and 3 rows (split unevenly over
    two workers); the finetuner, the losses and the weights."""
    data = load_task_data("token-classification", train, None,
                          AlbertTokenizerFast.from_pretrained(TINY_MODEL), max_length=16)
    data.config_updates.update(NO_DROPOUT)
    args = FinetuneArguments(task=data.task, train_file=train, output_dir="unused",
                             model=TINY_MODEL, learning_rate=2e-5, progress=False)
    finetuner = TFFinetuner(data, args)  # the strategy comes from TF_CONFIG in a worker
    batches = micro_batches(data.train, 5, seed=0)
    losses = []
    for _ in range(2):
        losses.append(finetuner.forward_backward(next(batches), 1.0)["loss"])
        finetuner.apply_gradients(2e-5)
    finetuner.barrier()
    return finetuner, losses, weights.model_arrays(finetuner.model)


WORKER = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    from test_finetune_tf import _train_two_steps

    finetuner, losses, arrays = _train_two_steps(sys.argv[1])
    np.savez(sys.argv[2], **arrays)
    print(json.dumps({"rank": [finetuner.process_index, finetuner.process_count],
                      "main": finetuner.is_main_process, "replicas": finetuner.replicas,
                      "losses": losses}))
    """
)


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@pytest.mark.slow
def test_multi_worker_mirrored_strategy_over_two_local_workers(task_files,
                                                              tmp_path: Path) -> None:
    """Two worker processes (TF_CONFIG) train as one device does."""
    train = str(task_files["token-classification"])
    cluster = {"worker": [f"localhost:{port}" for port in _free_ports(2)]}
    workers = []
    for index in range(2):
        env = _env()
        env["TF_CONFIG"] = json.dumps({"cluster": cluster,
                                       "task": {"type": "worker", "index": index}})
        workers.append(subprocess.Popen(
            [sys.executable, "-c", WORKER, train, str(tmp_path / f"{index}.npz")],
            env=env, cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outputs = []
    try:
        for worker in workers:
            out, err = worker.communicate(timeout=240)
            assert worker.returncode == 0, err[-3000:]
            outputs.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    _, alone, want = _train_two_steps(train)  # the reference: one device, in this process
    assert [o["rank"] for o in outputs] == [[0, 2], [1, 2]]
    assert [o["main"] for o in outputs] == [True, False]
    assert [o["replicas"] for o in outputs] == [2, 2]
    for index, out in enumerate(outputs):
        np.testing.assert_allclose(out["losses"], alone, rtol=1e-5)
        got = dict(np.load(tmp_path / f"{index}.npz"))
        assert sorted(got) == sorted(want)
        for name in want:
            np.testing.assert_allclose(got[name], want[name], atol=1e-5, rtol=0, err_msg=name)
