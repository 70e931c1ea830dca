"""The PyTorch :class:`albert_core.backend.Backend`: ALBERT in torch, seen through numpy.

``get_backend("pt")`` returns :data:`BACKEND`. Models are the classes of
:data:`albert_pt.MODEL_CLASSES`; weights move in and out through :mod:`albert_pt.weights`.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import torch

from albert_core.backend import parse_device
from albert_core.config import AlbertConfig
from albert_pt import weights
from albert_pt.models import MODEL_CLASSES
from albert_pt.pretrained import AlbertPreTrainedModel

if TYPE_CHECKING:
    from albert_pt.pretraining import PTPretrainer


def torch_device(device: int | str | None) -> torch.device:
    """transformers-style device: None or -1 -> CPU, an int N -> ``cuda:N``, else a name."""
    kind, index = parse_device(device)
    return torch.device("cpu") if kind == "cpu" else torch.device("cuda", index)


class PTBackend:
    """ALBERT in PyTorch behind the :class:`~albert_core.backend.Backend` protocol."""

    framework = "pt"
    model_classes: Mapping[str, type[AlbertPreTrainedModel]] = MODEL_CLASSES

    def from_pretrained(
        self,
        head: str,
        name_or_path: str | os.PathLike[str],
        *,
        device: int | str | None = None,
        dtype: str | None = None,
        revision: str | None = None,
        strict: bool = True,
    ) -> AlbertPreTrainedModel:
        """``head``'s model in eval mode on ``device`` (see the protocol).

        With ``strict=False`` the loading warnings (weights left randomly initialised) are
        silenced; the caller checks ``model.loading_report`` for what it needs.
        """
        target = torch_device(device)
        if target.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"device {device!r} asks for a GPU, but torch sees none")
        with warnings.catch_warnings():
            if not strict:
                warnings.simplefilter("ignore")
            model = MODEL_CLASSES[head].from_pretrained(
                name_or_path, dtype=dtype, device=target, revision=revision, strict=strict
            )
        return model.eval()

    def from_arrays(
        self, config: AlbertConfig, head: str, arrays: Mapping[str, np.ndarray]
    ) -> AlbertPreTrainedModel:
        """``head`` for ``config`` on the CPU holding ``arrays``, in eval mode.

        Values are cast to the model's float32 parameters; parameters ``arrays`` lacks keep
        their random initialisation.
        """
        model = MODEL_CLASSES[head](config)
        weights.load_arrays(model, arrays)
        return model.eval()

    def to_arrays(self, model: AlbertPreTrainedModel) -> dict[str, np.ndarray]:
        """:func:`albert_pt.weights.model_arrays`: every canonical tensor, tied names included."""
        return weights.model_arrays(model)

    def load_arrays(self, model: AlbertPreTrainedModel, arrays: Mapping[str, np.ndarray]) -> None:
        """:func:`albert_pt.weights.load_arrays`: copy ``arrays`` into ``model``'s parameters."""
        weights.load_arrays(model, arrays)

    def forward(
        self, model: AlbertPreTrainedModel, batch: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        """Run ``model`` on a numpy batch without gradients, where its weights live.

        Integer arrays become int64 (what embeddings and losses index with). Returns the
        output fields that are one tensor (``loss`` with labels; not the per-layer tuples)
        as float32 numpy.
        """
        device = next(model.parameters()).device
        inputs = {}
        for name, value in batch.items():
            tensor = torch.as_tensor(value, device=device)
            inputs[name] = tensor.long() if not tensor.is_floating_point() else tensor
        with torch.inference_mode():
            outputs = model(**inputs)
        return {k: v.float().cpu().numpy() for k, v in outputs.items() if torch.is_tensor(v)}

    def pretrainer(self) -> type[PTPretrainer]:
        """:class:`albert_pt.pretraining.PTPretrainer`."""
        from albert_pt.pretraining import PTPretrainer

        return PTPretrainer


#: The PyTorch backend, found by ``albert_core.backend.get_backend("pt")``.
BACKEND = PTBackend()
