"""Resolve a model name to a local directory: a path, a bundled model, or a hub id.

Hub downloads go through huggingface_hub's cache, so a model fetched once (by us or by
transformers) is found again offline. ``HF_HUB_OFFLINE=1`` is honoured at call time.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from albert_core.bundled import bundled_model_dir

ENV_OFFLINE = "HF_HUB_OFFLINE"


class ModelNotFoundError(FileNotFoundError):
    """A name is neither a local directory nor a model reachable on the hub or in its cache."""


def is_offline() -> bool:
    """Whether ``HF_HUB_OFFLINE`` asks for cache-only resolution."""
    return os.environ.get(ENV_OFFLINE, "").strip().upper() in {"1", "ON", "YES", "TRUE"}


def resolve(
    name_or_path: str | os.PathLike[str],
    *,
    revision: str | None = None,
    files: Iterable[str] = (),
    first_of: Iterable[str] = (),
    cache_dir: str | os.PathLike[str] | None = None,
    local_files_only: bool | None = None,
) -> Path:
    """Return the directory holding ``name_or_path``'s files.

    A local directory is returned as it is; next, the name of a bundled model
    (:mod:`albert_core.bundled`: ``albert-small-wordnet``) gives its directory. Anything
    else is taken as a hub id (``albert/albert-base-v2``): each name in ``files`` is fetched
    when the repository has it, and the first name of ``first_of`` that the repository has
    (so only one weight format is downloaded). The returned directory is the cached
    snapshot of that revision.

    Raises:
        ModelNotFoundError: the name is not a directory and nothing was found on the hub or,
            offline, in the cache. The message says which.
    """
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        return path
    if path.exists():
        raise ModelNotFoundError(f"{path} is a file; expected a model directory or a hub id")
    bundled = bundled_model_dir(str(name_or_path))
    if bundled is not None:
        return bundled

    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import (
        EntryNotFoundError,
        HFValidationError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    repo_id = str(name_or_path)
    offline = is_offline() if local_files_only is None else local_files_only
    asked_offline = offline
    found: list[Path] = []

    def fetch(filename: str) -> bool:
        nonlocal offline
        try:
            local = hf_hub_download(
                repo_id,
                filename,
                revision=revision,
                cache_dir=cache_dir,
                local_files_only=offline,
                library_name="albert-models",
            )
        except LocalEntryNotFoundError:
            # Not cached, and (when online was asked for) the hub could not be reached:
            # look only in the cache for the remaining files instead of waiting each out.
            offline = True
            return False
        except EntryNotFoundError:  # the repository has no such file
            return False
        found.append(Path(local).parent)
        return True

    try:
        for filename in files:
            fetch(filename)
        for filename in first_of:
            if fetch(filename):
                break
    except HFValidationError:
        raise ModelNotFoundError(
            f"{name_or_path!r} is not a local directory and not a valid hub id"
        ) from None
    except (RepositoryNotFoundError, RevisionNotFoundError) as err:
        raise ModelNotFoundError(f"{name_or_path!r}: {err.__class__.__name__}: {err}") from None
    if not found:
        if asked_offline:
            where = "in the local cache (HF_HUB_OFFLINE is set)"
        elif offline:
            where = "in the local cache, and the hub could not be reached"
        else:
            where = "on the hub"
        wanted = sorted({*files, *first_of})
        raise ModelNotFoundError(
            f"{name_or_path!r} is not a local directory, and none of {wanted} was found {where}"
            + (f" at revision {revision!r}" if revision else "")
        )
    # Files of one revision share one snapshot directory.
    return found[0]
