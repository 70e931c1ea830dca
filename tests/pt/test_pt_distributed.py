"""``albert_pt.distributed`` in one process: torchrun's environment, the device of each
process, the per-rank dropout seeds, and data parallelism off unless torchrun asks."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from albert_pt.distributed import (  # noqa: E402
    DataParallel,
    dropout_seed,
    resolve_device,
    torchrun_environment,
)


def test_torchrun_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    assert torchrun_environment() is None
    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.setenv("RANK", "3")
    monkeypatch.setenv("LOCAL_RANK", "1")
    env = torchrun_environment()
    assert (env.rank, env.world_size, env.local_rank) == (3, 4, 1)
    monkeypatch.setenv("RANK", "4")
    with pytest.raises(ValueError, match="RANK=4"):
        torchrun_environment()
    monkeypatch.setenv("RANK", "x")
    with pytest.raises(ValueError, match="RANK='x'"):
        torchrun_environment()


def test_devices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    assert resolve_device(None) == resolve_device("cpu") == resolve_device(-1)
    assert resolve_device(torch.device("cpu")).type == "cpu"
    with pytest.raises(ValueError, match="'tpu'"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="GPU"):
            resolve_device("cuda:1")
        return
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("LOCAL_RANK", "0")
    assert resolve_device("cuda:5") == torch.device("cuda", 0)


def test_dropout_seeds_depend_on_seed_rank_and_step() -> None:
    seeds = {dropout_seed(s, r, m) for s in (0, 1) for r in (0, 1) for m in range(50)}
    assert len(seeds) == 200 and all(0 <= s < 2**63 for s in seeds)
    assert dropout_seed(7, 1, 3) == dropout_seed(7, 1, 3)


def test_alone_without_torchrun(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    parallel = DataParallel(torch.device("cpu"))
    assert (parallel.enabled, parallel.rank, parallel.count) == (False, 0, 1)
    module = torch.nn.Linear(2, 2)
    assert parallel.wrap(module) is module and parallel.any(True) and not parallel.any(False)
    state = torch.get_rng_state()
    parallel.seed(0, 5)
    assert torch.equal(torch.get_rng_state(), state)
    with pytest.raises(ValueError, match="torchrun"):
        DataParallel(torch.device("cpu"), distributed=True)
