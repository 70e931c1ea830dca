"""What the four checkpoint formats share: the error type, dtypes, ties and sharding.

Sharding follows transformers (huggingface_hub): ``model-00001-of-0000N.safetensors`` (or
``pytorch_model-…bin``) shards listed by an ``.index.json``; the helpers here parse sizes, plan
the shards, read an index and write a shard set all or nothing.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from albert_core import schema
from albert_core.io_utils import atomic_path, check_writable


class CheckpointError(ValueError):
    """A checkpoint file is missing, corrupt or not an ALBERT checkpoint."""


_SHARD_SUFFIX = re.compile(r"-\d{5}-of-\d{5}")
_SIZE = re.compile(r"\s*(\d+)\s*([KMGT]I?B)?\s*", re.IGNORECASE)
_UNITS = {"KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}


# ------------------------------------------------------------------------------- helpers
def parse_size(size: int | str) -> int:
    """A size in bytes from an int or a string such as ``"2GB"``, ``"500MiB"`` or ``"10Gb"``.

    Units follow transformers' ``convert_file_size_to_int``: ``KB``/``MB``/``GB``/``TB`` are
    powers of ten, ``KiB``/``MiB``/``GiB``/``TiB`` powers of two, and a lower-case final
    ``b`` (``"10Gb"``) means bits. A bare number is bytes.
    """
    if isinstance(size, bool) or not isinstance(size, (int, str)):
        raise TypeError(f"shard size must be an int or a string like '2GB', got {size!r}")
    if isinstance(size, int):
        value = size
    else:
        found = _SIZE.fullmatch(size)
        if not found:
            raise ValueError(
                f"cannot parse shard size {size!r}; use e.g. 2000000000, '2GB' or '500MiB'"
            )
        number, unit = int(found.group(1)), found.group(2)
        if unit is None:
            value = number
        elif unit[1:2].upper() == "I":
            value = number * 2 ** (10 * ("KMGT".index(unit[0].upper()) + 1))
        else:
            value = number * _UNITS[unit.upper()]
            if unit.endswith("b"):
                value //= 8
    if value <= 0:
        raise ValueError(f"shard size must be positive, got {size!r}")
    return value


def ml_dtypes_type(name: str, path: str | os.PathLike[str]) -> np.dtype:
    """The numpy dtype ``ml_dtypes.<name>`` (e.g. ``bfloat16``), or a clear ImportError."""
    try:
        module = importlib.import_module("ml_dtypes")
    except ImportError as err:
        raise ImportError(
            f"{path} stores {name} tensors; numpy needs the `ml_dtypes` package to hold them "
            "(pip install ml_dtypes)"
        ) from err
    return np.dtype(getattr(module, name))


def index_path_of(path: str | os.PathLike[str]) -> Path:
    """The index file of a sharded checkpoint whose single-file name is ``path``."""
    path = Path(path)
    return path.with_name(path.name + ".index.json")


def shard_path_of(path: str | os.PathLike[str], number: int, count: int) -> Path:
    """Shard ``number`` (1-based) of ``count``: ``model-00001-of-00002.safetensors``."""
    path = Path(path)
    return path.with_name(f"{path.stem}-{number:05d}-of-{count:05d}{path.suffix}")


def is_shard_of(candidate: Path, path: Path) -> bool:
    """Whether ``candidate`` is named like a shard of the single-file checkpoint ``path``."""
    name = candidate.name
    if not (name.startswith(path.stem) and name.endswith(path.suffix)):
        return False
    middle = name[len(path.stem) : len(name) - len(path.suffix)]
    return _SHARD_SUFFIX.fullmatch(middle) is not None


def tied_in(arrays: Mapping[str, np.ndarray], head: str) -> dict[str, str]:
    """``{tied name: source}`` for the ties of ``head`` that ``arrays`` honour.

    A tie is in force when both arrays are present and identical (the same object or equal
    shape, dtype and values): such a name is one parameter stored under two names.
    """
    tied = {}
    for name, source in schema.possible_ties(head).items():
        if name in arrays and source in arrays and same_array(arrays[name], arrays[source]):
            tied[name] = source
    return tied


def same_array(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two arrays are the same tensor: same object, or same shape, dtype and bits."""
    if a is b:
        return True
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def warn_unsharded(path: Path, nbytes: int, shard_size: int | str | None, filename: str) -> None:
    """Warn that ``path`` is larger than ``shard_size``: format ``filename`` is one file.

    The single-file formats (``tf_model.h5``, ``flax_model.msgpack``) accept ``shard_size``
    for symmetry with the sharded ones.
    """
    if shard_size is not None and nbytes > parse_size(shard_size):
        warnings.warn(
            f"{path.name} is written as one file of {nbytes} bytes: sharded {filename} "
            "is not supported",
            stacklevel=3,
        )


# ------------------------------------------------------------------------------ sharding
@dataclass
class ShardPlan:
    """Which names go to which file, as transformers (huggingface_hub) splits a state dict."""

    files: dict[Path, list[str]]
    total_size: int
    total_parameters: int
    weight_map: dict[str, str] = field(default_factory=dict)

    @property
    def sharded(self) -> bool:
        """True when more than one file is written (and an index next to them)."""
        return len(self.files) > 1


def plan_shards(
    sizes: Mapping[str, tuple[int, int]],
    path: Path,
    max_size: int | str | None,
    shared: Mapping[str, str] | None = None,
) -> ShardPlan:
    """Split tensors of ``sizes`` (``{name: (bytes, elements)}``) into shards, in order.

    Mirrors ``huggingface_hub.split_state_dict_into_shards_factory`` (what transformers
    4.57 uses): a tensor larger than ``max_size`` bytes gets a shard of its own, otherwise a
    new shard starts when the next tensor would overflow the current one. Names in ``shared``
    (stored sharing their source's storage) go with their source and are not counted.
    """
    shared = dict(shared or {})
    limit = None if max_size is None else parse_size(max_size)
    shards: list[list[str]] = []
    current: list[str] = []
    current_size = total_size = total_parameters = 0
    for name, (size, elements) in sizes.items():
        if name in shared:
            continue
        total_size += size
        total_parameters += elements
        if limit is not None and size > limit:
            shards.append([name])
            continue
        if limit is not None and current and current_size + size > limit:
            shards.append(current)
            current, current_size = [], 0
        current.append(name)
        current_size += size
    if current or not shards:
        shards.append(current)
    for name, source in shared.items():
        if name in sizes:
            next(shard for shard in shards if source in shard).append(name)
    position = {name: i for i, name in enumerate(sizes)}
    shards = [sorted(shard, key=position.__getitem__) for shard in shards]
    if len(shards) == 1:
        files = {path: shards[0]}
    else:
        files = {shard_path_of(path, i + 1, len(shards)): names for i, names in enumerate(shards)}
    weight_map = {name: file.name for file, names in files.items() for name in names}
    return ShardPlan(files, total_size, total_parameters, weight_map)


def write_planned(
    path: Path,
    plan: ShardPlan,
    save: Callable[[Path, Path, list[str]], None],
    *,
    overwrite: bool,
) -> list[Path]:
    """Write every file of ``plan`` (and the index when sharded), all or nothing.

    ``save(temporary_path, final_path, names)`` writes one file to ``temporary_path``. Every
    file is first written to a temporary path; only when all succeeded are they renamed into
    place, the index last, so a reader never sees an index whose shards are incomplete.
    Afterwards stale files of the other layout (the single file, an old index, shards of an
    older split) are removed.
    With ``overwrite`` off, any existing file of either layout raises FileExistsError.
    """
    index = index_path_of(path)
    stale = [index, path, *(p for p in path.parent.glob(f"{path.stem}-*{path.suffix}"))]
    stale = [p for p in stale if p.is_file() and (p in (index, path) or is_shard_of(p, path))]
    if not overwrite:
        for existing in stale:
            check_writable(existing, overwrite=False)
    written = list(plan.files)
    with contextlib.ExitStack() as stack:
        # Entered first, renamed last: the index appears only once every shard is in place.
        index_tmp = None
        if plan.sharded:
            index_tmp = stack.enter_context(atomic_path(index, overwrite=True))
        for target, names in plan.files.items():
            save(stack.enter_context(atomic_path(target, overwrite=overwrite)), target, names)
        if index_tmp is not None:
            payload = {
                "metadata": {
                    "total_parameters": plan.total_parameters,
                    "total_size": plan.total_size,
                },
                "weight_map": dict(sorted(plan.weight_map.items())),
            }
            index_tmp.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", "utf-8")
            written.append(index)
    for old in stale:
        if old not in written:
            with contextlib.suppress(FileNotFoundError):
                old.unlink()
    return written


def read_index(index: Path) -> dict[Path, list[str]]:
    """``{shard path: [names]}`` from a sharded checkpoint's index file.

    Raises FileNotFoundError naming a shard the index lists but the directory lacks, and
    CheckpointError when the index is not valid JSON or has no ``weight_map``.
    """
    try:
        data = json.loads(index.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"no checkpoint index at {index}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CheckpointError(f"{index}: not a valid JSON index file ({err})") from None
    weight_map = data.get("weight_map") if isinstance(data, dict) else None
    if not isinstance(weight_map, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in weight_map.items()
    ):
        raise CheckpointError(f"{index}: no 'weight_map' of tensor name -> shard file")
    shards: dict[Path, list[str]] = {}
    for name, filename in weight_map.items():
        if Path(filename).name != filename:
            raise CheckpointError(f"{index}: shard {filename!r} is not a plain file name")
        shards.setdefault(index.parent / filename, []).append(name)
    for shard in shards:
        if not shard.is_file():
            raise FileNotFoundError(f"{index} lists the shard {shard}, which does not exist")
    return shards


def read_sharded(
    path: str | os.PathLike[str], read_one: Callable[[Path], dict[str, np.ndarray]]
) -> dict[str, np.ndarray]:
    """Read a single file, or every shard an index file lists, checking the index is honest.

    Arrays keep their stored dtype (``bfloat16`` as ``ml_dtypes.bfloat16``). Raises
    FileNotFoundError for a missing file or shard, CheckpointError for a corrupt one.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint file at {path}")
    if not path.name.endswith(".index.json"):
        return read_one(path)
    arrays: dict[str, np.ndarray] = {}
    for shard, names in read_index(path).items():
        content = read_one(shard)
        missing = sorted(set(names) - set(content))
        if missing:
            raise CheckpointError(
                f"{path}: shard {shard.name} lacks {len(missing)} tensor(s) the index lists: "
                + ", ".join(missing)
            )
        arrays.update({name: content[name] for name in names})
    return arrays

