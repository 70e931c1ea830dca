"""Behaviour of the Flax backend beyond golden parity: params layout, init, errors, losses,
head masks, scan, bfloat16, remat, jit, training and saving."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

pytest.importorskip("flax")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
from flax.serialization import msgpack_restore  # noqa: E402
from flax_testutils import random_batch  # noqa: E402
from golden_testutils import (  # noqa: E402
    GOLDENS,
    HEADS,
    golden,
    golden_config,
    golden_inputs,
    tiny_config,
)

from albert_core import checkpoints, schema  # noqa: E402
from albert_flax import (  # noqa: E402
    BF16_TOLERANCE,
    MODEL_CLASSES,
    FlaxAlbertForMaskedLM,
    FlaxAlbertForMultipleChoice,
    FlaxAlbertForQuestionAnswering,
    FlaxAlbertForSequenceClassification,
    FlaxAlbertForTokenClassification,
    FlaxAlbertModel,
    weights,
)
from albert_flax.forward import FORWARD_CACHE  # noqa: E402
from albert_flax.losses import (  # noqa: E402
    multiple_choice_loss,
    question_answering_loss,
    sequence_classification_loss,
    token_classification_loss,
)


@pytest.fixture(scope="module")
def mlm(tiny):
    """A randomly initialised tiny masked-LM model (its compiled forward is reused)."""
    return FlaxAlbertForMaskedLM(tiny, seed=1)


@pytest.fixture(scope="module")
def small():
    """One group of one layer applied twice: the cheapest config to compile gradients of."""
    return tiny_config(num_hidden_layers=2, num_hidden_groups=1, inner_group_num=1)


@pytest.fixture(scope="module")
def batch(tiny):
    return random_batch(tiny)


# ------------------------------------------------------------------------ params layout
@pytest.mark.parametrize("head", HEADS)
def test_params_are_transformers_flax_layout(head):
    """The params tree is exactly what transformers stored in flax_model.msgpack."""
    config = golden_config("groups2_inner2", head)
    model = MODEL_CLASSES[head](config, _do_init=False)
    key = jax.random.PRNGKey(0)
    shapes = jax.eval_shape(model.module.init, key, **model.dummy_inputs())["params"]
    ours = {p: tuple(v.shape) for p, v in weights.flatten(shapes).items()}
    assert ours == {p: v.shape for p, v in weights.flatten(model.init_params(key)).items()}
    stored = msgpack_restore(
        (GOLDENS / "groups2_inner2" / head / "flax_model.msgpack").read_bytes()
    )
    theirs = {p: tuple(v.shape) for p, v in weights.flatten(stored).items()}
    assert ours == theirs
    assert set(ours) == {weights.path_of(n) for n in weights.param_names(config, head)}


def test_untied_decoder_has_its_own_kernel(tiny):
    config = tiny.copy(tie_word_embeddings=False)
    model = FlaxAlbertForMaskedLM(config)
    kernel = model.params["predictions"]["decoder"]["kernel"]
    assert kernel.shape == (config.embedding_size, config.vocab_size)


def test_init_params_follows_initializer_range():
    config = tiny_config(
        hidden_size=64, intermediate_size=128, vocab_size=300, initializer_range=0.3,
        num_attention_heads=4,
    )  # fmt: skip
    model = FlaxAlbertModel(config, _do_init=False)
    params = model.init_params(jax.random.PRNGKey(3))
    flat = {weights.name_of(p): np.asarray(v) for p, v in weights.flatten(params).items()}
    for name, value in flat.items():
        kind = schema.kind_of(name)
        if kind in ("linear", "embedding") and value.size >= 4096:
            assert abs(value.std() - 0.3) < 0.03, name
            assert abs(value.mean()) < 0.03, name
        elif kind in ("bias", "norm_bias"):
            assert not value.any(), name
        elif kind == "norm_scale":
            assert (value == 1).all(), name
    assert not flat["embeddings.word_embeddings.weight"][config.pad_token_id].any()
    other = model.init_params(jax.random.PRNGKey(4))
    assert not np.allclose(other["pooler"]["kernel"], params["pooler"]["kernel"])


# ------------------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda b: b.update(input_ids=b["input_ids"] + 1000), "vocab_size=50"),
        (lambda b: b.update(input_ids=-b["input_ids"]), "input_ids contains -"),
        (lambda b: b.update(token_type_ids=b["token_type_ids"] + 2), "type_vocab_size=2"),
        (lambda b: b.update(position_ids=np.full((3, 9), 20)), "max_position_embeddings=20"),
        (lambda b: b.update(attention_mask=b["attention_mask"][:, :5]), "attention_mask"),
        (lambda b: b.update(input_ids=b["input_ids"][0]), "input_ids must be"),
        (lambda b: b.update(inputs_embeds=np.zeros((3, 9, 8))), "not both"),
        (lambda b: b.update(head_mask=np.ones((3, 2))), "head_mask has 3 rows"),
        (lambda b: b.update(head_mask=np.ones(5)), "num_attention_heads=2"),
        (lambda b: b.update(labels=np.full((3, 9), 50)), "labels contains 50"),
        (lambda b: b.update(start_positions=np.zeros(3)), "takes labels ['labels']"),
    ],
)
def test_clear_errors_before_tracing(mlm, batch, change, message):
    bad = {k: v.copy() for k, v in batch.items()}
    change(bad)
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        mlm(**bad)


def test_more_errors(mlm, tiny):
    long = np.zeros((1, tiny.max_position_embeddings + 1), np.int32)
    with pytest.raises(ValueError, match="exceeds max_position_embeddings=20"):
        mlm(long)
    with pytest.raises(ValueError, match="pass input_ids or inputs_embeds"):
        mlm()
    with pytest.raises(ValueError, match="embedding_size=8"):
        mlm(inputs_embeds=np.zeros((1, 3, 5)))
    with pytest.raises(ValueError, match="train=True needs a dropout_rng"):
        mlm(np.zeros((1, 3), np.int32), train=True)
    with pytest.raises(ValueError, match="num_labels=3"):
        FlaxAlbertForQuestionAnswering(tiny)
    mc = FlaxAlbertForMultipleChoice(tiny, _do_init=False)
    with pytest.raises(ValueError, match=r"\(batch, num_choices, seq\)"):
        mc(np.zeros((2, 3), np.int32))


# ------------------------------------------------------------------------------ losses
def _log_softmax(x: np.ndarray) -> np.ndarray:
    x = x.astype(np.float64)
    x = x - x.max(-1, keepdims=True)
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


def _ce(logits: np.ndarray, labels: np.ndarray, ignore: int = -100) -> float:
    logits, labels = logits.reshape(-1, logits.shape[-1]), labels.reshape(-1)
    keep = labels != ignore
    picked = _log_softmax(logits)[keep, labels[keep]]
    return float(-picked.mean())


def test_mlm_loss_ignores_minus_100(mlm, batch):
    labels = np.where(batch["attention_mask"] == 1, batch["input_ids"], -100)
    labels[:, ::2] = -100
    out = mlm(**batch, labels=labels)
    assert np.isclose(out.loss, _ce(np.asarray(out.logits), labels), atol=1e-5)
    # as in PyTorch, a batch with no scored position has a NaN mean loss
    assert np.isnan(mlm(**batch, labels=np.full_like(labels, -100)).loss)


def test_token_qa_and_choice_losses():
    """The loss functions the heads use, on random scores (no model to compile)."""
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(3, 9, 4)).astype(np.float32)
    labels = rng.integers(0, 4, size=(3, 9))
    labels[:, 5:] = -100
    assert np.isclose(token_classification_loss(logits, labels), _ce(logits, labels), atol=1e-5)

    start, end = rng.normal(size=(2, 3, 9)).astype(np.float32)
    start_pos, end_pos = np.array([1, 4, 30]), np.array([2, -3, 5])
    want = (_ce(start, np.clip(start_pos, 0, 9), ignore=9) + _ce(end, np.clip(end_pos, 0, 9),
            ignore=9)) / 2  # fmt: skip
    got = question_answering_loss(start, end, start_pos, end_pos)
    assert np.isclose(got, want, atol=1e-5)

    choices = rng.normal(size=(3, 2)).astype(np.float32)
    picks = np.array([0, 1, -100])
    assert np.isclose(multiple_choice_loss(choices, picks), _ce(choices, picks), atol=1e-5)


@pytest.mark.parametrize("problem", [None, "regression", "multi_label_classification"])
def test_sequence_classification_losses(tiny, problem):
    config = tiny.copy(problem_type=problem)
    logits = np.random.default_rng(1).normal(size=(3, 3)).astype(np.float32)
    if problem is None:
        labels = np.array([0, 2, -100])
        want = _ce(logits, labels)
    elif problem == "regression":
        labels = np.random.default_rng(0).normal(size=(3, 3)).astype(np.float32)
        want = float(((logits - labels) ** 2).mean())
    else:
        labels = np.array([[1, 0, 1], [0, 0, 1], [1, 1, 0]], np.float32)
        x = logits.astype(np.float64)
        want = float((np.logaddexp(0, x) - x * labels).mean())
    got = sequence_classification_loss(jnp.asarray(logits), jnp.asarray(labels), config)
    assert np.isclose(got, want, atol=1e-5)


def test_head_losses_through_the_wrapper(small, batch):
    """Labels given to a wrapper call give the loss function's value."""
    model = FlaxAlbertForSequenceClassification(small)
    out = model(**batch, labels=np.array([0, 2, -100]))
    assert np.isclose(out.loss, _ce(np.asarray(out.logits), np.array([0, 2, -100])), atol=1e-5)
    with pytest.raises(ValueError, match="labels contains 3"):
        model(**batch, labels=np.array([0, 3, 1]))


# -------------------------------------------------------------------------- head mask
def test_head_mask_row_i_applies_to_application_i(tiny, batch):
    """Row i of a 2-D head mask acts on every inner layer of the i-th layer application."""
    model = FlaxAlbertModel(tiny, seed=2)
    for i in range(tiny.num_hidden_layers):
        mask = np.ones((tiny.num_hidden_layers, tiny.num_attention_heads), np.float32)
        mask[i, 1] = 0
        out = model(**batch, head_mask=mask, output_attentions=True)
        for j, probs in enumerate(out.attentions):
            application = j // tiny.inner_group_num
            dropped = not np.asarray(probs[:, 1]).any()
            assert dropped == (application == i), (i, j)


def test_scan_matches_python_loop(tiny, batch):
    scanned = FlaxAlbertModel(tiny, seed=5)
    looped = FlaxAlbertModel(tiny, params=scanned.params, scan_layers=False)
    mask = np.random.default_rng(0).random((tiny.num_hidden_layers, 2)).astype(np.float32)
    a = scanned(**batch, head_mask=mask, output_hidden_states=True, output_attentions=True)
    b = looped(**batch, head_mask=mask, output_hidden_states=True, output_attentions=True)
    for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True):
        np.testing.assert_allclose(x, y, atol=1e-6)
    assert len(a.hidden_states) == tiny.num_hidden_layers + 1
    assert len(a.attentions) == tiny.num_hidden_layers * tiny.inner_group_num


def test_uneven_groups(batch):
    """5 applications over 2 groups: group 0 runs 3 times, group 1 twice (transformers' rule)."""
    config = tiny_config(num_hidden_layers=5, inner_group_num=1)
    assert config.layer_groups() == [0, 0, 0, 1, 1]
    scanned = FlaxAlbertModel(config)
    looped = FlaxAlbertModel(config, params=scanned.params, scan_layers=False)
    np.testing.assert_allclose(
        scanned(**batch).last_hidden_state, looped(**batch).last_hidden_state, atol=1e-6
    )


# ------------------------------------------------------------------- dtypes and remat
@pytest.mark.parametrize("param_dtype", [jnp.float32, jnp.bfloat16])
def test_bfloat16_close_to_float32(param_dtype):
    """bf16 computation stays within BF16_TOLERANCE of the fp32 outputs' scale."""
    directory = GOLDENS / "groups2_inner2" / "masked-lm"
    data = golden("groups2_inner2", "masked-lm")
    reference = FlaxAlbertForMaskedLM.from_pretrained(directory)(**golden_inputs(data))
    model = FlaxAlbertForMaskedLM.from_pretrained(
        directory, dtype=jnp.bfloat16, param_dtype=param_dtype
    )
    leaves = jax.tree_util.tree_leaves(model.params)
    assert {x.dtype for x in leaves} == {jnp.dtype(param_dtype)}
    out = model(**golden_inputs(data))
    assert out.logits.dtype == jnp.bfloat16
    for key in ("logits", "loss"):
        want = np.asarray(reference[key], np.float32)
        got = np.asarray(out[key], np.float32)
        assert np.abs(got - want).max() <= BF16_TOLERANCE * np.abs(want).max(), key


def test_precision_reaches_every_matmul(tiny):
    """precision="highest" applies to each matmul, the tied decoder (nn.Embed.attend) too."""
    for precision, want in ((None, "DEFAULT"), ("highest", "HIGHEST")):
        model = FlaxAlbertForMaskedLM(tiny, precision=precision)
        apply = jax.jit(model.module.apply)
        text = apply.lower({"params": model.params}, **model.dummy_inputs(seq=4)).as_text()
        found = re.findall(r"dot_general.*?precision = \[(\w+), (\w+)\]", text)
        assert len(found) > 1 and set(found) == {(want, want)}, (precision, found)


def test_remat_gives_equal_gradients(small, batch):
    config = small.copy(hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1)
    plain = FlaxAlbertForMaskedLM(config, seed=3)
    remat = FlaxAlbertForMaskedLM(config, params=plain.params, remat=True)
    labels = np.where(batch["attention_mask"] == 1, batch["input_ids"], -100)
    rng = jax.random.key(7, impl="rbg")  # compiles faster than threefry

    def grads(model):
        def loss(params):
            out = model(**batch, labels=labels, params=params, train=True, dropout_rng=rng)
            return out.loss

        return jax.jit(jax.value_and_grad(loss))(plain.params)

    (a_loss, a), (b_loss, b) = grads(plain), grads(remat)
    assert np.isclose(a_loss, b_loss, atol=1e-6)
    for x, y in zip(jax.tree_util.tree_leaves(a), jax.tree_util.tree_leaves(b), strict=True):
        np.testing.assert_allclose(x, y, atol=1e-6)


# ---------------------------------------------------------------------- jit, training
def test_wrapper_under_jit_and_return_tuple(mlm, batch):
    eager = mlm(**batch)
    jitted = jax.jit(lambda params, b: mlm(**b, params=params).logits)(mlm.params, batch)
    np.testing.assert_allclose(jitted, eager.logits, atol=1e-6)
    assert mlm.module.apply({"params": mlm.params}, **batch).logits.shape == eager.logits.shape
    as_tuple = mlm(**batch, return_dict=False)
    assert isinstance(as_tuple, tuple) and len(as_tuple) == 1
    assert eager["logits"] is eager.logits and "loss" not in eager


def test_adamw_training_step_lowers_the_loss(small, batch):
    optax = pytest.importorskip("optax")
    config = small.copy(hidden_dropout_prob=0.1)
    model = FlaxAlbertForSequenceClassification(config, seed=0)
    labels = np.array([0, 1, 2])
    optimizer = optax.adamw(3e-3, weight_decay=0.01)

    @jax.jit
    def step(params, opt_state, rng, batch, labels):
        def loss_fn(p):
            return model(**batch, labels=labels, params=p, train=True, dropout_rng=rng).loss

        loss, grads = jax.value_and_grad(loss_fn)(params)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    params, opt_state = model.params, optimizer.init(model.params)
    first = float(model(**batch, labels=labels, params=params).loss)
    for i in range(25):
        rng = jax.random.key(i, impl="rbg")  # compiles faster than threefry
        params, opt_state, _ = step(params, opt_state, rng, batch, labels)
    last = float(model(**batch, labels=labels, params=params).loss)
    assert last < 0.75 * first


# ---------------------------------------------------------------------- save and load
def test_save_pretrained_round_trip(tmp_path, mlm, batch):
    paths = mlm.save_pretrained(tmp_path, formats=("flax", "safetensors"))
    assert {p.name for p in paths} == {"config.json", "flax_model.msgpack", "model.safetensors"}
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["architectures"] == ["AlbertForMaskedLM"]
    stored = msgpack_restore((tmp_path / "flax_model.msgpack").read_bytes())
    assert set(weights.flatten(stored)) == set(weights.flatten(mlm.params))
    for fmt in ("flax", "safetensors"):
        loaded = FlaxAlbertForMaskedLM.from_pretrained(tmp_path, fmt=fmt)
        for path, leaf in weights.flatten(mlm.params).items():
            np.testing.assert_array_equal(weights.flatten(loaded.params)[path], leaf)
        np.testing.assert_array_equal(loaded(**batch).logits, mlm(**batch).logits)


def test_save_bfloat16_and_untied(tmp_path, tiny, batch):
    config = tiny.copy(tie_word_embeddings=False)
    model = FlaxAlbertForMaskedLM(config, param_dtype=jnp.bfloat16)
    model.save_pretrained(tmp_path)
    loaded = FlaxAlbertForMaskedLM.from_pretrained(tmp_path)
    assert not loaded.config.tie_word_embeddings
    for path, leaf in weights.flatten(model.params).items():
        got = weights.flatten(loaded.params)[path]
        assert got.dtype == jnp.float32
        np.testing.assert_array_equal(got, np.asarray(leaf, np.float32))


def test_base_checkpoint_into_head_needs_strict_false(tmp_path, small):
    tiny = small
    FlaxAlbertModel(tiny).save_pretrained(tmp_path)
    with pytest.raises(schema.WeightsMismatchError, match="classifier.weight"):
        FlaxAlbertForTokenClassification.from_pretrained(tmp_path)
    with pytest.warns(UserWarning, match="missing"):
        model = FlaxAlbertForTokenClassification.from_pretrained(tmp_path, strict=False)
    assert model.loading_report.missing == ["classifier.weight", "classifier.bias"]
    assert model.params["classifier"]["kernel"].shape == (tiny.hidden_size, tiny.num_labels)
    assert checkpoints.detect_formats(tmp_path) == ["flax"]


def test_from_pretrained_output_loading_info(tmp_path, small):
    FlaxAlbertModel(small).save_pretrained(tmp_path)
    with pytest.warns(UserWarning, match="missing"):
        model, info = FlaxAlbertForTokenClassification.from_pretrained(
            tmp_path, strict=False, output_loading_info=True
        )
    assert isinstance(model, FlaxAlbertForTokenClassification)
    assert info == model.loading_report.loading_info()
    assert info["missing_keys"] == ["classifier.weight", "classifier.bias"]
    assert sorted(info["unexpected_keys"]) == ["pooler.bias", "pooler.weight"]
    assert info["mismatched_keys"] == [] and info["error_msgs"] == []


# ------------------------------------------------------------------------- jit cache
def test_forward_cache_is_bounded(tiny, batch):
    """Models of ever new configs do not pile up compiled forwards; a model keeps its own."""
    first = FlaxAlbertModel(tiny, seed=0)
    want = first(**batch).last_hidden_state
    for i in range(FORWARD_CACHE.maxsize + 3):
        FlaxAlbertModel(tiny.copy(initializer_range=0.01 * (i + 1)), _do_init=False)
        assert len(FORWARD_CACHE) <= FORWARD_CACHE.maxsize
    assert len(FORWARD_CACHE) == FORWARD_CACHE.maxsize
    np.testing.assert_array_equal(first(**batch).last_hidden_state, want)
    again = FlaxAlbertModel(tiny, params=first.params)
    assert again._forward is not first._forward  # evicted, so built anew
