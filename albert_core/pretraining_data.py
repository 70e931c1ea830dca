"""Pre-training data for ALBERT: raw text -> segment pairs -> shards on disk -> masked batches.

The recipe is the ALBERT paper's (Lan et al., 2019) and its ``create_pretraining_data.py``:

1. **Documents and sentences.** Input files are read line by line (streamed, ``.gz`` too).
   A blank line ends a document; every other line is cut into sentences by
   :func:`split_sentences` (a line that already holds one sentence stays whole), so both the
   BERT convention (one sentence per line) and plain paragraphs work.
2. **Segment pairs.** Sentences of a document are packed into chunks that fill
   ``max_seq_length - 3`` tokens (with probability ``short_seq_prob`` a shorter random
   target length is used, so the model also sees short inputs). Each chunk is cut at a
   random sentence boundary into segments A and B; with probability 0.5 they are swapped
   (sentence-order prediction, label 1 = swapped, 0 = original order). A chunk of a single
   sentence is cut at a random word boundary instead (ALBERT's code would pair it with a
   random other document, which is next-sentence prediction, not order prediction). Pairs
   that are too long lose tokens from the front or the back of the longer segment.
3. **Shards.** :func:`prepare_pretraining_data` writes the unmasked pairs as ``.npz``
   shards (``train-00000.npz``, ..., ``heldout-00000.npz``) plus ``meta.json`` and a copy
   of the tokenizer, streaming the corpus with a progress bar. Whole documents go to the
   held-out split with probability ``heldout_fraction``.
4. **Masking, at batch time.** :class:`BatchIterator` masks each example when its batch is
   built, with a generator seeded from ``(seed, epoch, example)``: every epoch sees new
   masks (as in RoBERTa) and any position can be rebuilt exactly, which is what resuming
   training needs. The masking is ALBERT's n-gram masking: ``masked_lm_prob`` (15%) of the
   tokens, in spans of ``n`` whole words with ``P(n) ∝ 1/n`` for ``n <= max_ngram`` (3);
   each selected token becomes ``[MASK]`` (80%), stays (10%) or becomes a random token
   (10%). Words are found on sentencepiece boundaries (:func:`is_word_start_piece`).

Everything here is numpy and the standard library; the framework adapters are
``albert_pt.pretraining.PretrainingIterableDataset``, ``albert_tf.pretraining.tf_dataset``
and ``albert_flax.pretraining.numpy_batches``.
"""

from __future__ import annotations

import bisect
import dataclasses
import gzip
import json
import os
import random
import re
import string
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from albert_core.io_utils import atomic_open, atomic_write_text
from albert_core.modeling_utils import IGNORE_INDEX
from albert_core.tokenization import SPIECE_UNDERLINE, AlbertTokenizerBase

#: ``format`` field of ``meta.json``.
DATA_FORMAT = "albert-pretraining-data"
#: Version of the shard layout.
DATA_VERSION = 1
META_FILE = "meta.json"
TOKENIZER_DIR = "tokenizer"
SPLITS = ("train", "heldout")

#: Characters ALBERT treats as pieces of their own when finding words.
_PUNCTUATION = frozenset(string.punctuation) | {"€", "£"}
_ENGLISH_LETTERS = frozenset(string.ascii_lowercase)

#: Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st mt vs etc e.g i.e cf al fig no vol ca approx dept inc ltd co "
    "corp gen gov jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k".split()
)
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*(?=\s+[\"'(\[]?[A-Z0-9])")


# ================================================================================ config
@dataclasses.dataclass(frozen=True)
class DataConfig:
    """How segment pairs are built and masked.

    Args:
        max_seq_length: length of every example, ``[CLS] A [SEP] B [SEP]`` plus padding.
        short_seq_prob: probability that a chunk targets a random shorter length.
        masked_lm_prob: fraction of the tokens (special tokens included, as in ALBERT) to
            predict.
        max_predictions_per_seq: upper bound on predicted tokens per example; None means
            ``round(max_seq_length * masked_lm_prob)``.
        max_ngram: longest masked span, in whole words (``P(n) ∝ 1/n``).
        mask_token_prob: share of the selected tokens replaced by ``[MASK]``.
        random_token_prob: share replaced by a random vocabulary token (the rest stay).
        dupe_factor: passes over the corpus when writing shards, each cutting the documents
            into pairs anew (masks are drawn per epoch anyway).
        heldout_fraction: probability that a document goes to the held-out split.
        shard_size: examples per shard file.
        seed: seed of the pair construction and the held-out split.
    """

    max_seq_length: int = 128
    short_seq_prob: float = 0.1
    masked_lm_prob: float = 0.15
    max_predictions_per_seq: int | None = None
    max_ngram: int = 3
    mask_token_prob: float = 0.8
    random_token_prob: float = 0.1
    dupe_factor: int = 1
    heldout_fraction: float = 0.01
    shard_size: int = 50_000
    seed: int = 12345

    def __post_init__(self) -> None:
        if self.max_seq_length < 8:
            raise ValueError(f"max_seq_length must be at least 8, got {self.max_seq_length}")
        for name in ("short_seq_prob", "heldout_fraction", "mask_token_prob",
                     "random_token_prob"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {value}")
        if not 0.0 < self.masked_lm_prob < 1.0:
            raise ValueError(f"masked_lm_prob must be in (0, 1), got {self.masked_lm_prob}")
        if self.mask_token_prob + self.random_token_prob > 1.0:
            raise ValueError("mask_token_prob + random_token_prob must not exceed 1")
        if self.max_predictions_per_seq is not None and self.max_predictions_per_seq < 1:
            raise ValueError("max_predictions_per_seq must be positive")
        for name in ("max_ngram", "dupe_factor", "shard_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")

    @property
    def max_predictions(self) -> int:
        """Predicted tokens per example at most (the width of ``masked_lm_positions``)."""
        if self.max_predictions_per_seq is not None:
            return self.max_predictions_per_seq
        return max(1, int(round(self.max_seq_length * self.masked_lm_prob)))

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], **overrides: Any) -> DataConfig:
        """Inverse of :meth:`to_dict`; ``overrides`` replace fields (unknown keys raise)."""
        fields = {f.name for f in dataclasses.fields(cls)}
        merged = {**{k: v for k, v in data.items() if k in fields}, **overrides}
        unknown = sorted(set(overrides) - fields)
        if unknown:
            raise ValueError(f"unknown data options {unknown}; known: {sorted(fields)}")
        return cls(**merged)


# ============================================================================ vocabulary
def is_word_start_piece(piece: str) -> bool:
    """Whether a sentencepiece piece starts a word, by ALBERT's rule.

    A piece starts a word when it begins with ``▁``, is a special token (``<...>``), is a
    punctuation character, or holds any character outside ``a-z`` and punctuation (digits
    and foreign scripts are words of their own). Other pieces continue the previous word.
    """
    if piece.startswith(SPIECE_UNDERLINE) or piece.startswith("<") or piece in _PUNCTUATION:
        return True
    return not all(ch.lower() in _ENGLISH_LETTERS or ch in _PUNCTUATION for ch in piece)


@dataclasses.dataclass(frozen=True)
class VocabInfo:
    """What masking needs to know about the vocabulary.

    Attributes:
        vocab_size: number of ids.
        pad_id, cls_id, sep_id, mask_id: the special ids.
        word_start: ``(vocab_size,)`` bool, :func:`is_word_start_piece` of every piece.
        random_ids: ids a selected token may be replaced with (no special tokens).
    """

    vocab_size: int
    pad_id: int
    cls_id: int
    sep_id: int
    mask_id: int
    word_start: np.ndarray
    random_ids: np.ndarray

    @classmethod
    def from_tokenizer(cls, tokenizer: AlbertTokenizerBase) -> VocabInfo:
        """Read the pieces and special ids of an ALBERT tokenizer."""
        size = tokenizer.vocab_size
        pieces = tokenizer.convert_ids_to_tokens(list(range(size)))
        special = set(tokenizer.all_special_ids)
        return cls(
            vocab_size=size,
            pad_id=tokenizer.pad_token_id,
            cls_id=tokenizer.cls_token_id,
            sep_id=tokenizer.sep_token_id,
            mask_id=tokenizer.mask_token_id,
            word_start=np.array([is_word_start_piece(p) for p in pieces], dtype=bool),
            random_ids=np.array([i for i in range(size) if i not in special], dtype=np.int32),
        )


def load_tokenizer(path: str | os.PathLike[str] | AlbertTokenizerBase) -> AlbertTokenizerBase:
    """An ALBERT tokenizer from a directory, a ``.model`` file, or as given."""
    if isinstance(path, AlbertTokenizerBase):
        return path
    from albert_core.tokenization import AlbertTokenizer

    return AlbertTokenizer.from_pretrained(path)


# ============================================================================== reading
def split_sentences(text: str) -> list[str]:
    """Cut a paragraph into sentences.

    A sentence ends at ``.``, ``!`` or ``?`` (with closing quotes or brackets) followed by
    whitespace and a capital letter, digit or opening quote, unless the word before the
    full stop is a common abbreviation or a single letter (an initial). Whitespace at the
    ends is stripped; empty sentences are dropped.
    """
    sentences = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        if text[match.start()] == ".":
            words = text[start:match.start()].split()
            last = words[-1].lower().lstrip("\"'([") if words else ""
            if last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
                continue
        sentence = text[start:end].strip()
        if sentence:
            sentences.append(sentence)
        start = end
    rest = text[start:].strip()
    if rest:
        sentences.append(rest)
    return sentences


def open_binary(path: Path) -> IO[bytes]:
    """Open a text file for reading bytes, decompressing ``.gz`` files on the fly."""
    if path.suffix == ".gz":
        return gzip.open(path, "rb")
    return open(path, "rb")


def read_documents(
    paths: Iterable[str | os.PathLike[str]], progress: Any = None
) -> Iterator[list[str]]:
    """Stream the documents of text files: lists of sentences.

    A blank line ends a document (so does the end of a file); other lines are cut with
    :func:`split_sentences`. Files are read line by line (``.gz`` files decompressed on the
    fly), never whole. ``progress`` (a tqdm bar or None) is advanced by the bytes read.
    """
    for name in paths:
        path = Path(name)
        if not path.is_file():
            raise FileNotFoundError(f"input file {path} does not exist")
        document: list[str] = []
        with open_binary(path) as handle:
            for raw in handle:
                if progress is not None:
                    progress.update(len(raw))
                line = raw.decode("utf-8", errors="replace").strip()
                if not line:
                    if document:
                        yield document
                        document = []
                    continue
                document.extend(split_sentences(line))
        if document:
            yield document


# ======================================================================== segment pairs
def _truncate_pair(a: list[int], b: list[int], max_tokens: int, rng: random.Random) -> None:
    """Shorten the longer of ``a``/``b`` from a random end until both fit ``max_tokens``."""
    while len(a) + len(b) > max_tokens:
        longer = a if len(a) > len(b) else b
        if rng.random() < 0.5:
            del longer[0]
        else:
            longer.pop()


def _word_boundaries(tokens: Sequence[int], vocab: VocabInfo) -> list[int]:
    """Positions ``1..len-1`` where a new word starts."""
    return [i for i in range(1, len(tokens)) if vocab.word_start[tokens[i]]]


def create_segment_pairs(
    document: Sequence[Sequence[int]],
    config: DataConfig,
    rng: random.Random,
    vocab: VocabInfo,
) -> list[tuple[list[int], list[int], int]]:
    """Cut one tokenized document (a list of sentences' ids) into segment pairs.

    Returns ``(tokens_a, tokens_b, sentence_order_label)`` triples (label 1: swapped) whose
    lengths add up to at most ``max_seq_length - 3``. See the module docstring.
    """
    max_tokens = config.max_seq_length - 3
    target = max_tokens
    if rng.random() < config.short_seq_prob:
        target = rng.randint(2, max_tokens)
    pairs: list[tuple[list[int], list[int], int]] = []
    chunk: list[Sequence[int]] = []
    length = 0
    for index, sentence in enumerate(document):
        if sentence:
            chunk.append(sentence)
            length += len(sentence)
        if not chunk or (index != len(document) - 1 and length < target):
            continue
        if len(chunk) >= 2:
            a_end = rng.randint(1, len(chunk) - 1)
            tokens_a = [t for s in chunk[:a_end] for t in s]
            tokens_b = [t for s in chunk[a_end:] for t in s]
        else:
            tokens = list(chunk[0])
            cuts = _word_boundaries(tokens, vocab) or list(range(1, len(tokens)))
            if not cuts:  # a single token cannot make a pair
                chunk, length = [], 0
                continue
            cut = rng.choice(cuts)
            tokens_a, tokens_b = tokens[:cut], tokens[cut:]
        label = 0
        if rng.random() < 0.5:
            tokens_a, tokens_b, label = tokens_b, tokens_a, 1
        _truncate_pair(tokens_a, tokens_b, max_tokens, rng)
        if tokens_a and tokens_b:
            pairs.append((tokens_a, tokens_b, label))
        chunk, length = [], 0
        target = max_tokens
        if rng.random() < config.short_seq_prob:
            target = rng.randint(2, max_tokens)
    return pairs


# ============================================================================== masking
@dataclasses.dataclass
class MaskedExample:
    """One example after masking.

    Attributes:
        input_ids: ``(max_seq_length,)`` ids with the replacements made.
        labels: ``(max_seq_length,)`` original ids at the predicted positions, -100 elsewhere.
        positions: ``(max_predictions,)`` predicted positions (ascending, zero-padded).
        label_ids: ``(max_predictions,)`` their original ids (zero-padded).
        weights: ``(max_predictions,)`` 1.0 for real predictions, 0.0 for padding.
        ngrams: the length ``n`` (in words) of each masked span, in the order chosen.
    """

    input_ids: np.ndarray
    labels: np.ndarray
    positions: np.ndarray
    label_ids: np.ndarray
    weights: np.ndarray
    ngrams: list[int] = dataclasses.field(default_factory=list)


def whole_words(input_ids: Sequence[int], length: int, vocab: VocabInfo) -> list[list[list[int]]]:
    """The words of an example as runs between special tokens.

    Returns one list per run of ordinary tokens (segment A, segment B); each run is a list
    of words, each word the list of its positions. A word starts at a word-start piece
    (:func:`is_word_start_piece`) or right after a special token.
    """
    specials = (vocab.cls_id, vocab.sep_id, vocab.pad_id)
    runs: list[list[list[int]]] = []
    run: list[list[int]] = []
    for i in range(length):
        token = int(input_ids[i])
        if token in specials:
            if run:
                runs.append(run)
                run = []
            continue
        if not run or vocab.word_start[token]:
            run.append([i])
        else:
            run[-1].append(i)
    if run:
        runs.append(run)
    return runs


def ngram_weights(max_ngram: int) -> np.ndarray:
    """``P(n) ∝ 1/n`` for ``n = 1..max_ngram``, normalised."""
    weights = 1.0 / np.arange(1, max_ngram + 1)
    return weights / weights.sum()


def sample_ngram_length(rng: random.Random, cumulative: Sequence[float], longest: int) -> int:
    """Draw ``n`` in ``1..longest`` with ``P(n) ∝ 1/n``; ``cumulative`` is the running sum
    of :func:`ngram_weights` (its first ``longest`` entries are used)."""
    draw = rng.random() * cumulative[longest - 1]
    return min(bisect.bisect_right(cumulative, draw) + 1, longest)


def mask_example(
    input_ids: np.ndarray,
    length: int,
    vocab: VocabInfo,
    config: DataConfig,
    rng: random.Random,
) -> MaskedExample:
    """ALBERT's n-gram masking of one example (see the module docstring).

    ``round(length * masked_lm_prob)`` tokens (at least 1, at most ``max_predictions``) are
    chosen as spans of ``n`` consecutive whole words of one segment, ``P(n) ∝ 1/n``. Spans
    are tried from shuffled start words; a span that would overshoot the budget is shortened,
    and skipped if even one word overshoots or it overlaps a chosen span.
    """
    runs = whole_words(input_ids, length, vocab)
    starts = [(r, w) for r, run in enumerate(runs) for w in range(len(run))]
    rng.shuffle(starts)
    budget = min(config.max_predictions, max(1, int(round(length * config.masked_lm_prob))))
    cumulative = np.cumsum(ngram_weights(config.max_ngram)).tolist()
    covered: set[int] = set()
    ngrams: list[int] = []
    for r, w in starts:
        if len(covered) >= budget:
            break
        run = runs[r]
        n = sample_ngram_length(rng, cumulative, min(config.max_ngram, len(run) - w))
        while n >= 1:
            span = [i for word in run[w:w + n] for i in word]
            if len(covered) + len(span) <= budget:
                break
            n -= 1
        if n < 1 or any(i in covered for i in span):
            continue
        covered.update(span)
        ngrams.append(n)
    positions = sorted(covered)
    masked = np.array(input_ids, dtype=np.int32, copy=True)
    labels = np.full(masked.shape, IGNORE_INDEX, dtype=np.int32)
    keep_limit = 1.0 - config.random_token_prob  # draws in [mask_token_prob, keep_limit) keep
    for i in positions:
        labels[i] = masked[i]
        draw = rng.random()
        if draw < config.mask_token_prob:
            masked[i] = vocab.mask_id
        elif draw >= keep_limit:
            masked[i] = vocab.random_ids[rng.randrange(len(vocab.random_ids))]
    width = config.max_predictions
    pos = np.zeros(width, np.int32)
    ids = np.zeros(width, np.int32)
    weights = np.zeros(width, np.float32)
    pos[: len(positions)] = positions
    ids[: len(positions)] = labels[positions]
    weights[: len(positions)] = 1.0
    return MaskedExample(masked, labels, pos, ids, weights, ngrams)


# ================================================================================ shards
class _ShardWriter:
    """Collects examples of one split and writes them as numbered ``.npz`` shards."""

    def __init__(self, directory: Path, split: str, config: DataConfig, vocab: VocabInfo) -> None:
        self.directory = directory
        self.split = split
        self.config = config
        self.cls_id, self.sep_id = vocab.cls_id, vocab.sep_id
        self.id_dtype = np.uint16 if vocab.vocab_size <= np.iinfo(np.uint16).max + 1 else np.int32
        self.buffer: list[tuple[list[int], list[int], int]] = []
        self.shards: list[str] = []
        self.counts: list[int] = []
        self.tokens = 0
        self.labels = [0, 0]

    def add(self, pair: tuple[list[int], list[int], int]) -> None:
        self.buffer.append(pair)
        if len(self.buffer) >= self.config.shard_size:
            self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        n, width = len(self.buffer), self.config.max_seq_length
        input_ids = np.zeros((n, width), self.id_dtype)
        token_type_ids = np.zeros((n, width), np.uint8)
        lengths = np.zeros(n, np.int32)
        order = np.zeros(n, np.uint8)
        for row, (a, b, label) in enumerate(self.buffer):
            ids = [self.cls_id, *a, self.sep_id, *b, self.sep_id]
            input_ids[row, : len(ids)] = ids
            token_type_ids[row, len(a) + 2 : len(ids)] = 1
            lengths[row] = len(ids)
            order[row] = label
            self.labels[label] += 1
        self.tokens += int(lengths.sum())
        name = f"{self.split}-{len(self.shards):05d}.npz"
        with atomic_open(self.directory / name, "wb", overwrite=True) as handle:
            np.savez(handle, input_ids=input_ids, token_type_ids=token_type_ids,
                     lengths=lengths, sentence_order_label=order)
        self.shards.append(name)
        self.counts.append(n)
        self.buffer = []

    def summary(self) -> dict[str, Any]:
        return {
            "shards": self.shards,
            "counts": self.counts,
            "examples": int(sum(self.counts)),
            "tokens": self.tokens,
            "sentence_order_labels": self.labels,
        }


def _tokenize_sentences(tokenizer: AlbertTokenizerBase, sentences: list[str]) -> list[list[int]]:
    """Ids of each sentence, without special tokens."""
    return [
        tokenizer.convert_tokens_to_ids(tokenizer.tokenize(sentence)) for sentence in sentences
    ]


def prepare_pretraining_data(
    inputs: Sequence[str | os.PathLike[str]],
    tokenizer: str | os.PathLike[str] | AlbertTokenizerBase,
    out_dir: str | os.PathLike[str],
    config: DataConfig | None = None,
    *,
    progress: bool = True,
    overwrite: bool = False,
    sources: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Turn text files into pre-training shards in ``out_dir``; return ``meta.json``'s dict.

    Args:
        inputs: text files (``.txt``, ``.gz``): blank lines between documents.
        tokenizer: an ALBERT tokenizer or its directory / ``.model`` file; it is copied into
            ``out_dir/tokenizer`` so that training and the saved model use the same one.
        out_dir: where ``meta.json``, the shards and the tokenizer go.
        config: pair construction and masking options (stored in ``meta.json``).
        progress: show a tqdm progress bar (bytes read) on stderr.
        overwrite: replace an existing dataset in ``out_dir``.
        sources: optional records about the corpus (name, licence, ...) kept in the metadata.

    The result depends only on the inputs, the tokenizer and ``config`` (the seed included).
    """
    config = config or DataConfig()
    tok = load_tokenizer(tokenizer)
    vocab = VocabInfo.from_tokenizer(tok)
    out = Path(out_dir)
    if (out / META_FILE).exists() and not overwrite:
        raise FileExistsError(f"{out} already holds pre-training data; pass overwrite=True")
    out.mkdir(parents=True, exist_ok=True)
    for old in list(out.glob("train-*.npz")) + list(out.glob("heldout-*.npz")):
        old.unlink()
    (out / META_FILE).unlink(missing_ok=True)
    tok.save_pretrained(out / TOKENIZER_DIR)
    paths = [Path(p) for p in inputs]
    if not paths:
        raise ValueError("no input files")
    writers = {split: _ShardWriter(out, split, config, vocab) for split in SPLITS}
    total_bytes = sum(p.stat().st_size for p in paths if p.is_file()) * config.dupe_factor
    documents = {split: 0 for split in SPLITS}
    bar = _progress_bar(total_bytes, "preparing data", progress, unit="B")
    try:
        for dupe in range(config.dupe_factor):
            split_rng = random.Random(f"{config.seed}:split")
            pair_rng = random.Random(f"{config.seed}:pairs:{dupe}")
            for document in read_documents(paths, bar):
                split = "heldout" if split_rng.random() < config.heldout_fraction else "train"
                if split == "heldout" and dupe > 0:
                    continue
                ids = _tokenize_sentences(tok, document)
                pairs = create_segment_pairs(ids, config, pair_rng, vocab)
                if dupe == 0:
                    documents[split] += 1
                for pair in pairs:
                    writers[split].add(pair)
    finally:
        if bar is not None:
            bar.close()
    for writer in writers.values():
        writer.flush()
    if not writers["train"].counts:
        raise ValueError(f"no training examples could be made from {[str(p) for p in paths]}")
    meta = {
        "format": DATA_FORMAT,
        "version": DATA_VERSION,
        "config": config.to_dict(),
        "vocab_size": vocab.vocab_size,
        "tokenizer": TOKENIZER_DIR,
        "inputs": [{"name": p.name, "bytes": p.stat().st_size} for p in paths],
        "sources": [dict(s) for s in sources or ()],
        "documents": documents,
        "splits": {split: writer.summary() for split, writer in writers.items()},
    }
    atomic_write_text(out / META_FILE, json.dumps(meta, indent=2) + "\n", overwrite=True)
    return meta


def _progress_bar(total: int, desc: str, enabled: bool, unit: str = "it") -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, unit_scale=unit == "B", dynamic_ncols=True)


# ============================================================================== reading
def read_meta(directory: str | os.PathLike[str]) -> dict[str, Any]:
    """``meta.json`` of a dataset directory, checked."""
    path = Path(directory) / META_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"{directory} is not a pre-training dataset (no {META_FILE}); make one with "
            "`albert prepare-pretraining-data`"
        )
    meta = json.loads(path.read_text(encoding="utf-8"))
    if meta.get("format") != DATA_FORMAT or meta.get("version") != DATA_VERSION:
        raise ValueError(f"{path} is not {DATA_FORMAT} version {DATA_VERSION}")
    return meta


class PretrainingData:
    """One split of a dataset written by :func:`prepare_pretraining_data`.

    Shards are loaded on demand (at most ``cache_shards`` at a time), so a corpus larger
    than memory can be read. Masking options stored with the data can be overridden
    (``masked_lm_prob=0.2``, ...).

    Args:
        directory: the dataset directory.
        split: ``"train"`` or ``"heldout"``.
        cache_shards: shards kept in memory; also how many shards one shuffle mixes.
        **overrides: :class:`DataConfig` fields to change for masking.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        split: str = "train",
        *,
        cache_shards: int = 8,
        **overrides: Any,
    ) -> None:
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        self.directory = Path(directory)
        self.meta = read_meta(self.directory)
        self.split = split
        stored = DataConfig.from_dict(self.meta["config"])
        changed = {k: v for k, v in overrides.items() if v is not None}
        fixed = {"max_seq_length", "short_seq_prob", "dupe_factor", "heldout_fraction",
                 "shard_size", "seed"} & set(changed)
        if fixed:
            raise ValueError(f"{sorted(fixed)} are fixed when the data is prepared")
        self.config = dataclasses.replace(stored, **changed)
        info = self.meta["splits"][split]
        self.shards = [self.directory / name for name in info["shards"]]
        self.counts = [int(c) for c in info["counts"]]
        self.offsets = np.concatenate([[0], np.cumsum(self.counts)]).astype(np.int64)
        self.cache_shards = max(1, int(cache_shards))
        self._cache: OrderedDict[int, dict[str, np.ndarray]] = OrderedDict()
        self.tokenizer_dir = self.directory / self.meta.get("tokenizer", TOKENIZER_DIR)
        self.vocab = VocabInfo.from_tokenizer(load_tokenizer(self.tokenizer_dir))
        if self.vocab.vocab_size != self.meta["vocab_size"]:
            raise ValueError(
                f"{self.tokenizer_dir} has {self.vocab.vocab_size} ids but the data was made "
                f"with {self.meta['vocab_size']}"
            )

    def __len__(self) -> int:
        return int(self.offsets[-1])

    @property
    def num_tokens(self) -> int:
        """Tokens in the split, special tokens included, padding excluded."""
        return int(self.meta["splits"][self.split]["tokens"])

    def shard(self, index: int) -> dict[str, np.ndarray]:
        """The arrays of shard ``index`` (cached)."""
        if index in self._cache:
            self._cache.move_to_end(index)
            return self._cache[index]
        with np.load(self.shards[index]) as data:
            arrays = {key: data[key] for key in data.files}
        self._cache[index] = arrays
        while len(self._cache) > self.cache_shards:
            self._cache.popitem(last=False)
        return arrays

    def example(self, row: int) -> dict[str, Any]:
        """The unmasked example ``row``: ``input_ids``, ``token_type_ids``, ``length``,
        ``sentence_order_label``."""
        if not 0 <= row < len(self):
            raise IndexError(f"row {row} out of range for {len(self)} examples")
        index = int(np.searchsorted(self.offsets, row, side="right") - 1)
        arrays = self.shard(index)
        local = row - int(self.offsets[index])
        return {
            "input_ids": arrays["input_ids"][local].astype(np.int32),
            "token_type_ids": arrays["token_type_ids"][local].astype(np.int32),
            "length": int(arrays["lengths"][local]),
            "sentence_order_label": int(arrays["sentence_order_label"][local]),
        }

    def epoch_order(self, epoch: int, seed: int, shuffle: bool = True) -> np.ndarray:
        """Global row ids in the order epoch ``epoch`` visits them.

        Shards are permuted, taken ``cache_shards`` at a time, and the rows of each such
        group are permuted together, so reading stays within the cached shards.
        """
        n = len(self)
        if not shuffle:
            return np.arange(n, dtype=np.int64)
        rng = np.random.default_rng([seed, epoch, 0x5EED])
        order = rng.permutation(len(self.shards))
        parts = []
        for start in range(0, len(order), self.cache_shards):
            group = order[start:start + self.cache_shards]
            rows = np.concatenate(
                [np.arange(self.offsets[g], self.offsets[g + 1]) for g in group]
            )
            parts.append(rows[rng.permutation(len(rows))])
        return np.concatenate(parts).astype(np.int64)

    def masked_example(self, row: int, epoch: int, seed: int) -> dict[str, Any]:
        """Example ``row`` masked as epoch ``epoch`` with ``seed`` masks it."""
        example = self.example(row)
        rng = random.Random(f"{seed}:{epoch}:{row}")
        masked = mask_example(example["input_ids"], example["length"], self.vocab,
                              self.config, rng)
        return {**example, "masked": masked}

    def batches(
        self,
        batch_size: int,
        *,
        seed: int = 0,
        start: int = 0,
        shuffle: bool = True,
        drop_last: bool = True,
        epochs: int | None = None,
    ) -> BatchIterator:
        """A :class:`BatchIterator` over this split (see there)."""
        return BatchIterator(self, batch_size, seed=seed, start=start, shuffle=shuffle,
                             drop_last=drop_last, epochs=epochs)


def collate(examples: Sequence[Mapping[str, Any]], pad_id: int) -> dict[str, np.ndarray]:
    """Stack masked examples into a batch of numpy arrays.

    Keys: ``input_ids``, ``attention_mask``, ``token_type_ids``, ``labels`` (-100 where not
    predicted), ``masked_lm_positions``, ``masked_lm_ids``, ``masked_lm_weights`` and
    ``sentence_order_label``. Integers are int32, weights float32.
    """
    input_ids = np.stack([e["masked"].input_ids for e in examples])
    lengths = np.array([e["length"] for e in examples])
    width = input_ids.shape[1]
    attention_mask = (np.arange(width)[None, :] < lengths[:, None]).astype(np.int32)
    input_ids = np.where(attention_mask == 1, input_ids, pad_id).astype(np.int32)
    return {
        "input_ids": input_ids,
        "attention_mask": attention_mask,
        "token_type_ids": np.stack([e["token_type_ids"] for e in examples]).astype(np.int32),
        "labels": np.stack([e["masked"].labels for e in examples]).astype(np.int32),
        "masked_lm_positions": np.stack([e["masked"].positions for e in examples]),
        "masked_lm_ids": np.stack([e["masked"].label_ids for e in examples]),
        "masked_lm_weights": np.stack([e["masked"].weights for e in examples]),
        "sentence_order_label": np.array(
            [e["sentence_order_label"] for e in examples], dtype=np.int32
        ),
    }


def stream_batches(
    directory: str | os.PathLike[str],
    batch_size: int,
    *,
    split: str = "train",
    seed: int = 0,
    start: int = 0,
    num_batches: int | None = None,
    shuffle: bool = True,
    first: int = 0,
    every: int = 1,
) -> Iterator[dict[str, np.ndarray]]:
    """Masked numpy batches of a prepared dataset, the stream every framework adapter wraps.

    Yields batches ``first, first + every, ...`` (``every`` > 1 splits the stream between
    data-loader workers) of the endless stream (``num_batches`` None) or of its first
    ``num_batches``; ``start`` skips that many examples (a resume position). Keys as
    :func:`collate`.
    """
    data = PretrainingData(directory, split)
    iterator = data.batches(batch_size, seed=seed, shuffle=shuffle)
    index = first
    while num_batches is None or index < num_batches:
        yield collate(iterator.examples(start + index * batch_size, batch_size), data.vocab.pad_id)
        index += every


class BatchIterator:
    """Masked numpy batches of a :class:`PretrainingData`, resumable at any batch.

    The stream is a sequence of epochs, each a permutation of the split (see
    :meth:`PretrainingData.epoch_order`); batches are consecutive slices of it, and may span
    two epochs. Example ``k`` of the stream depends only on ``(seed, k)``, so
    :meth:`state_dict` (the number of examples consumed) is all it takes to resume, and
    :meth:`batch` can build any batch directly (what data-loader workers use).

    Args:
        data: the split to read.
        batch_size: examples per batch.
        seed: seed of the shuffling and the masks.
        start: examples of the stream to skip (a resume position).
        shuffle: permute each epoch (False: file order, every epoch the same rows).
        drop_last: with ``epochs`` set, drop a last batch smaller than ``batch_size``.
        epochs: stop after this many epochs (None: never stop).
    """

    def __init__(
        self,
        data: PretrainingData,
        batch_size: int,
        *,
        seed: int = 0,
        start: int = 0,
        shuffle: bool = True,
        drop_last: bool = True,
        epochs: int | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        if len(data) == 0:
            raise ValueError(f"the {data.split} split of {data.directory} is empty")
        self.data = data
        self.batch_size = int(batch_size)
        self.seed = int(seed)
        self.position = int(start)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.epochs = epochs
        self._orders: OrderedDict[int, np.ndarray] = OrderedDict()

    def _order(self, epoch: int) -> np.ndarray:
        if epoch not in self._orders:
            self._orders[epoch] = self.data.epoch_order(epoch, self.seed, self.shuffle)
            while len(self._orders) > 2:
                self._orders.popitem(last=False)
        return self._orders[epoch]

    @property
    def epoch(self) -> float:
        """Epochs consumed so far (fractional)."""
        return self.position / len(self.data)

    def _end(self) -> int | None:
        return None if self.epochs is None else self.epochs * len(self.data)

    def examples(self, start: int, count: int) -> list[dict[str, Any]]:
        """Masked examples ``start .. start + count - 1`` of the stream."""
        n = len(self.data)
        out = []
        for k in range(start, start + count):
            epoch, index = divmod(k, n)
            row = int(self._order(epoch)[index])
            out.append(self.data.masked_example(row, epoch, self.seed))
        return out

    def batch(self, index: int) -> dict[str, np.ndarray]:
        """Batch ``index`` of the stream counted from position 0 (ignores ``epochs``)."""
        examples = self.examples(index * self.batch_size, self.batch_size)
        return collate(examples, self.data.vocab.pad_id)

    def __iter__(self) -> BatchIterator:
        return self

    def __next__(self) -> dict[str, np.ndarray]:
        size = self.batch_size
        end = self._end()
        if end is not None:
            left = end - self.position
            if left <= 0 or (self.drop_last and left < size):
                raise StopIteration
            size = min(size, left)
        examples = self.examples(self.position, size)
        self.position += size
        return collate(examples, self.data.vocab.pad_id)

    def state_dict(self) -> dict[str, int]:
        """The resume position: ``{"position": examples consumed, "seed": seed}``."""
        return {"position": self.position, "seed": self.seed}

    def load_state_dict(self, state: Mapping[str, int]) -> None:
        """Continue from a :meth:`state_dict`."""
        if int(state.get("seed", self.seed)) != self.seed:
            raise ValueError(
                f"the saved data position was made with seed {state['seed']}, not {self.seed}"
            )
        self.position = int(state["position"])


def dataset_statistics(data: PretrainingData, rows: Iterable[int], epoch: int = 0,
                       seed: int = 0) -> dict[str, float]:
    """Masking statistics over ``rows``: predicted share, 80/10/10 split, n-gram lengths.

    Returns ``masked_fraction`` (predicted / tokens), ``mask_share``, ``random_share``,
    ``keep_share`` (of the predicted tokens), ``sop_swapped`` (share of label 1) and
    ``ngram_1`` .. ``ngram_{max_ngram}`` (share of maximal masked word runs of each length;
    adjacent spans merge, so this is an upper bound on long spans).
    """
    tokens = predicted = masked = kept = 0
    swapped = count = 0
    runs = np.zeros(data.config.max_ngram + 2, np.int64)
    for row in rows:
        item = data.masked_example(row, epoch, seed)
        m = item["masked"]
        length = item["length"]
        original = item["input_ids"]
        sel = np.flatnonzero(m.labels != IGNORE_INDEX)
        tokens += length
        predicted += len(sel)
        masked += int(np.sum(m.input_ids[sel] == data.vocab.mask_id))
        kept += int(np.sum(m.input_ids[sel] == original[sel]))
        swapped += item["sentence_order_label"]
        count += 1
        chosen = set(sel.tolist())
        for run in whole_words(original, length, data.vocab):
            span = 0
            for word in run:
                if word[0] in chosen:
                    span += 1
                    continue
                if span:
                    runs[min(span, len(runs) - 1)] += 1
                span = 0
            if span:
                runs[min(span, len(runs) - 1)] += 1
    total_runs = max(1, int(runs.sum()))
    out = {
        "masked_fraction": predicted / max(1, tokens),
        "mask_share": masked / max(1, predicted),
        "keep_share": kept / max(1, predicted),
        "random_share": (predicted - masked - kept) / max(1, predicted),
        "sop_swapped": swapped / max(1, count),
    }
    for n in range(1, len(runs)):
        out[f"ngram_{n}"] = runs[n] / total_runs
    return out


__all__ = [
    "DataConfig",
    "VocabInfo",
    "MaskedExample",
    "PretrainingData",
    "BatchIterator",
    "is_word_start_piece",
    "split_sentences",
    "read_documents",
    "open_binary",
    "create_segment_pairs",
    "whole_words",
    "ngram_weights",
    "sample_ngram_length",
    "mask_example",
    "collate",
    "prepare_pretraining_data",
    "read_meta",
    "load_tokenizer",
    "dataset_statistics",
]
