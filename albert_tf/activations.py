"""Activation functions by name, as :data:`albert_core.config.ACTIVATIONS` defines them."""

from __future__ import annotations

from collections.abc import Callable

import tensorflow as tf

from albert_core.activations import activation_table, lookup_activation


def _gelu(x: tf.Tensor) -> tf.Tensor:
    return tf.nn.gelu(x, approximate=False)


def _gelu_tanh(x: tf.Tensor) -> tf.Tensor:
    return tf.nn.gelu(x, approximate=True)


def _quick_gelu(x: tf.Tensor) -> tf.Tensor:
    return x * tf.sigmoid(tf.cast(1.702, x.dtype) * x)


def _linear(x: tf.Tensor) -> tf.Tensor:
    return x


#: Activation name -> function; the formulas are those of :data:`albert_core.config.ACTIVATIONS`.
ACT_FNS: dict[str, Callable[[tf.Tensor], tf.Tensor]] = activation_table(
    "albert_tf",
    {
        "gelu": _gelu,
        "gelu_new": _gelu_tanh,
        "quick_gelu": _quick_gelu,
        "relu": tf.nn.relu,
        "silu": tf.nn.silu,
        "tanh": tf.tanh,
        "sigmoid": tf.sigmoid,
        "linear": _linear,
    },
)


def get_activation(name: str) -> Callable[[tf.Tensor], tf.Tensor]:
    """The function for activation ``name``; ValueError naming the choices otherwise."""
    return lookup_activation(ACT_FNS, name)
