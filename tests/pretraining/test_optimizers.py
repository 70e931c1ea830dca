"""LAMB in each framework against the reference formula; the schedule; the no-decay rule."""

from __future__ import annotations

import os

import numpy as np
import pytest

from albert_core.training.loop import PretrainingArguments, linear_schedule, no_decay

LR, WD, B1, B2, EPS, STEPS = 0.05, 0.1, 0.9, 0.999, 1e-6, 6
RNG = np.random.default_rng(0)
X = RNG.normal(size=(4, 8)).astype(np.float32)
Y = RNG.normal(size=(3, 8)).astype(np.float32)
W0 = RNG.normal(size=(3, 4)).astype(np.float32)
B0 = RNG.normal(size=3).astype(np.float32)
S0 = np.ones(3, np.float32)


def gradients(w: np.ndarray, b: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, ...]:
    """Of the toy loss 0.5·‖W X + b - Y‖² + 0.5·‖s - 2‖²."""
    residual = w @ X + b[:, None] - Y
    return residual @ X.T, residual.sum(1), s - 2.0


def reference_lamb() -> tuple[np.ndarray, ...]:
    """The LAMB formula (float64): decay and trust ratio on W only (b is a bias, s a
    LayerNorm scale)."""
    params = [W0.astype(np.float64), B0.astype(np.float64), S0.astype(np.float64)]
    plain = [False, True, True]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    for t in range(1, STEPS + 1):
        grads = gradients(*params)
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            m[i] = B1 * m[i] + (1 - B1) * g
            v[i] = B2 * v[i] + (1 - B2) * g * g
            u = (m[i] / (1 - B1**t)) / (np.sqrt(v[i] / (1 - B2**t)) + EPS)
            ratio = 1.0
            if not plain[i]:
                u = u + WD * p
                w_norm, u_norm = np.linalg.norm(p), np.linalg.norm(u)
                ratio = w_norm / u_norm if w_norm > 0 and u_norm > 0 else 1.0
            params[i] = p - LR * ratio * u
    return tuple(params)


def _check(result: tuple[np.ndarray, ...]) -> None:
    expected = reference_lamb()
    assert not np.allclose(expected[0], W0, atol=1e-3)  # it moved
    for got, want in zip(result, expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6)


def test_torch_lamb_matches_the_formula() -> None:
    torch = pytest.importorskip("torch")
    from albert_pt.pretraining import Lamb, parameter_groups

    class Toy(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.dense = torch.nn.Linear(4, 3)
            self.LayerNorm = torch.nn.Module()
            self.LayerNorm.weight = torch.nn.Parameter(torch.tensor(S0))
            with torch.no_grad():
                self.dense.weight.copy_(torch.tensor(W0))
                self.dense.bias.copy_(torch.tensor(B0))

    toy = Toy()
    groups = parameter_groups(toy, WD)
    assert [len(g["params"]) for g in groups] == [1, 2]
    optimizer = Lamb(groups, lr=LR, betas=(B1, B2), eps=EPS)
    x, y = torch.tensor(X), torch.tensor(Y)
    for _ in range(STEPS):
        optimizer.zero_grad()
        residual = toy.dense.weight @ x + toy.dense.bias[:, None] - y
        loss = 0.5 * (residual**2).sum() + 0.5 * ((toy.LayerNorm.weight - 2) ** 2).sum()
        loss.backward()
        optimizer.step()
    _check(tuple(p.detach().numpy() for p in (toy.dense.weight, toy.dense.bias,
                                               toy.LayerNorm.weight)))


def test_keras_lamb_matches_the_formula() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    tf = pytest.importorskip("tensorflow")
    from albert_tf import pretraining as tf_pretraining

    keras, Lamb = tf_pretraining.keras, tf_pretraining.Lamb
    w = keras.Variable(W0, name="dense_kernel")
    b = keras.Variable(B0, name="dense_bias")
    s = keras.Variable(S0, name="LayerNorm_gamma")
    optimizer = Lamb(LR, beta_1=B1, beta_2=B2, epsilon=EPS, weight_decay_rate=WD)
    x, y = tf.constant(X), tf.constant(Y)
    for _ in range(STEPS):
        with tf.GradientTape() as tape:
            residual = tf.matmul(w.value, x) + b.value[:, None] - y
            loss = 0.5 * tf.reduce_sum(residual**2) + 0.5 * tf.reduce_sum((s.value - 2) ** 2)
        grads = tape.gradient(loss, [w.value, b.value, s.value])
        optimizer.apply(grads, [w, b, s])
    _check((w.numpy(), b.numpy(), s.numpy()))
    config = optimizer.get_config()
    assert config["weight_decay_rate"] == WD and "LayerNorm" in config["exclude_patterns"]
    with pytest.raises(ValueError, match="weight_decay_rate"):
        Lamb(weight_decay=0.1)


def test_optax_lamb_matches_the_formula() -> None:
    jax = pytest.importorskip("jax")
    pytest.importorskip("optax")
    import optax

    from albert_flax.pretraining import decay_mask, lamb

    params = {"dense": {"kernel": jax.numpy.asarray(W0), "bias": jax.numpy.asarray(B0)},
              "LayerNorm": {"scale": jax.numpy.asarray(S0)}}
    mask = decay_mask(params)
    assert mask == {"dense": {"kernel": True, "bias": False}, "LayerNorm": {"scale": False}}
    optimizer = lamb(LR, B1, B2, EPS, WD, mask)
    state = optimizer.init(params)

    def loss(p: dict) -> jax.Array:
        residual = p["dense"]["kernel"] @ X + p["dense"]["bias"][:, None] - Y
        return 0.5 * (residual**2).sum() + 0.5 * ((p["LayerNorm"]["scale"] - 2) ** 2).sum()

    for _ in range(STEPS):
        updates, state = optimizer.update(jax.grad(loss)(params), state, params)
        params = optax.apply_updates(params, updates)
    _check(tuple(np.asarray(a) for a in (params["dense"]["kernel"], params["dense"]["bias"],
                                         params["LayerNorm"]["scale"])))


def test_linear_schedule() -> None:
    values = [linear_schedule(step, 1.0, 4, 12) for step in range(12)]
    assert values[:4] == [0.25, 0.5, 0.75, 1.0]
    assert values[4:] == pytest.approx([1.0, 7 / 8, 6 / 8, 5 / 8, 4 / 8, 3 / 8, 2 / 8, 1 / 8])
    assert linear_schedule(0, 1.0, 0, 10) == 1.0 and linear_schedule(12, 1.0, 4, 12) == 0.0
    args = PretrainingArguments(output_dir="x", steps=100, learning_rate=2.0)
    assert args.warmup == 5 and args.learning_rate_at(4) == 2.0
    with pytest.raises(ValueError, match="multiple"):
        PretrainingArguments(output_dir="x", steps=10, batch_size=10, grad_accum_steps=3)


@pytest.mark.parametrize(
    ("name", "excluded"),
    [
        ("albert.embeddings.LayerNorm.weight", True),
        ("albert.encoder.albert_layer_groups.0.albert_layers.0.full_layer_layer_norm.bias", True),
        ("predictions.bias", True),
        ("albert.embeddings.word_embeddings.weight", False),
        ("albert/encoder/albert_layer_groups_._0/albert_layers_._0/attention/LayerNorm/gamma",
         True),
        ("albert/encoder/albert_layer_groups_._0/albert_layers_._0/ffn/kernel", False),
        ("albert/embeddings/LayerNorm/scale", True),
        ("sop_classifier/classifier/kernel", False),
    ],
)
def test_no_decay_rule(name: str, excluded: bool) -> None:
    assert no_decay(name) is excluded
