"""The task-model pattern in PyTorch, written once and driven by :data:`albert_core.heads.HEADS`.

Every task model is the backbone (``albert``) with a head's layers on top. What differs from
one head to the next is read from its :class:`~albert_core.heads.HeadSpec`:

* ``has_pooler``: whether the backbone keeps its pooler;
* ``input_rank``: multiple choice's ``[batch, choices, seq]`` inputs are flattened to one
  batch of ``batch * choices`` sequences, and the scores reshaped back;
* ``feature`` and ``layers``: what each layer reads (token states or the pooled first
  token) and the module names, which are the canonical weight names;
* ``classifier_dropout``: dropout in front of a classifier;
* ``loss`` and ``labels``: the loss the labels select, computed when all labels are given;
* ``output`` and ``fields``: the output class and where the scores go;
* ``check_config``: the rules on ``num_labels``.

The public classes of :mod:`albert_pt.models` declare their documented ``forward``
signatures and hand the call to :meth:`AlbertHeadModel.forward_head`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from albert_core import modeling_utils as mu
from albert_core.config import AlbertConfig
from albert_core.heads import HeadSpec, head_spec
from albert_core.model_output import ModelOutput
from albert_pt.layers import AlbertMLMHead, AlbertSOPHead
from albert_pt.outputs import OUTPUTS, BaseModelOutputWithPooling, as_returned
from albert_pt.pretrained import AlbertPreTrainedModel

#: Head layers that are modules of their own rather than one linear layer on
#: :attr:`HeadSpec.feature`: layer name -> (attribute, module class, the feature it reads).
#: The SOP head holds its own dropout.
_LAYER_MODULES: dict[str, tuple[str, type[nn.Module], str]] = {
    "predictions": ("predictions", AlbertMLMHead, "sequence"),
    "sop_classifier.classifier": ("sop_classifier", AlbertSOPHead, "pooled"),
}

#: Heads whose classifier scores ``config.num_labels`` classes keep that count as
#: ``model.num_labels``.
_NUM_LABELS_LOSSES = ("sequence", "token", "span")


# ================================================================================ losses
#: A head's loss: ``loss(config, scores, labels)``, the scores in :attr:`HeadSpec.fields`
#: order and the labels in :attr:`HeadSpec.labels` order.
LossFn = Callable[[AlbertConfig, Sequence[torch.Tensor], Sequence[torch.Tensor]], torch.Tensor]


def _cross_entropy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over every row of ``logits``; labels of -100 are skipped."""
    return F.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=mu.IGNORE_INDEX
    )


def _classes_loss(
    config: AlbertConfig, scores: Sequence[torch.Tensor], labels: Sequence[torch.Tensor]
) -> torch.Tensor:
    """Cross-entropy of the one score tensor: masked-LM, token classes, choices."""
    return _cross_entropy(scores[0], labels[0])


def _mlm_sop_loss(
    config: AlbertConfig, scores: Sequence[torch.Tensor], labels: Sequence[torch.Tensor]
) -> torch.Tensor:
    """Masked-LM cross-entropy plus sentence-order cross-entropy."""
    return _cross_entropy(scores[0], labels[0]) + _cross_entropy(scores[1], labels[1])


def _sequence_loss(
    config: AlbertConfig, scores: Sequence[torch.Tensor], labels: Sequence[torch.Tensor]
) -> torch.Tensor:
    """MSE, cross-entropy or binary cross-entropy, by the problem type (inferred per call)."""
    (logits,), (target,) = scores, labels
    problem = mu.infer_problem_type(
        config.problem_type,
        config.num_labels,
        not (target.is_floating_point() or target.is_complex()),
    )
    if problem == "regression":
        target = target.to(logits.dtype)
        if config.num_labels == 1:
            return F.mse_loss(logits.squeeze(), target.squeeze())
        return F.mse_loss(logits, target)
    if problem == "single_label_classification":
        return _cross_entropy(logits, target)
    return F.binary_cross_entropy_with_logits(logits, target.to(logits.dtype))


def _span_loss(
    config: AlbertConfig, scores: Sequence[torch.Tensor], labels: Sequence[torch.Tensor]
) -> torch.Tensor:
    """Mean of the start and end cross-entropies; positions are clamped to ``[0, seq]`` and
    ``seq`` (outside the input) is ignored, as in transformers."""
    ignored_index = scores[0].shape[1]
    losses = [
        F.cross_entropy(logits, positions.reshape(-1).clamp(0, ignored_index),
                        ignore_index=ignored_index)
        for logits, positions in zip(scores, labels, strict=True)
    ]  # fmt: skip
    return (losses[0] + losses[1]) / 2


#: :data:`albert_core.heads.LossKind` -> its :data:`LossFn`.
LOSSES: dict[str, LossFn] = {
    "mlm_sop": _mlm_sop_loss,
    "mlm": _classes_loss,
    "sequence": _sequence_loss,
    "token": _classes_loss,
    "span": _span_loss,
    "choice": _classes_loss,
}


# ============================================================================ the pattern
def _flatten_choices(
    input_ids: torch.Tensor | None,
    attention_mask: torch.Tensor | None,
    token_type_ids: torch.Tensor | None,
    position_ids: torch.Tensor | None,
    inputs_embeds: torch.Tensor | None,
) -> tuple[int, tuple[torch.Tensor | None, ...]]:
    """``(batch, choices, seq)`` inputs -> the number of choices and ``(batch * choices, seq)``
    inputs (``inputs_embeds`` keeps its last dimension)."""
    mu.check_inputs_given(input_ids is not None, inputs_embeds is not None)
    main = input_ids if input_ids is not None else inputs_embeds
    want = 3 if input_ids is not None else 4
    if main.dim() != want:
        name = "input_ids" if input_ids is not None else "inputs_embeds"
        raise ValueError(
            f"{name} must be (batch, num_choices, seq{', embedding_size' * (want == 4)}), "
            f"got shape {tuple(main.shape)}"
        )

    def flat(t: torch.Tensor | None) -> torch.Tensor | None:
        return None if t is None else t.reshape(-1, t.shape[-1])

    embeds = None
    if inputs_embeds is not None:
        embeds = inputs_embeds.reshape(-1, inputs_embeds.shape[-2], inputs_embeds.shape[-1])
    return main.shape[1], (
        flat(input_ids), flat(attention_mask), flat(token_type_ids), flat(position_ids), embeds
    )


class AlbertHeadModel(AlbertPreTrainedModel):
    """The backbone with the layers of :attr:`head` on top; the base of every task model.

    Args:
        config: the model hyper-parameters; ``config.num_labels`` must suit the head
            (:meth:`albert_core.heads.HeadSpec.check_config`).
        attn_implementation: ``"sdpa"`` (default) or ``"eager"``.
    """

    def __init__(self, config: AlbertConfig, *, attn_implementation: str | None = None) -> None:
        spec = head_spec(self.head)
        spec.check_config(config)
        super().__init__(config, attn_implementation=attn_implementation)
        if spec.loss in _NUM_LABELS_LOSSES:
            self.num_labels = config.num_labels
        from albert_pt.models import AlbertModel  # models.py builds on this module

        self.albert = AlbertModel(
            config,
            add_pooling_layer=spec.has_pooler,
            attn_implementation=self._attn_implementation,
            _initialize=False,
        )
        for layer in spec.layers:
            if layer in _LAYER_MODULES:
                attribute, module_class, _ = _LAYER_MODULES[layer]
                setattr(self, attribute, module_class(config))
                continue
            if spec.classifier_dropout:
                self.dropout = nn.Dropout(mu.classifier_dropout(config))
            setattr(self, layer, nn.Linear(config.hidden_size, spec.classifier_outputs(config)))
        self.post_init()

    @property
    def spec(self) -> HeadSpec:
        """The :class:`~albert_core.heads.HeadSpec` of this model's head."""
        return head_spec(self.head)

    def _scores(self, outputs: BaseModelOutputWithPooling) -> list[torch.Tensor]:
        """The head's scores from the backbone outputs, one tensor per output field."""
        spec = self.spec
        features = {"sequence": outputs.last_hidden_state, "pooled": outputs.pooler_output}
        scores = []
        for layer in spec.layers:
            if layer in _LAYER_MODULES:
                attribute, _, feature = _LAYER_MODULES[layer]
                scores.append(getattr(self, attribute)(features[feature]))
                continue
            hidden = features[spec.feature]
            if spec.classifier_dropout:
                hidden = self.dropout(hidden)
            scores.append(getattr(self, layer)(hidden))
        if len(spec.fields) > len(scores):
            # One linear layer scores several fields (span start and end) along its last axis.
            scores = [s.contiguous() for s in scores[0].unbind(dim=-1)]
        return scores

    def forward_head(
        self,
        input_ids: torch.Tensor | None,
        attention_mask: torch.Tensor | None,
        token_type_ids: torch.Tensor | None,
        position_ids: torch.Tensor | None,
        head_mask: torch.Tensor | None,
        inputs_embeds: torch.Tensor | None,
        labels: Mapping[str, torch.Tensor | None],
        output_attentions: bool | None,
        output_hidden_states: bool | None,
        return_dict: bool | None,
    ) -> Any:
        """The forward pass of every task model; ``labels`` is keyed by label argument.

        Runs the backbone on the (flattened, for multiple choice) inputs, the head's layers
        on the feature they read, the loss when every label of the head is given, and
        returns the head's output class (or its tuple when ``return_dict`` is False).
        """
        spec = self.spec
        num_choices = None
        if spec.input_rank == 3:
            num_choices, flat = _flatten_choices(
                input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds
            )
            input_ids, attention_mask, token_type_ids, position_ids, inputs_embeds = flat
        outputs = self.albert(
            input_ids,
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
            position_ids=position_ids,
            head_mask=head_mask,
            inputs_embeds=inputs_embeds,
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
            return_dict=True,
        )
        scores = self._scores(outputs)
        if num_choices is not None:
            scores = [s.reshape(-1, num_choices) for s in scores]
        given = [labels[name] for name in spec.labels]
        loss = None
        if all(label is not None for label in given):
            loss = LOSSES[spec.loss](self.config, scores, given)
        output: ModelOutput = OUTPUTS[spec.output](
            loss=loss,
            **dict(zip(spec.fields, scores, strict=True)),
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
        )
        return as_returned(output, return_dict)
