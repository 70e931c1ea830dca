"""What the ``FlaxAlbert*`` wrappers check and fill in before the jitted forward runs.

Checks give clear errors naming the input and the bound; value checks need concrete
inputs and are skipped for tracers (inside a user's own ``jax.jit``). Filling in the
optional inputs gives the jitted forward one input structure however it is called.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from albert_core import modeling_utils as mu
from albert_core.config import AlbertConfig
from albert_core.heads import HeadSpec
from albert_flax.layers import layer_head_mask

Array = jax.Array


def _is_concrete(value: Any) -> bool:
    return value is not None and not isinstance(value, jax.core.Tracer)


def _min_max(value: Any) -> tuple[int, int] | None:
    """Smallest and largest entry of a concrete, non-empty array; None otherwise."""
    if not _is_concrete(value):
        return None
    array = np.asarray(value)
    if array.size == 0:
        return None
    return int(array.min()), int(array.max())


def _dtype(value: Any) -> np.dtype:
    return value.dtype if hasattr(value, "dtype") else np.asarray(value).dtype


def _shape(value: Any) -> tuple[int, ...]:
    return tuple(int(d) for d in np.shape(value))


def as_array(value: Any) -> Any:
    """Lists and numpy arrays become jax arrays; tracers and jax arrays pass through."""
    if value is None or isinstance(value, jax.Array):
        return value
    return jnp.asarray(value)


def check_inputs(
    config: AlbertConfig, rank: int, input_ids: Any, attention_mask: Any, token_type_ids: Any,
    position_ids: Any, head_mask: Any, inputs_embeds: Any,
) -> tuple[int, ...]:  # fmt: skip
    """Check the model inputs of rank ``rank`` (3 for multiple choice); return their shape."""
    mu.check_inputs_given(input_ids is not None, inputs_embeds is not None)
    dims = "(batch, num_choices, seq" if rank == 3 else "(batch, seq"
    if input_ids is not None:
        shape = _shape(input_ids)
        if len(shape) != rank:
            raise ValueError(f"input_ids must be {dims}), got shape {shape}")
    else:
        full = _shape(inputs_embeds)
        if len(full) != rank + 1 or full[-1] != config.embedding_size:
            raise ValueError(
                f"inputs_embeds must be {dims}, embedding_size={config.embedding_size}), "
                f"got shape {full}"
            )
        shape = full[:-1]
    for name, value in (
        ("attention_mask", attention_mask),
        ("token_type_ids", token_type_ids),
        ("position_ids", position_ids),
    ):
        if value is None or _shape(value) == shape:
            continue
        got = _shape(value)
        if (
            name == "position_ids"
            and len(got) == rank
            and got[-1] == shape[-1]
            and all(d == 1 for d in got[:-1])
        ):
            continue  # one row of positions shared by the batch
        raise ValueError(f"{name} has shape {got}; expected {shape} like the input")
    mu.check_sequence_length(config, shape[-1])
    ranges = {
        name: found
        for name, value in (
            ("input_ids", input_ids),
            ("token_type_ids", token_type_ids),
            ("position_ids", position_ids),
        )
        if (found := _min_max(value)) is not None
    }
    mu.check_index_ranges(config, ranges)
    if head_mask is not None:
        mu.head_mask_shape(_shape(head_mask), config.num_hidden_layers, config.num_attention_heads)
    return shape


def label_classes(
    spec: HeadSpec, config: AlbertConfig, name: str, value: Any, shape: tuple[int, ...]
) -> int | None:
    """How many classes the label ``name`` of ``spec``'s head indexes (None: not a class id).

    Sequence classification labels are class ids only when they are integers and the
    problem is single-label; QA positions are clamped by the loss instead of checked.
    """
    if spec.loss in ("mlm", "mlm_sop") and name == "labels":
        return config.vocab_size
    if spec.loss in ("mlm_sop", "token"):
        return config.num_labels
    if spec.loss == "choice":
        return shape[1]
    if spec.loss == "sequence":
        single = config.problem_type in (None, "single_label_classification")
        integers = jnp.issubdtype(_dtype(value), jnp.integer)
        return config.num_labels if single and integers and config.num_labels > 1 else None
    return None


def given_labels(spec: HeadSpec, class_name: str, **labels: Any) -> dict[str, Any]:
    """The labels that are not None; ValueError when ``spec``'s head does not take one."""
    given = {name: value for name, value in labels.items() if value is not None}
    unknown = sorted(set(given) - set(spec.labels))
    if unknown:
        raise ValueError(f"{class_name} takes labels {list(spec.labels)}, not {unknown}")
    return given


def check_labels(
    spec: HeadSpec, config: AlbertConfig, labels: Mapping[str, Any], shape: tuple[int, ...]
) -> None:
    """Class labels must lie in ``[0, classes)`` or be -100 (concrete inputs only)."""
    for name, value in labels.items():
        classes = label_classes(spec, config, name, value, shape)
        found = _min_max(value) if classes is not None else None
        if found is None:
            continue
        array = np.asarray(value)
        bad = array[(array != mu.IGNORE_INDEX) & ((array < 0) | (array >= classes))]
        if bad.size:
            raise ValueError(
                f"{name} contains {int(bad.flat[0])}; labels must be in [0, {classes}) "
                f"or {mu.IGNORE_INDEX} (ignored)"
            )


def complete_inputs(
    config: AlbertConfig, dtype: Any, shape: tuple[int, ...], input_ids: Any, attention_mask: Any,
    token_type_ids: Any, position_ids: Any, head_mask: Any, inputs_embeds: Any,
) -> dict[str, Any]:  # fmt: skip
    """Fill in the optional inputs with their defaults, as arrays of fixed shape.

    An omitted mask, token type, position or head mask has the same effect as its
    default value, so the jitted forward sees one input structure however it is called
    and compiles once (a head mask of any accepted shape becomes its 5-D view).
    """
    if head_mask is None:
        head_mask = jnp.ones((config.num_hidden_layers, 1, config.num_attention_heads, 1, 1))
    else:
        head_mask = layer_head_mask(as_array(head_mask), config, dtype)

    def ints(value: Any, default: Callable[[], Array]) -> Array:
        return default() if value is None else as_array(value).astype(jnp.int32)

    seq = shape[-1]
    return {
        "input_ids": None if input_ids is None else ints(input_ids, lambda: None),
        "attention_mask": ints(attention_mask, lambda: jnp.ones(shape, jnp.int32)),
        "token_type_ids": ints(token_type_ids, lambda: jnp.zeros(shape, jnp.int32)),
        "position_ids": ints(
            position_ids,
            lambda: jnp.broadcast_to(jnp.arange(seq, dtype=jnp.int32), shape),
        ),
        "head_mask": head_mask.astype(dtype),
        "inputs_embeds": as_array(inputs_embeds),
    }


def has_dropout(config: AlbertConfig) -> bool:
    """Whether any dropout rate of ``config`` is non-zero (training then needs a key)."""
    rates = (
        config.hidden_dropout_prob,
        config.attention_probs_dropout_prob,
        mu.classifier_dropout(config),
    )
    return any(r > 0 for r in rates)
