"""The ``albert`` command line. Subcommands import their backends only when they run."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Iterable, Sequence

import numpy as np

RUN_EXAMPLES = """examples:
  albert run --task fill-mask --model tests/fixtures/tiny-fill-mask \\
      "Plants create energy through a process known as [MASK]."
  echo -e "Paris is the [MASK] of France.\\nThe sky is [MASK]." | \\
      albert run --task fill-mask --model albert/albert-base-v2 --top-k 3 --format table
"""

INFO_EXAMPLES = """examples:
  albert info tests/fixtures/tiny-fill-mask
  albert info albert/albert-base-v2 --tensors
"""


class CliError(Exception):
    """An error reported as one line on stderr with exit status 2."""


def _read_inputs(texts: Sequence[str]) -> list[str]:
    if texts:
        lines = list(texts)
    else:
        if sys.stdin is None or sys.stdin.isatty():
            raise CliError("no input: pass texts as arguments or pipe one per line on stdin")
        lines = [line.rstrip("\n") for line in sys.stdin]
    for number, line in enumerate(lines, 1):
        if not line.strip():
            raise CliError(f"input line {number} is empty")
    if not lines:
        raise CliError("no input lines")
    return lines


def _device(value: str) -> int | str:
    return int(value) if value.lstrip("-").isdigit() else value


def _print_table(text: str, predictions: list) -> None:
    groups = predictions if predictions and isinstance(predictions[0], list) else [predictions]
    print(text)
    for mask_index, group in enumerate(groups):
        if len(groups) > 1:
            print(f"  [MASK] #{mask_index + 1}")
        for rank, item in enumerate(group, 1):
            print(f"  {rank:>2}. {item['score']:.4f}  {item['token_str']!r:<16} {item['sequence']}")


def cmd_run(args: argparse.Namespace) -> int:
    """``albert run``: one task over input lines, JSON lines (or a table) on stdout."""
    from albert_core.pipelines import pipeline

    texts = _read_inputs(args.texts)
    pipe = pipeline(args.task, args.model, framework=args.framework,
                    device=_device(args.device), top_k=args.top_k,
                    batch_size=args.batch_size, revision=args.revision)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = pipe(texts)
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)
    for text, predictions in zip(texts, results, strict=True):
        if args.format == "table":
            _print_table(text, predictions)
        else:
            print(json.dumps({"input": text, "predictions": predictions}, ensure_ascii=False))
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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``albert`` command."""
    parser = argparse.ArgumentParser(
        prog="albert",
        description="ALBERT for PyTorch, TensorFlow and JAX: run tasks, inspect checkpoints.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run a task on texts from arguments or stdin",
                         epilog=RUN_EXAMPLES, formatter_class=argparse.RawTextHelpFormatter)
    run.add_argument("--task", required=True, choices=["fill-mask"])
    run.add_argument("--model", required=True, help="model directory or hub id")
    run.add_argument("--framework", default="pt", choices=["pt", "tf", "flax"])
    run.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or a GPU index")
    run.add_argument("--top-k", type=int, default=5, dest="top_k")
    run.add_argument("--batch-size", type=int, default=8, dest="batch_size")
    run.add_argument("--format", default="json", choices=["json", "table"])
    run.add_argument("--revision", default=None, help="hub revision (branch, tag or commit)")
    run.add_argument("texts", nargs="*", help="input texts (default: one per line on stdin)")
    run.set_defaults(func=cmd_run)

    info = sub.add_parser("info", help="describe a checkpoint", epilog=INFO_EXAMPLES,
                          formatter_class=argparse.RawTextHelpFormatter)
    info.add_argument("checkpoint", help="model directory or hub id")
    info.add_argument("--tensors", action="store_true", help="list every tensor")
    info.add_argument("--revision", default=None)
    info.set_defaults(func=cmd_info)

    # `albert convert`: its arguments live with the converter (albert_conversion.cli imports
    # only argparse); the converter and any framework are imported when the command runs.
    from albert_conversion.cli import register as register_convert

    register_convert(sub)
    return parser


def main(argv: Iterable[str] | None = None) -> int:
    """Entry point of the ``albert`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(None if argv is None else list(argv))
    try:
        return args.func(args)
    except (CliError, ValueError, FileNotFoundError, ImportError, KeyError) as err:
        message = err.args[0] if isinstance(err, KeyError) and err.args else err
        print(f"albert {args.command}: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
