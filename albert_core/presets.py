"""Named size presets of the released ALBERT models, as configs only (no weights).

The names and sizes are :data:`albert_core.config.PRESETS` (``albert-base-v2``, ...); the
same names load with :meth:`albert_core.config.AlbertConfig.from_pretrained`.
"""

from __future__ import annotations

from typing import Any

from albert_core.config import PRESETS, AlbertConfig

__all__ = ["PRESETS", "preset"]


def preset(name: str, **overrides: Any) -> AlbertConfig:
    """The config of a named preset (``albert-base-v2``, ...); ``overrides`` change fields.

    A hub-style ``albert/`` prefix is accepted (``albert/albert-base-v2``).
    """
    key = name.removeprefix("albert/")
    if key not in PRESETS:
        raise KeyError(f"unknown preset {name!r}; known presets: {sorted(PRESETS)}")
    return AlbertConfig(**{**PRESETS[key], **overrides})
