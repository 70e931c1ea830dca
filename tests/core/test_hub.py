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


def test_bundled_model_names_resolve_without_the_hub(tmp_path, monkeypatch):
    import huggingface_hub

    from albert_core import bundled

    root = tmp_path / "bundled"
    (root / "small").mkdir(parents=True)
    (root / "small" / "config.json").write_text("{}")
    (root / "incomplete").mkdir()  # no config.json: not a model
    monkeypatch.setattr(bundled, "BUNDLED_ROOT", root)

    def no_hub(*args, **kwargs):
        raise AssertionError("the hub was asked")

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", no_hub)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.chdir(tmp_path)
    assert bundled.bundled_models() == {"small": root / "small"}
    assert hub.resolve("small", files=["config.json"]) == root / "small"
    with pytest.raises(AssertionError, match="hub was asked"):
        hub.resolve("incomplete", files=["config.json"])
    # A directory of the same name where the user is wins over the bundled model.
    (tmp_path / "small").mkdir()
    assert hub.resolve("small").resolve() == tmp_path / "small"
