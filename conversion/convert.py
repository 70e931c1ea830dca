"""Convert ALBERT checkpoints: read any format -> canonical numpy -> write any format.

There are no pairwise converters. :func:`convert` runs the steps in order:

1. **open** the source (directory, weights file, TF1 checkpoint or hub id) into canonical
   arrays (:func:`albert_conversion.source.load_source`);
2. **plan** the head, dtype, formats and what is skipped, refusing anything that cannot be
   written (:func:`albert_conversion.plan.plan_conversion`);
3. **write** config, weights and tokenizer into a temporary directory next to the
   destination;
4. **verify** (optional) every written format against the source through each installed
   framework's :class:`~albert_core.backend.Backend` (:mod:`albert_conversion.verify`);
5. **rename** the temporary directory into place, so the destination appears only whole.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from albert_conversion import tf1
from albert_conversion.plan import (
    ConversionPlan,
    check_destination,
    check_requirements,
    local_root,
    parse_formats,
    plan_conversion,
    resolve_dtype,
)
from albert_conversion.source import ConversionError, load_source
from albert_core import checkpoints, schema
from albert_core.checkpoints.common import parse_size
from albert_core.config import AlbertConfig
from albert_core.io_utils import atomic_directory

#: Checkpoints at least this large get a progress bar when stderr is a terminal.
PROGRESS_MIN_BYTES = 100 * 10**6


# ------------------------------------------------------------------------------- result
@dataclasses.dataclass
class ConversionResult:
    """What :func:`convert` wrote."""

    source: str
    source_format: str
    destination: Path
    head: str
    formats: list[str]
    #: Files written into the destination (relative names).
    files: list[str]
    #: Distinct tensors per format (a tied tensor counts once).
    tensors: int
    #: Parameters (a tied tensor counts once).
    parameters: int
    #: Bytes of every file written.
    bytes: int
    dtype: str
    #: Source names that were not converted -> why.
    skipped: dict[str, str]
    #: Tokenizer files written (empty when the source has none).
    tokenizer_files: list[str]
    #: The verification, when asked for.
    verification: Any = None

    def summary(self) -> str:
        """A short human-readable account of the conversion."""
        lines = [
            f"converted {self.source} ({self.source_format}, head {self.head}) "
            f"-> {self.destination}",
            f"  formats:    {', '.join(self.formats)}",
            f"  tensors:    {self.tensors} written ({self.parameters:,} parameters, "
            f"{self.dtype})",
            f"  bytes:      {self.bytes:,} ({_human(self.bytes)}) in {len(self.files)} files",
        ]
        if self.tokenizer_files:
            lines.append(f"  tokenizer:  {', '.join(self.tokenizer_files)}")
        if self.skipped:
            lines.append(f"  skipped:    {len(self.skipped)} name(s)")
            by_reason: dict[str, list[str]] = {}
            for name, reason in self.skipped.items():
                by_reason.setdefault(reason, []).append(name)
            for reason, names in by_reason.items():
                lines.append(f"    {reason} ({len(names)}): {', '.join(names)}")
        else:
            lines.append("  skipped:    none")
        if self.verification is not None:
            lines.append(f"  verified:   {'ok' if self.verification.ok else 'FAILED'}")
        return "\n".join(lines)


def _human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000:
            return f"{n:.0f}{unit}" if unit == "B" else f"{n:.1f}{unit}"
        n /= 1000
    return f"{n:.1f}TB"


# ------------------------------------------------------------------------------ helpers
def _progress_factory(show: bool) -> Callable[..., Any]:
    def bar(iterable: Iterable[Any] | None = None, **kwargs: Any) -> Any:
        if not show:
            return iterable if iterable is not None else _NullBar()
        from tqdm.auto import tqdm

        return tqdm(iterable, file=sys.stderr, leave=False, **kwargs)

    return bar


class _NullBar:
    def update(self, n: int = 1) -> None:
        """Do nothing."""

    def set_description_str(self, text: str) -> None:
        """Do nothing."""

    def close(self) -> None:
        """Do nothing."""


def _source_size(src: str | os.PathLike[str]) -> int:
    path = Path(src).expanduser()
    try:
        if path.is_dir():
            return sum(p.stat().st_size for p in path.iterdir() if p.is_file())
        if path.is_file():
            return path.stat().st_size
    except OSError:
        return 0
    return 0


# ------------------------------------------------------------------------------ convert
def convert(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    *,
    to: str | Sequence[str] = "safetensors",
    head: str = "auto",
    config: AlbertConfig | str | os.PathLike[str] | None = None,
    dtype: str | None = None,
    shard_size: int | str | None = None,
    verify: bool = False,
    force: bool = False,
    src_format: str | None = None,
    revision: str | None = None,
    tokenizer: bool = True,
    progress: bool | None = None,
    log: Callable[[str], None] | None = None,
) -> ConversionResult:
    """Convert the checkpoint ``src`` into the directory ``dst``.

    Args:
        src: a directory (any of the four Hugging Face formats, or an original TF1
            checkpoint with its ``albert_config.json``), a weights file, a TF1 prefix
            (``dir/model.ckpt-1000``) or a hub id.
        dst: the directory to create. It gets ``config.json``, the weights in each format
            of ``to``, and the tokenizer files when ``src`` has ``spiece.model`` or
            ``tokenizer.json`` (``spiece.model``, ``tokenizer.json``,
            ``tokenizer_config.json``, ``special_tokens_map.json``).
        to: target formats, see :func:`parse_formats` (``"all"``: the four HF formats).
        head: ``"auto"`` (inferred from the tensors) or one of
            :data:`albert_core.schema.HEADS`; head weights a smaller head lacks are dropped
            and reported, a larger head's missing weights are an error.
        config: a config (object or file) replacing the source's own.
        dtype: ``"float32"``, ``"float16"`` or ``"bfloat16"``; None keeps the stored dtype.
        shard_size: split safetensors / pytorch weights into shards of at most this size
            (bytes or ``"2GB"``).
        verify: run source and converted models on a fixed random batch in every installed
            framework and fail above the tolerance (:mod:`albert_conversion.verify`).
        force: replace an existing ``dst`` (only once the new one is complete).
        src_format: which format to read when ``src`` holds several.
        revision: hub revision for hub ids.
        tokenizer: False skips the tokenizer files.
        progress: show progress bars (None: when the checkpoint is large and stderr is a
            terminal).
        log: called with progress messages and the verification table.

    Returns:
        A :class:`ConversionResult` (``.summary()`` for the text the CLI prints).

    Raises:
        ConversionError: refused (destination inside the source, exists without ``force``,
            unsupported dtype, a model the original TF1 layout cannot hold, ...).
        albert_core.schema.WeightsMismatchError: config and tensors disagree (every
            missing, unexpected or mis-shaped name listed).
        FileNotFoundError, albert_core.checkpoints.CheckpointError: missing or corrupt files.
        ImportError: a framework a format needs is missing (the extra to install named).
        albert_conversion.verify.VerificationError: ``verify`` found a difference.
    """
    say = log or (lambda message: None)
    formats = parse_formats(to)
    target_dtype = resolve_dtype(dtype)
    if shard_size is not None:
        parse_size(shard_size)
    if head != "auto":
        schema.head_spec(head)
    dst = Path(dst).expanduser()
    check_destination(dst, local_root(src), force=force)
    check_requirements(formats)
    terminal = sys.stderr is not None and sys.stderr.isatty()

    def bar_for(size: int) -> Callable[..., Any]:
        show = bool(progress) if progress is not None else (
            terminal and size >= PROGRESS_MIN_BYTES
        )
        return _progress_factory(show)

    bar = bar_for(_source_size(src))
    source = load_source(
        src,
        config=config,
        src_format=src_format,
        revision=revision,
        progress=lambda items: bar(items, desc="reading TF1 variables", unit="tensor"),
    )
    check_destination(dst, source.directory.resolve(), force=force)
    plan = plan_conversion(source, formats, head, target_dtype)
    distinct = plan.distinct
    bar = bar_for(sum(np.asarray(a).nbytes for a in distinct.values()))
    verification = None
    tokenizer_files: list[str] = []
    steps = bar(total=len(formats) + 2 + int(verify), desc="converting", unit="step")
    try:
        with atomic_directory(dst, overwrite=force) as tmp:
            _write(plan, tmp, shard_size, steps, say)
            if tokenizer and source.tokenizer is not None:
                steps.set_description_str("writing tokenizer")
                tokenizer_files = _write_tokenizer(source.tokenizer, tmp)
            steps.update()
            if verify:
                verification_module = importlib.import_module("albert_conversion.verify")
                steps.set_description_str("verifying")
                verification = verification_module.verify_conversion(
                    source, plan.aligned, plan.head, tmp, formats, log=say
                )
                steps.update()
                verification.raise_for_failure()
            files = sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file())
            size = sum((tmp / f).stat().st_size for f in files)
    finally:
        steps.close()
    return ConversionResult(
        source=source.name,
        source_format=source.format,
        destination=dst,
        head=plan.head,
        formats=formats,
        files=files,
        tensors=len(distinct),
        parameters=int(sum(np.asarray(a).size for a in distinct.values())),
        bytes=size,
        dtype=target_dtype.name if target_dtype is not None else _dtype_names(plan.arrays),
        skipped=plan.skipped,
        tokenizer_files=tokenizer_files,
        verification=verification,
    )


def _write(plan: ConversionPlan, directory: Path, shard_size: int | str | None, steps: Any,
           say: Callable[[str], None]) -> None:
    """Write ``plan``'s config and every format of it into ``directory``."""
    steps.set_description_str("writing config.json")
    plan.config.save_pretrained(directory)
    steps.update()
    for fmt in plan.formats:
        steps.set_description_str(f"writing {fmt}")
        say(f"writing {fmt} ...")
        if fmt == "tf1":
            tf1.write(directory, plan.arrays, plan.config, plan.head,
                      step=plan.source.global_step or 0, overwrite=True)  # fmt: skip
        else:
            checkpoints.write(directory, plan.arrays, plan.head, [fmt], overwrite=True,
                              shard_size=shard_size)  # fmt: skip
        steps.update()


def _dtype_names(arrays: Mapping[str, np.ndarray]) -> str:
    return ", ".join(sorted({np.asarray(a).dtype.name for a in arrays.values()}))


def _write_tokenizer(source: Path, directory: Path) -> list[str]:
    from albert_core.tokenizers import AlbertTokenizerFast

    try:
        tokenizer = AlbertTokenizerFast.from_pretrained(source)
        written = tokenizer.save_pretrained(directory)
    except (ValueError, OSError, RuntimeError, TypeError) as err:
        raise ConversionError(f"the tokenizer in {source} could not be converted: {err}") from err
    return sorted(Path(p).name for p in written)
