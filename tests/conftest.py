"""Fixtures shared by every test directory."""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

import pytest


# ------------------------------------------------------------------ hub cache (offline)
class HubCache:
    """A huggingface_hub cache directory laid out exactly as ``hf_hub_download`` leaves it.

    ``models--<org>--<name>/blobs/<hash>`` holds each file once (named by its sha256 for
    LFS-stored weights, by its git blob sha1 otherwise), ``snapshots/<commit>/<path>`` are
    relative symlinks into ``blobs``, and ``refs/<branch>`` holds the commit a branch points
    to.
    """

    #: Files the hub stores with git LFS (their etag, hence blob name, is the sha256).
    LFS_SUFFIXES = (".safetensors", ".bin", ".h5", ".msgpack", ".npz")

    def __init__(self, root: Path) -> None:
        self.root = root

    def repo_dir(self, repo_id: str) -> Path:
        """The cache folder of model repository ``repo_id`` (``org/name``)."""
        return self.root / ("models--" + repo_id.replace("/", "--"))

    def add(
        self,
        repo_id: str,
        files: Mapping[str, bytes | str | os.PathLike[str]],
        *,
        branch: str | None = "main",
        commit: str | None = None,
    ) -> str:
        """Add a snapshot of ``repo_id`` holding ``files`` (name -> bytes or a file to copy).

        Returns the commit hash (random unless given); ``branch`` (if not None) then
        points to it, as after downloading that branch.
        """
        commit = commit or secrets.token_hex(20)
        repo = self.repo_dir(repo_id)
        snapshot = repo / "snapshots" / commit
        for name, content in files.items():
            data = content if isinstance(content, bytes) else Path(content).read_bytes()
            if name.endswith(self.LFS_SUFFIXES):
                etag = hashlib.sha256(data).hexdigest()
            else:
                etag = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
            blob = repo / "blobs" / etag
            blob.parent.mkdir(parents=True, exist_ok=True)
            blob.write_bytes(data)
            link = snapshot / name
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(os.path.relpath(blob, link.parent))
        if branch is not None:
            ref = repo / "refs" / branch
            ref.parent.mkdir(parents=True, exist_ok=True)
            ref.write_text(commit)
        return commit


@pytest.fixture
def hub_cache(tmp_path, monkeypatch) -> HubCache:
    """An empty, offline huggingface_hub cache in ``tmp_path``; add repositories to it.

    Sets ``HF_HUB_OFFLINE=1`` and points ``HF_HUB_CACHE`` (both the environment variable and
    huggingface_hub's constant, which it reads at import time) at the new cache.
    """
    pytest.importorskip("huggingface_hub", reason="hub loading needs huggingface_hub")
    import huggingface_hub.constants as constants

    root = tmp_path / "hf-cache"
    root.mkdir()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(root))
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(root))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    return HubCache(root)


# ------------------------------------------------------------------ ALBERT vocabulary
@pytest.fixture(scope="session")
def spiece_model_path() -> Path:
    """The real ALBERT v2 sentencepiece vocabulary (``../shared/assets`` from the project root).

    Skips the test when the shared asset is not there.
    """
    path = Path(__file__).resolve().parents[1].parent / "shared" / "assets"
    path = path / "albert-base-v2-spiece.model"
    if not path.is_file():
        pytest.skip(f"the ALBERT vocabulary is not available at {path}")
    return path
