"""The ``tokenizers`` pipeline of the fast tokenizer, built from a sentencepiece model.

Character classes taken from the running Python (the reference uses Python's Unicode data),
the normaliser, pre-tokenizer and Unigram model that ``tokenizer.json`` holds, and the way back
from a ``tokenizer.json`` to a sentencepiece model proto.
"""

from __future__ import annotations

import functools
import itertools
import unicodedata
from collections.abc import Mapping
from typing import Any

from tokenizers import (
    AddedToken,
    Regex,
    Tokenizer,
    decoders,
    models,
    normalizers,
    pre_tokenizers,
    processors,
)

from .files import load_sentencepiece
from .special_tokens import SpecialToken
from .text import SPIECE_UNDERLINE, is_digit_comma_piece

DIGIT_COMMA_PENALTY = 100.0
"""Score penalty of digit-comma pieces in ``tokenizer.json`` (the value transformers uses)."""

NORMAL_PIECE, UNKNOWN_PIECE, CONTROL_PIECE, USER_DEFINED_PIECE = 1, 2, 3, 4


def model_pb2() -> Any:
    """sentencepiece's protobuf module (``ModelProto``), imported on first use."""
    from sentencepiece import sentencepiece_model_pb2

    return sentencepiece_model_pb2


# --------------------------------------------------------------------------------------------
# Character classes taken from the running Python (the reference uses Python's Unicode data)
# --------------------------------------------------------------------------------------------


def _character_class(predicate: Any) -> str:
    """Oniguruma class of all code points (surrogates excluded) for which ``predicate`` holds."""
    everything = range(0x110000)
    codes = [
        code
        for code in itertools.compress(everything, map(predicate, map(chr, everything)))
        if not 0xD800 <= code <= 0xDFFF
    ]
    ranges: list[list[int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    parts = [
        f"\\x{{{low:X}}}" if low == high else f"\\x{{{low:X}}}-\\x{{{high:X}}}"
        for low, high in ranges
    ]
    return "[" + "".join(parts) + "]"


@functools.lru_cache(maxsize=1)
def python_whitespace_class() -> str:
    """Oniguruma character class of the characters ``str.isspace`` accepts."""
    return _character_class(str.isspace)


@functools.lru_cache(maxsize=1)
def python_combining_class() -> str:
    """Oniguruma character class of the characters with a non-zero ``unicodedata.combining``."""
    return _character_class(unicodedata.combining)


@functools.lru_cache(maxsize=1)
def nfkd_patches() -> tuple[tuple[str, str], ...]:
    """``(character, Python's NFKD)`` where ``tokenizers``' NFKD gives something else.

    ``tokenizers`` ships older Unicode decomposition tables than Python (for example the
    segmented digits U+1FBF0-1FBF9, which Python decomposes to ASCII digits).
    """
    everything = range(0x110000)
    chars = [
        chr(code)
        for code in itertools.compress(
            everything, map(unicodedata.decomposition, map(chr, everything))
        )
    ]
    theirs = normalizers.NFKD().normalize_str("\n".join(chars)).split("\n")
    patches = []
    for char, their_form in zip(chars, theirs, strict=True):
        ours = unicodedata.normalize("NFKD", char)
        if ours != their_form:
            patches.append((char, ours))
    return tuple(patches)


_GRAPHEME_EXTRAS = (
    "\u0e33\u0eb3"  # Thai / Lao AM: spacing marks of category Lo
    "\uff9e\uff9f"  # halfwidth katakana sound marks: grapheme extenders of category Lm
    "\U0001f3fb\U0001f3fc\U0001f3fd\U0001f3fe\U0001f3ff"  # emoji skin tones (Sk)
    "\u0d4e\U000111c2\U000111c3\U0001193f\U00011941\U00011a3a\U00011d46"  # prepended letters
    "\U00011a84\U00011a85\U00011a86\U00011a87\U00011a88\U00011a89"
)


@functools.lru_cache(maxsize=2)
def grapheme_risk_characters(keep_accents: bool) -> frozenset[str]:
    """Characters that can glue onto the previous one in a grapheme cluster.

    ``tokenizers``' ``Precompiled`` maps a grapheme cluster shorter than 6 bytes through the
    *shortest* charsmap rule matching its start and drops the rest of the cluster, whereas
    sentencepiece applies the longest rule and goes on with the remaining characters.  Texts
    containing one of these characters (after NFKD when accents are stripped) are therefore
    tokenized on the exact, sentencepiece-driven path.  Marks with a non-zero combining class
    are left out when accents are stripped (they are gone before the charsmap is applied).
    """

    def risky(char: str) -> bool:
        if unicodedata.category(char) in ("Mn", "Me", "Mc", "Cf") or char in _GRAPHEME_EXTRAS:
            return keep_accents or unicodedata.combining(char) == 0
        return False

    everything = range(0x110000)
    return frozenset(itertools.compress(map(chr, everything), map(risky, map(chr, everything))))


# --------------------------------------------------------------------------------------------
# Building the tokenizers pipeline
# --------------------------------------------------------------------------------------------


def build_normalizer(
    precompiled_charsmap: bytes,
    *,
    do_lower_case: bool,
    remove_space: bool,
    keep_accents: bool,
    patches: tuple[tuple[str, str], ...] = (),
) -> normalizers.Normalizer:
    """The ``tokenizers`` normaliser equivalent to ALBERT's preprocessing + sentencepiece's.

    ``patches`` (see :func:`nfkd_patches`) are applied just before NFKD.
    """
    steps: list[normalizers.Normalizer] = []
    if do_lower_case:
        steps.append(normalizers.Lowercase())  # the reference lowercases before everything
    if remove_space:
        steps.append(normalizers.Replace(Regex(python_whitespace_class() + "+"), " "))
    steps += [normalizers.Replace("``", '"'), normalizers.Replace("''", '"')]
    if not keep_accents:
        steps += [normalizers.Replace(char, replacement) for char, replacement in patches]
        steps += [normalizers.NFKD(), normalizers.Replace(Regex(python_combining_class()), "")]
    if do_lower_case:
        steps.append(normalizers.Lowercase())
    if precompiled_charsmap:
        steps += [normalizers.NFC(), normalizers.Precompiled(precompiled_charsmap)]
    return normalizers.Sequence(steps)


def build_pre_tokenizer() -> pre_tokenizers.PreTokenizer:
    """Split on spaces (dropping them) and put ``▁`` in front of every word."""
    return pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(" ", behavior="removed"),
            pre_tokenizers.Metaspace(
                replacement=SPIECE_UNDERLINE, prepend_scheme="always", split=False
            ),
        ]
    )


def build_backend(
    proto: Any,
    *,
    do_lower_case: bool,
    remove_space: bool,
    keep_accents: bool,
    special_tokens: Mapping[str, SpecialToken],
    patches: tuple[tuple[str, str], ...] = (),
) -> Tokenizer:
    """Build the full ``tokenizers`` pipeline (what ``tokenizer.json`` holds) from a model proto."""
    vocab = []
    for piece in proto.pieces:
        score = float(piece.score)
        if piece.type == NORMAL_PIECE and is_digit_comma_piece(piece.piece):
            score -= DIGIT_COMMA_PENALTY
        vocab.append((piece.piece, score))
    backend = Tokenizer(
        models.Unigram(
            vocab,
            unk_id=proto.trainer_spec.unk_id,
            byte_fallback=proto.trainer_spec.byte_fallback,
        )
    )
    backend.normalizer = build_normalizer(
        proto.normalizer_spec.precompiled_charsmap,
        do_lower_case=do_lower_case,
        remove_space=remove_space,
        keep_accents=keep_accents,
        patches=patches,
    )
    backend.pre_tokenizer = build_pre_tokenizer()
    backend.decoder = decoders.Metaspace(
        replacement=SPIECE_UNDERLINE, prepend_scheme="always", split=True
    )
    unique: dict[str, SpecialToken] = {}
    for token in special_tokens.values():
        unique.setdefault(token.content, token)
    backend.add_special_tokens(
        [
            AddedToken(
                token.content,
                single_word=token.single_word,
                lstrip=token.lstrip,
                rstrip=token.rstrip,
                normalized=False,
                special=True,
            )
            for token in unique.values()
        ]
    )
    cls, sep = special_tokens["cls_token"].content, special_tokens["sep_token"].content
    ids = {piece.piece: index for index, piece in enumerate(proto.pieces)}
    backend.post_processor = processors.TemplateProcessing(
        single=f"{cls}:0 $A:0 {sep}:0",
        pair=f"{cls}:0 $A:0 {sep}:0 $B:1 {sep}:1",
        special_tokens=[(cls, ids[cls]), (sep, ids[sep])],
    )
    return backend


def proto_from_tokenizer_json(
    data: Mapping[str, Any], special_contents: set[str], source: str
) -> Any:
    """Rebuild a sentencepiece model proto from the content of an ALBERT ``tokenizer.json``.

    Piece types are recovered as: the ``unk_id`` piece is UNKNOWN, special tokens are CONTROL,
    other pieces with a score of exactly 0 are USER_DEFINED, the rest NORMAL.  Digit-comma
    pieces whose score carries transformers' -100 penalty get their real score back.
    """
    model = data.get("model")
    if not isinstance(model, Mapping) or model.get("type") != "Unigram":
        raise ValueError(f"{source} does not hold a Unigram model; it is not an ALBERT tokenizer")
    vocab = model.get("vocab")
    unk_id = model.get("unk_id")
    if not isinstance(vocab, list) or not vocab or not isinstance(unk_id, int):
        raise ValueError(f"{source} has no Unigram vocabulary with an unk_id")
    specials = set(special_contents)
    for entry in data.get("added_tokens") or []:
        if isinstance(entry, Mapping) and entry.get("special") and "content" in entry:
            specials.add(entry["content"])
    pb2 = model_pb2()
    proto = pb2.ModelProto()
    for index, item in enumerate(vocab):
        if not (isinstance(item, list | tuple) and len(item) == 2 and isinstance(item[0], str)):
            raise ValueError(f"{source}: vocabulary entry {index} is malformed: {item!r}")
        piece, score = item[0], float(item[1])
        entry = proto.pieces.add()
        entry.piece = piece
        if index == unk_id:
            entry.type = UNKNOWN_PIECE
        elif piece in specials:
            entry.type = CONTROL_PIECE
        elif score == 0.0:
            entry.type = USER_DEFINED_PIECE
        else:
            entry.type = NORMAL_PIECE
            if is_digit_comma_piece(piece) and score <= -DIGIT_COMMA_PENALTY:
                score += DIGIT_COMMA_PENALTY
        entry.score = score
    spec = proto.trainer_spec
    spec.model_type = pb2.TrainerSpec.UNIGRAM
    spec.vocab_size = len(vocab)
    spec.unk_id = unk_id
    spec.unk_piece = vocab[unk_id][0]
    spec.bos_id = spec.eos_id = spec.pad_id = -1
    spec.byte_fallback = bool(model.get("byte_fallback", False))
    normalizer = proto.normalizer_spec
    normalizer.name = "nmt_nfkc"
    normalizer.precompiled_charsmap = _find_precompiled_charsmap(data.get("normalizer"))
    normalizer.add_dummy_prefix = True
    normalizer.remove_extra_whitespaces = True
    normalizer.escape_whitespaces = True
    return proto


def _find_precompiled_charsmap(normalizer: Any) -> bytes:
    import base64

    if isinstance(normalizer, Mapping):
        if normalizer.get("type") == "Precompiled":
            return base64.b64decode(normalizer.get("precompiled_charsmap") or "")
        for child in normalizer.get("normalizers") or []:
            found = _find_precompiled_charsmap(child)
            if found:
                return found
    return b""


def normalizer_types(normalizer: Any) -> set[str]:
    """The ``type`` of a ``tokenizer.json`` normaliser and of all its children."""
    if not isinstance(normalizer, Mapping):
        return set()
    types = {str(normalizer.get("type"))}
    for child in normalizer.get("normalizers") or []:
        types |= normalizer_types(child)
    return types


def identity_processor(proto: Any, source: str) -> Any:
    """A sentencepiece processor for already-normalised text (``▁`` marks the words)."""
    pb2 = model_pb2()
    identity = pb2.ModelProto()
    identity.CopyFrom(proto)
    spec = identity.normalizer_spec
    spec.name = "identity"
    spec.precompiled_charsmap = b""
    spec.normalization_rule_tsv = ""
    spec.add_dummy_prefix = False
    spec.remove_extra_whitespaces = False
    spec.escape_whitespaces = False
    identity.ClearField("denormalizer_spec")
    return load_sentencepiece(identity.SerializeToString(), source)


def check_supported(proto: Any, source: str) -> None:
    """Raise ValueError unless ``proto`` is a unigram model with ALBERT's normaliser settings."""
    pb2 = model_pb2()
    if proto.trainer_spec.model_type != pb2.TrainerSpec.UNIGRAM:
        raise ValueError(f"{source}: only unigram sentencepiece models are supported")
    spec = proto.normalizer_spec
    if spec.normalization_rule_tsv or (not spec.precompiled_charsmap and spec.name != "identity"):
        raise ValueError(
            f"{source}: the normaliser {spec.name!r} has no precompiled charsmap; only models "
            "with a precompiled charsmap (like ALBERT's nmt_nfkc) are supported"
        )
    if not (spec.add_dummy_prefix and spec.remove_extra_whitespaces and spec.escape_whitespaces):
        raise ValueError(
            f"{source}: only models with add_dummy_prefix, remove_extra_whitespaces and "
            "escape_whitespaces (ALBERT's settings) are supported"
        )
    if proto.trainer_spec.treat_whitespace_as_suffix:
        raise ValueError(f"{source}: treat_whitespace_as_suffix models are not supported")
