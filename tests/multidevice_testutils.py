"""Run a script on several simulated CPU devices, in a subprocess (JAX fixes its device
count when it starts: ``XLA_FLAGS=--xla_force_host_platform_device_count=N``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def run_on_host_devices(script: str, *args: object, count: int = 4,
                        timeout: float = 600) -> dict[str, Any]:
    """Run ``script`` (Python source; ``sys.argv[1:]`` are ``args``) with ``count`` CPU
    devices and return the JSON it prints on its ``REPORT `` line.

    Raises:
        AssertionError: the script failed (its stderr's end is the message) or printed no
            report.
    """
    env = dict(os.environ)
    env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "")
                        + f" --xla_force_host_platform_device_count={count}")
    env["JAX_PLATFORMS"] = "cpu"
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    done = subprocess.run([sys.executable, "-c", script, *map(str, args)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [x for x in done.stdout.splitlines() if x.startswith("REPORT ")]
    assert lines, f"no REPORT line in the output: {done.stdout[-2000:]}"
    return json.loads(lines[-1].removeprefix("REPORT "))
