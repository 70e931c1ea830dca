"""PyTorch modules <-> canonical ``{name: np.ndarray}``: the only such mapping in albert_pt.

The modules of :mod:`albert_pt.layers` and :mod:`albert_pt.heads` are named exactly as the
canonical schema names tensors (the transformers PyTorch state-dict names) and use the same
``[out, in]`` layout, so the mapping is the identity on names. What is left is dtype/device
handling and ties: a tied tensor (the MLM decoder weight and bias) is one parameter
reachable under two names; it is written under both names and read once, from its source
name.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import torch
from torch import nn

from albert_core import schema


def to_tensor(array: np.ndarray) -> torch.Tensor:
    """A CPU tensor sharing memory with ``array`` where possible.

    bfloat16 arrays (``ml_dtypes.bfloat16``, which numpy itself lacks) are reinterpreted
    bit for bit. Read-only arrays (memory-mapped files) are wrapped without a copy: the
    result is only ever read.
    """
    if array.dtype.name == "bfloat16":
        return to_tensor(array.view(np.uint16)).view(torch.bfloat16)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        return torch.from_numpy(np.asarray(array))


def checkpoint_dtype(arrays: Mapping[str, np.ndarray]) -> torch.dtype:
    """The torch dtype of the first floating array (float32 when there is none)."""
    for array in arrays.values():
        if array.dtype.kind == "f" or array.dtype.name == "bfloat16":
            return to_tensor(array.reshape(-1)[:0]).dtype
    return torch.float32


def to_numpy(tensor: torch.Tensor) -> np.ndarray:
    """A numpy copy of ``tensor`` on the CPU, in the same dtype.

    numpy has no bfloat16 of its own: bfloat16 becomes ``ml_dtypes.bfloat16`` (what the
    safetensors reader returns too) when ``ml_dtypes`` is installed, else float32, which
    holds every bfloat16 value exactly.
    """
    tensor = tensor.detach().cpu()
    if tensor.dtype == torch.bfloat16:
        try:
            import ml_dtypes
        except ImportError:
            return tensor.float().numpy().copy()
        return tensor.view(torch.uint16).numpy().copy().view(ml_dtypes.bfloat16)
    return tensor.numpy().copy()


def _check_not_quantized(model: nn.Module) -> None:
    for name, module in model.named_modules():
        if hasattr(module, "_packed_params"):
            raise ValueError(
                f"{name or type(model).__name__} is a quantized module; quantized models cannot "
                "be written as ALBERT checkpoints (save the float model instead)"
            )


def _tied_pairs(model: nn.Module) -> dict[str, str]:
    """``{tied name: source name}`` for the ties this module instance really shares."""
    params = dict(model.named_parameters(remove_duplicate=False))
    return {
        name: source
        for name, source in schema.tied_names(model.config, model.head).items()
        if name in params and source in params and params[name] is params[source]
    }


def model_arrays(model: nn.Module) -> dict[str, np.ndarray]:
    """Every canonical tensor of ``model`` (tied names included) as a float numpy array."""
    _check_not_quantized(model)
    return {name: to_numpy(t) for name, t in model.state_dict(keep_vars=False).items()}


@torch.no_grad()
def load_arrays(model: nn.Module, arrays: Mapping[str, np.ndarray]) -> list[str]:
    """Copy ``arrays`` (canonical names of ``model.head``) into ``model``'s parameters.

    Values are converted to each parameter's dtype and device. A tied name is skipped when
    its parameter is the same object as its source's (the source name is authoritative).
    Names the model lacks, or of the wrong shape, raise ValueError naming them (the schema
    check in :func:`albert_core.checkpoints.load_pretrained` normally catches them first).
    Returns the names of the parameters that received no value.
    """
    params = dict(model.named_parameters(remove_duplicate=False))
    tied = _tied_pairs(model)
    unknown = sorted(set(arrays) - set(params))
    if unknown:
        raise ValueError(f"{type(model).__name__} has no parameters named {unknown}")
    for name, value in arrays.items():
        if name in tied and tied[name] in arrays:
            continue
        param = params[name]
        if tuple(value.shape) != tuple(param.shape):
            raise ValueError(
                f"{name}: the model expects shape {tuple(param.shape)}, got {tuple(value.shape)}"
            )
        param.copy_(to_tensor(value))
    covered = set(arrays) | {name for name, source in tied.items() if source in arrays}
    return sorted(set(params) - covered)
