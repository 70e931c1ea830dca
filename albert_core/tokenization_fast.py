"""ALBERT fast tokenizer on the Hugging Face ``tokenizers`` library.

:class:`AlbertTokenizerFast` gives exactly the ids and tokens of :class:`AlbertTokenizer` (the
sentencepiece reference) and, in addition, character offsets into the original text.

How it stays identical to the reference:

* Normalisation runs in ``tokenizers`` with a pipeline that mirrors the reference step by step:
  lowercase, collapse the characters Python's ``str.split`` treats as whitespace, ````` `` `````
  and ``''`` to ``"``, NFKD, removal of the characters Python's ``unicodedata.combining`` flags
  (not only category Mn, which ``StripAccents`` would use), lowercase, NFC (sentencepiece's
  charsmap composes Hangul jamo, ``tokenizers``' ``Precompiled`` does not), the sentencepiece
  charsmap, then a split on spaces with a ``▁`` put in front of every word.  Offsets therefore
  point at the original characters and exclude the spaces between words.
* ``tokenizers`` has older Unicode decomposition tables than Python: texts with one of the few
  characters concerned (:func:`nfkd_patches`, e.g. U+1FBF1 which Python maps to ``"1"``) use a
  copy of the pipeline that maps them first.
* ``tokenizers``' ``Precompiled`` cuts some grapheme clusters short (see
  :func:`grapheme_risk_characters`); texts that could contain one are tokenized by the reference
  computation itself (Python preprocessing + sentencepiece), with offsets from the alignments
  of both steps.
* Special tokens found in the text are handled by the shared Python code of
  :class:`~albert_core.tokenization.AlbertTokenizerBase`, exactly as for the slow tokenizer.
* The segmentation of the normalised text is always sentencepiece's (a copy of the model with
  an identity normaliser).  ``tokenizers``' Unigram adds scores in 64-bit floats while
  sentencepiece uses 32-bit floats, so segmentations made of the same pieces in another order
  (``"fff"``: ``ff|f`` versus ``f|ff``) can come out differently; when they do, offsets are
  recomputed from a per-character alignment of the normalisation.
* The digit-comma rule (``"▁9,"`` becomes ``"▁9"`` + ``","``) is applied to sentencepiece's
  pieces with the same shared function as the slow tokenizer.  In ``tokenizer.json`` the
  digit-comma pieces carry the score penalty of -100 that transformers uses, so the file on its
  own behaves like the published ALBERT ``tokenizer.json``; the penalty is undone when a
  ``tokenizer.json`` is read back.  (The file alone, e.g. in ``tokenizers.Tokenizer``, is not
  guaranteed to match the reference: the three corrections above live in this class.)
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
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

from .tokenization import (
    DEFAULT_MODEL_MAX_LENGTH,
    SPIECE_UNDERLINE,
    TOKENIZER_FILE_NAME,
    VOCAB_FILE_NAME,
    AlbertTokenizerBase,
    EncodedText,
    SpecialToken,
    _check_model_path,
    _locate,
    _resolve_hub_id,
    is_digit_comma_piece,
    load_sentencepiece,
    lower_per_character,
    split_digit_comma_pieces,
)

DIGIT_COMMA_PENALTY = 100.0
"""Score penalty of digit-comma pieces in ``tokenizer.json`` (the value transformers uses)."""

_NORMAL, _UNKNOWN, _CONTROL, _USER_DEFINED = 1, 2, 3, 4


def _model_pb2() -> Any:
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
        if piece.type == _NORMAL and is_digit_comma_piece(piece.piece):
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
    pb2 = _model_pb2()
    proto = pb2.ModelProto()
    for index, item in enumerate(vocab):
        if not (isinstance(item, list | tuple) and len(item) == 2 and isinstance(item[0], str)):
            raise ValueError(f"{source}: vocabulary entry {index} is malformed: {item!r}")
        piece, score = item[0], float(item[1])
        entry = proto.pieces.add()
        entry.piece = piece
        if index == unk_id:
            entry.type = _UNKNOWN
        elif piece in specials:
            entry.type = _CONTROL
        elif score == 0.0:
            entry.type = _USER_DEFINED
        else:
            entry.type = _NORMAL
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


def _normalizer_types(normalizer: Any) -> set[str]:
    if not isinstance(normalizer, Mapping):
        return set()
    types = {str(normalizer.get("type"))}
    for child in normalizer.get("normalizers") or []:
        types |= _normalizer_types(child)
    return types


def _identity_processor(proto: Any, source: str) -> Any:
    """A sentencepiece processor for already-normalised text (``▁`` marks the words)."""
    pb2 = _model_pb2()
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


def _check_supported(proto: Any, source: str) -> None:
    pb2 = _model_pb2()
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


# --------------------------------------------------------------------------------------------
# The fast tokenizer
# --------------------------------------------------------------------------------------------


class AlbertTokenizerFast(AlbertTokenizerBase):
    """ALBERT tokenizer on the ``tokenizers`` library, identical to :class:`AlbertTokenizer`.

    Build it from a sentencepiece model (``vocab_file``) or from an ALBERT ``tokenizer.json``
    (``tokenizer_file``); when both are given the sentencepiece model is used.  On top of the
    slow tokenizer's API it returns character offsets (``return_offsets_mapping=True``).
    """

    vocab_files_names = {"vocab_file": VOCAB_FILE_NAME, "tokenizer_file": TOKENIZER_FILE_NAME}
    supports_offsets = True

    def __init__(
        self,
        vocab_file: str | os.PathLike[str] | None = None,
        tokenizer_file: str | os.PathLike[str] | None = None,
        do_lower_case: bool = True,
        remove_space: bool = True,
        keep_accents: bool = False,
        bos_token: str | SpecialToken = "[CLS]",
        eos_token: str | SpecialToken = "[SEP]",
        unk_token: str | SpecialToken = "<unk>",
        sep_token: str | SpecialToken = "[SEP]",
        pad_token: str | SpecialToken = "<pad>",
        cls_token: str | SpecialToken = "[CLS]",
        mask_token: str | SpecialToken = "[MASK]",
        model_max_length: int | None = DEFAULT_MODEL_MAX_LENGTH,
        padding_side: str = "right",
        truncation_side: str = "right",
        clean_up_tokenization_spaces: bool = False,
    ) -> None:
        """Load the vocabulary from ``vocab_file`` or ``tokenizer_file`` and set the options."""
        special_tokens = {
            "bos_token": bos_token,
            "eos_token": eos_token,
            "unk_token": unk_token,
            "sep_token": sep_token,
            "pad_token": pad_token,
            "cls_token": cls_token,
            "mask_token": mask_token,
        }
        pb2 = _model_pb2()
        if vocab_file is not None:
            path = _check_model_path(vocab_file, "vocab_file")
            self.vocab_file: str | None = str(path)
            self.tokenizer_file: str | None = None
            model_bytes = path.read_bytes()
            load_sentencepiece(model_bytes, str(path))  # validates with a clear error
            proto = pb2.ModelProto.FromString(model_bytes)
            source = str(path)
        elif tokenizer_file is not None:
            path = _check_model_path(tokenizer_file, "tokenizer_file")
            self.vocab_file = None
            self.tokenizer_file = str(path)
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as err:
                raise ValueError(f"{path} is not a valid tokenizer.json: {err}") from err
            if not isinstance(data, Mapping):
                raise ValueError(f"{path} is not a valid tokenizer.json (not a JSON object)")
            contents = {
                SpecialToken.coerce(value, name=name).content
                for name, value in special_tokens.items()
            }
            proto = proto_from_tokenizer_json(data, contents, str(path))
            model_bytes = proto.SerializeToString()
            load_sentencepiece(model_bytes, str(path))
            source = str(path)
        else:
            raise TypeError(
                "AlbertTokenizerFast needs vocab_file (a sentencepiece .model) or "
                "tokenizer_file (a tokenizer.json); both are None"
            )
        _check_supported(proto, source)
        self._model_bytes = model_bytes
        self._proto = proto
        self._source = source
        self._setup(
            [piece.piece for piece in proto.pieces],
            control_ids=[i for i, piece in enumerate(proto.pieces) if piece.type == _CONTROL],
            unk_id=proto.trainer_spec.unk_id,
            unk_surface=proto.trainer_spec.unk_surface,
            do_lower_case=do_lower_case,
            remove_space=remove_space,
            keep_accents=keep_accents,
            special_tokens=special_tokens,
            model_max_length=model_max_length,
            padding_side=padding_side,
            truncation_side=truncation_side,
            clean_up_tokenization_spaces=clean_up_tokenization_spaces,
        )
        self._build_runtime()

    def _build_runtime(self) -> None:
        self._backend = self._make_backend()
        self._segmenter = _identity_processor(self._proto, self._source)
        # Texts with a character whose NFKD differs between Python and tokenizers go through a
        # patched copy of the pipeline (built on first use); the others take the plain one.
        patches = () if self.keep_accents else nfkd_patches()
        self._patch_chars = frozenset(char for char, _ in patches)
        self._backends: dict[bool, Tokenizer] = {False: self._backend}
        self._aligners: dict[bool, Tokenizer] = {}
        self._risk = grapheme_risk_characters(self.keep_accents)
        self._digit_comma_splits: dict[int, tuple[list[int], list[str]]] = {}
        self._reference: Any = None  # sentencepiece with its own normaliser, loaded on demand

    def _make_backend(self, patched: bool = False) -> Tokenizer:
        return build_backend(
            self._proto,
            do_lower_case=self.do_lower_case,
            remove_space=self.remove_space,
            keep_accents=self.keep_accents,
            special_tokens=self._special_tokens,
            patches=nfkd_patches() if patched else (),
        )

    def _pipeline(self, patched: bool) -> Tokenizer:
        if patched not in self._backends:
            self._backends[patched] = self._make_backend(patched=True)
        return self._backends[patched]

    @property
    def backend_tokenizer(self) -> Tokenizer:
        """The underlying ``tokenizers.Tokenizer`` (normaliser, pre-tokenizer, Unigram model)."""
        return self._backend

    def __getstate__(self) -> dict[str, Any]:
        """Pickle support: the runtime objects are rebuilt from the model bytes."""
        state = self.__dict__.copy()
        for key in ("_backend", "_backends", "_segmenter", "_aligners", "_patch_chars", "_proto",
                    "_risk", "_reference", "_digit_comma_splits"):
            state.pop(key, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore a pickled tokenizer."""
        self.__dict__.update(state)
        self._proto = _model_pb2().ModelProto.FromString(self._model_bytes)
        self._build_runtime()

    @classmethod
    def from_pretrained(
        cls, pretrained_model_name_or_path: str | os.PathLike[str], **kwargs: Any
    ) -> AlbertTokenizerFast:
        """Load from a directory with ``spiece.model`` and/or ``tokenizer.json`` (+ json configs).

        ``spiece.model`` is preferred when both exist.  Reads directories written by
        :meth:`save_pretrained` and by transformers; keyword arguments override saved options.
        A path to a ``.model`` or ``tokenizer.json`` file is accepted too.
        """
        directory, model_file = _locate(_resolve_hub_id(pretrained_model_name_or_path, kwargs))
        vocab_file = tokenizer_file = None
        if model_file is not None:
            if model_file.suffix == ".json":
                tokenizer_file = model_file
            else:
                vocab_file = model_file
        elif (directory / VOCAB_FILE_NAME).is_file():
            vocab_file = directory / VOCAB_FILE_NAME
        elif (directory / TOKENIZER_FILE_NAME).is_file():
            tokenizer_file = directory / TOKENIZER_FILE_NAME
        else:
            raise FileNotFoundError(
                f"{directory} has neither {VOCAB_FILE_NAME} nor {TOKENIZER_FILE_NAME}; an ALBERT "
                "tokenizer directory must contain one of them"
            )
        options = cls._options_from_directory(directory, kwargs)
        if vocab_file is None:
            types = _normalizer_types(_read_normalizer(Path(tokenizer_file)))
            options.setdefault("do_lower_case", "Lowercase" in types)
            options.setdefault("keep_accents", not types & {"NFKD", "StripAccents"})
        tokenizer = cls(vocab_file=vocab_file, tokenizer_file=tokenizer_file, **options)
        tokenizer.name_or_path = str(pretrained_model_name_or_path)
        return tokenizer

    # -- encoding ------------------------------------------------------------------------------

    def _encode_chunks(self, chunks: list[str], with_offsets: bool) -> list[EncodedText]:
        results: list[EncodedText | None] = [None] * len(chunks)
        groups: dict[bool, list[int]] = {False: [], True: []}
        for index, chunk in enumerate(chunks):
            if not chunk.isascii() and self._at_risk(chunk):
                results[index] = self._encode_exact(chunk, with_offsets)
                continue
            patched = not chunk.isascii() and not self._patch_chars.isdisjoint(chunk)
            groups[patched].append(index)
        for patched, indices in groups.items():
            if not indices:
                continue
            texts = [chunks[index] for index in indices]
            encoded = self._encode_with_backend(texts, patched, with_offsets)
            for index, item in zip(indices, encoded, strict=True):
                results[index] = item
        return results  # type: ignore[return-value]

    def _at_risk(self, chunk: str) -> bool:
        text = chunk if self.keep_accents else unicodedata.normalize("NFKD", chunk)
        return not self._risk.isdisjoint(text)

    def _encode_with_backend(
        self, chunks: list[str], patched: bool, with_offsets: bool
    ) -> list[EncodedText]:
        """``tokenizers`` normalises; sentencepiece's segmentation of the result is used."""
        encodings = self._pipeline(patched).encode_batch(chunks, add_special_tokens=False)
        normalized = ["".join(encoding.tokens) for encoding in encodings]
        all_ids = self._segmenter.encode(normalized)
        all_pieces = self._segmenter.encode(normalized, out_type=str)
        results = []
        for chunk, encoding, ids, pieces in zip(
            chunks, encodings, all_ids, all_pieces, strict=True
        ):
            if not self._digit_comma_ids.isdisjoint(ids):
                ids, pieces = self._split_digit_commas(ids, pieces)
            offsets = None
            if with_offsets:
                if ids == encoding.ids and pieces == encoding.tokens:
                    offsets = encoding.offsets
                else:
                    offsets = self._align(chunk, pieces, patched)
                if "``" in chunk or "''" in chunk:
                    offsets = _widen_quote_offsets(chunk, offsets)
            results.append(EncodedText(ids, pieces, offsets))
        return results

    def _encode_exact(self, chunk: str, with_offsets: bool) -> EncodedText:
        """The reference computation (Python preprocessing + sentencepiece), with offsets."""
        if self._reference is None:
            self._reference = load_sentencepiece(self._model_bytes, self._source)
        text, spans = preprocess_with_alignment(
            chunk,
            do_lower_case=self.do_lower_case,
            remove_space=self.remove_space,
            keep_accents=self.keep_accents,
        )
        pieces = self._reference.encode(text, out_type=str)
        if any(is_digit_comma_piece(piece) for piece in pieces):
            pieces = split_digit_comma_pieces(
                pieces, lambda word: self._reference.encode(word, out_type=str)
            )
        ids = [self._piece_to_id.get(piece, self._unk_id) for piece in pieces]
        if not with_offsets:
            return EncodedText(ids, pieces, None)
        normalized, starts = self._reference.normalize(text, with_offsets=True)
        if "".join(pieces) != normalized or len(starts) != len(normalized) + 1:
            raise RuntimeError(f"internal error: cannot align the pieces of {chunk!r}")
        ends = _source_ends(text, starts)
        offsets = []
        position = 0
        for piece in pieces:
            first, last = position, position + len(piece) - 1
            if piece.startswith(SPIECE_UNDERLINE) and last > first:
                first += 1  # the span of "▁word" starts at the word
            elif piece == SPIECE_UNDERLINE and last + 1 < len(normalized):
                first = last = last + 1  # a lone "▁" takes the span of what follows
            start = spans[min(starts[first], len(spans) - 1)][0]
            end = spans[max(ends[last] - 1, 0)][1]
            offsets.append((start, max(start, end)))
            position += len(piece)
        return EncodedText(ids, pieces, offsets)

    def _split_digit_commas(
        self, ids: list[int], pieces: list[str]
    ) -> tuple[list[int], list[str]]:
        """The shared digit-comma rule, memoised per vocabulary piece (it only depends on it)."""
        new_ids: list[int] = []
        new_pieces: list[str] = []
        for index, piece in zip(ids, pieces, strict=True):
            if index not in self._digit_comma_ids:
                new_ids.append(index)
                new_pieces.append(piece)
                continue
            split = self._digit_comma_splits.get(index)
            if split is None:
                parts = split_digit_comma_pieces([piece], self._encode_word)
                split = ([self._piece_to_id.get(part, self._unk_id) for part in parts], parts)
                self._digit_comma_splits[index] = split
            new_ids.extend(split[0])
            new_pieces.extend(split[1])
        return new_ids, new_pieces

    def _encode_word(self, text: str) -> list[str]:
        return self._segmenter.encode(SPIECE_UNDERLINE + text, out_type=str)

    def _align(self, chunk: str, pieces: list[str], patched: bool) -> list[tuple[int, int]]:
        """Offsets of sentencepiece's pieces from a per-character alignment of the chunk."""
        aligner = self._aligners.get(patched)
        if aligner is None:
            unk = self._pieces[self._unk_id]
            aligner = Tokenizer(
                models.BPE(vocab={unk: 0}, merges=[], unk_token=unk, fuse_unk=False)
            )
            aligner.normalizer = self._pipeline(patched).normalizer
            aligner.pre_tokenizer = self._pipeline(patched).pre_tokenizer
            self._aligners[patched] = aligner
        characters = aligner.encode(chunk, add_special_tokens=False).offsets
        if len(characters) != sum(len(piece) for piece in pieces):
            raise RuntimeError(
                f"internal error: cannot align the pieces {pieces!r} with {chunk!r}"
            )
        offsets = []
        position = 0
        for piece in pieces:
            end = position + len(piece)
            offsets.append((characters[position][0], characters[end - 1][1]))
            position = end
        return offsets

    # -- saving --------------------------------------------------------------------------------

    def _model_files(self) -> dict[str, bytes]:
        backend = self._make_backend()
        return {
            VOCAB_FILE_NAME: self._model_bytes,
            TOKENIZER_FILE_NAME: (backend.to_str(pretty=True) + "\n").encode("utf-8"),
        }


def preprocess_with_alignment(
    text: str, *, do_lower_case: bool, remove_space: bool, keep_accents: bool
) -> tuple[str, list[tuple[int, int]]]:
    """The reference preprocessing of a chunk, and the span of ``text`` behind each character.

    Gives the same string as ``lower_per_character`` (when lowercasing) followed by
    :func:`albert_core.tokenization.preprocess_text`.
    """
    chars: list[str] = []
    spans: list[tuple[int, int]] = []
    for index, char in enumerate(text):
        for out in lower_per_character(char) if do_lower_case else char:
            chars.append(out)
            spans.append((index, index + 1))
    if remove_space:
        kept_chars: list[str] = []
        kept_spans: list[tuple[int, int]] = []
        index = 0
        while index < len(chars):
            if not chars[index].isspace():
                kept_chars.append(chars[index])
                kept_spans.append(spans[index])
                index += 1
                continue
            run_end = index
            while run_end < len(chars) and chars[run_end].isspace():
                run_end += 1
            if kept_chars and run_end < len(chars):
                kept_chars.append(" ")
                kept_spans.append((spans[index][0], spans[run_end - 1][1]))
            index = run_end
        chars, spans = kept_chars, kept_spans
    for pair in ("``", "''"):
        merged_chars: list[str] = []
        merged_spans: list[tuple[int, int]] = []
        index = 0
        while index < len(chars):
            if chars[index] + (chars[index + 1] if index + 1 < len(chars) else "") == pair:
                merged_chars.append('"')
                merged_spans.append((spans[index][0], spans[index + 1][1]))
                index += 2
            else:
                merged_chars.append(chars[index])
                merged_spans.append(spans[index])
                index += 1
        chars, spans = merged_chars, merged_spans
    if not keep_accents:
        stripped = [
            (part, span)
            for char, span in zip(chars, spans, strict=True)
            for part in unicodedata.normalize("NFKD", char)
            if not unicodedata.combining(part)
        ]
        chars = [char for char, _ in stripped]
        spans = [span for _, span in stripped]
    if do_lower_case:
        lowered = "".join(chars).lower()  # whole-string rules (final sigma), as the reference
        spans = [span for char, span in zip(chars, spans, strict=True) for _ in char.lower()]
        return lowered, spans
    return "".join(chars), spans


def _source_ends(text: str, starts: list[int]) -> list[int]:
    """End (exclusive, in ``text``) of the source of each normalised character.

    ``starts`` are sentencepiece's normalisation offsets (the source start of every normalised
    character, plus the end).  A character's source runs to the next larger start, without
    the whitespace that sentencepiece removed.
    """
    ends = [0] * (len(starts) - 1)
    following = starts[-1]
    for index in range(len(starts) - 2, -1, -1):
        start = starts[index]
        if starts[index + 1] > start:
            following = starts[index + 1]
        end = following
        while end > start + 1 and text[end - 1].isspace():
            end -= 1
        ends[index] = max(end, start + 1) if start < len(text) else start
    return ends


_QUOTE_PAIR = re.compile("``|''")


def _widen_quote_offsets(chunk: str, offsets: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Make a ``"`` that replaced ````` `` ````` or ``''`` cover both original characters.

    ``tokenizers``' ``Replace`` aligns the replacement with the last replaced character only.
    """
    seconds = {match.start() + 1 for match in _QUOTE_PAIR.finditer(chunk)}
    return [(start - 1 if start in seconds else start, end) for start, end in offsets]


def _read_normalizer(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("normalizer")
    except (UnicodeDecodeError, json.JSONDecodeError, AttributeError) as err:
        raise ValueError(f"{path} is not a valid tokenizer.json: {err}") from err
