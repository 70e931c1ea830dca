"""ALBERT for JAX / Flax.

Seven wrapper classes (``FlaxAlbert*``) around Flax Linen modules, holding a params pytree
in transformers' Flax layout and loading/saving every checkpoint format through
:mod:`albert_core.checkpoints`::

    from albert_flax import FlaxAlbertForMaskedLM
    model = FlaxAlbertForMaskedLM.from_pretrained("albert/albert-base-v2")
    logits = model(input_ids, attention_mask=mask).logits

The package reads as rooms: :mod:`~albert_flax.layers` (embeddings to pooler, the paper's
order; the shared layer groups run as ``nn.scan``, compiled once however deep the model
is), :mod:`~albert_flax.heads` (the head pattern, driven by :data:`albert_core.heads.HEADS`),
:mod:`~albert_flax.outputs`, :mod:`~albert_flax.losses`, :mod:`~albert_flax.options` (the
frozen computation settings), :mod:`~albert_flax.pretrained` (params, calling, loading,
saving) and :mod:`~albert_flax.models` (the public classes); :mod:`~albert_flax.weights`
maps params to canonical arrays, :mod:`~albert_flax.backend` is the
:class:`albert_core.backend.Backend` of ``"flax"`` and :mod:`albert_flax.sharding` holds the
partition-spec rule for data and model parallelism.
"""

from __future__ import annotations

from albert_core.config import AlbertConfig
from albert_core.model_output import ModelOutput
from albert_flax import models, outputs
from albert_flax.heads import (
    AlbertForMaskedLMModule,
    AlbertForMultipleChoiceModule,
    AlbertForPreTrainingModule,
    AlbertForQuestionAnsweringModule,
    AlbertForSequenceClassificationModule,
    AlbertForTokenClassificationModule,
)
from albert_flax.layers import AlbertModule
from albert_flax.models import *  # noqa: F403 - every model class and MODEL_CLASSES
from albert_flax.options import BF16_TOLERANCE, AlbertOptions
from albert_flax.outputs import *  # noqa: F403 - every output class
from albert_flax.pretrained import FlaxAlbertPreTrainedModel

__all__ = [
    *models.__all__, *outputs.__all__, "AlbertForMaskedLMModule", "AlbertForMultipleChoiceModule",
    "AlbertForPreTrainingModule", "AlbertForQuestionAnsweringModule",
    "AlbertForSequenceClassificationModule", "AlbertForTokenClassificationModule",
    "AlbertModule", "AlbertConfig", "AlbertOptions", "BF16_TOLERANCE", "FlaxAlbertPreTrainedModel",
    "ModelOutput",
]  # fmt: skip
