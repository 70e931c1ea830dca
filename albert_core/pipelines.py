"""Task pipelines: framework-neutral pre- and post-processing on numpy.

A backend supplies only the forward pass, through a small module named in
:data:`BACKEND_MODULES` with two functions::

    load_model(task, name_or_path, *, device, dtype) -> model
    forward(model, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]

Everything else (tokenisation, batching, truncation, softmax, top-k, decoding) lives here, so
the three frameworks give the same answers by construction.
"""

from __future__ import annotations

import importlib
import os
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from albert_core import hub
from albert_core.config import AlbertConfig

#: Framework name -> module implementing ``load_model`` / ``forward``.
BACKEND_MODULES = {"pt": "albert_pt.pipeline_backend"}

#: Framework name -> the extra that installs it.
BACKEND_EXTRAS = {"pt": "torch", "tf": "tf", "flax": "flax"}

TASKS = ("fill-mask",)

TOKENIZER_FILES = ("spiece.model", "tokenizer.json", "tokenizer_config.json",
                   "special_tokens_map.json")


class PipelineError(ValueError):
    """A pipeline was asked for something it cannot do; the message says what."""


def backend_module(framework: str) -> ModuleType:
    """Import the pipeline backend of ``framework``, with a clear error when unavailable."""
    if framework not in BACKEND_EXTRAS:
        raise PipelineError(
            f"unknown framework {framework!r}; choose one of {sorted(BACKEND_EXTRAS)}"
        )
    if framework not in BACKEND_MODULES:
        raise PipelineError(f"framework {framework!r} has no pipeline support yet; use 'pt'")
    try:
        return importlib.import_module(BACKEND_MODULES[framework])
    except ImportError as err:
        extra = BACKEND_EXTRAS[framework]
        raise PipelineError(
            f"framework {framework!r} is not installed ({err}); "
            f"install it with: pip install 'albert-models[{extra}]'"
        ) from None


def load_tokenizer(name_or_path: str | os.PathLike[str], *, revision: str | None = None):
    """The fast tokenizer of a model directory or hub id (the slow one when no fast exists)."""
    from albert_core.tokenization import AlbertTokenizer
    from albert_core.tokenization_fast import AlbertTokenizerFast

    directory = hub.resolve(name_or_path, revision=revision, files=TOKENIZER_FILES)
    if (directory / "tokenizer.json").is_file() or (directory / "spiece.model").is_file():
        cls = AlbertTokenizerFast
    else:
        raise PipelineError(f"{name_or_path}: no tokenizer files ({', '.join(TOKENIZER_FILES)})")
    try:
        return cls.from_pretrained(directory)
    except (ValueError, OSError):
        return AlbertTokenizer.from_pretrained(directory)


class FillMaskPipeline:
    """Predict the tokens behind each ``[MASK]`` of a text.

    Call it with one text or a list of texts; each result is a list of
    ``{"score", "token", "token_str", "sequence"}`` dicts ordered by score (a list of such lists
    when a text has several masks, one per mask in order).
    """

    task = "fill-mask"

    def __init__(self, model: Any, tokenizer: Any, backend: ModuleType, config: AlbertConfig,
                 *, top_k: int = 5, batch_size: int = 8) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.backend = backend
        self.config = config
        self.top_k = top_k
        self.batch_size = batch_size

    @property
    def max_length(self) -> int:
        """Longest input the model takes, in tokens."""
        return min(self.config.max_position_embeddings,
                   getattr(self.tokenizer, "model_max_length", 512) or 512)

    def __call__(self, inputs: str | Sequence[str], *, top_k: int | None = None,
                 targets: str | Iterable[str] | None = None) -> list:
        single = isinstance(inputs, str)
        texts = [inputs] if single else list(inputs)
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"fill-mask inputs must be str, got {type(text).__name__}")
            if not text.strip():
                raise PipelineError("fill-mask got an empty input")
        top_k = self.top_k if top_k is None else top_k
        if not isinstance(top_k, int) or top_k <= 0:
            raise PipelineError(f"top_k must be a positive int, got {top_k!r}")
        target_ids = self._target_ids(targets)
        results = []
        for start in range(0, len(texts), self.batch_size):
            results += self._run_batch(texts[start:start + self.batch_size], top_k, target_ids)
        return results[0] if single else results

    def _target_ids(self, targets: str | Iterable[str] | None) -> np.ndarray | None:
        if targets is None:
            return None
        words = [targets] if isinstance(targets, str) else list(targets)
        ids = []
        for word in words:
            pieces = self.tokenizer.tokenize(word)
            if not pieces:
                raise PipelineError(f"target {word!r} is empty after tokenisation")
            if len(pieces) > 1:
                warnings.warn(f"target {word!r} is several tokens {pieces}; scoring only "
                              f"{pieces[0]!r}", stacklevel=3)
            ids.append(self.tokenizer.convert_tokens_to_ids(pieces[0]))
        return np.asarray(ids)

    def _run_batch(self, texts: list[str], top_k: int, target_ids: np.ndarray | None) -> list:
        untruncated = self.tokenizer(texts)["input_ids"]
        for text, ids in zip(texts, untruncated, strict=True):
            if len(ids) > self.max_length:
                warnings.warn(f"input of {len(ids)} tokens truncated to {self.max_length}: "
                              f"{text[:40]!r}...", stacklevel=3)
        encoded = self.tokenizer(texts, padding=True, truncation=True,
                                 max_length=self.max_length, return_tensors="np")
        batch = {k: np.asarray(encoded[k]) for k in ("input_ids", "attention_mask",
                                                      "token_type_ids")}
        logits = self.backend.forward(self.model, batch)["logits"]
        mask_id = self.tokenizer.mask_token_id
        out = []
        for row, text in enumerate(texts):
            ids = batch["input_ids"][row]
            positions = np.flatnonzero(ids == mask_id)
            if positions.size == 0:
                raise PipelineError(f"no {self.tokenizer.mask_token} token in input {text!r}")
            per_mask = [self._predict(ids, pos, logits[row, pos], top_k, target_ids)
                        for pos in positions]
            out.append(per_mask[0] if len(per_mask) == 1 else per_mask)
        return out

    def _predict(self, ids: np.ndarray, position: int, logits: np.ndarray, top_k: int,
                 target_ids: np.ndarray | None) -> list[dict[str, Any]]:
        shifted = logits.astype(np.float64) - logits.max()
        probs = np.exp(shifted) / np.exp(shifted).sum()
        candidates = np.arange(probs.size) if target_ids is None else target_ids
        order = candidates[np.argsort(-probs[candidates], kind="stable")][:top_k]
        predictions = []
        for token in order:
            filled = ids.copy()
            filled[position] = token
            predictions.append({
                "score": float(probs[token]),
                "token": int(token),
                "token_str": self.tokenizer.decode([int(token)]),
                "sequence": self.tokenizer.decode(filled, skip_special_tokens=True),
            })
        return predictions


def pipeline(task: str, model: str | os.PathLike[str], *, tokenizer: Any = None,
             framework: str = "pt", device: int | str | None = None, dtype: str | None = None,
             revision: str | None = None, **options: Any) -> FillMaskPipeline:
    """Build a task pipeline: ``pipeline("fill-mask", model="albert/albert-base-v2")``.

    ``device`` follows transformers: -1 or "cpu" for the CPU, an int or "cuda:N" for a GPU.
    """
    if task not in TASKS:
        raise PipelineError(f"unknown task {task!r}; choose one of {list(TASKS)}")
    backend = backend_module(framework)
    directory = hub.resolve(model, revision=revision, files=("config.json",))
    config = AlbertConfig.from_pretrained(directory)
    loaded = backend.load_model(task, model, device=device, dtype=dtype, revision=revision)
    if tokenizer is None:
        tokenizer = load_tokenizer(model, revision=revision)
    elif isinstance(tokenizer, (str, Path)):
        tokenizer = load_tokenizer(tokenizer)
    return FillMaskPipeline(loaded, tokenizer, backend, config, **options)
