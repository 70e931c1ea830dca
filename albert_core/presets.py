"""Named size presets of the released ALBERT models, as configs only (no weights).

The sizes are those of the published albert-{base,large,xlarge,xxlarge}-{v1,v2} configs.
v2 models were trained without dropout and with the tanh GELU (``gelu_new``); the v1 configs
published on the hub name ``gelu`` and use dropout 0.1.
"""

from __future__ import annotations

from typing import Any

from albert_core.config import AlbertConfig

_SIZES: dict[str, dict[str, int]] = {
    "base": {"hidden_size": 768, "num_attention_heads": 12, "intermediate_size": 3072,
             "num_hidden_layers": 12},
    "large": {"hidden_size": 1024, "num_attention_heads": 16, "intermediate_size": 4096,
              "num_hidden_layers": 24},
    "xlarge": {"hidden_size": 2048, "num_attention_heads": 16, "intermediate_size": 8192,
               "num_hidden_layers": 24},
    "xxlarge": {"hidden_size": 4096, "num_attention_heads": 64, "intermediate_size": 16384,
                "num_hidden_layers": 12},
}

_VERSIONS: dict[str, dict[str, Any]] = {
    "v1": {"hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1},
    "v2": {"hidden_act": "gelu_new", "hidden_dropout_prob": 0.0,
           "attention_probs_dropout_prob": 0.0},
}

#: Preset name -> config keyword arguments, e.g. ``"albert-base-v2"``.
PRESETS: dict[str, dict[str, Any]] = {
    f"albert-{size}-{version}": {
        "vocab_size": 30000,
        "embedding_size": 128,
        "num_hidden_groups": 1,
        "inner_group_num": 1,
        **dims,
        **extra,
    }
    for size, dims in _SIZES.items()
    for version, extra in _VERSIONS.items()
}


def preset(name: str, **overrides: Any) -> AlbertConfig:
    """The config of a named preset (``albert-base-v2``, ...); ``overrides`` change fields.

    A hub-style ``albert/`` prefix is accepted (``albert/albert-base-v2``).
    """
    key = name.removeprefix("albert/")
    if key not in PRESETS:
        raise KeyError(f"unknown preset {name!r}; known presets: {sorted(PRESETS)}")
    return AlbertConfig(**{**PRESETS[key], **overrides})
