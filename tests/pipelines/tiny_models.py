"""Tiny random ALBERT checkpoints for every pipeline task, written on demand into a directory.

They share the config and the tokenizer of the committed ``tests/fixtures/tiny-fill-mask``
(embedding 8, hidden 32, 2 layers, the albert-base-v2 vocabulary). Weights are drawn like a
fresh model's (:func:`make_tiny_fill_mask.init_arrays`), except the task heads' output layers,
drawn with a larger spread so that predictions are far from uniform (stable orderings when
frameworks are compared). Their predictions are noise.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import numpy as np

from albert_core import checkpoints
from albert_core.config import AlbertConfig

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TINY_FILL_MASK = FIXTURES / "tiny-fill-mask"
TOKENIZER_FILES = ("spiece.model", "tokenizer.json", "tokenizer_config.json",
                   "special_tokens_map.json")

#: CoNLL-2003 style labels of the token-classification fixture.
NER_LABELS = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC")

#: Directory name -> (head, config overrides).
MODELS: dict[str, tuple[str, dict]] = {
    "tiny-pretraining": ("pretraining", {}),
    "tiny-sst2": ("sequence-classification", {"id2label": {0: "NEGATIVE", 1: "POSITIVE"}}),
    "tiny-ner": ("token-classification", {"id2label": dict(enumerate(NER_LABELS))}),
    "tiny-squad2": ("question-answering", {"num_labels": 2}),
}

#: Output layers of the heads, drawn with this standard deviation.
HEAD_STD = 0.5
HEAD_LAYERS = ("classifier.weight", "qa_outputs.weight")


def _init_arrays():
    spec = importlib.util.spec_from_file_location("make_tiny_fill_mask",
                                                  FIXTURES / "make_tiny_fill_mask.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.init_arrays


def build(root: Path) -> dict[str, Path]:
    """Write every model of :data:`MODELS` under ``root``; returns name -> directory.

    ``"tiny-fill-mask"`` maps to the committed fixture.
    """
    init_arrays = _init_arrays()
    base = AlbertConfig.from_pretrained(TINY_FILL_MASK)
    out = {"tiny-fill-mask": TINY_FILL_MASK}
    for seed, (name, (head, overrides)) in enumerate(MODELS.items(), start=1):
        config = base.copy(**overrides)
        arrays = init_arrays(config, head, seed=seed)
        rng = np.random.default_rng(100 + seed)
        for layer in HEAD_LAYERS:
            if layer in arrays:
                arrays[layer] = rng.normal(0, HEAD_STD, arrays[layer].shape).astype(np.float32)
        directory = root / name
        checkpoints.save_pretrained(directory, config, head, arrays)
        for file in TOKENIZER_FILES:
            shutil.copy(TINY_FILL_MASK / file, directory / file)
        out[name] = directory
    return out
