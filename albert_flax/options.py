"""How a Flax ALBERT model computes, besides its config: one frozen value for every module.

Every Linen module of :mod:`albert_flax.layers` and :mod:`albert_flax.heads` takes the
model's :class:`~albert_core.config.AlbertConfig` and one :class:`AlbertOptions`, so a new
setting is added here once instead of being threaded through each module.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jax.numpy as jnp

#: Documented bfloat16 accuracy: with ``dtype=jnp.bfloat16`` (params in float32 or
#: bfloat16), every output is within ``BF16_TOLERANCE * max|fp32 output|`` of the float32
#: result. (bfloat16 keeps 8 significant bits; on the goldens the measured worst case is
#: about 0.022, with the attention softmax and the losses computed in float32.)
BF16_TOLERANCE = 0.05


@dataclasses.dataclass(frozen=True)
class AlbertOptions:
    """The computation settings of the Linen modules (hashable: a key of the jit cache).

    Attributes:
        dtype: computation dtype (``jnp.float32``, or ``jnp.bfloat16``: outputs then stay
            within :data:`BF16_TOLERANCE` of the float32 outputs' scale; the attention
            softmax and the losses are computed in float32).
        param_dtype: dtype of freshly initialised parameters.
        precision: matmul precision, e.g. ``"highest"`` for full float32 on GPU/TPU (whose
            default rounds float32 matmul inputs to TF32/bfloat16); None keeps XLA's
            default for the platform.
        scan_layers: run the applications of a shared group as ``nn.scan`` (compiled once
            however deep the model is), or as a Python loop (same params and results).
        remat: recompute each layer application's activations in the backward pass
            (``nn.remat``) instead of storing them; gradients are unchanged.
    """

    dtype: Any = jnp.float32
    param_dtype: Any = jnp.float32
    precision: Any = None
    scan_layers: bool = True
    remat: bool = False

    def __post_init__(self) -> None:
        # jnp.float32 and jnp.dtype("float32") compare equal but hash apart: keep one form.
        object.__setattr__(self, "dtype", jnp.dtype(self.dtype))
        object.__setattr__(self, "param_dtype", jnp.dtype(self.param_dtype))
