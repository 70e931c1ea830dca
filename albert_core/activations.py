"""Activation names, shared by the three backends' activation tables.

:data:`albert_core.config.ACTIVATIONS` defines every name a config may give as
``hidden_act``; some names are the same formula under another name
(:data:`ACTIVATION_ALIASES`). Each backend writes one function per formula and builds its
table with :func:`activation_table`, so the aliases share one function object and a name
missing from a backend is caught when it is imported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from albert_core.config import ACTIVATIONS

#: Activation names whose formula is that of another name of
#: :data:`albert_core.config.ACTIVATIONS` -> that name.
ACTIVATION_ALIASES: dict[str, str] = {
    "gelu_fast": "gelu_new",
    "gelu_pytorch_tanh": "gelu_new",
    "swish": "silu",
}

_Fn = TypeVar("_Fn")


def activation_table(backend: str, functions: Mapping[str, _Fn]) -> dict[str, _Fn]:
    """Every name of :data:`~albert_core.config.ACTIVATIONS` -> its function, in that order.

    ``functions`` gives one function per formula: a key for every name that is not in
    :data:`ACTIVATION_ALIASES`; an alias gets the function of the name it stands for.
    ImportError (naming ``backend``) when the keys drift from the core's names.
    """
    formulas = sorted(set(ACTIVATIONS) - set(ACTIVATION_ALIASES))
    if sorted(functions) != formulas:
        raise ImportError(
            f"{backend} activations {sorted(functions)} differ from albert_core's {formulas}"
        )
    return {name: functions[ACTIVATION_ALIASES.get(name, name)] for name in ACTIVATIONS}


def lookup_activation(table: Mapping[str, _Fn], name: str) -> _Fn:
    """``table[name]``; ValueError naming the choices when ``name`` is not an activation."""
    try:
        return table[name]
    except KeyError:
        raise ValueError(
            f"hidden_act={name!r} is not supported; choose one of {sorted(table)}"
        ) from None
