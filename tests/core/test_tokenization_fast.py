"""AlbertTokenizerFast: identical to the sentencepiece tokenizer, plus offsets and tokenizer.json.

The property tests compare the two tokenizers on random text.  Ids must always be equal.
Token strings are equal too, except for the surface of unknown pieces in texts with characters
that the running Python's Unicode tables do not know (or mathematical capital sigmas, which
Python lowercases with a context rule): there only the text of an ``<unk>`` piece can differ,
which ``test_unicode_table_differences_cannot_change_ids`` proves harmless for the ids.
"""

from __future__ import annotations

import itertools
import json
import shutil
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tokenizers import Tokenizer, normalizers

from albert_core.tokenizers import (
    AlbertTokenizer,
    AlbertTokenizerFast,
    lower_per_character,
    preprocess_text,
)
from albert_core.tokenizers.alignment import preprocess_with_alignment
from albert_core.tokenizers.fast_pipeline import DIGIT_COMMA_PENALTY, nfkd_patches

TRICKY_ALPHABET = (
    "0123456789,,,,    ''``\"().-–£€#$%&*/:;?!@[]{}<>_"
    "éÉàÀüÜñçøßİıΣσςﬁﬀ①⑩Ⅻ½¨´\u0301\u0308\u0327"
    "\t\n\r\u3000\u00a0\u200b\u2028\x85\x1c▁"
    "abcfkxyzABCKXYZ한국어नमस्तेمرحبا中文😀🄂🯱"
)
TRICKY_WORDS = [
    "[MASK]", " [MASK] ", "[CLS]", "[SEP]", "<unk>", "<UNK>", "<pad>", "[mask]",
    "1,000", "9,", "10,", "2010,", "1,000,000", "$1,000.", "9,9", ",000,",
    "``", "''", "fff", "kkk", "cccccc", "0000", "1111", "(hello)", "e.g.", "U.S.",
    "Straße", "İstanbul", "naïve", "  ", "\t", "ꟲ", "𝚺", "🯱",
    # grapheme clusters that tokenizers' Precompiled would cut short
    "▁\u0300", "\u200b\u0488", "µ\uff9e", "\u0e33", "e\u0301\u0302", "\u1100\u1161",
    "x\u034f", "\u3000\u0301", "a\u200d", "①\u0301", "ﬁ\u0300",
]
TEXTS = st.one_of(
    st.text(max_size=30),
    st.lists(
        st.one_of(st.text(alphabet=TRICKY_ALPHABET, max_size=6), st.sampled_from(TRICKY_WORDS)),
        max_size=10,
    ).map("".join),
)
PROPERTY_SETTINGS = settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def surfaces_comparable(text: str) -> bool:
    """False when the text of an ``<unk>`` piece may legitimately differ (see module doc)."""
    return not any(
        unicodedata.category(char) == "Cn"
        or "Σ" in unicodedata.normalize("NFKD", char.lower())
        for char in text
    )


def assert_same(slow: AlbertTokenizer, fast: AlbertTokenizerFast, text: str) -> None:
    assert fast(text)["input_ids"] == slow(text)["input_ids"], text
    if surfaces_comparable(text):
        assert fast.tokenize(text) == slow.tokenize(text), text


# ----------------------------------------------------------------------- fast == slow


@PROPERTY_SETTINGS
@given(text=TEXTS)
def test_fast_equals_slow_on_random_text(slow, fast, text):
    assert_same(slow, fast, text)
    out = fast(text, return_offsets_mapping=True)
    offsets = out["offset_mapping"]
    assert len(offsets) == len(out["input_ids"])
    assert offsets[0] == offsets[-1] == (0, 0)
    for start, end in offsets[1:-1]:
        assert 0 <= start < end <= len(text)
    starts = [start for start, _ in offsets[1:-1]]
    assert starts == sorted(starts)


@pytest.mark.parametrize(
    "options",
    [{"keep_accents": True}, {"do_lower_case": False}, {"remove_space": False}],
    ids=lambda options: next(iter(options)),
)
def test_fast_equals_slow_with_other_options(spiece_model_path, options):
    slow = AlbertTokenizer(spiece_model_path, **options)
    fast = AlbertTokenizerFast(spiece_model_path, **options)

    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(text=TEXTS)
    def check(text):
        assert_same(slow, fast, text)

    check()


def test_fast_equals_slow_on_batches(slow, fast):
    texts = ["Hello, World!", "1,000 and 2,", "fff [MASK] kkk", "", "🯱🯲,5 ꟲ"]
    pairs = ["x", "y y", "z, 9,", "w", "ŋ"]
    for kwargs in ({}, {"padding": True}, {"truncation": True, "max_length": 6}):
        expected = slow(texts, pairs, **kwargs)
        if "truncation" in kwargs:  # transformers' fast and Python tokenizers split ties apart
            assert fast(texts, pairs, **kwargs) != expected
            slow.pair_truncation = "tokenizers"
            try:
                expected = slow(texts, pairs, **kwargs)
            finally:
                del slow.pair_truncation
        assert fast(texts, pairs, **kwargs) == expected


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        # Ties between equal pieces in another order: sentencepiece's float32 order wins.
        ("xfff", ["▁x", "ff", "f"]),
        ("中ccccccc", ["▁", "中", "ccc", "ccc", "c"]),
        # User-defined symbols ( ) " - . – £ € keep the word's ▁ as its own piece.
        ("(hello)", ["▁", "(", "hello", ")"]),
        ("e.g. -5 £3 €4 – x", ["▁", "e", ".", "g", ".", "▁", "-", "5", "▁", "£", "3", "▁", "€",
                              "4", "▁", "–", "▁x"]),
        # Digit-comma rule, at word starts and after other pieces.
        ("9, 10, 2010,", ["▁9", ",", "▁10", ",", "▁2010", ","]),
        ("1,000,000 x9,", ["▁1", ",000,000", "▁x", "9", ","]),
        ("9,9 1999,2", ["▁9", ",", "9", "▁1999", ",", "2"]),
        # Trailing / repeated / exotic whitespace, and a literal ▁.
        ("hello  ", ["▁hello"]),
        ("a\u3000b\u200bc\x1cd", ["▁a", "▁b", "▁c", "▁", "d"]),  # \x1c is str.isspace
        ("▁x ▁▁y", ["▁x", "▁", "y"]),
        # Characters whose NFKD is newer than tokenizers' tables.
        ("🯱🯲 ꟲ", ["▁12", "▁c"]),
        # Text that normalises to a control / unknown piece is not that piece.
        ("＜unk＞ ［CLS］", ["▁", "<", "unk", ">", "▁[", "cl", "s", "]"]),
    ],
)
def test_known_hard_cases(slow, fast, text, tokens):
    assert slow.tokenize(text) == tokens
    assert fast.tokenize(text) == tokens
    assert fast(text)["input_ids"] == slow(text)["input_ids"]


def test_unicode_table_differences_cannot_change_ids(slow):
    """Where Python and tokenizers disagree on lowercase / NFKD, only unknown pieces change.

    For every character unknown to the running Python, tokenizers' Lowercase and NFKD must not
    produce a character that appears in a vocabulary piece (or whitespace); for the characters
    Python knows, the fast pipeline patches NFKD so that both agree.
    """
    alphabet = set("".join(slow.get_vocab())) | {" ", "\t", "\n"}
    everything = [chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF]
    unknown = list(
        itertools.compress(everything, map("Cn".__eq__, map(unicodedata.category, everything)))
    )
    joined = "\n".join(unknown)
    for normalizer in (normalizers.Lowercase(), normalizers.NFKD()):
        result = normalizer.normalize_str(joined)
        if result != joined:
            for char, form in zip(unknown, result.split("\n"), strict=True):
                assert not set(form) & alphabet, (hex(ord(char)), form)
    patched = dict(nfkd_patches())
    assert patched["\U0001fbf1"] == "1"  # segmented digit one: decomposed by Python only
    for char, form in patched.items():
        assert unicodedata.normalize("NFKD", char) == form


# ----------------------------------------------------------------------- offsets


def offsets_text(fast: AlbertTokenizerFast, text: str) -> list[str]:
    out = fast(text, add_special_tokens=False, return_offsets_mapping=True)
    return [text[start:end] for start, end in out["offset_mapping"]]


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("The quick, brown fox.", ["The", " quick", ",", " brown", " fox", "."]),
        ("  lots   of\t\tspace\n", [" lots", " of", "\tspace"]),
        ("Héllo Wörld", ["Héllo", " Wörld"]),
        ("café NAÏVE", ["café", " NAÏVE"]),
        ("ﬁne ①", ["ﬁne", " ①"]),
        ("hello [MASK] world", ["hello", " [MASK]", " world"]),
        ("a[MASK]b", ["a", "[MASK]", "b"]),
        ("``hi'' there", ["`", "`", "hi", "'", " there"]),
        ("9, 10,", ["9", ",", " 10", ","]),
        ("1,000,000", ["1", ",000,000"]),
        ("xfff", ["x", "ff", "f"]),
        ("(ok)", ["(", "(", "ok", ")"]),
        ("İstanbul <UNK>", ["İstanbul", "<UNK>"]),
        ("😀😀 x", ["😀", "😀😀", " x"]),  # a lone ▁ takes the span of the next character
        ("🯱🯲,5", ["🯱🯲", ",", "5"]),
        # Texts with grapheme extenders take the exact (sentencepiece) path.
        ("नमस्ते 9, Ab", ["न", "नमस्ते", " 9", ",", " Ab"]),
        ("x\u200b\u0488y", ["x", "\u200b", "\u0488", "y"]),
        ("ÀB  ``c''\u0e33", ["ÀB", " ", "`", "c", "'", "\u0e33"]),
    ],
)
def test_offsets_point_at_the_original_characters(fast, text, spans):
    assert offsets_text(fast, text) == spans


def test_offsets_with_kept_accents(spiece_model_path):
    fast = AlbertTokenizerFast(spiece_model_path, keep_accents=True)
    text = "Cre\u0300me  bru\u0302le\u0301e"
    assert fast._at_risk(text)
    expected = ["Cr", "e\u0300", "me", " br", "u\u0302", "l", "e\u0301", "e"]
    assert offsets_text(fast, text) == expected


@settings(max_examples=200, deadline=None)
@given(text=TEXTS, lower=st.booleans(), remove_space=st.booleans(), keep_accents=st.booleans())
def test_aligned_preprocessing_matches_the_reference(text, lower, remove_space, keep_accents):
    options = {"do_lower_case": lower, "remove_space": remove_space, "keep_accents": keep_accents}
    processed, spans = preprocess_with_alignment(text, **options)
    expected = preprocess_text(lower_per_character(text) if lower else text, **options)
    assert processed == expected
    assert len(spans) == len(processed)
    for start, end in spans:
        assert 0 <= start < end <= len(text)


def test_offsets_of_pairs_and_padding(fast):
    out = fast(["hi there", "x"], ["you", "y z"], padding=True, return_offsets_mapping=True)
    assert out["offset_mapping"][0] == [(0, 0), (0, 2), (2, 8), (0, 0), (0, 3), (0, 0), (0, 0)]
    assert out["offset_mapping"][1] == [(0, 0), (0, 1), (0, 0), (0, 1), (0, 1), (1, 3), (0, 0)]
    arrays = fast(["hi there", "x"], padding=True, return_offsets_mapping=True,
                  return_tensors="np")
    assert arrays["offset_mapping"].shape == (2, 4, 2)


# ----------------------------------------------------------------------- tokenizer.json


def test_tokenizer_json_round_trip(slow, fast, tmp_path):
    fast.save_pretrained(tmp_path)
    data = json.loads((tmp_path / "tokenizer.json").read_text(encoding="utf-8"))
    assert data["model"]["type"] == "Unigram"
    assert data["model"]["vocab"][906][0] == "▁1,"
    assert data["model"]["vocab"][906][1] < -DIGIT_COMMA_PENALTY  # transformers' penalty
    assert data["post_processor"]["type"] == "TemplateProcessing"
    assert data["decoder"]["type"] == "Metaspace"

    # On its own, the file is a working tokenizers pipeline with the published ids.
    standalone = Tokenizer.from_file(str(tmp_path / "tokenizer.json"))
    encoding = standalone.encode("the quick brown fox jumps over the lazy dog.")
    assert encoding.ids == [2, 14, 2231, 886, 2385, 17659, 84, 14, 16792, 1952, 9, 3]

    # Loaded without spiece.model, the vocabulary, scores and piece types come back exactly.
    (tmp_path / "spiece.model").unlink()
    loaded = AlbertTokenizerFast.from_pretrained(tmp_path)
    assert loaded.vocab_file is None and loaded.tokenizer_file
    original = fast._proto
    assert [(p.piece, p.score, p.type) for p in loaded._proto.pieces] == [
        (p.piece, p.score, p.type) for p in original.pieces
    ]
    for text in ["9, 10, xfff (hi) [MASK]", "Héllo ``wörld''", "🯱🯲 ＜unk＞"]:
        assert loaded(text)["input_ids"] == slow(text)["input_ids"]

    # ... and it can write a working spiece.model again.
    loaded.save_pretrained(tmp_path / "again")
    again = AlbertTokenizer.from_pretrained(tmp_path / "again")
    assert again("9, 10, xfff (hi)")["input_ids"] == slow("9, 10, xfff (hi)")["input_ids"]


def test_transformers_style_tokenizer_json(slow, fast, tmp_path):
    """A tokenizer.json as transformers converts it (Metaspace, StripAccents, added symbols)."""
    data = json.loads(fast.backend_tokenizer.to_str())
    precompiled = next(
        step for step in data["normalizer"]["normalizers"] if step["type"] == "Precompiled"
    )
    data["normalizer"] = {
        "type": "Sequence",
        "normalizers": [
            {"type": "Replace", "pattern": {"String": "``"}, "content": '"'},
            {"type": "Replace", "pattern": {"String": "''"}, "content": '"'},
            {"type": "NFKD"},
            {"type": "StripAccents"},
            {"type": "Lowercase"},
            precompiled,
        ],
    }
    data["pre_tokenizer"] = {
        "type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": True
    }
    data["added_tokens"] += [
        {"id": 5, "content": "(", "single_word": False, "lstrip": False, "rstrip": False,
         "normalized": False, "special": False}
    ]
    directory = tmp_path / "hf"
    directory.mkdir()
    (directory / "tokenizer.json").write_text(json.dumps(data), encoding="utf-8")
    loaded = AlbertTokenizerFast.from_pretrained(directory)
    assert loaded.do_lower_case is True and loaded.keep_accents is False  # from the normaliser
    for text in ["(hello)  ", "Crème brûlée, 9, 10,", "fff नमस्ते"]:
        assert loaded(text)["input_ids"] == slow(text)["input_ids"]


def test_prefers_spiece_model_and_reads_config(spiece_model_path, tmp_path):
    AlbertTokenizerFast(spiece_model_path, do_lower_case=False).save_pretrained(tmp_path)
    (tmp_path / "tokenizer.json").write_text("{}")  # would fail if it were read
    loaded = AlbertTokenizerFast.from_pretrained(tmp_path)
    assert loaded.vocab_file == str(tmp_path / "spiece.model")
    assert loaded.tokenize("Hi") == ["▁", "H", "i"]
    assert AlbertTokenizerFast.from_pretrained(tmp_path / "spiece.model").vocab_file


def test_bad_tokenizer_json(tmp_path):
    path = tmp_path / "tokenizer.json"
    path.write_text("[not json")
    with pytest.raises(ValueError, match="tokenizer.json"):
        AlbertTokenizerFast(tokenizer_file=path)
    path.write_text(json.dumps({"model": {"type": "BPE", "vocab": {}, "merges": []}}))
    with pytest.raises(ValueError, match="Unigram"):
        AlbertTokenizerFast(tokenizer_file=path)
    with pytest.raises(TypeError, match="vocab_file"):
        AlbertTokenizerFast()
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match="tokenizer.json"):
        AlbertTokenizerFast.from_pretrained(empty)


# ----------------------------------------------------------------------- decoding


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_piece_decoding_matches_sentencepiece(slow, data):
    vocab = slow._pieces
    piece = st.one_of(
        st.integers(0, len(vocab) - 1).map(vocab.__getitem__),
        st.text(alphabet="▁ab😀x", min_size=1, max_size=3),
    )
    pieces = data.draw(st.lists(piece, max_size=8))
    assert slow._decode_pieces(pieces) == slow.sp_model.decode(pieces)


def test_fast_is_independent_of_a_copy_of_the_vocabulary(spiece_model_path, tmp_path):
    copy = tmp_path / "copy.model"
    shutil.copy(spiece_model_path, copy)
    fast = AlbertTokenizerFast(copy)
    copy.unlink()  # everything needed was read at construction
    assert fast("the quick")["input_ids"] == [2, 14, 2231, 3]
    fast.save_pretrained(tmp_path / "out")
    assert (tmp_path / "out" / "spiece.model").read_bytes() == spiece_model_path.read_bytes()
