"""The tokenizer output (:class:`BatchEncoding`) and its conversion to np / pt / tf / jax tensors.

numpy is always available; PyTorch, TensorFlow and JAX are imported only when tensors of that
framework are requested.
"""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

TENSOR_TYPES = ("np", "pt", "tf", "jax")
"""Accepted values of ``return_tensors`` (besides None)."""

_TENSOR_PACKAGES = {
    "pt": ("torch", "PyTorch", "torch"),
    "tf": ("tensorflow", "TensorFlow", "tf"),
    "jax": ("jax.numpy", "JAX", "flax"),
}


class BatchEncoding(dict):
    """The output of a tokenizer call: a ``dict`` of model inputs with attribute access.

    ``enc["input_ids"]`` and ``enc.input_ids`` are the same object.  Values are Python lists,
    or tensors when ``return_tensors`` was given.
    """

    def __getattr__(self, name: str) -> Any:
        """Give attribute access to the keys (``enc.input_ids``)."""
        try:
            return self[name]
        except KeyError:
            raise AttributeError(
                f"{type(self).__name__!s} has no attribute or key {name!r}"
            ) from None

    def convert_to_tensors(
        self, tensor_type: str | None, prepend_batch_axis: bool = False
    ) -> BatchEncoding:
        """Convert the values in place to ``tensor_type`` tensors ("np", "pt", "tf" or "jax").

        All values must be rectangular (pad first).  Returns ``self``.
        """
        if tensor_type is None:
            return self
        for key, value in list(self.items()):
            self[key] = to_tensor([value] if prepend_batch_axis else value, tensor_type, key=key)
        return self


def to_tensor(value: Any, tensor_type: str, *, key: str = "value") -> Any:
    """Convert nested lists of ints to a tensor of ``tensor_type`` ("np", "pt", "tf", "jax").

    numpy is always available; torch, tensorflow and jax are imported only here, and a clear
    :class:`ImportError` names the missing package.
    """
    tensor_type = check_tensor_type(tensor_type)
    try:
        array = np.asarray(value, dtype=np.int64)
    except ValueError as err:
        raise ValueError(
            f"Unable to create a tensor for {key!r}: the sequences have different lengths. "
            "Use padding=True (or padding='max_length') and/or truncation=True so that all "
            "sequences of the batch have the same length."
        ) from err
    if tensor_type == "np":
        return array
    module_name, pretty, extra = _TENSOR_PACKAGES[tensor_type]
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        raise ImportError(
            f"return_tensors={tensor_type!r} needs {pretty} (package "
            f"{module_name.split('.')[0]!r}), which is not installed. Install it, e.g. with "
            f"`pip install albert-models[{extra}]`, or use return_tensors='np'."
        ) from err
    if tensor_type == "pt":
        return module.tensor(array, dtype=module.long)
    if tensor_type == "tf":
        return module.constant(array.astype(np.int32))
    return module.asarray(array.astype(np.int32))


def check_tensor_type(tensor_type: Any) -> str:
    """The ``return_tensors`` value as a string; ValueError for unknown ones."""
    value = getattr(tensor_type, "value", tensor_type)  # accept enum-like objects
    if value not in TENSOR_TYPES:
        raise ValueError(
            f"return_tensors must be None or one of {', '.join(map(repr, TENSOR_TYPES))}, "
            f"got {tensor_type!r}"
        )
    return value
