"""scripts/make_wordnet_task.py on a small WordNet-format database written by the test."""

from __future__ import annotations

import csv
import importlib
import json
import sys
from pathlib import Path

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"

#: One data line per synset, in WordNet's format: offset, lexicographer file, type, word
#: count (hex), words with lex ids, pointer count, then " | " and the gloss.
DATA = {
    "noun": [
        "00001740 03 n 01 entity 0 000 | that which is perceived or known",
        "02084071 05 n 02 dog 0 domestic_dog 0 000 | a domesticated carnivorous mammal; "
        "\"the dog barked all night\"",
        "02121620 05 n 01 cat 0 000 | feline mammal usually having thick soft fur",
        "03791235 06 n 01 motor_vehicle 0 000 | a self-propelled wheeled vehicle",
        "04576211 06 n 01 wheel 0 000 | a simple machine consisting of a circular frame",
        "09999999 06 n 01 hub 0 000 | a simple machine consisting of a circular frame",
    ],
    "verb": ["01835496 38 v 01 travel 0 000 | change location; move, travel, or proceed"],
    "adj": ["00001740 00 a 01 able 0 000 | having the necessary means or skill"],
    "adv": ["00001740 02 r 01 barely 0 000 | only just; \"we barely made it\""],
}


@pytest.fixture()
def task_module():
    sys.path.insert(0, str(SCRIPTS))
    try:
        yield importlib.import_module("make_wordnet_task")
    finally:
        sys.path.remove(str(SCRIPTS))


def write_wordnet(root: Path) -> Path:
    for pos, lines in DATA.items():
        header = "  1 This software and database is being provided ...\n"
        (root / f"data.{pos}").write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    return root


def test_labels_are_lexicographer_files_of_definitions(task_module, tmp_path: Path) -> None:
    examples = task_module.read_examples(write_wordnet(tmp_path))
    found = dict(examples)
    assert found["a domesticated carnivorous mammal"] == "noun.animal"
    assert found["a self-propelled wheeled vehicle"] == "noun.artifact"
    assert found["change location; move, travel, or proceed"] == "verb.motion"
    assert found["only just"] == "adv.all"
    # the usage example is not part of the text, and a repeated definition is kept once
    assert len(examples) == 8


def test_build_is_deterministic_and_reports_the_baseline(task_module, tmp_path: Path) -> None:
    wordnet = write_wordnet(tmp_path)
    sizes = {"train": 4, "validation": 2, "test": 2}
    info = task_module.build(tmp_path / "a", sizes, seed=3, wordnet=wordnet)
    task_module.build(tmp_path / "b", sizes, seed=3, wordnet=wordnet)
    for split in ("train", "validation", "test"):
        first = (tmp_path / "a" / f"{split}.csv").read_text(encoding="utf-8")
        assert first == (tmp_path / "b" / f"{split}.csv").read_text(encoding="utf-8")
        rows = list(csv.DictReader(first.splitlines()))
        assert len(rows) == sizes[split] and set(rows[0]) == {"sentence", "label"}
        labels = [r["label"] for r in rows]
        expected = labels.count(info["majority_label"]) / len(labels)
        assert info[split]["majority_baseline_accuracy"] == pytest.approx(expected)
    assert json.loads((tmp_path / "a" / "task.json").read_text())["seed"] == 3
    with pytest.raises(ValueError, match="need 9 examples but WordNet gave 8"):
        task_module.split_examples(task_module.read_examples(wordnet),
                                   {"train": 5, "validation": 2, "test": 2}, 0)


def test_missing_database_is_named(task_module, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="WordNet not found in"):
        task_module.locate_wordnet(install=False, directory=tmp_path)
