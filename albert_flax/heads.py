"""The head pattern, written once: the ``albert`` backbone and the layers one head adds.

:class:`AlbertHeadModule` reads everything that differs between heads from
:data:`albert_core.heads.HEADS`: whether the backbone keeps its pooler, which feature the
head's layers read, dropout before the classifier, the layers themselves (named as in
transformers, so the params pytree is transformers' Flax layout), the output class and
fields, the input rank (multiple choice flattens ``[batch, choices, seq]`` to one batch
of sequences and reshapes its scores back) and the rules on ``num_labels``. The named
Linen modules (``AlbertForMaskedLMModule``, ...) only pick their head.

The bare backbone is :class:`albert_flax.layers.AlbertModule`. Losses are added outside
the module (:func:`albert_flax.losses.head_loss`), by the ``FlaxAlbert*`` wrappers.
"""

from __future__ import annotations

from typing import ClassVar

import flax.linen as nn
import jax

from albert_core import modeling_utils as mu
from albert_core.heads import HEADS, HeadSpec
from albert_core.model_output import ModelOutput
from albert_flax.layers import AlbertLayerBase, AlbertMLMHead, AlbertModule, AlbertSOPHead
from albert_flax.outputs import OUTPUT_CLASSES, FlaxBaseModelOutputWithPooling

Array = jax.Array


def flax_class_name(spec: HeadSpec) -> str:
    """The ``FlaxAlbert*`` wrapper class name of ``spec``'s head."""
    return "Flax" + spec.pt_class


class AlbertHeadModule(AlbertLayerBase):
    """The backbone (named ``albert``) and the layers of head :attr:`head` on top of it.

    Subclasses set :attr:`head`. The output is the head's output class without ``loss``.
    """

    #: The head's name in :data:`albert_core.heads.HEADS`.
    head: ClassVar[str]

    @nn.compact
    def __call__(
        self,
        input_ids: Array | None = None, attention_mask: Array | None = None,
        token_type_ids: Array | None = None, position_ids: Array | None = None,
        head_mask: Array | None = None, inputs_embeds: Array | None = None,
        deterministic: bool = True, output_attentions: bool = False,
        output_hidden_states: bool = False,
    ) -> ModelOutput:  # fmt: skip
        """The head's scores (no loss); arguments as :meth:`AlbertModule.__call__`.

        Multiple choice takes ``(batch, num_choices, seq)`` inputs (``inputs_embeds``
        ``(batch, num_choices, seq, E)``) and encodes the choices as one batch of
        ``batch * num_choices`` sequences.
        """
        spec = HEADS[self.head]
        spec.check_config(self.config, flax_class_name(spec))
        inputs = {
            "input_ids": input_ids,
            "attention_mask": attention_mask,
            "token_type_ids": token_type_ids,
            "position_ids": position_ids,
            "inputs_embeds": inputs_embeds,
        }
        if spec.input_rank == 3:
            num_choices = (input_ids if input_ids is not None else inputs_embeds).shape[1]
            inputs = {k: _flatten_choices(k, v) for k, v in inputs.items()}
        albert = AlbertModule(
            self.config, self.options, add_pooling_layer=spec.has_pooler, name="albert"
        )
        out = albert(
            **inputs,
            head_mask=head_mask,
            deterministic=deterministic,
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
        )
        scores = [self._layer(spec, name, out, albert, deterministic) for name in spec.layers]
        if len(spec.fields) > len(scores):  # one layer scoring several fields (span start, end)
            scores = [scores[0][..., i] for i in range(len(spec.fields))]
        if spec.input_rank == 3:
            scores = [s.reshape(-1, num_choices) for s in scores]
        return OUTPUT_CLASSES[spec.output](
            **dict(zip(spec.fields, scores, strict=True)),
            hidden_states=out.hidden_states,
            attentions=out.attentions,
        )

    def _layer(
        self,
        spec: HeadSpec,
        name: str,
        out: FlaxBaseModelOutputWithPooling,
        albert: AlbertModule,
        deterministic: bool,
    ) -> Array:
        """Run the head layer ``name`` (a :attr:`HeadSpec.layers` entry) on its feature."""
        cfg = self.config
        if name == "predictions":
            attend = albert.attend if cfg.tie_word_embeddings else None
            return AlbertMLMHead(cfg, self.options, name=name)(out.last_hidden_state, attend)
        pooled = spec.feature in ("pooled", "both")
        feature = out.pooler_output if pooled else out.last_hidden_state
        scope = name.partition(".")[0]
        if scope == "sop_classifier":
            return AlbertSOPHead(cfg, self.options, name=scope)(feature, deterministic)
        if spec.classifier_dropout:
            feature = nn.Dropout(rate=mu.classifier_dropout(cfg))(
                feature, deterministic=deterministic
            )
        return self.dense(spec.classifier_outputs(cfg), name)(feature)


def _flatten_choices(name: str, value: Array | None) -> Array | None:
    """``(batch, choices, seq[, E])`` -> ``(batch * choices, seq[, E])``."""
    if value is None:
        return None
    keep = 2 if name == "inputs_embeds" else 1
    return value.reshape(-1, *value.shape[-keep:])


class AlbertForPreTrainingModule(AlbertHeadModule):
    """Backbone + masked-LM head (``predictions``) + sentence-order head (``sop_classifier``)."""

    head: ClassVar[str] = "pretraining"


class AlbertForMaskedLMModule(AlbertHeadModule):
    """Backbone (no pooler) + masked-LM head."""

    head: ClassVar[str] = "masked-lm"


class AlbertForSequenceClassificationModule(AlbertHeadModule):
    """Backbone + dropout + linear ``classifier`` (``num_labels`` outputs) on the pooled output."""

    head: ClassVar[str] = "sequence-classification"


class AlbertForTokenClassificationModule(AlbertHeadModule):
    """Backbone (no pooler) + dropout + linear ``classifier`` on every token."""

    head: ClassVar[str] = "token-classification"


class AlbertForQuestionAnsweringModule(AlbertHeadModule):
    """Backbone (no pooler) + linear ``qa_outputs`` giving start and end scores per token.

    ``config.num_labels`` must be 2.
    """

    head: ClassVar[str] = "question-answering"


class AlbertForMultipleChoiceModule(AlbertHeadModule):
    """Backbone + dropout + linear ``classifier`` (one score) on each choice's pooled output."""

    head: ClassVar[str] = "multiple-choice"


#: Head name -> its Linen module class (the bare backbone for ``"model"``).
MODULE_CLASSES: dict[str, type[nn.Module]] = {
    "model": AlbertModule,
    **{
        cls.head: cls
        for cls in (
            AlbertForPreTrainingModule,
            AlbertForMaskedLMModule,
            AlbertForSequenceClassificationModule,
            AlbertForTokenClassificationModule,
            AlbertForQuestionAnsweringModule,
            AlbertForMultipleChoiceModule,
        )
    },
}
