"""``albert run`` (a task on texts) and ``albert info`` (describe a checkpoint)."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from albert_core.backend import quiet_startup
from albert_core.cli.errors import CliError, one_line

RUN_DESCRIPTION = """\
Run a task on inputs given as arguments, or one per line on stdin. Prints one JSON
object per input ({"input": ..., "predictions": ...}; "features" for
feature-extraction), or a table for people with --format table. Warnings go to stderr.

tasks and their inputs:
  fill-mask             a text with one or more [MASK]
  text-classification   a text; with --jsonl, {"text": ..., "text_pair": ...} for pairs
  token-classification  a text
  question-answering    a question, with --context; without it, one JSON object per
                        line: {"question": ..., "context": ...}
  feature-extraction    a text

--jsonl reads every input as a JSON object; texts are {"text": ...}."""

RUN_EXAMPLES = """examples:
  albert run --task fill-mask "Plants create energy through a process known as [MASK]."
  echo -e "Paris is the [MASK] of France.\\nThe sky is [MASK]." | \\
      albert run --task fill-mask --model albert/albert-base-v2 --top-k 3 --format table
  albert run --task text-classification --model ./albert-sst2 --top-k 2 "What a lovely day."
  albert run --task token-classification --model ./albert-ner --aggregation first \\
      "My name is Wolfgang and I live in Berlin."
  albert run --task question-answering --model ./albert-squad2 \\
      --context "The Eiffel Tower is in Paris." "Where is the Eiffel Tower?"
  echo '{"question": "Who wrote it?", "context": "Hamlet was written by Shakespeare."}' | \\
      albert run --task question-answering --model ./albert-squad2 --framework flax
  albert run --task feature-extraction --model albert/albert-base-v2 --pooling mean "Hello"

exit status: 0 success, 2 error (one line on stderr: unknown task, model not found,
framework not installed, empty or malformed input line, ...).
"""

INFO_EXAMPLES = """examples:
  albert info albert-small-wordnet
  albert info albert/albert-base-v2 --tensors
"""

#: ``albert run`` options that only some tasks take: option -> (dest, tasks).
TASK_OPTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "--top-k": ("top_k", ("fill-mask", "text-classification", "question-answering")),
    "--targets": ("targets", ("fill-mask",)),
    "--aggregation": ("aggregation", ("token-classification",)),
    "--context": ("context", ("question-answering",)),
    "--max-answer-len": ("max_answer_len", ("question-answering",)),
    "--pooling": ("pooling", ("feature-extraction",)),
}

#: Keys of a ``--jsonl`` input object, per task: (required, optional).
JSON_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "fill-mask": (("text",), ()),
    "text-classification": (("text",), ("text_pair",)),
    "token-classification": (("text",), ()),
    "question-answering": (("question", "context"), ()),
    "feature-extraction": (("text",), ()),
}


def _read_inputs(texts: Sequence[str]) -> list[str]:
    if texts:
        lines = list(texts)
    else:
        if sys.stdin is None or sys.stdin.isatty():
            raise CliError("no input: pass texts as arguments or pipe one per line on stdin")
        lines = [line.rstrip("\r\n") for line in sys.stdin]
    for number, line in enumerate(lines, 1):
        if not line.strip():
            raise CliError(f"input line {number} is empty")
    if not lines:
        raise CliError("no input lines")
    return lines


def _json_input(task: str, number: int, line: str) -> Any:
    """The pipeline input of one ``--jsonl`` line (a text, a pair or a QA dict)."""
    try:
        item = json.loads(line)
    except json.JSONDecodeError as err:
        raise CliError(f"input line {number} is not JSON ({err.msg}): {line[:60]!r}") from None
    required, optional = JSON_FIELDS[task]
    if not isinstance(item, dict) or not set(required) <= set(item) or (
        set(item) - set(required) - set(optional)
    ):
        wanted = ", ".join([*(repr(k) for k in required), *(f"{k!r} (optional)" for k in optional)])
        raise CliError(f"input line {number} must be a JSON object with keys {wanted}: "
                       f"{line[:60]!r}")
    for key, value in item.items():
        if not isinstance(value, str) or not value.strip():
            raise CliError(f"input line {number}: {key!r} must be a non-empty string")
    if task == "question-answering":
        return item
    if task == "text-classification" and "text_pair" in item:
        return (item["text"], item["text_pair"])
    return item["text"]


def _task_inputs(args: argparse.Namespace, lines: list[str]) -> list[Any]:
    """Turn input lines into the pipeline's inputs for ``args.task``."""
    if args.task == "question-answering" and args.context is not None:
        if args.jsonl:
            raise CliError("--context takes questions as inputs; do not combine it with --jsonl")
        if not args.context.strip():
            raise CliError("--context is empty")
        return [{"question": line, "context": args.context} for line in lines]
    if args.jsonl or args.task == "question-answering":
        return [_json_input(args.task, n, line) for n, line in enumerate(lines, 1)]
    return lines


def _device(value: str) -> int | str:
    return int(value) if value.lstrip("-").isdigit() else value


def _pipeline_options(args: argparse.Namespace) -> dict[str, Any]:
    """Check the task-specific options given and map them to pipeline options."""
    for option, (dest, tasks) in TASK_OPTIONS.items():
        if getattr(args, dest) is not None and args.task not in tasks:
            raise CliError(f"{option} does not apply to {args.task} (only to {', '.join(tasks)})")
    options: dict[str, Any] = {"batch_size": args.batch_size}
    if args.top_k is not None:
        options["top_k"] = args.top_k
    if args.targets is not None:
        options["targets"] = [word.strip() for word in args.targets.split(",") if word.strip()]
    if args.aggregation is not None:
        options["aggregation_strategy"] = args.aggregation
    if args.max_answer_len is not None:
        options["max_answer_len"] = args.max_answer_len
    if args.pooling is not None:
        options["pooling"] = args.pooling
    return options


def _print_fill_mask_table(predictions: list) -> None:
    groups = predictions if predictions and isinstance(predictions[0], list) else [predictions]
    for mask_index, group in enumerate(groups):
        if len(groups) > 1:
            print(f"  [MASK] #{mask_index + 1}")
        for rank, item in enumerate(group, 1):
            print(f"  {rank:>2}. {item['score']:.4f}  {item['token_str']!r:<16} {item['sequence']}")


def _print_table(task: str, item: Any, result: Any) -> None:
    """One input's result, for people."""
    if isinstance(item, dict):
        print(f"question: {item['question']}")
    elif isinstance(item, tuple):
        print(f"{item[0]}  |  {item[1]}")
    else:
        print(item)
    if task == "fill-mask":
        _print_fill_mask_table(result)
    elif task == "text-classification":
        for rank, label in enumerate(result, 1):
            print(f"  {rank:>2}. {label['score']:.4f}  {label['label']}")
    elif task == "token-classification":
        if not result:
            print("  (no entities)")
        for entity in result:
            name = entity.get("entity_group", entity.get("entity"))
            print(f"  {name:<10} {entity['score']:.4f}  [{entity['start']}:{entity['end']}]  "
                  f"{entity['word']!r}")
    elif task == "question-answering":
        if not result:
            print("  (no answer)")
        for rank, answer in enumerate(result, 1):
            print(f"  {rank:>2}. {answer['score']:.4f}  [{answer['start']}:{answer['end']}]  "
                  f"{answer['answer']!r}")
    else:
        values = " ".join(f"{v:.4f}" for v in np.ravel(result)[:6])
        print(f"  shape {list(np.shape(result))}  first values {values} ...")


def _record(task: str, item: Any, result: Any) -> dict[str, Any]:
    """One input's JSON line."""
    shown = list(item) if isinstance(item, tuple) else item
    if task == "feature-extraction":
        return {"input": shown, "features": np.asarray(result).tolist()}
    return {"input": shown, "predictions": result}


def cmd_run(args: argparse.Namespace) -> int:
    """``albert run``: one task over input lines, JSON lines (or a table) on stdout."""
    from albert_core.pipelines import FRAMEWORKS, TASK_ALIASES, TASKS, default_model, pipeline

    args.task = TASK_ALIASES.get(args.task, args.task)
    if args.task not in TASKS:
        raise CliError(f"unknown task {args.task!r}; choose one of {', '.join(TASKS)}")
    if args.framework not in FRAMEWORKS:
        raise CliError(f"unknown framework {args.framework!r}; choose one of "
                       f"{', '.join(FRAMEWORKS)}")
    model = args.model if args.model is not None else default_model(args.task)
    options = _pipeline_options(args)
    inputs = _task_inputs(args, _read_inputs(args.texts))
    quiet_startup(args.framework)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            pipe = pipeline(args.task, model, framework=args.framework,
                            device=_device(args.device), revision=args.revision, **options)
            results = pipe(inputs)
        finally:
            for warning in caught:
                if not issubclass(warning.category, (DeprecationWarning,
                                                     PendingDeprecationWarning)):
                    print(f"warning: {one_line(warning.message)}", file=sys.stderr)
    for item, result in zip(inputs, results, strict=True):
        if args.format == "table":
            _print_table(args.task, item, result)
        else:
            print(json.dumps(_record(args.task, item, result), ensure_ascii=False))
    return 0


def _human(n: float) -> str:
    for unit in ("", "K", "M", "G"):
        if abs(n) < 1000:
            return f"{n:.1f}{unit}" if unit else str(int(n))
        n /= 1000
    return f"{n:.1f}T"


def cmd_info(args: argparse.Namespace) -> int:
    """``albert info``: config, parameter count, formats and tensors of a checkpoint."""
    from albert_core import checkpoints, schema
    from albert_core.config import AlbertConfig

    directory = checkpoints.resolve_directory(args.checkpoint, revision=args.revision)
    config = AlbertConfig.from_pretrained(directory)
    formats = checkpoints.detect_formats(directory)
    print(f"checkpoint: {directory}")
    print(f"formats:    {', '.join(formats) or 'none'}")
    print(f"config:     {config!r}")
    if not formats:
        return 0
    arrays = checkpoints.read(directory, formats[0])
    head = schema.infer_head(arrays, config.extra.get("architectures"))
    unique = {id(a): a for a in arrays.values()}.values()
    params = sum(int(np.prod(a.shape)) for a in unique)
    size = sum(a.nbytes for a in unique)
    dtypes = sorted({str(a.dtype) for a in arrays.values()})
    print(f"head:       {head} ({schema.head_spec(head).pt_class})")
    print(f"parameters: {_human(params)} ({params}) in {len(arrays)} tensors, "
          f"{_human(size)}B, dtypes {', '.join(dtypes)}")
    _, report = schema.match(arrays, config, head)
    print(f"schema:     {report.describe()}")
    if args.tensors:
        width = max(len(n) for n in arrays)
        for name in sorted(arrays):
            array = arrays[name]
            print(f"  {name:<{width}}  {str(array.dtype):<8} {list(array.shape)}")
    return 0


def _add_run_parser(sub: Any) -> None:
    from albert_core.pipelines.token_classification import AGGREGATIONS

    run = sub.add_parser("run", help="run a task on texts from arguments or stdin",
                         description=RUN_DESCRIPTION, epilog=RUN_EXAMPLES,
                         formatter_class=argparse.RawTextHelpFormatter)
    run.add_argument("--task", required=True, metavar="TASK",
                     help="fill-mask, text-classification, token-classification,\n"
                          "question-answering or feature-extraction")
    run.add_argument("--model", default=None,
                     help="model directory, bundled model or hub id (default: the bundled\n"
                          "albert-small-wordnet, for fill-mask and feature-extraction)")
    run.add_argument("--framework", default="pt", metavar="{pt,tf,flax}",
                     help="PyTorch (default), Keras/TensorFlow or JAX/Flax")
    run.add_argument("--device", default="cpu",
                     help="cpu (default), cuda, cuda:N or a GPU index N")
    run.add_argument("--batch-size", type=int, default=8, dest="batch_size", metavar="N",
                     help="model rows per forward pass (default 8)")
    run.add_argument("--format", default="json", choices=["json", "table"],
                     help="JSON lines (default) or a table for people")
    run.add_argument("--jsonl", action="store_true",
                     help="read each input as a JSON object (see above)")
    run.add_argument("--revision", default=None, metavar="REV",
                     help="hub revision (branch, tag or commit)")
    task = run.add_argument_group("task options")
    task.add_argument("--top-k", type=int, default=None, dest="top_k", metavar="K",
                      help="answers per input (fill-mask 5, text-classification 1,\n"
                           "question-answering 1 by default)")
    task.add_argument("--targets", default=None, metavar="WORDS",
                      help="fill-mask: score only these comma-separated words")
    task.add_argument("--aggregation", default=None, choices=list(AGGREGATIONS),
                      help="token-classification: group sub-word pieces (default none)")
    task.add_argument("--context", default=None, metavar="TEXT",
                      help="question-answering: the context every input question is asked of")
    task.add_argument("--max-answer-len", type=int, default=None, dest="max_answer_len",
                      metavar="N",
                      help="question-answering: longest answer in tokens (default 15)")
    task.add_argument("--pooling", default=None, choices=["none", "mean", "cls"],
                      help="feature-extraction: one vector per text (default none: per token)")
    run.add_argument("texts", nargs="*", metavar="INPUT",
                     help="inputs (default: one per line on stdin)")
    run.set_defaults(func=cmd_run)


def _add_info_parser(sub: Any) -> None:
    info = sub.add_parser("info", help="describe a checkpoint", epilog=INFO_EXAMPLES,
                          formatter_class=argparse.RawTextHelpFormatter)
    info.add_argument("checkpoint", help="model directory or hub id")
    info.add_argument("--tensors", action="store_true", help="list every tensor")
    info.add_argument("--revision", default=None, metavar="REV",
                      help="hub revision (branch, tag or commit)")
    info.set_defaults(func=cmd_info)


def register(subparsers: Any) -> None:
    """Add ``albert run`` and ``albert info`` to the ``albert`` command's subparsers."""
    _add_run_parser(subparsers)
    _add_info_parser(subparsers)
