"""``albert finetune``: fine-tune a task head on a data file.

Only argparse is imported at import time; the data layer and the backend are imported when
the command runs. :func:`register` adds the subcommand to the ``albert`` command's parser.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from albert_core.bundled import DEFAULT_MODEL
from albert_core.cli.errors import CliError, positive_int

DESCRIPTION = """\
Fine-tune ALBERT on a task's data file (.csv, .tsv, .json, .jsonl; .txt / .conll CoNLL columns
for token classification) with AdamW, linear warm-up and decay, gradient accumulation and
checkpoints every --save-every steps. OUT afterwards holds a model that
`albert run --task TASK --model OUT` serves (config with the data's labels, weights,
tokenizer), eval_results.json with the metrics on --validation, log.jsonl, and for question
answering the predictions, n-best and null-odds files. --resume continues the newest
checkpoint in OUT exactly."""

EXAMPLES = """\
examples:
  albert finetune --task text-classification --train train.csv --validation dev.csv \\
      --out my-classifier --epochs 3 --batch-size 16 --learning-rate 3e-5
  albert run --task text-classification --model my-classifier "What a lovely day."
"""

#: ``--task`` -> the ``albert run`` task that serves the model.
RUN_TASKS = {"masked-lm": "fill-mask"}
#: ``--task`` without an ``albert run`` task -> the PyTorch class that loads the model.
NO_PIPELINE = {"multiple-choice": "albert_pt.AlbertForMultipleChoice"}


def register(subparsers: Any) -> None:
    """Add ``finetune`` to the ``albert`` command's subparsers."""
    from albert_core.training.finetune_tasks import TASK_HEADS

    p = subparsers.add_parser("finetune", help="fine-tune a task head on a data file",
                              description=DESCRIPTION, epilog=EXAMPLES,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--task", required=True, choices=sorted(TASK_HEADS))
    p.add_argument("--train", required=True, metavar="FILE", help="training data")
    p.add_argument("--validation", metavar="FILE", help="data evaluated into eval_results.json")
    p.add_argument("--test", metavar="FILE", help="data evaluated into test_results.json")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory")
    p.add_argument("--model", default=DEFAULT_MODEL,
                   help=f"checkpoint to start from (default: the bundled {DEFAULT_MODEL})")
    p.add_argument("--framework", default="pt", choices=("pt", "tf", "flax"))
    steps = p.add_mutually_exclusive_group()
    steps.add_argument("--max-steps", type=positive_int, dest="max_steps", metavar="N",
                       help="optimizer updates")
    steps.add_argument("--epochs", type=float, default=3.0, metavar="E",
                       help="passes over the data (default 3)")
    p.add_argument("--batch-size", type=positive_int, default=8, dest="batch_size",
                   metavar="B", help="examples per forward pass (default 8)")
    p.add_argument("--learning-rate", type=float, default=5e-5, dest="learning_rate",
                   metavar="LR", help="peak learning rate (default 5e-5)")
    p.add_argument("--weight-decay", type=float, default=0.0, dest="weight_decay", metavar="W")
    p.add_argument("--warmup-ratio", type=float, default=0.0, dest="warmup_ratio", metavar="R")
    p.add_argument("--max-length", type=positive_int, default=128, dest="max_length",
                   metavar="L", help="tokens per row (default 128)")
    p.add_argument("--doc-stride", type=positive_int, dest="doc_stride", metavar="S",
                   help="overlap of question-answering windows")
    p.add_argument("--version-2-with-negative", action="store_true",
                   dest="version_2_with_negative", help="SQuAD v2.0 data")
    p.add_argument("--label-all-tokens", action="store_true", dest="label_all_tokens",
                   help="label every piece of a word (token classification)")
    p.add_argument("--gradient-accumulation-steps", type=positive_int, default=1,
                   dest="gradient_accumulation_steps", metavar="K")
    p.add_argument("--bf16", action="store_true", help="bfloat16 autocast")
    p.add_argument("--gradient-checkpointing", action="store_true",
                   dest="gradient_checkpointing",
                   help="recompute activations in the backward pass (PyTorch)")
    p.add_argument("--device", metavar="DEVICE",
                   help="cpu (default), cuda or cuda:N (PyTorch; under torchrun each "
                        "process takes GPU LOCAL_RANK)")
    p.add_argument("--seed", type=int, default=42, metavar="S")
    p.add_argument("--eval-every", type=int, default=0, dest="eval_every", metavar="N",
                   help="evaluate every N updates (default: only at the end)")
    p.add_argument("--save-every", type=positive_int, default=500, dest="save_every",
                   metavar="N", help="checkpoint every N updates (default 500)")
    p.add_argument("--resume", action="store_true", help="continue the checkpoint in --out")
    p.add_argument("--overwrite", action="store_true", help="replace a non-empty --out")
    p.add_argument("--stop-after", type=positive_int, dest="stop_after", metavar="N",
                   help="stop with a checkpoint after update N (continue with --resume)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_finetune)


def cmd_finetune(args: argparse.Namespace) -> int:
    """Run ``albert finetune`` (:func:`albert_core.training.finetune.finetune`)."""
    from albert_core.backend import quiet_startup
    from albert_core.training.finetune import finetune

    quiet_startup(args.framework)
    finetuner_options: dict[str, Any] = {}
    if args.framework == "pt":
        finetuner_options = {"device": args.device or "cpu",
                             "gradient_checkpointing": args.gradient_checkpointing}
    elif args.device is not None or args.gradient_checkpointing:
        flag = "--device" if args.device is not None else "--gradient-checkpointing"
        raise CliError(f"{flag} is a PyTorch option (--framework pt), not one of "
                       f"--framework {args.framework}")
    try:
        result = finetune(
            args.framework, args.task, args.train, args.out,
            validation_file=args.validation, test_file=args.test,
            finetuner_options=finetuner_options,
            notify=lambda note: print(f"albert finetune: {note}", file=sys.stderr),
            model=args.model, max_steps=args.max_steps, epochs=args.epochs,
            batch_size=args.batch_size, learning_rate=args.learning_rate,
            weight_decay=args.weight_decay, warmup_ratio=args.warmup_ratio,
            max_length=args.max_length, doc_stride=args.doc_stride,
            version_2_with_negative=args.version_2_with_negative,
            label_all_tokens=args.label_all_tokens,
            gradient_accumulation_steps=args.gradient_accumulation_steps, bf16=args.bf16,
            seed=args.seed, eval_every=args.eval_every, save_every=args.save_every,
            resume=args.resume, overwrite=args.overwrite, stop_after=args.stop_after,
            progress=not args.quiet,
        )
    except (FileExistsError, NotImplementedError) as err:
        raise CliError(str(err)) from None
    if not result.main_process:
        return 0
    if not result.finished:
        print(f"albert finetune: stopped after step {result.step} of {result.total_steps}; "
              "continue with --resume", file=sys.stderr)
        return 0
    print(json.dumps({"step": result.step, "eval": result.eval,
                      "output_dir": str(result.output_dir)}))
    if args.task in NO_PIPELINE:
        print(f"albert finetune: load it with {NO_PIPELINE[args.task]}.from_pretrained"
              f"({args.out!r}) (albert run has no {args.task} task)", file=sys.stderr)
        return 0
    run_task = RUN_TASKS.get(args.task, args.task)
    print(f"albert finetune: serve it with: albert run --task {run_task} --model {args.out}",
          file=sys.stderr)
    return 0

