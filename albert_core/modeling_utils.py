"""Framework-neutral pieces of the models that every backend shares.

Nothing here imports torch, tensorflow or jax. A backend computes cheap summaries of its
tensors (a shape, a minimum and a maximum) and hands them to these functions, so the
error messages and the rules (which index is checked against which config field, how the
classification problem type is inferred, how a head mask is laid out) are written once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from albert_core.config import AlbertConfig

#: Integer inputs that index an embedding table -> the config field that sizes the table.
INDEX_LIMITS: dict[str, str] = {
    "input_ids": "vocab_size",
    "token_type_ids": "type_vocab_size",
    "position_ids": "max_position_embeddings",
}

#: Label value that the token-level losses skip (masked-LM and token classification).
IGNORE_INDEX = -100


def check_inputs_given(has_input_ids: bool, has_inputs_embeds: bool) -> None:
    """Exactly one of ``input_ids`` and ``inputs_embeds`` must be given."""
    if has_input_ids and has_inputs_embeds:
        raise ValueError("pass either input_ids or inputs_embeds, not both")
    if not has_input_ids and not has_inputs_embeds:
        raise ValueError("pass input_ids or inputs_embeds")


def check_sequence_length(config: AlbertConfig, seq_length: int) -> None:
    """A sequence may not be longer than the position table (``max_position_embeddings``)."""
    if seq_length > config.max_position_embeddings:
        raise ValueError(
            f"sequence length {seq_length} exceeds max_position_embeddings="
            f"{config.max_position_embeddings}; truncate the input"
        )


def check_index_range(config: AlbertConfig, name: str, low: int, high: int) -> None:
    """Raise ValueError when the integer input ``name`` holds values outside its table.

    ``low`` and ``high`` are the smallest and largest value of the input; ``name`` is a key
    of :data:`INDEX_LIMITS`. The message names the input, the offending value and the
    config field that bounds it.
    """
    field = INDEX_LIMITS[name]
    limit = getattr(config, field)
    if low < 0:
        raise ValueError(f"{name} contains {low}; ids must be in [0, {field}={limit})")
    if high >= limit:
        raise ValueError(f"{name} contains {high}; ids must be in [0, {field}={limit})")


def check_index_ranges(config: AlbertConfig, ranges: Mapping[str, tuple[int, int]]) -> None:
    """:func:`check_index_range` for every ``{name: (min, max)}`` item."""
    for name, (low, high) in ranges.items():
        check_index_range(config, name, int(low), int(high))


def infer_problem_type(problem_type: str | None, num_labels: int, labels_are_integers: bool) -> str:
    """The loss a sequence-classification head computes, as transformers infers it.

    An explicit ``problem_type`` wins. Otherwise one label means regression, integer labels
    mean single-label classification, and anything else (float multi-hot vectors) means
    multi-label classification. Unlike transformers, the config is not modified.
    """
    if problem_type is not None:
        return problem_type
    if num_labels == 1:
        return "regression"
    if labels_are_integers:
        return "single_label_classification"
    return "multi_label_classification"


def classifier_dropout(config: AlbertConfig) -> float:
    """Dropout rate in front of the classification heads.

    ``classifier_dropout_prob`` when set, else ``hidden_dropout_prob``.
    """
    if config.classifier_dropout_prob is not None:
        return float(config.classifier_dropout_prob)
    return float(config.hidden_dropout_prob)


def head_mask_shape(
    shape: Sequence[int], num_hidden_layers: int, num_attention_heads: int
) -> tuple[int, int, int, int, int]:
    """Validate a head mask's shape; return the 5-D shape to view it as.

    The result is ``(layers, batch, heads, query, key)`` where ``layers`` is
    ``num_hidden_layers`` or 1 and the other dimensions may be 1 (broadcast):

    * ``(heads,)``: one mask for every layer application;
    * ``(layers, heads)``: row ``i`` for the ``i``-th layer application;
    * a 5-D ``(layers | 1, batch | 1, heads, query | 1, key | 1)`` mask, as transformers'
      ``get_head_mask`` produces, is used as it is.

    Row ``i`` multiplies the attention probabilities of every inner layer of the ``i``-th
    application of a shared layer group.
    """
    shape = tuple(int(d) for d in shape)
    if len(shape) == 1:
        out = (1, 1, shape[0], 1, 1)
    elif len(shape) == 2:
        out = (shape[0], 1, shape[1], 1, 1)
    elif len(shape) == 5:
        out = shape  # type: ignore[assignment]
    else:
        raise ValueError(
            f"head_mask must have shape (num_heads,), (num_hidden_layers, num_heads) or 5-D "
            f"(num_hidden_layers, batch, num_heads, seq, seq); got {shape}"
        )
    if out[0] not in (1, num_hidden_layers):
        raise ValueError(
            f"head_mask has {out[0]} rows; expected num_hidden_layers={num_hidden_layers} (one "
            f"per layer application) or a single row; got shape {shape}"
        )
    if out[2] != num_attention_heads:
        raise ValueError(
            f"head_mask covers {out[2]} heads; expected num_attention_heads="
            f"{num_attention_heads}; got shape {shape}"
        )
    return out  # type: ignore[return-value]


def call_arguments(frame: Mapping[str, Any]) -> dict[str, Any]:
    """A public model method's ``locals()`` (its explicit, documented parameters) as the
    keyword arguments of the shared implementation it hands over to (``self`` and
    ``__class__`` left out)."""
    return {k: v for k, v in frame.items() if k not in ("self", "__class__")}
