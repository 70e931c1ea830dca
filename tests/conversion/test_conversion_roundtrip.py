"""Conversions between every pair of formats are bit-exact in float32; casts stay within
rounding; tokenizer files follow; the destination is all or nothing."""

from __future__ import annotations

import importlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from albert_conversion import ConversionError, convert, load_source
from albert_core import checkpoints, schema
from albert_core.config import AlbertConfig

GOLDENS = Path(__file__).resolve().parents[1] / "fixtures" / "goldens"
TINY = GOLDENS.parent / "tiny-fill-mask"
CASES = json.loads((GOLDENS / "MANIFEST.json").read_text())["cases"]
HF_FORMATS = ("safetensors", "pytorch", "tf", "flax")
ALL_FORMATS = (*HF_FORMATS, "tf1")
PAIR_CASE = GOLDENS / "groups2_inner2" / "pretraining"  # tanh gelu, E != H: tf1 can hold it
convert_module = importlib.import_module("albert_conversion.convert")


def _needs(fmt: str) -> None:
    if fmt == "pytorch":
        pytest.importorskip("torch")
    elif fmt == "flax":
        pytest.importorskip("flax")
    elif fmt == "tf1":
        pytest.importorskip("tensorflow")


def aligned(path: Path, fmt: str | None = None, head: str | None = None) -> dict[str, np.ndarray]:
    """The arrays of a checkpoint aligned with its head's schema (ties filled)."""
    source = load_source(path, src_format=fmt)
    arrays, _ = schema.check(source.arrays, source.config, head or source.head)
    return arrays


def assert_bit_exact(got: dict[str, np.ndarray], want: dict[str, np.ndarray]) -> None:
    assert list(got) == list(want)
    for name, value in want.items():
        assert got[name].dtype == value.dtype, name
        assert got[name].shape == value.shape, name
        assert got[name].tobytes() == value.tobytes(), name


@pytest.fixture(scope="module")
def pair_sources(tmp_path_factory) -> dict[str, Path]:
    """The pair case in every source format: the golden directory, and a TF1 copy of it."""
    sources = {fmt: PAIR_CASE for fmt in HF_FORMATS}
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        return sources
    out = tmp_path_factory.mktemp("pairs") / "tf1"
    convert(PAIR_CASE, out, to="tf1")
    sources["tf1"] = out
    return sources


@pytest.mark.parametrize("target", ALL_FORMATS)
@pytest.mark.parametrize("source", ALL_FORMATS)
def test_every_pair_round_trips_bit_exactly(pair_sources, tmp_path, source, target):
    _needs(source)
    _needs(target)
    want = aligned(PAIR_CASE, "safetensors")
    result = convert(pair_sources[source], tmp_path / "out", to=target, src_format=source)
    assert result.head == "pretraining" and result.formats == [target]
    assert_bit_exact(aligned(tmp_path / "out", target), want)
    if source != "tf1":  # albert_config.json holds no token ids or labels
        assert AlbertConfig.from_pretrained(tmp_path / "out") == AlbertConfig.from_pretrained(
            PAIR_CASE
        )


@pytest.mark.parametrize("case", CASES)
def test_every_golden_converts_to_every_format(tmp_path, case):
    pytest.importorskip("torch")
    pytest.importorskip("flax")
    golden = GOLDENS / case
    source_format = HF_FORMATS[CASES.index(case) % len(HF_FORMATS)]
    want = aligned(golden, "safetensors")
    result = convert(golden, tmp_path / "out", to="all", src_format=source_format)
    assert result.head == case.split("/")[1]
    assert result.formats == list(HF_FORMATS)
    for fmt in HF_FORMATS:
        assert_bit_exact(aligned(tmp_path / "out", fmt), want)
    summary = result.summary()
    assert f"tensors:    {result.tensors} written" in summary
    assert result.parameters == sum(
        a.size for n, a in want.items() if n not in schema.tied_names(
            AlbertConfig.from_pretrained(golden), result.head)
    )  # fmt: skip
    assert result.bytes == sum((tmp_path / "out" / f).stat().st_size for f in result.files)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_within_rounding(tmp_path, dtype):
    ml_dtypes = pytest.importorskip("ml_dtypes")
    pytest.importorskip("torch")
    pytest.importorskip("flax")
    half = np.dtype(ml_dtypes.bfloat16) if dtype == "bfloat16" else np.dtype(np.float16)
    formats = list(HF_FORMATS) + (["tf1"] if importlib.util.find_spec("tensorflow") else [])
    want = aligned(PAIR_CASE, "safetensors")
    result = convert(PAIR_CASE, tmp_path / "half", to=formats, dtype=dtype)
    assert result.dtype == dtype
    assert json.loads((tmp_path / "half" / "config.json").read_text())["dtype"] == dtype
    for fmt in formats:
        got = aligned(tmp_path / "half", fmt)
        for name, value in want.items():
            assert got[name].dtype == half, (fmt, name)
            assert got[name].tobytes() == value.astype(half).tobytes(), (fmt, name)
    back = convert(tmp_path / "half", tmp_path / "back", dtype="float32", src_format="pytorch")
    assert back.dtype == "float32"
    eps = float(ml_dtypes.finfo(half).eps)
    for name, value in aligned(tmp_path / "back").items():
        assert value.dtype == np.float32
        np.testing.assert_allclose(value, want[name], rtol=eps, atol=1e-7, err_msg=name)


def test_half_precision_conversion_verifies_within_its_tolerance(tmp_path):
    pytest.importorskip("torch")
    result = convert(GOLDENS / "relu" / "masked-lm", tmp_path / "out", dtype="float16",
                     verify=True)  # fmt: skip
    report = result.verification
    assert report.ok
    assert all(c.tolerance > 1e-5 for c in report.comparisons)
    assert any(c.max_abs_diff > 0 for c in report.comparisons)


@pytest.mark.parametrize("case", ["relu/model", "groups2_inner2/multiple-choice"])
def test_verify_builds_every_framework(tmp_path, case):
    pytest.importorskip("torch")
    lines: list[str] = []
    result = convert(GOLDENS / case, tmp_path / "out", to="all", verify=True, log=lines.append)
    report = result.verification
    assert report.ok, report.table()
    targets = {c.target for c in report.comparisons}
    for fmt, framework in (("safetensors", "pt"), ("pytorch", "pt"), ("tf", "tf"),
                           ("flax", "flax")):  # fmt: skip
        status = importlib.import_module("albert_conversion.verify").framework_status(framework)
        if status is None:
            assert f"DST {fmt} [{framework}]" in targets
    assert all(c.max_abs_diff <= 1e-5 for c in report.comparisons)
    assert "verified:   ok" in result.summary()


def test_verification_failure_leaves_no_destination(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    verify_module = importlib.import_module("albert_conversion.verify")
    original = verify_module._run

    def corrupted(side, framework, inputs):
        outputs = original(side, framework, inputs)
        if side.label.startswith("DST"):
            outputs = {k: v + 1e-3 for k, v in outputs.items()}
        return outputs

    monkeypatch.setattr(verify_module, "_run", corrupted)
    with pytest.raises(verify_module.VerificationError, match="FAIL"):
        convert(GOLDENS / "relu" / "model", tmp_path / "out", verify=True)
    assert not (tmp_path / "out").exists()


def test_standalone_verify_of_a_checkpoint_and_a_conversion(tmp_path):
    pytest.importorskip("torch")
    from albert_conversion import verify

    report = verify(GOLDENS / "relu" / "sequence-classification")
    assert report.ok, report.table()
    assert {c.target.split(" [")[0] for c in report.comparisons} >= {"pytorch", "tf", "flax"}
    convert(GOLDENS / "relu" / "model", tmp_path / "out", to="pytorch")
    report = verify(GOLDENS / "relu" / "model", tmp_path / "out")
    assert report.ok and {c.target for c in report.comparisons} == {"DST pytorch [pt]"}


# ------------------------------------------------------------------------------ heads
def test_smaller_head_drops_and_reports_head_weights(tmp_path):
    result = convert(GOLDENS / "relu" / "pretraining", tmp_path / "out", head="model")
    assert result.head == "model"
    dropped = {n for n, why in result.skipped.items() if "not a weight" in why}
    assert "sop_classifier.classifier.weight" in dropped and "predictions.bias" in dropped
    arrays = checkpoints.read(tmp_path / "out")
    assert "embeddings.word_embeddings.weight" in arrays  # base-model names
    config = json.loads((tmp_path / "out" / "config.json").read_text())
    assert config["architectures"] == ["AlbertModel"]


def test_larger_head_lists_missing_weights(tmp_path):
    with pytest.raises(schema.WeightsMismatchError) as err:
        convert(GOLDENS / "relu" / "model", tmp_path / "out", head="masked-lm")
    assert "predictions.dense.weight" in str(err.value)
    assert not (tmp_path / "out").exists()


def test_head_is_inferred_from_tensors_without_architectures(tmp_path):
    source = tmp_path / "mc"
    source.mkdir()
    shutil.copy(GOLDENS / "groups2_inner2" / "multiple-choice" / "model.safetensors", source)
    config = json.loads((GOLDENS / "groups2_inner2" / "multiple-choice" / "config.json")
                        .read_text())  # fmt: skip
    config.pop("architectures")
    (source / "config.json").write_text(json.dumps(config))
    assert convert(source, tmp_path / "out").head == "multiple-choice"


def test_sharded_output_round_trips(tmp_path):
    pytest.importorskip("torch")
    result = convert(PAIR_CASE, tmp_path / "out", to="safetensors,pytorch", shard_size="10KB")
    assert "model.safetensors.index.json" in result.files
    assert "pytorch_model.bin.index.json" in result.files
    want = aligned(PAIR_CASE, "safetensors")
    for fmt in ("safetensors", "pytorch"):
        assert_bit_exact(aligned(tmp_path / "out", fmt), want)


def test_progress_bars_on_request(tmp_path, capsys):
    convert(GOLDENS / "relu" / "model", tmp_path / "out", progress=True)
    assert "converting" in capsys.readouterr().err


def test_hub_id_source(hub_cache, tmp_path):
    files = {p.name: p for p in TINY.iterdir() if p.is_file()}
    hub_cache.add("albert-test/tiny-fill-mask", files)
    result = convert("albert-test/tiny-fill-mask", tmp_path / "out", to="safetensors")
    assert result.head == "masked-lm" and "tokenizer.json" in result.tokenizer_files
    assert_bit_exact(aligned(tmp_path / "out"), aligned(TINY))


# -------------------------------------------------------------------------- tokenizer
def test_tokenizer_files_follow_the_weights(tmp_path):
    from albert_core.tokenizers import AlbertTokenizerFast

    result = convert(TINY, tmp_path / "out", to="safetensors")
    assert result.tokenizer_files == ["special_tokens_map.json", "spiece.model",
                                      "tokenizer.json", "tokenizer_config.json"]  # fmt: skip
    text = "Plants create energy through a process known as [MASK]."
    before = AlbertTokenizerFast.from_pretrained(TINY)(text)["input_ids"]
    after = AlbertTokenizerFast.from_pretrained(tmp_path / "out")(text)["input_ids"]
    assert before == after
    bare = convert(TINY, tmp_path / "bare", tokenizer=False)
    assert bare.tokenizer_files == [] and not (tmp_path / "bare" / "spiece.model").exists()


def test_tokenizer_json_alone_is_enough(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(TINY, source)
    (source / "spiece.model").unlink()
    result = convert(source, tmp_path / "out")
    assert "spiece.model" in result.tokenizer_files and "tokenizer.json" in result.tokenizer_files


# ------------------------------------------------------------------------- atomicity
def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("error", [RuntimeError("disk on fire"), KeyboardInterrupt()])
def test_interrupted_conversion_leaves_no_destination(tmp_path, monkeypatch, error):
    pytest.importorskip("torch")
    real_write = checkpoints.write

    def failing(directory, arrays, head, formats, **options):
        if list(formats) == ["pytorch"]:
            raise error
        return real_write(directory, arrays, head, formats, **options)

    monkeypatch.setattr(convert_module.checkpoints, "write", failing)
    with pytest.raises(type(error)):
        convert(GOLDENS / "relu" / "model", tmp_path / "out", to="safetensors,pytorch")
    assert not (tmp_path / "out").exists()
    assert _leftovers(tmp_path) == []


def test_existing_destination_needs_force(tmp_path, monkeypatch):
    dst = tmp_path / "out"
    dst.mkdir()
    (dst / "keep.txt").write_text("old")
    with pytest.raises(FileExistsError, match="--force"):
        convert(GOLDENS / "relu" / "model", dst)
    assert (dst / "keep.txt").exists()

    def failing(*args, **kwargs):
        raise RuntimeError("failed midway")

    with monkeypatch.context() as patch:
        patch.setattr(convert_module.checkpoints, "write", failing)
        with pytest.raises(RuntimeError):
            convert(GOLDENS / "relu" / "model", dst, force=True)
    assert (dst / "keep.txt").read_text() == "old"  # untouched by a failed --force run
    convert(GOLDENS / "relu" / "model", dst, force=True)
    assert not (dst / "keep.txt").exists() and (dst / "model.safetensors").exists()
    assert _leftovers(tmp_path) == []


def test_destination_inside_or_around_the_source_is_refused(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(GOLDENS / "relu" / "model", source)
    with pytest.raises(ConversionError, match="inside the source"):
        convert(source, source / "converted")
    with pytest.raises(ConversionError, match="inside the source"):
        convert(source, source)
    with pytest.raises(ConversionError, match="would delete the source"):
        convert(source, tmp_path, force=True)
    assert sorted(p.name for p in source.iterdir()) == sorted(
        p.name for p in (GOLDENS / "relu" / "model").iterdir()
    )


def test_bad_arguments(tmp_path):
    with pytest.raises(ConversionError, match="unsupported dtype"):
        convert(GOLDENS / "relu" / "model", tmp_path / "a", dtype="float64")
    with pytest.raises(ConversionError, match="unknown target format 'onnx'"):
        convert(GOLDENS / "relu" / "model", tmp_path / "a", to="onnx")
    with pytest.raises(ValueError, match="shard size"):
        convert(GOLDENS / "relu" / "model", tmp_path / "a", shard_size="lots")
    with pytest.raises(ValueError, match="unknown head"):
        convert(GOLDENS / "relu" / "model", tmp_path / "a", head="translation")
    assert not (tmp_path / "a").exists()
