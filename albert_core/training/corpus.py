"""Reading a text corpus: files (``.gz`` too) -> documents -> sentences."""

from __future__ import annotations

import gzip
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

#: Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st mt vs etc e.g i.e cf al fig no vol ca approx dept inc ltd co "
    "corp gen gov jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k".split()
)
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*(?=\s+[\"'(\[]?[A-Z0-9])")


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
