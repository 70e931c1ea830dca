"""Checkpoint conversion between every ALBERT format (imported as ``albert_conversion``).

Hub and spoke: any format is read into canonical numpy arrays (:mod:`albert_core.schema`)
and written in any other; nothing converts one format into another directly. Besides the
four Hugging Face formats (:mod:`albert_core.checkpoints`) this package reads and writes
original google-research TF1 checkpoints (:mod:`albert_conversion.tf1`)::

    from albert_conversion import convert, verify
    result = convert("albert_base/", "albert-base-hf", to=["safetensors", "pytorch"],
                     verify=True)
    print(result.summary())
    verify("albert-base-hf").raise_for_failure()

The command line is ``albert convert`` (or ``python -m albert_conversion``). Frameworks
(torch, tensorflow, jax) are imported only when a format or a verification needs them.
"""

from __future__ import annotations

from albert_conversion.convert import ConversionResult, convert
from albert_conversion.plan import DTYPES, TARGET_FORMATS
from albert_conversion.source import ConversionError, SourceCheckpoint, load_source
from albert_conversion.tf1 import TF1CompatibilityError
from albert_conversion.verify import VerificationError, VerifyReport, verify

# The functions ``convert`` and ``verify`` share their names with the submodules that define
# them; the imports above bind the functions. Reach the modules with
# ``importlib.import_module("albert_conversion.verify")``.

__all__ = [
    "DTYPES",
    "TARGET_FORMATS",
    "ConversionError",
    "ConversionResult",
    "SourceCheckpoint",
    "TF1CompatibilityError",
    "VerificationError",
    "VerifyReport",
    "convert",
    "load_source",
    "verify",
]
