"""ALBERT tokenizers: the shared, framework-neutral logic and the SentencePiece tokenizer.

:class:`AlbertTokenizerBase` holds everything that does not depend on how a piece of text is cut
into sentencepiece pieces: special tokens, the ``[CLS] A [SEP] B [SEP]`` layout, token type ids,
truncation, padding, batching, tensor conversion, decoding and saving/loading of
``tokenizer_config.json`` / ``special_tokens_map.json``.  :class:`AlbertTokenizer` implements the
segmentation with the ``sentencepiece`` library, exactly like the reference ALBERT tokenizer;
:class:`albert_core.tokenization_fast.AlbertTokenizerFast` does it with the ``tokenizers`` library.

The call API (``tok(text)``, ``tok(text_a, text_b)``, ``padding=``, ``truncation=``,
``return_tensors=``, ``decode`` ...) follows the one of the Hugging Face tokenizers, so code
written for those works unchanged.  PyTorch, TensorFlow and JAX are only imported when tensors of
that framework are requested.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

import numpy as np

from .io_utils import atomic_write_bytes

SPIECE_UNDERLINE = "▁"
"""The sentencepiece word-boundary marker (U+2581)."""

VOCAB_FILE_NAME = "spiece.model"
"""File name of the sentencepiece model in a tokenizer directory."""
TOKENIZER_FILE_NAME = "tokenizer.json"
"""File name of the ``tokenizers`` pipeline (fast tokenizer) in a tokenizer directory."""
TOKENIZER_CONFIG_FILE_NAME = "tokenizer_config.json"
"""File name of the tokenizer options in a tokenizer directory."""
SPECIAL_TOKENS_MAP_FILE_NAME = "special_tokens_map.json"
"""File name of the special tokens in a tokenizer directory."""
TOKENIZER_FILES = (
    VOCAB_FILE_NAME,
    TOKENIZER_FILE_NAME,
    TOKENIZER_CONFIG_FILE_NAME,
    SPECIAL_TOKENS_MAP_FILE_NAME,
)
"""Every file a tokenizer directory may hold (what a hub download fetches)."""

DEFAULT_MODEL_MAX_LENGTH = 512
"""Maximum sequence length of the released ALBERT checkpoints."""

VERY_LARGE_INTEGER = int(1e30)
"""``model_max_length`` written by transformers when a tokenizer has no length limit."""

SPECIAL_TOKEN_NAMES: tuple[str, ...] = (
    "bos_token",
    "eos_token",
    "unk_token",
    "sep_token",
    "pad_token",
    "cls_token",
    "mask_token",
)
"""Names of the special token attributes, in the order transformers lists them."""

PADDING_STRATEGIES = ("longest", "max_length", "do_not_pad")
"""Accepted string values of ``padding`` (besides True / False)."""
TRUNCATION_STRATEGIES = ("longest_first", "only_first", "only_second", "do_not_truncate")
"""Accepted string values of ``truncation`` (besides True / False)."""
TENSOR_TYPES = ("np", "pt", "tf", "jax")
"""Accepted values of ``return_tensors`` (besides None)."""

_TENSOR_PACKAGES = {
    "pt": ("torch", "PyTorch", "torch"),
    "tf": ("tensorflow", "TensorFlow", "tf"),
    "jax": ("jax.numpy", "JAX", "flax"),
}


# --------------------------------------------------------------------------------------------
# Small public helpers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpecialToken:
    """A special token and how it matches inside raw text.

    ``lstrip`` / ``rstrip`` make the token absorb the whitespace on its left / right when it is
    found inside a text (ALBERT's ``[MASK]`` is ``lstrip=True``).  ``single_word``,
    ``normalized`` and ``special`` are kept for compatibility with files written by
    transformers and are written back unchanged.
    """

    content: str
    lstrip: bool = False
    rstrip: bool = False
    single_word: bool = False
    normalized: bool = False
    special: bool = True

    def __str__(self) -> str:
        """Return the token text."""
        return self.content

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form used in ``tokenizer_config.json``'s ``added_tokens_decoder``."""
        return asdict(self)

    @classmethod
    def coerce(cls, value: Any, *, name: str, default_lstrip: bool = False) -> SpecialToken:
        """Build a :class:`SpecialToken` from a str, a dict (JSON form) or a token-like object.

        Plain strings get ``lstrip=default_lstrip``; everything else keeps its own flags.
        """
        if isinstance(value, SpecialToken):
            return value
        if isinstance(value, str):
            if not value:
                raise ValueError(f"{name} must be a non-empty string")
            return cls(value, lstrip=default_lstrip)
        if isinstance(value, Mapping):
            if not isinstance(value.get("content"), str) or not value["content"]:
                raise ValueError(f"{name} must have a non-empty string 'content', got {value!r}")
            flags = {
                key: bool(value[key])
                for key in ("lstrip", "rstrip", "single_word", "normalized", "special")
                if key in value
            }
            return cls(value["content"], **flags)
        content = getattr(value, "content", None)
        if isinstance(content, str) and content:  # transformers / tokenizers AddedToken
            flags = {
                key: bool(getattr(value, key))
                for key in ("lstrip", "rstrip", "single_word", "normalized", "special")
                if hasattr(value, key)
            }
            return cls(content, **flags)
        raise TypeError(
            f"{name} must be a string or a SpecialToken, got {type(value).__name__}: {value!r}"
        )


class BatchEncoding(dict):
    """The output of a tokenizer call: a ``dict`` of model inputs with attribute access.

    ``enc["input_ids"]`` and ``enc.input_ids`` are the same object.  Values are Python lists,
    or tensors when ``return_tensors`` was given.
    """

    def __getattr__(self, name: str) -> Any:
        """Give attribute access to the keys (``enc.input_ids``)."""
        try:
            return self[name]
        except KeyError:
            raise AttributeError(
                f"{type(self).__name__!s} has no attribute or key {name!r}"
            ) from None

    def convert_to_tensors(
        self, tensor_type: str | None, prepend_batch_axis: bool = False
    ) -> BatchEncoding:
        """Convert the values in place to ``tensor_type`` tensors ("np", "pt", "tf" or "jax").

        All values must be rectangular (pad first).  Returns ``self``.
        """
        if tensor_type is None:
            return self
        for key, value in list(self.items()):
            self[key] = to_tensor([value] if prepend_batch_axis else value, tensor_type, key=key)
        return self


def to_tensor(value: Any, tensor_type: str, *, key: str = "value") -> Any:
    """Convert nested lists of ints to a tensor of ``tensor_type`` ("np", "pt", "tf", "jax").

    numpy is always available; torch, tensorflow and jax are imported only here, and a clear
    :class:`ImportError` names the missing package.
    """
    tensor_type = _check_tensor_type(tensor_type)
    try:
        array = np.asarray(value, dtype=np.int64)
    except ValueError as err:
        raise ValueError(
            f"Unable to create a tensor for {key!r}: the sequences have different lengths. "
            "Use padding=True (or padding='max_length') and/or truncation=True so that all "
            "sequences of the batch have the same length."
        ) from err
    if tensor_type == "np":
        return array
    module_name, pretty, extra = _TENSOR_PACKAGES[tensor_type]
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise ImportError(
            f"return_tensors={tensor_type!r} needs {pretty} (package "
            f"{module_name.split('.')[0]!r}), which is not installed. Install it, e.g. with "
            f"`pip install albert-models[{extra}]`, or use return_tensors='np'."
        ) from err
    if tensor_type == "pt":
        return module.tensor(array, dtype=module.long)
    if tensor_type == "tf":
        return module.constant(array.astype(np.int32))
    return module.asarray(array.astype(np.int32))


def _check_tensor_type(tensor_type: Any) -> str:
    value = getattr(tensor_type, "value", tensor_type)  # accept enum-like objects
    if value not in TENSOR_TYPES:
        raise ValueError(
            f"return_tensors must be None or one of {', '.join(map(repr, TENSOR_TYPES))}, "
            f"got {tensor_type!r}"
        )
    return value


def clean_up_tokenization(text: str) -> str:
    """Remove the spaces that simple English detokenization leaves before punctuation.

    Same replacements as transformers' ``clean_up_tokenization``: ``" ."``, ``" ?"``, ``" !"``,
    ``" ,"``, ``" ' "``, ``" n't"``, ``" 'm"``, ``" 's"``, ``" 've"`` and ``" 're"``.
    """
    for before, after in (
        (" .", "."),
        (" ?", "?"),
        (" !", "!"),
        (" ,", ","),
        (" ' ", "'"),
        (" n't", "n't"),
        (" 'm", "'m"),
        (" 's", "'s"),
        (" 've", "'ve"),
        (" 're", "'re"),
    ):
        text = text.replace(before, after)
    return text


def lower_per_character(text: str) -> str:
    """Lowercase ``text`` one character at a time (no final-sigma context rule).

    This is what the reference tokenizer does to the text before it looks for special tokens:
    ``"ΟΔΟΣ"`` becomes ``"οδοσ"``, not ``"οδος"`` as ``str.lower`` would give.
    """
    if text.isascii() or "Σ" not in text:
        return text.lower()
    return "".join(char.lower() for char in text)


def preprocess_text(
    text: str, *, do_lower_case: bool, remove_space: bool, keep_accents: bool
) -> str:
    """ALBERT's text normalisation before sentencepiece.

    ``remove_space``: strip and collapse whitespace runs to one space; then ````` `` ````` and
    ``''`` become ``"``; unless ``keep_accents``: NFKD and removal of combining characters;
    ``do_lower_case``: ``str.lower``.
    """
    if remove_space:
        text = " ".join(text.strip().split())
    text = text.replace("``", '"').replace("''", '"')
    if not keep_accents:
        text = unicodedata.normalize("NFKD", text)
        text = "".join(char for char in text if not unicodedata.combining(char))
    if do_lower_case:
        text = text.lower()
    return text


def is_digit_comma_piece(piece: str) -> bool:
    """True for a piece longer than one character that ends in a digit followed by ``","``."""
    return len(piece) > 1 and piece[-1] == "," and piece[-2].isdigit()


def split_digit_comma_pieces(
    pieces: list[str], encode: Callable[[str], list[str]]
) -> list[str]:
    """Apply ALBERT's digit-comma rule to sentencepiece pieces.

    A piece such as ``"▁1,"`` (longer than one character, ending in a digit then a comma) is
    replaced by the segmentation of its text without the comma, followed by ``","``, so that
    ``"9,9"`` gives ``["▁9", ",", "9"]``.  ``encode(text)`` must return the sentencepiece
    segmentation of ``text`` with the dummy ``"▁"`` prefix; that prefix is dropped again when the
    original piece did not start a word.
    """
    out: list[str] = []
    for piece in pieces:
        if not is_digit_comma_piece(piece):
            out.append(piece)
            continue
        sub = list(encode(piece[:-1].replace(SPIECE_UNDERLINE, "")))
        if piece[0] != SPIECE_UNDERLINE and sub and sub[0].startswith(SPIECE_UNDERLINE):
            if len(sub[0]) == 1:
                sub = sub[1:]
            else:
                sub[0] = sub[0][1:]
        out.extend(sub)
        out.append(piece[-1])
    return out


class EncodedText(NamedTuple):
    """One text cut into tokens, before special tokens are added."""

    ids: list[int]
    tokens: list[str]
    offsets: list[tuple[int, int]] | None


def _special_token_property(name: str) -> property:
    kind = name[: -len("_token")]

    def getter(self: AlbertTokenizerBase) -> str:
        return self._special_tokens[name].content

    def setter(self: AlbertTokenizerBase, value: str | SpecialToken) -> None:
        self._set_special_token(name, value)

    return property(getter, setter, doc=f"The {kind} special token (a string); settable.")


def _special_token_id_property(name: str) -> property:
    kind = name[: -len("_token")]

    def getter(self: AlbertTokenizerBase) -> int:
        return self._piece_to_id[self._special_tokens[name].content]

    return property(getter, doc=f"The vocabulary id of the {kind} special token.")


# --------------------------------------------------------------------------------------------
# The shared base class
# --------------------------------------------------------------------------------------------


class AlbertTokenizerBase:
    """Framework-neutral logic shared by :class:`AlbertTokenizer` and ``AlbertTokenizerFast``.

    Subclasses load a sentencepiece vocabulary, call :meth:`_setup` with it, and implement
    :meth:`_encode_chunks` (cut texts that contain no special token into pieces) plus
    :meth:`_model_files` (the vocabulary files written by :meth:`save_pretrained`).
    """

    vocab_files_names: ClassVar[dict[str, str]] = {"vocab_file": VOCAB_FILE_NAME}
    model_input_names: ClassVar[list[str]] = ["input_ids", "token_type_ids", "attention_mask"]
    supports_offsets: ClassVar[bool] = False
    config_class_name: ClassVar[str] = "AlbertTokenizer"

    bos_token = _special_token_property("bos_token")
    eos_token = _special_token_property("eos_token")
    unk_token = _special_token_property("unk_token")
    sep_token = _special_token_property("sep_token")
    pad_token = _special_token_property("pad_token")
    cls_token = _special_token_property("cls_token")
    mask_token = _special_token_property("mask_token")
    bos_token_id = _special_token_id_property("bos_token")
    eos_token_id = _special_token_id_property("eos_token")
    unk_token_id = _special_token_id_property("unk_token")
    sep_token_id = _special_token_id_property("sep_token")
    pad_token_id = _special_token_id_property("pad_token")
    cls_token_id = _special_token_id_property("cls_token")
    mask_token_id = _special_token_id_property("mask_token")

    pad_token_type_id: int = 0
    """Token type id used for padding positions."""

    # -- construction -------------------------------------------------------------------------

    def _setup(
        self,
        pieces: Sequence[str],
        *,
        control_ids: Iterable[int],
        unk_id: int,
        unk_surface: str,
        do_lower_case: bool,
        remove_space: bool,
        keep_accents: bool,
        special_tokens: Mapping[str, Any],
        model_max_length: int | None,
        padding_side: str,
        truncation_side: str,
        clean_up_tokenization_spaces: bool,
    ) -> None:
        """Initialise the shared state from the vocabulary and the options."""
        self._pieces = list(pieces)
        self._piece_to_id = {piece: index for index, piece in enumerate(self._pieces)}
        self._control_ids = frozenset(control_ids)
        self._unk_id = int(unk_id)
        self._unk_surface = unk_surface
        self._digit_comma_ids = frozenset(
            index for index, piece in enumerate(self._pieces) if is_digit_comma_piece(piece)
        )
        self.do_lower_case = _check_bool(do_lower_case, "do_lower_case")
        self.remove_space = _check_bool(remove_space, "remove_space")
        self.keep_accents = _check_bool(keep_accents, "keep_accents")
        self.clean_up_tokenization_spaces = _check_bool(
            clean_up_tokenization_spaces, "clean_up_tokenization_spaces"
        )
        if model_max_length is None:
            model_max_length = DEFAULT_MODEL_MAX_LENGTH
        if isinstance(model_max_length, bool) or not isinstance(model_max_length, int):
            raise TypeError(f"model_max_length must be an int, got {model_max_length!r}")
        if model_max_length <= 0:
            raise ValueError(f"model_max_length must be positive, got {model_max_length}")
        self.model_max_length = model_max_length
        self.padding_side = _check_side(padding_side, "padding_side")
        self.truncation_side = _check_side(truncation_side, "truncation_side")
        self._special_tokens: dict[str, SpecialToken] = {}
        for name in SPECIAL_TOKEN_NAMES:
            self._set_special_token(name, special_tokens[name], rebuild=False)
        self._rebuild_special_pattern()

    def _set_special_token(
        self, name: str, value: str | SpecialToken, *, rebuild: bool = True
    ) -> None:
        token = SpecialToken.coerce(value, name=name, default_lstrip=name == "mask_token")
        if token.content not in self._piece_to_id:
            raise ValueError(
                f"{name} {token.content!r} is not in the vocabulary; adding new tokens is not "
                "supported by ALBERT tokenizers"
            )
        self._special_tokens[name] = token
        if rebuild:
            self._rebuild_special_pattern()

    def _rebuild_special_pattern(self) -> None:
        by_content: dict[str, SpecialToken] = {}
        for name in SPECIAL_TOKEN_NAMES:
            token = self._special_tokens[name]
            by_content.setdefault(token.content, token)
        self._special_by_content = by_content
        self._special_ids = frozenset(self._piece_to_id[content] for content in by_content)
        alternatives = sorted(by_content, key=len, reverse=True)
        self._special_pattern = re.compile("|".join(re.escape(item) for item in alternatives))

    # -- special tokens ------------------------------------------------------------------------

    @property
    def special_tokens_map(self) -> dict[str, str]:
        """Map from special token attribute name (``"cls_token"`` ...) to its text."""
        return {name: token.content for name, token in self._special_tokens.items()}

    @property
    def all_special_tokens(self) -> list[str]:
        """The distinct special token strings, in transformers' order."""
        return list(self._special_by_content)

    @property
    def all_special_ids(self) -> list[int]:
        """The vocabulary ids of :attr:`all_special_tokens`."""
        return [self._piece_to_id[token] for token in self._special_by_content]

    # -- vocabulary ----------------------------------------------------------------------------

    @property
    def vocab_size(self) -> int:
        """Number of pieces in the sentencepiece vocabulary."""
        return len(self._pieces)

    def __len__(self) -> int:
        """Size of the full vocabulary (ALBERT tokenizers have no added tokens)."""
        return len(self._pieces)

    def get_vocab(self) -> dict[str, int]:
        """Return a new dict mapping every piece to its id."""
        return dict(self._piece_to_id)

    def convert_tokens_to_ids(self, tokens: str | Iterable[str]) -> int | list[int]:
        """Map a token (or a list of tokens) to id(s); unknown tokens map to the ``<unk>`` id."""
        if isinstance(tokens, str):
            return self._piece_to_id.get(tokens, self._unk_id)
        if tokens is None:
            raise TypeError("tokens must be a string or a list of strings, got None")
        out = []
        for index, token in enumerate(tokens):
            if not isinstance(token, str):
                raise TypeError(
                    f"tokens[{index}] must be a string, got {type(token).__name__}: {token!r}"
                )
            out.append(self._piece_to_id.get(token, self._unk_id))
        return out

    def convert_ids_to_tokens(
        self, ids: int | Iterable[int], skip_special_tokens: bool = False
    ) -> str | list[str]:
        """Map an id (or a list of ids) to token(s); optionally drop the special tokens."""
        if _is_int(ids):
            return self._id_to_piece(ids)
        return [
            self._id_to_piece(index)
            for index in _as_id_list(ids, "ids")
            if not (skip_special_tokens and index in self._special_ids)
        ]

    def _id_to_piece(self, index: Any) -> str:
        index = int(index)
        if not 0 <= index < len(self._pieces):
            raise IndexError(
                f"token id {index} is out of range for a vocabulary of {len(self._pieces)} pieces"
            )
        return self._pieces[index]

    # -- tokenization --------------------------------------------------------------------------

    def tokenize(self, text: str) -> list[str]:
        """Cut ``text`` into tokens (special tokens found in the text stay whole)."""
        _check_text(text, "text")
        return self._encode_texts([text], with_offsets=False)[0].tokens

    def _encode_chunks(
        self, chunks: list[str], with_offsets: bool
    ) -> list[EncodedText]:  # pragma: no cover - abstract
        """Cut texts that contain no special token into pieces (offsets relative to a chunk)."""
        raise NotImplementedError

    def _split_on_special_tokens(self, text: str) -> list[tuple[int, int, str | None]]:
        """Split ``text`` into ``(start, end, special_token_or_None)`` spans of the original text.

        Follows the reference tokenizer: when lowercasing, the text outside special tokens is
        lowercased character by character *before* special tokens are searched (so ``"<UNK>"``
        is the ``<unk>`` token), and a token with ``lstrip``/``rstrip`` swallows the whitespace
        next to it.  Empty spans are dropped.
        """
        pattern = self._special_pattern
        searched, index_map = text, None
        if self.do_lower_case:
            searched, index_map = _lower_outside(text, pattern)
        spans: list[list[Any]] = []
        previous = 0
        for match in pattern.finditer(searched):
            start, end = match.span()
            if index_map is not None:
                start, end = index_map[start], index_map[end - 1] + 1
            spans.append([previous, start, None])
            spans.append([start, end, match.group()])
            previous = end
        spans.append([previous, len(text), None])
        for position, (_, _, content) in enumerate(spans):
            if content is None:
                continue
            token = self._special_by_content[content]
            if token.rstrip and position + 1 < len(spans):
                right = spans[position + 1]
                while right[0] < right[1] and text[right[0]].isspace():
                    right[0] += 1
            if token.lstrip and position > 0:
                left = spans[position - 1]
                while left[1] > left[0] and text[left[1] - 1].isspace():
                    left[1] -= 1
        return [(start, end, content) for start, end, content in spans if end > start]

    def _encode_texts(self, texts: list[str], with_offsets: bool) -> list[EncodedText]:
        """Tokenize whole texts: split on special tokens, then encode all chunks in one go."""
        plans: list[list[tuple[int, int, int | None, str | None]]] = []
        chunks: list[str] = []
        for text in texts:
            plan = []
            for start, end, content in self._split_on_special_tokens(text):
                if content is None:
                    plan.append((start, end, len(chunks), None))
                    chunks.append(text[start:end])
                else:
                    plan.append((start, end, None, content))
            plans.append(plan)
        encoded_chunks = self._encode_chunks(chunks, with_offsets) if chunks else []
        results = []
        for plan in plans:
            ids: list[int] = []
            tokens: list[str] = []
            offsets: list[tuple[int, int]] | None = [] if with_offsets else None
            for start, end, chunk_index, content in plan:
                if chunk_index is None:
                    ids.append(self._piece_to_id[content])
                    tokens.append(content)
                    if offsets is not None:
                        offsets.append((start, end))
                    continue
                chunk = encoded_chunks[chunk_index]
                ids.extend(chunk.ids)
                tokens.extend(chunk.tokens)
                if offsets is not None:
                    offsets.extend((start + a, start + b) for a, b in chunk.offsets)
            results.append(EncodedText(ids, tokens, offsets))
        return results

    # -- model inputs --------------------------------------------------------------------------

    def num_special_tokens_to_add(self, pair: bool = False) -> int:
        """Number of special tokens :meth:`build_inputs_with_special_tokens` adds."""
        return 3 if pair else 2

    def build_inputs_with_special_tokens(
        self, token_ids_0: list[int], token_ids_1: list[int] | None = None
    ) -> list[int]:
        """Return ``[CLS] A [SEP]`` or ``[CLS] A [SEP] B [SEP]``."""
        cls, sep = [self.cls_token_id], [self.sep_token_id]
        if token_ids_1 is None:
            return cls + list(token_ids_0) + sep
        return cls + list(token_ids_0) + sep + list(token_ids_1) + sep

    def create_token_type_ids_from_sequences(
        self, token_ids_0: list[int], token_ids_1: list[int] | None = None
    ) -> list[int]:
        """Token type ids: 0 for ``[CLS] A [SEP]``, 1 for ``B [SEP]``."""
        first = [0] * (len(token_ids_0) + 2)
        if token_ids_1 is None:
            return first
        return first + [1] * (len(token_ids_1) + 1)

    def get_special_tokens_mask(
        self,
        token_ids_0: list[int],
        token_ids_1: list[int] | None = None,
        already_has_special_tokens: bool = False,
    ) -> list[int]:
        """1 for special tokens, 0 for sequence tokens.

        Without ``already_has_special_tokens`` the mask describes the output of
        :meth:`build_inputs_with_special_tokens`; with it, ``token_ids_0`` is inspected as is.
        """
        if already_has_special_tokens:
            if token_ids_1 is not None:
                raise ValueError(
                    "token_ids_1 must be None when already_has_special_tokens=True: the ids "
                    "should already be the full model input"
                )
            return [1 if index in self._special_ids else 0 for index in token_ids_0]
        if token_ids_1 is None:
            return [1] + [0] * len(token_ids_0) + [1]
        return [1] + [0] * len(token_ids_0) + [1] + [0] * len(token_ids_1) + [1]

    def __call__(
        self,
        text: str | Sequence[str] | Sequence[tuple[str, str]],
        text_pair: str | Sequence[str] | None = None,
        *,
        add_special_tokens: bool = True,
        padding: bool | str = False,
        truncation: bool | str | None = None,
        max_length: int | None = None,
        stride: int = 0,
        is_split_into_words: bool = False,
        pad_to_multiple_of: int | None = None,
        padding_side: str | None = None,
        return_tensors: str | None = None,
        return_token_type_ids: bool | None = None,
        return_attention_mask: bool | None = None,
        return_overflowing_tokens: bool = False,
        return_special_tokens_mask: bool = False,
        return_offsets_mapping: bool = False,
    ) -> BatchEncoding:
        """Tokenize a text, a pair, or a batch of texts / pairs into model inputs.

        ``text`` is a string or a list of strings (or a list of ``(a, b)`` pairs);
        ``text_pair`` the matching second sequence(s).  Returns a :class:`BatchEncoding` with
        ``input_ids``, ``token_type_ids`` and ``attention_mask`` (each can be switched off),
        plus ``special_tokens_mask`` / ``offset_mapping`` on request.  ``padding`` is one of
        False, True, "longest", "max_length", "do_not_pad"; ``truncation`` one of False, True,
        "longest_first", "only_first", "only_second", "do_not_truncate" (with ``max_length``
        set and ``padding`` off, truncation defaults to "longest_first", as in transformers).
        A single text returns flat lists, or tensors with a batch axis of 1 when
        ``return_tensors`` ("np", "pt", "tf", "jax") is given.
        """
        if stride:
            raise NotImplementedError(
                "stride (overflowing windows) is not supported by ALBERT tokenizers; "
                "split long texts yourself"
            )
        if return_overflowing_tokens:
            raise NotImplementedError("return_overflowing_tokens is not supported")
        if is_split_into_words:
            raise NotImplementedError(
                "is_split_into_words is not supported; pass the text as a string"
            )
        if return_offsets_mapping and not self.supports_offsets:
            raise NotImplementedError(
                "return_offsets_mapping is not available with the Python (sentencepiece) "
                f"tokenizer {type(self).__name__}; use AlbertTokenizerFast instead"
            )
        if return_tensors is not None:
            return_tensors = _check_tensor_type(return_tensors)
        is_batched, firsts, seconds = _normalise_inputs(text, text_pair)
        padding_strategy, truncation_strategy, max_length = self._resolve_strategies(
            padding, truncation, max_length, pad_to_multiple_of
        )
        side = self.padding_side if padding_side is None else _check_side(
            padding_side, "padding_side"
        )

        to_encode = firsts + [second for second in seconds if second is not None]
        encoded = iter(self._encode_texts(to_encode, with_offsets=return_offsets_mapping))
        encoded_firsts = [next(encoded) for _ in firsts]
        encoded_seconds = [None if second is None else next(encoded) for second in seconds]

        examples = [
            self._build_example(first, second, add_special_tokens, truncation_strategy, max_length)
            for first, second in zip(encoded_firsts, encoded_seconds, strict=True)
        ]
        keys = ["input_ids"]
        if return_token_type_ids is None or return_token_type_ids:
            keys.append("token_type_ids")
        if return_attention_mask is None or return_attention_mask:
            keys.append("attention_mask")
        if return_special_tokens_mask:
            keys.append("special_tokens_mask")
        if return_offsets_mapping:
            keys.append("offset_mapping")
        batch = self._pad_examples(
            examples, padding_strategy, max_length, pad_to_multiple_of, side, keys
        )
        if not is_batched:
            batch = {key: value[0] for key, value in batch.items()}
        result = BatchEncoding(batch)
        if return_tensors is not None:
            result.convert_to_tensors(return_tensors, prepend_batch_axis=not is_batched)
        return result

    def encode_plus(self, text: Any, text_pair: Any = None, **kwargs: Any) -> BatchEncoding:
        """Alias of :meth:`__call__` for a single example (transformers compatibility)."""
        return self(text, text_pair, **kwargs)

    def batch_encode_plus(
        self, batch_text_or_text_pairs: Sequence[Any], **kwargs: Any
    ) -> BatchEncoding:
        """Alias of :meth:`__call__` for a batch (strings or ``(a, b)`` pairs)."""
        if isinstance(batch_text_or_text_pairs, str):
            raise TypeError("batch_encode_plus expects a list of texts, got a single string")
        return self(batch_text_or_text_pairs, **kwargs)

    def encode(
        self,
        text: str,
        text_pair: str | None = None,
        *,
        add_special_tokens: bool = True,
        padding: bool | str = False,
        truncation: bool | str | None = None,
        max_length: int | None = None,
        pad_to_multiple_of: int | None = None,
        return_tensors: str | None = None,
    ) -> list[int] | Any:
        """Return the ``input_ids`` of one text or pair (a ``(1, n)`` tensor if return_tensors)."""
        _check_text(text, "text")
        if text_pair is not None:
            _check_text(text_pair, "text_pair")
        return self(
            text,
            text_pair,
            add_special_tokens=add_special_tokens,
            padding=padding,
            truncation=truncation,
            max_length=max_length,
            pad_to_multiple_of=pad_to_multiple_of,
            return_tensors=return_tensors,
            return_token_type_ids=False,
            return_attention_mask=False,
        )["input_ids"]

    def _resolve_strategies(
        self,
        padding: Any,
        truncation: Any,
        max_length: Any,
        pad_to_multiple_of: Any,
    ) -> tuple[str, str, int | None]:
        if max_length is not None and (isinstance(max_length, bool) or not _is_int(max_length)):
            raise TypeError(f"max_length must be an int or None, got {max_length!r}")
        if max_length is not None and max_length < 0:
            raise ValueError(f"max_length must be >= 0, got {max_length}")
        if pad_to_multiple_of is not None and (
            isinstance(pad_to_multiple_of, bool)
            or not _is_int(pad_to_multiple_of)
            or pad_to_multiple_of <= 0
        ):
            raise ValueError(
                f"pad_to_multiple_of must be a positive int, got {pad_to_multiple_of!r}"
            )

        padding = getattr(padding, "value", padding)
        if padding is True:
            padding_strategy = "longest"
        elif padding is False or padding is None:
            padding_strategy = "do_not_pad"
        elif padding in PADDING_STRATEGIES:
            padding_strategy = padding
        else:
            raise ValueError(
                "padding must be a bool or one of "
                f"{', '.join(map(repr, PADDING_STRATEGIES))}, got {padding!r}"
            )

        truncation = getattr(truncation, "value", truncation)
        if truncation is None:
            # transformers: max_length alone (without padding) switches truncation on.
            use_default = max_length is not None and padding_strategy == "do_not_pad"
            truncation_strategy = "longest_first" if use_default else "do_not_truncate"
        elif truncation is True:
            truncation_strategy = "longest_first"
        elif truncation is False:
            truncation_strategy = "do_not_truncate"
        elif truncation in TRUNCATION_STRATEGIES:
            truncation_strategy = truncation
        else:
            raise ValueError(
                "truncation must be a bool or one of "
                f"{', '.join(map(repr, TRUNCATION_STRATEGIES))}, got {truncation!r}"
            )

        needs_length = padding_strategy == "max_length" or truncation_strategy != "do_not_truncate"
        if max_length is None and needs_length:
            if self.model_max_length >= VERY_LARGE_INTEGER:
                if padding_strategy == "max_length":
                    raise ValueError(
                        "padding='max_length' needs max_length: this tokenizer has no "
                        "model_max_length"
                    )
                truncation_strategy = "do_not_truncate"
            else:
                max_length = self.model_max_length
        return padding_strategy, truncation_strategy, max_length

    def _build_example(
        self,
        first: EncodedText,
        second: EncodedText | None,
        add_special_tokens: bool,
        truncation_strategy: str,
        max_length: int | None,
    ) -> dict[str, list[Any]]:
        ids_a, ids_b = list(first.ids), None if second is None else list(second.ids)
        offsets_a = None if first.offsets is None else list(first.offsets)
        offsets_b = None if second is None or second.offsets is None else list(second.offsets)
        if truncation_strategy != "do_not_truncate" and max_length is not None:
            total = len(ids_a) + (len(ids_b) if ids_b is not None else 0)
            if add_special_tokens:
                total += self.num_special_tokens_to_add(pair=ids_b is not None)
            excess = total - max_length
            if excess > 0:
                cut_a, cut_b = self._truncation_amounts(
                    len(ids_a), None if ids_b is None else len(ids_b), excess, truncation_strategy
                )
                ids_a, offsets_a = self._cut(ids_a, cut_a), self._cut(offsets_a, cut_a)
                if ids_b is not None:
                    ids_b, offsets_b = self._cut(ids_b, cut_b), self._cut(offsets_b, cut_b)

        with_offsets = offsets_a is not None
        if add_special_tokens:
            input_ids = self.build_inputs_with_special_tokens(ids_a, ids_b)
            token_type_ids = self.create_token_type_ids_from_sequences(ids_a, ids_b)
            special_mask = self.get_special_tokens_mask(ids_a, ids_b)
            if with_offsets:
                offsets = [(0, 0)] + offsets_a + [(0, 0)]
                if ids_b is not None:
                    offsets += offsets_b + [(0, 0)]
        else:
            input_ids = ids_a + (ids_b or [])
            token_type_ids = [0] * len(input_ids)  # as transformers: no segment B without specials
            special_mask = [0] * len(input_ids)
            if with_offsets:
                offsets = offsets_a + (offsets_b or [])
        example: dict[str, list[Any]] = {
            "input_ids": input_ids,
            "token_type_ids": token_type_ids,
            "attention_mask": [1] * len(input_ids),
            "special_tokens_mask": special_mask,
        }
        if with_offsets:
            example["offset_mapping"] = offsets
        return example

    def _truncation_amounts(
        self, len_a: int, len_b: int | None, excess: int, strategy: str
    ) -> tuple[int, int]:
        """How many tokens to remove from each sequence (transformers' rules)."""
        if strategy == "only_second" and len_b is None:
            return 0, 0  # nothing to cut, as in transformers
        if strategy == "only_first" or (strategy == "longest_first" and len_b is None):
            if len_a <= excess:
                raise ValueError(
                    f"Cannot truncate: {excess} tokens must be removed but the first sequence "
                    f"has only {len_a}. Use a larger max_length or another truncation strategy "
                    "(for instance 'longest_first' or 'only_second')."
                )
            return excess, 0
        if strategy == "only_second":
            assert len_b is not None
            if len_b <= excess:
                raise ValueError(
                    f"Cannot truncate: {excess} tokens must be removed but the second sequence "
                    f"has only {len_b}. Use a larger max_length or another truncation strategy "
                    "(for instance 'longest_first' or 'only_first')."
                )
            return 0, excess
        assert len_b is not None  # longest_first on a pair
        first_remove = min(abs(len_b - len_a), excess)
        second_remove = excess - first_remove
        if len_a > len_b:
            cut_a = first_remove + second_remove // 2
            cut_b = second_remove - second_remove // 2
        else:
            cut_a = second_remove // 2
            cut_b = first_remove + second_remove - second_remove // 2
        if cut_a > len_a or cut_b > len_b:
            raise ValueError(
                f"Cannot truncate the pair to max_length: {excess} tokens must be removed but "
                f"the sequences have only {len_a} and {len_b}"
            )
        return cut_a, cut_b

    def _cut(self, values: list[Any] | None, amount: int) -> list[Any] | None:
        if values is None or amount <= 0:
            return values
        if self.truncation_side == "left":
            return values[amount:]
        return values[: len(values) - amount]

    def pad(
        self,
        encoded_inputs: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        padding: bool | str = True,
        max_length: int | None = None,
        pad_to_multiple_of: int | None = None,
        padding_side: str | None = None,
        return_attention_mask: bool | None = None,
        return_tensors: str | None = None,
    ) -> BatchEncoding:
        """Pad already-encoded inputs (a dict of lists, or a list of such dicts) to one length.

        ``input_ids`` is padded with the pad id, ``token_type_ids`` with 0, ``attention_mask``
        with 0 (created when missing unless ``return_attention_mask=False``),
        ``special_tokens_mask`` with 1 and ``offset_mapping`` with ``(0, 0)``.
        """
        if isinstance(encoded_inputs, Mapping):
            data = {key: _to_list(value) for key, value in encoded_inputs.items()}
        else:
            items = list(encoded_inputs)
            if not items:
                raise ValueError("pad() needs at least one example")
            data = {key: [_to_list(item[key]) for item in items] for key in items[0]}
        if "input_ids" not in data:
            raise ValueError("pad() needs 'input_ids' in the encoded inputs")
        is_batched = bool(data["input_ids"]) and isinstance(data["input_ids"][0], list)
        if not is_batched:
            data = {key: [value] for key, value in data.items()}
        padding_strategy, _, max_length = self._resolve_strategies(
            padding, False, max_length, pad_to_multiple_of
        )
        side = self.padding_side if padding_side is None else _check_side(
            padding_side, "padding_side"
        )
        examples = [
            {key: list(values[index]) for key, values in data.items()}
            for index in range(len(data["input_ids"]))
        ]
        for example in examples:
            example.setdefault("attention_mask", [1] * len(example["input_ids"]))
        keys = list(data)
        if return_attention_mask is None or return_attention_mask:
            if "attention_mask" not in keys:
                keys.append("attention_mask")
        elif "attention_mask" in keys:
            keys.remove("attention_mask")
        batch = self._pad_examples(
            examples, padding_strategy, max_length, pad_to_multiple_of, side, keys
        )
        if not is_batched:
            batch = {key: value[0] for key, value in batch.items()}
        result = BatchEncoding(batch)
        if return_tensors is not None:
            result.convert_to_tensors(return_tensors, prepend_batch_axis=not is_batched)
        return result

    def _pad_examples(
        self,
        examples: list[dict[str, list[Any]]],
        padding_strategy: str,
        max_length: int | None,
        pad_to_multiple_of: int | None,
        side: str,
        keys: list[str],
    ) -> dict[str, list[list[Any]]]:
        target = None
        if padding_strategy == "longest" and examples:
            target = max(len(example["input_ids"]) for example in examples)
        elif padding_strategy == "max_length":
            target = max_length
        if target is not None and pad_to_multiple_of:
            target = -(-target // pad_to_multiple_of) * pad_to_multiple_of
        pad_values = {
            "input_ids": self.pad_token_id,
            "token_type_ids": self.pad_token_type_id,
            "attention_mask": 0,
            "special_tokens_mask": 1,
            "offset_mapping": (0, 0),
        }
        batch: dict[str, list[list[Any]]] = {key: [] for key in keys}
        for example in examples:
            missing = 0 if target is None else max(0, target - len(example["input_ids"]))
            for key in keys:
                values = example[key]
                if missing:
                    if key not in pad_values:
                        raise ValueError(f"do not know how to pad {key!r}")
                    filler = [pad_values[key]] * missing
                    values = values + filler if side == "right" else filler + values
                batch[key].append(values)
        return batch

    # -- decoding ------------------------------------------------------------------------------

    def convert_tokens_to_string(self, tokens: Iterable[str]) -> str:
        """Join tokens into text: ``▁`` becomes a space and special tokens are kept verbatim.

        Special tokens are preceded by a space unless they follow another special token, and
        the result is stripped, as in the reference tokenizer.
        """
        out: list[str] = []
        pending: list[str] = []
        previous_special = False
        for token in tokens:
            if token in self._special_by_content:
                if not previous_special:
                    out.append(" ")
                out.append(self._decode_pieces(pending))
                out.append(token)
                pending = []
                previous_special = True
            else:
                pending.append(token)
                previous_special = False
        out.append(self._decode_pieces(pending))
        return "".join(out).strip()

    def _decode_pieces(self, pieces: list[str]) -> str:
        """Decode pieces like ``SentencePieceProcessor.decode`` does for a list of pieces."""
        out: list[str] = []
        at_start = True
        for piece in pieces:
            index = self._piece_to_id.get(piece)
            if index is None:
                text = piece  # not a vocabulary piece: sentencepiece keeps the surface as is
            elif index in self._control_ids:
                text = ""
            elif index == self._unk_id:
                text = self._unk_surface
            else:
                if at_start and piece.startswith(SPIECE_UNDERLINE):
                    piece = piece[1:]
                text = piece.replace(SPIECE_UNDERLINE, " ")
            if text:
                at_start = False
            out.append(text)
        return "".join(out)

    def decode(
        self,
        token_ids: int | Iterable[int] | Any,
        skip_special_tokens: bool = False,
        clean_up_tokenization_spaces: bool | None = None,
    ) -> str:
        """Turn ids (a list, a numpy array or a framework tensor) back into text."""
        token_ids = _to_list(token_ids)
        ids = [token_ids] if _is_int(token_ids) else _as_id_list(token_ids, "token_ids")
        tokens = self.convert_ids_to_tokens(ids, skip_special_tokens=skip_special_tokens)
        text = self.convert_tokens_to_string(tokens)
        if clean_up_tokenization_spaces is None:
            clean_up_tokenization_spaces = self.clean_up_tokenization_spaces
        return clean_up_tokenization(text) if clean_up_tokenization_spaces else text

    def batch_decode(
        self,
        sequences: Iterable[Iterable[int]] | Any,
        skip_special_tokens: bool = False,
        clean_up_tokenization_spaces: bool | None = None,
    ) -> list[str]:
        """:meth:`decode` every sequence of a batch (list of lists or a 2-D array/tensor)."""
        sequences = _to_list(sequences)
        if sequences is None or isinstance(sequences, str | bytes):
            raise TypeError(f"sequences must be a batch of id sequences, got {sequences!r}")
        return [
            self.decode(sequence, skip_special_tokens, clean_up_tokenization_spaces)
            for sequence in sequences
        ]

    # -- saving and loading --------------------------------------------------------------------

    def _model_files(self) -> dict[str, bytes]:  # pragma: no cover - abstract
        """The vocabulary files to save, by file name."""
        raise NotImplementedError

    def _config_dict(self) -> dict[str, Any]:
        added = {}
        for content, token in self._special_by_content.items():
            entry = token.to_dict()
            entry.pop("content")
            added[str(self._piece_to_id[content])] = {"content": content, **entry}
        config: dict[str, Any] = {
            "added_tokens_decoder": dict(sorted(added.items(), key=lambda kv: int(kv[0]))),
            "clean_up_tokenization_spaces": self.clean_up_tokenization_spaces,
            "do_lower_case": self.do_lower_case,
            "extra_special_tokens": {},
            "keep_accents": self.keep_accents,
            "model_max_length": self.model_max_length,
            "padding_side": self.padding_side,
            "remove_space": self.remove_space,
            "sp_model_kwargs": {},
            "tokenizer_class": self.config_class_name,
            "truncation_side": self.truncation_side,
        }
        for name in SPECIAL_TOKEN_NAMES:
            config[name] = self._special_tokens[name].content
        return dict(sorted(config.items()))

    def _special_tokens_map_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in SPECIAL_TOKEN_NAMES:
            token = self._special_tokens[name]
            if token == SpecialToken(token.content):
                out[name] = token.content
            else:
                entry = token.to_dict()
                entry.pop("special")
                out[name] = entry
        return out

    def save_vocabulary(
        self, save_directory: str | os.PathLike[str], filename_prefix: str | None = None
    ) -> tuple[str, ...]:
        """Write the sentencepiece model (``spiece.model``) into an existing directory."""
        directory = Path(save_directory)
        if not directory.is_dir():
            raise NotADirectoryError(f"save_vocabulary needs an existing directory: {directory}")
        prefix = f"{filename_prefix}-" if filename_prefix else ""
        path = directory / f"{prefix}{VOCAB_FILE_NAME}"
        atomic_write_bytes(path, self._model_files()[VOCAB_FILE_NAME], overwrite=True)
        return (str(path),)

    def save_pretrained(self, save_directory: str | os.PathLike[str]) -> tuple[str, ...]:
        """Save the tokenizer into ``save_directory`` (created if needed); return the paths.

        Writes ``spiece.model`` (and ``tokenizer.json`` for the fast tokenizer),
        ``tokenizer_config.json`` and ``special_tokens_map.json``, each atomically (see
        :mod:`albert_core.io_utils`), overwriting earlier tokenizer files there.  Everything is
        generated before the first file is written.
        """
        directory = Path(save_directory)
        if directory.exists() and not directory.is_dir():
            raise NotADirectoryError(f"save_pretrained needs a directory, {directory} is a file")
        files = dict(self._model_files())
        files[TOKENIZER_CONFIG_FILE_NAME] = _json_bytes(self._config_dict())
        files[SPECIAL_TOKENS_MAP_FILE_NAME] = _json_bytes(self._special_tokens_map_dict())
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for name, payload in files.items():
            atomic_write_bytes(directory / name, payload, overwrite=True)
            written.append(str(directory / name))
        return tuple(written)

    @classmethod
    def _options_from_directory(
        cls, directory: Path, overrides: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Read ``tokenizer_config.json`` and ``special_tokens_map.json`` into constructor options.

        Unknown keys are ignored; explicit ``overrides`` win over the files.
        """
        config = _read_json_object(directory / TOKENIZER_CONFIG_FILE_NAME)
        options: dict[str, Any] = {}
        for key in ("do_lower_case", "remove_space", "keep_accents",
                    "clean_up_tokenization_spaces"):
            if key in config:
                options[key] = bool(config[key])
        for key in ("padding_side", "truncation_side"):
            if isinstance(config.get(key), str):
                options[key] = config[key]
        if _is_int(config.get("model_max_length")):
            options["model_max_length"] = int(config["model_max_length"])
        flags: dict[str, SpecialToken] = {}
        decoder = config.get("added_tokens_decoder")
        if isinstance(decoder, Mapping):
            for entry in decoder.values():
                if isinstance(entry, Mapping) and isinstance(entry.get("content"), str):
                    token = SpecialToken.coerce(entry, name="added_tokens_decoder entry")
                    flags[token.content] = token
        special_map = _read_json_object(directory / SPECIAL_TOKENS_MAP_FILE_NAME)
        for name in SPECIAL_TOKEN_NAMES:
            value = special_map.get(name, config.get(name))
            if value is None:
                continue
            token = SpecialToken.coerce(value, name=name, default_lstrip=name == "mask_token")
            if isinstance(value, str) and token.content in flags:
                token = flags[token.content]
            options[name] = token
        options.update(overrides)
        return options

    # -- misc ----------------------------------------------------------------------------------

    def __repr__(self) -> str:
        """Short description with the vocabulary size and the normalisation options."""
        return (
            f"{type(self).__name__}(vocab_size={self.vocab_size}, "
            f"do_lower_case={self.do_lower_case}, remove_space={self.remove_space}, "
            f"keep_accents={self.keep_accents}, model_max_length={self.model_max_length}, "
            f"special_tokens={self.special_tokens_map})"
        )


# --------------------------------------------------------------------------------------------
# The sentencepiece (slow) tokenizer
# --------------------------------------------------------------------------------------------


class AlbertTokenizer(AlbertTokenizerBase):
    """ALBERT tokenizer on the ``sentencepiece`` library (the reference behaviour).

    ``vocab_file`` is the path of an ALBERT ``spiece.model``.  The text is normalised like the
    original ALBERT code (``remove_space``: strip and collapse whitespace; ````` `` ````` and
    ``''`` become ``"``; NFKD accent stripping unless ``keep_accents``; lowercasing when
    ``do_lower_case``), cut by sentencepiece, and pieces such as ``"▁9,"`` are split into
    ``"▁9"`` and ``","``.  Special tokens that appear in the text are kept whole.
    """

    def __init__(
        self,
        vocab_file: str | os.PathLike[str],
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
        sp_model_kwargs: Mapping[str, Any] | None = None,
    ) -> None:
        """Load ``vocab_file`` (a sentencepiece model) and set the options."""
        self.vocab_file = str(_check_model_path(vocab_file, "vocab_file"))
        self._model_bytes = Path(self.vocab_file).read_bytes()
        self.sp_model_kwargs = dict(sp_model_kwargs or {})
        self._load_processor()
        sp = self.sp_model
        size = sp.get_piece_size()
        self._setup(
            [sp.id_to_piece(index) for index in range(size)],
            control_ids=[index for index in range(size) if sp.is_control(index)],
            unk_id=sp.unk_id(),
            unk_surface=sp.decode([sp.unk_id()]),
            do_lower_case=do_lower_case,
            remove_space=remove_space,
            keep_accents=keep_accents,
            special_tokens={
                "bos_token": bos_token,
                "eos_token": eos_token,
                "unk_token": unk_token,
                "sep_token": sep_token,
                "pad_token": pad_token,
                "cls_token": cls_token,
                "mask_token": mask_token,
            },
            model_max_length=model_max_length,
            padding_side=padding_side,
            truncation_side=truncation_side,
            clean_up_tokenization_spaces=clean_up_tokenization_spaces,
        )

    def _load_processor(self) -> None:
        self.sp_model = load_sentencepiece(self._model_bytes, self.vocab_file, self.sp_model_kwargs)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle support: the sentencepiece processor is rebuilt from the model bytes."""
        state = self.__dict__.copy()
        state.pop("sp_model", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore a pickled tokenizer."""
        self.__dict__.update(state)
        self._load_processor()

    @classmethod
    def from_pretrained(
        cls, pretrained_model_name_or_path: str | os.PathLike[str], **kwargs: Any
    ) -> AlbertTokenizer:
        """Load from a directory holding ``spiece.model`` (plus optional json configs).

        Reads directories written by :meth:`save_pretrained` and by transformers.  Keyword
        arguments override the saved options.  A path to a ``.model`` file is accepted too.
        """
        directory, model_file = _locate(_resolve_hub_id(pretrained_model_name_or_path, kwargs))
        if model_file is None:
            model_file = directory / VOCAB_FILE_NAME
            if not model_file.is_file():
                raise FileNotFoundError(
                    f"{directory} has no {VOCAB_FILE_NAME}; an ALBERT sentencepiece tokenizer "
                    "directory must contain it"
                )
        options = cls._options_from_directory(directory, kwargs)
        tokenizer = cls(model_file, **options)
        tokenizer.name_or_path = str(pretrained_model_name_or_path)
        return tokenizer

    def preprocess_text(self, inputs: str) -> str:
        """Normalise text the way ALBERT does before sentencepiece sees it."""
        return preprocess_text(
            inputs,
            do_lower_case=self.do_lower_case,
            remove_space=self.remove_space,
            keep_accents=self.keep_accents,
        )

    def _tokenize(self, text: str) -> list[str]:
        """Cut a text without special tokens into pieces (normalisation + digit-comma rule)."""
        pieces = self.sp_model.encode(self.preprocess_text(text), out_type=str)
        if any(is_digit_comma_piece(piece) for piece in pieces):
            pieces = split_digit_comma_pieces(
                pieces, lambda text: self.sp_model.encode(text, out_type=str)
            )
        return pieces

    def _encode_chunks(self, chunks: list[str], with_offsets: bool) -> list[EncodedText]:
        results = []
        for chunk in chunks:
            if self.do_lower_case:
                chunk = lower_per_character(chunk)
            tokens = self._tokenize(chunk)
            ids = [self._piece_to_id.get(token, self._unk_id) for token in tokens]
            results.append(EncodedText(ids, tokens, None))
        return results

    def _model_files(self) -> dict[str, bytes]:
        return {VOCAB_FILE_NAME: self._model_bytes}


# --------------------------------------------------------------------------------------------
# Private helpers
# --------------------------------------------------------------------------------------------


def load_sentencepiece(
    data: bytes, source: str, kwargs: Mapping[str, Any] | None = None
) -> Any:
    """Build a ``SentencePieceProcessor`` from model bytes, with a clear error when corrupt."""
    import sentencepiece as spm

    processor = spm.SentencePieceProcessor(**dict(kwargs or {}))
    try:
        processor.LoadFromSerializedProto(data)
    except Exception as err:  # sentencepiece raises RuntimeError / OSError
        raise ValueError(
            f"{source} is not a valid sentencepiece model ({type(err).__name__}: {err})"
        ) from err
    if processor.get_piece_size() <= 0:
        raise ValueError(f"{source} is not a valid sentencepiece model (empty vocabulary)")
    return processor


def _check_model_path(path: Any, name: str) -> Path:
    if path is None or not isinstance(path, str | os.PathLike):
        raise TypeError(
            f"{name} must be the path of a sentencepiece .model file, got "
            f"{type(path).__name__}: {path!r}"
        )
    resolved = Path(path)
    if resolved.is_dir():
        raise IsADirectoryError(
            f"{name} {str(resolved)!r} is a directory; pass the .model file or use "
            "from_pretrained(directory)"
        )
    if not resolved.is_file():
        raise FileNotFoundError(f"{name} {str(resolved)!r} does not exist")
    return resolved


def _resolve_hub_id(path: Any, kwargs: dict[str, Any]) -> Any:
    """A hub id (``albert/albert-base-v2``) becomes its cached snapshot directory.

    Local paths and bad types pass through unchanged for :func:`_locate` to judge. The
    ``revision`` and ``cache_dir`` keywords, when given, are consumed here.
    """
    revision = kwargs.pop("revision", None)
    cache_dir = kwargs.pop("cache_dir", None)
    if not isinstance(path, str) or Path(path).exists() or path.count("/") > 1:
        return path
    from albert_core import hub

    try:
        return hub.resolve(path, revision=revision, cache_dir=cache_dir, files=TOKENIZER_FILES)
    except hub.ModelNotFoundError:
        return path


def _locate(path: Any) -> tuple[Path, Path | None]:
    """Return ``(directory, model_file_or_None)`` for a local directory or ``.model`` path.

    Hub ids are resolved to a local directory before this point.
    """
    if path is None or not isinstance(path, str | os.PathLike):
        raise TypeError(
            f"pretrained_model_name_or_path must be a path, got {type(path).__name__}: {path!r}"
        )
    resolved = Path(path)
    if resolved.is_dir():
        return resolved, None
    if resolved.is_file():
        return resolved.parent, resolved
    raise FileNotFoundError(
        f"{str(resolved)!r} is not a local tokenizer directory or model file"
    )


def _read_json_object(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path} is not valid JSON: {err}") from err
    if not isinstance(data, dict):
        raise ValueError(f"{path} must hold a JSON object, got {type(data).__name__}")
    return data


def _json_bytes(data: Any) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n").encode()


def _lower_outside(text: str, pattern: re.Pattern[str]) -> tuple[str, list[int] | None]:
    """Lowercase per character outside special tokens.

    Returns the lowered text and, only when its length differs from ``text`` (a character such
    as U+0130 lowercases to two), the original index of every lowered position.
    """
    protected = [match.span() for match in pattern.finditer(text)]
    parts: list[str] = []
    previous = 0
    for start, end in protected:
        parts.append(lower_per_character(text[previous:start]))
        parts.append(text[start:end])
        previous = end
    parts.append(lower_per_character(text[previous:]))
    lowered = "".join(parts)
    if len(lowered) == len(text):
        return lowered, None
    index_map: list[int] = []
    previous = 0
    for start, end in [*protected, (len(text), len(text))]:
        for index in range(previous, start):
            index_map.extend([index] * len(text[index].lower()))
        index_map.extend(range(start, end))
        previous = end
    return lowered, index_map


def _normalise_inputs(
    text: Any, text_pair: Any
) -> tuple[bool, list[str], list[str | None]]:
    """Validate the call inputs; return ``(is_batched, firsts, seconds)``."""
    if isinstance(text, str):
        if text_pair is not None:
            _check_text(text_pair, "text_pair")
        return False, [text], [text_pair]
    if text is None or not isinstance(text, list | tuple):
        raise TypeError(
            "text must be a string, a list/tuple of strings or a list of (text, text_pair) "
            f"tuples, got {type(text).__name__}: {text!r}"
            + ("; decode bytes first, e.g. text.decode('utf-8')" if isinstance(text, bytes) else "")
        )
    firsts: list[str] = []
    seconds: list[str | None] = []
    if text_pair is None:
        for index, item in enumerate(text):
            if isinstance(item, list | tuple):
                if len(item) != 2:
                    raise ValueError(
                        f"text[{index}] must be a string or a (text, text_pair) pair, got "
                        f"{len(item)} items"
                    )
                _check_text(item[0], f"text[{index}][0]")
                _check_text(item[1], f"text[{index}][1]")
                firsts.append(item[0])
                seconds.append(item[1])
            else:
                _check_text(item, f"text[{index}]")
                firsts.append(item)
                seconds.append(None)
        return True, firsts, seconds
    if isinstance(text_pair, str) or not isinstance(text_pair, list | tuple):
        raise TypeError(
            "text_pair must be a list/tuple of strings when text is a batch, got "
            f"{type(text_pair).__name__}: {text_pair!r}"
        )
    if len(text_pair) != len(text):
        raise ValueError(
            f"text and text_pair must have the same length, got {len(text)} and {len(text_pair)}"
        )
    for index, (first, second) in enumerate(zip(text, text_pair, strict=True)):
        _check_text(first, f"text[{index}]")
        _check_text(second, f"text_pair[{index}]")
        firsts.append(first)
        seconds.append(second)
    return True, firsts, seconds


def _check_text(value: Any, name: str) -> None:
    if not isinstance(value, str):
        hint = "; decode bytes first, e.g. value.decode('utf-8')" if isinstance(
            value, bytes | bytearray
        ) else ""
        raise TypeError(f"{name} must be a string, got {type(value).__name__}: {value!r}{hint}")


def _check_bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}: {value!r}")
    return bool(value)


def _check_side(value: Any, name: str) -> str:
    if value not in ("right", "left"):
        raise ValueError(f"{name} must be 'right' or 'left', got {value!r}")
    return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _to_list(value: Any) -> Any:
    """Nested Python lists from a numpy array or a torch / tensorflow / jax tensor."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "numpy"):  # tensorflow eager tensors
        return value.numpy().tolist()
    return value


def _as_id_list(ids: Any, name: str) -> list[int]:
    """Turn a list / tuple / numpy array / framework tensor of ids into a list of ints."""
    if hasattr(ids, "tolist") or hasattr(ids, "numpy"):
        ids = _to_list(ids)
        if isinstance(ids, int):
            return [ids]
    if ids is None or isinstance(ids, str | bytes) or not isinstance(ids, Iterable):
        raise TypeError(f"{name} must be a sequence of ints, got {type(ids).__name__}: {ids!r}")
    out = []
    for index, value in enumerate(ids):
        if not _is_int(value):
            raise TypeError(
                f"{name}[{index}] must be an int, got {type(value).__name__}: {value!r}"
            )
        out.append(int(value))
    return out
