"""``python -m albert_conversion SRC DST [options]``: the same as ``albert convert``."""

from __future__ import annotations

import sys

from albert_conversion.cli import main

if __name__ == "__main__":
    sys.exit(main())
