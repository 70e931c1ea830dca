"""Training parity: with dropout off, the same loss, the same gradient for every parameter
and the same weights after one SGD step, in PyTorch, Keras/TensorFlow and Flax.

Gradients are compared under canonical names: each backend's gradient is mapped through
its weights module (``albert_core.schema`` handles the transposed linear kernels), and a
tied parameter (the MLM decoder) is one parameter with one gradient in every backend.
Per tensor, ``max|g_a - g_b| <= GRAD_RTOL * max|g_b| + GRAD_ATOL * max(1, G)``, where ``G``
is the largest gradient entry of the model: relative to the tensor, with a floor for
tensors whose exact gradient is zero (an attention key bias adds the same score to every
key, so softmax removes it; numerically its gradient is ~1e-9 noise).

Cases: all seven heads on ``emb_eq_hidden``: one layer group applied twice, so every layer
gradient accumulates over shared applications (which group an application uses is pinned
by the forward tests; a gradient per group and inner layer adds compile time, not
coverage). The bare model has no loss of its own: it is trained on
``sum(w1 * last_hidden_state) + sum(w2 * pooler_output)`` with fixed ``w1`` and ``w2``,
zero on padding as a real loss is.

The pad token's row of the word embeddings is trained in all three backends (as in the
original ALBERT; transformers' PyTorch freezes it); ``test_pad_token_row_gradient`` checks
it in the settings where it matters.
"""

from __future__ import annotations

import numpy as np
import pytest
from equivalence_testutils import (
    FP32_ATOL,
    GRAD_ATOL,
    GRAD_RTOL,
    HEADS,
    PAIR_IDS,
    PAIRS,
    SGD_ATOL,
    SGD_LR,
    adapter,
    assert_close,
    config_for,
)

from albert_core import checkpoints

CASES = [("emb_eq_hidden", h) for h in HEADS]


def _id(case):
    return "/".join(case)


def probe_for(lab, config_name, head, features):
    """The bare model's loss weights: fixed noise, zero on padded positions."""
    if head != "model":
        return None
    config = config_for(config_name, head)
    mask = features["attention_mask"].astype(np.float32)
    rng = np.random.default_rng(11)
    batch, seq = mask.shape
    hidden = rng.standard_normal((batch, seq, config.hidden_size)).astype(np.float32)
    pooled = rng.standard_normal((batch, config.hidden_size)).astype(np.float32)
    return {"last_hidden_state": hidden * mask[..., None], "pooler_output": pooled}


@pytest.fixture(scope="module")
def grads(lab):
    """``get(backend, case) -> (loss, {canonical name: gradient})``, computed once each."""
    cache = {}

    def get(backend, case):
        if (backend, case) not in cache:
            model = lab.model(backend, *case)
            features, labels = lab.batch(*case)
            probe = probe_for(lab, *case, features)
            cache[backend, case] = adapter(backend).loss_and_grads(model, features, labels, probe)
        return cache[backend, case]

    return get


def _gradient_tolerances(reference):
    scale = max(1.0, max(float(np.abs(g).max()) for g in reference.values()))

    def tolerance(name, want):
        return GRAD_RTOL * float(np.abs(want).max()) + GRAD_ATOL * scale

    return tolerance


@pytest.mark.parametrize("pair", PAIRS, ids=PAIR_IDS)
@pytest.mark.parametrize("case", CASES, ids=_id)
def test_loss_and_gradients_agree(grads, case, pair):
    """The training-mode loss within 1e-5 and every parameter's gradient within 1e-4
    relative (see the module docstring for the floor)."""
    (loss_a, grads_a), (loss_b, grads_b) = (grads(backend, case) for backend in pair)
    assert abs(loss_a - loss_b) <= FP32_ATOL * max(1.0, abs(loss_b)), (loss_a, loss_b)
    assert any(np.abs(g).max() > 0 for g in grads_b.values())
    assert_close(grads_a, grads_b, _gradient_tolerances(grads_b), f"{pair} gradients")


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_sgd_step_leaves_same_weights(lab, case):
    """One step of each framework's own SGD (torch.optim, keras.optimizers, optax) from
    the same checkpoint gives the same weights (tied names included)."""
    weights = {}
    for backend in ("pt", "tf", "flax"):
        try:
            backend_adapter = adapter(backend)
        except pytest.skip.Exception:
            continue
        model = backend_adapter.load(case[1], lab.checkpoint(*case))
        features, labels = lab.batch(*case)
        backend_adapter.sgd_step(model, features, labels, SGD_LR, probe_for(lab, *case, features))
        weights[backend] = backend_adapter.arrays(model)
    if len(weights) < 2:
        pytest.skip("needs two backends")
    before = checkpoints.read(lab.checkpoint(*case))
    first, *others = weights
    moved = [k for k, v in before.items() if not np.array_equal(v, weights[first][k])]
    assert len(moved) > len(before) // 2, "the step left most weights unchanged"
    for other in others:
        assert_close(
            weights[other],
            weights[first],
            SGD_ATOL,
            f"{other} vs {first} after SGD",
        )


@pytest.mark.parametrize("pair", PAIRS, ids=PAIR_IDS)
@pytest.mark.parametrize("case", ["pad_id_scored", "question_answering"])
def test_pad_token_row_gradient(lab, pair, case):
    """The gradient of the pad token's embedding row.

    ``pad_id_scored``: the pad id sits at an attended position whose MLM label is scored
    (nothing in a real batch forbids it). ``question_answering``: the ordinary padded
    batch; span logits of padded positions are not masked (as in transformers), so the
    padding's hidden states, hence the pad row, enter the loss in every QA fine-tuning.
    """
    if case == "pad_id_scored":
        head = "masked-lm"
        features, labels = lab.batch("emb_eq_hidden", head)
        features = {k: v.copy() for k, v in features.items()}
        labels = {k: v.copy() for k, v in labels.items()}
        features["input_ids"][0, 3] = config_for("emb_eq_hidden", head).pad_token_id
        labels["labels"][0, 3] = 7  # row 0 is unpadded: position 3 is attended and scored
    else:
        head = "question-answering"
        features, labels = lab.batch("emb_eq_hidden", head)
    pad = config_for("emb_eq_hidden", head).pad_token_id
    rows = []
    for backend in pair:
        model = lab.model(backend, "emb_eq_hidden", head)
        _, grads = adapter(backend).loss_and_grads(model, features, labels)
        rows.append(grads["albert.embeddings.word_embeddings.weight"][pad])
    assert np.abs(rows[1]).max() > 1e-3, "the pad row gets no gradient in this setting"
    diff = float(np.abs(rows[0] - rows[1]).max())
    assert diff <= GRAD_RTOL * float(np.abs(rows[1]).max()) + GRAD_ATOL, diff
