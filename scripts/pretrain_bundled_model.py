"""Pre-train the small English ALBERT that albert bundles, from WordNet, on a CPU.

Run it from the project root (as root on Debian, so it can install WordNet)::

    .venv/bin/python scripts/pretrain_bundled_model.py                 # everything, ~2.5 h
    .venv/bin/python scripts/pretrain_bundled_model.py --time-limit 3000   # in chunks
    nohup .venv/bin/python scripts/pretrain_bundled_model.py --no-progress > train.log 2>&1 &

Every stage keeps its result in ``--work`` (default ``build/bundled-model/``, git-ignored)
and is skipped when that result exists, and training resumes exactly from its newest
checkpoint (every 250 steps), so the same command can be run again after an interruption,
a ``--time-limit`` stop or the end of a session until the model is written.

Stages
------
1. **Corpus.** WordNet 3.0 from Debian's ``wordnet-base`` package (``apt-get install`` when
   ``/usr/share/wordnet`` is missing). Licence: the WordNet 3.0 license, permissive
   (BSD-style: use, copy, modify and distribute for any purpose, keeping the copyright
   notice), copied to ``corpus/WORDNET_LICENSE`` and into the model card. Every synset
   (117,659) becomes a few English sentences: its definition ("Photosynthesis is synthesis
   of compounds with the aid of radiant energy (especially in plants)."), its other lemmas
   ("It is also known as ..."), its usage examples; up to 8 consecutive synsets of one
   lexicographer file (siblings, one topic) make a document. That is 237,869 sentences,
   2.15 M words, 13 MB of text; 2.85 M tokens with the albert-base-v2 vocabulary.
2. **Tokenizer.** albert-base-v2's sentencepiece vocabulary
   (``../shared/assets/albert-base-v2-spiece.model``, Apache-2.0, 30,000 pieces) by
   default; ``--tokenizer train`` trains a 16k vocabulary on the corpus instead
   (``albert train-tokenizer``). The base vocabulary tokenizes WordNet about as compactly
   (1.38 pieces per word against 1.44) and general English better.
3. **Data.** ``albert prepare-pretraining-data`` with ``max_seq_length`` 128, three
   pairings of the corpus (``dupe_factor``) and 2% of the documents held out: about 92,000
   training pairs (8.6 M tokens) in ~20 s. Masks are drawn anew every epoch.
4. **Plan.** Without ``--steps``, ``tf`` and ``pt`` each train for 45 s; the faster one is
   used and the step count set to fill ``--hours`` (2.5) at its speed. The plan is kept in
   ``WORK/plan.json`` so resumed runs use the same schedule (delete it to re-plan).
5. **Training.** ALBERT with embedding 128, hidden 256, 4 heads, feed-forward 1024, one
   shared layer applied 6 times, ``max_position_embeddings`` 128 (4.8 M parameters, 19 MB
   as float32 safetensors, most of it the 30k x 128 embedding); batch 32, LAMB at peak
   learning rate 3e-3, 5% warmup then linear decay, weight decay 0.01, held-out evaluation
   every 1000 steps.
6. **Model.** ``--out`` (default ``albert_core/bundled/albert-small-wordnet/``, the bundled
   default model of :mod:`albert_core.bundled`) gets ``config.json``,
   ``model.safetensors``, the tokenizer (``model_max_length`` 128), ``eval_results.json``,
   ``log.jsonl``, ``loss_curve.png`` (matplotlib if installed, else a plain numpy PNG) and
   ``README.md``, the model card: source and licence of the data, steps, held-out MLM and SOP
   accuracy, the loss curve and fill-mask examples.

Throughput (measured while building this script)
-----------------------------------------------
On this project's 2-core machine, shared with other jobs (load average 2.5 to 3 during
every measurement, so the numbers moved by up to 2x from one minute to the next); the
bundled config above, sequences of 128 (about 94 non-padding tokens per pair):

=============  ==========  ==========  ===========  ==============================
framework      batch       steps/s     tokens/s     how
=============  ==========  ==========  ===========  ==============================
Keras/TF       64          0.26        1,550        ``--measure 60``
JAX/Flax       64          0.21        1,240        ``--measure 60``
PyTorch        64          0.20        1,200        ``--measure 60``
Keras/TF       32          0.90        2,710        ``--measure 60 --batch-size 32``
PyTorch        32          0.25        750          ``--measure 60 --batch-size 32``
Keras/TF       32          0.75        --           alternating steps, one process
PyTorch        32          0.37        --           alternating steps, one process
Keras/TF       32          0.70        2,400-3,000  150-step run of ``albert pretrain``
=============  ==========  ==========  ===========  ==============================

(An uncontended PyTorch step at batch 32 takes 1.1 s in the profiler, ~100 GFLOP/s; under
contention TensorFlow's oneDNN kept about twice PyTorch's speed.) In the 150-step check the
training loss fell from 11.0 to 9.3 (LAMB, learning rate 3e-3, warmup 100).

Recommended plan for ~2.5 CPU-hours: **Keras/TF trainer, batch 32, about 6,300 steps**
(0.7 steps/s; ~200,000 pairs, ~19 M tokens, about 2.2 passes over the three pairings or 6.6
epochs of WordNet's text), which is what the automatic plan picks on a similarly loaded
machine. ``--steps 6300 --framework tf`` fixes it without measuring. Check ``--measure 60``
first on an idle machine: at twice the speed, ``--hours 2.5`` plans twice the steps.

**The bundled model** was made with ``--steps 6300 --framework tf --extend-to 9000
--extend-to 19000``: after the planned 6,300 steps (1.85 h; held-out masked-LM accuracy 0.24,
the fill-mask guesses mostly function words) the held-out loss was still falling, so training
continued to 9,000 steps with the schedule stretched to that length (the learning rate rose
back to 9.5e-4 at step 6,300 and decayed to zero again; accuracy 0.26, guesses still function
words), then to 19,000 the same way (accuracy 0.35, guesses mostly content words; 5.5 h in
all). ``--extend-to`` is kept in ``plan.json``; a later ``--extend-to`` continues further the
same way. An optional ``"note"`` in ``plan.json`` is added to the card's training paragraph
(the bundled run's records that its last phase was first stretched to 20,000 steps).

Re-run the measurement with ``--measure SECONDS [--measure-frameworks tf,pt,flax]
[--batch-size B] [--set hidden_size=384 --set num_attention_heads=6 --set
intermediate_size=1536]``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from wordnet import (
    POS_FILES,
    WORDNET_LICENSE,
    WORDNET_PACKAGE,
    gloss_definitions,
    gloss_examples,
    locate_wordnet,
    synsets,
)

ROOT = Path(__file__).resolve().parents[1]
SYNSETS_PER_DOCUMENT = 8


# ================================================================================ corpus
def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sentence(text: str) -> str:
    text = text.strip().rstrip(";,:").strip()
    return text if text.endswith((".", "!", "?")) else text + "."


_SYNONYM_TEMPLATES = ("It is also called {}.", "It is also known as {}.",
                      "Another name for it is {}.")


def render_synset(offset: int, kind: str, words: list[str], gloss: str) -> list[str]:
    """A synset as a few English sentences: its definition, synonyms and usage examples.

    ``photosynthesis`` becomes "Photosynthesis is synthesis of compounds with the aid of
    radiant energy (especially in plants)."; verbs read "To X is to ...", adjectives and
    adverbs "X means ..."; other lemmas become "It is also called ..." and the quoted
    examples become sentences of their own.
    """
    definitions, examples = gloss_definitions(gloss), gloss_examples(gloss)
    lemma = words[0]
    out = []
    if definitions:
        first = definitions[0]
        if kind == "n":
            joiner = ":" if first.startswith(("(", "of ")) else " is"
            out.append(_sentence(f"{_capital(lemma)}{joiner} {first}"))
        elif kind == "v":
            out.append(_sentence(f"To {lemma} is to {first}"))
        else:
            out.append(_sentence(f"{_capital(lemma)} means {first}"))
        out.extend(_sentence(_capital(d)) for d in definitions[1:])
    synonyms = [w for w in dict.fromkeys(words[1:]) if w.lower() != lemma.lower()]
    if synonyms:
        listed = synonyms[0] if len(synonyms) == 1 else (
            ", ".join(synonyms[:-1]) + " or " + synonyms[-1])
        if kind == "n":
            out.append(_SYNONYM_TEMPLATES[offset % 3].format(listed))
        else:
            out.append(f"Similar words are {listed}." if len(synonyms) > 1
                       else f"A similar word is {listed}.")
    out.extend(_sentence(_capital(e)) for e in examples if e)
    return out


def write_corpus(wordnet: Path, path: Path) -> dict[str, int]:
    """Render every WordNet synset into ``path``: one sentence per line, a blank line after
    every document (up to 8 consecutive synsets of one lexicographer file, which WordNet
    keeps together by topic: siblings under one hypernym, one semantic field).

    Returns counts of synsets, documents, sentences and words.
    """
    counts = {"synsets": 0, "documents": 0, "sentences": 0, "words": 0}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        for pos in POS_FILES:
            current, size = None, 0
            for offset, lexfile, kind, words, gloss in synsets(wordnet / f"data.{pos}"):
                if size and (lexfile != current or size >= SYNSETS_PER_DOCUMENT):
                    out.write("\n")
                    counts["documents"] += 1
                    size = 0
                current = lexfile
                sentences = render_synset(offset, kind, words, gloss)
                for sentence in sentences:
                    out.write(sentence + "\n")
                    counts["words"] += len(sentence.split())
                counts["sentences"] += len(sentences)
                counts["synsets"] += 1
                size += 1
            if size:
                out.write("\n")
                counts["documents"] += 1
    tmp.replace(path)
    return counts


# ================================================================================ setup
ASSET_SPIECE = ROOT.parent / "shared" / "assets" / "albert-base-v2-spiece.model"
DEFAULT_WORK = ROOT / "build" / "bundled-model"
DEFAULT_OUT = ROOT / "albert_core" / "bundled" / "albert-small-wordnet"
MAX_SEQ_LENGTH = 128

#: The model: ALBERT's factorised embedding (E=128) and one shared layer applied 6 times.
MODEL_CONFIG: dict[str, Any] = {
    "vocab_size": 30000,
    "embedding_size": 128,
    "hidden_size": 256,
    "num_hidden_layers": 6,
    "num_hidden_groups": 1,
    "inner_group_num": 1,
    "num_attention_heads": 4,
    "intermediate_size": 1024,
    "hidden_act": "gelu_new",
    "hidden_dropout_prob": 0.0,
    "attention_probs_dropout_prob": 0.0,
    "classifier_dropout_prob": 0.1,
    "max_position_embeddings": MAX_SEQ_LENGTH,
}

#: Training options (see the module docstring for how the step count was chosen).
TRAINING: dict[str, Any] = {
    "framework": "tf",
    "steps": 6300,
    "batch_size": 32,
    "learning_rate": 3e-3,
    "optimizer": "lamb",
    "warmup_steps": None,
    "weight_decay": 0.01,
    "save_every": 250,
    "log_every": 25,
    "eval_every": 1000,
    "eval_batches": 40,
    "seed": 0,
}

#: Pair construction: 3 passes over WordNet (each cuts documents into pairs anew), 2% of
#: the documents held out.
DATA: dict[str, Any] = {"max_seq_length": MAX_SEQ_LENGTH, "dupe_factor": 3,
                        "heldout_fraction": 0.02, "seed": 12345}

#: Sentences the model card shows the model's guesses for.
PROBES = (
    "Plants create energy through a process known as [MASK].",
    "A [MASK] is a domesticated animal that barks.",
    "The [MASK] is the star at the center of the solar system.",
    "To write is to [MASK] letters or words on a surface.",
    "Paris is the capital of [MASK].",
)


def prepare_tokenizer(work: Path, kind: str) -> Path:
    """The tokenizer directory: albert-base-v2's vocabulary (default) or one trained here."""
    from albert_core.tokenizers import AlbertTokenizer, train_tokenizer

    out = work / f"tokenizer-{kind}"
    if (out / "spiece.model").is_file():
        return out
    if kind == "base-v2":
        if not ASSET_SPIECE.is_file():
            raise FileNotFoundError(f"{ASSET_SPIECE} is missing; use --tokenizer train")
        AlbertTokenizer(str(ASSET_SPIECE), model_max_length=MAX_SEQ_LENGTH).save_pretrained(out)
    else:
        train_tokenizer([work / "corpus" / "wordnet.txt"], out, 16000,
                        model_max_length=MAX_SEQ_LENGTH)
    return out


def prepare_data(work: Path, tokenizer: Path, sources: list[dict[str, Any]]) -> Path:
    """Shards of the corpus (made once)."""
    from albert_core.training import DataConfig, prepare_pretraining_data

    out = work / f"data-{tokenizer.name}"
    if not (out / "meta.json").is_file():
        prepare_pretraining_data([work / "corpus" / "wordnet.txt"], tokenizer, out,
                                 DataConfig(**DATA), overwrite=True, sources=sources)
    return out


def model_config(vocab_size: int) -> Any:
    """The :class:`AlbertConfig` of the bundled model."""
    from albert_core.config import AlbertConfig

    return AlbertConfig(**{**MODEL_CONFIG, "vocab_size": vocab_size})


def training_arguments(out: Path, **changes: Any) -> Any:
    """The run's :class:`PretrainingArguments`."""
    from albert_core.training.loop import PretrainingArguments

    values = {k: v for k, v in TRAINING.items() if k != "framework"}
    values.update(changes)
    return PretrainingArguments(output_dir=str(out), **values)


def corpus_sources(wordnet: Path, counts: dict[str, int]) -> list[dict[str, Any]]:
    """Provenance of the corpus for the data's metadata and the model card."""
    try:
        version = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", WORDNET_PACKAGE],
                                 capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        version = "unknown"
    return [{
        "name": "WordNet 3.0 (Princeton University): glosses, lemmas and usage examples",
        "package": f"Debian {WORDNET_PACKAGE} {version}",
        "files": [str(wordnet / f"data.{pos}") for pos in POS_FILES],
        "license": "WordNet 3.0 license (permissive, BSD-style; text in WORDNET_LICENSE)",
        **counts,
    }]


# =========================================================================== throughput
def measure(work: Path, data: Path, frameworks: Sequence[str], seconds: float,
            overrides: dict[str, Any]) -> list[dict[str, Any]]:
    """Train each framework for ``seconds`` (after a warm-up of 3 steps) and report
    steps/s and tokens/s (non-padding tokens) with the bundled config."""
    from albert_core.training import PretrainingData
    from albert_core.training.loop import trainer_class

    train = PretrainingData(data)
    config = model_config(train.vocab.vocab_size).copy(**overrides.get("config", {}))
    results = []
    for framework in frameworks:
        args = training_arguments(work / "measure", **overrides.get("args", {}))
        trainer = trainer_class(framework)(config, args)
        batches = train.batches(args.batch_size, seed=1)
        for _ in range(3):
            trainer.forward_backward(next(batches), 1.0)
            trainer.apply_gradients(args.learning_rate)
        steps = tokens = 0
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            batch = next(batches)
            trainer.forward_backward(batch, 1.0)
            trainer.apply_gradients(args.learning_rate)
            steps += 1
            tokens += int(batch["attention_mask"].sum())
        elapsed = time.monotonic() - started
        result = {"framework": framework, "steps": steps, "seconds": round(elapsed, 1),
                  "steps_per_second": steps / elapsed, "tokens_per_second": tokens / elapsed,
                  "batch_size": args.batch_size, "hidden_size": config.hidden_size,
                  "num_hidden_layers": config.num_hidden_layers,
                  "steps_in_2.5_hours": int(2.5 * 3600 * steps / elapsed)}
        print(json.dumps(result), flush=True)
        results.append(result)
    return results


# ============================================================================ the card
_DIGITS = {  # 3x5 bitmaps of the characters the plot's tick labels use
    "0": "111101101101111", "1": "010110010010111", "2": "111001111100111",
    "3": "111001111001111", "4": "101101111001001", "5": "111100111001111",
    "6": "111100111101111", "7": "111001001001001", "8": "111101111101111",
    "9": "111101111001111", ".": "000000000000010", "k": "100101110101101",
}


def _png(pixels: Any, path: Path) -> None:
    """Write an ``(h, w, 3)`` uint8 array as a PNG (zlib + struct, no imaging library)."""
    height, width, _ = pixels.shape
    raw = b"".join(b"\x00" + pixels[y].tobytes() for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
                     + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def plot_loss_curve(history: list[dict[str, Any]], path: Path) -> None:
    """Training loss (blue) and held-out loss (red dots) against the step, as a PNG.

    Uses matplotlib when it is installed; otherwise draws the curve with numpy (tick labels
    only: x in steps, y in loss).
    """
    import numpy as np

    train = [(h["step"], h["loss"]) for h in history if "loss" in h]
    held = [(h["step"], h["eval_loss"]) for h in history if "eval_loss" in h]
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
        ax.plot(*zip(*train, strict=True), label="training loss (MLM + SOP)", lw=1)
        if held:
            ax.plot(*zip(*held, strict=True), "o", color="tab:red", label="held-out loss")
        ax.set_xlabel("step")
        ax.set_ylabel("loss")
        ax.legend()
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
        return
    except ImportError:
        pass
    width, height, left, bottom, top, right = 720, 420, 60, 40, 20, 20
    img = np.full((height, width, 3), 255, np.uint8)
    steps = [s for s, _ in train + held]
    losses = [v for _, v in train + held]
    x0, x1 = 0, max(steps)
    y0, y1 = math.floor(min(losses)), math.ceil(max(losses))

    def xy(step: float, loss: float) -> tuple[int, int]:
        x = left + (step - x0) / max(1, x1 - x0) * (width - left - right)
        y = height - bottom - (loss - y0) / max(1e-9, y1 - y0) * (height - bottom - top)
        return int(round(x)), int(round(y))

    def text(label: str, x: int, y: int) -> None:
        for i, ch in enumerate(label):
            bits = _DIGITS.get(ch)
            if bits is None:
                continue
            for k, bit in enumerate(bits):
                if bit == "1":
                    px, py = x + i * 8 + (k % 3) * 2, y + (k // 3) * 2
                    img[py:py + 2, px:px + 2] = 0

    img[top:height - bottom, left] = 0
    img[height - bottom, left:width - right] = 0
    for k in range(5):
        step = x0 + (x1 - x0) * k / 4
        x, _ = xy(step, y0)
        img[height - bottom:height - bottom + 5, x] = 0
        text(f"{step / 1000:.1f}k", x - 12, height - bottom + 10)
        loss = y0 + (y1 - y0) * k / 4
        _, y = xy(x0, loss)
        img[y, left - 5:left] = 0
        text(f"{loss:.1f}", 8, y - 4)
    points = [xy(s, v) for s, v in train]
    for (xa, ya), (xb, yb) in zip(points, points[1:], strict=False):
        n = max(abs(xb - xa), abs(yb - ya), 1)
        for t in range(n + 1):
            px, py = round(xa + (xb - xa) * t / n), round(ya + (yb - ya) * t / n)
            img[py:py + 2, px:px + 2] = (31, 119, 180)
    for s, v in held:
        px, py = xy(s, v)
        img[py - 3:py + 4, px - 3:px + 4] = (214, 39, 40)
    _png(img, path)


def probe(model_dir: Path) -> list[dict[str, Any]]:
    """The fill-mask pipeline's top 5 for each of :data:`PROBES`."""
    from albert_core.pipelines import pipeline

    fill = pipeline("fill-mask", str(model_dir), framework="pt")
    return [{"text": text, "predictions": [(p["token_str"], round(p["score"], 4))
                                           for p in fill(text)]} for text in PROBES]


MODEL_CARD = """# albert-small-wordnet

A small ALBERT pre-trained by this project from scratch, on a CPU, with
`scripts/pretrain_bundled_model.py` (masked-LM with n-gram masking + sentence-order
prediction, LAMB). It is small and trained on a small corpus: use it to try the library
offline, not as a general-purpose English model.

## Model

| | |
|---|---|
| architecture | ALBERT, one shared transformer layer applied {num_hidden_layers} times |
| embedding, hidden | {embedding_size}, {hidden_size} |
| heads, feed-forward | {num_attention_heads}, {intermediate_size} (`{hidden_act}`) |
| parameters | {parameters} |
| max sequence length | {max_position_embeddings} |
| vocabulary | {tokenizer} |
| file | `model.safetensors` ({size_mb:.1f} MB), heads: masked-LM + sentence order |

## Data

{sources}

The script renders every WordNet synset as a few sentences ("Photosynthesis is synthesis of
compounds with the aid of radiant energy (especially in plants).", "It is also called ...",
the usage examples), groups up to {synsets_per_document} consecutive synsets of one
lexicographer file into a document, and prepares {train_examples} training pairs of at most
{max_seq_length} tokens ({train_tokens} tokens, {dupe_factor} pairings of the corpus) and
{heldout_examples} held-out pairs from {heldout_documents} held-out documents.

## Training

{framework} trainer, {steps} steps of {batch_size} pairs, {optimizer} (peak learning rate
{learning_rate}, {warmup_steps} warmup steps then linear decay, weight decay
{weight_decay}), {train_hours:.2f} hours of training on {cpus} CPU cores.{extensions}

![loss curve](loss_curve.png)

## Held-out evaluation

| metric | value |
|---|---|
| masked-LM accuracy | {mlm_accuracy:.4f} |
| masked-LM loss (perplexity) | {mlm_loss:.4f} ({mlm_perplexity:.1f}) |
| sentence-order accuracy | {sop_accuracy:.4f} |
| examples | {examples} |

## Fill-mask examples

{probes}

## Limitations

With {mlm_accuracy_pct:.0f}% of held-out masked tokens right, the model knows WordNet's
sentence templates and much of its vocabulary, but not the world: for a masked content
word its top guesses are mostly words of the right kind, often one already in the sentence,
and the expected word is at best among the top five (see the examples above). It is a model
for trying the library offline and for tests, not for real predictions.

## Licences

- Weights: trained by this project (Apache-2.0, like the code).
- Vocabulary: {tokenizer_license}
- Training data: WordNet 3.0, Copyright 2006 by Princeton University. WordNet 3.0 license:

```
{wordnet_license}
```

## Reproduce

From the root of the albert repository, after `bash scripts/setup.sh`:

```bash
.venv/bin/python scripts/pretrain_bundled_model.py \\
    --steps {planned_steps} --framework {framework_key}{extend_flags}
```
"""


def write_card(out: Path, work: Path, train_dir: Path, data: Path, tokenizer_kind: str) -> None:
    """Copy the final model into ``out`` with its model card, loss curve and results."""
    import numpy as np

    from albert_core import checkpoints
    from albert_core.config import AlbertConfig
    from albert_core.tokenizers import AlbertTokenizer
    from albert_core.training import read_meta
    from albert_core.training.loop import PretrainingArguments, linear_schedule

    out.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "model.safetensors", "eval_results.json", "log.jsonl"):
        shutil.copyfile(train_dir / name, out / name)
    AlbertTokenizer.from_pretrained(train_dir, model_max_length=MAX_SEQ_LENGTH).save_pretrained(
        out)
    history = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    plot_loss_curve(history, out / "loss_curve.png")
    config = AlbertConfig.from_pretrained(out)
    arrays = checkpoints.read(out)
    parameters = sum(int(np.prod(a.shape)) for a in {id(a): a for a in arrays.values()}.values())
    meta = read_meta(data)
    evaluation = json.loads((out / "eval_results.json").read_text())
    args = json.loads((train_dir / "pretraining_args.json").read_text())
    source = meta["sources"][0]
    probes = "\n".join(
        f"- `{item['text']}` → " + ", ".join(f"{tok!r} ({score:.3g})"
                                             for tok, score in item["predictions"])
        for item in probe(out))
    train_seconds = history[-1].get("train_seconds", 0.0) if history else 0.0
    plan = json.loads((work / "plan.json").read_text())
    phases = [plan["steps"], *plan.get("extend_to", [])]
    extensions = ""
    if len(phases) > 1:
        def restart_rate(start: int, end: int) -> float:
            stretched = PretrainingArguments(**{**args["args"], "steps": end})
            return linear_schedule(start, stretched.learning_rate, stretched.warmup, end)

        restarts = ", ".join(
            f"at step {start} with the schedule stretched to {end} steps (learning rate back "
            f"to {restart_rate(start, end):.2g}, then decaying to zero)"
            for start, end in zip(phases, phases[1:], strict=False))
        extensions = (f" The run was planned for {phases[0]} steps; the held-out loss was "
                      f"still falling, so it was continued {restarts}.")
    if plan.get("note"):
        extensions += " " + plan["note"]
    card = MODEL_CARD.format(
        **config.to_dict(), parameters=f"{parameters / 1e6:.2f} M",
        tokenizer=("albert-base-v2's sentencepiece vocabulary (30000 pieces)"
                   if tokenizer_kind == "base-v2" else "16000 pieces trained on the corpus"),
        tokenizer_license=("albert-base-v2 `spiece.model`, Apache-2.0 (the ALBERT release)"
                           if tokenizer_kind == "base-v2" else "trained here from WordNet"),
        size_mb=(out / "model.safetensors").stat().st_size / 1e6,
        sources=(f"- {source['name']}\n- from {source['package']}\n- licence: "
                 f"{source['license']}\n- {source.get('synsets', '?')} synsets, "
                 f"{source.get('sentences', '?')} sentences, {source.get('words', '?')} words"),
        synsets_per_document=SYNSETS_PER_DOCUMENT,
        train_examples=meta["splits"]["train"]["examples"],
        train_tokens=meta["splits"]["train"]["tokens"],
        heldout_examples=meta["splits"]["heldout"]["examples"],
        heldout_documents=meta["documents"]["heldout"],
        **{k: meta["config"][k] for k in ("max_seq_length", "dupe_factor")},
        framework={"pt": "PyTorch", "tf": "Keras/TensorFlow", "flax": "JAX/Flax"}[
            args["framework"]],
        framework_key=args["framework"],
        **{k: args["args"][k] for k in ("steps", "batch_size", "optimizer", "learning_rate",
                                        "weight_decay")},
        warmup_steps=PretrainingArguments(**{**args["args"], "steps": phases[0]}).warmup,
        train_hours=train_seconds / 3600, cpus=os.cpu_count(),
        **{k: evaluation[k] for k in ("mlm_accuracy", "mlm_loss", "mlm_perplexity",
                                      "sop_accuracy", "examples")},
        probes=probes, extensions=extensions, planned_steps=phases[0],
        mlm_accuracy_pct=100 * evaluation["mlm_accuracy"],
        extend_flags="".join(f" --extend-to {end}" for end in phases[1:]),
        wordnet_license=(work / "corpus" / "WORDNET_LICENSE").read_text().strip(),
    )
    (out / "README.md").write_text(card, encoding="utf-8")
    size = sum(p.stat().st_size for p in out.iterdir()) / 1e6
    print(f"wrote {out} ({size:.1f} MB)")


# ================================================================================= plan
def make_plan(work: Path, data: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Framework and step count of the run, fixed once in ``WORK/plan.json``.

    Without ``--steps``, each of ``--measure-frameworks`` trains for 45 s; the fastest is
    chosen and the step count set to fill ``--hours`` of training at its measured speed
    (the schedule must know its length before it starts). Later runs read the plan, so a
    resumed run keeps the same schedule.
    """
    path = work / "plan.json"
    if path.is_file():
        return json.loads(path.read_text())
    measured: list[dict[str, Any]] = []
    framework = args.framework
    steps = args.steps
    if steps is None:
        frameworks = [framework] if framework else args.measure_frameworks.split(",")
        measured = measure(work, data, frameworks, 45.0,
                           {"args": {"batch_size": args.batch_size}})
        best = max(measured, key=lambda r: r["steps_per_second"])
        framework = best["framework"]
        steps = int(best["steps_per_second"] * args.hours * 3600)
    plan = {"framework": framework or TRAINING["framework"], "steps": steps,
            "batch_size": args.batch_size, "hours": args.hours, "measured": measured}
    path.write_text(json.dumps(plan, indent=2) + "\n")
    print(f"plan: {json.dumps(plan)}")
    return plan


# ================================================================================= main
def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK,
                        help="corpus, data, plan, checkpoints (default build/bundled-model)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="the finished model (default: the bundled "
                             "albert_core/bundled/albert-small-wordnet)")
    parser.add_argument("--tokenizer", choices=["base-v2", "train"], default="base-v2",
                        help="albert-base-v2's vocabulary (default) or a 16k one trained here")
    parser.add_argument("--hours", type=float, default=2.5,
                        help="training time the step count is planned for (default 2.5)")
    parser.add_argument("--framework", choices=["pt", "tf", "flax"], default=None,
                        help="train with this framework (default: the fastest measured)")
    parser.add_argument("--steps", type=int, default=None,
                        help="fix the step count instead of measuring (see --hours)")
    parser.add_argument("--extend-to", type=int, default=None, metavar="STEPS",
                        help="after the planned steps, continue to STEPS with the schedule "
                             "stretched to that length (kept in the plan)")
    parser.add_argument("--batch-size", type=int, default=TRAINING["batch_size"])
    parser.add_argument("--time-limit", type=float, default=None, metavar="SECONDS",
                        help="stop with a checkpoint after this long (run again to continue)")
    parser.add_argument("--measure", type=float, default=None, metavar="SECONDS",
                        help="only measure training throughput for this long per framework")
    parser.add_argument("--measure-frameworks", default="tf,pt",
                        help="frameworks to measure (default tf,pt)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="with --measure: change a config field (hidden_size=384, ...)")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)

    work = args.work
    wordnet = locate_wordnet()
    corpus = work / "corpus" / "wordnet.txt"
    counts_file = work / "corpus" / "counts.json"
    if not counts_file.is_file() or not corpus.is_file():
        counts = write_corpus(wordnet, corpus)
        counts_file.write_text(json.dumps(counts))
    counts = json.loads(counts_file.read_text())
    shutil.copyfile(WORDNET_LICENSE, work / "corpus" / "WORDNET_LICENSE")
    tokenizer = prepare_tokenizer(work, args.tokenizer)
    data = prepare_data(work, tokenizer, corpus_sources(wordnet, counts))

    if args.measure is not None:
        config = {}
        for item in args.set:
            key, _, value = item.partition("=")
            config[key] = json.loads(value)
        measure(work, data, args.measure_frameworks.split(","), args.measure,
                {"config": config, "args": {"batch_size": args.batch_size}})
        return 0

    from albert_core.training.loop import run_pretraining, trainer_class

    plan = make_plan(work, data, args)
    train_dir = work / f"train-{plan['framework']}-{args.tokenizer}"
    config = model_config(json.loads((data / "meta.json").read_text())["vocab_size"])
    if args.extend_to is not None and args.extend_to not in plan.setdefault("extend_to", []):
        last = max([plan["steps"], *plan["extend_to"]])
        if args.extend_to <= last:
            parser.error(f"--extend-to {args.extend_to} must be beyond the planned {last} steps")
        plan["extend_to"].append(args.extend_to)
        (work / "plan.json").write_text(json.dumps(plan, indent=2) + "\n")
    # The planned schedule first; then each extension resumes from the end of the previous
    # one with a schedule stretched to its length (the learning rate rises to where the
    # longer schedule would be at that step and decays to zero again).
    for steps in [plan["steps"], *plan.get("extend_to", [])]:
        options = training_arguments(train_dir, steps=steps, batch_size=plan["batch_size"],
                                     time_limit=args.time_limit, progress=not args.no_progress)
        trainer = trainer_class(plan["framework"])(config, options)
        result = run_pretraining(trainer, data, options)
        if not result.finished:
            break
    if not result.finished:
        print(f"stopped at step {result.step} of {options.steps} after "
              f"{result.train_seconds / 3600:.2f} h of training; run the same command again "
              "to continue")
        return 0
    write_card(args.out, work, train_dir, data, args.tokenizer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
