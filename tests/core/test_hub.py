"""hub.resolve: local directories, and hub ids when the hub cannot be reached."""

from __future__ import annotations

import pytest

from albert_core import hub


def test_local_directory_is_returned_as_is(tmp_path):
    assert hub.resolve(tmp_path) == tmp_path
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(hub.ModelNotFoundError, match="is a file"):
        hub.resolve(tmp_path / "f.txt")


def test_unreachable_hub_is_asked_once_then_only_the_cache(tmp_path, monkeypatch):
    import huggingface_hub
    from huggingface_hub.errors import LocalEntryNotFoundError

    calls = []

    def fake_download(repo_id, filename, *, local_files_only, **kwargs):
        calls.append((filename, local_files_only))
        raise LocalEntryNotFoundError("no connection and not cached")

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", fake_download)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    with pytest.raises(hub.ModelNotFoundError, match="hub could not be reached"):
        hub.resolve("org/model", files=["config.json"], first_of=["a.bin", "b.bin"])
    assert calls == [("config.json", False), ("a.bin", True), ("b.bin", True)]


def test_invalid_repo_id(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(hub.ModelNotFoundError, match="not a valid hub id"):
        hub.resolve("bad//id with spaces", files=["config.json"])
