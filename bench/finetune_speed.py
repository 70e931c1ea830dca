"""Fine-tuning speed: albert's finetuners in each framework against transformers' Trainer.

One optimizer update of sequence classification (AdamW, global-norm clipping, batch 8,
sequence 128 by default) is timed for albert's PyTorch, Keras/TensorFlow and JAX/Flax
finetuners (:func:`albert_core.training.finetune.finetuner_class`) and for transformers
4.57's PyTorch ``Trainer`` on the same checkpoint, in the same run, so the ratios hold on a
shared, noisy machine. The reference runs in its own virtual environment (the ``reference``
extra, e.g. ``.venv-ref``: ``python3 -m venv .venv-ref && .venv-ref/bin/pip install
torch==2.13.0 transformers==4.57.6 accelerate``). Every engine is timed in a fresh
subprocess (none runs beside another framework's thread pools) and rounds alternate
between the engines.

Models: the bundled ``albert-small-wordnet`` and albert-base-v2's sizes (random weights,
saved once into ``--work``).

    .venv/bin/python bench/finetune_speed.py                      # both models, 3 frameworks
    .venv/bin/python bench/finetune_speed.py --models small --steps 20 --rounds 2

Each number is the median seconds per update over ``--steps`` updates after ``--warmup``
updates (compilation and first-call costs excluded); steps/s is its inverse, and every
ratio is against the reference measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MODELS = ("small", "base")


def random_batch(rows: int, seq: int, vocab: int, seed: int) -> dict[str, np.ndarray]:
    """Sequence-classification inputs of random tokens (two labels)."""
    rng = np.random.default_rng(seed)
    return {"input_ids": rng.integers(5, vocab, size=(rows, seq)).astype(np.int32),
            "attention_mask": np.ones((rows, seq), np.int32),
            "token_type_ids": np.zeros((rows, seq), np.int32),
            "labels": rng.integers(0, 2, size=rows).astype(np.int64)}


def model_path(name: str, work: Path) -> str:
    """The checkpoint of ``name``: the bundled model, or albert-base-v2 sizes with random
    weights (written once into ``work``)."""
    if name == "small":
        from albert_core.bundled import bundled_models

        return str(bundled_models()["albert-small-wordnet"])
    out = work / "albert-base-v2-random"
    if not (out / "model.safetensors").is_file():
        from albert_core.presets import preset
        from albert_pt import AlbertForMaskedLM

        AlbertForMaskedLM(preset("albert-base-v2")).save_pretrained(out)
    return str(out)


def albert_seconds(framework: str, model: str, batch: int, seq: int, warmup: int,
                   steps: int) -> list[float]:
    """Seconds of each timed update of albert's ``framework`` finetuner."""
    from albert_core.config import AlbertConfig
    from albert_core.training.finetune import FinetuneArguments, finetuner_class
    from albert_core.training.finetune_tasks import TaskData

    config = AlbertConfig.from_pretrained(model)
    rows = batch * (warmup + steps)
    data = TaskData("text-classification", "sequence-classification",
                    random_batch(rows, seq, config.vocab_size, 0),
                    config_updates={"num_labels": 2})
    with tempfile.TemporaryDirectory() as out:
        args = FinetuneArguments(task="text-classification", train_file="-", output_dir=out,
                                 model=model, batch_size=batch, learning_rate=1e-5,
                                 max_length=seq, progress=False)
        finetuner = finetuner_class(framework)(data, args)
        times = []
        for index in range(warmup + steps):
            part = {k: v[index * batch:(index + 1) * batch] for k, v in data.train.items()}
            started = time.perf_counter()
            finetuner.forward_backward(part, 1.0)
            finetuner.apply_gradients(1e-5)
            times.append(time.perf_counter() - started)
    return times[warmup:]


def reference_seconds(model: str, batch: int, seq: int, warmup: int, steps: int) -> list[float]:
    """Seconds of each timed update of transformers' Trainer (runs in the reference venv)."""
    import torch
    from transformers import (
        AlbertForSequenceClassification,
        Trainer,
        TrainerCallback,
        TrainingArguments,
    )

    class Clock(TrainerCallback):
        def __init__(self) -> None:
            self.marks: list[float] = []

        def on_step_begin(self, *_: Any, **__: Any) -> None:
            self.marks.append(time.perf_counter())

        def on_step_end(self, *_: Any, **__: Any) -> None:
            self.marks.append(time.perf_counter())

    torch.manual_seed(0)
    net = AlbertForSequenceClassification.from_pretrained(model, num_labels=2)
    config = net.config
    arrays = random_batch(batch * (warmup + steps), seq, config.vocab_size, 0)
    rows = [{k: torch.as_tensor(v[i]).long() for k, v in arrays.items()}
            for i in range(len(arrays["labels"]))]
    clock = Clock()
    with tempfile.TemporaryDirectory() as out:
        options = TrainingArguments(
            output_dir=out, per_device_train_batch_size=batch, max_steps=warmup + steps,
            learning_rate=1e-5, max_grad_norm=1.0, save_strategy="no", report_to=[],
            logging_strategy="no", disable_tqdm=True, dataloader_num_workers=0,
            use_cpu=True, seed=0)
        Trainer(model=net, args=options, train_dataset=rows, callbacks=[clock]).train()
    pairs = list(zip(clock.marks[0::2], clock.marks[1::2], strict=True))
    return [end - begin for begin, end in pairs][warmup:]


def run_worker(python: str, engine: str, model: str, options: argparse.Namespace
               ) -> list[float]:
    """The timings of ``engine`` (a framework, or ``transformers``) measured in a fresh
    process of ``python``, so that no engine runs beside another's thread pools."""
    command = [python, __file__, "--worker", engine, "--model-path", model,
               "--batch", str(options.batch), "--seq", str(options.seq),
               "--warmup", str(options.warmup), "--steps", str(options.steps)]
    env = dict(os.environ)
    if engine == "transformers":
        env.pop("PYTHONPATH", None)
    out = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default="small,base")
    parser.add_argument("--frameworks", default="pt,tf,flax")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--seq", type=int, default=128)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per engine")
    parser.add_argument("--reference-python", default=str(ROOT / ".venv-ref" / "bin" / "python"))
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bench")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--model-path", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        if options.worker == "transformers":
            seconds = reference_seconds(options.model_path, options.batch, options.seq,
                                        options.warmup, options.steps)
        else:
            from albert_core.backend import quiet_startup

            quiet_startup(options.worker)
            seconds = albert_seconds(options.worker, options.model_path, options.batch,
                                     options.seq, options.warmup, options.steps)
        print(json.dumps(seconds))
        return
    frameworks = [f for f in options.frameworks.split(",") if f]
    has_reference = Path(options.reference_python).is_file()
    if not has_reference:
        print(f"no reference interpreter at {options.reference_python}; ratios omitted",
              file=sys.stderr)
    print(f"batch {options.batch}, sequence {options.seq}, median of {options.steps} updates "
          f"x {options.rounds} rounds")
    results: dict[str, dict[str, float]] = {}
    for name in options.models.split(","):
        if name not in MODELS:
            raise SystemExit(f"--models: unknown model {name!r}; choose from {MODELS}")
        model = model_path(name, options.work)
        samples: dict[str, list[float]] = {f: [] for f in frameworks}
        if has_reference:
            samples["transformers"] = []
        for _ in range(options.rounds):
            for engine in samples:
                python = options.reference_python if engine == "transformers" \
                    else sys.executable
                samples[engine] += run_worker(python, engine, model, options)
        medians = {engine: statistics.median(times) for engine, times in samples.items()}
        results[name] = {f"{engine}_steps_per_second": 1 / m for engine, m in medians.items()}
        reference = medians.get("transformers")
        for engine, median in medians.items():
            ratio = f"  x{reference / median:.2f} of transformers" if reference else ""
            print(f"{name:>5} {engine:>12}: {1 / median:6.2f} steps/s{ratio}", flush=True)
            if reference and engine != "transformers":
                results[name][f"{engine}_vs_transformers"] = reference / median
    if options.json:
        options.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
