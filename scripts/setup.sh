#!/usr/bin/env bash
# Create .venv and install albert with all three backends (PyTorch, TensorFlow, Flax) and the
# dev tools.
# torch is pinned to the CPU build this machine kind keeps on disk; an unpinned torch would
# pull a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q "torch==2.13.0"
.venv/bin/python -m pip install -q -e ".[torch,tf,flax,dev,tasks,datasets]"
