"""Checks and conversions of the values a tokenizer is called with (texts, ids, options)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np


def normalise_inputs(
    text: Any, text_pair: Any
) -> tuple[bool, list[str], list[str | None]]:
    """Validate the call inputs; return ``(is_batched, firsts, seconds)``."""
    if isinstance(text, str):
        if text_pair is not None:
            check_text(text_pair, "text_pair")
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
                check_text(item[0], f"text[{index}][0]")
                check_text(item[1], f"text[{index}][1]")
                firsts.append(item[0])
                seconds.append(item[1])
            else:
                check_text(item, f"text[{index}]")
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
        check_text(first, f"text[{index}]")
        check_text(second, f"text_pair[{index}]")
        firsts.append(first)
        seconds.append(second)
    return True, firsts, seconds


def check_text(value: Any, name: str) -> None:
    """Raise TypeError (with a hint for bytes) unless ``value`` is a string."""
    if not isinstance(value, str):
        hint = "; decode bytes first, e.g. value.decode('utf-8')" if isinstance(
            value, bytes | bytearray
        ) else ""
        raise TypeError(f"{name} must be a string, got {type(value).__name__}: {value!r}{hint}")


def check_bool(value: Any, name: str) -> bool:
    """``value`` as a bool; TypeError unless it is a Python or numpy bool."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}: {value!r}")
    return bool(value)


def check_side(value: Any, name: str) -> str:
    """``value`` when it is ``"right"`` or ``"left"``; ValueError otherwise."""
    if value not in ("right", "left"):
        raise ValueError(f"{name} must be 'right' or 'left', got {value!r}")
    return value


def is_int(value: Any) -> bool:
    """Whether ``value`` is a Python or numpy integer (bools are not)."""
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def to_list(value: Any) -> Any:
    """Nested Python lists from a numpy array or a torch / tensorflow / jax tensor."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "numpy"):  # tensorflow eager tensors
        return value.numpy().tolist()
    return value


def as_id_list(ids: Any, name: str) -> list[int]:
    """Turn a list / tuple / numpy array / framework tensor of ids into a list of ints."""
    if hasattr(ids, "tolist") or hasattr(ids, "numpy"):
        ids = to_list(ids)
        if isinstance(ids, int):
            return [ids]
    if ids is None or isinstance(ids, str | bytes) or not isinstance(ids, Iterable):
        raise TypeError(f"{name} must be a sequence of ints, got {type(ids).__name__}: {ids!r}")
    out = []
    for index, value in enumerate(ids):
        if not is_int(value):
            raise TypeError(
                f"{name}[{index}] must be an int, got {type(value).__name__}: {value!r}"
            )
        out.append(int(value))
    return out
