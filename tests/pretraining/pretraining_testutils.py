"""Helpers of the pre-training tests: the synthetic corpus and the tiny config."""

from __future__ import annotations

import random
from pathlib import Path

from albert_core.config import AlbertConfig

NOUNS = ("cat dog bird farmer teacher river garden village child horse plant machine doctor "
         "forest student engine flower king queen soldier sailor island mountain city "
         "market window table letter friend mother father baker painter singer winter "
         "summer storm ship train bridge castle kitchen library museum orchard valley "
         "lamp candle basket").split()
VERBS = ("sees likes follows helps finds watches builds feeds paints visits carries "
         "remembers admires calls greets leaves").split()
ADJECTIVES = ("small old green quiet happy bright heavy gentle young tall brave clever "
              "silent golden wooden ancient").split()
PLACES = ["near the lake", "in the morning", "after the rain", "under the bridge",
          "beside the road", "at night", "during the festival", "behind the wall"]
VOCAB_SIZE = 128
MAX_SEQ_LENGTH = 64


def make_corpus(path: Path, documents: int = 160, seed: int = 0) -> Path:
    """Documents of simple, partly predictable sentences ("the small cat sees the old dog
    near the lake."), one sentence per line, blank lines between documents."""
    rng = random.Random(seed)
    lines = []
    for _ in range(documents):
        subject = rng.choice(NOUNS)
        for _ in range(rng.randint(2, 7)):
            obj = rng.choice(NOUNS)
            sentence = (f"the {rng.choice(ADJECTIVES)} {subject} {rng.choice(VERBS)} the "
                        f"{rng.choice(ADJECTIVES)} {obj} {rng.choice(PLACES)}.")
            lines.append(sentence[0].upper() + sentence[1:])
            subject = obj
        lines.append("")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def tiny_config(**overrides: object) -> AlbertConfig:
    """A two-layer ALBERT for the test vocabulary."""
    values = dict(vocab_size=VOCAB_SIZE, embedding_size=16, hidden_size=32,
                  num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
                  max_position_embeddings=MAX_SEQ_LENGTH, hidden_act="gelu_new",
                  classifier_dropout_prob=0.0)
    values.update(overrides)
    return AlbertConfig(**values)
