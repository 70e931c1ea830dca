"""Special tokens: their names, the :class:`SpecialToken` record and the tokenizer properties."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .base import AlbertTokenizerBase

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


def special_token_property(name: str) -> property:
    """A settable tokenizer property holding the text of the special token ``name``."""
    kind = name[: -len("_token")]

    def getter(self: AlbertTokenizerBase) -> str:
        return self._special_tokens[name].content

    def setter(self: AlbertTokenizerBase, value: str | SpecialToken) -> None:
        self._set_special_token(name, value)

    return property(getter, setter, doc=f"The {kind} special token (a string); settable.")


def special_token_id_property(name: str) -> property:
    """A read-only tokenizer property: the vocabulary id of the special token ``name``."""
    kind = name[: -len("_token")]

    def getter(self: AlbertTokenizerBase) -> int:
        return self._piece_to_id[self._special_tokens[name].content]

    return property(getter, doc=f"The vocabulary id of the {kind} special token.")
