"""``ModelOutput``: the base of the PyTorch and Flax output dataclasses (plain Python).

Like transformers' outputs: fields are read as attributes (``out.logits``) or by name
(``out["logits"]``); iteration, ``keys()``, ``items()`` and ``len()`` see the fields that are
not None, in declaration order; integer indexing and slicing index :meth:`to_tuple`, which
is also what ``return_dict=False`` returns. Subclasses are dataclasses (torch-registered
ones in ``albert_pt``, flax struct dataclasses in ``albert_flax``). The Keras backend's
outputs are dicts, which behave the same way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any


class ModelOutput:
    """Mapping-like access to a dataclass of model outputs; see the module docstring."""

    def keys(self) -> list[str]:
        """Names of the fields that are not None."""
        return [f.name for f in dataclasses.fields(self) if getattr(self, f.name) is not None]

    def values(self) -> list[Any]:
        """Values of the fields that are not None."""
        return [getattr(self, k) for k in self.keys()]

    def items(self) -> list[tuple[str, Any]]:
        """``(name, value)`` of the fields that are not None."""
        return [(k, getattr(self, k)) for k in self.keys()]

    def to_tuple(self) -> tuple[Any, ...]:
        """The non-None field values as a tuple."""
        return tuple(self.values())

    def __getitem__(self, key: str | int | slice) -> Any:
        if isinstance(key, str):
            if key not in self.keys():
                raise KeyError(key)
            return getattr(self, key)
        return self.to_tuple()[key]

    def __contains__(self, key: object) -> bool:
        return key in self.keys()

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self.keys())
