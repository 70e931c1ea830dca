"""``albert train-tokenizer``, ``albert prepare-pretraining-data`` and ``albert pretrain``.

Only argparse is imported at import time; the commands import what they need when they run
(a backend only for ``pretrain``). :func:`register` adds the three subcommands to the
``albert`` command's parser.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from albert_core.cli.errors import positive_int

PIPELINE_EXAMPLES = """\
examples:
  # the whole pipeline, from raw text to a model for `albert run --task fill-mask`
  albert train-tokenizer --input corpus.txt --vocab-size 16000 --out my-tokenizer
  albert prepare-pretraining-data --input corpus.txt --tokenizer my-tokenizer --out my-data
  albert pretrain --config albert-base-v2 --set hidden_size=256 --set num_hidden_layers=4 \\
      --set intermediate_size=1024 --set num_attention_heads=4 \\
      --data my-data --framework pt --steps 10000 --batch-size 64 --lr 2e-3 --out my-albert
  albert run --task fill-mask --model my-albert "The cat sat on the [MASK]."
"""

TOKENIZER_DESCRIPTION = """\
Train a sentencepiece unigram vocabulary with ALBERT's conventions (<pad>=0, <unk>=1,
[CLS], [SEP], [MASK] as control symbols 2-4, nmt_nfkc normalisation, ALBERT's user-defined
symbols). The text is normalised as the tokenizer will normalise it (lower-cased unless
--cased). OUT gets spiece.model, tokenizer.json and the json configs, loadable by
AlbertTokenizer and AlbertTokenizerFast."""

DATA_DESCRIPTION = """\
Turn text files into pre-training shards: documents (blank lines between them) are cut into
sentences, packed into [CLS] A [SEP] B [SEP] pairs of --max-seq-length tokens (segments
swapped with probability 0.5 for sentence-order prediction), and written as .npz shards
plus meta.json and a copy of the tokenizer. Masking (n-gram, 15%, 80/10/10) happens when
batches are built, so every epoch sees new masks. Deterministic given --seed."""

PRETRAIN_DESCRIPTION = """\
Pre-train ALBERT (masked-LM with n-gram masking + sentence-order prediction) on data made by
`albert prepare-pretraining-data`, with LAMB (default) or AdamW, linear warmup and decay,
gradient accumulation and checkpoints every --save-every steps. Running the same command
again resumes from the newest checkpoint in --out exactly (weights, optimizer state, data
position). When the schedule ends, OUT holds config.json, model.safetensors, the tokenizer,
eval_results.json (held-out loss, MLM and SOP accuracy) and log.jsonl.

--config is a preset (albert-base-v2, ...), a config.json, or a model directory; --set
changes fields (values are JSON: --set hidden_size=256 --set hidden_act='"gelu"').
vocab_size is taken from the data's tokenizer."""


def register(subparsers: Any) -> None:
    """Add ``train-tokenizer``, ``prepare-pretraining-data`` and ``pretrain`` to the
    ``albert`` command's subparsers."""
    raw = argparse.RawDescriptionHelpFormatter

    tok = subparsers.add_parser("train-tokenizer", help="train an ALBERT sentencepiece vocabulary",
                                description=TOKENIZER_DESCRIPTION, epilog=PIPELINE_EXAMPLES,
                                formatter_class=raw)
    tok.add_argument("--input", nargs="+", required=True, metavar="FILE",
                     help="text files (.gz too), one sentence or paragraph per line")
    tok.add_argument("--vocab-size", type=positive_int, required=True, dest="vocab_size",
                     metavar="N", help="pieces in the vocabulary, special ones included")
    tok.add_argument("--out", required=True, metavar="DIR", help="output directory")
    tok.add_argument("--cased", action="store_true", help="do not lower-case (do_lower_case=False)")
    tok.add_argument("--keep-accents", action="store_true", dest="keep_accents",
                     help="keep accents (default: strip them, as ALBERT does)")
    tok.add_argument("--character-coverage", type=float, default=0.99995,
                     dest="character_coverage", metavar="F", help="default 0.99995")
    tok.add_argument("--input-sentence-size", type=positive_int, default=10_000_000,
                     dest="input_sentence_size", metavar="N",
                     help="lines sampled for training at most (default 10000000)")
    tok.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    tok.add_argument("--threads", type=positive_int, default=None, metavar="N",
                     help="training threads (default: all cores)")
    tok.set_defaults(func=cmd_train_tokenizer)

    data = subparsers.add_parser("prepare-pretraining-data",
                                 help="turn text files into pre-training shards",
                                 description=DATA_DESCRIPTION, epilog=PIPELINE_EXAMPLES,
                                 formatter_class=raw)
    data.add_argument("--input", nargs="+", required=True, metavar="FILE",
                      help="text files (.gz too); blank lines separate documents")
    data.add_argument("--tokenizer", required=True, metavar="DIR",
                      help="an ALBERT tokenizer directory (spiece.model) or .model file")
    data.add_argument("--out", required=True, metavar="DIR", help="output directory")
    data.add_argument("--max-seq-length", type=positive_int, default=128,
                      dest="max_seq_length", metavar="N", help="default 128")
    data.add_argument("--short-seq-prob", type=float, default=0.1, dest="short_seq_prob",
                      metavar="P", help="probability of a shorter target length (default 0.1)")
    data.add_argument("--masked-lm-prob", type=float, default=0.15, dest="masked_lm_prob",
                      metavar="P", help="share of tokens to predict (default 0.15)")
    data.add_argument("--max-predictions", type=positive_int, default=None,
                      dest="max_predictions_per_seq", metavar="N",
                      help="predictions per sequence at most (default: max-seq-length x P)")
    data.add_argument("--max-ngram", type=positive_int, default=3, dest="max_ngram",
                      metavar="N", help="longest masked span in words (default 3)")
    data.add_argument("--dupe-factor", type=positive_int, default=1, dest="dupe_factor",
                      metavar="N", help="passes over the corpus, each pairing anew (default 1)")
    data.add_argument("--heldout-fraction", type=float, default=0.01, dest="heldout_fraction",
                      metavar="P", help="share of documents held out (default 0.01)")
    data.add_argument("--shard-size", type=positive_int, default=50_000, dest="shard_size",
                      metavar="N", help="examples per shard (default 50000)")
    data.add_argument("--seed", type=int, default=12345, help="default 12345")
    data.add_argument("--overwrite", action="store_true", help="replace data already in --out")
    data.add_argument("--no-progress", action="store_true", dest="no_progress",
                      help="no progress bar")
    data.set_defaults(func=cmd_prepare_data)

    pre = subparsers.add_parser("pretrain", help="pre-train ALBERT (MLM + SOP) on prepared data",
                                description=PRETRAIN_DESCRIPTION, epilog=PIPELINE_EXAMPLES,
                                formatter_class=raw)
    pre.add_argument("--config", required=True, metavar="CONFIG",
                     help="preset name, config.json or model directory")
    pre.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                     dest="overrides", help="change a config field (repeatable)")
    pre.add_argument("--data", required=True, metavar="DIR",
                     help="made by albert prepare-pretraining-data")
    pre.add_argument("--framework", default="pt", choices=["pt", "tf", "flax"],
                     help="PyTorch (default), Keras/TensorFlow or JAX/Flax")
    pre.add_argument("--steps", type=positive_int, required=True, metavar="N",
                     help="optimizer updates in the schedule")
    pre.add_argument("--batch-size", type=positive_int, default=32, dest="batch_size",
                     metavar="B", help="examples per update (default 32)")
    pre.add_argument("--lr", type=float, default=1e-3, dest="learning_rate", metavar="LR",
                     help="peak learning rate (default 1e-3)")
    pre.add_argument("--optimizer", default="lamb", choices=["lamb", "adamw"],
                     help="default lamb")
    pre.add_argument("--warmup-steps", type=int, default=None, dest="warmup_steps",
                     metavar="N", help="linear warmup (default 5%% of --steps)")
    pre.add_argument("--weight-decay", type=float, default=0.01, dest="weight_decay",
                     metavar="W", help="default 0.01 (not on LayerNorm weights and biases)")
    pre.add_argument("--max-grad-norm", type=float, default=1.0, dest="max_grad_norm",
                     metavar="X", help="global gradient-norm clip (default 1.0; 0: none)")
    pre.add_argument("--grad-accum", type=positive_int, default=1, dest="grad_accum_steps",
                     metavar="K", help="micro-batches per update (default 1)")
    pre.add_argument("--save-every", type=positive_int, default=1000, dest="save_every",
                     metavar="N", help="checkpoint interval in updates (default 1000)")
    pre.add_argument("--keep-checkpoints", type=positive_int, default=2,
                     dest="keep_checkpoints", metavar="N", help="default 2")
    pre.add_argument("--log-every", type=positive_int, default=10, dest="log_every",
                     metavar="N", help="log interval in updates (default 10)")
    pre.add_argument("--eval-every", type=int, default=0, dest="eval_every", metavar="N",
                     help="held-out evaluation interval (default 0: only at the end)")
    pre.add_argument("--eval-batches", type=int, default=50, dest="eval_batches", metavar="N",
                     help="held-out batches per evaluation (default 50; 0: all)")
    pre.add_argument("--seed", type=int, default=0, help="weights, order, masks (default 0)")
    pre.add_argument("--stop-after", type=positive_int, default=None, dest="stop_after",
                     metavar="N", help="stop (with a checkpoint) after update N; resume later")
    pre.add_argument("--time-limit", type=float, default=None, dest="time_limit",
                     metavar="SECONDS", help="stop (with a checkpoint) after this long")
    pre.add_argument("--no-resume", action="store_true", dest="no_resume",
                     help="fail instead of resuming when --out holds checkpoints")
    pre.add_argument("--no-progress", action="store_true", dest="no_progress",
                     help="no progress bar")
    pre.add_argument("--out", required=True, metavar="DIR", help="output directory")
    pre.set_defaults(func=cmd_pretrain)


# ============================================================================== handlers
def cmd_train_tokenizer(args: argparse.Namespace) -> int:
    """``albert train-tokenizer``."""
    from albert_core.tokenizers import train_tokenizer

    out = train_tokenizer(
        args.input, args.out, args.vocab_size, do_lower_case=not args.cased,
        keep_accents=args.keep_accents, character_coverage=args.character_coverage,
        input_sentence_size=args.input_sentence_size, seed=args.seed,
        num_threads=args.threads,
    )
    print(f"wrote {out}: {', '.join(sorted(p.name for p in Path(out).iterdir()))}")
    return 0


def cmd_prepare_data(args: argparse.Namespace) -> int:
    """``albert prepare-pretraining-data``."""
    from albert_core.training import DataConfig, prepare_pretraining_data

    config = DataConfig(
        max_seq_length=args.max_seq_length, short_seq_prob=args.short_seq_prob,
        masked_lm_prob=args.masked_lm_prob, max_predictions_per_seq=args.max_predictions_per_seq,
        max_ngram=args.max_ngram, dupe_factor=args.dupe_factor,
        heldout_fraction=args.heldout_fraction, shard_size=args.shard_size, seed=args.seed,
    )
    try:
        meta = prepare_pretraining_data(args.input, args.tokenizer, args.out, config,
                                        progress=not args.no_progress, overwrite=args.overwrite)
    except FileExistsError:
        raise ValueError(f"{args.out} already holds pre-training data; use --overwrite to "
                         "replace it") from None
    for split, info in meta["splits"].items():
        print(f"{split}: {info['examples']} examples, {info['tokens']} tokens, "
              f"{len(info['shards'])} shards, {meta['documents'][split]} documents")
    print(f"wrote {args.out}")
    return 0


def _config_value(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def load_config(spec: str, overrides: list[str]) -> Any:
    """An :class:`~albert_core.config.AlbertConfig` from a preset name, a ``config.json``
    or a directory, with ``KEY=VALUE`` overrides (values parsed as JSON when they can be)."""
    from albert_core.config import AlbertConfig
    from albert_core.presets import PRESETS, preset

    changes = {}
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--set takes KEY=VALUE, got {item!r}")
        changes[key.strip()] = _config_value(value)
    path = Path(spec)
    if path.is_file():
        return AlbertConfig.from_json_file(path, **changes)
    if path.is_dir():
        return AlbertConfig.from_pretrained(path, **changes)
    if spec.removeprefix("albert/") in PRESETS:
        return preset(spec, **changes)
    raise ValueError(f"--config {spec!r} is not a file, a directory or a preset "
                     f"({', '.join(sorted(PRESETS))})")


def cmd_pretrain(args: argparse.Namespace) -> int:
    """``albert pretrain``."""
    from albert_core.backend import quiet_startup

    quiet_startup(args.framework)
    from albert_core.training import read_meta
    from albert_core.training.loop import PretrainingArguments, run_pretraining, trainer_class

    meta = read_meta(args.data)
    config = load_config(args.config, args.overrides)
    note = None
    if config.vocab_size != meta["vocab_size"]:
        note = (f"note: vocab_size {config.vocab_size} -> {meta['vocab_size']} (the data's "
                "tokenizer)")
        config = config.copy(vocab_size=meta["vocab_size"])
    options = PretrainingArguments(
        output_dir=args.out, steps=args.steps, batch_size=args.batch_size,
        learning_rate=args.learning_rate, optimizer=args.optimizer,
        warmup_steps=args.warmup_steps, weight_decay=args.weight_decay,
        max_grad_norm=args.max_grad_norm, grad_accum_steps=args.grad_accum_steps,
        save_every=args.save_every, keep_checkpoints=args.keep_checkpoints,
        log_every=args.log_every, eval_every=args.eval_every, eval_batches=args.eval_batches,
        seed=args.seed, stop_after=args.stop_after, time_limit=args.time_limit,
        progress=not args.no_progress,
    )
    trainer = trainer_class(args.framework)(config, options)
    # Under torchrun every process runs this command; the main one reports.
    if note is not None and trainer.is_main_process:
        print(note, file=sys.stderr)
    try:
        result = run_pretraining(trainer, args.data, options, resume=not args.no_resume)
    except FileExistsError as err:
        raise ValueError(f"{err}; drop --no-resume to continue it") from None
    if not trainer.is_main_process:
        return 0
    if not result.finished:
        print(f"stopped at step {result.step} of {args.steps} (checkpoint in "
              f"{Path(args.out) / 'checkpoints'}); run the same command to continue")
        return 0
    if result.eval is not None:
        e = result.eval
        print(f"held-out: loss {e['loss']:.4f}, MLM accuracy {e['mlm_accuracy']:.4f}, "
              f"SOP accuracy {e['sop_accuracy']:.4f} ({e['examples']} examples)")
    print(f"wrote {args.out} (step {result.step}, {result.train_seconds:.0f} s of training)")
    return 0


__all__ = ["cmd_prepare_data", "cmd_pretrain", "cmd_train_tokenizer", "load_config", "register"]
