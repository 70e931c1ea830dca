"""The distribution ships every package of the source tree."""

from __future__ import annotations

from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_directory_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    mapping = {folder: name for name, folder in config.get("package-dir", {}).items()}
    found = set()
    for top in sorted(p for p in ROOT.iterdir() if (p / "__init__.py").is_file()):
        if top.name == "tests":
            continue
        for init in top.rglob("__init__.py"):
            parts = init.parent.relative_to(ROOT).parts
            found.add(".".join((mapping.get(parts[0], parts[0]), *parts[1:])))
    assert found == listed, f"missing from pyproject: {found - listed}; stale: {listed - found}"


def test_package_data_ships_every_bundled_file():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    package = ROOT / "albert_core"
    shipped = {path for pattern in config["package-data"]["albert_core"]
               for path in package.glob(pattern) if path.is_file()}
    bundled = {path for path in (package / "bundled").rglob("*") if path.is_file()}
    assert bundled, "albert_core/bundled holds no model"
    assert bundled <= shipped, f"not shipped: {sorted(map(str, bundled - shipped))}"
