"""The models that ship inside the package, known by name without the hub.

``albert-small-wordnet`` is a small English ALBERT this project pre-trained itself
(``scripts/pretrain_bundled_model.py``; its model card says on what and how well). It is
the default model of ``albert run`` and :func:`albert_core.pipelines.pipeline` for the tasks
a pre-trained model serves without fine-tuning: fill-mask and feature-extraction.
"""

from __future__ import annotations

from pathlib import Path

#: Where the bundled models live (package data of albert_core).
BUNDLED_ROOT = Path(__file__).resolve().parent / "bundled"

#: The name of the default small model.
DEFAULT_MODEL = "albert-small-wordnet"

#: Tasks the default model serves as it is (the others need a fine-tuned head).
DEFAULT_MODEL_TASKS = ("fill-mask", "feature-extraction")


def bundled_models() -> dict[str, Path]:
    """``{name: directory}`` of every bundled model (those with a ``config.json``)."""
    if not BUNDLED_ROOT.is_dir():
        return {}
    return {
        path.name: path
        for path in sorted(BUNDLED_ROOT.iterdir())
        if (path / "config.json").is_file()
    }


def bundled_model_dir(name: str) -> Path | None:
    """The directory of the bundled model called ``name``, or None if there is none."""
    return bundled_models().get(name)
