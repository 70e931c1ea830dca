"""Flax params pytree <-> canonical ``{name: np.ndarray}``: the only such mapping in albert_flax.

The params of every ``FlaxAlbert*`` model are exactly the pytree transformers' Flax classes
use (and store in ``flax_model.msgpack``): each canonical name maps to the path
:func:`albert_core.schema.to_flax_path` gives it, linear kernels are transposed
(``[in, out]``), and the base model's tree has no ``albert`` top key because its canonical
names have no ``albert.`` prefix.

Tied tensors are one parameter: the masked-LM decoder reads the word-embedding table (when
``config.tie_word_embeddings``) and its bias is ``predictions/bias``, so the pytree holds no
``predictions/decoder`` entries for them. Going to canonical arrays, the tied names are
written too (copies of their source), as every checkpoint writer expects.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from albert_core import schema
from albert_core.checkpoints.flax_msgpack import unflatten  # the inverse of flatten
from albert_core.config import AlbertConfig

#: A params pytree: nested dicts of arrays, keyed by module names.
Params = dict[str, Any]


def param_names(config: AlbertConfig, head: str) -> list[str]:
    """Canonical names that are parameters of their own in the Flax pytree.

    Every tensor of ``head``'s schema except the tied ones, which read their source.
    """
    return [t.name for t in schema.tensor_specs(config, head) if t.tied_to is None]


def path_of(name: str) -> tuple[str, ...]:
    """The pytree path of canonical ``name`` (``schema.to_flax_path``)."""
    return schema.to_flax_path(name)


def name_of(path: tuple[str, ...]) -> str:
    """The canonical name of a pytree path (``schema.from_flax_path``)."""
    return schema.from_flax_path(tuple(str(p) for p in path))


def flatten(params: Mapping[str, Any]) -> dict[tuple[str, ...], Any]:
    """``{path tuple: leaf}`` of a nested params mapping (FrozenDict or dict)."""
    flat: dict[tuple[str, ...], Any] = {}

    def visit(prefix: tuple[str, ...], node: Any) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                visit((*prefix, str(key)), value)
        else:
            flat[prefix] = node

    visit((), params)
    return flat


def to_numpy(array: Any) -> np.ndarray:
    """A float numpy copy of a parameter; bfloat16 becomes float32 (exactly).

    numpy has no native bfloat16 and the checkpoint writers take plain numpy dtypes, so a
    bfloat16 model is saved in float32, where every bfloat16 value is representable.
    """
    out = np.asarray(jax.device_get(array))
    if out.dtype.name == "bfloat16":
        out = out.astype(np.float32)
    return np.array(out, copy=True)


def check_structure(params: Mapping[str, Any], config: AlbertConfig, head: str) -> None:
    """Raise ValueError naming every path that ``params`` lacks or has in excess for ``head``."""
    want = {path_of(n) for n in param_names(config, head)}
    have = set(flatten(params))
    missing = sorted("/".join(p) for p in want - have)
    extra = sorted("/".join(p) for p in have - want)
    if missing or extra:
        lines = [f"params do not fit the {head!r} head:"]
        if missing:
            lines.append(f"missing ({len(missing)}): " + ", ".join(missing))
        if extra:
            lines.append(f"unexpected ({len(extra)}): " + ", ".join(extra))
        raise ValueError("\n".join(lines))


def params_to_arrays(
    params: Mapping[str, Any], config: AlbertConfig, head: str
) -> dict[str, np.ndarray]:
    """Every canonical tensor of ``head`` (tied names included) as a PyTorch-layout numpy array."""
    check_structure(params, config, head)
    flat = flatten(params)
    arrays: dict[str, np.ndarray] = {}
    for name in param_names(config, head):
        arrays[name] = np.ascontiguousarray(
            schema.from_framework_layout(name, to_numpy(flat[path_of(name)]))
        )
    for name, source in schema.tied_names(config, head).items():
        arrays[name] = arrays[source]
    return arrays


def arrays_to_params(
    arrays: Mapping[str, np.ndarray],
    config: AlbertConfig,
    head: str,
    dtype: Any = jnp.float32,
    *,
    base: Mapping[str, Any] | None = None,
) -> Params:
    """Canonical arrays of ``head`` -> a params pytree with leaves of ``dtype``.

    ``arrays`` are normally what :func:`albert_core.checkpoints.load_pretrained` returns
    (aligned with the schema). Tied names are skipped (the pytree reads their source). A
    parameter absent from ``arrays`` is taken from ``base`` (a freshly initialised pytree)
    when given; otherwise it is an error naming it. Shapes are checked against the schema.
    """
    shapes = schema.expected_shapes(config, head)
    base_flat = flatten(base) if base is not None else {}
    flat: dict[tuple[str, ...], Any] = {}
    missing = []
    for name in param_names(config, head):
        path = path_of(name)
        if name in arrays:
            value = np.asarray(arrays[name])
            if tuple(value.shape) != shapes[name]:
                raise ValueError(
                    f"{name}: the model expects shape {shapes[name]}, got {tuple(value.shape)}"
                )
            flat[path] = jnp.asarray(schema.to_framework_layout(name, value), dtype=dtype)
        elif path in base_flat:
            flat[path] = jnp.asarray(base_flat[path], dtype=dtype)
        else:
            missing.append(name)
    if missing:
        raise ValueError(f"no value for {len(missing)} parameters: {', '.join(missing)}")
    return unflatten(flat)

