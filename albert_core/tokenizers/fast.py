"""ALBERT fast tokenizer on the Hugging Face ``tokenizers`` library.

:class:`AlbertTokenizerFast` gives exactly the ids and tokens of :class:`AlbertTokenizer` (the
sentencepiece reference) and, in addition, character offsets into the original text.

How it stays identical to the reference:

* Normalisation runs in ``tokenizers`` with a pipeline that mirrors the reference step by step:
  lowercase, collapse the characters Python's ``str.split`` treats as whitespace, ````` `` `````
  and ``''`` to ``"``, NFKD, removal of the characters Python's ``unicodedata.combining`` flags
  (not only category Mn, which ``StripAccents`` would use), lowercase, NFC (sentencepiece's
  charsmap composes Hangul jamo, ``tokenizers``' ``Precompiled`` does not), the sentencepiece
  charsmap, then a split on spaces with a ``▁`` put in front of every word.  Offsets point at
  the original characters; as in transformers, a word's ``▁`` piece starts at the whitespace
  before it (:func:`~albert_core.tokenizers.alignment.include_word_spaces`).
* ``tokenizers`` has older Unicode decomposition tables than Python: texts with one of the few
  characters concerned (:func:`~albert_core.tokenizers.fast_pipeline.nfkd_patches`, e.g.
  U+1FBF1 which Python maps to ``"1"``) use a copy of the pipeline that maps them first.
* ``tokenizers``' ``Precompiled`` cuts some grapheme clusters short (see
  :func:`~albert_core.tokenizers.fast_pipeline.grapheme_risk_characters`); texts that could
  contain one are tokenized by the reference computation itself (Python preprocessing +
  sentencepiece), with offsets from the alignments of both steps.
* Special tokens found in the text are handled by the shared Python code of
  :class:`~albert_core.tokenizers.base.AlbertTokenizerBase`, exactly as for the slow tokenizer.
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

import os
import unicodedata
from pathlib import Path
from typing import Any

from tokenizers import Tokenizer, models

from .alignment import include_word_spaces, preprocess_with_alignment, source_ends
from .base import DEFAULT_MODEL_MAX_LENGTH, AlbertTokenizerBase, EncodedText
from .fast_pipeline import (
    CONTROL_PIECE,
    USER_DEFINED_PIECE,
    build_backend,
    check_supported,
    grapheme_risk_characters,
    identity_processor,
    model_pb2,
    nfkd_patches,
    normalizer_types,
    proto_from_tokenizer_json,
)
from .files import (
    TOKENIZER_FILE_NAME,
    VOCAB_FILE_NAME,
    check_model_path,
    load_sentencepiece,
    locate,
    options_from_directory,
    read_json_object,
    resolve_hub_id,
)
from .special_tokens import SpecialToken
from .text import (
    SPIECE_UNDERLINE,
    is_digit_comma_piece,
    split_digit_comma_pieces,
)


class AlbertTokenizerFast(AlbertTokenizerBase):
    """ALBERT tokenizer on the ``tokenizers`` library, identical to :class:`AlbertTokenizer`.

    Build it from a sentencepiece model (``vocab_file``) or from an ALBERT ``tokenizer.json``
    (``tokenizer_file``); when both are given the sentencepiece model is used.  On top of the
    slow tokenizer's API it returns character offsets (``return_offsets_mapping=True``).
    """

    vocab_files_names = {"vocab_file": VOCAB_FILE_NAME, "tokenizer_file": TOKENIZER_FILE_NAME}
    supports_offsets = True
    pair_truncation = "tokenizers"

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
        pb2 = model_pb2()
        if vocab_file is not None:
            path = check_model_path(vocab_file, "vocab_file")
            self.vocab_file: str | None = str(path)
            self.tokenizer_file: str | None = None
            model_bytes = path.read_bytes()
            load_sentencepiece(model_bytes, str(path))  # validates with a clear error
            proto = pb2.ModelProto.FromString(model_bytes)
            source = str(path)
        elif tokenizer_file is not None:
            path = check_model_path(tokenizer_file, "tokenizer_file")
            self.vocab_file = None
            self.tokenizer_file = str(path)
            data = read_json_object(path, TOKENIZER_FILE_NAME)
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
        check_supported(proto, source)
        self._model_bytes = model_bytes
        self._proto = proto
        self._source = source
        self._setup(
            [piece.piece for piece in proto.pieces],
            control_ids=[i for i, piece in enumerate(proto.pieces) if piece.type == CONTROL_PIECE],
            user_defined_ids=[
                i for i, piece in enumerate(proto.pieces) if piece.type == USER_DEFINED_PIECE
            ],
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
        self._segmenter = identity_processor(self._proto, self._source)
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
        self._proto = model_pb2().ModelProto.FromString(self._model_bytes)
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
        directory, model_file = locate(resolve_hub_id(pretrained_model_name_or_path, kwargs))
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
        options = options_from_directory(directory, kwargs)
        if vocab_file is None:
            types = normalizer_types(_read_normalizer(Path(tokenizer_file)))
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
        if with_offsets:
            results = [
                item._replace(offsets=include_word_spaces(chunk, item.tokens, item.offsets))
                for chunk, item in zip(chunks, results, strict=True)
            ]
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
        ends = source_ends(text, starts)
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


def _read_normalizer(path: Path) -> Any:
    return read_json_object(path, TOKENIZER_FILE_NAME).get("normalizer")
