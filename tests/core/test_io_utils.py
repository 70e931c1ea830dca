"""Atomic writes: complete files or nothing, and no overwrite unless asked."""

from __future__ import annotations

import pytest

from albert_core.io_utils import atomic_directory, atomic_open, atomic_path, atomic_write_text


def test_atomic_write_and_overwrite_refusal(tmp_path):
    target = tmp_path / "sub" / "file.txt"
    atomic_write_text(target, "one")
    assert target.read_text() == "one"
    with pytest.raises(FileExistsError, match="file.txt"):
        atomic_write_text(target, "two")
    atomic_write_text(target, "two", overwrite=True)
    assert target.read_text() == "two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.txt"]


@pytest.mark.parametrize("opener", ["open", "path"])
def test_failure_leaves_old_content_and_no_temp_file(tmp_path, opener):
    target = tmp_path / "weights.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="disk on fire"):
        if opener == "open":
            with atomic_open(target, "wb", overwrite=True) as handle:
                handle.write(b"half")
                raise RuntimeError("disk on fire")
        else:
            with atomic_path(target, overwrite=True) as tmp:
                tmp.write_bytes(b"half")
                raise RuntimeError("disk on fire")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["weights.bin"]


def test_atomic_open_rejects_read_modes(tmp_path):
    with pytest.raises(ValueError, match="'r'"), atomic_open(tmp_path / "x", "r"):
        pass


def test_atomic_directory(tmp_path):
    target = tmp_path / "out"
    with atomic_directory(target) as tmp:
        (tmp / "a.txt").write_text("a")
        assert not target.exists()
    assert (target / "a.txt").read_text() == "a"
    with pytest.raises(FileExistsError):
        with atomic_directory(target):
            pass
    with pytest.raises(KeyboardInterrupt):
        with atomic_directory(target, overwrite=True) as tmp:
            (tmp / "b.txt").write_text("b")
            raise KeyboardInterrupt
    assert sorted(p.name for p in target.iterdir()) == ["a.txt"]
    with atomic_directory(target, overwrite=True) as tmp:
        (tmp / "b.txt").write_text("b")
    assert sorted(p.name for p in target.iterdir()) == ["b.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_written_files_get_normal_permissions(tmp_path):
    # mkstemp makes 0600 files; a saved model must be readable like any other file.
    atomic_write_text(tmp_path / "a.json", "{}")
    with atomic_path(tmp_path / "b.bin") as tmp:
        tmp.write_bytes(b"x")
    with atomic_directory(tmp_path / "c"):
        pass
    for name, mode in (("a.json", 0o644), ("b.bin", 0o644), ("c", 0o755)):
        assert (tmp_path / name).stat().st_mode & 0o777 == mode & ~_umask(), name


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask & 0o022
