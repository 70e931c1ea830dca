"""The ``albert`` command line. Subcommands import their backends only when they run.

:mod:`~albert_core.cli.app` builds the parser and dispatches; each command group lives in its
own module: :mod:`~albert_core.cli.run` (``run``, ``info``), :mod:`~albert_core.cli.pretraining`
(``train-tokenizer``, ``prepare-pretraining-data``, ``pretrain``) and ``albert_conversion.cli``
(``convert``, ``verify``).
"""

from __future__ import annotations

from albert_core.cli.app import build_parser, main

__all__ = ["build_parser", "main"]
