"""token-classification: a label per token (named entities, ...), grouped into words and spans."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from albert_core.backend import Backend
from albert_core.config import AlbertConfig
from albert_core.pipelines.base import Pipeline, check_choice, softmax, windows

#: Values of ``aggregation_strategy``.
AGGREGATIONS = ("none", "simple", "first", "average", "max")

#: The sentencepiece word-boundary marker that starts every word's first piece.
WORD_START = "▁"


def split_label(label: str) -> tuple[str, str]:
    """``("B" | "I", type)`` of an IOB label: ``B-PER`` -> ``("B", "PER")``.

    ``S-`` (single) counts as a beginning and ``E-`` (end) as inside; a label without a prefix
    (``O``, ``LABEL_3``) is its own type, inside.
    """
    if len(label) > 2 and label[1] == "-" and label[0] in "BISE":
        return ("B" if label[0] in "BS" else "I"), label[2:]
    return "I", label


class TokenClassificationPipeline(Pipeline):
    """Label the tokens of texts and group them into entities.

    Each text gives a list of entities in text order. ``start``/``end`` are character offsets
    into the text and ``word`` is ``text[start:end]``. With ``aggregation_strategy``:

    - ``"none"``: one ``{"entity", "score", "index", "word", "start", "end"}`` per token
      (``index`` counts tokens from 1, as in the model input after ``[CLS]``).
    - ``"simple"``: tokens grouped into ``{"entity_group", "score", "word", "start", "end"}``
      spans: consecutive tokens of one type join unless a token is tagged ``B-``; the score
      is the mean of the tokens'.
    - ``"first"``, ``"average"``, ``"max"``: each word (a token starting with ``▁`` and the
      pieces after it) first gets one label, from its first token's scores, from the mean of
      its tokens' probabilities, or from its most confident token; then words are grouped as
      for ``"simple"``. A word is never split between entities.

    Entities (or tokens) whose type is in ``ignore_labels`` (default ``["O"]``) are left
    out. Texts longer than the model's limit are read in overlapping windows; each token takes
    its scores from the window where it has the most context on both sides.

    The constructor also takes the arguments of
    :class:`~albert_core.pipelines.base.Pipeline`; build pipelines with
    :func:`albert_core.pipelines.pipeline`.

    Args:
        aggregation_strategy: one of :data:`AGGREGATIONS` (default ``"none"``).
        ignore_labels: label types to leave out (default ``("O",)``).
        stride: tokens shared by consecutive windows of a long text (default a quarter of
            the window).
    """

    task = "token-classification"

    def __init__(self, model: Any, tokenizer: Any, backend: Backend, config: AlbertConfig,
                 *, framework: str = "pt", batch_size: int = 8,
                 aggregation_strategy: str = "none", ignore_labels: Iterable[str] = ("O",),
                 stride: int | None = None) -> None:
        super().__init__(model, tokenizer, backend, config, framework=framework,
                         batch_size=batch_size)
        self.aggregation_strategy = check_choice("aggregation_strategy", aggregation_strategy,
                                                 AGGREGATIONS)
        self.ignore_labels = tuple(ignore_labels)
        self.stride = stride
        windows(1, self.window, self.overlap)  # validates stride

    @property
    def window(self) -> int:
        """Tokens of text per model row (the model's limit less ``[CLS]`` and ``[SEP]``)."""
        return self.max_length - 2

    @property
    def overlap(self) -> int:
        """Tokens shared by consecutive windows."""
        return self.window // 4 if self.stride is None else self.stride

    def __call__(self, inputs: str | Sequence[str], *, aggregation_strategy: str | None = None,
                 ignore_labels: Iterable[str] | None = None,
                 batch_size: int | None = None) -> list:
        """Entities of one text (a list) or of a list of texts (a list of lists).

        ``aggregation_strategy``, ``ignore_labels`` and ``batch_size`` (model rows per
        forward pass, windows of long texts included) override the pipeline's for this call.
        """
        strategy = check_choice("aggregation_strategy",
                                aggregation_strategy or self.aggregation_strategy, AGGREGATIONS)
        ignore = set(self.ignore_labels if ignore_labels is None else ignore_labels)
        single, texts = self._texts(inputs)
        encoded = self._tokenize(texts, offsets=True)
        rows, plan = [], []
        for index, item in enumerate(encoded):
            ids = item["input_ids"]
            for start, end in windows(len(ids), self.window, self.overlap):
                rows.append(self._row(ids[start:end]))
                plan.append((index, start, end))
        labels = self.config.num_labels
        logits = [np.zeros((len(item["input_ids"]), labels)) for item in encoded]
        margins = [np.full(len(item["input_ids"]), -1) for item in encoded]
        for (index, start, end), out in zip(plan, self._run(rows, batch_size), strict=True):
            positions = np.arange(start, end)
            margin = np.minimum(positions - start, end - 1 - positions)
            take = margin > margins[index][start:end]
            logits[index][positions[take]] = out["logits"][1:1 + end - start][take]
            margins[index][positions[take]] = margin[take]
        results = [self._entities(text, item, scores, strategy, ignore)
                   for text, item, scores in zip(texts, encoded, logits, strict=True)]
        return results[0] if single else results

    def _entities(self, text: str, encoded: dict[str, list], logits: np.ndarray, strategy: str,
                  ignore: set[str]) -> list[dict[str, Any]]:
        ids, offsets = encoded["input_ids"], encoded["offset_mapping"]
        probs = softmax(logits) if len(ids) else logits
        special = self._special_tokens()
        tokens = [i for i, token in enumerate(ids) if token not in special]
        names = self.config.id2label
        if strategy == "none":
            out = []
            for i in tokens:
                label = int(np.argmax(probs[i]))
                if split_label(names[label])[1] in ignore or names[label] in ignore:
                    continue
                start, end = offsets[i]
                out.append({"entity": names[label], "score": float(probs[i, label]),
                            "index": i + 1, "word": text[start:end], "start": start,
                            "end": end})
            return out
        if strategy == "simple":
            units = [self._unit(probs[i], [i], offsets) for i in tokens]
        else:
            units = [self._word_unit(probs, word, offsets, strategy)
                     for word in self._words(tokens, ids, offsets)]
        return self._group(text, units, ignore)

    def _words(self, tokens: list[int], ids: list[int],
               offsets: list[tuple[int, int]]) -> list[list[int]]:
        """Token indices grouped into words: a word starts at a ``▁`` piece or after a gap."""
        pieces = self.tokenizer.convert_ids_to_tokens(ids)
        words: list[list[int]] = []
        for i in tokens:
            previous = words[-1][-1] if words else None
            starts_word = (
                previous is None
                or previous != i - 1
                or pieces[i].startswith(WORD_START)
                or offsets[i][0] > offsets[previous][1]
            )
            if starts_word:
                words.append([i])
            else:
                words[-1].append(i)
        return words

    def _unit(self, probs: np.ndarray, members: list[int],
              offsets: list[tuple[int, int]]) -> dict[str, Any]:
        label = int(np.argmax(probs))
        return {"label": self.config.id2label[label], "score": float(probs[label]),
                "start": min(offsets[i][0] for i in members),
                "end": max(offsets[i][1] for i in members)}

    def _word_unit(self, probs: np.ndarray, word: list[int], offsets: list[tuple[int, int]],
                   strategy: str) -> dict[str, Any]:
        if strategy == "first":
            chosen = probs[word[0]]
        elif strategy == "max":
            chosen = probs[word[int(np.argmax(probs[word].max(axis=1)))]]
        else:  # average
            chosen = probs[word].mean(axis=0)
        return self._unit(chosen, word, offsets)

    @staticmethod
    def _group(text: str, units: list[dict[str, Any]], ignore: set[str]) -> list[dict[str, Any]]:
        """Join consecutive units of one type (a ``B-`` unit starts a new entity)."""
        groups: list[dict[str, Any]] = []
        for unit in units:
            begin, kind = split_label(unit["label"])
            if groups and groups[-1]["entity_group"] == kind and begin != "B":
                groups[-1]["scores"].append(unit["score"])
                groups[-1]["end"] = unit["end"]
            else:
                groups.append({"entity_group": kind, "scores": [unit["score"]],
                               "start": unit["start"], "end": unit["end"]})
        return [
            {"entity_group": g["entity_group"], "score": float(np.mean(g["scores"])),
             "word": text[g["start"]:g["end"]], "start": g["start"], "end": g["end"]}
            for g in groups if g["entity_group"] not in ignore
        ]
