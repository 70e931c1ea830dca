"""Step two of a conversion: plan what to write before anything is written.

:func:`plan_conversion` turns a :class:`~albert_conversion.source.SourceCheckpoint` and the
user's choices into a :class:`ConversionPlan`: the head, the target formats, the arrays
aligned with that head's schema and cast to the target dtype, the config to save (finalised
as every ``save_pretrained`` finalises it), and every source tensor that is left out with
the reason. All refusals (unknown format or dtype, a missing framework, a destination that
would overwrite or swallow the source, a model TF1 cannot hold) happen here.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from albert_conversion import tf1
from albert_conversion.source import ConversionError, SourceCheckpoint
from albert_core import checkpoints, schema
from albert_core.checkpoints import FORMATS
from albert_core.config import AlbertConfig

#: The four Hugging Face formats, in the order ``--to all`` writes them.
HF_FORMATS: tuple[str, ...] = tuple(FORMATS)
#: Every format a checkpoint can be converted to (``tf1``: the original google-research one).
TARGET_FORMATS: tuple[str, ...] = (*HF_FORMATS, "tf1")
#: Target dtypes of ``--dtype``.
DTYPES: tuple[str, ...] = ("float32", "float16", "bfloat16")

#: What each target format needs installed, and the extra that provides it.
_REQUIREMENTS = {
    "pytorch": ("torch", "torch"),
    "flax": ("flax.serialization", "flax"),
    "tf1": ("tensorflow", "tf"),
}


def parse_formats(to: str | Iterable[str]) -> list[str]:
    """Target formats from ``"safetensors"``, ``"tf,flax"``, ``["pytorch", "tf1"]`` or ``"all"``.

    ``all`` is the four Hugging Face formats; ``tf1`` must be named (it needs TensorFlow and
    cannot hold every model).
    """
    items = [to] if isinstance(to, str) else list(to)
    formats: list[str] = []
    for item in items:
        for part in str(item).split(","):
            part = part.strip().lower()
            if not part:
                continue
            chosen = list(HF_FORMATS) if part == "all" else [part]
            for fmt in chosen:
                if fmt not in TARGET_FORMATS:
                    raise ConversionError(
                        f"unknown target format {fmt!r}; choose from "
                        f"{', '.join(TARGET_FORMATS)} or all"
                    )
                if fmt not in formats:
                    formats.append(fmt)
    if not formats:
        raise ConversionError("no target format given")
    return formats


def resolve_dtype(dtype: str | np.dtype | None) -> np.dtype | None:
    """The numpy dtype for ``--dtype`` (``bfloat16`` via ``ml_dtypes``), or None to keep."""
    if dtype is None:
        return None
    name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype.strip().lower()
    if name not in DTYPES:
        raise ConversionError(f"unsupported dtype {dtype!r}; choose one of {', '.join(DTYPES)}")
    if name == "bfloat16":
        try:
            import ml_dtypes
        except ImportError as err:
            raise ImportError(
                "bfloat16 needs the ml_dtypes package (pip install ml_dtypes)"
            ) from err
        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(name)


def check_requirements(formats: Iterable[str]) -> None:
    """Raise ImportError naming the extra to install when a target format cannot be written."""
    for fmt in formats:
        if fmt in _REQUIREMENTS:
            module, extra = _REQUIREMENTS[fmt]
            try:
                importlib.import_module(module)
            except ImportError as err:
                raise ImportError(
                    f"writing {fmt} needs {module.split('.')[0]}: "
                    f"pip install 'albert-models[{extra}]'"
                ) from err


def local_root(src: str | os.PathLike[str]) -> Path | None:
    """The local directory ``src`` lives in (None for a hub id)."""
    path = Path(src).expanduser()
    if path.is_dir():
        return path.resolve()
    if path.is_file() or tf1.is_checkpoint(path):
        return path.resolve().parent
    return None


def check_destination(dst: Path, source_root: Path | None, *, force: bool) -> None:
    """Refuse a destination inside the source, one holding the source, or an existing one."""
    target = dst.expanduser().resolve()
    if source_root is not None:
        if target == source_root or source_root in target.parents:
            raise ConversionError(
                f"destination {dst} is inside the source {source_root}; choose a directory "
                "outside it"
            )
        if target in source_root.parents:
            raise ConversionError(
                f"destination {dst} contains the source {source_root}; replacing it would "
                "delete the source"
            )
    if dst.exists() and not dst.is_dir():
        raise ConversionError(f"destination {dst} exists and is not a directory")
    if dst.exists() and not force:
        raise FileExistsError(f"destination {dst} already exists; pass --force to replace it")


def _cast(arrays: Mapping[str, np.ndarray], dtype: np.dtype | None) -> dict[str, np.ndarray]:
    """``arrays`` in ``dtype``; tensors that were one object stay one object."""
    if dtype is None:
        return dict(arrays)
    done: dict[int, np.ndarray] = {}
    out = {}
    for name, array in arrays.items():
        key = id(array)
        if key not in done:
            value = np.asarray(array)
            done[key] = value if value.dtype == dtype else value.astype(dtype)
        out[name] = done[key]
    return out


@dataclasses.dataclass
class ConversionPlan:
    """Everything a conversion writes, decided before writing."""

    source: SourceCheckpoint
    head: str
    formats: list[str]
    #: The target dtype; None keeps the stored one.
    dtype: np.dtype | None
    #: Canonical names of ``head`` -> arrays as they are written.
    arrays: dict[str, np.ndarray]
    #: The same before the cast (what verification compares against).
    aligned: dict[str, np.ndarray]
    #: The config saved with the weights.
    config: AlbertConfig
    #: Source names that are not converted -> why.
    skipped: dict[str, str]

    @property
    def distinct(self) -> dict[str, np.ndarray]:
        """:attr:`arrays` without the tied copies (which are the same parameter)."""
        ties = schema.possible_ties(self.head)
        arrays = self.arrays
        return {
            name: a for name, a in arrays.items()
            if not (name in ties and ties[name] in arrays
                    and np.array_equal(np.asarray(a), np.asarray(arrays[ties[name]])))
        }  # fmt: skip


def plan_conversion(
    source: SourceCheckpoint, formats: list[str], head: str, dtype: np.dtype | None
) -> ConversionPlan:
    """Align ``source`` with ``head`` (``"auto"``: the inferred one), cast it to ``dtype``
    and check that every format of ``formats`` can hold it.

    Raises:
        albert_core.schema.WeightsMismatchError: the tensors do not fit the head (listed).
        albert_conversion.tf1.TF1CompatibilityError: ``tf1`` cannot hold this model.
    """
    chosen = source.head if head == "auto" else head
    aligned, report = schema.check(
        source.arrays, source.config, chosen, source=f"{source.name} ({source.format})"
    )
    skipped = dict(source.skipped)
    for name in report.ignored:
        skipped[name] = (
            "buffer, not a weight" if name in schema.IGNORED_NAMES
            else f"not a weight of the {chosen!r} head"
        )  # fmt: skip
    arrays = _cast(aligned, dtype)
    config = checkpoints.finalize_config(source.config, chosen, arrays)
    if "tf1" in formats:
        problems = tf1.compatibility_problems(arrays, config, chosen)
        if problems:
            raise tf1.TF1CompatibilityError(
                "this model cannot be written as an original TF1 ALBERT checkpoint:\n- "
                + "\n- ".join(problems)
            )
    return ConversionPlan(source, chosen, formats, dtype, arrays, aligned, config, skipped)
