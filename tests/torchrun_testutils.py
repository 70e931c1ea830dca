"""``albert`` commands under ``torchrun`` for the distributed tests, and weight comparison.

Run as a script (what :func:`torchrun` launches in every process), it runs each command
line of a JSON file through :func:`albert_core.cli.main` in turn, in the same processes, so
that one start of the process group (the slow part on a small CPU) serves several runs; it
exits with the first non-zero status.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np

#: Seconds one torchrun launch may take before the test fails.
TIMEOUT = 300


def free_port() -> int:
    """A TCP port on localhost that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def torchrun(commands: list[list[str]], workdir: Path, nproc: int = 2) -> str:
    """Run the ``albert`` argument lists ``commands`` one after another under
    ``torchrun --nproc_per_node=nproc`` (gloo on the CPU); returns the combined output.

    Raises:
        AssertionError: torchrun failed (its output in the message).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    listing = workdir / "commands.json"
    listing.write_text(json.dumps(commands), encoding="utf-8")
    argv = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={nproc}",
            "--rdzv-backend=c10d", f"--rdzv-endpoint=127.0.0.1:{free_port()}",
            str(Path(__file__).resolve()), str(listing)]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1",
           "TORCHELASTIC_ERROR_FILE": str(workdir / "error.json")}
    done = subprocess.run(argv, cwd=workdir, env=env, capture_output=True, text=True,
                          timeout=TIMEOUT)
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"torchrun exited {done.returncode}:\n{output[-6000:]}"
    return output


def assert_same_weights(a: Path, b: Path, atol: float) -> None:
    """``a/model.safetensors`` and ``b/model.safetensors`` hold the same tensors within
    ``atol`` (0: bit for bit)."""
    from safetensors.numpy import load_file

    left, right = load_file(a / "model.safetensors"), load_file(b / "model.safetensors")
    assert set(left) == set(right)
    for name in left:
        if atol:
            np.testing.assert_allclose(left[name], right[name], rtol=0, atol=atol, err_msg=name)
        else:
            np.testing.assert_array_equal(left[name], right[name], err_msg=name)


def _main(listing: str) -> int:
    from albert_core.cli import main

    for argv in json.loads(Path(listing).read_text(encoding="utf-8")):
        status = main(argv)
        if status:
            return status
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1]))
