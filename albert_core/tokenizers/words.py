"""Words: inputs already split into words (``is_split_into_words=True``) and word indices.

Word indices follow transformers' fast tokenizers: with pre-split input, every piece of word
``i`` has index ``i``; in plain text a word starts at each piece beginning with ``▁``, and at
and after each special token written in the text and each user-defined piece of the
vocabulary (ALBERT's ``( ) " - . – £ €``, which transformers makes added tokens).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .inputs import check_text
from .text import SPIECE_UNDERLINE

if TYPE_CHECKING:
    from .base import EncodedText

Words = list[str]


def text_word_ids(tokens: list[str], alone: list[bool]) -> list[int | None]:
    """Word index of every token of a plain text (``alone``: tokens that are a word)."""
    words: list[int | None] = []
    current = -1
    after_alone = True
    for token, is_alone in zip(tokens, alone, strict=True):
        if after_alone or is_alone or token.startswith(SPIECE_UNDERLINE):
            current += 1
        after_alone = is_alone
        words.append(current)
    return words


def _is_words(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(item, str) for item in value)


def _check_words(value: Any, name: str) -> Words:
    if not isinstance(value, list | tuple):
        raise TypeError(
            f"{name} must be a list of words (strings) with is_split_into_words=True, got "
            f"{type(value).__name__}: {value!r}"
        )
    for index, word in enumerate(value):
        check_text(word, f"{name}[{index}]")
    return list(value)


def normalise_word_inputs(
    text: Any, text_pair: Any
) -> tuple[bool, list[Words], list[Words | None]]:
    """Validate pre-split inputs; return ``(is_batched, firsts, seconds)`` as lists of words.

    ``text`` is a list of words, or a batch: a list of word lists, or of ``(words, words)``
    pairs; ``text_pair`` the matching second word list(s).  As in transformers, the input is
    a batch when its first item is a list or tuple.
    """
    if isinstance(text, str):
        raise TypeError(
            "with is_split_into_words=True, text must be a list of words (or a batch of word "
            f"lists), got the string {text!r}; pass text.split() or is_split_into_words=False"
        )
    batched = isinstance(text, list | tuple) and bool(text) and isinstance(text[0], list | tuple)
    if not batched:
        firsts = [_check_words(text, "text")]
        return False, firsts, [None if text_pair is None else _check_words(text_pair, "text_pair")]
    if text_pair is not None:
        if not isinstance(text_pair, list | tuple) or len(text_pair) != len(text):
            raise ValueError(
                "text_pair must be a batch of word lists as long as text "
                f"({len(text)} items) with is_split_into_words=True, got {text_pair!r}"
            )
        return (
            True,
            [_check_words(item, f"text[{index}]") for index, item in enumerate(text)],
            [_check_words(item, f"text_pair[{index}]") for index, item in enumerate(text_pair)],
        )
    firsts: list[Words] = []
    seconds: list[Words | None] = []
    for index, item in enumerate(text):
        if _is_words(item):
            firsts.append(list(item))
            seconds.append(None)
        elif isinstance(item, list | tuple) and len(item) == 2:
            firsts.append(_check_words(item[0], f"text[{index}][0]"))
            seconds.append(_check_words(item[1], f"text[{index}][1]"))
        else:
            _check_words(item, f"text[{index}]")
    return True, firsts, seconds


def join_words(encoded_words: list[EncodedText]) -> EncodedText:
    """One sequence from its encoded words: offsets stay relative to each word."""
    from .base import EncodedText

    ids: list[int] = []
    tokens: list[str] = []
    offsets: list[tuple[int, int]] | None = [] if all(
        item.offsets is not None for item in encoded_words
    ) else None
    words: list[int | None] = []
    for index, item in enumerate(encoded_words):
        ids.extend(item.ids)
        tokens.extend(item.tokens)
        words.extend([index] * len(item.ids))
        if offsets is not None:
            offsets.extend(item.offsets)
    return EncodedText(ids, tokens, offsets, words)
