"""Check that converted checkpoints compute what their source computes.

The source and every converted checkpoint are built as models in the frameworks their
formats belong to (``model.safetensors`` / ``pytorch_model.bin``: PyTorch,
``tf_model.h5``: Keras/TensorFlow, ``flax_model.msgpack``: Flax; an original TF1 checkpoint:
:func:`albert_conversion.tf1_graph.original_forward`, a numpy transcription of the original graph
working from the original variable names). They run on one fixed random batch, and the
maximum absolute difference of every output is tabulated. A format whose framework is not
installed (or whose backend fails to import) is checked in another installed framework,
and the report says so.

Differences above the tolerance fail: ``1e-5`` for float32 weights; converting to
float16 / bfloat16 is expected to differ by their rounding, so those are checked against
``2e-2`` / ``1e-1`` times the largest reference output magnitude (at least 1).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from albert_conversion import tf1, tf1_graph
from albert_core import checkpoints, schema
from albert_core.backend import available_frameworks, backend_status, get_backend
from albert_core.config import AlbertConfig

#: The framework each format belongs to (``original``: the TF1 graph, in numpy).
FORMAT_FRAMEWORK: dict[str, str] = {
    "safetensors": "pt",
    "pytorch": "pt",
    "tf": "tf",
    "flax": "flax",
    "tf1": "original",
}
#: Tolerance on the max abs difference, by the dtype of the converted weights.
TOLERANCES: dict[str, float] = {
    "float32": 1e-5,
    "float64": 1e-5,
    "float16": 2e-2,
    "bfloat16": 1e-1,
}
_FRAMEWORK_NAMES = {"pt": "PyTorch", "tf": "TensorFlow", "flax": "Flax",
                    "original": "TF1 graph (numpy)"}  # fmt: skip


class VerificationError(ValueError):
    """Converted models do not reproduce their source; ``report`` holds the comparisons."""

    def __init__(self, report: VerifyReport) -> None:
        """Keep ``report``; the message is its table."""
        self.report = report
        super().__init__("verification failed:\n" + report.table())


# ------------------------------------------------------------------------------ report
@dataclasses.dataclass
class Comparison:
    """The max abs difference of one output between the reference and one target model."""

    reference: str
    target: str
    output: str
    max_abs_diff: float
    tolerance: float

    @property
    def ok(self) -> bool:
        """True when the difference is within the tolerance (and not NaN)."""
        return bool(self.max_abs_diff <= self.tolerance)


@dataclasses.dataclass
class VerifyReport:
    """Every comparison made, and notes on frameworks that were skipped or replaced."""

    comparisons: list[Comparison] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when at least one comparison was made and all are within tolerance."""
        return bool(self.comparisons) and all(c.ok for c in self.comparisons)

    def table(self) -> str:
        """The comparisons as an aligned text table, notes below."""
        rows = [("reference", "target", "output", "max |diff|", "tolerance", "")]
        for c in self.comparisons:
            rows.append((c.reference, c.target, c.output, f"{c.max_abs_diff:.3e}",
                         f"{c.tolerance:.1e}", "ok" if c.ok else "FAIL"))  # fmt: skip
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
                 for row in rows]  # fmt: skip
        if not self.comparisons:
            lines.append("(no comparison could be made)")
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines)

    def raise_for_failure(self) -> None:
        """Raise :class:`VerificationError` unless :attr:`ok`."""
        if not self.ok:
            raise VerificationError(self)


# ------------------------------------------------------------------------- frameworks
def framework_status(framework: str) -> str | None:
    """None when ``framework`` can run (``original`` always can), else why it cannot."""
    return None if framework == "original" else backend_status(framework)


def make_inputs(
    config: AlbertConfig, head: str, *, batch_size: int = 2, seq_length: int = 8, seed: int = 0
) -> dict[str, np.ndarray]:
    """A fixed random batch: ids, an attention mask with padding, two segments."""
    rng = np.random.default_rng(seed)
    seq = max(1, min(seq_length, config.max_position_embeddings))
    shape = (batch_size, 2, seq) if head == "multiple-choice" else (batch_size, seq)
    input_ids = rng.integers(0, config.vocab_size, size=shape, dtype=np.int64)
    attention_mask = np.ones(shape, dtype=np.int64)
    if seq > 3:
        attention_mask[-1, ..., seq - 2 :] = 0
    token_type_ids = np.zeros(shape, dtype=np.int64)
    if config.type_vocab_size > 1:
        token_type_ids[..., seq // 2 :] = 1
    return {"input_ids": input_ids, "attention_mask": attention_mask,
            "token_type_ids": token_type_ids}  # fmt: skip


def run_model(
    framework: str,
    config: AlbertConfig,
    head: str,
    arrays: Mapping[str, np.ndarray],
    inputs: Mapping[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """Build ``head`` in ``framework`` with ``arrays`` (as float32) and run it on ``inputs``.

    ``framework`` is one of :data:`~albert_core.backend.FRAMEWORKS` (through its
    :class:`~albert_core.backend.Backend`) or ``"original"`` (the TF1 graph in numpy, from
    :func:`albert_conversion.tf1.to_original` of the arrays). Returns the output fields that
    are arrays (no per-layer tuples) as float32 numpy.
    """
    weights = {name: np.asarray(a).astype(np.float32) for name, a in arrays.items()}
    if framework == "original":
        variables = tf1.to_original(weights, config, head)
        return run_original(variables, config, inputs)
    backend = get_backend(framework)
    return backend.forward(backend.from_arrays(config, head, weights), inputs)


def run_original(
    variables: Mapping[str, np.ndarray], config: AlbertConfig, inputs: Mapping[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """:func:`albert_conversion.tf1_graph.original_forward` on ``inputs`` (a 2-D batch)."""
    return tf1_graph.original_forward(
        variables, config, inputs["input_ids"], inputs["attention_mask"],
        inputs["token_type_ids"],
    )  # fmt: skip


# --------------------------------------------------------------------------- comparing
@dataclasses.dataclass
class Side:
    """One model to run: a label, its format, config, head and canonical arrays.

    ``variables`` holds the original TF1 variables when the side was read from a TF1
    checkpoint: its reference run is then the original graph on exactly those.
    """

    label: str
    format: str
    config: AlbertConfig
    head: str
    arrays: Mapping[str, np.ndarray]
    variables: Mapping[str, np.ndarray] | None = None


def _choose(framework: str, report: VerifyReport, label: str) -> str | None:
    if framework_status(framework) is None:
        return framework
    available = available_frameworks()
    reason = framework_status(framework)
    if not available:
        report.notes.append(
            f"{label}: {_FRAMEWORK_NAMES[framework]} unavailable ({reason}) and no other "
            "framework is installed; not checked"
        )
        return None
    report.notes.append(
        f"{label}: {_FRAMEWORK_NAMES[framework]} unavailable ({reason}); checked in "
        f"{_FRAMEWORK_NAMES[available[0]]} instead"
    )
    return available[0]


def _run(side: Side, framework: str, inputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    if framework == "original" and side.variables is not None:
        return run_original(side.variables, side.config, inputs)
    return run_model(framework, side.config, side.head, side.arrays, inputs)


def _tolerance(arrays: Mapping[str, np.ndarray], reference: Mapping[str, np.ndarray]) -> float:
    names = {np.asarray(a).dtype.name for a in arrays.values()}
    base = max(TOLERANCES.get(name, TOLERANCES["float32"]) for name in names)
    if base <= TOLERANCES["float32"]:
        return base
    scale = max([1.0] + [float(np.max(np.abs(v))) for v in reference.values() if v.size])
    return base * scale


def compare_sides(
    reference: Side,
    targets: Iterable[tuple[Side, Sequence[str]]],
    *,
    tolerance: float | None = None,
    inputs: Mapping[str, np.ndarray] | None = None,
    log: Callable[[str], None] | None = None,
) -> VerifyReport:
    """Run ``reference`` in its format's framework and each target in the given frameworks.

    ``targets`` pairs a :class:`Side` with the frameworks to run it in (a missing one is
    replaced by another installed framework, with a note). Every output both models have
    is compared.
    """
    report = VerifyReport()
    inputs = inputs or make_inputs(reference.config, reference.head)
    ref_framework = _choose(FORMAT_FRAMEWORK[reference.format], report, reference.label)
    if ref_framework is None:
        return report
    ref_outputs = _run(reference, ref_framework, inputs)
    ref_label = f"{reference.label} [{ref_framework}]"
    for side, frameworks in targets:
        for wanted in frameworks:
            framework = _choose(wanted, report, side.label)
            if framework is None:
                continue
            if (side.label, framework) == (reference.label, ref_framework):
                continue
            target_label = f"{side.label} [{framework}]"
            try:
                outputs = _run(side, framework, inputs)
            except Exception as err:  # a failed run is a failed check, reported as such
                message = str(err).splitlines()[0] if str(err) else ""
                report.comparisons.append(Comparison(
                    ref_label, target_label, f"error: {type(err).__name__}: {message}",
                    float("inf"), 0.0,
                ))  # fmt: skip
                continue
            common = [k for k in ref_outputs if k in outputs]
            if not common:
                report.notes.append(f"{target_label}: no output in common with the reference")
                continue
            tol = tolerance if tolerance is not None else _tolerance(side.arrays, ref_outputs)
            for key in common:
                a, b = ref_outputs[key], outputs[key]
                if a.shape != b.shape:
                    diff = float("inf")
                else:
                    diff = float(np.max(np.abs(a.astype(np.float64) - b))) if a.size else 0.0
                    if np.isnan(diff):
                        diff = float("inf")
                report.comparisons.append(
                    Comparison(ref_label, target_label, key, diff, tol)
                )
    if log is not None:
        log(report.table())
    return report


def _side_from_directory(
    directory: Path, fmt: str, label: str, config: AlbertConfig, head: str
) -> Side:
    if fmt == "tf1":
        checkpoint = tf1.read(directory, config)
        arrays, _ = schema.check(checkpoint.arrays, config, head, source=label)
        return Side(label, fmt, config, head, arrays, tf1.read_variables(directory))
    raw = checkpoints.read(directory, fmt)
    arrays, _ = schema.check(raw, config, head, source=label)
    return Side(label, fmt, config, head, arrays)


def verify_conversion(
    source: Any,
    aligned: Mapping[str, np.ndarray],
    head: str,
    directory: Path,
    formats: Sequence[str],
    *,
    tolerance: float | None = None,
    log: Callable[[str], None] | None = None,
) -> VerifyReport:
    """Compare a conversion's source with every format just written into ``directory``.

    ``source`` is the :class:`albert_conversion.convert.SourceCheckpoint` and ``aligned``
    its arrays aligned with ``head``. Each written format is read back from disk and run
    in its own framework.
    """
    config = AlbertConfig.from_pretrained(directory)
    variables = None
    if source.format == "tf1" and source.tf1_prefix is not None:
        variables = tf1.read_variables(source.tf1_prefix)
    reference = Side(f"SRC {source.format}", source.format, source.config, head, aligned,
                     variables)  # fmt: skip
    targets = []
    for fmt in formats:
        side = _side_from_directory(directory, fmt, f"DST {fmt}", config, head)
        targets.append((side, [FORMAT_FRAMEWORK[fmt]]))
    return compare_sides(reference, targets, tolerance=tolerance, log=log)


def verify(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str] | None = None,
    *,
    head: str = "auto",
    config: AlbertConfig | str | os.PathLike[str] | None = None,
    revision: str | None = None,
    tolerance: float | None = None,
    log: Callable[[str], None] | None = None,
) -> VerifyReport:
    """Verify a checkpoint, or a conversion ``src`` -> ``dst``.

    With ``dst``: the source (in its format's framework) against every format present in
    ``dst`` (each in its own framework). Without: every format present in ``src``, in every
    installed framework, against its preferred format in that format's framework, which is
    what ``albert verify CHECKPOINT`` reports. Returns the :class:`VerifyReport`; call
    :meth:`VerifyReport.raise_for_failure` (or read ``.ok``) to act on it.
    """
    from albert_conversion.source import config_from, load_source

    source = load_source(src, config=config, revision=revision)
    chosen = source.head if head == "auto" else head
    aligned, _ = schema.check(source.arrays, source.config, chosen, source=str(src))
    variables = tf1.read_variables(source.tf1_prefix) if source.tf1_prefix is not None else None
    reference = Side(f"{source.format}", source.format, source.config, chosen, aligned,
                     variables)  # fmt: skip
    if dst is None:
        directory, target_config, every = source.directory, source.config, True
    else:
        directory, every = Path(dst).expanduser(), False
        target_config = config_from(config) if config is not None else None
    present = checkpoints.detect_formats(directory) + (
        ["tf1"] if tf1.is_checkpoint(directory) else []
    )
    if not present:
        raise FileNotFoundError(f"{directory}: no checkpoint to verify")
    targets = []
    for fmt in present:
        if target_config is None:
            cfg = (AlbertConfig.from_pretrained(directory) if fmt != "tf1"
                   else load_source(directory, src_format="tf1").config)  # fmt: skip
        else:
            cfg = target_config
        label = fmt if dst is None else f"DST {fmt}"
        side = _side_from_directory(directory, fmt, label, cfg, chosen)
        frameworks = [FORMAT_FRAMEWORK[fmt]]
        if every:
            frameworks = list(dict.fromkeys(frameworks + available_frameworks()))
        targets.append((side, frameworks))
    if dst is not None:
        reference.label = f"SRC {source.format}"
    return compare_sides(reference, targets, tolerance=tolerance, log=log)
