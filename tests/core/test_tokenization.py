"""Behaviour shared by AlbertTokenizer (sentencepiece) and AlbertTokenizerFast (tokenizers).

Every test runs against both tokenizers.  The expected values come from the published
albert-base-v2 integration test and from ``tests/fixtures/tokenizer_goldens.json``, written by
``tests/fixtures/make_tokenizer_goldens.py`` with transformers 4.57.6's slow AlbertTokenizer.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from albert_core import io_utils
from albert_core.tokenizers import (
    AlbertTokenizer,
    AlbertTokenizerBase,
    AlbertTokenizerFast,
    BatchEncoding,
    SpecialToken,
    to_tensor,
)

GOLDENS_PATH = Path(__file__).resolve().parents[1] / "fixtures" / "tokenizer_goldens.json"
GOLDENS = json.loads(GOLDENS_PATH.read_text(encoding="utf-8"))
CLASSES = {"slow": AlbertTokenizer, "fast": AlbertTokenizerFast}

QUICK_FOX = "the quick brown fox jumps over the lazy dog."
QUICK_FOX_IDS = [2, 14, 2231, 886, 2385, 17659, 84, 14, 16792, 1952, 9, 3]


@pytest.fixture(params=["slow", "fast"])
def tok(request: pytest.FixtureRequest) -> AlbertTokenizerBase:
    return request.getfixturevalue(request.param)


@pytest.fixture(params=["slow", "fast"])
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


# ----------------------------------------------------------------------- reference outputs


def test_published_integration_ids(tok):
    assert tok(QUICK_FOX)["input_ids"] == QUICK_FOX_IDS
    assert tok.encode(QUICK_FOX) == QUICK_FOX_IDS
    assert tok.tokenize(QUICK_FOX)[:3] == ["▁the", "▁quick", "▁brown"]


def test_goldens_match_the_shared_vocabulary(spiece_model_path):
    import hashlib

    assert GOLDENS["transformers_version"] == "4.57.6"
    assert hashlib.sha256(spiece_model_path.read_bytes()).hexdigest() == GOLDENS["spiece_sha256"]


@pytest.mark.parametrize("case", GOLDENS["texts"], ids=lambda case: repr(case["text"])[:40])
def test_reference_tokens_ids_and_decode(tok, case):
    assert tok.tokenize(case["text"]) == case["tokens"]
    ids = tok(case["text"])["input_ids"]
    assert ids == case["ids"]
    assert tok.decode(ids) == case["decoded"]
    assert tok.decode(ids, skip_special_tokens=True) == case["decoded_skip_special"]


@pytest.mark.parametrize("variant", sorted(GOLDENS["variants"]))
def test_reference_option_variants(kind, spiece_model_path, variant):
    spec = GOLDENS["variants"][variant]
    tokenizer = CLASSES[kind](spiece_model_path, **spec["kwargs"])
    for case in spec["texts"]:
        assert tokenizer.tokenize(case["text"]) == case["tokens"], case["text"]
        assert tokenizer(case["text"])["input_ids"] == case["ids"], case["text"]
        assert tokenizer.decode(case["ids"]) == case["decoded"], case["text"]


@pytest.mark.parametrize("index", range(len(GOLDENS["calls"])))
def test_reference_call_outputs(tok, index):
    call = GOLDENS["calls"][index]
    assert dict(tok(*call["args"], **call["kwargs"])) == call["output"]


@pytest.mark.parametrize("index", range(len(GOLDENS["left_calls"])))
def test_reference_left_side_call_outputs(kind, spiece_model_path, index):
    tokenizer = CLASSES[kind](spiece_model_path, padding_side="left", truncation_side="left")
    call = GOLDENS["left_calls"][index]
    assert dict(tokenizer(*call["args"], **call["kwargs"])) == call["output"]


# ----------------------------------------------------------------------- special tokens


def test_special_token_attributes(tok):
    assert (tok.pad_token, tok.pad_token_id) == ("<pad>", 0)
    assert (tok.unk_token, tok.unk_token_id) == ("<unk>", 1)
    assert (tok.cls_token, tok.cls_token_id) == ("[CLS]", 2)
    assert (tok.sep_token, tok.sep_token_id) == ("[SEP]", 3)
    assert (tok.mask_token, tok.mask_token_id) == ("[MASK]", 4)
    assert (tok.bos_token, tok.bos_token_id) == ("[CLS]", 2)
    assert (tok.eos_token, tok.eos_token_id) == ("[SEP]", 3)
    assert tok.all_special_tokens == ["[CLS]", "[SEP]", "<unk>", "<pad>", "[MASK]"]
    assert tok.all_special_ids == [2, 3, 1, 0, 4]
    assert tok.special_tokens_map["mask_token"] == "[MASK]"
    assert tok.model_max_length == 512
    assert tok.vocab_size == len(tok) == len(tok.get_vocab()) == 30000


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("hello [MASK] world", ["▁hello", "[MASK]", "▁world"]),
        ("hello[MASK]world", ["▁hello", "[MASK]", "▁world"]),
        ("[CLS] hi [SEP]", ["[CLS]", "▁hi", "[SEP]"]),
        ("<UNK> and <Pad>", ["<unk>", "▁and", "<pad>"]),  # lowercased before matching
        ("[mask]", ["▁[", "mask", "]"]),  # special tokens are case-sensitive
    ],
)
def test_special_tokens_inside_text(tok, text, tokens):
    assert tok.tokenize(text) == tokens


def test_special_tokens_are_case_sensitive_when_cased(kind, spiece_model_path):
    tokenizer = CLASSES[kind](spiece_model_path, do_lower_case=False)
    assert "<unk>" not in tokenizer.tokenize("<UNK>")
    assert tokenizer.tokenize("a [MASK]") == ["▁a", "[MASK]"]


def test_rstrip_special_token(kind, spiece_model_path):
    tokenizer = CLASSES[kind](
        spiece_model_path, sep_token=SpecialToken("[SEP]", rstrip=True), remove_space=False
    )
    assert tokenizer.tokenize("a [SEP]  b") == ["▁a", "[SEP]", "▁b"]


def test_special_token_must_be_in_vocabulary(kind, spiece_model_path):
    with pytest.raises(ValueError, match="not in the vocabulary"):
        CLASSES[kind](spiece_model_path, mask_token="<mask>")


# ----------------------------------------------------------------------- vocabulary helpers


def test_token_id_conversions(tok):
    assert tok.convert_tokens_to_ids("▁the") == 14
    assert tok.convert_tokens_to_ids(["▁the", "[MASK]", "not-a-piece"]) == [14, 4, 1]
    assert tok.convert_ids_to_tokens(14) == "▁the"
    assert tok.convert_ids_to_tokens(np.int64(14)) == "▁the"
    assert tok.convert_ids_to_tokens([2, 14, 3]) == ["[CLS]", "▁the", "[SEP]"]
    assert tok.convert_ids_to_tokens([2, 14, 3], skip_special_tokens=True) == ["▁the"]
    assert tok.convert_ids_to_tokens(np.array([14, 84])) == ["▁the", "▁over"]
    assert tok.get_vocab()["▁the"] == 14
    assert tok.convert_tokens_to_string(["▁the", "▁quick", "[SEP]"]) == "the quick[SEP]"
    with pytest.raises(IndexError, match="30000"):
        tok.convert_ids_to_tokens(30000)
    with pytest.raises(IndexError):
        tok.convert_ids_to_tokens([-1])
    with pytest.raises(TypeError, match=r"tokens\[1\]"):
        tok.convert_tokens_to_ids(["a", 3])


def test_model_input_helpers(tok):
    assert tok.build_inputs_with_special_tokens([7, 8]) == [2, 7, 8, 3]
    assert tok.build_inputs_with_special_tokens([7, 8], [9]) == [2, 7, 8, 3, 9, 3]
    assert tok.create_token_type_ids_from_sequences([7, 8]) == [0, 0, 0, 0]
    assert tok.create_token_type_ids_from_sequences([7, 8], [9]) == [0, 0, 0, 0, 1, 1]
    assert tok.get_special_tokens_mask([7, 8]) == [1, 0, 0, 1]
    assert tok.get_special_tokens_mask([7, 8], [9]) == [1, 0, 0, 1, 0, 1]
    assert tok.get_special_tokens_mask([2, 21, 3, 4, 0], already_has_special_tokens=True) == [
        1,
        0,
        1,
        1,
        1,
    ]
    assert tok.num_special_tokens_to_add() == 2
    assert tok.num_special_tokens_to_add(pair=True) == 3


# ----------------------------------------------------------------------- call API


def test_pairs_batches_and_tuples_agree(tok):
    single = tok("first text", "second one")
    batch = tok(["first text", "other"], ["second one", "pair"])
    tuples = tok([("first text", "second one"), ("other", "pair")])
    assert isinstance(batch, BatchEncoding)
    assert batch == tuples
    assert {key: value[0] for key, value in batch.items()} == dict(single)
    assert single.token_type_ids == [0] * 4 + [1] * 3
    assert tok([]) == {"input_ids": [], "token_type_ids": [], "attention_mask": []}


def test_return_flags(tok):
    out = tok(
        "hello world",
        return_token_type_ids=False,
        return_attention_mask=False,
        return_special_tokens_mask=True,
    )
    assert list(out) == ["input_ids", "special_tokens_mask"]
    assert out.special_tokens_mask == [1, 0, 0, 1]
    assert tok("hello world", add_special_tokens=False).input_ids == [10975, 126]
    with pytest.raises(AttributeError, match="offset_mapping"):
        _ = out.offset_mapping


def test_padding_strategies(tok):
    texts = ["a b c d e f", "x"]
    longest = tok(texts, padding=True)
    assert [len(ids) for ids in longest.input_ids] == [10, 10]
    assert longest.attention_mask[1] == [1, 1, 1] + [0] * 7
    assert longest.input_ids[1][3:] == [0] * 7
    assert tok(texts, padding="longest") == longest
    assert [len(ids) for ids in tok(texts, padding="max_length", max_length=12).input_ids] == [
        12,
        12,
    ]
    assert [len(ids) for ids in tok(texts, padding=True, pad_to_multiple_of=8).input_ids] == [
        16,
        16,
    ]
    assert [len(ids) for ids in tok(texts, padding=False).input_ids] == [10, 3]
    assert tok(texts, padding="do_not_pad") == tok(texts)
    left = tok(texts, padding=True, padding_side="left")
    assert left.input_ids[1] == [0] * 7 + [2, 993, 3]
    assert left.attention_mask[1] == [0] * 7 + [1, 1, 1]
    one = tok("x", padding="max_length", max_length=6, return_special_tokens_mask=True)
    assert one.input_ids == [2, 993, 3, 0, 0, 0]
    assert one.special_tokens_mask == [1, 0, 1, 1, 1, 1]
    assert one.token_type_ids == [0] * 6


def test_pad_method(tok):
    features = [tok("hello world"), tok("hi")]
    padded = tok.pad(features, return_tensors="np")
    assert padded["input_ids"].tolist() == [[2, 10975, 126, 3], [2, 4148, 3, 0]]
    assert padded["attention_mask"].tolist() == [[1, 1, 1, 1], [1, 1, 1, 0]]
    as_dict = tok.pad({"input_ids": [[2, 4148, 3], [2, 3]]}, padding="max_length", max_length=5)
    assert as_dict == {
        "input_ids": [[2, 4148, 3, 0, 0], [2, 3, 0, 0, 0]],
        "attention_mask": [[1, 1, 1, 0, 0], [1, 1, 0, 0, 0]],
    }
    single = tok.pad({"input_ids": [2, 3]}, padding="max_length", max_length=3,
                     return_attention_mask=False)
    assert single == {"input_ids": [2, 3, 0]}
    with pytest.raises(ValueError, match="input_ids"):
        tok.pad({"attention_mask": [1]})


def test_truncation_strategies(tok):
    long_a, long_b = "a b c d e f g h", "x y z w"
    a = tok(long_a, add_special_tokens=False).input_ids
    b = tok(long_b, add_special_tokens=False).input_ids
    assert (len(a), len(b)) == (10, 5)

    out = tok(long_a, truncation=True, max_length=6)
    assert out.input_ids == [2, *a[:4], 3]
    assert tok(long_a, truncation="longest_first", max_length=6) == out
    assert tok(long_a, max_length=6) == out  # max_length alone truncates (transformers)

    pair = tok(long_a, long_b, truncation="longest_first", max_length=12)
    assert pair.input_ids == [2, *a[:5], 3, *b[:4], 3]
    pair = tok(long_a, long_b, truncation="only_first", max_length=12)
    assert pair.input_ids == [2, *a[:4], 3, *b, 3]
    pair = tok(long_a, long_b, truncation="only_second", max_length=15)
    assert pair.input_ids == [2, *a, 3, *b[:2], 3]
    assert len(tok(long_a, long_b, truncation=False, max_length=5).input_ids) == 18
    assert len(tok(long_a, long_b, truncation="do_not_truncate", max_length=5).input_ids) == 18
    assert len(tok("a " * 600, truncation=True).input_ids) == 512  # model_max_length
    assert len(tok("a " * 600).input_ids) == 602  # no truncation unless asked

    with pytest.raises(ValueError, match="first sequence"):
        tok(long_a, long_b, truncation="only_first", max_length=8)
    with pytest.raises(ValueError, match="second sequence"):
        tok(long_a, long_b, truncation="only_second", max_length=12)


def test_truncation_keeps_offsets_aligned(fast):
    text = "one two three four five"
    out = fast(text, truncation=True, max_length=4, return_offsets_mapping=True)
    assert out.input_ids == [2, 53, 81, 3]
    assert [text[s:e] for s, e in out.offset_mapping] == ["", "one", " two", ""]


def test_numpy_tensors(tok):
    out = tok(["hello world", "hi"], padding=True, return_tensors="np")
    assert isinstance(out.input_ids, np.ndarray)
    assert out.input_ids.dtype == np.int64 and out.input_ids.shape == (2, 4)
    assert out.attention_mask.tolist() == [[1, 1, 1, 1], [1, 1, 1, 0]]
    single = tok("hello world", return_tensors="np")
    assert single.input_ids.shape == (1, 4)
    assert tok.encode("hello world", return_tensors="np").tolist() == [[2, 10975, 126, 3]]
    with pytest.raises(ValueError, match="padding=True"):
        tok(["hello world", "hi"], return_tensors="np")
    with pytest.raises(ValueError, match="return_tensors"):
        tok("hi", return_tensors="torch")


@pytest.mark.parametrize(
    ("kind_name", "module"), [("pt", "torch"), ("tf", "tensorflow"), ("jax", "jax")]
)
def test_framework_tensors(tok, kind_name, module):
    framework = pytest.importorskip(module)
    out = tok(["hello world", "hi"], padding=True, return_tensors=kind_name)
    assert np.asarray(out.input_ids).tolist() == [[2, 10975, 126, 3], [2, 4148, 3, 0]]
    if module == "torch":
        assert isinstance(out.input_ids, framework.Tensor)
        assert out.input_ids.dtype == framework.long
    if module == "tensorflow":
        assert isinstance(out.input_ids, framework.Tensor)
    assert tok.decode(out.input_ids[0]) == "[CLS] hello world[SEP]"


@pytest.mark.parametrize(
    ("kind_name", "module"), [("pt", "torch"), ("tf", "tensorflow"), ("jax", "jax.numpy")]
)
def test_missing_framework_is_a_clear_import_error(monkeypatch, kind_name, module):
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` fail
    with pytest.raises(ImportError, match=f"return_tensors='{kind_name}'.*not installed"):
        to_tensor([[1, 2]], kind_name)


# ----------------------------------------------------------------------- decoding


def test_decode(tok):
    ids = tok("Hello world, isn't it?").input_ids
    assert tok.decode(ids) == "[CLS] hello world, isn't it?[SEP]"
    assert tok.decode(ids, skip_special_tokens=True) == "hello world, isn't it?"
    assert tok.decode(np.asarray(ids)) == tok.decode(ids)
    assert tok.decode(tok("a , b .").input_ids, skip_special_tokens=True) == "a , b ."
    cleaned = tok.decode(tok("a , b .").input_ids, True, clean_up_tokenization_spaces=True)
    assert cleaned == "a, b."
    assert tok.decode(14) == "the"
    assert tok.decode([]) == ""
    batch = tok(["hello world", "hi"], padding=True, return_tensors="np").input_ids
    assert tok.batch_decode(batch, skip_special_tokens=True) == ["hello world", "hi"]
    assert tok.batch_decode(batch) == ["[CLS] hello world[SEP]", "[CLS] hi[SEP]<pad>"]
    with pytest.raises(TypeError, match="token_ids"):
        tok.decode("hello")
    with pytest.raises(TypeError, match=r"token_ids\[1\]"):
        tok.decode([1, "x"])


def test_decode_round_trip(tok):
    text = "the quick brown fox, 1,000 (or 2) - it's 3.5 \"quoted\" [MASK] text."
    ids = tok(text).input_ids
    assert tok.decode(ids, skip_special_tokens=True) == text.replace(" [MASK]", "")
    # As the reference: no space is put back after a special token.
    assert tok.convert_tokens_to_string(tok.tokenize(text)) == text.replace(" [MASK] ", "[MASK]")


# ----------------------------------------------------------------------- saving and loading


def test_save_and_load_round_trip(kind, spiece_model_path, tmp_path):
    cls = CLASSES[kind]
    original = cls(spiece_model_path, do_lower_case=False, model_max_length=128)
    paths = original.save_pretrained(tmp_path / "tok")
    names = sorted(Path(path).name for path in paths)
    expected = ["special_tokens_map.json", "spiece.model", "tokenizer_config.json"]
    if kind == "fast":
        expected = sorted([*expected, "tokenizer.json"])
    assert names == expected
    assert sorted(os.listdir(tmp_path / "tok")) == expected  # no temporary files left over
    assert (tmp_path / "tok" / "spiece.model").read_bytes() == spiece_model_path.read_bytes()
    config = json.loads((tmp_path / "tok" / "tokenizer_config.json").read_text())
    assert config["do_lower_case"] is False and config["model_max_length"] == 128
    assert config["added_tokens_decoder"]["4"]["lstrip"] is True
    special_map = json.loads((tmp_path / "tok" / "special_tokens_map.json").read_text())
    assert special_map["mask_token"]["content"] == "[MASK]" and special_map["cls_token"] == "[CLS]"

    for loader in CLASSES.values():
        loaded = loader.from_pretrained(tmp_path / "tok")
        assert loaded.do_lower_case is False and loaded.model_max_length == 128
        assert loaded.tokenize("Hello [MASK]") == original.tokenize("Hello [MASK]")
        assert loaded._special_tokens["mask_token"].lstrip is True
    overridden = cls.from_pretrained(tmp_path / "tok", do_lower_case=True)
    assert overridden.tokenize("Hello") == ["▁hello"]

    # Saving again into the same directory overwrites the tokenizer files in place.
    cls(spiece_model_path).save_pretrained(tmp_path / "tok")
    assert cls.from_pretrained(tmp_path / "tok").do_lower_case is True
    assert sorted(os.listdir(tmp_path / "tok")) == expected


def test_save_vocabulary(tok, tmp_path, spiece_model_path):
    (path,) = tok.save_vocabulary(tmp_path)
    assert Path(path) == tmp_path / "spiece.model"
    assert Path(path).read_bytes() == spiece_model_path.read_bytes()
    (path,) = tok.save_vocabulary(tmp_path, filename_prefix="x")
    assert Path(path).name == "x-spiece.model"
    with pytest.raises(NotADirectoryError):
        tok.save_vocabulary(tmp_path / "missing")


def test_load_transformers_style_directory(kind, spiece_model_path, tmp_path):
    """A directory as transformers 4.57 writes it, with keys we do not use."""
    directory = tmp_path / "hf"
    directory.mkdir()
    shutil.copy(spiece_model_path, directory / "spiece.model")
    added = {
        str(index): {
            "content": content,
            "lstrip": content == "[MASK]",
            "normalized": False,
            "rstrip": False,
            "single_word": False,
            "special": True,
        }
        for index, content in enumerate(["<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]"])
    }
    config = {
        "added_tokens_decoder": added,
        "bos_token": "[CLS]",
        "clean_up_tokenization_spaces": False,
        "cls_token": "[CLS]",
        "do_lower_case": True,
        "eos_token": "[SEP]",
        "extra_special_tokens": {},
        "keep_accents": False,
        "mask_token": "[MASK]",
        "model_max_length": 1000000000000000019884624838656,
        "pad_token": "<pad>",
        "remove_space": True,
        "sep_token": "[SEP]",
        "sp_model_kwargs": {},
        "tokenizer_class": "AlbertTokenizer",
        "unk_token": "<unk>",
        "some_future_key": {"nested": [1, 2]},
        "name_or_path": "albert/albert-base-v2",
    }
    (directory / "tokenizer_config.json").write_text(json.dumps(config))
    special_map = {
        "bos_token": "[CLS]",
        "cls_token": "[CLS]",
        "eos_token": "[SEP]",
        "mask_token": {
            "content": "[MASK]",
            "lstrip": True,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
        },
        "pad_token": "<pad>",
        "sep_token": "[SEP]",
        "unk_token": "<unk>",
    }
    (directory / "special_tokens_map.json").write_text(json.dumps(special_map))
    tokenizer = CLASSES[kind].from_pretrained(directory)
    assert tokenizer(QUICK_FOX).input_ids == QUICK_FOX_IDS
    assert tokenizer.model_max_length == 1000000000000000019884624838656
    assert tokenizer._special_tokens["mask_token"].lstrip is True
    assert len(tokenizer("a " * 600, truncation=True).input_ids) == 602  # no limit: no cut
    with pytest.raises(ValueError, match="max_length"):
        tokenizer("a", padding="max_length")
    # Only spiece.model, no json at all: defaults apply.
    bare = tmp_path / "bare"
    bare.mkdir()
    shutil.copy(spiece_model_path, bare / "spiece.model")
    assert CLASSES[kind].from_pretrained(bare)(QUICK_FOX).input_ids == QUICK_FOX_IDS
    assert CLASSES[kind].from_pretrained(bare / "spiece.model").model_max_length == 512


def test_failed_save_keeps_previous_files(kind, spiece_model_path, tmp_path, monkeypatch):
    tokenizer = CLASSES[kind](spiece_model_path)
    tokenizer.save_pretrained(tmp_path)
    before = {name: (tmp_path / name).read_bytes() for name in os.listdir(tmp_path)}
    calls = []

    def flaky_replace(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError("interrupted")
        return os.rename(src, dst)

    monkeypatch.setattr(io_utils.os, "replace", flaky_replace)
    with pytest.raises(OSError, match="interrupted"):
        CLASSES[kind](spiece_model_path, do_lower_case=False).save_pretrained(tmp_path)
    assert sorted(os.listdir(tmp_path)) == sorted(before)  # no temporary file left
    for name, data in before.items():
        if Path(calls[1]).name == name:
            assert (tmp_path / name).read_bytes() == data  # the failed file is untouched


def test_pickle_round_trip(tok):
    clone = pickle.loads(pickle.dumps(tok))
    assert clone(QUICK_FOX) == tok(QUICK_FOX)
    assert repr(clone) == repr(tok)


# ----------------------------------------------------------------------- bad input


@pytest.mark.parametrize("bad", [None, 3, b"bytes", 1.5, {"a": 1}])
def test_bad_text_types(tok, bad):
    with pytest.raises(TypeError, match="text"):
        tok(bad)
    with pytest.raises(TypeError, match="text"):
        tok.tokenize(bad)
    with pytest.raises(TypeError, match=r"text\[1\]"):
        tok(["ok", bad])
    with pytest.raises(TypeError, match="text_pair"):
        tok("ok", bad if bad is not None else 3)


def test_bytes_error_suggests_decoding(tok):
    with pytest.raises(TypeError, match="decode"):
        tok(b"hello")


def test_bad_call_arguments(tok):
    with pytest.raises(ValueError, match="same length"):
        tok(["a", "b"], ["c"])
    with pytest.raises(TypeError, match="text_pair"):
        tok(["a"], "c")
    with pytest.raises(ValueError, match="padding"):
        tok("a", padding="longer")
    with pytest.raises(ValueError, match="truncation"):
        tok("a", truncation="shortest")
    with pytest.raises(TypeError, match="max_length"):
        tok("a", max_length="5")
    with pytest.raises(ValueError, match="pad_to_multiple_of"):
        tok("a", padding=True, pad_to_multiple_of=0)
    with pytest.raises(ValueError, match="padding_side"):
        tok("a", padding=True, padding_side="middle")
    with pytest.raises(ValueError, match="stride"):
        tok("a b c d e f", truncation=True, max_length=4, stride=2)
    with pytest.raises(ValueError, match=r"text\[0\]"):
        tok([("a", "b", "c")])


def test_offsets_need_the_fast_tokenizer(slow):
    with pytest.raises(NotImplementedError, match="AlbertTokenizerFast"):
        slow("hello", return_offsets_mapping=True)


def test_bad_model_files(kind, tmp_path, spiece_model_path):
    cls = CLASSES[kind]
    missing = tmp_path / "missing.model"
    with pytest.raises(FileNotFoundError, match="missing.model"):
        cls(missing)
    corrupt = tmp_path / "corrupt.model"
    corrupt.write_bytes(b"this is not a sentencepiece model")
    with pytest.raises(ValueError, match="corrupt.model"):
        cls(corrupt)
    empty = tmp_path / "empty.model"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="empty.model"):
        cls(empty)
    truncated = tmp_path / "truncated.model"
    truncated.write_bytes(spiece_model_path.read_bytes()[:5000])
    with pytest.raises(ValueError, match="truncated.model"):
        cls(truncated)
    with pytest.raises(IsADirectoryError, match="from_pretrained"):
        cls(tmp_path)
    with pytest.raises(TypeError, match="vocab_file"):
        cls(42)
    with pytest.raises(FileNotFoundError, match="spiece.model"):
        cls.from_pretrained(tmp_path)
    with pytest.raises(FileNotFoundError, match="nowhere"):
        cls.from_pretrained(tmp_path / "nowhere")
    with pytest.raises(TypeError, match="path"):
        cls.from_pretrained(None)
    bad_config = tmp_path / "bad_config"
    bad_config.mkdir()
    shutil.copy(spiece_model_path, bad_config / "spiece.model")
    (bad_config / "tokenizer_config.json").write_text("{not json")
    with pytest.raises(ValueError, match="tokenizer_config.json"):
        cls.from_pretrained(bad_config)


def test_bad_options(kind, spiece_model_path):
    cls = CLASSES[kind]
    with pytest.raises(TypeError, match="do_lower_case"):
        cls(spiece_model_path, do_lower_case="yes")
    with pytest.raises(ValueError, match="model_max_length"):
        cls(spiece_model_path, model_max_length=0)
    with pytest.raises(ValueError, match="padding_side"):
        cls(spiece_model_path, padding_side="up")
    with pytest.raises(TypeError, match="mask_token"):
        cls(spiece_model_path, mask_token=4)
    with pytest.raises(TypeError):
        cls(spiece_model_path, no_such_option=True)
