"""The output dataclasses of the ``FlaxAlbert*`` models, with the PyTorch backend's fields.

Each is a ``flax.struct.dataclass`` (a pytree, so it passes through ``jax.jit``) and a
mapping-like :class:`albert_core.model_output.ModelOutput`. :data:`OUTPUT_CLASSES` finds
a head's class from :attr:`albert_core.heads.HeadSpec.output`.
"""

from __future__ import annotations

import flax.struct
import jax

from albert_core.model_output import ModelOutput

Array = jax.Array
_Arrays = tuple[Array, ...]

@flax.struct.dataclass
class FlaxBaseModelOutputWithPooling(ModelOutput):
    """Output of :class:`FlaxAlbertModel`.

    Attributes:
        last_hidden_state: ``(batch, seq, hidden_size)`` output of the last layer.
        pooler_output: ``(batch, hidden_size)`` tanh-pooled first token (None without pooler).
        hidden_states: with ``output_hidden_states``, ``num_hidden_layers + 1`` arrays: the
            projected embeddings, then the output of every layer application.
        attentions: with ``output_attentions``, ``num_hidden_layers * inner_group_num``
            attention probabilities ``(batch, heads, seq, seq)``, one per inner layer call.
    """

    last_hidden_state: Array | None = None
    pooler_output: Array | None = None
    hidden_states: _Arrays | None = None
    attentions: _Arrays | None = None


@flax.struct.dataclass
class FlaxAlbertForPreTrainingOutput(ModelOutput):
    """Output of :class:`FlaxAlbertForPreTraining`.

    Attributes:
        loss: masked-LM cross-entropy plus sentence-order cross-entropy (given both labels).
        prediction_logits: ``(batch, seq, vocab_size)`` masked-LM scores.
        sop_logits: ``(batch, num_labels)`` sentence-order scores.
        hidden_states, attentions: as in :class:`FlaxBaseModelOutputWithPooling`.
    """

    loss: Array | None = None
    prediction_logits: Array | None = None
    sop_logits: Array | None = None
    hidden_states: _Arrays | None = None
    attentions: _Arrays | None = None


@flax.struct.dataclass
class FlaxMaskedLMOutput(ModelOutput):
    """Output of :class:`FlaxAlbertForMaskedLM`: ``logits`` is ``(batch, seq, vocab_size)``."""

    loss: Array | None = None
    logits: Array | None = None
    hidden_states: _Arrays | None = None
    attentions: _Arrays | None = None


@flax.struct.dataclass
class FlaxSequenceClassifierOutput(ModelOutput):
    """Output of :class:`FlaxAlbertForSequenceClassification`: ``logits`` is
    ``(batch, num_labels)``."""

    loss: Array | None = None
    logits: Array | None = None
    hidden_states: _Arrays | None = None
    attentions: _Arrays | None = None


@flax.struct.dataclass
class FlaxTokenClassifierOutput(ModelOutput):
    """Output of :class:`FlaxAlbertForTokenClassification`: ``logits`` is
    ``(batch, seq, num_labels)``."""

    loss: Array | None = None
    logits: Array | None = None
    hidden_states: _Arrays | None = None
    attentions: _Arrays | None = None


@flax.struct.dataclass
class FlaxQuestionAnsweringModelOutput(ModelOutput):
    """Output of :class:`FlaxAlbertForQuestionAnswering`: span start and end scores
    ``(batch, seq)``."""

    loss: Array | None = None
    start_logits: Array | None = None
    end_logits: Array | None = None
    hidden_states: _Arrays | None = None
    attentions: _Arrays | None = None


@flax.struct.dataclass
class FlaxMultipleChoiceModelOutput(ModelOutput):
    """Output of :class:`FlaxAlbertForMultipleChoice`: ``logits`` is ``(batch, num_choices)``.

    ``hidden_states`` and ``attentions`` have ``batch * num_choices`` rows.
    """

    loss: Array | None = None
    logits: Array | None = None
    hidden_states: _Arrays | None = None
    attentions: _Arrays | None = None


#: :attr:`albert_core.heads.HeadSpec.output` (transformers' class name) -> the Flax class.
OUTPUT_CLASSES: dict[str, type[ModelOutput]] = {
    cls.__name__.removeprefix("Flax"): cls
    for cls in (
        FlaxBaseModelOutputWithPooling, FlaxAlbertForPreTrainingOutput, FlaxMaskedLMOutput,
        FlaxSequenceClassifierOutput, FlaxTokenClassifierOutput,
        FlaxQuestionAnsweringModelOutput, FlaxMultipleChoiceModelOutput,
    )
}  # fmt: skip

#: The public names: every output class.
__all__ = [cls.__name__ for cls in OUTPUT_CLASSES.values()]
