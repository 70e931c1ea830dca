"""Dropout: the same sites, the same rates and the same scaling in all three backends.

The sites (the decision is documented in docs/equivalence.md):

* ``hidden_dropout_prob``: after the embedding LayerNorm, on the attention output
  projection (before its residual), and on the feed-forward output (before its residual:
  the original ALBERT and transformers' TF/Flax have it, transformers' PyTorch class
  defines it but never applies it; all three albert backends apply it);
* ``attention_probs_dropout_prob``: on the attention probabilities (before the head mask);
* ``classifier_dropout_prob``: in front of the sentence-order, sequence, token and
  multiple-choice classifiers; none in front of the MLM head or the QA span head.

Method: **saturated dropout**. Random masks cannot be compared across frameworks, but a
rate of ``1 - 2**-23`` (exact in float32; configs need rates < 1) makes each dropout
layer output zeros: an element survives with probability 2**-23 (~1e-7), and a
survivor would be scaled by 2**23 and show up as a huge difference, never as a silent
pass. With one config knob saturated, the train-mode forward is deterministic, so it is
compared with a float64 numpy forward (``reference_backbone``) whose named sites output
zeros. When a backend disagrees, the test searches the subsets of sites for the one that
explains its output, so the message names the missing or extra site. In eval mode the
same model must equal the dropout-free reference. Seeds are fixed in every framework, so
each run is repeatable.

The rate's meaning (inverted dropout: survivors scaled by ``1 / (1 - rate)``) is checked
exactly at the classifier site with an identity classifier and rate 0.5: each logit is
either 0 or twice the hidden state.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from equivalence_testutils import (
    ATTENTION_SITES,
    BACKENDS,
    FP32_ATOL,
    HIDDEN_SITES,
    SATURATED,
    adapter,
    assert_close,
    compare,
    config_for,
    random_arrays,
    reference_backbone,
    stress_batch,
    write_checkpoint,
)

from albert_core import schema

#: One layer group applied twice (Flax scans it, splitting the dropout RNG per application).
CONFIG = "emb_eq_hidden"
KNOBS = {
    "hidden_dropout_prob": HIDDEN_SITES,
    "attention_probs_dropout_prob": ATTENTION_SITES,
}
ALL_SITES = HIDDEN_SITES + ATTENTION_SITES


def _expected(config, head, features, zero):
    """Reference outputs of the sequence-classification head with ``zero`` sites dropped."""
    arrays = random_arrays(CONFIG, head)
    out = reference_backbone(config, head, arrays, features, zero=frozenset(zero))
    logits = out["pooler_output"] @ arrays["classifier.weight"].T + arrays["classifier.bias"]
    out["logits"] = logits.astype(np.float32)
    del out["last_hidden_state"], out["pooler_output"]
    return out


def _explain(got, config, head, features):
    """The subsets of dropout sites whose reference matches ``got`` (for the message)."""
    found = []
    for n in range(len(ALL_SITES) + 1):
        for sites in itertools.combinations(ALL_SITES, n):
            want = _expected(config, head, features, sites)
            report = compare({k: got[k] for k in want}, want, FP32_ATOL)
            if all(d <= t for d, t in report.values()):
                found.append(sites)
    return found


@pytest.mark.parametrize("knob", list(KNOBS))
@pytest.mark.parametrize("backend", BACKENDS)
def test_dropout_sites(lab, backend, knob):
    """With ``knob`` saturated, train mode zeroes exactly that knob's sites."""
    head = "sequence-classification"
    config = config_for(CONFIG, head)
    features, _ = lab.batch(CONFIG, head)
    model = lab.model(backend, CONFIG, head, **{knob: SATURATED})
    runner = adapter(backend)
    train = runner.forward(model, features, train=True, seed=0)
    want = _expected(config, head, features, KNOBS[knob])
    got = {k: train[k] for k in want}
    report = compare(got, want, FP32_ATOL)
    if not all(d <= t for d, t in report.values()):
        pytest.fail(
            f"{backend} train mode with {knob}={SATURATED} does not drop exactly "
            f"{KNOBS[knob]}; the sites that explain its outputs: "
            f"{_explain(train, config, head, features) or 'none'}"
        )
    if backend == "pt" and knob == "attention_probs_dropout_prob":
        # PyTorch's fused attention (sdpa) applies this dropout itself.
        fused = runner.forward(model, features, train=True, hidden=False, attentions=False)
        assert_close(fused, {"logits": want["logits"]}, FP32_ATOL, "pt sdpa, train mode")


@pytest.mark.parametrize("backend", BACKENDS)
def test_eval_mode_applies_no_dropout(lab, backend):
    """Every knob saturated, eval mode: the outputs of the dropout-free model."""
    head = "sequence-classification"
    saturated = {knob: SATURATED for knob in (*KNOBS, "classifier_dropout_prob")}
    model = lab.model(backend, CONFIG, head, **saturated)
    features, labels = lab.batch(CONFIG, head)
    got = adapter(backend).forward(model, features, labels, train=False)
    assert_close(got, lab.outputs(backend, CONFIG, head), 0.0, f"{backend} eval mode")


#: Heads with a classifier (and the output it feeds), and heads without classifier dropout.
CLASSIFIER_OUTPUTS = {
    "pretraining": {"sop_logits": "sop_classifier.classifier.bias"},
    "sequence-classification": {"logits": "classifier.bias"},
    "token-classification": {"logits": "classifier.bias"},
    "multiple-choice": {"logits": "classifier.bias"},
    "masked-lm": {},
    "question-answering": {},
}


@pytest.mark.parametrize("head", list(CLASSIFIER_OUTPUTS))
@pytest.mark.parametrize("backend", BACKENDS)
def test_classifier_dropout_site(lab, backend, head):
    """With ``classifier_dropout_prob`` saturated, a classifier sees zeros (its scores
    are its bias) and every other output is the eval-mode output."""
    features, labels = lab.batch(CONFIG, head)
    model = lab.model(backend, CONFIG, head, classifier_dropout_prob=SATURATED)
    train = adapter(backend).forward(model, features, train=True, seed=0)
    evaluated = lab.outputs(backend, CONFIG, head)  # same weights and batch, no dropout
    arrays = random_arrays(CONFIG, head)
    want = {}
    for name in evaluated:
        if name in CLASSIFIER_OUTPUTS[head]:
            bias = arrays[CLASSIFIER_OUTPUTS[head][name]]
            want[name] = np.broadcast_to(bias.reshape(-1), evaluated[name].shape)
        elif name != "loss":  # the batch here has no labels
            want[name] = evaluated[name]
    assert_close(train, want, FP32_ATOL, f"{backend} {head} train mode")


@pytest.fixture(scope="module")
def identity_classifier(tmp_path_factory):
    """A token classifier whose weight is the identity (num_labels == hidden_size)."""
    head = "token-classification"
    config = config_for(CONFIG, head)
    config = config.copy(
        num_labels=config.hidden_size, id2label=None, label2id=None, classifier_dropout_prob=0.5
    )
    arrays = dict(random_arrays(CONFIG, head))
    arrays.pop("classifier.weight"), arrays.pop("classifier.bias")
    arrays["classifier.weight"] = np.eye(config.hidden_size, dtype=np.float32)
    arrays["classifier.bias"] = np.zeros(config.hidden_size, np.float32)
    assert set(arrays) == set(schema.expected_shapes(config, head))
    return write_checkpoint(tmp_path_factory.mktemp("identity"), config, head, arrays)


@pytest.mark.parametrize("backend", BACKENDS)
def test_dropout_is_inverted_and_elementwise(identity_classifier, backend):
    """Rate 0.5 in front of an identity classifier: every logit is 0 or exactly twice its
    hidden state (survivors scaled by 1 / (1 - rate)), about half of each."""
    head = "token-classification"
    runner = adapter(backend)
    model = runner.load(head, identity_classifier)
    features, _ = stress_batch(config_for(CONFIG, head), head)
    out = runner.forward(model, features, train=True, seed=0, attentions=False)
    logits = out["logits"]
    state = out[f"hidden_states.{config_for(CONFIG, head).num_hidden_layers}"]
    dropped = np.abs(logits) <= FP32_ATOL
    kept = np.abs(logits - 2.0 * state) <= 2 * FP32_ATOL
    assert np.all(dropped | kept), "a logit is neither dropped nor scaled by 1 / (1 - 0.5)"
    assert 0.3 < dropped.mean() < 0.7, dropped.mean()
