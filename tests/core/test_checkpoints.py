"""Checkpoint readers and writers against the files transformers 4.57.6 wrote (the goldens).

Every test that touches a golden runs for every case (3 configs x 7 heads) and every format.
The safetensors golden, aligned with :func:`albert_core.schema.match`, is the reference
content; the other formats must give exactly the same arrays, and what we write must have
the structure of transformers' own files.
"""

from __future__ import annotations

import functools
import json
import sys
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest

from albert_core import checkpoints, hub, schema
from albert_core.checkpoints import FORMATS, CheckpointError, common, keras_h5, safetensors_format
from albert_core.config import AlbertConfig

GOLDENS = Path(__file__).resolve().parents[1] / "fixtures" / "goldens"
FIXTURES = GOLDENS.parent
CASES = sorted(p.parent for p in GOLDENS.glob("*/*/config.json"))
ALL_FORMATS = list(FORMATS)
OPTIONAL = {"pytorch": "torch", "flax": "flax"}


def case_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def needs(fmt: str) -> None:
    """Skip unless the optional framework that ``fmt`` needs is installed."""
    if fmt in OPTIONAL:
        extra = OPTIONAL[fmt]
        pytest.importorskip(extra, reason=f"the {fmt} format needs the `{extra}` extra")


def module(fmt: str):
    needs(fmt)
    return checkpoints.format_module(fmt)


def golden_file(directory: Path, fmt: str) -> Path:
    return directory / FORMATS[fmt][0]


@functools.cache
def reference(directory: Path) -> tuple[AlbertConfig, str, dict[str, np.ndarray]]:
    """Config, head and the aligned content of the safetensors golden of one case."""
    config = AlbertConfig.from_pretrained(directory)
    head = directory.name
    arrays, report = schema.match(
        safetensors_format.read(directory / "model.safetensors"), config, head
    )
    assert report.ok, report.describe()
    return config, head, arrays


def assert_same_arrays(got: dict, want: dict) -> None:
    """Same names, and for each the same dtype, shape and values (exactly)."""
    assert set(got) == set(want)
    for name, array in want.items():
        assert got[name].dtype == array.dtype, name
        assert got[name].shape == array.shape, name
        np.testing.assert_array_equal(got[name], array, err_msg=name)


@pytest.fixture(params=CASES, ids=case_id)
def case(request) -> Path:
    return request.param


@pytest.fixture(params=ALL_FORMATS)
def fmt(request) -> str:
    return request.param


def test_every_case_and_format_present():
    assert len(CASES) == 3 * len(schema.HEADS)
    for directory in CASES:
        assert checkpoints.detect_formats(directory) == list(checkpoints.READ_PREFERENCE)


# ============================================================== (1) readers vs goldens
def test_reader_gives_the_safetensors_content(case, fmt):
    config, head, want = reference(case)
    raw = module(fmt).read(golden_file(case, fmt))
    got, report = schema.match(raw, config, head)
    assert report.ok, report.describe()
    assert not report.missing and not report.unexpected and not report.ignored
    assert_same_arrays(got, want)
    # Names come as the file's head names them: a base model has no ``albert.`` prefix.
    prefixed = [n for n in raw if n.startswith(schema.PREFIX)]
    assert (not prefixed) if head == "model" else len(prefixed) > 0


def test_tied_names_present_as_in_transformers_files(case, fmt):
    config, head, _ = reference(case)
    raw = module(fmt).read(golden_file(case, fmt))
    ties = schema.tied_names(config, head)
    present = {name for name in ties if name in raw}
    # safetensors and Flax drop both tied copies; PyTorch keeps both; TF keeps the bias.
    expected = {
        "safetensors": set(),
        "pytorch": set(ties),
        "tf": {n for n in ties if n.endswith("decoder.bias")},
        "flax": set(),
    }[fmt]
    assert present == expected


def test_dispatcher_read_by_directory_and_by_file(case, fmt):
    needs(fmt)
    by_dir = checkpoints.read(case, fmt)
    by_file = checkpoints.read(golden_file(case, fmt))
    assert by_dir.keys() == by_file.keys()
    assert checkpoints.format_of_file(golden_file(case, fmt)) == fmt


# ============================================================== (2) writers round-trip
def test_writer_round_trip(case, fmt, tmp_path):
    config, head, want = reference(case)
    mod = module(fmt)
    target = tmp_path / FORMATS[fmt][0]
    assert mod.write(target, want, head) == [target]
    raw_ours = mod.read(target)
    raw_theirs = mod.read(golden_file(case, fmt))
    # The same names as transformers' file, holding the same values.
    assert list(raw_ours) == list(raw_theirs)
    assert_same_arrays(raw_ours, raw_theirs)
    got, report = schema.match(raw_ours, config, head)
    assert report.ok
    assert_same_arrays(got, want)
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


# ================================================== (3) structure of transformers' files
def h5_structure(path: Path) -> dict:
    """Every group, dataset and attribute with shapes, dtypes and HDF5 string types."""

    def attrs(obj) -> dict:
        out = {}
        for key in obj.attrs:
            attr = obj.attrs.get_id(key)
            kind = attr.get_type()
            string = isinstance(kind, h5py.h5t.TypeStringID)
            value = obj.attrs[key]
            out[key] = (
                np.asarray(value).tolist(),
                attr.shape,
                kind.get_class(),
                kind.get_cset() if string else None,
                kind.is_variable_str() if string else None,
            )
        return out

    structure: dict = {}
    with h5py.File(path, "r") as handle:
        structure["/"] = ("root", attrs(handle))

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                structure[name] = ("dataset", obj.shape, obj.dtype.str, attrs(obj))
            else:
                structure[name] = ("group", attrs(obj))

        handle.visititems(visit)
    return structure


def safetensors_header(path: Path) -> dict:
    size = int.from_bytes(path.read_bytes()[:8], "little")
    return json.loads(path.read_bytes()[8 : 8 + size])


def test_written_files_have_transformers_structure(case, fmt, tmp_path):
    _, head, want = reference(case)
    target = tmp_path / FORMATS[fmt][0]
    module(fmt).write(target, want, head)
    golden = golden_file(case, fmt)
    if fmt == "safetensors":
        header = safetensors_header(target)
        assert header == safetensors_header(golden)  # names, dtypes, shapes, offsets
        assert header["__metadata__"] == {"format": "pt"}
        assert target.read_bytes() == golden.read_bytes()
    elif fmt == "pytorch":
        import torch

        ours = torch.load(target, weights_only=True)
        theirs = torch.load(golden, weights_only=True)
        assert list(ours) == list(theirs)
        for name in theirs:
            assert (ours[name].shape, ours[name].dtype) == (theirs[name].shape, theirs[name].dtype)

        def shared(state):
            groups = {}
            for name, tensor in state.items():
                groups.setdefault(tensor.untyped_storage().data_ptr(), []).append(name)
            return sorted(sorted(g) for g in groups.values() if len(g) > 1)

        assert shared(ours) == shared(theirs)
        with zipfile.ZipFile(target) as a, zipfile.ZipFile(golden) as b:
            assert a.namelist() == b.namelist()  # archive folder named as transformers names it
            assert all(a.read(n) == b.read(n) for n in a.namelist())
    elif fmt == "tf":
        assert h5_structure(target) == h5_structure(golden)
    else:
        from flax.serialization import msgpack_restore

        def tree(data):
            return {"/".join(k): (v.shape, v.dtype.str) for k, v in _flatten(msgpack_restore(data))}

        assert tree(target.read_bytes()) == tree(golden.read_bytes())
        assert target.read_bytes() == golden.read_bytes()


def _flatten(tree, prefix=()):
    for key, value in tree.items():
        if isinstance(value, dict):
            yield from _flatten(value, (*prefix, key))
        else:
            yield (*prefix, key), value


def test_h5_layout_details():
    """The quirks of transformers' TF files that the generic structure test only implies."""
    directory = GOLDENS / "groups2_inner2" / "pretraining"
    with h5py.File(directory / "tf_model.h5", "r") as handle:
        assert list(handle.attrs["layer_names"]) == ["albert", "predictions", "sop_classifier"]
        listed = list(handle["predictions"].attrs["weight_names"])
        assert listed[:2] == [
            "tf_albert_for_pre_training/predictions/bias:0",
            "tf_albert_for_pre_training/predictions/decoder/bias:0",
        ]
        assert "tf_albert_for_pre_training/albert/embeddings/word_embeddings/weight:0" in listed
    assert schema.keras_layer_names("sequence-classification", 4) == [
        "albert",
        "dropout_13",
        "classifier",
    ]
    assert schema.keras_layer_names("model", 1) == ["albert"]


# ====================================================== (4) load_pretrained / save_pretrained
FILLED = {
    "safetensors": {"predictions.decoder.weight", "predictions.decoder.bias"},
    "pytorch": set(),
    "tf": {"predictions.decoder.weight"},
    "flax": {"predictions.decoder.weight", "predictions.decoder.bias"},
}


def test_load_pretrained_every_format(case, fmt):
    needs(fmt)
    config, head, want = reference(case)
    loaded = checkpoints.load_pretrained(case, head, fmt=fmt)
    assert loaded.format == fmt and loaded.directory == case
    assert loaded.config == config
    assert loaded.report.ok and not loaded.report.ignored
    has_mlm = head in ("pretraining", "masked-lm")
    assert set(loaded.report.filled_from_tie) == (FILLED[fmt] if has_mlm else set())
    assert_same_arrays(loaded.arrays, want)


def test_load_pretrained_prefers_safetensors():
    directory = GOLDENS / "relu" / "masked-lm"
    assert checkpoints.load_pretrained(directory, "masked-lm").format == "safetensors"


def test_save_pretrained_every_format_then_load(case, tmp_path):
    config, head, want = reference(case)
    formats = [f for f in ALL_FORMATS if f not in OPTIONAL or _available(OPTIONAL[f])]
    written = checkpoints.save_pretrained(tmp_path, config, head, want, formats)
    assert written == [tmp_path / "config.json", *(tmp_path / FORMATS[f][0] for f in formats)]
    saved = json.loads((tmp_path / "config.json").read_text())
    assert saved["architectures"] == [schema.head_spec(head).pt_class]
    for fmt in formats:
        loaded = checkpoints.load_pretrained(tmp_path, head, fmt=fmt)
        assert loaded.report.ok
        assert_same_arrays(loaded.arrays, want)


def _available(name: str) -> bool:
    try:
        __import__(name)
    except ImportError:
        return False
    return True


def test_save_pretrained_fills_tied_names_from_their_source(tmp_path):
    config, head, want = reference(GOLDENS / "emb_eq_hidden" / "pretraining")
    untied = {k: v for k, v in want.items() if not k.startswith("predictions.decoder.")}
    checkpoints.save_pretrained(tmp_path, config, head, untied, ["safetensors", "tf"])
    assert_same_arrays(checkpoints.load_pretrained(tmp_path, head, fmt="tf").arrays, want)


@pytest.mark.parametrize("source", ["pretraining", "sequence-classification"])
def test_head_checkpoint_into_base_model(fmt, source):
    needs(fmt)
    directory = GOLDENS / "groups2_inner2" / source
    config, _, full = reference(directory)
    loaded = checkpoints.load_pretrained(directory, "model", fmt=fmt)
    report = loaded.report
    assert report.ok and report.head == "model"
    head_names = {n for n in full if not n.startswith(schema.PREFIX)}
    assert set(report.ignored) >= head_names - set(schema.tied_names(config, source))
    assert set(loaded.arrays) == set(schema.expected_shapes(config, "model"))
    for name, array in loaded.arrays.items():
        np.testing.assert_array_equal(array, full[schema.PREFIX + name])


def test_head_checkpoint_without_pooler_into_base_model_misses_pooler(fmt):
    needs(fmt)
    directory = GOLDENS / "relu" / "token-classification"
    with pytest.raises(schema.WeightsMismatchError, match="pooler.weight"):
        checkpoints.load_pretrained(directory, "model", fmt=fmt)
    with pytest.warns(UserWarning, match="pooler"):
        loaded = checkpoints.load_pretrained(directory, "model", fmt=fmt, strict=False)
    assert loaded.report.missing == ["pooler.weight", "pooler.bias"]
    assert "classifier.weight" in loaded.report.ignored


def test_base_checkpoint_into_head_model(fmt):
    needs(fmt)
    directory = GOLDENS / "relu" / "model"
    config, _, base = reference(directory)
    with pytest.raises(schema.WeightsMismatchError) as err:
        checkpoints.load_pretrained(directory, "sequence-classification", fmt=fmt)
    assert "classifier.weight" in str(err.value) and "classifier.bias" in str(err.value)
    with pytest.warns(UserWarning, match="classifier.weight"):
        loaded = checkpoints.load_pretrained(
            directory, "sequence-classification", fmt=fmt, strict=False
        )
    report = loaded.report
    assert report.missing == ["classifier.weight", "classifier.bias"]
    assert report.unexpected == [] and report.mismatched == []
    assert set(loaded.arrays) == {schema.PREFIX + n for n in base}
    for name, array in base.items():
        np.testing.assert_array_equal(loaded.arrays[schema.PREFIX + name], array)


# ================================================================== sharded checkpoints
@pytest.mark.parametrize("fmt", ["safetensors", "pytorch"])
def test_sharded_write_read_and_load(fmt, tmp_path):
    needs(fmt)
    config, head, want = reference(GOLDENS / "groups2_inner2" / "pretraining")
    written = checkpoints.save_pretrained(tmp_path, config, head, want, [fmt], shard_size="10KB")
    index_name = FORMATS[fmt][1]
    index = json.loads((tmp_path / index_name).read_text())
    shards = sorted(set(index["weight_map"].values()))
    assert len(shards) > 2
    stem, suffix = FORMATS[fmt][0].rsplit(".", 1)
    assert shards[0] == f"{stem}-00001-of-{len(shards):05d}.{suffix}"
    assert written == [
        tmp_path / "config.json",
        *(tmp_path / s for s in shards),
        tmp_path / index_name,
    ]
    assert not (tmp_path / FORMATS[fmt][0]).exists()
    stored = set(module(fmt).read(tmp_path / shards[0])) | set(
        module(fmt).read(tmp_path / index_name)
    )
    assert set(index["weight_map"]) == stored
    unique = {n: a for n, a in want.items() if n not in schema.tied_names(config, head)}
    assert index["metadata"] == {
        "total_size": sum(a.nbytes for a in unique.values()),
        "total_parameters": sum(a.size for a in unique.values()),
    }
    for shard in shards:  # no shard above the limit (every tensor here is smaller than it)
        names = [n for n, file in index["weight_map"].items() if file == shard]
        assert sum(unique[n].nbytes for n in names if n in unique) <= 10_000
    assert checkpoints.detect_formats(tmp_path) == [fmt]
    loaded = checkpoints.load_pretrained(tmp_path, head)
    assert loaded.report.ok
    assert_same_arrays(loaded.arrays, want)
    # Saving again unsharded replaces the shard set: no stale shards or index remain.
    checkpoints.save_pretrained(tmp_path, config, head, want, [fmt])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", FORMATS[fmt][0]]


def test_shard_plan_follows_huggingface_hub():
    sizes = {"a": (6, 6), "b": (6, 6), "c": (2, 2), "d": (12, 12), "e": (2, 2), "t": (6, 6)}
    plan = common.plan_shards(sizes, Path("model.safetensors"), 10, {"t": "a"})
    # A tensor above the limit is a shard of its own at once; the open shard goes on filling.
    assert list(plan.files.values()) == [["a", "t"], ["d"], ["b", "c", "e"]]
    assert list(plan.files)[0] == Path("model-00001-of-00003.safetensors")
    assert plan.total_size == 28 and plan.sharded
    single = common.plan_shards(sizes, Path("model.safetensors"), None)
    assert list(single.files) == [Path("model.safetensors")] and not single.sharded


@pytest.mark.parametrize(
    ("text", "value"),
    [(123, 123), ("2GB", 2 * 10**9), ("500MiB", 500 * 2**20), ("10Gb", 10 * 10**9 // 8),
     ("5kb", 625), ("7 KB", 7000), ("1TiB", 2**40), ("4096", 4096)],
)  # fmt: skip
def test_parse_size(text, value):
    assert common.parse_size(text) == value


@pytest.mark.parametrize("bad", ["two GB", "1.5GB", "-3", "0", "", 0, 2.5, True])
def test_parse_size_rejects(bad):
    with pytest.raises((ValueError, TypeError)):
        common.parse_size(bad)


# ======================================================= (5) atomicity and overwriting
def test_overwrite_refused_then_allowed(fmt, tmp_path):
    _, head, want = reference(GOLDENS / "relu" / "masked-lm")
    mod = module(fmt)
    target = tmp_path / FORMATS[fmt][0]
    target.write_bytes(b"precious")
    with pytest.raises(FileExistsError, match=target.name):
        mod.write(target, want, head)
    with pytest.raises(FileExistsError, match=target.name):
        checkpoints.write(tmp_path, want, head, [fmt])
    assert target.read_bytes() == b"precious"
    mod.write(target, want, head, overwrite=True)
    assert (
        mod.read(target).keys() == mod.read(golden_file(GOLDENS / "relu" / "masked-lm", fmt)).keys()
    )


def test_dispatcher_refuses_before_writing_anything(tmp_path):
    _, head, want = reference(GOLDENS / "relu" / "model")
    (tmp_path / "tf_model.h5").write_bytes(b"precious")
    with pytest.raises(FileExistsError, match="tf_model.h5"):
        checkpoints.write(tmp_path, want, head, ["safetensors", "tf"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tf_model.h5"]


class Boom(RuntimeError):
    """The simulated crash."""


def _crash_after(monkeypatch, owner, attribute: str, calls: int) -> None:
    """Make ``owner.attribute`` raise :class:`Boom` on call number ``calls`` (1-based)."""
    original = getattr(owner, attribute)
    count = {"n": 0}

    def wrapper(*args, **kwargs):
        count["n"] += 1
        if count["n"] >= calls:
            raise Boom("crashed midway")
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, attribute, wrapper)


def _crash_midway(fmt: str, monkeypatch) -> dict:
    """Arrange for ``fmt``'s writer to fail with part of the data written; return options."""
    if fmt == "safetensors":
        import safetensors.numpy

        _crash_after(monkeypatch, safetensors.numpy, "save_file", 2)  # the second shard
        return {"shard_size": "20KB"}
    if fmt == "pytorch":
        import torch

        _crash_after(monkeypatch, torch, "save", 2)
        return {"shard_size": "20KB"}
    if fmt == "tf":
        _crash_after(monkeypatch, h5py.Group, "create_dataset", 5)
        return {}
    import flax.serialization

    _crash_after(monkeypatch, flax.serialization, "msgpack_serialize", 1)
    return {}


@pytest.mark.parametrize("existing", [False, True], ids=["new", "replacing"])
def test_failed_write_leaves_nothing_behind(fmt, tmp_path, monkeypatch, existing):
    needs(fmt)
    _, head, want = reference(GOLDENS / "groups2_inner2" / "pretraining")
    target = tmp_path / FORMATS[fmt][0]
    if existing:
        target.write_bytes(b"old content")
    options = _crash_midway(fmt, monkeypatch)
    with pytest.raises(Boom):
        checkpoints.format_module(fmt).write(target, want, head, overwrite=True, **options)
    assert sorted(p.name for p in tmp_path.iterdir()) == ([target.name] if existing else [])
    if existing:
        assert target.read_bytes() == b"old content"


# ====================================================================== errors
def test_missing_file_names_the_path(fmt, tmp_path):
    missing = tmp_path / FORMATS[fmt][0]
    with pytest.raises(FileNotFoundError, match=str(missing)):
        module(fmt).read(missing)
    with pytest.raises(FileNotFoundError, match=str(missing)):
        checkpoints.read(missing)


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_corrupt_file_is_a_checkpoint_error(fmt, tmp_path, damage):
    golden = golden_file(GOLDENS / "relu" / "pretraining", fmt)
    data = golden.read_bytes()
    broken = tmp_path / golden.name
    broken.write_bytes(
        {
            "truncated": data[: len(data) // 2],
            "garbage": b"\x93NOT A CHECKPOINT" * 64,
            "empty": b"",
        }[damage]
    )
    with pytest.raises(CheckpointError, match=str(broken)):
        module(fmt).read(broken)


def test_h5_that_is_not_transformers_albert(tmp_path):
    plain = tmp_path / "plain.h5"
    with h5py.File(plain, "w") as handle:
        handle.create_dataset("x", data=np.zeros(3))
    with pytest.raises(CheckpointError, match="layer_names"):
        keras_h5.read(plain)
    bert = tmp_path / "bert.h5"
    with h5py.File(bert, "w") as handle:
        handle.attrs["layer_names"] = [b"bert"]
        handle.create_group("bert").attrs["weight_names"] = [b"tf_bert_model/bert/pooler/bias:0"]
        handle["bert"].create_dataset("tf_bert_model/bert/pooler/bias:0", data=np.zeros(3))
    with pytest.raises(CheckpointError, match="tf_bert_model"):
        keras_h5.read(bert)
    missing = tmp_path / "missing_dataset.h5"
    with h5py.File(missing, "w") as handle:
        handle.attrs["layer_names"] = [b"albert"]
        handle.create_group("albert").attrs["weight_names"] = [
            b"tf_albert_model/albert/pooler/bias:0"
        ]
    with pytest.raises(CheckpointError, match="no dataset"):
        keras_h5.read(missing)


def test_h5_scope_numbered_by_keras_is_read(tmp_path):
    """Files written by a process that built several models carry ``tf_albert_model_1`` scopes."""
    _, head, want = reference(GOLDENS / "relu" / "model")
    source = tmp_path / "tf_model.h5"
    keras_h5.write(source, want, head)
    with h5py.File(source, "r+") as handle:
        listed = handle["albert"].attrs["weight_names"]
        names = [n.replace("tf_albert_model/", "tf_albert_model_1/") for n in listed]
        handle["albert"].move("tf_albert_model", "tf_albert_model_1")
        handle["albert"].attrs["weight_names"] = names
    assert_same_arrays(keras_h5.read(source), want)


def test_writer_rejects_untied_decoder_in_tf(tmp_path):
    _, head, want = reference(GOLDENS / "relu" / "masked-lm")
    untied = dict(want, **{"predictions.decoder.weight": want["predictions.decoder.weight"] + 1})
    with pytest.raises(CheckpointError, match="untied"):
        keras_h5.write(tmp_path / "tf_model.h5", untied, head)
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("fmt", ["safetensors", "pytorch", "flax"])
def test_untied_decoder_round_trips(fmt, tmp_path):
    needs(fmt)
    config, head, want = reference(GOLDENS / "relu" / "masked-lm")
    untied = dict(want, **{"predictions.decoder.weight": want["predictions.decoder.weight"] + 1})
    target = tmp_path / FORMATS[fmt][0]
    module(fmt).write(target, untied, head)
    got, report = schema.match(
        module(fmt).read(target), config.copy(tie_word_embeddings=False), head
    )
    assert report.ok
    np.testing.assert_array_equal(
        got["predictions.decoder.weight"], untied["predictions.decoder.weight"]
    )


def test_writer_rejects_names_of_another_head(tmp_path):
    _, _, want = reference(GOLDENS / "relu" / "masked-lm")
    with pytest.raises(CheckpointError, match="predictions"):
        keras_h5.write(tmp_path / "tf_model.h5", want, "sequence-classification")


def test_index_listing_a_missing_shard(tmp_path):
    (tmp_path / "model.safetensors.index.json").write_text(
        json.dumps({"metadata": {}, "weight_map": {"a": "model-00001-of-00002.safetensors"}})
    )
    with pytest.raises(FileNotFoundError, match="model-00001-of-00002.safetensors"):
        checkpoints.read(tmp_path)
    (tmp_path / "model.safetensors.index.json").write_text("{not json")
    with pytest.raises(CheckpointError, match="index.json"):
        checkpoints.read(tmp_path)


@pytest.mark.parametrize(("fmt", "blocked"), [("pytorch", "torch"), ("flax", "flax")])
def test_missing_framework_names_the_extra(fmt, blocked, tmp_path, monkeypatch):
    for name in list(sys.modules):
        if name == blocked or name.startswith(blocked + "."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, blocked, None)
    mod = checkpoints.format_module(fmt)
    with pytest.raises(ImportError, match=rf"albert-models\[{blocked}\]"):
        mod.read(golden_file(GOLDENS / "relu" / "model", fmt))
    with pytest.raises(ImportError, match=rf"albert-models\[{blocked}\]"):
        mod.write(tmp_path / FORMATS[fmt][0], {}, "model")


def test_bfloat16_without_ml_dtypes_is_a_clear_error(tmp_path, monkeypatch):
    ml_dtypes = pytest.importorskip("ml_dtypes", reason="writing bfloat16 needs ml_dtypes")
    target = tmp_path / "model.safetensors"
    arrays = {"pooler.bias": np.ones(4, np.float32).astype(ml_dtypes.bfloat16)}
    safetensors_format.write(target, arrays, "model")
    monkeypatch.setitem(sys.modules, "ml_dtypes", None)
    with pytest.raises(ImportError, match="ml_dtypes"):
        safetensors_format.read(target)


# ======================================================================= dtypes
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_dtypes_are_kept(fmt, dtype, tmp_path):
    needs(fmt)
    if dtype == "bfloat16":
        ml_dtypes = pytest.importorskip("ml_dtypes", reason="bfloat16 needs ml_dtypes")
        numpy_dtype = np.dtype(ml_dtypes.bfloat16)
    else:
        numpy_dtype = np.dtype(np.float16)
    config, head, want = reference(GOLDENS / "relu" / "pretraining")
    cast = {name: array.astype(numpy_dtype) for name, array in want.items()}
    cast["predictions.decoder.weight"] = cast["albert.embeddings.word_embeddings.weight"]
    cast["predictions.decoder.bias"] = cast["predictions.bias"]
    checkpoints.save_pretrained(tmp_path, config, head, cast, [fmt])
    # transformers' dtype="auto" trusts the config: it must name the weights' dtype.
    assert json.loads((tmp_path / "config.json").read_text())["dtype"] == dtype
    loaded = checkpoints.load_pretrained(tmp_path, head, fmt=fmt)
    assert loaded.report.ok
    assert_same_arrays(loaded.arrays, cast)
    if fmt == "pytorch":
        import torch

        state = torch.load(tmp_path / "pytorch_model.bin", weights_only=True)
        assert state["albert.pooler.weight"].dtype == getattr(torch, dtype)


# ================================================================ (6) hub loading
def _golden_repo(directory: Path, formats: list[str]) -> dict[str, Path]:
    files = {"config.json": directory / "config.json"}
    files.update({FORMATS[f][0]: golden_file(directory, f) for f in formats})
    return files


def test_hub_cache_fixture_is_what_huggingface_hub_expects(hub_cache):
    from huggingface_hub import scan_cache_dir

    commit = hub_cache.add("org/tiny", _golden_repo(GOLDENS / "relu" / "model", ["safetensors"]))
    info = scan_cache_dir(hub_cache.root)
    assert not info.warnings
    (repo,) = info.repos
    assert repo.repo_id == "org/tiny"
    (revision,) = repo.revisions
    assert revision.commit_hash == commit and revision.refs == {"main"}
    assert {f.file_name for f in revision.files} == {"config.json", "model.safetensors"}


def test_load_from_hub_cache_offline(hub_cache, tmp_path):
    directory = GOLDENS / "relu" / "sequence-classification"
    config, head, want = reference(directory)
    hub_cache.add("org/albert-tiny", _golden_repo(directory, ["safetensors"]))
    loaded = checkpoints.load_pretrained("org/albert-tiny", head)
    assert loaded.report.ok and loaded.format == "safetensors" and loaded.config == config
    assert loaded.directory.parent == hub_cache.repo_dir("org/albert-tiny") / "snapshots"
    assert_same_arrays(loaded.arrays, want)


def test_load_from_hub_cache_at_a_revision(hub_cache):
    old_dir, new_dir = GOLDENS / "relu" / "model", GOLDENS / "emb_eq_hidden" / "model"
    old = hub_cache.add("org/albert", _golden_repo(old_dir, ["safetensors"]), branch=None)
    new = hub_cache.add("org/albert", _golden_repo(new_dir, ["safetensors"]))
    assert old != new
    assert_same_arrays(
        checkpoints.load_pretrained("org/albert", "model").arrays, reference(new_dir)[2]
    )
    at_old = checkpoints.load_pretrained("org/albert", "model", revision=old)
    assert at_old.directory.name == old
    assert_same_arrays(at_old.arrays, reference(old_dir)[2])
    with pytest.raises(hub.ModelNotFoundError, match="revision"):
        checkpoints.load_pretrained("org/albert", "model", revision="f" * 40)


def test_cache_dir_points_every_loader_at_another_cache(hub_cache, tmp_path):
    from albert_core.tokenizers import AlbertTokenizer

    directory = GOLDENS / "relu" / "sequence-classification"
    config, head, want = reference(directory)
    elsewhere = type(hub_cache)(tmp_path / "elsewhere")  # a second cache, not the default
    files = _golden_repo(directory, ["safetensors"])
    files["spiece.model"] = FIXTURES / "tiny-fill-mask" / "spiece.model"
    elsewhere.add("org/elsewhere", files)
    with pytest.raises(hub.ModelNotFoundError):  # not in the default cache
        checkpoints.load_pretrained("org/elsewhere", head)
    loaded = checkpoints.load_pretrained("org/elsewhere", head, cache_dir=elsewhere.root)
    assert loaded.report.ok and loaded.config == config
    assert_same_arrays(loaded.arrays, want)
    assert AlbertConfig.from_pretrained("org/elsewhere", cache_dir=elsewhere.root) == config
    tokenizer = AlbertTokenizer.from_pretrained("org/elsewhere", cache_dir=str(elsewhere.root))
    assert tokenizer.convert_tokens_to_ids("[MASK]") == 4


def test_hub_cache_picks_one_format_and_fetches_shards(hub_cache, tmp_path):
    directory = GOLDENS / "groups2_inner2" / "masked-lm"
    config, head, want = reference(directory)
    saved = tmp_path / "saved"
    checkpoints.save_pretrained(saved, config, head, want, ["safetensors"], shard_size="30KB")
    files = {p.name: p for p in saved.iterdir()}
    assert "model.safetensors.index.json" in files
    files["tf_model.h5"] = golden_file(directory, "tf")
    hub_cache.add("org/sharded", files)
    loaded = checkpoints.load_pretrained("org/sharded", head)
    assert loaded.format == "safetensors" and loaded.report.ok
    assert_same_arrays(loaded.arrays, want)
    only_tf = checkpoints.load_pretrained("org/sharded", head, fmt="tf")
    assert only_tf.format == "tf"
    assert_same_arrays(only_tf.arrays, want)


def test_unknown_hub_id_is_model_not_found(hub_cache):
    with pytest.raises(hub.ModelNotFoundError, match="org/does-not-exist") as err:
        checkpoints.load_pretrained("org/does-not-exist", "model")
    assert "HF_HUB_OFFLINE" in str(err.value)
    assert isinstance(err.value, FileNotFoundError)
