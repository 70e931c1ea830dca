"""Text helpers shared by the ALBERT tokenizers: normalisation, digit-comma rule, cleanup.

Pure functions on strings; the sentencepiece and the fast tokenizer both build on them so that
they treat text identically.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

SPIECE_UNDERLINE = "▁"
"""The sentencepiece word-boundary marker (U+2581)."""


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


def lower_outside(text: str, pattern: re.Pattern[str]) -> tuple[str, list[int] | None]:
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
