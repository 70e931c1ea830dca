"""Original google-research ALBERT checkpoints (TF1 ``model.ckpt-*``): reader and writer.

The original code (``modeling.py`` and ``run_pretraining.py`` of google-research/albert)
creates its variables with ``tf.compat.v1`` variable scopes::

    bert/embeddings/{word,position,token_type}_embeddings       [V | P | T, E]
    bert/embeddings/LayerNorm/{gamma,beta}                       [E]
    bert/encoder/embedding_hidden_mapping_in/{kernel,bias}       [E, H], [H]  (only if E != H)
    bert/encoder/transformer/group_{g}/inner_group_{i}/
        attention_1/self/{query,key,value}/{kernel,bias}         [H, H], [H]
        attention_1/output/dense/{kernel,bias}                   [H, H], [H]
        LayerNorm/{gamma,beta}                                   after attention
        ffn_1/intermediate/dense/{kernel,bias}                   [H, I], [I]
        ffn_1/intermediate/output/dense/{kernel,bias}            [I, H], [H]
        LayerNorm_1/{gamma,beta}                                 after the feed-forward block
    bert/pooler/dense/{kernel,bias}                              [H, H], [H]
    cls/predictions/transform/dense/{kernel,bias}                [H, E], [E]
    cls/predictions/transform/LayerNorm/{gamma,beta}             [E]
    cls/predictions/output_bias                                  [V]  (decoder = word embeddings)
    cls/seq_relationship/output_weights, output_bias             [2, H], [2]  (not transposed)
    output_weights, output_bias                                  [labels, H]  (GLUE fine-tuning)

Kernels are ``[in, out]`` (the transpose of the canonical PyTorch layout), except the
``output_weights`` matrices, which the original code multiplies with ``transpose_b=True``.
Training checkpoints also hold optimizer slots (``<name>/adam_m``, ``<name>/adam_v``) and
``global_step``: they are skipped and reported. Variables of a TF-Hub module fine-tuned in
a larger graph carry a ``module/`` prefix, which is accepted.

Two facts of the original graph need care to reproduce it exactly:

* the embedding projection exists only when ``embedding_size != hidden_size``; otherwise
  the embeddings feed the encoder directly, which is the canonical projection with an
  identity weight and a zero bias (and only such a model can be written back);
* layer ``i`` runs group ``int(i / num_hidden_layers * num_hidden_groups)``, which in
  floating point differs for a few configurations from transformers'
  ``int(i / (num_hidden_layers / num_hidden_groups))``
  (:meth:`albert_core.config.AlbertConfig.group_of_layer`); groups are remapped so the
  converted model runs the same weights at every layer, and a model that cannot be
  remapped is refused.

TensorFlow is imported only when a checkpoint is read or written (the ``tf`` extra).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from albert_core import schema
from albert_core.checkpoints import CheckpointError
from albert_core.config import ORIGINAL_CONFIG_NAME, AlbertConfig
from albert_core.io_utils import atomic_write_text, check_writable

#: The file TensorFlow's ``tf.train.latest_checkpoint`` reads to find the newest checkpoint.
CHECKPOINT_STATE_NAME = "checkpoint"
#: File name prefix of the checkpoints the original code writes (``model.ckpt-<step>``).
CHECKPOINT_PREFIX = "model.ckpt"
#: Prefix of variables of a TF-Hub module used inside a larger graph.
HUB_PREFIX = "module/"
#: Optimizer slot suffixes: the original AdamW and LAMB optimizers name theirs ``adam_m`` /
#: ``adam_v``; some forks of the LAMB optimizer use ``lamb_m`` / ``lamb_v``.
OPTIMIZER_SLOTS = ("adam_m", "adam_v", "lamb_m", "lamb_v")
GLOBAL_STEP = "global_step"
#: Heads the original code has a variable layout for.
TF1_HEADS = ("model", "pretraining", "masked-lm", "sequence-classification")

#: Our activation names -> the original ``get_activation`` names (its ``gelu`` is tanh).
ORIGINAL_ACTIVATIONS = {
    "gelu_new": "gelu",
    "gelu_fast": "gelu",
    "gelu_pytorch_tanh": "gelu",
    "relu": "relu",
    "tanh": "tanh",
    "linear": "linear",
}
#: The epsilon the original layer norm (tf.contrib.layers.layer_norm) hard-codes.
ORIGINAL_LAYER_NORM_EPS = 1e-12
#: albert_config.json keys the original code reads but our models have no use for, with the
#: values of every released model; they are written back with these values.
ORIGINAL_ONLY_KEYS = {"down_scale_factor": 1, "net_structure_type": 0, "gap_size": 0,
                      "num_memory_blocks": 0}  # fmt: skip

# Canonical module (without ``albert.``) -> original scope, for the modules outside layers.
_TOP_MODULES = {
    "embeddings.LayerNorm": "bert/embeddings/LayerNorm",
    "encoder.embedding_hidden_mapping_in": "bert/encoder/embedding_hidden_mapping_in",
    "pooler": "bert/pooler/dense",
    "predictions.dense": "cls/predictions/transform/dense",
    "predictions.LayerNorm": "cls/predictions/transform/LayerNorm",
}
# Canonical names that are one original variable each (never transposed).
_WHOLE_VARIABLES = {
    "embeddings.word_embeddings.weight": "bert/embeddings/word_embeddings",
    "embeddings.position_embeddings.weight": "bert/embeddings/position_embeddings",
    "embeddings.token_type_embeddings.weight": "bert/embeddings/token_type_embeddings",
    "predictions.bias": "cls/predictions/output_bias",
    "sop_classifier.classifier.weight": "cls/seq_relationship/output_weights",
    "sop_classifier.classifier.bias": "cls/seq_relationship/output_bias",
    "classifier.weight": "output_weights",
    "classifier.bias": "output_bias",
}
# Module of one shared layer (canonical, after the layer prefix) -> original sub-scope.
_LAYER_MODULES = {
    "attention.query": "attention_1/self/query",
    "attention.key": "attention_1/self/key",
    "attention.value": "attention_1/self/value",
    "attention.dense": "attention_1/output/dense",
    "attention.LayerNorm": "LayerNorm",
    "ffn": "ffn_1/intermediate/dense",
    "ffn_output": "ffn_1/intermediate/output/dense",
    "full_layer_layer_norm": "LayerNorm_1",
}
_LEAVES = {"linear": "kernel", "bias": "bias", "norm_scale": "gamma", "norm_bias": "beta"}
_LAYER = re.compile(r"^encoder\.albert_layer_groups\.(\d+)\.albert_layers\.(\d+)\.(.+)$")
_ORIGINAL_LAYER = re.compile(r"^bert/encoder/transformer/group_(\d+)/inner_group_(\d+)/")
# Tied copies the original graph does not store: the decoder is the embedding table and
# the decoder bias is ``output_bias``.
_TIED = ("predictions.decoder.weight", "predictions.decoder.bias")
_PROJECTION = "encoder.embedding_hidden_mapping_in."


class TF1CompatibilityError(ValueError):
    """Canonical weights cannot be written as an original TF1 checkpoint (reasons listed)."""


def _tf() -> Any:
    try:
        import tensorflow as tf
    except ImportError as err:
        raise ImportError(
            "reading or writing original TF1 ALBERT checkpoints needs TensorFlow: "
            "pip install 'albert-models[tf]'"
        ) from err
    return tf


# ------------------------------------------------------------------------- layer groups
def original_group_of_layer(config: AlbertConfig, layer_index: int) -> int:
    """The group the original graph runs at layer ``layer_index``.

    ``modeling.transformer_model`` computes ``int(layer_idx / num_hidden_layers *
    num_hidden_groups)``, evaluated here in the same (double precision) order.
    """
    return int(layer_index / config.num_hidden_layers * config.num_hidden_groups)


def original_groups(config: AlbertConfig) -> list[int]:
    """The original graph's group index for every layer application, in order."""
    return [original_group_of_layer(config, i) for i in range(config.num_hidden_layers)]


def _group_sources(config: AlbertConfig) -> dict[int, int]:
    """``{canonical group: original group}`` such that both graphs run the same weights.

    Raises TF1CompatibilityError when one canonical group would need two original groups.
    Canonical groups that no layer runs take the original group of the same index when
    that exists (their value never matters).
    """
    ours, theirs = config.layer_groups(), original_groups(config)
    sources: dict[int, set[int]] = {}
    for group, original in zip(ours, theirs, strict=True):
        sources.setdefault(group, set()).add(original)
    result = {}
    conflicts = []
    for group in range(config.num_hidden_groups):
        found = sources.get(group)
        if found is None:
            result[group] = group if group in theirs else min(theirs)
        elif len(found) > 1:
            conflicts.append(f"group {group} runs where the original runs groups {sorted(found)}")
        else:
            result[group] = found.pop()
    if conflicts:
        raise TF1CompatibilityError(
            f"num_hidden_layers={config.num_hidden_layers}, num_hidden_groups="
            f"{config.num_hidden_groups}: the original code assigns layers to groups "
            "differently and the difference cannot be remapped: " + "; ".join(conflicts)
        )
    return result


# ------------------------------------------------------------------------- name mapping
@dataclasses.dataclass(frozen=True)
class VariableSpec:
    """One original variable: its name, the canonical name and whether it is transposed."""

    name: str
    canonical: str
    transpose: bool


def _bare(name: str) -> str:
    return name.removeprefix(schema.PREFIX)


def original_name(
    canonical: str, group_map: Mapping[int, int] | None = None
) -> VariableSpec | None:
    """The original variable of a canonical name (with or without ``albert.``), or None.

    None for names the original graph does not store: the tied decoder copies. Layer
    groups are renamed through ``group_map`` (canonical -> original group) when given.
    """
    bare = _bare(canonical)
    if bare in _TIED:
        return None
    if bare in _WHOLE_VARIABLES:
        return VariableSpec(_WHOLE_VARIABLES[bare], canonical, False)
    module, _, _ = bare.rpartition(".")
    kind = schema.kind_of(bare)
    leaf = _LEAVES[kind]
    found = _LAYER.match(bare)
    if found:
        group, inner, rest = int(found.group(1)), found.group(2), found.group(3)
        sub = rest.rpartition(".")[0]
        if sub not in _LAYER_MODULES:
            raise KeyError(f"{canonical!r} has no original ALBERT variable")
        group = group_map.get(group, group) if group_map else group
        scope = f"bert/encoder/transformer/group_{group}/inner_group_{inner}/{_LAYER_MODULES[sub]}"
    elif module in _TOP_MODULES:
        scope = _TOP_MODULES[module]
    else:
        raise KeyError(f"{canonical!r} has no original ALBERT variable")
    return VariableSpec(f"{scope}/{leaf}", canonical, kind == "linear")


def variable_specs(config: AlbertConfig, head: str) -> list[VariableSpec]:
    """Every variable the original graph of ``head`` restores, for ``config``.

    One spec per original variable: for canonical groups that share an original group
    (see :func:`original_group_of_layer`), the lowest canonical group is named.
    """
    if head not in TF1_HEADS:
        raise TF1CompatibilityError(
            f"the original ALBERT code has no checkpoint layout for the {head!r} head "
            f"(it has {', '.join(TF1_HEADS)}); convert with --head model to keep the backbone"
        )
    group_map = _group_sources(config)
    used = set(original_groups(config))
    specs: dict[str, VariableSpec] = {}
    for tensor in schema.tensor_specs(config, head):
        bare = _bare(tensor.name)
        if bare.startswith(_PROJECTION) and config.embedding_size == config.hidden_size:
            continue
        spec = original_name(tensor.name, group_map)
        if spec is None:
            continue
        found = _ORIGINAL_LAYER.match(spec.name)
        if found and int(found.group(1)) not in used:
            continue
        specs.setdefault(spec.name, spec)
    return list(specs.values())


def original_config_dict(config: AlbertConfig) -> dict[str, Any]:
    """The ``albert_config.json`` the original code reads for ``config``.

    Raises TF1CompatibilityError when the activation has no original counterpart.
    """
    if config.hidden_act not in ORIGINAL_ACTIVATIONS:
        raise TF1CompatibilityError(_activation_problem(config.hidden_act))
    data: dict[str, Any] = {
        "attention_probs_dropout_prob": config.attention_probs_dropout_prob,
        "embedding_size": config.embedding_size,
        "hidden_act": ORIGINAL_ACTIVATIONS[config.hidden_act],
        "hidden_dropout_prob": config.hidden_dropout_prob,
        "hidden_size": config.hidden_size,
        "initializer_range": config.initializer_range,
        "inner_group_num": config.inner_group_num,
        "intermediate_size": config.intermediate_size,
        "max_position_embeddings": config.max_position_embeddings,
        "num_attention_heads": config.num_attention_heads,
        "num_hidden_groups": config.num_hidden_groups,
        "num_hidden_layers": config.num_hidden_layers,
        "type_vocab_size": config.type_vocab_size,
        "vocab_size": config.vocab_size,
    }
    for key, default in ORIGINAL_ONLY_KEYS.items():
        data[key] = config.extra.get(key, default)
    return dict(sorted(data.items()))


def _activation_problem(act: str) -> str:
    if act == "gelu":
        return (
            "hidden_act='gelu' is the exact (erf) GELU, which the original code does not "
            "have: its 'gelu' is the tanh approximation (our 'gelu_new')"
        )
    return (
        f"hidden_act={act!r} has no counterpart in the original code, which knows "
        f"{sorted(set(ORIGINAL_ACTIVATIONS.values()))}"
    )


# ------------------------------------------------------------------------------ finding
def is_checkpoint(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is (or is a directory holding) a TF1 checkpoint."""
    try:
        find_checkpoint(path)
    except (FileNotFoundError, CheckpointError):
        return False
    return True


def _step_key(prefix: Path) -> tuple[int, int, str]:
    step = prefix.name.rpartition("-")[2]
    return (prefix.name.startswith(CHECKPOINT_PREFIX), int(step) if step.isdigit() else -1,
            prefix.name)  # fmt: skip


def find_checkpoint(path: str | os.PathLike[str]) -> Path:
    """The checkpoint prefix (``dir/model.ckpt-1000``) that ``path`` designates.

    ``path`` may be the prefix itself, its ``.index`` or ``.data-*`` file, or a directory:
    the checkpoint named by its ``checkpoint`` state file, else the ``model.ckpt-*`` with the
    highest step, else a TF-Hub module's ``variables/variables``.
    """
    path = Path(path)
    if path.is_dir():
        state = path / CHECKPOINT_STATE_NAME
        if state.is_file():
            found = re.search(r'^model_checkpoint_path:\s*"(.*)"', state.read_text("utf-8"), re.M)
            if found:
                # Savers may record absolute paths: a copied or moved directory must still
                # read its own files, so the name is looked up here first.
                stated = Path(found.group(1))
                for prefix in (path / stated.name, stated if stated.is_absolute() else None):
                    if prefix is not None and prefix.with_name(prefix.name + ".index").is_file():
                        return prefix
        candidates = [p.with_suffix("") for p in path.glob("*.index") if p.is_file()]
        if candidates:
            return max(candidates, key=_step_key)
        hub = path / "variables" / "variables"
        if hub.with_name("variables.index").is_file():
            return hub
        raise FileNotFoundError(f"{path}: no TF1 checkpoint (model.ckpt-*.index) in this directory")
    if path.name.endswith(".index") and path.is_file():
        return path.with_suffix("")
    data = re.match(r"^(.*)\.data-\d{5}-of-\d{5}$", path.name)
    if data:
        return path.with_name(data.group(1))
    if path.with_name(path.name + ".index").is_file():
        return path
    raise FileNotFoundError(f"no TF1 checkpoint at {path} (expected {path.name}.index)")


def checkpoint_root(prefix: Path) -> Path:
    """The directory a checkpoint belongs to: its own, or a TF-Hub module's top directory."""
    if prefix.name == "variables" and prefix.parent.name == "variables":
        return prefix.parent.parent
    return prefix.parent


def find_config(prefix: Path) -> Path | None:
    """The ``albert_config.json`` next to a checkpoint (or in a TF-Hub module's assets)."""
    top = checkpoint_root(prefix)
    for root in (top, top / "assets"):
        if (root / ORIGINAL_CONFIG_NAME).is_file():
            return root / ORIGINAL_CONFIG_NAME
    return None


# ------------------------------------------------------------------------------ reading
@dataclasses.dataclass
class TF1Checkpoint:
    """What :func:`read` found in an original checkpoint."""

    prefix: Path
    head: str
    #: Canonical names of ``head`` (``albert.`` prefix for the heads) -> arrays, PyTorch
    #: layout; tied decoder copies are left to :func:`albert_core.schema.match`.
    arrays: dict[str, np.ndarray]
    #: Original variable name -> why it was not converted.
    skipped: dict[str, str]
    #: The ``global_step`` variable (else the step in the file name; None if neither).
    global_step: int | None = None
    #: The files the checkpoint consists of.
    files: list[Path] = dataclasses.field(default_factory=list)


def _open_reader(prefix: Path) -> Any:
    tf = _tf()
    try:
        return tf.train.load_checkpoint(str(prefix))
    except Exception as err:  # tf.errors.OpError, ValueError, ...
        message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise CheckpointError(f"{prefix}: not a readable TF1 checkpoint ({message})") from None


def list_variables(path: str | os.PathLike[str]) -> dict[str, tuple[tuple[int, ...], str]]:
    """``{variable name: (shape, dtype name)}`` of the checkpoint at ``path``."""
    reader = _open_reader(find_checkpoint(path))
    shapes = reader.get_variable_to_shape_map()
    dtypes = reader.get_variable_to_dtype_map()
    return {name: (tuple(shapes[name]), dtypes[name].name) for name in sorted(shapes)}


def read_variables(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """The model variables of a TF1 checkpoint by original name (no slots, no prefix)."""
    prefix = find_checkpoint(path)
    reader = _open_reader(prefix)
    out = {}
    for name in reader.get_variable_to_shape_map():
        bare = name.removeprefix(HUB_PREFIX)
        if bare == GLOBAL_STEP or bare.rpartition("/")[2] in OPTIMIZER_SLOTS:
            continue
        out[bare] = np.asarray(reader.get_tensor(name))
    return out


def infer_head(names: Iterable[str], config: AlbertConfig) -> str:
    """The head whose original variables ``names`` (prefix-free) hold.

    The names are translated to canonical ones and :func:`albert_core.schema.infer_head`
    decides, as it does for every other format.
    """
    canonical: dict[str, str] = {}
    for head in (*TF1_HEADS[1:], TF1_HEADS[0]):  # prefixed (head) names first
        for spec in variable_specs(config, head):
            canonical.setdefault(spec.name, spec.canonical)
    return schema.infer_head(canonical[n] for n in names if n in canonical)


def _skip_reason(name: str, config: AlbertConfig) -> str | None:
    if name == GLOBAL_STEP:
        return "training step"
    if name.rpartition("/")[2] in OPTIMIZER_SLOTS:
        return "optimizer slot"
    if name.startswith("bert/encoder/embedding_hidden_mapping_in/") and (
        config.embedding_size == config.hidden_size
    ):
        return "not used by the original graph (embedding_size == hidden_size)"
    found = _ORIGINAL_LAYER.match(name)
    if found and int(found.group(1)) < config.num_hidden_groups:
        if int(found.group(1)) not in set(original_groups(config)):
            return "layer group the original graph never runs"
    return None


def read(
    path: str | os.PathLike[str],
    config: AlbertConfig,
    *,
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
) -> TF1Checkpoint:
    """Read an original checkpoint into canonical arrays of the head its variables imply.

    ``config`` (from the checkpoint's ``albert_config.json``) gives the layer sharing and
    whether the embedding projection exists. Optimizer slots and ``global_step`` are skipped
    and reported; a ``module/`` prefix is dropped.

    Raises:
        FileNotFoundError: no checkpoint at ``path``.
        CheckpointError: unreadable files; or unknown variable names and variables missing
            or of the wrong shape for ``config``, all listed in one message.
    """
    prefix = find_checkpoint(path)
    reader = _open_reader(prefix)
    stored = reader.get_variable_to_shape_map()
    names = {name.removeprefix(HUB_PREFIX): name for name in stored}
    skipped: dict[str, str] = {}
    kept = {}
    for name, raw in sorted(names.items()):
        reason = _skip_reason(name, config)
        if reason:
            skipped[raw] = reason
        else:
            kept[name] = raw
    head = infer_head(kept, config)
    specs = {spec.name: spec for spec in variable_specs(config, head)}
    known = {spec.name for other in TF1_HEADS for spec in variable_specs(config, other)}
    for name in [n for n in kept if n not in specs and n in known]:
        # e.g. the pooler of an MLM-only graph: the original builds it, our head has none
        skipped[kept.pop(name)] = f"not a weight of the {head!r} head"
    unknown = sorted(names[n] for n in kept if n not in specs)
    shapes = schema.expected_shapes(config, head)
    missing, wrong = [], []
    arrays: dict[str, np.ndarray] = {}
    iterate = progress or (lambda items: items)
    for name, spec in iterate(list(specs.items())):
        if name not in kept:
            missing.append(f"{name} ({_bare(spec.canonical)})")
            continue
        try:
            value = np.asarray(reader.get_tensor(kept[name]))
        except Exception as err:
            raise CheckpointError(f"{prefix}: cannot read {kept[name]} ({err})") from None
        want = shapes[spec.canonical]
        if spec.transpose:
            want = tuple(reversed(want))
        if tuple(value.shape) != tuple(want):
            wrong.append(f"{kept[name]}: expected {tuple(want)}, checkpoint has {value.shape}")
            continue
        arrays[spec.canonical] = np.ascontiguousarray(value.T if spec.transpose else value)
    problems = []
    if unknown:
        problems.append(
            f"unknown ({len(unknown)}, not variables of the original ALBERT code for this "
            f"config): {', '.join(unknown)}"
        )
    if missing:
        problems.append(f"missing ({len(missing)}): " + ", ".join(missing))
    problems += [f"shape mismatch: {line}" for line in wrong]
    if problems:
        raise CheckpointError(
            f"{prefix} does not match its config (hidden_size={config.hidden_size}, "
            f"intermediate_size={config.intermediate_size}, "
            f"embedding_size={config.embedding_size}, num_hidden_groups="
            f"{config.num_hidden_groups}, inner_group_num={config.inner_group_num}):\n"
            + "\n".join(problems)
        )
    _fill_from_original(arrays, config, head)
    step = None
    if GLOBAL_STEP in names:
        with contextlib.suppress(Exception):
            step = int(np.asarray(reader.get_tensor(names[GLOBAL_STEP])))
    suffix = prefix.name.rpartition("-")[2]
    if step is None and suffix.isdigit():
        step = int(suffix)
    files = sorted(p for p in prefix.parent.glob(prefix.name + ".*") if p.is_file())
    return TF1Checkpoint(prefix, head, arrays, skipped, step, files)


def _fill_from_original(arrays: dict[str, np.ndarray], config: AlbertConfig, head: str) -> None:
    """Add what the canonical layout has and the original stores implicitly, in place."""
    group_map = _group_sources(config)
    for tensor in schema.tensor_specs(config, head):
        if tensor.name in arrays or _bare(tensor.name) in _TIED:
            continue
        found = _LAYER.match(_bare(tensor.name))
        if found:  # a canonical group that shares the original group of another one
            original = group_map[int(found.group(1))]
            source = next(
                name for name in arrays
                if (m := _LAYER.match(_bare(name))) and m.group(2, 3) == found.group(2, 3)
                and group_map[int(m.group(1))] == original
            )  # fmt: skip
            arrays[tensor.name] = arrays[source]
        elif _bare(tensor.name).startswith(_PROJECTION):
            dtype = arrays[next(n for n in arrays if n.endswith("word_embeddings.weight"))].dtype
            if tensor.kind == "linear":
                arrays[tensor.name] = np.eye(config.hidden_size, dtype=dtype)
            else:
                arrays[tensor.name] = np.zeros(config.hidden_size, dtype=dtype)
    # Keep the schema's order, as the other readers do.
    order = {t.name: i for i, t in enumerate(schema.tensor_specs(config, head))}
    items = sorted(arrays.items(), key=lambda item: order.get(item[0], len(order)))
    arrays.clear()
    arrays.update(items)


# ------------------------------------------------------------------------------ writing
def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and np.array_equal(np.asarray(a), np.asarray(b))


def compatibility_problems(
    arrays: Mapping[str, np.ndarray], config: AlbertConfig, head: str
) -> list[str]:
    """Why ``arrays`` (aligned with ``head``'s schema) cannot be an original checkpoint.

    An empty list means they can be written losslessly.
    """
    problems = []
    if head not in TF1_HEADS:
        problems.append(
            f"the original ALBERT code has no checkpoint layout for the {head!r} head "
            f"(only {', '.join(TF1_HEADS)}); convert with --head model to keep the backbone"
        )
    if config.hidden_act not in ORIGINAL_ACTIVATIONS:
        problems.append(_activation_problem(config.hidden_act))
    if config.layer_norm_eps != ORIGINAL_LAYER_NORM_EPS:
        problems.append(
            f"layer_norm_eps={config.layer_norm_eps} differs from the {ORIGINAL_LAYER_NORM_EPS} "
            "the original layer norm uses"
        )
    prefix = "" if head == "model" else schema.PREFIX
    if config.embedding_size == config.hidden_size:
        weight = arrays.get(prefix + _PROJECTION + "weight")
        bias = arrays.get(prefix + _PROJECTION + "bias")
        if weight is not None and bias is not None:
            w = np.asarray(weight, dtype=np.float64)
            b = np.asarray(bias, dtype=np.float64)
            eye = np.eye(config.hidden_size)
            if not (np.array_equal(w, eye) and not np.any(b)):
                problems.append(
                    "embedding_size == hidden_size, so the original graph has no embedding "
                    "projection, but encoder.embedding_hidden_mapping_in is not the identity "
                    f"(max |weight - I| = {np.max(np.abs(w - eye)):.3g}, "
                    f"max |bias| = {np.max(np.abs(b)) if b.size else 0.0:.3g})"
                )
    decoder, words = "predictions.decoder.weight", prefix + "embeddings.word_embeddings.weight"
    if decoder in arrays and words in arrays and not _same(arrays[decoder], arrays[words]):
        problems.append(
            "predictions.decoder.weight differs from the word embeddings; the original MLM "
            "head always decodes with the embedding table"
        )
    bias, decoder_bias = "predictions.bias", "predictions.decoder.bias"
    if bias in arrays and decoder_bias in arrays and not _same(arrays[bias], arrays[decoder_bias]):
        problems.append("predictions.decoder.bias differs from predictions.bias")
    sop = arrays.get("sop_classifier.classifier.weight")
    if sop is not None and sop.shape[0] != 2:
        problems.append(
            f"the sentence-order head has {sop.shape[0]} outputs; the original has 2"
        )
    try:
        group_map = _group_sources(config)
    except TF1CompatibilityError as err:
        problems.append(str(err))
    else:
        problems += _shared_group_problems(arrays, config, group_map)
    return problems


def _shared_group_problems(
    arrays: Mapping[str, np.ndarray], config: AlbertConfig, group_map: Mapping[int, int]
) -> list[str]:
    """Canonical groups stored as one original group must hold identical weights."""
    theirs = original_groups(config)
    ours = config.layer_groups()
    problems = []
    for original in sorted(set(theirs)):
        groups = sorted({g for g, o in zip(ours, theirs, strict=True) if o == original})
        if len(groups) < 2:
            continue
        first = {m.group(2, 3): a for n, a in arrays.items()
                 if (m := _LAYER.match(_bare(n))) and int(m.group(1)) == groups[0]}  # fmt: skip
        for name, value in arrays.items():
            found = _LAYER.match(_bare(name))
            if found and int(found.group(1)) in groups[1:]:
                if not _same(value, first[found.group(2, 3)]):
                    problems.append(
                        f"the original graph runs one group ({original}) where this model runs "
                        f"groups {groups}, whose weights differ ({_bare(name)})"
                    )
                    break
    return problems


def to_original(
    arrays: Mapping[str, np.ndarray], config: AlbertConfig, head: str
) -> dict[str, np.ndarray]:
    """``{original variable name: array}`` (original layout) for canonical ``arrays``.

    Raises TF1CompatibilityError listing every reason the model cannot be written.
    """
    problems = compatibility_problems(arrays, config, head)
    if problems:
        raise TF1CompatibilityError(
            "this model cannot be written as an original TF1 ALBERT checkpoint:\n- "
            + "\n- ".join(problems)
        )
    out = {}
    missing = []
    for spec in variable_specs(config, head):
        value = arrays.get(spec.canonical)
        if value is None:
            missing.append(spec.canonical)
            continue
        value = np.asarray(value)
        out[spec.name] = np.ascontiguousarray(value.T if spec.transpose else value)
    if missing:
        raise TF1CompatibilityError(f"no value for {', '.join(missing)}")
    return out


def _checkpoint_state(prefix_name: str) -> str:
    return (
        f'model_checkpoint_path: "{prefix_name}"\n'
        f'all_model_checkpoint_paths: "{prefix_name}"\n'
    )


def write(
    directory: str | os.PathLike[str],
    arrays: Mapping[str, np.ndarray],
    config: AlbertConfig,
    head: str,
    *,
    step: int = 0,
    overwrite: bool = False,
) -> list[Path]:
    """Write an original checkpoint of ``arrays`` (canonical names of ``head``).

    Writes ``model.ckpt-<step>.index`` / ``.data-00000-of-00001`` (``tf.raw_ops.SaveV2``,
    the op ``tf.compat.v1.train.Saver`` uses; the variables, a ``global_step`` and nothing
    else), the ``checkpoint`` state file and ``albert_config.json``, so google-research's
    code restores it with ``init_checkpoint=<directory>/model.ckpt-<step>``. Files appear
    only once all are written. Returns their paths.

    Raises:
        TF1CompatibilityError: the model has no exact original counterpart (reasons listed).
        FileExistsError: a file exists and ``overwrite`` is off.
    """
    tf = _tf()
    variables = to_original(arrays, config, head)
    original_config = original_config_dict(config)
    dtypes = sorted({a.dtype.name for a in variables.values()} - {"float32"})
    if dtypes:
        warnings.warn(
            f"writing a TF1 checkpoint in {', '.join(dtypes)}: the original code creates "
            "float32 variables, so it restores this checkpoint only into a graph built with "
            "the same dtype",
            stacklevel=2,
        )
    directory = Path(directory)
    prefix_name = f"{CHECKPOINT_PREFIX}-{int(step)}"
    targets = [
        directory / f"{prefix_name}.index",
        directory / f"{prefix_name}.data-00000-of-00001",
        directory / CHECKPOINT_STATE_NAME,
        directory / ORIGINAL_CONFIG_NAME,
    ]
    for target in targets:
        check_writable(target, overwrite=overwrite)
    directory.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{prefix_name}.", suffix=".tmp", dir=directory))
    try:
        names = sorted(variables)
        tensors = [tf.constant(variables[name]) for name in names]
        names.append(GLOBAL_STEP)
        tensors.append(tf.constant(np.int64(step)))
        tf.raw_ops.SaveV2(
            prefix=str(scratch / prefix_name),
            tensor_names=names,
            shape_and_slices=[""] * len(names),
            tensors=tensors,
        )
        written = sorted(scratch.iterdir())
        expected = {t.name for t in targets[:2]}
        if {p.name for p in written} != expected:
            raise CheckpointError(
                f"SaveV2 wrote {[p.name for p in written]}, expected {sorted(expected)}"
            )
        for path in written:
            os.replace(path, directory / path.name)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    atomic_write_text(targets[2], _checkpoint_state(prefix_name), overwrite=True)
    text = json.dumps(original_config, indent=2, sort_keys=True) + "\n"
    atomic_write_text(targets[3], text, overwrite=True)
    return targets
