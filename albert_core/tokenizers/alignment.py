"""Character alignment of the fast tokenizer: which span of the original text each piece covers."""

from __future__ import annotations

import re
import unicodedata

from .text import lower_per_character


def preprocess_with_alignment(
    text: str, *, do_lower_case: bool, remove_space: bool, keep_accents: bool
) -> tuple[str, list[tuple[int, int]]]:
    """The reference preprocessing of a chunk, and the span of ``text`` behind each character.

    Gives the same string as ``lower_per_character`` (when lowercasing) followed by
    :func:`albert_core.tokenizers.text.preprocess_text`.
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


def source_ends(text: str, starts: list[int]) -> list[int]:
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


def widen_quote_offsets(chunk: str, offsets: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Make a ``"`` that replaced ````` `` ````` or ``''`` cover both original characters.

    ``tokenizers``' ``Replace`` aligns the replacement with the last replaced character only.
    """
    seconds = {match.start() + 1 for match in _QUOTE_PAIR.finditer(chunk)}
    return [(start - 1 if start in seconds else start, end) for start, end in offsets]
