"""torch.compile (no graph breaks) and torch.export on the tiniest config.

Most compile tests use the ``aot_eager`` backend: graph breaks are decided by dynamo's
tracing, which is the same for every backend, and ``aot_eager`` also runs AOTAutograd
without paying for inductor's C++ code generation (several seconds per graph on the 2-core
CI machines). One test compiles with the default inductor backend.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from golden_testutils import tiny_config  # noqa: E402
from pt_testutils import random_batch  # noqa: E402

from albert_pt import AlbertForMaskedLM, AlbertModel  # noqa: E402

pytestmark = pytest.mark.skipif(
    not hasattr(torch, "compile") or not hasattr(torch, "export"), reason="needs torch>=2.4"
)


@pytest.fixture(scope="module")
def config():
    return tiny_config(num_hidden_layers=2, num_hidden_groups=1, inner_group_num=1)


@pytest.fixture(scope="module")
def mlm(config):
    torch.manual_seed(0)
    return AlbertForMaskedLM(config).eval()


@pytest.fixture(autouse=True)
def _fresh_dynamo():
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


def _bad_ids(inputs):
    bad = {k: v.clone() for k, v in inputs.items()}
    bad["input_ids"][0, 1] = 10_000
    return bad


@pytest.mark.parametrize(
    "extra", [{}, {"output_hidden_states": True}, {"labels": True}], ids=["plain", "hidden", "loss"]
)
def test_no_graph_breaks(mlm, config, extra):
    inputs = random_batch(config)
    if extra.get("labels"):
        extra = {"labels": inputs["input_ids"].clone()}
    explanation = torch._dynamo.explain(mlm)(**inputs, **extra)
    assert explanation.graph_break_count == 0, explanation.break_reasons
    assert explanation.graph_count == 1


def test_fullgraph_compile_matches_eager_and_still_checks_ids(mlm, config):
    inputs = random_batch(config)
    compiled = torch.compile(mlm, fullgraph=True, backend="aot_eager")
    with torch.no_grad():
        expected = mlm(**inputs).logits
        torch.testing.assert_close(compiled(**inputs).logits, expected, rtol=0, atol=1e-6)
        # Inside the graph the range check is an in-graph assert (RuntimeError, same text);
        # the eager model raises ValueError before any indexing.
        with pytest.raises(RuntimeError, match=r"input_ids holds an id outside \[0, vocab_size"):
            compiled(**_bad_ids(inputs))
        with pytest.raises(ValueError, match="input_ids contains 10000"):
            mlm(**_bad_ids(inputs))


def test_training_step_compiles_with_gradient_checkpointing(config):
    torch.manual_seed(0)
    model = AlbertForMaskedLM(config).train()
    model.gradient_checkpointing_enable()
    inputs = random_batch(config)
    labels = inputs["input_ids"].clone()
    compiled = torch.compile(model, fullgraph=True, backend="aot_eager")
    compiled(**inputs, labels=labels).loss.backward()
    compiled_grads = {n: p.grad.clone() for n, p in model.named_parameters()}
    model.zero_grad()
    model(**inputs, labels=labels).loss.backward()
    for name, param in model.named_parameters():
        torch.testing.assert_close(compiled_grads[name], param.grad, rtol=0, atol=1e-6)


def test_inductor_compile(config):
    torch.manual_seed(0)
    model = AlbertModel(config).eval()
    inputs = random_batch(config)
    compiled = torch.compile(model, fullgraph=True)
    with torch.no_grad():
        got = compiled(**inputs)
        want = model(**inputs)
    torch.testing.assert_close(got.last_hidden_state, want.last_hidden_state, rtol=0, atol=1e-5)
    torch.testing.assert_close(got.pooler_output, want.pooler_output, rtol=0, atol=1e-5)


def test_export_with_dynamic_shapes(mlm, config):
    inputs = random_batch(config, batch=3, seq=9)
    batch = torch.export.Dim("batch", min=1, max=64)
    seq = torch.export.Dim("seq", min=2, max=config.max_position_embeddings)
    shapes = {name: {0: batch, 1: seq} for name in inputs}
    program = torch.export.export(mlm, (), inputs, dynamic_shapes=shapes)
    module = program.module()
    for kw in (inputs, random_batch(config, batch=2, seq=config.max_position_embeddings, seed=1)):
        with torch.no_grad():
            got = module(**kw)
            want = mlm(**kw)
        torch.testing.assert_close(got.logits, want.logits, rtol=0, atol=1e-5)
    with pytest.raises(RuntimeError, match="input_ids holds an id outside"):
        module(**_bad_ids(inputs))
