"""Framework-neutral core of albert: config, tokenizers, weight schema, checkpoint I/O, hub.

Imports none of torch, tensorflow or jax. The public names below are loaded on first use so
that ``import albert_core`` stays cheap (the command line starts through it).
"""

from __future__ import annotations

from albert_core.lazy import lazy_attributes

__version__ = "0.1.0"

__all__, __getattr__, __dir__ = lazy_attributes(
    __name__,
    {
        "albert_core.config": ("AlbertConfig", "AlbertConfigError", "ACTIVATIONS", "PRESETS"),
        "albert_core.presets": ("preset",),
        "albert_core.tokenizers.sentencepiece": ("AlbertTokenizer",),
        "albert_core.tokenizers.fast": ("AlbertTokenizerFast",),
        "albert_core.heads": ("HEADS",),
        "albert_core.schema": ("LoadReport", "WeightsMismatchError"),
        "albert_core.checkpoints": ("CheckpointError",),
        "albert_core.hub": ("ModelNotFoundError",),
        "albert_core.bundled": ("DEFAULT_MODEL",),
    },
    globals(),
)
