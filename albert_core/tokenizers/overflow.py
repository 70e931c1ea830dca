"""The rows of a tokenizer call: truncation, windows with a ``stride`` and the special tokens.

Windows, their order and the split of a pair follow the ``tokenizers`` library, so the rows
equal those of transformers' fast tokenizers: a sequence longer than its share of
``max_length`` is cut into windows of that share, each starting ``share - stride`` tokens
after the previous one (from the end with ``truncation_side="left"``).  For a pair, the first
row holds the first window of each sequence, then come the other windows of the first
sequence, each with every window of the second, then the first window of the first sequence
with the other windows of the second.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .padding import truncation_amounts

if TYPE_CHECKING:
    from .base import AlbertTokenizerBase, EncodedText

Window = tuple[int, int]


def windows(length: int, size: int, stride: int, side: str) -> list[Window]:
    """``(start, stop)`` token ranges of the windows of ``size`` over ``length`` tokens."""
    if size >= length:
        return [(0, length)]
    if size == 0:
        return [(0, 0), (0, length)]
    if stride >= size:
        raise ValueError(
            f"stride={stride} must be smaller than the window of {size} tokens that "
            "max_length leaves for this sequence (max_length minus the special tokens and the "
            "other sequence)"
        )
    step = size - stride
    ranges: list[Window] = []
    if side == "right":
        for start in range(0, length, step):
            stop = min(start + size, length)
            ranges.append((start, stop))
            if stop == length:
                break
    else:
        for stop in range(length, 0, -step):
            start = max(0, stop - size)
            ranges.append((start, stop))
            if start == 0:
                break
    return ranges


def target_lengths(
    len_a: int, len_b: int | None, room: int, strategy: str, pair_rule: str
) -> tuple[int, int | None]:
    """Lengths of the first window of each sequence when ``room`` tokens are available.

    ``pair_rule`` is ``"tokenizers"`` (a pair under ``longest_first`` is split as the
    ``tokenizers`` library does: the shorter keeps its length when it fits, otherwise half
    each) or ``"python"`` (one token at a time from the longer sequence, as transformers'
    Python tokenizers do; the two differ only when the sequences are equally long).
    """
    total = len_a + (len_b or 0)
    if strategy == "do_not_truncate" or total <= room:
        return len_a, len_b
    if pair_rule == "tokenizers" and strategy == "longest_first" and len_b is not None:
        if room < 0:
            truncation_amounts(len_a, len_b, total - room, strategy)  # raises the clear error
        short, long_ = sorted((len_a, len_b))
        long_ = short if short > room else max(short, room - short)
        if short + long_ > room:
            short, long_ = room // 2, room // 2 + room % 2
        return (short, long_) if len_a <= len_b else (long_, short)
    cut_a, cut_b = truncation_amounts(len_a, len_b, total - room, strategy)
    return len_a - cut_a, None if len_b is None else len_b - cut_b


def pair_order(first: list[Window], second: list[Window] | None) -> list[tuple[Window, Any]]:
    """The window combinations of a pair in the order of the ``tokenizers`` library."""
    if second is None:
        return [(window, None) for window in first]
    order = [(first[0], second[0])]
    for window in first[1:]:
        order.extend((window, other) for other in second)
    order.extend((first[0], other) for other in second[1:])
    return order


def build_rows(
    tokenizer: AlbertTokenizerBase,
    first: EncodedText,
    second: EncodedText | None,
    *,
    add_special_tokens: bool,
    strategy: str,
    max_length: int | None,
    stride: int,
    overflowing: bool,
) -> list[dict[str, list[Any]]]:
    """The rows of one example: one, or one per window with ``overflowing``."""
    len_b = None if second is None else len(second.ids)
    if strategy == "do_not_truncate" or max_length is None:
        ranges: list[tuple[Window, Any]] = [
            ((0, len(first.ids)), None if second is None else (0, len_b))
        ]
    else:
        room = max_length
        if add_special_tokens:
            room -= tokenizer.num_special_tokens_to_add(pair=second is not None)
        size_a, size_b = target_lengths(
            len(first.ids), len_b, room, strategy, tokenizer.pair_truncation
        )
        side = tokenizer.truncation_side
        windows_a = windows(len(first.ids), size_a, stride, side)
        windows_b = None if second is None else windows(len_b, size_b, stride, side)
        ranges = pair_order(windows_a, windows_b)
        if not overflowing:
            ranges = ranges[:1]
    return [
        _row(tokenizer, first, second, window_a, window_b, add_special_tokens)
        for window_a, window_b in ranges
    ]


def _part(encoded: EncodedText, window: Window) -> tuple[list[int], Any, list[int | None]]:
    start, stop = window
    offsets = None if encoded.offsets is None else list(encoded.offsets[start:stop])
    words = encoded.words if encoded.words is not None else [None] * len(encoded.ids)
    return list(encoded.ids[start:stop]), offsets, list(words[start:stop])


def _row(
    tokenizer: AlbertTokenizerBase,
    first: EncodedText,
    second: EncodedText | None,
    window_a: Window,
    window_b: Window | None,
    add_special_tokens: bool,
) -> dict[str, list[Any]]:
    ids_a, offsets_a, words_a = _part(first, window_a)
    ids_b = offsets_b = words_b = None
    if second is not None and window_b is not None:
        ids_b, offsets_b, words_b = _part(second, window_b)
    sequences_a = [0] * len(ids_a)
    sequences_b = None if ids_b is None else [1] * len(ids_b)
    if add_special_tokens:
        input_ids = tokenizer.build_inputs_with_special_tokens(ids_a, ids_b)
        token_type_ids = tokenizer.create_token_type_ids_from_sequences(ids_a, ids_b)
        special_mask = tokenizer.get_special_tokens_mask(ids_a, ids_b)

        def layout(part_a: list[Any], part_b: list[Any] | None, special: Any) -> list[Any]:
            out = [special, *part_a, special]
            return out if part_b is None else [*out, *part_b, special]
    else:
        input_ids = ids_a + (ids_b or [])
        token_type_ids = [0] * len(input_ids)  # as transformers: no segment B without specials
        special_mask = [0] * len(input_ids)

        def layout(part_a: list[Any], part_b: list[Any] | None, special: Any) -> list[Any]:
            return [*part_a, *(part_b or [])]

    row: dict[str, list[Any]] = {
        "input_ids": input_ids,
        "token_type_ids": token_type_ids,
        "attention_mask": [1] * len(input_ids),
        "special_tokens_mask": special_mask,
        "word_ids": layout(words_a, words_b, None),
        "sequence_ids": layout(sequences_a, sequences_b, None),
    }
    if offsets_a is not None:
        row["offset_mapping"] = layout(offsets_a, offsets_b, (0, 0))
    return row
