"""Reading WordNet 3.0's database files, shared by the scripts that build data from it.

WordNet comes from Debian's ``wordnet-base`` package (``/usr/share/wordnet``), installed on
demand by :func:`locate_wordnet`. Licence: the WordNet 3.0 license (permissive, BSD-style),
``/usr/share/doc/wordnet-base/copyright``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

WORDNET_DIR = Path("/usr/share/wordnet")
WORDNET_PACKAGE = "wordnet-base"
WORDNET_LICENSE = Path("/usr/share/doc/wordnet-base/copyright")
POS_FILES = ("noun", "verb", "adj", "adv")

#: WordNet's 45 lexicographer files, by number (the ``lex_filenum`` of a synset), as the
#: lexnames(5WN) manual page lists them.
LEXICOGRAPHER_FILES = (
    "adj.all", "adj.pert", "adv.all", "noun.Tops", "noun.act", "noun.animal", "noun.artifact",
    "noun.attribute", "noun.body", "noun.cognition", "noun.communication", "noun.event",
    "noun.feeling", "noun.food", "noun.group", "noun.location", "noun.motive", "noun.object",
    "noun.person", "noun.phenomenon", "noun.plant", "noun.possession", "noun.process",
    "noun.quantity", "noun.relation", "noun.shape", "noun.state", "noun.substance",
    "noun.time", "verb.body", "verb.change", "verb.cognition", "verb.communication",
    "verb.competition", "verb.consumption", "verb.contact", "verb.creation", "verb.emotion",
    "verb.motion", "verb.perception", "verb.possession", "verb.social", "verb.stative",
    "verb.weather", "adj.ppl",
)


def locate_wordnet(install: bool = True, directory: Path = WORDNET_DIR) -> Path:
    """The WordNet 3.0 database directory; installs Debian's wordnet-base when missing
    (``install``) from the default location."""
    if not all((directory / f"data.{pos}").is_file() for pos in POS_FILES):
        if not install or directory != WORDNET_DIR:
            raise FileNotFoundError(f"WordNet not found in {directory}; apt-get install "
                                    f"{WORDNET_PACKAGE}")
        print(f"installing {WORDNET_PACKAGE} (Debian) ...", file=sys.stderr)
        subprocess.run(["apt-get", "install", "-y", "-q", WORDNET_PACKAGE], check=True)
    return directory


def synsets(path: Path) -> Iterator[tuple[int, int, str, list[str], str]]:
    """(offset, lexicographer file number, synset type, words, gloss) of each synset of a
    WordNet data file (``data.noun``, ...)."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.startswith("  "):  # the licence header
                continue
            head, _, gloss = line.partition(" | ")
            fields = head.split()
            count = int(fields[3], 16)
            words = [re.sub(r"\([a-z]+\)$", "", w).replace("_", " ")
                     for w in fields[4:4 + 2 * count:2]]
            yield int(fields[0]), int(fields[1]), fields[2], words, gloss.strip()


#: Splits a gloss at the semicolons outside quotes: definitions, then quoted examples.
GLOSS_PARTS = re.compile(r';\s*(?=(?:[^"]*"[^"]*")*[^"]*$)')


def gloss_definitions(gloss: str) -> list[str]:
    """The definitions of a gloss (its parts that are not quoted usage examples)."""
    parts = [p.strip() for p in GLOSS_PARTS.split(gloss) if p.strip()]
    return [p for p in parts if not p.startswith('"')]


def gloss_examples(gloss: str) -> list[str]:
    """The quoted usage examples of a gloss, without their quotes."""
    parts = [p.strip() for p in GLOSS_PARTS.split(gloss) if p.strip()]
    return [p.strip('"').strip() for p in parts if p.startswith('"')]
