"""Post-training dynamic int8 quantization of an ALBERT model's Linear layers.

A thin wrapper over :func:`torch.ao.quantization.quantize_dynamic`: weights of the chosen
``nn.Linear`` layers are stored as int8 and activations are quantized on the fly, on the
CPU. Compare :meth:`AlbertPreTrainedModel.get_memory_footprint` before and after.
"""

from __future__ import annotations

import warnings

import torch
from torch import nn

from albert_core import schema
from albert_pt.pretrained import AlbertPreTrainedModel

#: The MLM decoder shares its weight with the word embeddings; by default it stays float.
OUTPUT_EMBEDDINGS = schema.output_embeddings_module()


def quantize_dynamic(
    model: AlbertPreTrainedModel,
    *,
    dtype: torch.dtype = torch.qint8,
    include_output_embeddings: bool = False,
    inplace: bool = False,
) -> AlbertPreTrainedModel:
    """Return ``model`` with its ``nn.Linear`` layers dynamically quantized to int8.

    Args:
        model: a float32 model on the CPU (the quantized kernels are CPU-only).
        dtype: ``torch.qint8`` (default) or ``torch.float16`` weights.
        include_output_embeddings: also quantize the MLM decoder. It is tied to the word
            embeddings, so quantizing it stores a second (int8) copy of the vocabulary
            matrix and unties it; left out by default.
        inplace: modify ``model`` instead of a deep copy.

    The result is an inference model of the same class: its ``forward`` works as before,
    its outputs stay close to the float model's, but it cannot be trained further or saved
    with ``save_pretrained`` (save the float model). ``torch.ao.quantization`` is
    deprecated upstream in favour of torchao; its deprecation warnings are silenced here.
    """
    if not isinstance(model, AlbertPreTrainedModel):
        raise TypeError(f"expected an albert_pt model, got {type(model).__name__}")
    if model.device.type != "cpu":
        raise ValueError(
            f"dynamic quantization runs on the CPU; the model is on {model.device} "
            "(call model.to('cpu') first)"
        )
    if model.dtype != torch.float32:
        raise ValueError(
            f"dynamic quantization needs a float32 model; this one is {model.dtype} "
            "(call model.float() first)"
        )
    if dtype not in (torch.qint8, torch.float16):
        raise ValueError(f"dtype must be torch.qint8 or torch.float16, got {dtype}")
    names = {
        name
        for name, module in model.named_modules()
        if isinstance(module, nn.Linear)
        and (include_output_embeddings or name != OUTPUT_EMBEDDINGS)
    }
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*quantize_per_tensor.*")
        from torch.ao.quantization import quantize_dynamic as _torch_quantize_dynamic

        quantized = _torch_quantize_dynamic(model, qconfig_spec=names, dtype=dtype, inplace=inplace)
    return quantized
