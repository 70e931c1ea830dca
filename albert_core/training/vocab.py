"""What the data pipeline needs to know about a vocabulary: word starts and special ids."""

from __future__ import annotations

import dataclasses
import os
import string

import numpy as np

from albert_core.tokenizers.base import AlbertTokenizerBase
from albert_core.tokenizers.text import SPIECE_UNDERLINE

#: Characters ALBERT treats as pieces of their own when finding words.
_PUNCTUATION = frozenset(string.punctuation) | {"€", "£"}
_ENGLISH_LETTERS = frozenset(string.ascii_lowercase)


def is_word_start_piece(piece: str) -> bool:
    """Whether a sentencepiece piece starts a word, by ALBERT's rule.

    A piece starts a word when it begins with ``▁``, is a special token (``<...>``), is a
    punctuation character, or holds any character outside ``a-z`` and punctuation (digits
    and foreign scripts are words of their own). Other pieces continue the previous word.
    """
    if piece.startswith(SPIECE_UNDERLINE) or piece.startswith("<") or piece in _PUNCTUATION:
        return True
    return not all(ch.lower() in _ENGLISH_LETTERS or ch in _PUNCTUATION for ch in piece)


@dataclasses.dataclass(frozen=True)
class VocabInfo:
    """What masking needs to know about the vocabulary.

    Attributes:
        vocab_size: number of ids.
        pad_id, cls_id, sep_id, mask_id: the special ids.
        word_start: ``(vocab_size,)`` bool, :func:`is_word_start_piece` of every piece.
        random_ids: ids a selected token may be replaced with (no special tokens).
    """

    vocab_size: int
    pad_id: int
    cls_id: int
    sep_id: int
    mask_id: int
    word_start: np.ndarray
    random_ids: np.ndarray

    @classmethod
    def from_tokenizer(cls, tokenizer: AlbertTokenizerBase) -> VocabInfo:
        """Read the pieces and special ids of an ALBERT tokenizer."""
        size = tokenizer.vocab_size
        pieces = tokenizer.convert_ids_to_tokens(list(range(size)))
        special = set(tokenizer.all_special_ids)
        return cls(
            vocab_size=size,
            pad_id=tokenizer.pad_token_id,
            cls_id=tokenizer.cls_token_id,
            sep_id=tokenizer.sep_token_id,
            mask_id=tokenizer.mask_token_id,
            word_start=np.array([is_word_start_piece(p) for p in pieces], dtype=bool),
            random_ids=np.array([i for i in range(size) if i not in special], dtype=np.int32),
        )


def load_tokenizer(path: str | os.PathLike[str] | AlbertTokenizerBase) -> AlbertTokenizerBase:
    """An ALBERT tokenizer from a directory, a ``.model`` file, or as given."""
    if isinstance(path, AlbertTokenizerBase):
        return path
    from albert_core.tokenizers.sentencepiece import AlbertTokenizer

    return AlbertTokenizer.from_pretrained(path)
