"""What every task pipeline shares: backends, devices, tokenisation, batching and windows.

A pipeline is tokenizer + model + task logic. Only the forward pass depends on the framework;
it comes from the framework's :class:`~albert_core.backend.Backend`
(:func:`albert_core.backend.get_backend`), which loads the task's head and runs::

    backend.forward(model, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]

``batch`` holds int64 ``input_ids``, ``attention_mask`` and ``token_type_ids`` of shape
``(batch, seq)``, right-padded; ``forward`` returns the model's output fields (``logits``,
``start_logits``, ``last_hidden_state``, ...) as float32 numpy arrays. Everything else lives
here and in the task modules, once, so the three frameworks give the same answers by
construction.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from albert_core import backend as backends
from albert_core import hub
from albert_core.backend import Backend
from albert_core.config import AlbertConfig
from albert_core.tokenizers import TOKENIZER_FILES
from albert_core.tokenizers.alignment import strip_word_spaces

#: Task -> the model head (a key of :data:`albert_core.schema.HEADS`) it runs.
TASK_HEADS: dict[str, str] = {
    "fill-mask": "masked-lm",
    "text-classification": "sequence-classification",
    "token-classification": "token-classification",
    "question-answering": "question-answering",
    "feature-extraction": "model",
}


#: Batches are right-padded to a multiple of this many tokens, so that compiled backends
#: (Flax's jit) see few distinct shapes. Padding is masked: it changes no result.
PAD_TO_MULTIPLE_OF = 8

#: Weights that a checkpoint without a pooler lacks; feature extraction does not use them.
POOLER_NAMES = frozenset({"pooler.weight", "pooler.bias"})


class PipelineError(ValueError):
    """A pipeline was asked for something it cannot do; the message says what."""


def load_backend(framework: str) -> Backend:
    """The :class:`~albert_core.backend.Backend` of ``framework``, with a clear error.

    Raises:
        PipelineError: ``framework`` is not one of :data:`~albert_core.backend.FRAMEWORKS`,
            or its deep-learning library is not installed (the message names the extra).
    """
    try:
        return backends.get_backend(framework)
    except (ValueError, ImportError) as err:
        raise PipelineError(str(err)) from None


def load_tokenizer(name_or_path: str | os.PathLike[str], *, revision: str | None = None) -> Any:
    """The fast tokenizer of a model directory or hub id (the slow one if the fast one fails).

    Raises:
        PipelineError: the directory has none of :data:`TOKENIZER_FILES`' vocabularies.
    """
    from albert_core.tokenizers import AlbertTokenizer, AlbertTokenizerFast

    directory = hub.resolve(name_or_path, revision=revision, files=TOKENIZER_FILES)
    if not ((directory / "tokenizer.json").is_file() or (directory / "spiece.model").is_file()):
        raise PipelineError(f"{name_or_path}: no tokenizer files ({', '.join(TOKENIZER_FILES)})")
    try:
        return AlbertTokenizerFast.from_pretrained(directory)
    except (ValueError, OSError):
        return AlbertTokenizer.from_pretrained(directory)


def parse_device(device: int | str | None) -> tuple[str, int]:
    """:func:`albert_core.backend.parse_device`, raising :class:`PipelineError`."""
    try:
        return backends.parse_device(device)
    except ValueError as err:
        raise PipelineError(str(err)) from None


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax in float64 (scores are compared across frameworks, so compute them exactly)."""
    x = np.asarray(logits, dtype=np.float64)
    x = x - x.max(axis=axis, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)


def sigmoid(logits: np.ndarray) -> np.ndarray:
    """Logistic function in float64."""
    return 1.0 / (1.0 + np.exp(-np.asarray(logits, dtype=np.float64)))


def windows(length: int, size: int, overlap: int) -> list[tuple[int, int]]:
    """``(start, end)`` windows of at most ``size`` tokens covering ``range(length)``.

    Consecutive windows share ``overlap`` tokens; the last one ends at ``length``. A text
    that fits gives one window (an empty text one empty window).

    Raises:
        PipelineError: ``size < 1`` or ``overlap`` not in ``[0, size)``.
    """
    if size < 1:
        raise PipelineError(f"window size must be at least 1 token, got {size}")
    if not 0 <= overlap < size:
        raise PipelineError(f"window overlap must be in [0, {size}), got {overlap}")
    out = [(0, min(size, length))]
    while out[-1][1] < length:
        start = out[-1][1] - overlap
        out.append((start, min(start + size, length)))
    return out


def check_positive(name: str, value: Any, *, allow_none: bool = False) -> None:
    """Raise :class:`PipelineError` unless ``value`` is a positive int (or None if allowed)."""
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise PipelineError(f"{name} must be a positive int, got {value!r}")


def check_choice(name: str, value: Any, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``choices``; PipelineError naming them otherwise."""
    if value not in choices:
        raise PipelineError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def length_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices of rows grouped into batches of at most ``batch_size``, by length.

    Rows are sorted by ``lengths``, longest first (a stable sort: rows of one length keep
    their order), and cut into consecutive batches, so that rows of similar lengths share a
    batch and little padding is run. Each row index appears once; callers put the outputs
    back in input order.

    Raises:
        PipelineError: ``batch_size`` is not a positive int.
    """
    check_positive("batch_size", batch_size)
    order = sorted(range(len(lengths)), key=lambda index: -lengths[index])
    return [order[start:start + batch_size] for start in range(0, len(order), batch_size)]


class Pipeline:
    """Base of the task pipelines: holds the model, tokenizer and backend, batches rows.

    Subclasses implement ``__call__``. Build pipelines with
    :func:`albert_core.pipelines.pipeline` rather than directly.

    Args:
        model: the loaded model (a framework object the backend understands).
        tokenizer: an :class:`~albert_core.AlbertTokenizerFast` (or slow
            :class:`~albert_core.AlbertTokenizer`).
        backend: the framework's :class:`~albert_core.backend.Backend`.
        config: the model's :class:`~albert_core.AlbertConfig`.
        framework: ``"pt"``, ``"tf"`` or ``"flax"`` (informative).
        batch_size: how many model rows (texts, or windows of long texts) run per forward
            pass; every call also takes ``batch_size=`` for itself. A call's rows are sorted
            by length and batched (:func:`length_batches`), each batch padded only to its
            longest row; results come back in input order, as if each input ran alone.
    """

    #: The task name (``"fill-mask"``, ...).
    task: ClassVar[str] = ""

    def __init__(self, model: Any, tokenizer: Any, backend: Backend, config: AlbertConfig,
                 *, framework: str = "pt", batch_size: int = 8) -> None:
        check_positive("batch_size", batch_size)
        self.model = model
        self.tokenizer = tokenizer
        self.backend = backend
        self.config = config
        self.framework = framework
        self.batch_size = int(batch_size)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(task={self.task!r}, framework={self.framework!r}, "
                f"model={type(self.model).__name__})")

    @property
    def max_length(self) -> int:
        """Longest model input, in tokens (special tokens included): 512 for released ALBERTs."""
        limit = getattr(self.tokenizer, "model_max_length", None) or 512
        return min(self.config.max_position_embeddings, limit)

    # ------------------------------------------------------------------ inputs
    def _texts(self, inputs: str | Sequence[str]) -> tuple[bool, list[str]]:
        """``(single, texts)``: a lone string or a list of strings, each checked non-empty."""
        single = isinstance(inputs, str)
        texts = [inputs] if single else list(inputs)
        for text in texts:
            self._check_text(text)
        return single, texts

    def _check_text(self, text: Any, what: str = "input") -> None:
        if not isinstance(text, str):
            raise TypeError(f"{self.task} {what}s must be str, got {type(text).__name__}")
        if not text.strip():
            raise PipelineError(f"{self.task} got an empty {what}")

    def _tokenize(self, texts: list[str], *, offsets: bool = False) -> list[dict[str, list]]:
        """Token ids (and character offsets) of each text, without special tokens."""
        if not texts:
            return []
        if offsets and not getattr(self.tokenizer, "supports_offsets", False):
            raise PipelineError(
                f"{self.task} needs character offsets, which {type(self.tokenizer).__name__} "
                "cannot give; use AlbertTokenizerFast"
            )
        encoded = self.tokenizer(texts, add_special_tokens=False, return_offsets_mapping=offsets,
                                 return_token_type_ids=False, return_attention_mask=False)
        rows = []
        for index in range(len(texts)):
            row = {"input_ids": list(encoded["input_ids"][index])}
            if offsets:
                # Answers and entities start at their first character, not at the space
                # before a word that the tokenizer's offsets include.
                row["offset_mapping"] = strip_word_spaces(
                    texts[index], [tuple(o) for o in encoded["offset_mapping"][index]]
                )
            rows.append(row)
        return rows

    def _truncated(self, ids: list[int], text: str, room: int) -> list[int]:
        """The first ``room`` ids, with a warning when that cuts the text."""
        if len(ids) > room:
            extra = self.max_length - room
            warnings.warn(
                f"input of {len(ids) + extra} tokens truncated to {self.max_length} (the "
                f"model's limit): {text[:40]!r}...", UserWarning, stacklevel=4,
            )
            return ids[:room]
        return ids

    def _special_tokens(self) -> set[int]:
        """Ids of the layout tokens ([CLS], [SEP], padding, [MASK]) that no answer covers."""
        tok = self.tokenizer
        return {tok.cls_token_id, tok.sep_token_id, tok.pad_token_id, tok.mask_token_id}

    def _row(self, first: list[int],
             second: list[int] | None = None) -> tuple[list[int], list[int]]:
        """``([CLS] A [SEP] (B [SEP]), token_type_ids)`` for one model row."""
        cls, sep = self.tokenizer.cls_token_id, self.tokenizer.sep_token_id
        ids = [cls, *first, sep]
        types = [0] * len(ids)
        if second is not None:
            ids += [*second, sep]
            types += [1] * (len(second) + 1)
        return ids, types

    # ------------------------------------------------------------------ model
    def _run(self, rows: list[tuple[list[int], list[int]]],
             batch_size: int | None = None) -> list[dict[str, np.ndarray]]:
        """Run every row; returns one dict of per-row arrays per row, in the order of ``rows``.

        Rows run in :func:`length_batches` of ``batch_size`` (default :attr:`batch_size`),
        so each batch is padded only to its own longest row. A row's arrays keep the padding
        of its batch: read only its first ``len(input_ids)`` positions.
        """
        size = self.batch_size if batch_size is None else batch_size
        out: list[dict[str, np.ndarray]] = [{} for _ in rows]
        for indices in length_batches([len(ids) for ids, _ in rows], size):
            outputs = self.forward([rows[i] for i in indices])
            for position, index in enumerate(indices):
                out[index] = {name: value[position] for name, value in outputs.items()}
        return out

    def forward(self, rows: Sequence[tuple[list[int], list[int]]]) -> dict[str, np.ndarray]:
        """Pad ``(input_ids, token_type_ids)`` rows on the right and run the model on them."""
        longest = max(len(ids) for ids, _ in rows)
        width = min(-(-longest // PAD_TO_MULTIPLE_OF) * PAD_TO_MULTIPLE_OF,
                    max(longest, self.max_length))
        input_ids = np.full((len(rows), width), self.tokenizer.pad_token_id, dtype=np.int64)
        token_type_ids = np.zeros((len(rows), width), dtype=np.int64)
        attention_mask = np.zeros((len(rows), width), dtype=np.int64)
        for i, (ids, types) in enumerate(rows):
            input_ids[i, :len(ids)] = ids
            token_type_ids[i, :len(types)] = types
            attention_mask[i, :len(ids)] = 1
        batch = {"input_ids": input_ids, "attention_mask": attention_mask,
                 "token_type_ids": token_type_ids}
        return self.backend.forward(self.model, batch)
