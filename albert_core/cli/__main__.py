"""``python -m albert_core.cli``: the ``albert`` command."""

import sys

from albert_core.cli.app import main

if __name__ == "__main__":
    sys.exit(main())
