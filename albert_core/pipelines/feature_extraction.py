"""feature-extraction: the encoder's hidden states of a text, per token or pooled."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from albert_core.backend import Backend
from albert_core.config import AlbertConfig
from albert_core.pipelines.base import Pipeline, check_choice

#: Values of ``pooling``.
POOLINGS = ("none", "mean", "cls")


class FeatureExtractionPipeline(Pipeline):
    """The last hidden states of the ALBERT encoder for each text, as float32 numpy arrays.

    Each text gives an array of shape ``(tokens, hidden_size)``, one row per token of
    ``[CLS] text [SEP]`` (no padding), or with ``pooling`` one vector of shape
    ``(hidden_size,)``: ``"mean"`` averages the rows, ``"cls"`` takes the ``[CLS]`` row.
    One text returns its array, a list of texts a list of arrays. Any ALBERT checkpoint
    works (the task head, if any, is not used; neither is the pooler). Texts longer than
    the model's limit are truncated with a warning.

    The constructor also takes the arguments of
    :class:`~albert_core.pipelines.base.Pipeline`; build pipelines with
    :func:`albert_core.pipelines.pipeline`.

    Args:
        pooling: one of :data:`POOLINGS` (default ``"none"``).
    """

    task = "feature-extraction"

    def __init__(self, model: Any, tokenizer: Any, backend: Backend, config: AlbertConfig,
                 *, framework: str = "pt", batch_size: int = 8, pooling: str = "none") -> None:
        super().__init__(model, tokenizer, backend, config, framework=framework,
                         batch_size=batch_size)
        self.pooling = check_choice("pooling", pooling, POOLINGS)

    def __call__(self, inputs: str | Sequence[str], *, pooling: str | None = None,
                 batch_size: int | None = None) -> np.ndarray | list[np.ndarray]:
        """Features of one text (an array) or of a list of texts (a list of arrays).

        ``pooling`` and ``batch_size`` override the pipeline's for this call.
        """
        pooling = check_choice("pooling", pooling or self.pooling, POOLINGS)
        single, texts = self._texts(inputs)
        rows = [self._row(self._truncated(item["input_ids"], text, self.max_length - 2))
                for text, item in zip(texts, self._tokenize(texts), strict=True)]
        results = []
        for (ids, _), out in zip(rows, self._run(rows, batch_size), strict=True):
            hidden = np.asarray(out["last_hidden_state"][:len(ids)], dtype=np.float32)
            if pooling == "mean":
                hidden = hidden.mean(axis=0)
            elif pooling == "cls":
                hidden = hidden[0]
            results.append(hidden)
        return results[0] if single else results
