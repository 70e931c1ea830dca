"""Behaviour of the PyTorch models beyond golden parity: outputs, masks, losses, errors."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from golden_testutils import tiny_config  # noqa: E402
from pt_testutils import random_batch  # noqa: E402

from albert_core import schema  # noqa: E402
from albert_core.config import ACTIVATIONS  # noqa: E402
from albert_pt import (  # noqa: E402
    MODEL_CLASSES,
    AlbertForMaskedLM,
    AlbertForPreTraining,
    AlbertForQuestionAnswering,
    AlbertForSequenceClassification,
    AlbertModel,
)
from albert_pt.activations import ACT_FNS, get_activation  # noqa: E402

OUTPUT_FIELDS = {
    "model": ["last_hidden_state", "pooler_output"],
    "pretraining": ["prediction_logits", "sop_logits"],
    "masked-lm": ["logits"],
    "sequence-classification": ["logits"],
    "token-classification": ["logits"],
    "question-answering": ["start_logits", "end_logits"],
    "multiple-choice": ["logits"],
}


def _inputs_for(head, config, **kw):
    batch = random_batch(config, **kw)
    if head == "multiple-choice":
        batch = {k: torch.stack([v, v.flip(0)], dim=1) for k, v in batch.items()}
    return batch


@pytest.fixture(scope="module")
def models():
    """One eval-mode model per head on the tiny config (num_labels=2 for QA)."""
    torch.manual_seed(0)
    out = {}
    for head, cls in MODEL_CLASSES.items():
        config = tiny_config(num_labels=2 if head == "question-answering" else 3)
        out[head] = cls(config).eval()
    return out


# ---------------------------------------------------------------------------- outputs
@pytest.mark.parametrize("head", list(MODEL_CLASSES))
def test_output_fields_counts_and_tuple_form(models, head):
    model = models[head]
    config = model.config
    inputs = _inputs_for(head, config)
    with torch.no_grad():
        out = model(**inputs, output_hidden_states=True, output_attentions=True)
        plain = model(**inputs, return_dict=False)
    assert out.keys() == [*OUTPUT_FIELDS[head], "hidden_states", "attentions"]
    assert len(out.hidden_states) == config.num_hidden_layers + 1
    assert len(out.attentions) == config.num_hidden_layers * config.inner_group_num
    rows = inputs["input_ids"].reshape(-1, inputs["input_ids"].shape[-1]).shape[0]
    assert out.attentions[0].shape == (rows, config.num_attention_heads, 9, 9)
    assert isinstance(plain, tuple) and len(plain) == len(OUTPUT_FIELDS[head])
    for name, value in zip(OUTPUT_FIELDS[head], plain, strict=True):
        torch.testing.assert_close(value, out[name], rtol=0, atol=1e-6)
    assert out[0] is out.to_tuple()[0] and "hidden_states" in out
    assert list(out) == out.keys() and len(out) == len(out.to_tuple())
    assert dict(out.items())["attentions"] is out.attentions


def test_attention_probabilities_are_masked_and_normalised(models):
    model = models["model"]
    inputs = random_batch(model.config, lengths=(9, 5, 2))
    with torch.no_grad():
        out = model(**inputs, output_attentions=True)
    for probs in out.attentions:
        torch.testing.assert_close(probs.sum(-1), torch.ones_like(probs.sum(-1)))
        assert probs[1, :, :, 5:].abs().max() == 0 and probs[2, :, :, 2:].abs().max() == 0


@pytest.mark.parametrize("head", list(MODEL_CLASSES))
def test_sdpa_and_eager_agree(models, head):
    model = models[head]
    inputs = _inputs_for(head, model.config, seed=3)
    results = {}
    for impl in ("eager", "sdpa"):
        model.set_attn_implementation(impl)
        assert model.attn_implementation == impl
        with torch.no_grad():
            results[impl] = model(**inputs, output_hidden_states=True)
    model.set_attn_implementation("sdpa")
    for name in OUTPUT_FIELDS[head] + ["hidden_states"]:
        torch.testing.assert_close(results["sdpa"][name], results["eager"][name], atol=1e-5, rtol=0)


def test_unknown_attn_implementation_is_refused(tiny):
    with pytest.raises(ValueError, match="flash"):
        AlbertModel(tiny, attn_implementation="flash")
    with pytest.raises(ValueError, match="flash"):
        AlbertModel(tiny).set_attn_implementation("flash")


@pytest.mark.parametrize("impl", ["eager", "sdpa"])
def test_more_right_padding_leaves_real_positions_unchanged(models, impl):
    model = models["model"]
    model.set_attn_implementation(impl)
    short = random_batch(model.config, seq=7, lengths=(7, 4, 2), seed=5)
    longer = {k: F.pad(v, (0, 6), value=0) for k, v in short.items()}
    longer["input_ids"][:, 7:] = model.config.pad_token_id
    with torch.no_grad():
        a = model(**short, output_hidden_states=True)
        b = model(**longer, output_hidden_states=True)
    model.set_attn_implementation("sdpa")
    mask = short["attention_mask"].bool()
    for x, y in zip(a.hidden_states, b.hidden_states, strict=True):
        torch.testing.assert_close(x[mask], y[:, :7][mask], atol=1e-5, rtol=0)
    torch.testing.assert_close(a.pooler_output, b.pooler_output, atol=1e-5, rtol=0)


def test_defaults_for_positions_and_token_types(models):
    model = models["model"]
    inputs = random_batch(model.config)
    seq = inputs["input_ids"].shape[1]
    with torch.no_grad():
        implicit = model(inputs["input_ids"], attention_mask=inputs["attention_mask"])
        explicit = model(
            inputs["input_ids"],
            attention_mask=inputs["attention_mask"],
            token_type_ids=torch.zeros_like(inputs["input_ids"]),
            position_ids=torch.arange(seq).expand(3, seq),
        )
        shared_row = model(
            inputs["input_ids"],
            attention_mask=inputs["attention_mask"],
            position_ids=torch.arange(seq)[None],
        )
    torch.testing.assert_close(implicit.last_hidden_state, explicit.last_hidden_state)
    torch.testing.assert_close(implicit.last_hidden_state, shared_row.last_hidden_state)


# -------------------------------------------------------------------------- head mask
@pytest.fixture(scope="module")
def eager_base(models):
    return models["model"]


def test_head_mask_rows_apply_per_layer_application(eager_base):
    model = eager_base
    config = model.config  # 4 applications of 2 groups with 2 inner layers
    inputs = random_batch(config)
    mask = torch.ones(config.num_hidden_layers, config.num_attention_heads)
    mask[1, 0] = 0.0  # application 1: head 0 off
    mask[3, 1] = 0.0  # application 3: head 1 off
    with torch.no_grad():
        out = model(**inputs, head_mask=mask, output_attentions=True)
    inner = config.inner_group_num
    for i in range(config.num_hidden_layers):
        for k in range(inner):
            probs = out.attentions[i * inner + k]
            for h in range(config.num_attention_heads):
                zero = bool(mask[i, h] == 0)
                assert (probs[:, h].abs().max() == 0) == zero, (i, k, h)


def test_head_mask_forms_agree_and_work_with_sdpa(eager_base):
    model = eager_base
    config = model.config
    inputs = random_batch(config, seed=2)
    rows = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.5, 1.0]])
    five_d = rows[:, None, :, None, None]
    results = []
    for impl, mask in (("eager", rows), ("eager", five_d), ("sdpa", rows)):
        model.set_attn_implementation(impl)
        with torch.no_grad():
            results.append(model(**inputs, head_mask=mask).last_hidden_state)
    model.set_attn_implementation("sdpa")
    for other in results[1:]:
        torch.testing.assert_close(other, results[0], rtol=0, atol=1e-6)
    with torch.no_grad():
        ones = model(**inputs, head_mask=torch.ones(config.num_attention_heads))
        none = model(**inputs)
    torch.testing.assert_close(ones.last_hidden_state, none.last_hidden_state, atol=1e-6, rtol=0)
    # one shared row == that row repeated for every layer application
    with torch.no_grad():
        shared = model(**inputs, head_mask=rows[0]).last_hidden_state
        repeated = model(**inputs, head_mask=rows[0].expand(4, 2)).last_hidden_state
    torch.testing.assert_close(shared, repeated, rtol=0, atol=0)


@pytest.mark.parametrize("shape", [(3,), (3, 2), (4, 3), (2, 2, 2)])
def test_bad_head_mask_shapes_are_refused(eager_base, shape):
    inputs = random_batch(eager_base.config)
    with pytest.raises(ValueError, match="head_mask"):
        eager_base(**inputs, head_mask=torch.ones(shape))


# --------------------------------------------------------------------- input errors
@pytest.mark.parametrize(
    ("name", "value", "match"),
    [
        ("input_ids", 50, r"input_ids contains 50.*vocab_size=50"),
        ("input_ids", -1, r"input_ids contains -1.*vocab_size=50"),
        ("token_type_ids", 2, r"token_type_ids contains 2.*type_vocab_size=2"),
        ("position_ids", 20, r"position_ids contains 20.*max_position_embeddings=20"),
    ],
)
def test_out_of_range_ids_raise_value_error(models, name, value, match):
    inputs = random_batch(models["model"].config)
    inputs.setdefault(name, torch.arange(9).expand(3, 9).clone())
    inputs[name] = inputs[name].clone()
    inputs[name][1, 3] = value
    for model in (models["model"], models["masked-lm"]):
        with pytest.raises(ValueError, match=match):
            model(**inputs)
    if value >= 0:  # with the check off, torch's own indexing error surfaces instead
        models["model"].check_inputs = False
        try:
            with pytest.raises(IndexError):
                models["model"](**inputs)
        finally:
            models["model"].check_inputs = True


def test_too_long_and_malformed_inputs_raise(models):
    model = models["model"]
    config = model.config
    too_long = torch.ones(1, config.max_position_embeddings + 1, dtype=torch.long)
    with pytest.raises(ValueError, match=r"sequence length 21 exceeds max_position_embeddings=20"):
        model(too_long)
    with pytest.raises(ValueError, match="either input_ids or inputs_embeds"):
        model(too_long[:, :3], inputs_embeds=torch.zeros(1, 3, config.embedding_size))
    with pytest.raises(ValueError, match="input_ids or inputs_embeds"):
        model()
    with pytest.raises(ValueError, match="attention_mask has shape"):
        model(too_long[:, :4], attention_mask=torch.ones(1, 5))
    with pytest.raises(ValueError, match="inputs_embeds must be"):
        model(inputs_embeds=torch.zeros(1, 3, config.embedding_size + 1))
    with pytest.raises(ValueError, match="input_ids must be"):
        model(too_long[0, :3])
    with pytest.raises(ValueError, match="num_choices"):
        models["multiple-choice"](too_long[:, :3])


def test_qa_needs_two_labels():
    with pytest.raises(ValueError, match="num_labels=3"):
        AlbertForQuestionAnswering(tiny_config(num_labels=3))


# --------------------------------------------------------------------------- losses
def test_masked_lm_loss_ignores_minus_100(models):
    model = models["masked-lm"]
    inputs = random_batch(model.config)
    labels = torch.full_like(inputs["input_ids"], -100)
    labels[0, 1], labels[1, 2], labels[2, 0] = 7, 9, 11
    with torch.no_grad():
        out = model(**inputs, labels=labels)
    picked = out.logits[labels != -100]
    torch.testing.assert_close(out.loss, F.cross_entropy(picked, labels[labels != -100]))


def test_pretraining_loss_is_mlm_plus_sop_over_num_labels(models):
    model = models["pretraining"]
    assert model.sop_classifier.classifier.out_features == 3
    inputs = random_batch(model.config)
    labels = torch.full_like(inputs["input_ids"], -100)
    labels[:, 1] = 8
    order = torch.tensor([0, 2, 1])
    with torch.no_grad():
        out = model(**inputs, labels=labels, sentence_order_label=order)
        only_mlm = model(**inputs, labels=labels)
    mlm = F.cross_entropy(out.prediction_logits[:, 1], labels[:, 1])
    sop = F.cross_entropy(out.sop_logits, order)
    torch.testing.assert_close(out.loss, mlm + sop)
    assert only_mlm.loss is None  # as transformers: both labels are needed


def _seq_cls(num_labels, problem_type=None):
    torch.manual_seed(1)
    return AlbertForSequenceClassification(
        tiny_config(num_labels=num_labels, problem_type=problem_type)
    ).eval()


def test_sequence_classification_problem_types():
    inputs = random_batch(tiny_config())
    # regression, inferred from one label
    model = _seq_cls(1)
    target = torch.tensor([0.5, -1.0, 2.0])
    with torch.no_grad():
        out = model(**inputs, labels=target)
    torch.testing.assert_close(out.loss, F.mse_loss(out.logits.squeeze(-1), target))
    assert model.config.problem_type is None  # inference does not modify the config
    # single label, inferred from integer labels
    model = _seq_cls(3)
    classes = torch.tensor([2, 0, 1])
    with torch.no_grad():
        out = model(**inputs, labels=classes)
    torch.testing.assert_close(out.loss, F.cross_entropy(out.logits, classes))
    # multi label, inferred from float labels
    hot = torch.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    with torch.no_grad():
        out = model(**inputs, labels=hot)
    torch.testing.assert_close(out.loss, F.binary_cross_entropy_with_logits(out.logits, hot))
    # explicit problem types win
    model = _seq_cls(3, "regression")
    with torch.no_grad():
        out = model(**inputs, labels=hot)
    torch.testing.assert_close(out.loss, F.mse_loss(out.logits, hot))
    model = _seq_cls(3, "multi_label_classification")
    with torch.no_grad():
        out = model(**inputs, labels=hot.long())
    torch.testing.assert_close(out.loss, F.binary_cross_entropy_with_logits(out.logits, hot))


def test_token_classification_and_multiple_choice_losses(models):
    model = models["token-classification"]
    inputs = random_batch(model.config)
    labels = torch.randint(0, 3, inputs["input_ids"].shape)
    labels[inputs["attention_mask"] == 0] = -100
    with torch.no_grad():
        out = model(**inputs, labels=labels)
    keep = labels != -100
    torch.testing.assert_close(out.loss, F.cross_entropy(out.logits[keep], labels[keep]))

    model = models["multiple-choice"]
    mc = _inputs_for("multiple-choice", model.config)
    choice = torch.tensor([1, 0, 1])
    with torch.no_grad():
        out = model(**mc, labels=choice)
        embeds = model.get_input_embeddings()(mc["input_ids"])
        via_embeds = model(
            inputs_embeds=embeds,
            attention_mask=mc["attention_mask"],
            token_type_ids=mc["token_type_ids"],
        )
    assert out.logits.shape == (3, 2)
    torch.testing.assert_close(out.loss, F.cross_entropy(out.logits, choice))
    torch.testing.assert_close(via_embeds.logits, out.logits)


def test_question_answering_clamps_and_ignores_out_of_range(models):
    model = models["question-answering"]
    inputs = random_batch(model.config)
    seq = inputs["input_ids"].shape[1]
    start = torch.tensor([1, 2, 3])
    end = torch.tensor([4, seq + 5, 2])  # row 1 is out of range: clamped to seq, ignored
    with torch.no_grad():
        out = model(**inputs, start_positions=start, end_positions=end)
    start_loss = F.cross_entropy(out.start_logits, start)
    end_loss = F.cross_entropy(out.end_logits[[0, 2]], end[[0, 2]])
    torch.testing.assert_close(out.loss, (start_loss + end_loss) / 2)


# ---------------------------------------------------------------------- activations
def test_activation_set_is_the_core_set():
    assert set(ACT_FNS) == set(ACTIVATIONS)
    with pytest.raises(ValueError, match="nope"):
        get_activation("nope")


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_follows_its_formula(name):
    x = torch.linspace(-6, 6, 101, dtype=torch.float64)
    formula = ACTIVATIONS[name]
    env = {
        "x": x,
        "erf": torch.erf,
        "sqrt": math.sqrt,
        "pi": math.pi,
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "max": lambda a, b: torch.clamp(a, min=b),
    }
    expected = eval(formula, {"__builtins__": {}}, env)  # the documented formula itself
    torch.testing.assert_close(get_activation(name)(x), expected, atol=1e-12, rtol=0)


# ------------------------------------------------------------- init, ties, utilities
def test_fresh_model_is_initialised_without_warnings():
    config = tiny_config(
        vocab_size=400, hidden_size=64, intermediate_size=256, initializer_range=0.05
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = AlbertForPreTraining(config)
    assert model.training
    std = model.albert.encoder.albert_layer_groups[0].albert_layers[0].ffn.weight.std().item()
    assert abs(std - 0.05) < 0.005
    emb = model.get_input_embeddings()
    assert abs(emb.weight[1:].std().item() - 0.05) < 0.005
    assert emb.weight[config.pad_token_id].abs().max() == 0
    for module in model.modules():
        if isinstance(module, torch.nn.LayerNorm):
            assert torch.all(module.weight == 1) and torch.all(module.bias == 0)
        if isinstance(module, torch.nn.Linear):
            assert torch.all(module.bias == 0)


@pytest.mark.parametrize("cls", [AlbertForPreTraining, AlbertForMaskedLM])
def test_decoder_is_tied(cls, tiny):
    model = cls(tiny)
    decoder = model.get_output_embeddings()
    assert decoder.weight is model.get_input_embeddings().weight
    assert decoder.bias is model.predictions.bias
    untied = cls(tiny_config(tie_word_embeddings=False))
    assert untied.get_output_embeddings().weight is not untied.get_input_embeddings().weight
    assert untied.predictions.decoder.bias is untied.predictions.bias
    assert untied.num_parameters() == model.num_parameters() + tiny.vocab_size * tiny.embedding_size
    # re-tying after the decoder was replaced
    model.set_output_embeddings(torch.nn.Linear(tiny.embedding_size, tiny.vocab_size))
    model.tie_weights()
    assert model.get_output_embeddings().weight is model.get_input_embeddings().weight


@pytest.mark.parametrize("head", list(MODEL_CLASSES))
def test_parameters_follow_the_schema(models, head):
    model = models[head]
    specs = schema.tensor_specs(model.config, head)
    assert {n: tuple(t.shape) for n, t in model.state_dict().items()} == {
        t.name: t.shape for t in specs
    }
    distinct = sum(math.prod(t.shape) for t in specs if t.tied_to is None)
    assert model.num_parameters() == distinct
    assert model.get_memory_footprint() == 4 * distinct
    embeddings = sum(m.weight.numel() for m in model.modules() if isinstance(m, torch.nn.Embedding))
    assert model.num_parameters(exclude_embeddings=True) == distinct - embeddings
    assert (model.get_output_embeddings() is None) == (head not in ("pretraining", "masked-lm"))


@pytest.mark.parametrize("tied", [True, False])
@pytest.mark.parametrize("new_size", [64, 40])
def test_resize_token_embeddings(new_size, tied):
    torch.manual_seed(0)
    config = tiny_config(tie_word_embeddings=tied)
    model = AlbertForMaskedLM(config).eval()
    old = model.get_input_embeddings().weight.detach().clone()
    old_decoder = model.get_output_embeddings().weight.detach().clone()
    model.predictions.bias.data.uniform_()
    old_bias = model.predictions.bias.detach().clone()
    emb = model.resize_token_embeddings(new_size)
    keep = min(50, new_size)
    assert emb is model.get_input_embeddings() and emb.num_embeddings == new_size
    assert model.config.vocab_size == new_size
    torch.testing.assert_close(emb.weight[:keep], old[:keep], rtol=0, atol=0)
    torch.testing.assert_close(model.predictions.bias[:keep], old_bias[:keep], rtol=0, atol=0)
    decoder = model.get_output_embeddings()
    assert (decoder.weight is emb.weight) == tied
    torch.testing.assert_close(decoder.weight[:keep], old_decoder[:keep], rtol=0, atol=0)
    assert decoder.weight.shape == (new_size, config.embedding_size)
    assert decoder.bias is model.predictions.bias
    ids = torch.tensor([[2, new_size - 1, 3]])
    with torch.no_grad():
        assert model(ids).logits.shape == (1, 3, new_size)
    assert set(model.state_dict()) == set(schema.expected_shapes(model.config, "masked-lm"))


def test_resize_pads_to_multiple_and_validates():
    model = AlbertModel(tiny_config())
    assert model.resize_token_embeddings(51, pad_to_multiple_of=8).num_embeddings == 56
    with pytest.raises(ValueError, match="pad_token_id"):
        AlbertModel(
            tiny_config(pad_token_id=30, bos_token_id=1, eos_token_id=1)
        ).resize_token_embeddings(10)


def test_half_precision_forward(models):
    base = models["model"]
    inputs = random_batch(base.config)
    with torch.no_grad():
        ref = base(**inputs).last_hidden_state
    for dtype in (torch.bfloat16, torch.float16):
        model = AlbertModel(base.config).eval()
        model.load_state_dict(base.state_dict())
        model.to(dtype)
        assert model.dtype == dtype
        with torch.no_grad():
            out = model(**inputs, output_attentions=True)
        assert out.last_hidden_state.dtype == dtype
        assert torch.isfinite(out.last_hidden_state).all()
        torch.testing.assert_close(out.last_hidden_state.float(), ref, atol=0.1, rtol=0)
        assert model.get_memory_footprint() == base.get_memory_footprint() // 2


# ------------------------------------------------------------ gradient checkpointing
def _grads(model, inputs, labels):
    model.zero_grad()
    torch.manual_seed(123)
    model(**inputs, labels=labels).loss.backward()
    return {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}


def test_gradient_checkpointing_same_gradients_less_memory():
    config = tiny_config(hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1)
    torch.manual_seed(0)
    model = AlbertForMaskedLM(config).train()
    inputs = random_batch(config, seq=12)
    labels = inputs["input_ids"].clone()

    def saved_bytes():
        total = 0

        def pack(t):
            nonlocal total
            total += t.numel() * t.element_size()
            return t

        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            torch.manual_seed(123)
            model(**inputs, labels=labels).loss.backward()
        model.zero_grad()
        return total

    assert not model.is_gradient_checkpointing
    plain_grads, plain_bytes = _grads(model, inputs, labels), saved_bytes()
    model.gradient_checkpointing_enable()
    assert model.is_gradient_checkpointing
    ckpt_grads, ckpt_bytes = _grads(model, inputs, labels), saved_bytes()
    assert plain_grads.keys() == ckpt_grads.keys()
    for name in plain_grads:
        torch.testing.assert_close(ckpt_grads[name], plain_grads[name], rtol=0, atol=1e-7)
    assert ckpt_bytes < 0.6 * plain_bytes, (ckpt_bytes, plain_bytes)
    model.gradient_checkpointing_disable()
    assert not model.is_gradient_checkpointing
    with pytest.raises(ValueError, match="reentrant"):
        model.gradient_checkpointing_enable({"use_reentrant": True})


def test_dropout_sites_are_active_in_training_only():
    config = tiny_config(hidden_dropout_prob=0.3, attention_probs_dropout_prob=0.3)
    model = AlbertModel(config)
    inputs = random_batch(config)
    with torch.no_grad():
        a, b = model(**inputs).last_hidden_state, model(**inputs).last_hidden_state
        model.eval()
        c, d = model(**inputs).last_hidden_state, model(**inputs).last_hidden_state
    assert not torch.allclose(a, b) and torch.equal(c, d)
    dropouts = [m for m in model.modules() if isinstance(m, torch.nn.Dropout)]
    # embeddings + (attention probs, attention output, ffn output) per stored layer
    assert len(dropouts) == 1 + 3 * config.num_hidden_groups * config.inner_group_num
    np.testing.assert_equal(sorted({m.p for m in dropouts}), [0.3])
