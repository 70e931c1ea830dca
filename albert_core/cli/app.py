"""The ``albert`` command: its parser, made of every command's subparser, and the dispatch."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable

from albert_core.cli.errors import CliError, one_line
from albert_core.cli.finetune import register as register_finetune
from albert_core.cli.pretraining import register as register_pretraining
from albert_core.cli.run import register as register_run

MAIN_EXAMPLES = """examples:
  albert run --task fill-mask "Plants create energy through a process known as [MASK]."
  albert run --task fill-mask --model albert/albert-base-v2 "Paris is the [MASK] of France."
  albert info albert/albert-base-v2
  albert convert ./my-albert ./my-albert-tf --to tf

Run 'albert COMMAND --help' for the options and more examples of a command.
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``albert`` command."""
    parser = argparse.ArgumentParser(
        prog="albert",
        description="ALBERT for PyTorch, TensorFlow and JAX: run tasks, inspect checkpoints.",
        epilog=MAIN_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    register_run(sub)

    # `albert convert`: its arguments live with the converter (albert_conversion.cli imports
    # only argparse); the converter and any framework are imported when the command runs.
    from albert_conversion.cli import register as register_convert
    from albert_conversion.cli import register_verify

    register_convert(sub)
    register_verify(sub)

    # `albert train-tokenizer`, `prepare-pretraining-data`, `pretrain`: the trainers are
    # imported when the command runs.
    register_pretraining(sub)
    register_finetune(sub)
    return parser


def main(argv: Iterable[str] | None = None) -> int:
    """Entry point of the ``albert`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(None if argv is None else list(argv))
    try:
        return args.func(args)
    except (CliError, ValueError, FileNotFoundError, ImportError, KeyError) as err:
        message = err.args[0] if isinstance(err, KeyError) and err.args else err
        print(f"albert {args.command}: error: {one_line(message)}", file=sys.stderr)
        return 2
