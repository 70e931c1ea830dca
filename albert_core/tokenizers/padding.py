"""Padding and truncation: strategy resolution, how much to cut, and padding a batch.

The rules (defaults, errors, the ``longest_first`` split of a pair) are transformers'.
"""

from __future__ import annotations

from typing import Any

from .inputs import is_int

VERY_LARGE_INTEGER = int(1e30)
"""``model_max_length`` written by transformers when a tokenizer has no length limit."""

PADDING_STRATEGIES = ("longest", "max_length", "do_not_pad")
"""Accepted string values of ``padding`` (besides True / False)."""
TRUNCATION_STRATEGIES = ("longest_first", "only_first", "only_second", "do_not_truncate")
"""Accepted string values of ``truncation`` (besides True / False)."""
TOKEN_INFO_KEYS = ("word_ids", "sequence_ids")
"""Per-token columns kept as token information of a :class:`BatchEncoding`, padded with None."""


def resolve_strategies(
    padding: Any,
    truncation: Any,
    max_length: Any,
    pad_to_multiple_of: Any,
    model_max_length: int,
) -> tuple[str, str, int | None]:
    """Check the options; return ``(padding_strategy, truncation_strategy, max_length)``.

    ``max_length`` falls back to ``model_max_length`` when a strategy needs a length.
    """
    if max_length is not None and (isinstance(max_length, bool) or not is_int(max_length)):
        raise TypeError(f"max_length must be an int or None, got {max_length!r}")
    if max_length is not None and max_length < 0:
        raise ValueError(f"max_length must be >= 0, got {max_length}")
    if pad_to_multiple_of is not None and (
        isinstance(pad_to_multiple_of, bool)
        or not is_int(pad_to_multiple_of)
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
        if model_max_length >= VERY_LARGE_INTEGER:
            if padding_strategy == "max_length":
                raise ValueError(
                    "padding='max_length' needs max_length: this tokenizer has no "
                    "model_max_length"
                )
            truncation_strategy = "do_not_truncate"
        else:
            max_length = model_max_length
    return padding_strategy, truncation_strategy, max_length

def truncation_amounts(
    len_a: int, len_b: int | None, excess: int, strategy: str
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

def pad_examples(
    examples: list[dict[str, list[Any]]],
    padding_strategy: str,
    max_length: int | None,
    pad_to_multiple_of: int | None,
    side: str,
    keys: list[str],
    *,
    pad_id: int,
    pad_type_id: int,
) -> dict[str, list[list[Any]]]:
    """Pad the ``keys`` of every example to the strategy's length; return columns by key.

    ``input_ids`` is padded with ``pad_id``, ``token_type_ids`` with ``pad_type_id``,
    ``attention_mask`` with 0, ``special_tokens_mask`` with 1 and ``offset_mapping`` with
    ``(0, 0)``, on ``side`` ("right" or "left").
    """
    target = None
    if padding_strategy == "longest" and examples:
        target = max(len(example["input_ids"]) for example in examples)
    elif padding_strategy == "max_length":
        target = max_length
    if target is not None and pad_to_multiple_of:
        target = -(-target // pad_to_multiple_of) * pad_to_multiple_of
    pad_values = {
        "input_ids": pad_id,
        "token_type_ids": pad_type_id,
        "attention_mask": 0,
        "special_tokens_mask": 1,
        "offset_mapping": (0, 0),
        **{key: None for key in TOKEN_INFO_KEYS},
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
