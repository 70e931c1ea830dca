"""The same checkpoint gives the same outputs in PyTorch, Keras/TensorFlow and Flax (float32).

Covering design (the full cross product of heads x configs x activations x inputs would
cost minutes of compilation for little extra coverage):

* every head x every backend pair on two structural configs, ``groups2_inner2`` (two
  groups of two inner layers over three applications, so the groups are used unevenly;
  E != H; three token types; three labels, single-label losses) and ``emb_eq_hidden``
  (E == H, four token types, exact gelu, two labels with a multi-label loss), and the
  third, ``shared_inner2`` (one group of two inner layers, relu, num_labels=1: a
  regression loss), on the two heads whose losses it changes; all on the stress batch
  (ragged padding, a [CLS]-only row, every token type);
* an untied MLM decoder on every backend pair;
* every activation of ``albert_core.config.ACTIVATIONS`` on the masked-LM head (the
  activation runs in every feed-forward block and in the MLM transform);
* every input variant on the pre-training head (backbone + MLM + SOP + loss), and the
  variants whose reshaping differs on the multiple-choice head (3-D / 4-D inputs);
* the backbone of every backend against a float64 numpy transcription
  (``reference_backbone``), which fixes the meaning of head-mask rows independently of
  the three implementations;
* PyTorch's fused attention path (``sdpa``, taken when neither attentions nor a head
  mask are asked for) against the other backends.

Each backend must be installed for the tests that use it; the others skip.
"""

from __future__ import annotations

import pytest
from equivalence_testutils import (
    ACTIVATION,
    FP32_ATOL,
    HEADS,
    PAIR_IDS,
    PAIRS,
    UNTIED,
    VARIANTS,
    adapter,
    assert_close,
    config_for,
    random_arrays,
    reference_backbone,
)

#: Every head on the two deep configs; the regression / single-class config on the two
#: heads whose losses num_labels=1 changes.
MATRIX = [(c, h) for c in ("groups2_inner2", "emb_eq_hidden") for h in HEADS] + [
    ("shared_inner2", h) for h in ("sequence-classification", "token-classification")
]
ACTIVATION_CASES = [(c, "masked-lm") for c in ACTIVATION]
#: Every variant on the pre-training head, and those that multiple choice reshapes.
VARIANT_CASES = [("groups2_inner2", "pretraining", v) for v in VARIANTS[1:]] + [
    ("groups2_inner2", "multiple-choice", v)
    for v in ("positions_head_mask_2d", "shared_positions_head_mask_1d", "inputs_embeds")
]


def _id(case: tuple[str, ...]) -> str:
    return "/".join(case)


def _check_structure(outputs: dict, config_name: str, head: str) -> None:
    """The fields every backend must return (so that agreeing on nothing cannot pass)."""
    config = config_for(config_name, head)
    hidden = [k for k in outputs if k.startswith("hidden_states.")]
    attentions = [k for k in outputs if k.startswith("attentions.")]
    assert len(hidden) == config.num_hidden_layers + 1
    assert len(attentions) == config.num_hidden_layers * config.inner_group_num
    assert ("loss" in outputs) == (head != "model")


@pytest.mark.parametrize("pair", PAIRS, ids=PAIR_IDS)
@pytest.mark.parametrize("case", MATRIX + ACTIVATION_CASES, ids=_id)
def test_outputs_agree(lab, case, pair):
    """Every output, hidden state, attention map and the loss within 1e-5."""
    a, b = (lab.outputs(backend, *case) for backend in pair)
    _check_structure(a, *case)
    assert_close(a, b, FP32_ATOL, f"{pair[0]} vs {pair[1]} on {_id(case)}")


@pytest.mark.parametrize("pair", PAIRS, ids=PAIR_IDS)
@pytest.mark.parametrize("head", ["masked-lm", "pretraining"])
def test_untied_decoder(lab, head, pair):
    """An untied decoder weight is honoured by every backend alike."""
    a, b = (lab.outputs(backend, next(iter(UNTIED)), head) for backend in pair)
    _check_structure(a, "untied", head)
    assert_close(a, b, FP32_ATOL, f"{pair[0]} vs {pair[1]} on untied/{head}")


@pytest.mark.parametrize("pair", PAIRS, ids=PAIR_IDS)
@pytest.mark.parametrize("case", VARIANT_CASES, ids=_id)
def test_input_contracts_agree(lab, case, pair):
    """Padding, defaults, positions, head masks, embeddings, batch 1, full length."""
    a, b = (lab.outputs(backend, *case) for backend in pair)
    _check_structure(a, *case[:2])
    assert_close(a, b, FP32_ATOL, f"{pair[0]} vs {pair[1]} on {_id(case)}")


def _reference(lab, config_name, head, variant):
    features, _ = lab.batch(config_name, head, variant)
    config = config_for(config_name, head)
    return reference_backbone(config, head, random_arrays(config_name, head), features)


@pytest.mark.parametrize("backend", ["pt", "tf", "flax"])
@pytest.mark.parametrize(
    "case",
    [(c, "model", "stress") for c in ("groups2_inner2", "emb_eq_hidden")]
    + [("groups2_inner2", "pretraining", v) for v in VARIANTS],
    ids=_id,
)
def test_backbone_matches_numpy_reference(lab, case, backend):
    """Hidden states, attentions (and the pooler of the bare model) equal an independent
    float64 numpy forward; with a 2-D head mask, row ``i`` scales application ``i``."""
    got = lab.outputs(backend, *case)
    want = _reference(lab, *case)
    shared = {k: got[k] for k in want if k in got}
    assert len(shared) >= len([k for k in want if "." in k]), sorted(shared)
    assert_close(shared, {k: want[k] for k in shared}, FP32_ATOL, f"{backend} vs numpy")


@pytest.mark.parametrize("other", ["tf", "flax"])
@pytest.mark.parametrize("case", MATRIX, ids=_id)
def test_pytorch_sdpa_path_agrees(lab, case, other):
    """PyTorch's default fused attention (no attentions asked) gives the same outputs."""
    model = lab.model("pt", *case)
    features, labels = lab.batch(*case)
    fused = adapter("pt").forward(model, features, labels, hidden=False, attentions=False)
    want = lab.outputs(other, *case)
    assert_close(fused, {k: want[k] for k in fused}, FP32_ATOL, f"pt sdpa vs {other}")
