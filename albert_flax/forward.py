"""The jitted forward of the ``FlaxAlbert*`` wrappers, shared through a bounded cache.

Wrappers of the same class, config and :class:`~albert_flax.options.AlbertOptions` share
one ``jax.jit`` of ``module.apply`` (+ the loss), so loading the same model twice, or once
per checkpoint format, compiles once. The cache keeps the most recently used
:data:`FORWARD_CACHE`\\ ``.maxsize`` functions: a process that builds many configs (a
hyper-parameter sweep) does not hold every compiled function forever.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

import flax.linen as nn
import jax

from albert_core.config import AlbertConfig
from albert_core.heads import HeadSpec
from albert_core.model_output import ModelOutput
from albert_flax.losses import head_loss
from albert_flax.options import AlbertOptions

Params = dict[str, Any]
Value = TypeVar("Value")


class LRUCache(Generic[Value]):
    """A mapping of at most :attr:`maxsize` entries that drops the least recently used."""

    def __init__(self, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError(f"maxsize must be at least 1, got {maxsize}")
        #: The most entries kept.
        self.maxsize = maxsize
        self._entries: OrderedDict[Hashable, Value] = OrderedDict()

    def get(self, key: Hashable, build: Callable[[], Value]) -> Value:
        """The entry of ``key``, made by ``build()`` (and kept) when it is not cached."""
        if key in self._entries:
            self._entries.move_to_end(key)
            return self._entries[key]
        value = self._entries[key] = build()
        while len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        """Drop every entry."""
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


#: The jitted forwards, keyed by (wrapper class, config JSON, options).
FORWARD_CACHE: LRUCache[Callable[..., ModelOutput]] = LRUCache(maxsize=32)


def cached_forward(
    cls: type, spec: HeadSpec, module: nn.Module, config: AlbertConfig, options: AlbertOptions
) -> Callable[..., ModelOutput]:
    """The jitted ``apply`` (+ ``spec``'s loss) of ``module``, shared through the cache.

    It depends on the params only through its arguments: call it as ``forward(params,
    inputs, labels, dropout_rng, train=..., output_attentions=...,
    output_hidden_states=...)``.
    """
    key = (cls, config.to_json_string(), options)
    return FORWARD_CACHE.get(key, lambda: _jitted_forward(spec, module, config.copy()))


def _jitted_forward(
    spec: HeadSpec, module: nn.Module, config: AlbertConfig
) -> Callable[..., ModelOutput]:
    """``config`` is the function's own copy, unaffected by later edits of the original."""

    def forward(
        params: Params,
        inputs: dict[str, Any],
        labels: dict[str, Any],
        dropout_rng: jax.Array | None,
        *,
        train: bool,
        output_attentions: bool,
        output_hidden_states: bool,
    ) -> ModelOutput:
        rngs = {"dropout": dropout_rng} if dropout_rng is not None else {}
        outputs = module.apply(
            {"params": params},
            **inputs,
            deterministic=not train,
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
            rngs=rngs,
        )
        if labels:
            outputs = outputs.replace(loss=head_loss(spec, outputs, labels, config))
        return outputs

    return jax.jit(
        forward, static_argnames=("train", "output_attentions", "output_hidden_states")
    )
