"""The output dataclasses of the ``FlaxAlbert*`` models, with the PyTorch backend's fields.

Each is a ``flax.struct.dataclass`` (a pytree, so it passes through ``jax.jit``) and a
mapping-like :class:`albert_core.model_output.ModelOutput`, made by
:func:`~albert_core.model_output.output_dataclasses` with the fields of
:data:`albert_core.heads.OUTPUT_FIELDS`. :data:`OUTPUT_CLASSES` finds a head's class from
:attr:`albert_core.heads.HeadSpec.output`.
"""

from __future__ import annotations

import flax.struct
import jax

from albert_core.model_output import ModelOutput, output_dataclasses

Array = jax.Array

#: :attr:`albert_core.heads.HeadSpec.output` (transformers' class name) -> the Flax class.
OUTPUT_CLASSES: dict[str, type[ModelOutput]] = output_dataclasses(
    __name__, flax.struct.dataclass, array="Array", arrays="tuple[Array, ...]", prefix="Flax"
)
(
    FlaxBaseModelOutputWithPooling, FlaxAlbertForPreTrainingOutput, FlaxMaskedLMOutput,
    FlaxSequenceClassifierOutput, FlaxTokenClassifierOutput, FlaxQuestionAnsweringModelOutput,
    FlaxMultipleChoiceModelOutput,
) = OUTPUT_CLASSES.values()  # fmt: skip

#: The public names: every output class.
__all__ = [cls.__name__ for cls in OUTPUT_CLASSES.values()]
