"""Activation functions by name, as :data:`albert_core.config.ACTIVATIONS` defines them."""

from __future__ import annotations

from collections.abc import Callable

import tensorflow as tf

from albert_core.config import ACTIVATIONS


def _gelu(x: tf.Tensor) -> tf.Tensor:
    return tf.nn.gelu(x, approximate=False)


def _gelu_tanh(x: tf.Tensor) -> tf.Tensor:
    return tf.nn.gelu(x, approximate=True)


def _quick_gelu(x: tf.Tensor) -> tf.Tensor:
    return x * tf.sigmoid(tf.cast(1.702, x.dtype) * x)


def _linear(x: tf.Tensor) -> tf.Tensor:
    return x


#: Activation name -> function; the formulas are those of :data:`albert_core.config.ACTIVATIONS`.
ACT_FNS: dict[str, Callable[[tf.Tensor], tf.Tensor]] = {
    "gelu": _gelu,
    "gelu_new": _gelu_tanh,
    "gelu_fast": _gelu_tanh,
    "gelu_pytorch_tanh": _gelu_tanh,
    "quick_gelu": _quick_gelu,
    "relu": tf.nn.relu,
    "silu": tf.nn.silu,
    "swish": tf.nn.silu,
    "tanh": tf.tanh,
    "sigmoid": tf.sigmoid,
    "linear": _linear,
}

if set(ACT_FNS) != set(ACTIVATIONS):  # pragma: no cover - guards against drift from the core
    raise ImportError(
        f"albert_tf activations {sorted(ACT_FNS)} differ from albert_core's {sorted(ACTIVATIONS)}"
    )


def get_activation(name: str) -> Callable[[tf.Tensor], tf.Tensor]:
    """The function for activation ``name``; ValueError naming the choices otherwise."""
    try:
        return ACT_FNS[name]
    except KeyError:
        raise ValueError(
            f"hidden_act={name!r} is not supported; choose one of {sorted(ACT_FNS)}"
        ) from None

