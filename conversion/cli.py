"""Command line of the converter: ``albert convert`` and ``python -m albert_conversion``.

This module imports only argparse at import time, so ``albert_core.cli`` can register the
subcommand cheaply; the converter (and any framework) is imported when the command runs.
Exit status: 0 success, 1 verification failed, 2 bad input or failed conversion, 130
interrupted. Nothing is left at DST unless the conversion succeeded.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

CONVERT_DESCRIPTION = """\
Convert an ALBERT checkpoint to other formats through the canonical schema (read any
format into numpy, write any format). SRC is a directory written by transformers or by
albert (model.safetensors, pytorch_model.bin, tf_model.h5 or flax_model.msgpack), a hub id,
or an original google-research TF1 checkpoint (model.ckpt-* files with albert_config.json;
optimizer slots are skipped and reported). DST is created with config.json, the requested
formats and, when SRC has spiece.model or tokenizer.json, the tokenizer files. DST appears
only when everything succeeded; an existing DST is replaced only with --force."""

CONVERT_EXAMPLES = """\
formats (--to, comma-separated or repeated):
  safetensors  model.safetensors (default)      pytorch  pytorch_model.bin
  tf           tf_model.h5 (Keras/transformers)  flax     flax_model.msgpack
  tf1          original TF1 model.ckpt-* + albert_config.json
  all          the four Hugging Face formats (tf1 must be named)

examples:
  # an original release (albert_base/ holds model.ckpt-best.*, albert_config.json,
  # 30k-clean.model) to every Hugging Face format, checked in each framework
  albert convert albert_base/ albert-base-hf --to all --verify

  # a transformers PyTorch checkpoint to Keras and Flax, as bfloat16
  albert convert ./my-albert ./my-albert-tf --to tf,flax --dtype bfloat16

  # a hub model to sharded safetensors, keeping only the backbone
  albert convert albert/albert-base-v2 out --head model --shard-size 100MB

  # back to an original TF1 checkpoint that google-research code restores
  albert convert ./albert-base-hf ./albert-base-tf1 --to tf1 --verify

exit status: 0 converted, 1 --verify found a difference, 2 bad input or failed
conversion, 130 interrupted (nothing is left at DST unless the conversion succeeded)."""

VERIFY_EXAMPLES = """\
examples:
  albert verify ./albert-base-hf               # every format in every installed framework
  albert verify albert_base/ ./albert-base-hf  # a conversion: SRC against every DST format
"""


def add_convert_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``convert`` arguments to ``parser``; returns it."""
    heads = ["auto", "model", "pretraining", "masked-lm", "sequence-classification",
             "token-classification", "question-answering", "multiple-choice"]  # fmt: skip
    parser.add_argument("src", metavar="SRC", help="checkpoint directory, weights file, "
                        "TF1 prefix (dir/model.ckpt-1000) or hub id")  # fmt: skip
    parser.add_argument("dst", metavar="DST", help="directory to create")
    parser.add_argument("--to", action="append", metavar="FORMATS",
                        help="target formats: safetensors, pytorch, tf, flax, tf1 or all "
                        "(comma-separated or repeated; default safetensors)")  # fmt: skip
    parser.add_argument("--head", default="auto", choices=heads,
                        help="model head to write (default auto: inferred from the tensors)")
    parser.add_argument("--config", metavar="CONFIG",
                        help="config.json or albert_config.json to use instead of SRC's")
    parser.add_argument("--dtype", choices=["float32", "float16", "bfloat16"],
                        help="cast the weights (default: keep the stored dtype)")
    parser.add_argument("--shard-size", dest="shard_size", metavar="SIZE",
                        help="split safetensors/pytorch weights into shards of at most SIZE "
                        "(e.g. 2GB, 500MiB)")  # fmt: skip
    parser.add_argument("--verify", action="store_true",
                        help="run SRC and every written format on a fixed random batch in the "
                        "installed frameworks; fail above 1e-5 (float32)")  # fmt: skip
    parser.add_argument("--force", action="store_true", help="replace an existing DST")
    parser.add_argument("--from", dest="src_format",
                        choices=["safetensors", "pytorch", "tf", "flax", "tf1"],
                        help="format to read when SRC holds several")
    parser.add_argument("--revision", help="hub revision (branch, tag or commit) for hub ids")
    parser.add_argument("--no-tokenizer", dest="tokenizer", action="store_false",
                        help="do not write tokenizer files")
    progress = parser.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_true", default=None,
                          help="always show progress bars (default: for large checkpoints "
                          "on a terminal)")  # fmt: skip
    progress.add_argument("--no-progress", dest="progress", action="store_false",
                          help="never show progress bars")
    return parser


def add_verify_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``verify`` arguments to ``parser``; returns it."""
    parser.add_argument("checkpoint", metavar="CHECKPOINT", help="directory or hub id")
    parser.add_argument("dst", metavar="DST", nargs="?",
                        help="a conversion of CHECKPOINT to compare with it")
    parser.add_argument("--head", default="auto", help="head to build (default auto)")
    parser.add_argument("--config", metavar="CONFIG", help="config file to use")
    parser.add_argument("--revision", help="hub revision for hub ids")
    parser.add_argument("--tolerance", type=float,
                        help="max abs difference allowed (default by dtype, 1e-5 float32)")
    return parser


def _register(subparsers: Any, name: str, add_arguments: Callable[..., Any],
              run: Callable[[argparse.Namespace], int], **options: Any) -> argparse.ArgumentParser:
    """Add the subcommand ``name`` (``options`` go to ``add_parser``) running ``run``."""
    parser = subparsers.add_parser(
        name, formatter_class=argparse.RawDescriptionHelpFormatter, **options
    )
    add_arguments(parser)
    parser.set_defaults(func=run)
    return parser


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``convert`` on the ``albert`` command's subparsers; returns its parser."""
    return _register(
        subparsers, "convert", add_convert_arguments, run_convert,
        help="convert a checkpoint between formats (original TF1 included)",
        description=CONVERT_DESCRIPTION, epilog=CONVERT_EXAMPLES,
    )


def register_verify(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``verify`` on the ``albert`` command's subparsers; returns its parser."""
    return _register(
        subparsers, "verify", add_verify_arguments, run_verify,
        help="check that every format of a checkpoint computes the same outputs",
        epilog=VERIFY_EXAMPLES,
    )


def build_parser(prog: str = "python -m albert_conversion") -> argparse.ArgumentParser:
    """The stand-alone parser of ``python -m albert_conversion`` (same as ``albert convert``)."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description=CONVERT_DESCRIPTION,
        epilog=CONVERT_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return add_convert_arguments(parser)


def _error(command: str, message: Any) -> None:
    print(f"albert {command}: error: {message}", file=sys.stderr)


def run_convert(args: argparse.Namespace) -> int:
    """Run a conversion for parsed ``args``; print the summary; return the exit status."""
    from albert_conversion.convert import convert
    from albert_conversion.verify import VerificationError
    from albert_core.schema import WeightsMismatchError

    def log(message: str) -> None:
        print(message, flush=True)

    try:
        result = convert(
            args.src,
            args.dst,
            to=args.to or ["safetensors"],
            head=args.head,
            config=args.config,
            dtype=args.dtype,
            shard_size=args.shard_size,
            verify=args.verify,
            force=args.force,
            src_format=args.src_format,
            revision=args.revision,
            tokenizer=args.tokenizer,
            progress=args.progress,
            log=log,
        )
    except VerificationError:
        _error("convert", f"verification failed (the table above); nothing was written to "
               f"{args.dst}")  # fmt: skip
        return 1
    except KeyboardInterrupt:
        _error("convert", f"interrupted; nothing was written to {args.dst}")
        return 130
    except WeightsMismatchError as err:
        _error("convert", f"{err}\n(pass --config with the right config, or --head)")
        return 2
    except (ValueError, OSError, ImportError, KeyError) as err:
        message = err.args[0] if isinstance(err, KeyError) and err.args else err
        _error("convert", message)
        return 2
    print(result.summary())
    return 0


def run_verify(args: argparse.Namespace) -> int:
    """Run ``albert verify`` for parsed ``args``; print the table; return the exit status."""
    from albert_conversion.verify import verify

    try:
        report = verify(args.checkpoint, args.dst, head=args.head, config=args.config,
                        revision=args.revision, tolerance=args.tolerance)  # fmt: skip
    except KeyboardInterrupt:
        _error("verify", "interrupted")
        return 130
    except (ValueError, OSError, ImportError, KeyError) as err:
        _error("verify", err)
        return 2
    print(report.table())
    print("verification " + ("passed" if report.ok else "FAILED"))
    return 0 if report.ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m albert_conversion``; returns the exit status."""
    args = build_parser().parse_args(None if argv is None else list(argv))
    return run_convert(args)
