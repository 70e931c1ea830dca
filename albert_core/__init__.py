"""Framework-neutral core of albert: config, tokenizers, weight schema, checkpoint I/O, hub.

Imports none of torch, tensorflow or jax. The public names below are loaded on first use so
that ``import albert_core`` stays cheap (the command line starts through it).
"""

from __future__ import annotations

from albert_core.lazy import lazy_attributes

__version__ = "0.1.0"

_EXPORTS = {
    "AlbertConfig": "albert_core.config",
    "AlbertConfigError": "albert_core.config",
    "ACTIVATIONS": "albert_core.config",
    "PRESETS": "albert_core.config",
    "preset": "albert_core.presets",
    "AlbertTokenizer": "albert_core.tokenizers.sentencepiece",
    "AlbertTokenizerFast": "albert_core.tokenizers.fast",
    "HEADS": "albert_core.heads",
    "LoadReport": "albert_core.schema",
    "WeightsMismatchError": "albert_core.schema",
    "CheckpointError": "albert_core.checkpoints",
    "ModelNotFoundError": "albert_core.hub",
    "DEFAULT_MODEL": "albert_core.bundled",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_attributes(__name__, _EXPORTS, globals())
