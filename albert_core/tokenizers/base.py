"""The shared, framework-neutral base of the ALBERT tokenizers.

:class:`AlbertTokenizerBase` holds everything that does not depend on how a piece of text is cut
into sentencepiece pieces: special tokens, the ``[CLS] A [SEP] B [SEP]`` layout, token type ids,
truncation, padding, batching, tensor conversion, decoding and saving/loading of
``tokenizer_config.json`` / ``special_tokens_map.json``.  The call API (``tok(text)``,
``tok(text_a, text_b)``, ``padding=``, ``truncation=``, ``return_tensors=``, ``decode`` ...)
follows the one of the Hugging Face tokenizers, so code written for those works unchanged.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

from albert_core.io_utils import atomic_write_bytes

from .batch_encoding import BatchEncoding, check_tensor_type
from .files import (
    SPECIAL_TOKENS_MAP_FILE_NAME,
    TOKENIZER_CONFIG_FILE_NAME,
    VOCAB_FILE_NAME,
    json_bytes,
)
from .inputs import (
    as_id_list,
    check_bool,
    check_side,
    check_text,
    is_int,
    normalise_inputs,
    to_list,
)
from .overflow import build_rows
from .padding import TOKEN_INFO_KEYS, pad_examples, resolve_strategies
from .special_tokens import (
    SPECIAL_TOKEN_NAMES,
    SpecialToken,
    special_token_id_property,
    special_token_property,
)
from .text import SPIECE_UNDERLINE, clean_up_tokenization, is_digit_comma_piece, lower_outside
from .words import join_words, normalise_word_inputs, text_word_ids

DEFAULT_MODEL_MAX_LENGTH = 512
"""Maximum sequence length of the released ALBERT checkpoints."""


class EncodedText(NamedTuple):
    """One text cut into tokens, before special tokens are added."""

    ids: list[int]
    tokens: list[str]
    offsets: list[tuple[int, int]] | None
    words: list[int | None] | None = None


class AlbertTokenizerBase:
    """Framework-neutral logic shared by :class:`AlbertTokenizer` and ``AlbertTokenizerFast``.

    Subclasses load a sentencepiece vocabulary, call :meth:`_setup` with it, and implement
    :meth:`_encode_chunks` (cut texts that contain no special token into pieces) plus
    :meth:`_model_files` (the vocabulary files written by :meth:`save_pretrained`).
    """

    vocab_files_names: ClassVar[dict[str, str]] = {"vocab_file": VOCAB_FILE_NAME}
    model_input_names: ClassVar[list[str]] = ["input_ids", "token_type_ids", "attention_mask"]
    supports_offsets: ClassVar[bool] = False
    pair_truncation: ClassVar[str] = "python"
    """How ``longest_first`` splits a pair: "python" or "tokenizers" (see ``overflow``)."""
    config_class_name: ClassVar[str] = "AlbertTokenizer"

    bos_token = special_token_property("bos_token")
    eos_token = special_token_property("eos_token")
    unk_token = special_token_property("unk_token")
    sep_token = special_token_property("sep_token")
    pad_token = special_token_property("pad_token")
    cls_token = special_token_property("cls_token")
    mask_token = special_token_property("mask_token")
    bos_token_id = special_token_id_property("bos_token")
    eos_token_id = special_token_id_property("eos_token")
    unk_token_id = special_token_id_property("unk_token")
    sep_token_id = special_token_id_property("sep_token")
    pad_token_id = special_token_id_property("pad_token")
    cls_token_id = special_token_id_property("cls_token")
    mask_token_id = special_token_id_property("mask_token")

    pad_token_type_id: int = 0
    """Token type id used for padding positions."""

    # -- construction -------------------------------------------------------------------------

    def _setup(
        self,
        pieces: Sequence[str],
        *,
        control_ids: Iterable[int],
        user_defined_ids: Iterable[int] = (),
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
        self._user_defined_ids = frozenset(user_defined_ids)
        self._unk_id = int(unk_id)
        self._unk_surface = unk_surface
        self._digit_comma_ids = frozenset(
            index for index, piece in enumerate(self._pieces) if is_digit_comma_piece(piece)
        )
        self.do_lower_case = check_bool(do_lower_case, "do_lower_case")
        self.remove_space = check_bool(remove_space, "remove_space")
        self.keep_accents = check_bool(keep_accents, "keep_accents")
        self.clean_up_tokenization_spaces = check_bool(
            clean_up_tokenization_spaces, "clean_up_tokenization_spaces"
        )
        if model_max_length is None:
            model_max_length = DEFAULT_MODEL_MAX_LENGTH
        if isinstance(model_max_length, bool) or not isinstance(model_max_length, int):
            raise TypeError(f"model_max_length must be an int, got {model_max_length!r}")
        if model_max_length <= 0:
            raise ValueError(f"model_max_length must be positive, got {model_max_length}")
        self.model_max_length = model_max_length
        self.padding_side = check_side(padding_side, "padding_side")
        self.truncation_side = check_side(truncation_side, "truncation_side")
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
        if is_int(ids):
            return self._id_to_piece(ids)
        return [
            self._id_to_piece(index)
            for index in as_id_list(ids, "ids")
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
        check_text(text, "text")
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
            searched, index_map = lower_outside(text, pattern)
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
            # The token's span takes the whitespace it swallows, as in transformers' offsets.
            if token.rstrip and position + 1 < len(spans):
                right = spans[position + 1]
                while right[0] < right[1] and text[right[0]].isspace():
                    right[0] += 1
                spans[position][1] = right[0]
            if token.lstrip and position > 0:
                left = spans[position - 1]
                while left[1] > left[0] and text[left[1] - 1].isspace():
                    left[1] -= 1
                spans[position][0] = left[1]
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
        for text, plan in zip(texts, plans, strict=True):
            ids: list[int] = []
            tokens: list[str] = []
            offsets: list[tuple[int, int]] | None = [] if with_offsets else None
            special: list[bool] = []
            for start, end, chunk_index, content in plan:
                if chunk_index is None:
                    ids.append(self._piece_to_id[content])
                    tokens.append(content)
                    special.append(True)
                    if offsets is not None:
                        offsets.append((start, end))
                    continue
                chunk = encoded_chunks[chunk_index]
                ids.extend(chunk.ids)
                tokens.extend(chunk.tokens)
                # transformers matches these symbols in the original text only (not a '"'
                # that normalisation made from ``).
                special.extend(
                    index in self._user_defined_ids and piece in text[start:end]
                    for index, piece in zip(chunk.ids, chunk.tokens, strict=True)
                )
                if offsets is not None:
                    offsets.extend((start + a, start + b) for a, b in chunk.offsets)
            results.append(EncodedText(ids, tokens, offsets, text_word_ids(tokens, special)))
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

        With ``is_split_into_words=True`` a sequence is a list of words (offsets are then
        relative to each word).  With ``return_overflowing_tokens=True`` every window of a
        truncated example is a row (consecutive windows share ``stride`` tokens) and
        ``overflow_to_sample_mapping`` gives each row's example; the output is then always
        batched.  Rows, windows and offsets are those of transformers' fast tokenizer (see
        :mod:`~albert_core.tokenizers.overflow`); the result's ``word_ids(i)`` and
        ``sequence_ids(i)`` describe the tokens of row ``i``.
        """
        if return_offsets_mapping and not self.supports_offsets:
            raise NotImplementedError(
                "return_offsets_mapping is not available with the Python (sentencepiece) "
                f"tokenizer {type(self).__name__}; use AlbertTokenizerFast instead"
            )
        if isinstance(stride, bool) or not is_int(stride) or stride < 0:
            raise ValueError(f"stride must be an int >= 0, got {stride!r}")
        if return_tensors is not None:
            return_tensors = check_tensor_type(return_tensors)
        padding_strategy, truncation_strategy, max_length = resolve_strategies(
            padding, truncation, max_length, pad_to_multiple_of, self.model_max_length
        )
        side = self.padding_side if padding_side is None else check_side(
            padding_side, "padding_side"
        )
        encoded_firsts, encoded_seconds, is_batched = self._encode_inputs(
            text, text_pair, is_split_into_words, return_offsets_mapping
        )
        rows: list[dict[str, list[Any]]] = []
        sample_mapping: list[int] = []
        for index, (first, second) in enumerate(
            zip(encoded_firsts, encoded_seconds, strict=True)
        ):
            example_rows = build_rows(
                self, first, second, add_special_tokens=add_special_tokens,
                strategy=truncation_strategy, max_length=max_length, stride=int(stride),
                overflowing=return_overflowing_tokens,
            )
            rows.extend(example_rows)
            sample_mapping.extend([index] * len(example_rows))
        keys = ["input_ids"]
        if return_token_type_ids is None or return_token_type_ids:
            keys.append("token_type_ids")
        if return_attention_mask is None or return_attention_mask:
            keys.append("attention_mask")
        if return_special_tokens_mask:
            keys.append("special_tokens_mask")
        if return_offsets_mapping:
            keys.append("offset_mapping")
        extra = {"overflow_to_sample_mapping": sample_mapping} if return_overflowing_tokens else {}
        return self._batch_encoding(
            rows, [*keys, *TOKEN_INFO_KEYS], padding_strategy, max_length, pad_to_multiple_of,
            side, is_batched or return_overflowing_tokens, return_tensors, extra,
        )

    def _encode_inputs(
        self, text: Any, text_pair: Any, is_split_into_words: bool, with_offsets: bool
    ) -> tuple[list[EncodedText], list[EncodedText | None], bool]:
        """Encode the first and second sequences of every example (plain or pre-split)."""
        if not is_split_into_words:
            is_batched, firsts, seconds = normalise_inputs(text, text_pair)
            to_encode = firsts + [second for second in seconds if second is not None]
            encoded = iter(self._encode_texts(to_encode, with_offsets=with_offsets))
            encoded_firsts = [next(encoded) for _ in firsts]
            encoded_seconds = [None if second is None else next(encoded) for second in seconds]
            return encoded_firsts, encoded_seconds, is_batched
        is_batched, word_firsts, word_seconds = normalise_word_inputs(text, text_pair)
        sequences = word_firsts + [words for words in word_seconds if words is not None]
        flat = [word for words in sequences for word in words]
        encoded_words = iter(self._encode_texts(flat, with_offsets=with_offsets))
        joined = iter([join_words([next(encoded_words) for _ in words]) for words in sequences])
        encoded_firsts = [next(joined) for _ in word_firsts]
        encoded_seconds = [None if words is None else next(joined) for words in word_seconds]
        return encoded_firsts, encoded_seconds, is_batched

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
        check_text(text, "text")
        if text_pair is not None:
            check_text(text_pair, "text_pair")
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
            data = {key: to_list(value) for key, value in encoded_inputs.items()}
        else:
            items = list(encoded_inputs)
            if not items:
                raise ValueError("pad() needs at least one example")
            data = {key: [to_list(item[key]) for item in items] for key in items[0]}
        if "input_ids" not in data:
            raise ValueError("pad() needs 'input_ids' in the encoded inputs")
        is_batched = bool(data["input_ids"]) and isinstance(data["input_ids"][0], list)
        if not is_batched:
            data = {key: [value] for key, value in data.items()}
        padding_strategy, _, max_length = resolve_strategies(
            padding, False, max_length, pad_to_multiple_of, self.model_max_length
        )
        side = self.padding_side if padding_side is None else check_side(
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
        return self._batch_encoding(
            examples, keys, padding_strategy, max_length, pad_to_multiple_of, side, is_batched,
            return_tensors,
        )

    def _batch_encoding(
        self,
        examples: list[dict[str, list[Any]]],
        keys: list[str],
        padding_strategy: str,
        max_length: int | None,
        pad_to_multiple_of: int | None,
        side: str,
        is_batched: bool,
        return_tensors: str | None,
        extra: Mapping[str, list[int]] | None = None,
    ) -> BatchEncoding:
        """Pad the ``keys`` of ``examples`` into a :class:`BatchEncoding` (unbatched for one).

        The :data:`TOKEN_INFO_KEYS` among ``keys`` become the token information of the result
        (``word_ids()``, ``sequence_ids()``); ``extra`` columns are added unpadded.
        """
        batch = pad_examples(
            examples,
            padding_strategy,
            max_length,
            pad_to_multiple_of,
            side,
            keys,
            pad_id=self.pad_token_id,
            pad_type_id=self.pad_token_type_id,
        )
        info = {key: batch.pop(key) for key in TOKEN_INFO_KEYS if key in batch}
        if not is_batched:
            batch = {key: value[0] for key, value in batch.items()}
        batch.update(extra or {})
        result = BatchEncoding(batch)
        if info:
            result.set_token_info(info, self.convert_ids_to_tokens)
        if return_tensors is not None:
            result.convert_to_tensors(return_tensors, prepend_batch_axis=not is_batched)
        return result

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
        token_ids = to_list(token_ids)
        ids = [token_ids] if is_int(token_ids) else as_id_list(token_ids, "token_ids")
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
        sequences = to_list(sequences)
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
        files[TOKENIZER_CONFIG_FILE_NAME] = json_bytes(self._config_dict())
        files[SPECIAL_TOKENS_MAP_FILE_NAME] = json_bytes(self._special_tokens_map_dict())
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for name, payload in files.items():
            atomic_write_bytes(directory / name, payload, overwrite=True)
            written.append(str(directory / name))
        return tuple(written)

    # -- misc ----------------------------------------------------------------------------------

    def __repr__(self) -> str:
        """Short description with the vocabulary size and the normalisation options."""
        return (
            f"{type(self).__name__}(vocab_size={self.vocab_size}, "
            f"do_lower_case={self.do_lower_case}, remove_space={self.remove_space}, "
            f"keep_accents={self.keep_accents}, model_max_length={self.model_max_length}, "
            f"special_tokens={self.special_tokens_map})"
        )
