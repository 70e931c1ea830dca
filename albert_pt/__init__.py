"""ALBERT for PyTorch.

Seven model classes sharing :class:`AlbertPreTrainedModel`, loading and saving every
checkpoint format through :mod:`albert_core.checkpoints`::

    from albert_pt import AlbertForMaskedLM
    model = AlbertForMaskedLM.from_pretrained("albert/albert-base-v2")

:func:`finetune` fine-tunes a task head on a data file (``albert finetune`` in Python).
"""

from __future__ import annotations

from albert_core.config import AlbertConfig
from albert_core.model_output import ModelOutput
from albert_pt import models, outputs
from albert_pt.finetuning import finetune
from albert_pt.layers import ATTN_IMPLEMENTATIONS
from albert_pt.models import *  # noqa: F403 - every model class and MODEL_CLASSES
from albert_pt.outputs import *  # noqa: F403 - every output class
from albert_pt.pretrained import AlbertPreTrainedModel
from albert_pt.quantization import quantize_dynamic

__all__ = [
    *models.__all__, *outputs.__all__, "ATTN_IMPLEMENTATIONS", "AlbertConfig",
    "AlbertPreTrainedModel", "ModelOutput", "finetune", "quantize_dynamic",
]  # fmt: skip
