"""Character alignment of the fast tokenizer: which span of the original text each piece covers."""

from __future__ import annotations

import unicodedata

from .text import SPIECE_UNDERLINE, lower_per_character


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
                merged_spans.append(spans[index + 1])  # as tokenizers' Replace: the last one
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


def include_word_spaces(
    chunk: str, tokens: list[str], offsets: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Offsets as transformers' fast ALBERT tokenizer gives them: a word's ``▁`` is its space.

    A piece starting with ``▁`` begins a word.  When characters no piece covers come before
    it, the piece's span starts at the one that became the space (the last whitespace there,
    or after another piece the last of them, e.g. a U+200B); a lone ``▁`` covers just that
    character.  This is how the ``Metaspace`` pre-tokenizer of ``tokenizers`` aligns it.
    """
    out = list(offsets)
    previous_end: int | None = None
    for index, (token, (start, end)) in enumerate(zip(tokens, offsets, strict=True)):
        gap_start = previous_end or 0
        previous_end = end if previous_end is None else max(previous_end, end)
        if not token.startswith(SPIECE_UNDERLINE) or start <= gap_start:
            continue
        spaces = [position for position in range(gap_start, start) if chunk[position].isspace()]
        if spaces:
            space = spaces[-1]
        elif index > 0:
            space = start - 1
        else:
            continue
        out[index] = (space, space + 1 if token == SPIECE_UNDERLINE else end)
    return out


def strip_word_spaces(text: str, offsets: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Offsets without the leading whitespace :func:`include_word_spaces` adds.

    A span of whitespace only (a lone ``▁``) becomes the first character of its word.
    """
    out = []
    for start, end in offsets:
        if start < end and text[start].isspace():
            while start < end and text[start].isspace():
                start += 1
            if start == end:
                while start < len(text) and text[start].isspace():
                    start += 1
                end = min(start + 1, len(text))
        out.append((start, end))
    return out
