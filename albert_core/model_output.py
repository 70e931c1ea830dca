"""``ModelOutput``: the base of the PyTorch and Flax output dataclasses (plain Python).

Like transformers' outputs: fields are read as attributes (``out.logits``) or by name
(``out["logits"]``); iteration, ``keys()``, ``items()`` and ``len()`` see the fields that are
not None, in declaration order; integer indexing and slicing index :meth:`to_tuple`, which
is also what ``return_dict=False`` returns. Subclasses are dataclasses (torch-registered
ones in ``albert_pt``, flax struct dataclasses in ``albert_flax``) made by
:func:`output_dataclass` with the fields of :data:`albert_core.heads.OUTPUT_FIELDS`. The
Keras backend's outputs are dicts, which behave the same way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

from albert_core.heads import OUTPUT_FIELDS

#: Output fields that hold one array per layer (a tuple), not one array.
PER_LAYER_FIELDS = ("hidden_states", "attentions")


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


#: Output class name -> its docstring; ``{prefix}`` is the backend's class prefix (``Flax``)
#: and ``{tensors}`` its word for arrays.
OUTPUT_DOCS: dict[str, str] = {
    "BaseModelOutputWithPooling": """Output of :class:`{prefix}AlbertModel`.

    Attributes:
        last_hidden_state: ``(batch, seq, hidden_size)`` output of the last layer.
        pooler_output: ``(batch, hidden_size)`` tanh-pooled first token (None without pooler).
        hidden_states: with ``output_hidden_states``, ``num_hidden_layers + 1`` {tensors}:
            the projected embeddings, then the output of every layer application.
        attentions: with ``output_attentions``, ``num_hidden_layers * inner_group_num``
            attention probabilities ``(batch, heads, seq, seq)``, one per inner layer call.
    """,
    "AlbertForPreTrainingOutput": """Output of :class:`{prefix}AlbertForPreTraining`.

    Attributes:
        loss: masked-LM cross-entropy plus sentence-order cross-entropy (given both labels).
        prediction_logits: ``(batch, seq, vocab_size)`` masked-LM scores.
        sop_logits: ``(batch, num_labels)`` sentence-order scores.
        hidden_states, attentions: as in :class:`{prefix}BaseModelOutputWithPooling`.
    """,
    "MaskedLMOutput": """Output of :class:`{prefix}AlbertForMaskedLM`: ``logits`` is
    ``(batch, seq, vocab_size)``.""",
    "SequenceClassifierOutput": """Output of :class:`{prefix}AlbertForSequenceClassification`:
    ``logits`` is ``(batch, num_labels)``.""",
    "TokenClassifierOutput": """Output of :class:`{prefix}AlbertForTokenClassification`:
    ``logits`` is ``(batch, seq, num_labels)``.""",
    "QuestionAnsweringModelOutput": """Output of :class:`{prefix}AlbertForQuestionAnswering`:
    span start and end scores ``(batch, seq)``.""",
    "MultipleChoiceModelOutput": """Output of :class:`{prefix}AlbertForMultipleChoice`:
    ``logits`` is ``(batch, num_choices)``.

    ``hidden_states`` and ``attentions`` have ``batch * num_choices`` rows.
    """,
}


def output_dataclasses(
    module: str,
    decorator: Callable[[type], type],
    *,
    array: str,
    arrays: str,
    prefix: str = "",
    tensors: str = "arrays",
) -> dict[str, type[ModelOutput]]:
    """A backend's output classes: output class name -> :class:`ModelOutput` dataclass.

    Class ``prefix + name`` of ``module`` has the fields ``OUTPUT_FIELDS[name]`` in order,
    each None by default and annotated ``array | None`` (``arrays | None`` for
    :data:`PER_LAYER_FIELDS`), and the docstring ``OUTPUT_DOCS[name]``; ``decorator`` makes
    the dataclass (``dataclasses.dataclass``, ``flax.struct.dataclass``).
    """
    classes = {}
    for name, fields in OUTPUT_FIELDS.items():
        namespace: dict[str, Any] = dict.fromkeys(fields)
        namespace.update(
            __doc__=OUTPUT_DOCS[name].format(prefix=prefix, tensors=tensors),
            __module__=module, __qualname__=prefix + name,
            __annotations__={
                f: f"{arrays if f in PER_LAYER_FIELDS else array} | None" for f in fields
            },
        )  # fmt: skip
        classes[name] = decorator(type(prefix + name, (ModelOutput,), namespace))
    return classes
