"""Build a real labelled task from WordNet, and fine-tune the bundled model on it.

The task, *WordNet lexicographer files*: a 45-class text classification. Each example is the
definition part of a synset's gloss (its usage examples and lemmas left out), and its label
is the lexicographer file the synset belongs to (``noun.animal``, ``verb.motion``,
``adj.pert``, ...: WordNet's coarse semantic fields). "a domesticated carnivorous mammal that
typically has a long snout ..." is ``noun.animal``. The data is WordNet 3.0 from Debian's
``wordnet-base`` package (installed on demand, offline from the package mirror; licence:
the WordNet 3.0 license, permissive).

Run it from the project root::

    .venv/bin/python scripts/make_wordnet_task.py                       # build the CSVs
    .venv/bin/python scripts/make_wordnet_task.py --finetune pt,tf,flax # and fine-tune

Building writes ``OUT/{train,validation,test}.csv`` (columns ``sentence,label``) and
``OUT/task.json`` (sizes, class counts, the majority-class baseline on each split). The
synsets are shuffled with ``--seed`` and cut into the splits, so the same command always
builds the same files. ``--finetune`` runs ``albert finetune --task text-classification``
from the bundled ``albert-small-wordnet`` in each framework into ``OUT/model-FW`` and writes
``OUT/results.json`` and a Markdown table of validation and test accuracy against the
baseline (what docs/finetuning/wordnet.md reports).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from wordnet import LEXICOGRAPHER_FILES, POS_FILES, gloss_definitions, locate_wordnet, synsets

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "build" / "wordnet-lexnames"
SPLITS = ("train", "validation", "test")

#: Fine-tuning options of ``--finetune`` (the same in every framework).
FINETUNE_OPTIONS = ("--epochs", "3", "--batch-size", "32", "--learning-rate", "1e-4",
                    "--warmup-ratio", "0.1", "--max-length", "64", "--seed", "0",
                    "--save-every", "100000")


def read_examples(wordnet: Path) -> list[tuple[str, str]]:
    """``(definition, lexicographer file)`` of every synset with a definition, in file
    order; a definition that occurs under several labels is kept once, with its first."""
    seen: set[str] = set()
    examples = []
    for pos in POS_FILES:
        for _, lexfile, _, _, gloss in synsets(wordnet / f"data.{pos}"):
            definitions = gloss_definitions(gloss)
            if not definitions:
                continue
            text = "; ".join(definitions)
            if text in seen:
                continue
            seen.add(text)
            examples.append((text, LEXICOGRAPHER_FILES[lexfile]))
    return examples


def split_examples(examples: Sequence[tuple[str, str]], sizes: dict[str, int], seed: int
                   ) -> dict[str, list[tuple[str, str]]]:
    """The examples shuffled with ``seed`` and cut into the splits of ``sizes`` (in
    :data:`SPLITS` order).

    Raises:
        ValueError: the splits need more examples than there are.
    """
    wanted = sum(sizes.values())
    if wanted > len(examples):
        raise ValueError(f"the splits need {wanted} examples but WordNet gave {len(examples)}")
    order = np.random.default_rng(seed).permutation(len(examples))
    out, begin = {}, 0
    for name in SPLITS:
        out[name] = [examples[i] for i in order[begin:begin + sizes[name]]]
        begin += sizes[name]
    return out


def describe(splits: dict[str, list[tuple[str, str]]]) -> dict[str, Any]:
    """Sizes, class counts and the majority-class baseline (the most frequent training
    label predicted for everything) of each split."""
    train_counts = Counter(label for _, label in splits["train"])
    majority = train_counts.most_common(1)[0][0]
    info: dict[str, Any] = {"classes": len(train_counts), "majority_label": majority,
                            "label_counts": dict(sorted(train_counts.items()))}
    for name, rows in splits.items():
        hits = sum(label == majority for _, label in rows)
        info[name] = {"examples": len(rows), "majority_baseline_accuracy": hits / len(rows)}
    return info


def write_csv(path: Path, rows: Sequence[tuple[str, str]]) -> None:
    """``rows`` as a ``sentence,label`` CSV, written atomically."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["sentence", "label"])
    writer.writerows(rows)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(buffer.getvalue(), encoding="utf-8")
    os.replace(tmp, path)


def build(out: Path, sizes: dict[str, int], seed: int, wordnet: Path) -> dict[str, Any]:
    """Write the three CSVs and ``task.json`` into ``out``; returns the description."""
    splits = split_examples(read_examples(wordnet), sizes, seed)
    out.mkdir(parents=True, exist_ok=True)
    for name, rows in splits.items():
        write_csv(out / f"{name}.csv", rows)
    info = {"task": "WordNet lexicographer file of a gloss (text classification)",
            "source": f"WordNet 3.0, {wordnet}", "seed": seed, **describe(splits)}
    tmp = out / "task.json.tmp"
    tmp.write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, out / "task.json")
    return info


def finetune(out: Path, framework: str) -> dict[str, Any]:
    """``albert finetune`` of the task in ``framework`` into ``out/model-FRAMEWORK``;
    returns its validation and test metrics and the time it took."""
    model_dir = out / f"model-{framework}"
    command = [sys.executable, "-m", "albert_core.cli", "finetune",
               "--task", "text-classification", "--framework", framework,
               "--train", str(out / "train.csv"), "--validation", str(out / "validation.csv"),
               "--test", str(out / "test.csv"), "--out", str(model_dir), "--overwrite",
               *FINETUNE_OPTIONS]
    started = time.monotonic()
    subprocess.run(command, check=True)
    seconds = time.monotonic() - started
    read = lambda name: json.loads((model_dir / name).read_text(encoding="utf-8"))  # noqa: E731
    return {"validation": read("eval_results.json"), "test": read("test_results.json"),
            "seconds": round(seconds, 1)}


def results_table(info: dict[str, Any], results: dict[str, dict[str, Any]]) -> str:
    """A Markdown table of accuracy per framework against the majority-class baseline."""
    lines = ["| | validation accuracy | test accuracy | macro-F1 (test) | minutes |",
             "|---|---|---|---|---|",
             f"| majority class (`{info['majority_label']}`) | "
             f"{info['validation']['majority_baseline_accuracy']:.3f} | "
             f"{info['test']['majority_baseline_accuracy']:.3f} | | |"]
    names = {"pt": "PyTorch", "tf": "Keras / TensorFlow", "flax": "JAX / Flax"}
    for framework, result in results.items():
        test = result["test"]
        f1 = f"{test['f1']:.3f}" if "f1" in test else ""
        lines.append(f"| {names.get(framework, framework)} | "
                     f"{result['validation']['accuracy']:.3f} | {test['accuracy']:.3f} | "
                     f"{f1} | {result['seconds'] / 60:.1f} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """The command line (see the module doc)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--wordnet", type=Path, default=None,
                        help="WordNet database directory (default: Debian's, installed if "
                             "missing)")
    parser.add_argument("--train", type=int, default=8000, help="training examples")
    parser.add_argument("--validation", type=int, default=2000)
    parser.add_argument("--test", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--finetune", default="", metavar="FW[,FW]",
                        help="also fine-tune the bundled model in these frameworks")
    args = parser.parse_args(argv)
    wordnet = locate_wordnet(install=args.wordnet is None) if args.wordnet is None \
        else locate_wordnet(install=False, directory=args.wordnet)
    sizes = {"train": args.train, "validation": args.validation, "test": args.test}
    info = build(args.out, sizes, args.seed, wordnet)
    print(f"wrote {args.out}: {info['classes']} classes, majority baseline "
          f"{info['validation']['majority_baseline_accuracy']:.3f} on validation")
    frameworks = [f for f in args.finetune.split(",") if f]
    if frameworks:
        results_path = args.out / "results.json"
        results = json.loads(results_path.read_text()) if results_path.is_file() else {}
        for framework in frameworks:
            results[framework] = finetune(args.out, framework)
            results_path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(results_table(info, results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
