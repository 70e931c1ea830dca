"""The seven ALBERT heads, declared once: what differs from one task model to the next.

Every backend builds its task models from this table: which backbone feature a head reads
(the token states or the pooled first token), which layers sit on top, what the output is
called and which fields it has, which loss the labels select, the rank of the inputs and
the rules on ``num_labels``. The public classes (``AlbertForMaskedLM``,
``TFAlbertForMaskedLM``, ``FlaxAlbertForMaskedLM``, ...) are thin declarations over it.

Nothing here imports a deep-learning framework.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from albert_core.config import AlbertConfig

#: What a head's loss is computed from its labels.
#:
#: * ``none``: no labels (the bare backbone);
#: * ``mlm_sop``: masked-LM cross-entropy plus sentence-order cross-entropy;
#: * ``mlm``: masked-LM cross-entropy (-100 ignored);
#: * ``sequence``: regression (MSE), single-label (cross-entropy) or multi-label (binary
#:   cross-entropy), by ``problem_type`` (:func:`albert_core.modeling_utils.infer_problem_type`);
#: * ``token``: per-token cross-entropy (-100 ignored);
#: * ``span``: mean of the start and end cross-entropies, positions clamped to the sequence;
#: * ``choice``: cross-entropy over the choices.
LossKind = Literal["none", "mlm_sop", "mlm", "sequence", "token", "span", "choice"]

#: What the layers on top of the backbone read: every token's state or the pooled state.
Feature = Literal["none", "sequence", "pooled", "both"]


@dataclasses.dataclass(frozen=True)
class HeadSpec:
    """One task model: its class names, the layers on the backbone, outputs, loss and inputs.

    Attributes:
        name: the head's name in the APIs and on the command line (``"masked-lm"``).
        pt_class: the PyTorch class name, which is also transformers' (``AlbertForMaskedLM``).
        has_pooler: whether the backbone keeps its pooler (``albert.pooler.*`` weights).
        feature: what the head's layers read from the backbone.
        layers: canonical module names of the head's own layers, in state-dict order.
        output: the output class name (PyTorch / Flax dataclass; the Keras dict has the same
            fields).
        fields: the output fields after ``loss`` and before ``hidden_states`` /
            ``attentions``, in order.
        loss: what the labels select (:data:`LossKind`).
        labels: the keyword arguments that carry the labels, in signature order; the loss is
            computed only when all of them are given.
        input_rank: 2 for ``[batch, seq]`` inputs, 3 for multiple choice's
            ``[batch, choices, seq]`` (flattened before the backbone, logits reshaped back).
        classifier_width: the output width of the last linear layer: ``"num_labels"``, or
            ``"one"`` (a score per choice).
        required_num_labels: the ``num_labels`` the head needs, or None for any.
        classifier_dropout: whether dropout (:func:`~albert_core.modeling_utils.classifier_dropout`)
            comes before the classifier.
    """

    name: str
    pt_class: str
    has_pooler: bool
    feature: Feature
    layers: tuple[str, ...]
    output: str
    fields: tuple[str, ...]
    loss: LossKind
    labels: tuple[str, ...] = ()
    input_rank: int = 2
    classifier_width: Literal["num_labels", "one"] = "num_labels"
    required_num_labels: int | None = None
    classifier_dropout: bool = False

    @property
    def tf_class(self) -> str:
        """The Keras class name (``TFAlbertForMaskedLM``)."""
        return "TF" + self.pt_class

    @property
    def keras_scope(self) -> str:
        """The top name scope transformers' TF gives this class (``tf_albert_for_masked_lm``)."""
        words = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", self.tf_class)
        return re.sub(r"([a-z])([A-Z])", r"\1_\2", words).lower()

    def classifier_outputs(self, config: AlbertConfig) -> int:
        """The width of the head's last linear layer for ``config``."""
        return 1 if self.classifier_width == "one" else config.num_labels

    def check_config(self, config: AlbertConfig, class_name: str | None = None) -> None:
        """Raise ValueError when ``config.num_labels`` does not suit this head.

        ``class_name`` names the framework's class in the message (default :attr:`pt_class`).
        """
        needed = self.required_num_labels
        if needed is not None and config.num_labels != needed:
            raise ValueError(
                f"{class_name or self.pt_class} needs num_labels={needed} (start and end "
                f"scores), got num_labels={config.num_labels}"
            )


#: Every head, keyed by the name used on the command line and in the APIs.
HEADS: dict[str, HeadSpec] = {
    spec.name: spec
    for spec in (
        HeadSpec(
            "model", "AlbertModel", has_pooler=True, feature="none", layers=(),
            output="BaseModelOutputWithPooling",
            fields=("last_hidden_state", "pooler_output"), loss="none",
        ),
        HeadSpec(
            "pretraining", "AlbertForPreTraining", has_pooler=True, feature="both",
            layers=("predictions", "sop_classifier.classifier"),
            output="AlbertForPreTrainingOutput", fields=("prediction_logits", "sop_logits"),
            loss="mlm_sop", labels=("labels", "sentence_order_label"),
            classifier_dropout=True,
        ),
        HeadSpec(
            "masked-lm", "AlbertForMaskedLM", has_pooler=False, feature="sequence",
            layers=("predictions",), output="MaskedLMOutput", fields=("logits",),
            loss="mlm", labels=("labels",),
        ),
        HeadSpec(
            "sequence-classification", "AlbertForSequenceClassification", has_pooler=True,
            feature="pooled", layers=("classifier",), output="SequenceClassifierOutput",
            fields=("logits",), loss="sequence", labels=("labels",), classifier_dropout=True,
        ),
        HeadSpec(
            "token-classification", "AlbertForTokenClassification", has_pooler=False,
            feature="sequence", layers=("classifier",), output="TokenClassifierOutput",
            fields=("logits",), loss="token", labels=("labels",), classifier_dropout=True,
        ),
        HeadSpec(
            "question-answering", "AlbertForQuestionAnswering", has_pooler=False,
            feature="sequence", layers=("qa_outputs",), output="QuestionAnsweringModelOutput",
            fields=("start_logits", "end_logits"), loss="span",
            labels=("start_positions", "end_positions"), required_num_labels=2,
        ),
        HeadSpec(
            "multiple-choice", "AlbertForMultipleChoice", has_pooler=True, feature="pooled",
            layers=("classifier",), output="MultipleChoiceModelOutput", fields=("logits",),
            loss="choice", labels=("labels",), input_rank=3, classifier_width="one",
            classifier_dropout=True,
        ),
    )
}  # fmt: skip


#: Output class name (:attr:`HeadSpec.output`) -> every field of the class, in order:
#: ``loss`` (heads with labels), the head's :attr:`HeadSpec.fields`, ``hidden_states``,
#: ``attentions``. Every backend's output classes have these fields.
OUTPUT_FIELDS: dict[str, tuple[str, ...]] = {
    spec.output: (("loss",) if spec.labels else ()) + spec.fields + ("hidden_states", "attentions")
    for spec in HEADS.values()
}


def by_head(classes: Iterable[type]) -> dict[str, type]:
    """``{cls.head: cls}`` for a backend's model classes, one per head of :data:`HEADS`."""
    found = {cls.head: cls for cls in classes}
    if set(found) != set(HEADS):
        raise ValueError(f"model classes cover heads {sorted(found)}, not {sorted(HEADS)}")
    return found


def head_spec(head: str) -> HeadSpec:
    """The :class:`HeadSpec` of ``head``; a clear error for unknown names."""
    try:
        return HEADS[head]
    except KeyError:
        raise ValueError(f"unknown head {head!r}; choose one of {sorted(HEADS)}") from None


def head_from_class_name(class_name: str) -> str:
    """The head of a transformers/our class name (``TFAlbertForMaskedLM`` -> ``masked-lm``)."""
    bare = class_name.removeprefix("TF").removeprefix("Flax")
    for spec in HEADS.values():
        if spec.pt_class == bare:
            return spec.name
    raise ValueError(f"{class_name!r} is not an ALBERT model class")
