"""Model outputs: dicts of transformers' field names, one class per head.

Being dicts, outputs pass through ``tf.function``, ``fit``/``predict`` and SavedModel
signatures unchanged. :data:`OUTPUT_CLASSES` finds a head's class by the name
:attr:`albert_core.heads.HeadSpec.output` gives.
"""

from __future__ import annotations

from typing import Any, ClassVar

import optree

from albert_core.heads import OUTPUT_FIELDS


class ModelOutput(dict):
    """Base of the output classes: a ``dict`` of the fields that are not None.

    Fields are read by name (``out["logits"]``) or as attributes (``out.logits``; a field
    that was not computed reads as None). Being a dict, an output passes through
    ``tf.function``, ``tf.nest``, ``keras.tree`` and SavedModel signatures as it is.
    :meth:`to_tuple` gives the values in field order, which is what ``return_dict=False``
    returns.
    """

    #: Every field the class can hold, in order (a head's output class:
    #: :data:`albert_core.heads.OUTPUT_FIELDS` of its name).
    fields: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.fields = OUTPUT_FIELDS.get(cls.__name__, cls.fields)
        # keras.tree (optree) treats unregistered dict subclasses as leaves.
        optree.register_pytree_node(
            cls,
            lambda out: (tuple(out.values()), tuple(out.keys()), tuple(out.keys())),
            lambda keys, values: cls(zip(keys, values, strict=True)),
            namespace="keras",
        )

    @classmethod
    def make(cls, **values: Any) -> ModelOutput:
        """An output holding the given fields that are not None, in field order."""
        unknown = sorted(set(values) - set(cls.fields))
        if unknown:
            raise TypeError(f"{cls.__name__} has no fields {unknown}")
        return cls((k, values[k]) for k in cls.fields if values.get(k) is not None)

    def __getattr__(self, name: str) -> Any:
        if name in self:
            return self[name]
        if name in type(self).fields:
            return None
        raise AttributeError(f"{type(self).__name__} has no field {name!r}")

    def to_tuple(self) -> tuple[Any, ...]:
        """The values of the fields that are not None, in field order."""
        return tuple(self[k] for k in type(self).fields if k in self)


class BaseModelOutputWithPooling(ModelOutput):
    """Output of :class:`TFAlbertModel`.

    Fields:
        last_hidden_state: ``(batch, seq, hidden_size)`` output of the last layer.
        pooler_output: ``(batch, hidden_size)`` tanh-pooled first token.
        hidden_states: with ``output_hidden_states``, ``num_hidden_layers + 1`` tensors:
            the projected embeddings, then the output of every layer application.
        attentions: with ``output_attentions``, ``num_hidden_layers * inner_group_num``
            attention probabilities ``(batch, heads, seq, seq)``, one per inner layer call.
    """


class AlbertForPreTrainingOutput(ModelOutput):
    """Output of :class:`TFAlbertForPreTraining`: ``loss`` (with both labels),
    ``prediction_logits`` ``(batch, seq, vocab_size)``, ``sop_logits`` ``(batch, num_labels)``,
    ``hidden_states``, ``attentions``."""


class MaskedLMOutput(ModelOutput):
    """Output of :class:`TFAlbertForMaskedLM`: ``logits`` is ``(batch, seq, vocab_size)``."""


class SequenceClassifierOutput(ModelOutput):
    """Output of :class:`TFAlbertForSequenceClassification`: ``logits`` is
    ``(batch, num_labels)``."""


class TokenClassifierOutput(ModelOutput):
    """Output of :class:`TFAlbertForTokenClassification`: ``logits`` is
    ``(batch, seq, num_labels)``."""


class QuestionAnsweringModelOutput(ModelOutput):
    """Output of :class:`TFAlbertForQuestionAnswering`: span ``start_logits`` and
    ``end_logits``, each ``(batch, seq)``."""


class MultipleChoiceModelOutput(ModelOutput):
    """Output of :class:`TFAlbertForMultipleChoice`: ``logits`` is ``(batch, num_choices)``;
    ``hidden_states`` and ``attentions`` have ``batch * num_choices`` rows."""


#: Output class name (:attr:`albert_core.heads.HeadSpec.output`) -> class.
OUTPUT_CLASSES: dict[str, type[ModelOutput]] = {
    cls.__name__: cls
    for cls in (
        BaseModelOutputWithPooling, AlbertForPreTrainingOutput, MaskedLMOutput,
        SequenceClassifierOutput, TokenClassifierOutput, QuestionAnsweringModelOutput,
        MultipleChoiceModelOutput,
    )
}  # fmt: skip

#: The public names: the base and every output class.
__all__ = ["ModelOutput", *OUTPUT_CLASSES]

if set(OUTPUT_FIELDS) != set(OUTPUT_CLASSES):  # pragma: no cover
    raise ImportError("albert_tf output classes differ from albert_core.heads' outputs")
