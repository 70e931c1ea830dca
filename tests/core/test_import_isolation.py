"""albert_core must import, and work, with none of torch, tensorflow or jax installed."""

from __future__ import annotations

import subprocess
import sys
import textwrap

BLOCKER = textwrap.dedent(
    """
    import importlib.abc, sys

    BLOCKED = {"torch", "tensorflow", "jax", "jaxlib", "flax", "keras", "tf_keras", "transformers"}

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ImportError(f"blocked for this test: {name}")
            return None

    sys.meta_path.insert(0, Block())
    """
)


def run_blocked(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", BLOCKER + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_core_imports_without_any_framework():
    result = run_blocked(
        """
        import pkgutil, importlib
        import albert_core
        names = [m.name for m in pkgutil.walk_packages(albert_core.__path__, "albert_core.")]
        for name in names:
            importlib.import_module(name)
        for public in albert_core.__all__:
            getattr(albert_core, public)
        print("imported", len(names))
        """
    )
    assert result.returncode == 0, result.stderr
    assert "imported" in result.stdout


def test_blocker_really_blocks():
    result = run_blocked("import torch")
    assert result.returncode != 0 and "blocked for this test" in result.stderr


def test_safetensors_round_trip_without_frameworks(tmp_path):
    result = run_blocked(
        f"""
        import numpy as np
        from albert_core import checkpoints, schema
        from albert_core.config import AlbertConfig
        config = AlbertConfig(vocab_size=10, embedding_size=4, hidden_size=8,
                              num_hidden_layers=1, num_attention_heads=2, intermediate_size=4)
        arrays = {{n: np.full(s, 0.5, np.float32)
                   for n, s in schema.expected_shapes(config, "model").items()}}
        checkpoints.save_pretrained({str(tmp_path)!r}, config, "model", arrays)
        loaded = checkpoints.load_pretrained({str(tmp_path)!r}, "model")
        assert loaded.report.ok and len(loaded.arrays) == len(arrays)
        print("ok")
        """
    )
    assert result.returncode == 0, result.stderr
