"""The activation functions named in :data:`albert_core.config.ACTIVATIONS`, in PyTorch.

Each entry implements the formula written next to its name in ``ACTIVATIONS``; the set of
names is exactly that of ``ACTIVATIONS`` (checked at import), the aliases of
:data:`albert_core.activations.ACTIVATION_ALIASES` sharing their function.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from albert_core.activations import activation_table, lookup_activation

Activation = Callable[[torch.Tensor], torch.Tensor]


def gelu(x: torch.Tensor) -> torch.Tensor:
    """Exact GELU: ``x * 0.5 * (1 + erf(x / sqrt(2)))``."""
    return F.gelu(x)


def gelu_tanh(x: torch.Tensor) -> torch.Tensor:
    """Tanh-approximated GELU: ``0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))``."""
    return F.gelu(x, approximate="tanh")


def quick_gelu(x: torch.Tensor) -> torch.Tensor:
    """``x * sigmoid(1.702 * x)``."""
    return x * torch.sigmoid(1.702 * x)


def linear(x: torch.Tensor) -> torch.Tensor:
    """The identity."""
    return x


#: Activation name -> function.
ACT_FNS: dict[str, Activation] = activation_table(
    "albert_pt",
    {
        "gelu": gelu,
        "gelu_new": gelu_tanh,
        "quick_gelu": quick_gelu,
        "relu": F.relu,
        "silu": F.silu,
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "linear": linear,
    },
)


def get_activation(name: str) -> Activation:
    """The function for activation ``name``; ValueError naming the choices otherwise."""
    return lookup_activation(ACT_FNS, name)
