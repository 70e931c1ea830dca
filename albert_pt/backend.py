"""The PyTorch :class:`albert_core.backend.Backend`: ALBERT in torch, seen through numpy.

``get_backend("pt")`` returns :data:`BACKEND`. Models are the classes of
:data:`albert_pt.MODEL_CLASSES`; weights move in and out through :mod:`albert_pt.weights`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import torch

from albert_core.backend import Backend, parse_device
from albert_core.config import AlbertConfig
from albert_pt import weights
from albert_pt.models import MODEL_CLASSES
from albert_pt.pretrained import AlbertPreTrainedModel

if TYPE_CHECKING:
    from albert_pt.finetuning import PTFinetuner
    from albert_pt.pretraining import PTPretrainer


def torch_device(device: int | str | None) -> torch.device:
    """transformers-style device: None or -1 -> CPU, an int N -> ``cuda:N``, else a name."""
    kind, index = parse_device(device)
    return torch.device("cpu") if kind == "cpu" else torch.device("cuda", index)


class PTBackend(Backend, framework="pt", model_classes=MODEL_CLASSES):
    """ALBERT in PyTorch behind the :class:`~albert_core.backend.Backend` protocol."""

    def load_pretrained(
        self, load: Callable[..., AlbertPreTrainedModel], device: int | str | None,
        dtype: str | None,
    ) -> AlbertPreTrainedModel:
        """The model in eval mode on ``device`` (a ``torch.device``)."""
        target = torch_device(device)
        if target.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(f"device {device!r} asks for a GPU, but torch sees none")
        return load(dtype=dtype, device=target).eval()

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

    def finetuner(self) -> type[PTFinetuner]:
        """:class:`albert_pt.finetuning.PTFinetuner`."""
        from albert_pt.finetuning import PTFinetuner

        return PTFinetuner


#: The PyTorch backend, found by ``albert_core.backend.get_backend("pt")``.
BACKEND = PTBackend()
