"""Convert ALBERT checkpoints: read any format -> canonical numpy -> write any format.

There are no pairwise converters. A source (a directory written by transformers or by us in
any of the four Hugging Face formats, a hub id, or an original google-research TF1
checkpoint) is read into ``{canonical name: np.ndarray}`` by
:func:`albert_core.checkpoints.read` or :func:`albert_conversion.tf1.read`, aligned with
the schema of the chosen head by :func:`albert_core.schema.check`, optionally cast, and
written by :func:`albert_core.checkpoints.write` / :func:`albert_conversion.tf1.write` into
a temporary directory that is renamed to the destination only when everything (tokenizer
files and the optional verification included) succeeded.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from albert_conversion import tf1
from albert_core import checkpoints, hub, schema
from albert_core.checkpoints import FORMATS, CheckpointError, detect_formats
from albert_core.checkpoints.common import parse_size
from albert_core.config import CONFIG_NAME, ORIGINAL_CONFIG_NAME, AlbertConfig
from albert_core.io_utils import atomic_directory

#: The four Hugging Face formats, in the order ``--to all`` writes them.
HF_FORMATS: tuple[str, ...] = tuple(FORMATS)
#: Every format a checkpoint can be converted to (``tf1``: the original google-research one).
TARGET_FORMATS: tuple[str, ...] = (*HF_FORMATS, "tf1")
#: Every format a checkpoint can be read from.
SOURCE_FORMATS: tuple[str, ...] = TARGET_FORMATS
#: Target dtypes of ``--dtype``.
DTYPES: tuple[str, ...] = ("float32", "float16", "bfloat16")
#: dtypes a checkpoint may store its weights in.
SOURCE_DTYPES: tuple[str, ...] = ("float16", "bfloat16", "float32", "float64")
#: Tokenizer files a source may have (``spiece.model`` or ``tokenizer.json`` is needed).
TOKENIZER_FILES: tuple[str, ...] = (
    "spiece.model", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
)  # fmt: skip
#: Checkpoints at least this large get a progress bar when stderr is a terminal.
PROGRESS_MIN_BYTES = 100 * 10**6

#: What each target format needs installed, and the extra that provides it.
_REQUIREMENTS = {
    "pytorch": ("torch", "torch"),
    "flax": ("flax.serialization", "flax"),
    "tf1": ("tensorflow", "tf"),
}


class ConversionError(ValueError):
    """A conversion was refused or failed; the message says why (and what to do)."""


# ------------------------------------------------------------------------------ arguments
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


# ------------------------------------------------------------------------------ sources
@dataclasses.dataclass
class SourceCheckpoint:
    """A checkpoint read into canonical numpy arrays, with what is needed to convert it."""

    #: The name or path as given.
    name: str
    #: The local directory holding it (the hub cache snapshot for hub ids).
    directory: Path
    #: Which of :data:`SOURCE_FORMATS` was read.
    format: str
    config: AlbertConfig
    #: Canonical names of the head the file was written for -> arrays (PyTorch layout).
    arrays: dict[str, np.ndarray]
    #: The head inferred from the tensors.
    head: str
    #: Names that were not converted -> why.
    skipped: dict[str, str] = dataclasses.field(default_factory=dict)
    #: A directory or model file to build the tokenizer from, when the source has one.
    tokenizer: Path | None = None
    #: ``global_step`` of a TF1 checkpoint.
    global_step: int | None = None
    #: The TF1 checkpoint prefix, for TF1 sources.
    tf1_prefix: Path | None = None


def _drop_original_only(config: AlbertConfig) -> AlbertConfig:
    for key, default in tf1.ORIGINAL_ONLY_KEYS.items():
        if config.extra.get(key, default) == default:
            config.extra.pop(key, None)
    return config


def _config_from(value: AlbertConfig | str | os.PathLike[str]) -> AlbertConfig:
    if isinstance(value, AlbertConfig):
        return value
    path = Path(value).expanduser()
    if path.is_dir():
        return _drop_original_only(AlbertConfig.from_pretrained(path))
    if not path.is_file():
        raise FileNotFoundError(f"no config file at {path}")
    return _drop_original_only(AlbertConfig.from_json_file(path))


def _tokenizer_source(directory: Path, *, tf1_checkpoint: bool = False) -> Path | None:
    if (directory / "spiece.model").is_file() or (directory / "tokenizer.json").is_file():
        return directory
    if tf1_checkpoint:  # released archives ship 30k-clean.model; TF-Hub modules in assets/
        for root in (directory, directory / "assets"):
            models = sorted(root.glob("*.model")) if root.is_dir() else []
            if len(models) == 1:
                return models[0]
    return None


def head_of(arrays: Mapping[str, np.ndarray], config: AlbertConfig) -> str:
    """The head a checkpoint was written for, from its tensors.

    :func:`albert_core.schema.infer_head` decides from the names; the ``architectures`` of
    the config break ties the names cannot (multiple choice and sequence classification
    store the same names), and any other head that matches the tensors exactly is preferred
    over a guess that does not.
    """
    by_names = schema.infer_head(arrays)
    candidates = []
    for arch in config.extra.get("architectures") or ():
        try:
            candidates.append(schema.head_from_class_name(arch))
        except ValueError:
            continue
    candidates.append(by_names)
    candidates += [h for h in schema.HEADS if h != "model"] + ["model"]
    for head in dict.fromkeys(candidates):
        _, report = schema.match(arrays, config, head)
        if report.ok and (head != "model" or by_names == "model"):
            return head
    return by_names


def _is_local(name: str) -> bool:
    return name.startswith(("/", ".", "~")) or os.sep in name.rstrip(os.sep) and (
        Path(name).expanduser().parent.exists()
    )


def load_source(
    src: str | os.PathLike[str],
    *,
    config: AlbertConfig | str | os.PathLike[str] | None = None,
    src_format: str | None = None,
    revision: str | None = None,
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
) -> SourceCheckpoint:
    """Read ``src`` (directory, weights file, TF1 prefix or hub id) into canonical arrays.

    ``config`` (an :class:`AlbertConfig` or a ``config.json`` / ``albert_config.json``
    path) replaces the source's own; ``src_format`` picks a format when the directory holds
    several (default: safetensors, pytorch, tf, flax, then tf1).

    Raises:
        FileNotFoundError: nothing at ``src``, no weights, or no config (named).
        CheckpointError / ValueError: corrupt files, unknown tensor names (listed).
    """
    if src_format is not None and src_format not in SOURCE_FORMATS:
        raise ConversionError(
            f"unknown source format {src_format!r}; choose one of {', '.join(SOURCE_FORMATS)}"
        )
    name = str(src)
    path = Path(name).expanduser()
    given = _config_from(config) if config is not None else None
    weights: Path | None = None
    if path.is_dir():
        directory = path
        present = detect_formats(path)
        if tf1.is_checkpoint(path):
            present.append("tf1")
        if not present:
            raise FileNotFoundError(
                f"{path}: no checkpoint found (looked for "
                f"{', '.join(f for f, _, _ in FORMATS.values())} and TF1 model.ckpt-*.index)"
            )
        if src_format is not None and src_format not in present:
            raise FileNotFoundError(
                f"{path}: no {src_format} checkpoint here (found {', '.join(present)})"
            )
        fmt = src_format or present[0]
    elif path.is_file() or tf1.is_checkpoint(path):
        directory = path.parent
        if tf1.is_checkpoint(path):
            fmt = "tf1"
        else:
            try:
                fmt = checkpoints.format_of_file(path)
            except CheckpointError:
                raise CheckpointError(
                    f"{path}: not a checkpoint file (expected a directory, a weights file "
                    f"such as model.safetensors, or a TF1 model.ckpt-* prefix)"
                ) from None
            weights = path
        if src_format is not None and src_format != fmt:
            raise ConversionError(f"{path} is a {fmt} checkpoint, not {src_format}")
    elif _is_local(name):
        raise FileNotFoundError(f"no such file or directory: {path}")
    else:
        hf_format = src_format if src_format in HF_FORMATS else None
        directory = checkpoints.resolve_directory(name, revision=revision, fmt=hf_format)
        present = detect_formats(directory)
        if not present:
            raise FileNotFoundError(f"{name}: the hub repository has no weights file we read")
        fmt = hf_format or present[0]
        if _tokenizer_source(directory) is None:
            try:
                directory = hub.resolve(name, revision=revision, files=TOKENIZER_FILES)
            except FileNotFoundError:
                pass
    if fmt == "tf1":
        return _load_tf1(name, path, given, progress)
    cfg = given or _drop_original_only(AlbertConfig.from_pretrained(directory))
    arrays = checkpoints.read(weights or directory, fmt)
    _check_dtypes(arrays, f"{weights or directory} ({fmt})")
    return SourceCheckpoint(
        name=name,
        directory=directory,
        format=fmt,
        config=cfg,
        arrays=arrays,
        head=head_of(arrays, cfg),
        tokenizer=_tokenizer_source(directory),
    )


def _load_tf1(
    name: str,
    path: Path,
    given: AlbertConfig | None,
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None,
) -> SourceCheckpoint:
    prefix = tf1.find_checkpoint(path)
    if given is None:
        found = tf1.find_config(prefix)
        if found is None and (prefix.parent / CONFIG_NAME).is_file():
            found = prefix.parent / CONFIG_NAME
        if found is None:
            raise FileNotFoundError(
                f"TF1 checkpoint {prefix} has no {ORIGINAL_CONFIG_NAME} next to it; put the "
                f"model's {ORIGINAL_CONFIG_NAME} there or pass --config"
            )
        config = _config_from(found)
        if not _has_labels(found):
            # albert_config.json has no labels: their number is that of a fine-tuned
            # classifier's output_weights rows.
            variables = tf1.list_variables(prefix)
            for key in ("output_weights", tf1.HUB_PREFIX + "output_weights"):
                shape = variables.get(key, ((),))[0]
                if len(shape) == 2 and shape[0] != config.num_labels:
                    labels = {i: f"LABEL_{i}" for i in range(shape[0])}
                    config = config.copy(id2label=labels, label2id=None)
    else:
        config = given
    checkpoint = tf1.read(prefix, config, progress=progress)
    _check_dtypes(checkpoint.arrays, str(prefix))
    return SourceCheckpoint(
        name=name,
        directory=tf1.checkpoint_root(prefix),
        format="tf1",
        config=config,
        arrays=checkpoint.arrays,
        head=checkpoint.head,
        skipped=dict(checkpoint.skipped),
        tokenizer=_tokenizer_source(tf1.checkpoint_root(prefix), tf1_checkpoint=True),
        global_step=checkpoint.global_step,
        tf1_prefix=prefix,
    )


def _has_labels(config_file: Path) -> bool:
    try:
        data = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and ("id2label" in data or "num_labels" in data)


def _check_dtypes(arrays: Mapping[str, np.ndarray], source: str) -> None:
    bad = [f"{n} ({np.asarray(a).dtype})" for n, a in arrays.items()
           if np.asarray(a).dtype.name not in SOURCE_DTYPES]  # fmt: skip
    if bad:
        raise ConversionError(
            f"{source}: unsupported dtype for {len(bad)} tensor(s): {', '.join(bad)}; "
            f"weights must be one of {', '.join(SOURCE_DTYPES)}"
        )


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
def _local_root(src: str | os.PathLike[str]) -> Path | None:
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


def _distinct(arrays: Mapping[str, np.ndarray], head: str) -> dict[str, np.ndarray]:
    """``arrays`` without the tied copies (which are the same parameter)."""
    ties = schema.possible_ties(head)
    return {
        name: a for name, a in arrays.items()
        if not (name in ties and ties[name] in arrays
                and np.array_equal(np.asarray(a), np.asarray(arrays[ties[name]])))
    }  # fmt: skip


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
    check_destination(dst, _local_root(src), force=force)
    check_requirements(formats)
    terminal = sys.stderr is not None and sys.stderr.isatty()

    def wanted(size: int) -> bool:
        return bool(progress) if progress is not None else terminal and size >= PROGRESS_MIN_BYTES

    bar = _progress_factory(wanted(_source_size(src)))

    source = load_source(
        src,
        config=config,
        src_format=src_format,
        revision=revision,
        progress=lambda items: bar(items, desc="reading TF1 variables", unit="tensor"),
    )
    check_destination(dst, source.directory.resolve(), force=force)
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
    arrays = _cast(aligned, target_dtype)
    config = source.config
    changes: dict[str, Any] = {"architectures": [schema.head_spec(chosen).pt_class]}
    if target_dtype is not None:
        changes["dtype"] = target_dtype.name
        if "torch_dtype" in config.extra:
            changes["torch_dtype"] = target_dtype.name
    config = config.copy(**changes)
    if "tf1" in formats:
        problems = tf1.compatibility_problems(arrays, config, chosen)
        if problems:
            raise tf1.TF1CompatibilityError(
                "this model cannot be written as an original TF1 ALBERT checkpoint:\n- "
                + "\n- ".join(problems)
            )
    distinct = _distinct(arrays, chosen)
    bar = _progress_factory(wanted(sum(np.asarray(a).nbytes for a in distinct.values())))
    verification = None
    tokenizer_files: list[str] = []
    steps = bar(total=len(formats) + 2 + int(verify), desc="converting", unit="step")
    try:
        with atomic_directory(dst, overwrite=force) as tmp:
            steps.set_description_str("writing config.json")
            config.save_pretrained(tmp)
            steps.update()
            for fmt in formats:
                steps.set_description_str(f"writing {fmt}")
                say(f"writing {fmt} ...")
                if fmt == "tf1":
                    tf1.write(tmp, arrays, config, chosen, step=source.global_step or 0,
                              overwrite=True)  # fmt: skip
                else:
                    checkpoints.write(tmp, arrays, chosen, [fmt], overwrite=True,
                                      shard_size=shard_size)  # fmt: skip
                steps.update()
            if tokenizer and source.tokenizer is not None:
                steps.set_description_str("writing tokenizer")
                tokenizer_files = _write_tokenizer(source.tokenizer, tmp)
            steps.update()
            if verify:
                verification_module = importlib.import_module("albert_conversion.verify")
                steps.set_description_str("verifying")
                verification = verification_module.verify_conversion(
                    source, aligned, chosen, tmp, formats, log=say
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
        head=chosen,
        formats=formats,
        files=files,
        tensors=len(distinct),
        parameters=int(sum(np.asarray(a).size for a in distinct.values())),
        bytes=size,
        dtype=target_dtype.name if target_dtype is not None else _dtype_names(arrays),
        skipped=skipped,
        tokenizer_files=tokenizer_files,
        verification=verification,
    )


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
