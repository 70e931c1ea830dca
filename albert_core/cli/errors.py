"""How the ``albert`` command reports errors: one line on stderr, exit status 2."""

from __future__ import annotations

import argparse


class CliError(Exception):
    """An error reported as one line on stderr with exit status 2."""


def one_line(message: object) -> str:
    """An error message on one line (multi-line messages are joined with '; ')."""
    return "; ".join(line.strip() for line in str(message).splitlines() if line.strip())


def positive_int(value: str) -> int:
    """An argparse ``type``: an integer of at least 1 (argparse reports anything else)."""
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return number
