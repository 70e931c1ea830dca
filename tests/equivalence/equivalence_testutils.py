"""Helpers of the cross-framework equivalence tests: configs, batches, checkpoints, adapters.

Every backend is driven through one small adapter with the same methods (``load``,
``forward``, ``loss_and_grads``, ``sgd_step``, ``arrays``, ``save``), all speaking numpy and
canonical weight names, so a test is written once and parametrized over backends and pairs.
Nothing here imports torch, tensorflow or jax at module level: :func:`adapter` imports a
backend on first use and skips the calling test when its framework is not installed.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from albert_core import checkpoints, schema
from albert_core.backend import get_backend
from albert_core.config import ACTIVATIONS, AlbertConfig

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

BACKENDS = ("pt", "tf", "flax")
PAIRS = (("pt", "tf"), ("pt", "flax"), ("tf", "flax"))
PAIR_IDS = [f"{a}-{b}" for a, b in PAIRS]
HEADS = tuple(schema.HEADS)
FORMATS = tuple(checkpoints.FORMATS)
#: The framework each backend needs (what ``pytest.importorskip`` is asked for).
FRAMEWORKS = {"pt": "torch", "tf": "tensorflow", "flax": "flax"}

# ------------------------------------------------------------------------- tolerances
#: float32: max abs difference of any output, hidden state, attention map or loss.
FP32_ATOL = 1e-5
#: Gradients: max abs difference <= GRAD_RTOL * max|reference gradient| + GRAD_ATOL, per tensor.
GRAD_RTOL = 1e-4
GRAD_ATOL = 1e-6
#: Weights after one SGD step (lr = SGD_LR): max abs difference per tensor.
SGD_LR = 0.5
SGD_ATOL = 1e-5
#: Reduced precision: max abs difference <= tol * max(1, max|float32 output|), per output.
#: bfloat16 is albert_flax.BF16_TOLERANCE (8 significant bits); float16 keeps 11 bits (8x
#: finer), and its tolerance is 5x smaller.
BF16_TOLERANCE = 0.05
FP16_TOLERANCE = 0.01
#: A dropout rate that drops everything but keeps the config valid (rates must be < 1):
#: 1 - 2**-23 is exact in float32, so each element survives with probability 2**-23.
SATURATED = 1.0 - 2.0**-23


# ---------------------------------------------------------------------------- configs
def tiny_config(**overrides: Any) -> AlbertConfig:
    """A few-kilobyte config; every field can be overridden."""
    fields: dict[str, Any] = dict(
        vocab_size=40, embedding_size=8, hidden_size=16, num_hidden_layers=2,
        num_hidden_groups=1, inner_group_num=1, num_attention_heads=2, intermediate_size=20,
        hidden_act="gelu_new", max_position_embeddings=12, type_vocab_size=2, num_labels=2,
        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, classifier_dropout_prob=0.0,
        layer_norm_eps=1e-12,
    )  # fmt: skip
    fields.update(overrides)
    return AlbertConfig(**fields)


#: The structural configs of the head x pair matrix. Between them they cover both values of
#: num_hidden_groups and inner_group_num (and three applications over two groups, so the
#: groups are applied unevenly), E != H and E == H, type_vocab_size 2, 3 and 4, num_labels 1
#: (regression), 2 (multi-label) and 3 (single-label), and three activations; the other
#: activations are covered on the masked-LM head by the ACTIVATION configs below.
STRUCTURAL: dict[str, AlbertConfig] = {
    "groups2_inner2": tiny_config(
        num_hidden_layers=3, num_hidden_groups=2, inner_group_num=2, num_labels=3,
        hidden_act="gelu_new", type_vocab_size=3,
    ),
    "emb_eq_hidden": tiny_config(
        embedding_size=12, hidden_size=12, num_attention_heads=3, num_hidden_layers=2,
        hidden_act="gelu", type_vocab_size=4, num_labels=2, max_position_embeddings=10,
    ),
    "shared_inner2": tiny_config(
        embedding_size=6, num_attention_heads=4, num_hidden_layers=2, inner_group_num=2,
        hidden_act="relu", num_labels=1,
    ),
}  # fmt: skip

#: An untied MLM decoder (transformers' TF classes always tie it; albert_tf, like PyTorch
#: and Flax, honours tie_word_embeddings=False).
UNTIED: dict[str, AlbertConfig] = {
    "untied": tiny_config(tie_word_embeddings=False, num_hidden_layers=1),
}

#: One shallow config per activation of albert_core.config.ACTIVATIONS (masked-LM head: the
#: activation runs in every layer's feed-forward block and in the MLM transform).
ACTIVATION: dict[str, AlbertConfig] = {
    f"act_{name}": tiny_config(hidden_act=name, num_hidden_layers=1) for name in ACTIVATIONS
}

CONFIGS: dict[str, AlbertConfig] = {**STRUCTURAL, **ACTIVATION, **UNTIED}


def config_for(config_name: str, head: str) -> AlbertConfig:
    """The config of ``config_name`` adapted to ``head`` (question answering needs 2 labels)."""
    config = CONFIGS[config_name]
    if head == "question-answering" and config.num_labels != 2:
        config = config.copy(num_labels=2, id2label=None, label2id=None)
    return config


# --------------------------------------------------------------------------- weights
@functools.cache
def random_arrays(config_name: str, head: str, seed: int = 0) -> dict[str, np.ndarray]:
    """Canonical float32 arrays of ``head`` with seeded noise on every tensor.

    Large enough that a dropped, swapped or transposed tensor changes every output; LayerNorm
    scales stay near one and tied tensors are their source's array.
    """
    config = config_for(config_name, head)
    rng = np.random.default_rng([seed, sum(map(ord, config_name + head))])
    arrays: dict[str, np.ndarray] = {}
    for spec in schema.tensor_specs(config, head):
        if spec.tied_to is not None:
            continue
        noise = rng.standard_normal(spec.shape).astype(np.float32)
        if spec.kind == "norm_scale":
            value = 1.0 + 0.1 * noise
        elif spec.kind in ("linear", "embedding"):
            value = noise * np.float32(0.6 / np.sqrt(spec.shape[-1]))
        else:
            value = 0.1 * noise
        arrays[spec.name] = value.astype(np.float32)
    for name, source in schema.tied_names(config, head).items():
        arrays[name] = arrays[source]
    return arrays


def write_checkpoint(
    directory: Path, config: AlbertConfig, head: str, arrays: Mapping[str, np.ndarray]
) -> Path:
    """``config.json`` + ``model.safetensors`` (the one checkpoint every backend loads)."""
    checkpoints.save_pretrained(directory, config, head, arrays, ("safetensors",))
    return directory


# ----------------------------------------------------------------------------- inputs
def stress_batch(
    config: AlbertConfig,
    head: str,
    *,
    batch: int = 4,
    seq: int = 7,
    seed: int = 0,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """``(features, labels)`` that stress the input contracts.

    Rows are right-padded by different amounts; the last row (when ``batch > 1``) is all
    padding except its first ([CLS]) token; token types take every value of the table;
    labels hold ignored entries (-100, a QA position past the end). Multiple choice gets
    ``(batch, 2, seq)`` inputs built from ``2 * batch`` such rows.
    """
    rng = np.random.default_rng(seed)
    choices = 2 if head == "multiple-choice" else 1
    rows = batch * choices
    ids = rng.integers(5, config.vocab_size, size=(rows, seq))
    ids[:, 0] = 2  # [CLS]
    lengths = [max(1, seq - (i % 4) * 2) for i in range(rows)]
    if rows > 1:
        lengths[-1] = 1  # padding everywhere but [CLS]
    mask = np.zeros((rows, seq), np.int32)
    types = np.zeros((rows, seq), np.int32)
    for r, length in enumerate(lengths):
        mask[r, :length] = 1
        ids[r, length:] = config.pad_token_id
        types[r, :length] = (np.arange(length) * config.type_vocab_size) // max(length, 1)
    features = {
        "input_ids": ids.astype(np.int32),
        "attention_mask": mask,
        "token_type_ids": types.astype(np.int32),
    }
    labels = _labels(config, head, ids, mask, batch, seq, rng)
    if choices > 1:
        features = {k: v.reshape(batch, choices, seq) for k, v in features.items()}
    return features, labels


def _labels(
    config: AlbertConfig,
    head: str,
    ids: np.ndarray,
    mask: np.ndarray,
    batch: int,
    seq: int,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    n = config.num_labels
    if head == "model":
        return {}
    if head in ("pretraining", "masked-lm"):
        # Padding is never scored (-100), as data collators do; [CLS] of row 0 always is.
        labels = np.where((mask == 1) & (rng.random(ids.shape) < 0.5), ids, -100)
        labels[0, 0] = ids[0, 0]
        out = {"labels": labels.astype(np.int32)}
        if head == "pretraining":
            out["sentence_order_label"] = rng.integers(0, n, size=(batch,)).astype(np.int32)
        return out
    if head == "sequence-classification":
        if n == 1:
            return {"labels": rng.standard_normal(batch).astype(np.float32)}
        if n == 2:  # multi-label: float multi-hot targets
            return {"labels": (rng.random((batch, n)) < 0.5).astype(np.float32)}
        return {"labels": rng.integers(0, n, size=(batch,)).astype(np.int32)}
    if head == "token-classification":
        labels = np.where(mask == 1, rng.integers(0, n, size=ids.shape), -100)
        return {"labels": labels.astype(np.int32)}
    if head == "question-answering":
        start = rng.integers(0, seq, size=(batch,))
        end = rng.integers(0, seq, size=(batch,))
        if batch > 1:
            start[-1] = seq + 3  # clamped to seq, then ignored
        return {"start_positions": start.astype(np.int32), "end_positions": end.astype(np.int32)}
    if head == "multiple-choice":
        return {"labels": rng.integers(0, 2, size=(batch,)).astype(np.int32)}
    raise ValueError(head)


#: Input variants, each stressing contracts on top of :func:`stress_batch` (two contracts
#: share a variant where they are independent, to keep the compilations few):
#: ``stress`` (ragged padding, a [CLS]-only row, every token type, odd length);
#: ``ids_only`` (every optional input left to its default); ``positions_head_mask_2d``
#: (explicit per-row ``position_ids`` and a ``(num_hidden_layers, heads)`` head mask with
#: different rows, a different head off in each); ``shared_positions_head_mask_1d`` (one
#: ``(1, seq)`` row of positions for the batch and a ``(heads,)`` head mask);
#: ``inputs_embeds`` instead of ids; ``batch1`` (batch size 1, odd length); ``max_length``
#: (sequences as long as ``max_position_embeddings``).
VARIANTS = (
    "stress", "ids_only", "positions_head_mask_2d", "shared_positions_head_mask_1d",
    "inputs_embeds", "batch1", "max_length",
)  # fmt: skip


def input_variant(
    config: AlbertConfig, head: str, name: str
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """``(features, labels)`` of the input variant ``name`` (one of :data:`VARIANTS`)."""
    rng = np.random.default_rng(7)
    if name == "batch1":
        return stress_batch(config, head, batch=1, seq=5)
    if name == "max_length":
        return stress_batch(config, head, batch=2, seq=config.max_position_embeddings)
    features, labels = stress_batch(config, head)
    shape = features["input_ids"].shape
    seq, layers, heads = shape[-1], config.num_hidden_layers, config.num_attention_heads
    if name == "stress":
        pass
    elif name == "ids_only":
        features = {"input_ids": features["input_ids"]}
    elif name == "positions_head_mask_2d":
        rows = np.arange(int(np.prod(shape[:-1]))).reshape(*shape[:-1], 1)
        positions = (np.arange(seq) + 2 * rows) % config.max_position_embeddings
        features["position_ids"] = positions.astype(np.int32)
        mask = rng.uniform(0.2, 1.0, (layers, heads))
        mask[np.arange(layers), np.arange(layers) % heads] = 0.0
        features["head_mask"] = mask.astype(np.float32)
    elif name == "shared_positions_head_mask_1d":
        positions = np.arange(seq)[::-1] + config.max_position_embeddings - seq
        features["position_ids"] = positions.reshape(*(1,) * (len(shape) - 1), seq)
        features["position_ids"] = features["position_ids"].astype(np.int32)
        mask = rng.uniform(0.2, 1.0, heads)
        mask[0] = 0.0
        features["head_mask"] = mask.astype(np.float32)
    elif name == "inputs_embeds":
        ids = features.pop("input_ids")
        embeds = rng.standard_normal((*ids.shape, config.embedding_size)) * 0.5
        features["inputs_embeds"] = embeds.astype(np.float32)
    else:
        raise ValueError(name)
    return features, labels


# ------------------------------------------------------------------------- comparing
def flatten(outputs: Any) -> dict[str, np.ndarray]:
    """An output object (any backend) -> ``{field[.i]: float32 array}``."""
    flat: dict[str, np.ndarray] = {}
    for key in list(outputs.keys()):
        value = outputs[key]
        if value is None:
            continue
        if isinstance(value, (tuple, list)):
            for i, item in enumerate(value):
                flat[f"{key}.{i}"] = _numpy(item)
        else:
            flat[key] = _numpy(value)
    return flat


def _numpy(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):  # torch
        return value.detach().cpu().float().numpy()
    return np.asarray(value).astype(np.float32)


def max_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    """Max abs difference (inf on a shape mismatch or NaN, 0 for empty arrays)."""
    if a.shape != b.shape:
        return float("inf")
    if a.size == 0:
        return 0.0
    diff = float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))))
    return float("inf") if np.isnan(diff) else diff


def compare(
    got: Mapping[str, np.ndarray],
    want: Mapping[str, np.ndarray],
    tolerance: float | Callable[[str, np.ndarray], float],
) -> dict[str, tuple[float, float]]:
    """``{name: (max abs diff, tolerance)}`` for every name of either side."""
    report = {}
    for name in sorted(set(got) | set(want)):
        if name not in got or name not in want:
            report[name] = (float("inf"), 0.0)
            continue
        tol = tolerance(name, want[name]) if callable(tolerance) else tolerance
        report[name] = (max_abs_diff(got[name], want[name]), tol)
    return report


def assert_close(
    got: Mapping[str, np.ndarray],
    want: Mapping[str, np.ndarray],
    tolerance: float | Callable[[str, np.ndarray], float],
    what: str = "",
) -> float:
    """Same names, each within its tolerance; returns the largest difference seen."""
    report = compare(got, want, tolerance)
    _record(report)
    bad = {k: v for k, v in report.items() if not v[0] <= v[1]}
    lines = [f"  {k}: max abs diff {d:.3g} > {t:.3g}" for k, (d, t) in bad.items()]
    assert not bad, f"{what} disagrees on {len(bad)} of {len(report)}:\n" + "\n".join(lines)
    return max((d for d, _ in report.values()), default=0.0)


#: ``{test function: [max abs diff, max diff / tolerance]}`` over every comparison made;
#: printed after the run when ALBERT_EQUIVALENCE_REPORT=1 (see conftest.py).
MEASURED: dict[str, list[float]] = {}


def _record(report: Mapping[str, tuple[float, float]]) -> None:
    test = os.environ.get("PYTEST_CURRENT_TEST", "?").split("::")[-1].split("[")[0].split(" ")[0]
    entry = MEASURED.setdefault(test, [0.0, 0.0])
    for diff, tol in report.values():
        entry[0] = max(entry[0], diff)
        if tol > 0:
            entry[1] = max(entry[1], diff / tol)


def scale_tolerance(factor: float) -> Callable[[str, np.ndarray], float]:
    """``factor * max(1, max|reference|)``: the reduced-precision tolerance of one output."""

    def tolerance(_: str, reference: np.ndarray) -> float:
        peak = float(np.max(np.abs(reference))) if reference.size else 0.0
        return factor * max(1.0, peak)

    return tolerance


def independent_names(config: AlbertConfig, head: str) -> list[str]:
    """Canonical names that are parameters of their own (tied names left out)."""
    return [t.name for t in schema.tensor_specs(config, head) if t.tied_to is None]


# --------------------------------------------------------------------------- adapters
#: Named numpy arrays: a batch's features or labels, or a probe's weights.
Arrays = Mapping[str, np.ndarray]


class Adapter:
    """One backend behind numpy in, numpy out; canonical names for weights and gradients.

    Everything runs on the CPU unless ``device="gpu"`` is passed to :meth:`load` (and the
    same to :meth:`forward`), so the float32 promise is checked on the CPU even on a
    machine with a GPU (whose float32 matmuls may round through TF32).
    """

    name = ""

    def has_gpu(self) -> bool:
        raise NotImplementedError

    def placement(self, device: str = "cpu"):
        """Context manager placing new tensors and computations on ``device``."""
        return contextlib.nullcontext()

    def load(
        self,
        head: str,
        directory: Path,
        *,
        fmt: str | None = None,
        dtype: str = "float32",
        device: str = "cpu",
        **overrides: Any,
    ):
        """``from_pretrained`` of ``head`` from ``directory`` (config fields overridable)."""
        raise NotImplementedError

    def forward(
        self,
        model: Any,
        features: Mapping[str, np.ndarray],
        labels: Mapping[str, np.ndarray] | None = None,
        *,
        train: bool = False,
        seed: int = 0,
        hidden: bool = True,
        attentions: bool = True,
        device: str = "cpu",
    ) -> dict[str, np.ndarray]:
        """Outputs as ``{field[.i]: float32 array}``; ``train`` turns dropout on (seeded)."""
        raise NotImplementedError

    def loss_and_grads(
        self, model: Any, features: Arrays, labels: Arrays, probe: Arrays | None = None
    ) -> tuple[float, dict[str, np.ndarray]]:
        """Training-mode loss and ``{independent canonical name: gradient}`` (canonical layout).

        The bare model has no loss: ``probe`` (``{"last_hidden_state": w1, "pooler_output":
        w2}``) defines ``sum(w1 * last_hidden_state) + sum(w2 * pooler_output)``.
        """
        raise NotImplementedError

    def sgd_step(
        self, model: Any, features: Arrays, labels: Arrays, lr: float, probe: Arrays | None = None
    ) -> None:
        """One training step with the framework's own SGD optimizer, in place (loss as in
        :meth:`loss_and_grads`)."""
        raise NotImplementedError

    def arrays(self, model: Any) -> dict[str, np.ndarray]:
        """The model's canonical tensors as float32, through the framework's Backend."""
        arrays = get_backend(self.name).to_arrays(model)
        return {k: np.asarray(v, np.float32) for k, v in arrays.items()}

    def save(self, model: Any, directory: Path, formats: tuple[str, ...]) -> None:
        model.save_pretrained(directory, formats=formats)


class PTAdapter(Adapter):
    name = "pt"

    def __init__(self) -> None:
        import torch

        import albert_pt

        self.torch = torch
        self.pkg = albert_pt

    def has_gpu(self):
        return self.torch.cuda.is_available()

    def load(self, head, directory, *, fmt=None, dtype="float32", device="cpu", **overrides):
        model = self.pkg.MODEL_CLASSES[head].from_pretrained(
            directory, fmt=fmt, dtype=dtype, device="cuda" if device == "gpu" else "cpu",
            **overrides,
        )  # fmt: skip
        return model.eval()

    def _tensors(self, values: Mapping[str, np.ndarray], device, dtype=None) -> dict[str, Any]:
        torch = self.torch
        out = {}
        for key, value in values.items():
            tensor = torch.from_numpy(np.ascontiguousarray(value))
            if tensor.dtype == torch.int32:
                tensor = tensor.long()
            elif tensor.is_floating_point() and dtype is not None:
                tensor = tensor.to(dtype)
            out[key] = tensor.to(device)
        return out

    def _call(self, model, features, labels, hidden, attentions):
        inputs = self._tensors(features, model.device, dtype=model.dtype)
        inputs.update(self._tensors(labels or {}, model.device))
        return model(**inputs, output_hidden_states=hidden, output_attentions=attentions)

    def forward(self, model, features, labels=None, *, train=False, seed=0, hidden=True,
                attentions=True, device="cpu"):  # fmt: skip
        torch = self.torch
        model.train(train)
        torch.manual_seed(seed)
        try:
            with torch.no_grad():
                return flatten(self._call(model, features, labels, hidden, attentions))
        finally:
            model.eval()

    def loss_and_grads(self, model, features, labels, probe=None):
        torch = self.torch
        model.train()
        model.zero_grad(set_to_none=True)
        try:
            out = self._call(model, features, labels, False, False)
            if probe is None:
                loss = out.loss
            else:
                loss = sum((getattr(out, k) * torch.from_numpy(w)).sum() for k, w in probe.items())
            loss.backward()
        finally:
            model.eval()
        params = dict(model.named_parameters(remove_duplicate=False))
        grads = {}
        for name in independent_names(model.config, model.head):
            grad = params[name].grad
            grads[name] = (
                np.zeros(tuple(params[name].shape), np.float32)
                if grad is None
                else grad.detach().float().numpy().copy()
            )
        return float(loss.detach()), grads

    def sgd_step(self, model, features, labels, lr, probe=None):
        optimizer = self.torch.optim.SGD(model.parameters(), lr=lr)
        self.loss_and_grads(model, features, labels, probe)  # leaves .grad on the params
        optimizer.step()
        model.zero_grad(set_to_none=True)


class TFAdapter(Adapter):
    name = "tf"

    _POLICIES = {"float32": None, "bfloat16": "mixed_bfloat16", "float16": "mixed_float16"}

    def __init__(self) -> None:
        import keras
        import tensorflow as tf

        import albert_tf
        from albert_tf import weights

        self.tf, self.keras, self.pkg, self.weights = tf, keras, albert_tf, weights

    def has_gpu(self):
        return bool(self.tf.config.list_physical_devices("GPU"))

    def placement(self, device="cpu"):
        return self.tf.device("/GPU:0" if device == "gpu" else "/CPU:0")

    def load(self, head, directory, *, fmt=None, dtype="float32", device="cpu", **overrides):
        cls = self.pkg.MODEL_CLASSES[head]
        # Dropout layers draw their seeds when built: seed them for repeatable train mode.
        self.keras.utils.set_random_seed(0)
        with self.placement(device):
            return cls.from_pretrained(directory, fmt=fmt, dtype=self._POLICIES[dtype], **overrides)

    def forward(self, model, features, labels=None, *, train=False, seed=0, hidden=True,
                attentions=True, device="cpu"):  # fmt: skip
        with self.placement(device):
            out = model(
                dict(features),
                **dict(labels or {}),
                training=train,
                output_hidden_states=hidden,
                output_attentions=attentions,
            )
            return flatten(out)

    def loss_and_grads(self, model, features, labels, probe=None):
        tf = self.tf
        variables = self.weights.canonical_variables(model)
        with self.placement(), tf.GradientTape() as tape:
            loss = self._loss(model(dict(features), **dict(labels), training=True), probe)
        names = list(variables)
        values = tape.gradient(loss, [variables[n] for n in names])
        grads = {}
        for name, grad in zip(names, values, strict=True):
            if grad is None:
                array = np.zeros(tuple(variables[name].shape), np.float32)
            else:
                array = np.asarray(tf.convert_to_tensor(grad), np.float32)
            grads[name] = np.ascontiguousarray(schema.from_framework_layout(name, array))
        return float(loss), grads

    def sgd_step(self, model, features, labels, lr, probe=None):
        tf = self.tf
        with self.placement(), tf.GradientTape() as tape:
            loss = self._loss(model(dict(features), **dict(labels), training=True), probe)
        variables = model.trainable_variables
        grads = tape.gradient(loss, variables)
        optimizer = self.keras.optimizers.SGD(learning_rate=lr)
        with self.placement():
            optimizer.apply_gradients(zip(grads, variables, strict=True))

    def _loss(self, out, probe):
        tf = self.tf
        if probe is None:
            return out["loss"]
        return tf.add_n([tf.reduce_sum(out[k] * w) for k, w in probe.items()])


class FlaxAdapter(Adapter):
    name = "flax"

    def __init__(self) -> None:
        import jax
        import jax.numpy as jnp

        import albert_flax
        from albert_flax import weights

        self.jax, self.jnp, self.pkg, self.weights = jax, jnp, albert_flax, weights
        self._grad_fns: dict[tuple, Any] = {}

    def _devices(self, kind):
        try:
            return self.jax.devices(kind)
        except RuntimeError:
            return []

    def has_gpu(self):
        return bool(self._devices("gpu"))

    def placement(self, device="cpu"):
        return self.jax.default_device(self._devices(device)[0])

    def load(self, head, directory, *, fmt=None, dtype="float32", device="cpu", **overrides):
        cls = self.pkg.MODEL_CLASSES[head]
        # "highest": full float32 matmuls on a GPU too (no effect on the CPU).
        precision = "highest" if device == "gpu" and dtype == "float32" else None
        with self.placement(device):
            return cls.from_pretrained(
                directory, fmt=fmt, dtype=getattr(self.jnp, dtype), precision=precision,
                **overrides,
            )  # fmt: skip

    def forward(self, model, features, labels=None, *, train=False, seed=0, hidden=True,
                attentions=True, device="cpu"):  # fmt: skip
        rng = self.jax.random.PRNGKey(seed) if train else None
        with self.placement(device):
            out = model(
                **features,
                **dict(labels or {}),
                train=train,
                dropout_rng=rng,
                output_hidden_states=hidden,
                output_attentions=attentions,
            )
            return flatten(out)

    def loss_and_grads(self, model, features, labels, probe=None):
        loss, grads = self._value_and_grad(model, features, labels, probe)
        arrays = self.weights.params_to_arrays(grads, model.config, model.head)
        names = independent_names(model.config, model.head)
        return float(loss), {n: arrays[n] for n in names}

    def sgd_step(self, model, features, labels, lr, probe=None):
        import optax

        _, grads = self._value_and_grad(model, features, labels, probe)
        with self.placement():
            optimizer = optax.sgd(lr)
            updates, _ = optimizer.update(grads, optimizer.init(model.params), model.params)
            model.params = optax.apply_updates(model.params, updates)

    def _value_and_grad(self, model, features, labels, probe):
        """The loss and the params-shaped gradient, from one compiled ``value_and_grad`` per
        model class, config and input shapes.

        Compiled with LLVM optimisation off (``xla_backend_optimization_level=0``): half
        the compile time of this test-only function, the same HLO program and numbers.
        """
        args = (model.params, dict(features), dict(labels), probe)
        shapes = self.jax.tree_util.tree_map(np.shape, args[1:])
        key = (type(model), model.config.to_json_string(), model.dtype.name, repr(shapes))
        if key not in self._grad_fns:
            jnp = self.jnp

            def loss_fn(params, features, labels, probe):
                out = model(**features, **labels, params=params, train=True)
                if probe is None:
                    return out.loss
                return sum(jnp.sum(getattr(out, k) * w) for k, w in probe.items())

            with self.placement():
                lowered = self.jax.jit(self.jax.value_and_grad(loss_fn)).lower(*args)
                self._grad_fns[key] = lowered.compile(
                    compiler_options={"xla_backend_optimization_level": 0}
                )
        with self.placement():
            return self._grad_fns[key](*args)


_ADAPTERS: dict[str, type[Adapter]] = {"pt": PTAdapter, "tf": TFAdapter, "flax": FlaxAdapter}
_INSTANCES: dict[str, Adapter] = {}


def adapter(backend: str) -> Adapter:
    """The adapter of ``backend``; skips the calling test when its framework is missing."""
    if backend not in _INSTANCES:
        pytest.importorskip(FRAMEWORKS[backend])
        _INSTANCES[backend] = _ADAPTERS[backend]()
    return _INSTANCES[backend]


# ------------------------------------------------------------------ numpy reference
#: Dropout sites, in the order the forward meets them. ``hidden_dropout_prob`` drives the
#: first, third and fourth; ``attention_probs_dropout_prob`` the second;
#: ``classifier_dropout_prob`` the one in front of the classification heads.
HIDDEN_SITES = ("embeddings", "attention_output", "ffn_output")
ATTENTION_SITES = ("attention_probs",)


def _activation(name: str):
    from math import erf

    erf_v = np.vectorize(erf)

    def tanh_gelu(x):
        return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))

    def sigmoid(x):
        return 1 / (1 + np.exp(-x))

    table = {
        "gelu": lambda x: x * 0.5 * (1 + erf_v(x / np.sqrt(2))),
        "gelu_new": tanh_gelu,
        "gelu_fast": tanh_gelu,
        "gelu_pytorch_tanh": tanh_gelu,
        "quick_gelu": lambda x: x * sigmoid(1.702 * x),
        "relu": lambda x: np.maximum(x, 0),
        "silu": lambda x: x * sigmoid(x),
        "swish": lambda x: x * sigmoid(x),
        "tanh": np.tanh,
        "sigmoid": sigmoid,
        "linear": lambda x: x,
    }
    return table[name]


def reference_backbone(
    config: AlbertConfig,
    head: str,
    arrays: Mapping[str, np.ndarray],
    features: Mapping[str, np.ndarray],
    *,
    zero: frozenset[str] | set[str] = frozenset(),
) -> dict[str, np.ndarray]:
    """The ALBERT backbone in float64 numpy, written from the paper and the schema alone.

    A fourth implementation that owes nothing to the three backends: it fixes what a head
    mask row means (row ``i`` scales every inner layer of the ``i``-th layer application)
    and what each dropout site does when it drops everything (the sites named in ``zero``
    output zeros). Takes 2-D inputs (multiple choice is not handled here). Returns
    ``last_hidden_state``, ``pooler_output`` (when the head has a pooler), ``hidden_states.i``
    and ``attentions.j``, as the backends name them.
    """
    p = "" if head == "model" else schema.PREFIX
    w = {k: np.asarray(v, np.float64) for k, v in arrays.items()}
    act = _activation(config.hidden_act)
    eps = config.layer_norm_eps

    def linear(x, name):
        return x @ w[f"{p}{name}.weight"].T + w[f"{p}{name}.bias"]

    def layer_norm(x, name):
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + eps) * w[f"{p}{name}.weight"] + w[f"{p}{name}.bias"]

    if features.get("inputs_embeds") is not None:
        embeds = np.asarray(features["inputs_embeds"], np.float64)
    else:
        embeds = w[f"{p}embeddings.word_embeddings.weight"][features["input_ids"]]
    batch, seq = embeds.shape[:2]
    types = features.get("token_type_ids")
    types = np.zeros((batch, seq), np.int64) if types is None else types
    positions = features.get("position_ids")
    positions = np.arange(seq)[None, :] if positions is None else positions
    x = (
        embeds
        + w[f"{p}embeddings.token_type_embeddings.weight"][types]
        + w[f"{p}embeddings.position_embeddings.weight"][positions]
    )
    x = layer_norm(x, "embeddings.LayerNorm")
    if "embeddings" in zero:
        x = np.zeros_like(x)
    h = linear(x, "encoder.embedding_hidden_mapping_in")
    mask = features.get("attention_mask")
    mask = np.ones((batch, seq)) if mask is None else np.asarray(mask, np.float64)
    bias = (1.0 - mask)[:, None, None, :] * np.finfo(np.float32).min
    head_mask = features.get("head_mask")
    heads, dim = config.num_attention_heads, config.hidden_size // config.num_attention_heads
    rows = np.ones((config.num_hidden_layers, heads))
    if head_mask is not None:
        rows = np.broadcast_to(np.asarray(head_mask, np.float64), rows.shape)
    out: dict[str, np.ndarray] = {"hidden_states.0": h}
    attentions = []
    for i, group in enumerate(config.layer_groups()):
        for k in range(config.inner_group_num):
            lp = schema.layer_prefix(group, k)

            def split(t):
                return t.reshape(batch, seq, heads, dim).transpose(0, 2, 1, 3)

            q, key, v = (split(linear(h, f"{lp}attention.{n}")) for n in ("query", "key", "value"))
            scores = q @ key.transpose(0, 1, 3, 2) / np.sqrt(dim) + bias
            scores = scores - scores.max(-1, keepdims=True)
            probs = np.exp(scores) / np.exp(scores).sum(-1, keepdims=True)
            if "attention_probs" in zero:
                probs = np.zeros_like(probs)
            probs = probs * rows[i][None, :, None, None]
            attentions.append(probs)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, seq, heads * dim)
            projected = linear(context, f"{lp}attention.dense")
            if "attention_output" in zero:
                projected = np.zeros_like(projected)
            a = layer_norm(h + projected, f"{lp}attention.LayerNorm")
            f = linear(act(linear(a, f"{lp}ffn")), f"{lp}ffn_output")
            if "ffn_output" in zero:
                f = np.zeros_like(f)
            h = layer_norm(f + a, f"{lp}full_layer_layer_norm")
        out[f"hidden_states.{i + 1}"] = h
    out["last_hidden_state"] = h
    if schema.head_spec(head).has_pooler:
        out["pooler_output"] = np.tanh(linear(h[:, 0], "pooler"))
    out.update({f"attentions.{j}": a for j, a in enumerate(attentions)})
    return {k: v.astype(np.float32) for k, v in out.items()}
