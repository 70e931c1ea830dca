"""The PyTorch output classes: one dataclass per head, with transformers' field names.

Each is a :class:`albert_core.model_output.ModelOutput` (attribute, key and index access,
``to_tuple``) made by :func:`~albert_core.model_output.output_dataclasses` with the fields of
:data:`albert_core.heads.OUTPUT_FIELDS`, and is registered as a pytree so that
``torch.export`` and ``torch.compile`` see through it. :data:`OUTPUTS` finds a class by the
name :attr:`albert_core.heads.HeadSpec.output` gives it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from albert_core.model_output import ModelOutput, output_dataclasses

#: Output class name (:attr:`albert_core.heads.HeadSpec.output`) -> class.
OUTPUTS: dict[str, type[ModelOutput]] = output_dataclasses(
    __name__, dataclasses.dataclass, array="torch.Tensor", arrays="tuple[torch.Tensor, ...]",
    tensors="tensors",
)  # fmt: skip
OUTPUT_CLASSES = tuple(OUTPUTS.values())
(
    BaseModelOutputWithPooling, AlbertForPreTrainingOutput, MaskedLMOutput,
    SequenceClassifierOutput, TokenClassifierOutput, QuestionAnsweringModelOutput,
    MultipleChoiceModelOutput,
) = OUTPUT_CLASSES  # fmt: skip

#: The public names: every output class.
__all__ = [cls.__name__ for cls in OUTPUT_CLASSES]

# Registered as pytrees so torch.export and torch.compile see through them.
for _cls in OUTPUT_CLASSES:
    torch.export.register_dataclass(_cls, serialized_type_name=f"albert_pt.{_cls.__name__}")


def as_returned(output: ModelOutput, return_dict: bool | None) -> Any:
    """``output`` itself, or its tuple of non-None fields when ``return_dict`` is False."""
    return output if return_dict is None or return_dict else output.to_tuple()
