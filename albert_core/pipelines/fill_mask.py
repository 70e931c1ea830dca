"""fill-mask: the most likely tokens behind each ``[MASK]`` of a text."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from albert_core.backend import Backend
from albert_core.config import AlbertConfig
from albert_core.pipelines.base import Pipeline, PipelineError, check_positive, softmax


class FillMaskPipeline(Pipeline):
    """Predict the tokens behind each ``[MASK]`` of a text.

    Call it with one text or a list of texts. Each text gives a list of
    ``{"score", "token", "token_str", "sequence"}`` dicts ordered by score, best first
    (``sequence`` is the text with the mask filled in); a text with several masks gives one
    such list per mask, in order. Scores are the softmax over the vocabulary at the mask,
    so they do not change with ``top_k`` or ``targets``.

    Texts longer than the model's limit (512 tokens for released models) are truncated with a
    warning; a mask that falls beyond the limit is an error.

    The constructor also takes the arguments of
    :class:`~albert_core.pipelines.base.Pipeline`; build pipelines with
    :func:`albert_core.pipelines.pipeline`.

    Args:
        top_k: how many tokens to return per mask (default 5).
        targets: score only these words (each must be a single token; for a word of
            several tokens its first token is scored, with a warning).
    """

    task = "fill-mask"

    def __init__(self, model: Any, tokenizer: Any, backend: Backend, config: AlbertConfig,
                 *, framework: str = "pt", batch_size: int = 8, top_k: int = 5,
                 targets: str | Iterable[str] | None = None) -> None:
        super().__init__(model, tokenizer, backend, config, framework=framework,
                         batch_size=batch_size)
        check_positive("top_k", top_k)
        self.top_k = top_k
        self.targets = targets

    def __call__(self, inputs: str | Sequence[str], *, top_k: int | None = None,
                 targets: str | Iterable[str] | None = None,
                 batch_size: int | None = None) -> list:
        """Fill the masks of one text (returns its result) or of a list of texts (a list).

        ``top_k``, ``targets`` and ``batch_size`` override the pipeline's defaults for this
        call.
        """
        single, texts = self._texts(inputs)
        top_k = self.top_k if top_k is None else top_k
        check_positive("top_k", top_k)
        target_ids = self._target_ids(self.targets if targets is None else targets)
        mask_id = self.tokenizer.mask_token_id
        rows = []
        for text, encoded in zip(texts, self._tokenize(texts), strict=True):
            ids = encoded["input_ids"]
            kept = self._truncated(ids, text, self.max_length - 2)
            if mask_id not in kept:
                where = "" if mask_id not in ids else (
                    f" within the first {self.max_length} tokens (the model's limit)")
                raise PipelineError(f"no {self.tokenizer.mask_token} token{where} in input "
                                    f"{text[:80]!r}")
            rows.append(self._row(kept))
        results = []
        for (ids, _), outputs in zip(rows, self._run(rows, batch_size), strict=True):
            ids = np.asarray(ids)
            logits = outputs["logits"]
            per_mask = [self._predict(ids, int(pos), logits[pos], top_k, target_ids)
                        for pos in np.flatnonzero(ids == mask_id)]
            results.append(per_mask[0] if len(per_mask) == 1 else per_mask)
        return results[0] if single else results

    def _target_ids(self, targets: str | Iterable[str] | None) -> np.ndarray | None:
        if targets is None:
            return None
        words = [targets] if isinstance(targets, str) else list(targets)
        if not words:
            raise PipelineError("targets is empty")
        ids = []
        for word in words:
            pieces = self.tokenizer.tokenize(word)
            if not pieces:
                raise PipelineError(f"target {word!r} is empty after tokenisation")
            if len(pieces) > 1:
                warnings.warn(f"target {word!r} is several tokens {pieces}; scoring only "
                              f"{pieces[0]!r}", UserWarning, stacklevel=3)
            ids.append(self.tokenizer.convert_tokens_to_ids(pieces[0]))
        return np.asarray(list(dict.fromkeys(ids)))

    def _predict(self, ids: np.ndarray, position: int, logits: np.ndarray, top_k: int,
                 target_ids: np.ndarray | None) -> list[dict[str, Any]]:
        probs = softmax(logits)
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
