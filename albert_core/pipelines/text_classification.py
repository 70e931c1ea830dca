"""text-classification: labels of a text, or of a pair of texts, with their scores."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import EllipsisType
from typing import Any

import numpy as np

from albert_core.backend import Backend
from albert_core.config import AlbertConfig
from albert_core.pipelines.base import (
    Pipeline,
    PipelineError,
    check_choice,
    check_positive,
    sigmoid,
    softmax,
)

#: Values of ``function_to_apply``.
FUNCTIONS = ("softmax", "sigmoid", "none")

#: One input: a text, a ``(text, text_pair)`` tuple or a ``{"text", "text_pair"}`` dict.
TextInput = str | tuple[str, str] | Mapping[str, str]


class TextClassificationPipeline(Pipeline):
    """Classify texts (or pairs of texts) with a sequence-classification head.

    Each input is a text, a ``(text, text_pair)`` tuple or a ``{"text": ..., "text_pair":
    ...}`` dict (pairs are encoded ``[CLS] text [SEP] text_pair [SEP]`` with token type ids
    0 then 1, as for training). Each gives a list of ``{"label", "score"}`` dicts, best
    first; labels are the config's ``id2label`` names. One input returns its list, a list of
    inputs a list of lists.

    The constructor also takes the arguments of
    :class:`~albert_core.pipelines.base.Pipeline`; build pipelines with
    :func:`albert_core.pipelines.pipeline`.

    Args:
        top_k: how many labels to return per input (default 1; None for all of them).
        function_to_apply: ``"softmax"`` (scores sum to 1), ``"sigmoid"`` (independent
            scores) or ``"none"`` (raw logits). Default: sigmoid for a multi-label config
            (``problem_type="multi_label_classification"``) or a single output, softmax
            otherwise.

    Inputs longer than the model's limit are truncated with a warning (the longer text of a
    pair is cut first).
    """

    task = "text-classification"

    def __init__(self, model: Any, tokenizer: Any, backend: Backend, config: AlbertConfig,
                 *, framework: str = "pt", batch_size: int = 8, top_k: int | None = 1,
                 function_to_apply: str | None = None) -> None:
        super().__init__(model, tokenizer, backend, config, framework=framework,
                         batch_size=batch_size)
        check_positive("top_k", top_k, allow_none=True)
        if function_to_apply is not None:
            check_choice("function_to_apply", function_to_apply, FUNCTIONS)
        self.top_k = top_k
        self.function_to_apply = function_to_apply

    @property
    def default_function(self) -> str:
        """The score function used when none is asked for (see the class docstring)."""
        multi = self.config.problem_type == "multi_label_classification"
        return "sigmoid" if multi or self.config.num_labels == 1 else "softmax"

    def __call__(self, inputs: TextInput | Sequence[TextInput], *,
                 top_k: int | None | EllipsisType = ...,
                 function_to_apply: str | None = None, batch_size: int | None = None) -> list:
        """Classify one input (returns its label list) or a list of inputs (list of lists).

        ``top_k`` (None: all labels), ``function_to_apply`` and ``batch_size`` override the
        defaults.
        """
        top_k = self.top_k if top_k is ... else top_k
        check_positive("top_k", top_k, allow_none=True)
        function = function_to_apply or self.function_to_apply or self.default_function
        check_choice("function_to_apply", function, FUNCTIONS)
        single = isinstance(inputs, (str, tuple, Mapping))
        pairs = [self._pair(item) for item in ([inputs] if single else list(inputs))]
        firsts = self._tokenize([a for a, _ in pairs])
        seconds = self._tokenize([b for _, b in pairs if b is not None])
        rows, second_iter = [], iter(seconds)
        for (text, pair), first in zip(pairs, firsts, strict=True):
            ids_a = first["input_ids"]
            ids_b = None if pair is None else next(second_iter)["input_ids"]
            rows.append(self._row(*self._fit(ids_a, ids_b, text)))
        results = [self._labels(out["logits"], function, top_k)
                   for out in self._run(rows, batch_size)]
        return results[0] if single else results

    def _pair(self, item: Any) -> tuple[str, str | None]:
        if isinstance(item, Mapping):
            unknown = sorted(set(item) - {"text", "text_pair"})
            if unknown or "text" not in item:
                raise PipelineError(
                    f"a text-classification dict input needs 'text' (and optionally "
                    f"'text_pair'); got keys {sorted(item)}"
                )
            text, pair = item["text"], item.get("text_pair")
        elif isinstance(item, tuple):
            if len(item) != 2:
                raise PipelineError(f"a text pair is a (text, text_pair) tuple, got {item!r}")
            text, pair = item
        else:
            text, pair = item, None
        self._check_text(text)
        if pair is not None:
            self._check_text(pair, "text_pair")
        return text, pair

    def _fit(self, ids_a: list[int], ids_b: list[int] | None,
             text: str) -> tuple[list[int], list[int] | None]:
        """Cut a text (or the longer text of a pair, token by token) to the model's limit."""
        if ids_b is None:
            return self._truncated(ids_a, text, self.max_length - 2), None
        room = self.max_length - 3
        if len(ids_a) + len(ids_b) <= room:
            return ids_a, ids_b
        a, b = len(ids_a), len(ids_b)
        while a + b > room:
            if a >= b:
                a -= 1
            else:
                b -= 1
        self._truncated(ids_a + ids_b, text, room)  # warns
        return ids_a[:a], ids_b[:b]

    def _labels(self, logits: np.ndarray, function: str, top_k: int | None) -> list[dict]:
        if function == "softmax":
            scores = softmax(logits)
        elif function == "sigmoid":
            scores = sigmoid(logits)
        else:
            scores = np.asarray(logits, dtype=np.float64)
        order = np.argsort(-scores, kind="stable")[:top_k]
        names = self.config.id2label
        return [{"label": names.get(int(i), f"LABEL_{int(i)}"), "score": float(scores[i])}
                for i in order]
