"""The fill-mask pipeline and the `albert` command line, on the tiny fixture model."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the fill-mask pipeline runs on the PyTorch backend")

from albert_core import cli  # noqa: E402
from albert_core.pipelines import PipelineError, pipeline  # noqa: E402

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "tiny-fill-mask"
TEXT = "Plants create energy through a process known as [MASK]."


@pytest.fixture(scope="module")
def fill_mask(get_pipeline):
    return get_pipeline("fill-mask")


def softmax(x):
    e = np.exp(x - x.max())
    return e / e.sum()


def test_seed_example_runs_as_written(fill_mask):
    albert_fill_mask = pipeline(task="fill-mask", model=TINY, device=-1)
    result = albert_fill_mask(TEXT, top_k=5)
    assert len(result) == 5
    assert set(result[0]) == {"score", "token", "token_str", "sequence"}


def test_scores_are_the_model_softmax_in_order(fill_mask):
    result = fill_mask(TEXT, top_k=7)
    encoded = fill_mask.tokenizer(TEXT, return_tensors="np")
    position = int(np.flatnonzero(encoded["input_ids"][0] == fill_mask.tokenizer.mask_token_id)[0])
    with torch.no_grad():
        logits = fill_mask.model(**{k: torch.as_tensor(v) for k, v in encoded.items()}).logits
    probs = softmax(logits[0, position].double().numpy())
    expected = np.argsort(-probs, kind="stable")[:7]
    assert [r["token"] for r in result] == expected.tolist()
    np.testing.assert_allclose([r["score"] for r in result], probs[expected], rtol=1e-5)
    for item in result:
        assert item["token_str"] == fill_mask.tokenizer.decode([item["token"]])
        assert "[MASK]" not in item["sequence"] and item["sequence"].startswith("plants create")


def test_batches_multiple_masks_and_targets(fill_mask):
    texts = [TEXT, "The [MASK] sat on the [MASK].", "Short [MASK]"]
    results = fill_mask(texts, top_k=3)
    assert len(results) == 3
    assert len(results[0]) == 3 and isinstance(results[0][0], dict)
    assert len(results[1]) == 2 and all(len(group) == 3 for group in results[1])
    # Batching and padding change nothing: each text alone gives the same answer.
    for text, batched in zip(texts, results, strict=True):
        alone = fill_mask(text, top_k=3)
        flat_a = batched if isinstance(batched[0], dict) else [x for g in batched for x in g]
        flat_b = alone if isinstance(alone[0], dict) else [x for g in alone for x in g]
        assert [x["token"] for x in flat_a] == [x["token"] for x in flat_b]
        np.testing.assert_allclose([x["score"] for x in flat_a], [x["score"] for x in flat_b],
                                   rtol=1e-5)
    targeted = fill_mask(TEXT, targets=["plants", "sleep", "cat"])
    assert len(targeted) == 3
    scores = [r["score"] for r in targeted]
    assert scores == sorted(scores, reverse=True)
    tokens = {fill_mask.tokenizer.convert_ids_to_tokens(r["token"]) for r in targeted}
    assert tokens == {"▁plants", "▁sleep", "▁cat"}
    with pytest.warns(UserWarning, match="several tokens"):
        fill_mask(TEXT, targets="photosynthesis")


def test_bad_inputs(fill_mask):
    with pytest.raises(PipelineError, match=r"no \[MASK\]"):
        fill_mask("no mask here")
    with pytest.raises(PipelineError, match="empty"):
        fill_mask("   ")
    with pytest.raises(TypeError, match="int"):
        fill_mask([TEXT, 3])
    with pytest.raises(PipelineError, match="top_k"):
        fill_mask(TEXT, top_k=0)
    with pytest.raises(PipelineError, match="unknown task"):
        pipeline("summarization", model=TINY)
    with pytest.raises(PipelineError, match="unknown framework"):
        pipeline("fill-mask", model=TINY, framework="mxnet")


def test_long_input_is_truncated_with_a_warning(fill_mask):
    text = "[MASK] " + "word " * 400
    with pytest.warns(UserWarning, match="truncated"):
        result = fill_mask(text, top_k=2)
    assert len(result) == 2


def test_a_mask_beyond_the_limit_is_a_clear_error(fill_mask):
    text = "word " * 400 + "[MASK]."
    with pytest.warns(UserWarning, match="truncated"), pytest.raises(
        PipelineError, match=r"no \[MASK\] token within the first 128 tokens"
    ):
        fill_mask(text)


def run_cli(args, capsys, stdin: str | None = None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = cli.main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_json_lines_from_arguments_and_stdin(capsys, monkeypatch):
    code, out, _ = run_cli(["run", "--task", "fill-mask", "--model", str(TINY), "--top-k", "2",
                            TEXT], capsys)
    assert code == 0
    record = json.loads(out.strip())
    assert record["input"] == TEXT and len(record["predictions"]) == 2
    code, out, _ = run_cli(["run", "--task", "fill-mask", "--model", str(TINY)], capsys,
                           stdin=f"{TEXT}\nA [MASK] day.\n", monkeypatch=monkeypatch)
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["input"] for line in lines] == [TEXT, "A [MASK] day."]


def test_cli_table_format(capsys):
    code, out, _ = run_cli(["run", "--task", "fill-mask", "--model", str(TINY), "--format",
                            "table", "--top-k", "3", TEXT], capsys)
    assert code == 0
    assert out.splitlines()[0] == TEXT and out.count("\n") == 4


@pytest.mark.parametrize(
    ("args", "stdin", "needle"),
    [
        (["run", "--task", "fill-mask", "--model", "no/such-model-here"], f"{TEXT}\n",
         "no/such-model-here"),
        (["run", "--task", "fill-mask", "--model", str(TINY)], f"{TEXT}\n\n", "line 2 is empty"),
        (["run", "--task", "fill-mask", "--model", str(TINY), "no mask"], None, "no [MASK]"),
        (["run", "--task", "fill-mask", "--model", str(TINY), "--framework", "flax", "x"], None,
         "framework 'flax' is not installed"),
    ],
)
def test_cli_errors_are_one_line_with_exit_2(args, stdin, needle, capsys, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # Flax looks uninstalled: importing its backend fails as it would without jax.
    monkeypatch.setitem(sys.modules, "albert_flax.backend", None)
    code, out, err = run_cli(args, capsys, stdin=stdin, monkeypatch=monkeypatch)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and needle in err and err.startswith("albert run: error:")


def test_cli_info(capsys):
    code, out, _ = run_cli(["info", str(TINY), "--tensors"], capsys)
    assert code == 0
    assert "head:       masked-lm (AlbertForMaskedLM)" in out
    assert "schema:     all weights matched" in out
    assert "predictions.dense.weight" in out and "float32" in out


def test_cli_help_lists_commands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "run" in out and "info" in out
