"""The canonical weight schema: every tensor name, shape and tie of an ALBERT model.

Canonical names are the transformers PyTorch state-dict names, e.g.
``albert.embeddings.word_embeddings.weight``; shapes are in PyTorch layout (a linear weight
is ``[out, in]``). This module is the only place that spells a weight name in full. Keras and
Flax names (and the transposes between the layouts) are derived here too, by rule, so the
file formats and the backends never build names with their own string surgery.

A *head* is one of :data:`HEADS`. The base model (``"model"``) stores its names without the
``albert.`` prefix, exactly as transformers' ``AlbertModel`` does.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Literal

import numpy as np

from albert_core.heads import HEADS, head_from_class_name, head_spec

if TYPE_CHECKING:
    from albert_core.config import AlbertConfig

PREFIX = "albert."

Kind = Literal["linear", "embedding", "norm_scale", "norm_bias", "bias"]


#: Buffers that old checkpoints carry and that are not weights; dropped silently on load.
IGNORED_NAMES = frozenset(
    {
        "embeddings.position_ids",
        "albert.embeddings.position_ids",
        "embeddings.token_type_ids",
        "albert.embeddings.token_type_ids",
    }
)


@dataclasses.dataclass(frozen=True)
class TensorSpec:
    """One canonical tensor: its name, shape (PyTorch layout), kind and optional tie."""

    name: str
    shape: tuple[int, ...]
    kind: Kind
    tied_to: str | None = None


def layer_prefix(group: int, layer: int) -> str:
    """Canonical prefix (without ``albert.``) of inner layer ``layer`` of shared group ``group``."""
    return f"encoder.albert_layer_groups.{group}.albert_layers.{layer}."


def _backbone(config: AlbertConfig, pooler: bool) -> list[TensorSpec]:
    e, h, i = config.embedding_size, config.hidden_size, config.intermediate_size
    specs = [
        TensorSpec("embeddings.word_embeddings.weight", (config.vocab_size, e), "embedding"),
        TensorSpec(
            "embeddings.position_embeddings.weight",
            (config.max_position_embeddings, e),
            "embedding",
        ),
        TensorSpec(
            "embeddings.token_type_embeddings.weight", (config.type_vocab_size, e), "embedding"
        ),
        TensorSpec("embeddings.LayerNorm.weight", (e,), "norm_scale"),
        TensorSpec("embeddings.LayerNorm.bias", (e,), "norm_bias"),
        TensorSpec("encoder.embedding_hidden_mapping_in.weight", (h, e), "linear"),
        TensorSpec("encoder.embedding_hidden_mapping_in.bias", (h,), "bias"),
    ]
    for g in range(config.num_hidden_groups):
        for k in range(config.inner_group_num):
            p = layer_prefix(g, k)
            specs += [
                TensorSpec(p + "full_layer_layer_norm.weight", (h,), "norm_scale"),
                TensorSpec(p + "full_layer_layer_norm.bias", (h,), "norm_bias"),
            ]
            for proj in ("query", "key", "value", "dense"):
                specs += [
                    TensorSpec(f"{p}attention.{proj}.weight", (h, h), "linear"),
                    TensorSpec(f"{p}attention.{proj}.bias", (h,), "bias"),
                ]
            specs += [
                TensorSpec(p + "attention.LayerNorm.weight", (h,), "norm_scale"),
                TensorSpec(p + "attention.LayerNorm.bias", (h,), "norm_bias"),
                TensorSpec(p + "ffn.weight", (i, h), "linear"),
                TensorSpec(p + "ffn.bias", (i,), "bias"),
                TensorSpec(p + "ffn_output.weight", (h, i), "linear"),
                TensorSpec(p + "ffn_output.bias", (h,), "bias"),
            ]
    if pooler:
        specs += [
            TensorSpec("pooler.weight", (h, h), "linear"),
            TensorSpec("pooler.bias", (h,), "bias"),
        ]
    return specs


def _mlm_head(config: AlbertConfig) -> list[TensorSpec]:
    e, h, v = config.embedding_size, config.hidden_size, config.vocab_size
    word = PREFIX + "embeddings.word_embeddings.weight"
    # In PyTorch state-dict order: the head's own ``bias`` first, then its sub-modules.
    return [
        TensorSpec("predictions.bias", (v,), "bias"),
        TensorSpec("predictions.LayerNorm.weight", (e,), "norm_scale"),
        TensorSpec("predictions.LayerNorm.bias", (e,), "norm_bias"),
        TensorSpec("predictions.dense.weight", (e, h), "linear"),
        TensorSpec("predictions.dense.bias", (e,), "bias"),
        TensorSpec(
            "predictions.decoder.weight",
            (v, e),
            "linear",
            tied_to=word if config.tie_word_embeddings else None,
        ),
        TensorSpec("predictions.decoder.bias", (v,), "bias", tied_to="predictions.bias"),
    ]


def _linear(name: str, out_features: int, in_features: int) -> list[TensorSpec]:
    return [
        TensorSpec(f"{name}.weight", (out_features, in_features), "linear"),
        TensorSpec(f"{name}.bias", (out_features,), "bias"),
    ]


def tensor_specs(config: AlbertConfig, head: str) -> list[TensorSpec]:
    """Every tensor of ``head`` for ``config``, named as transformers' PyTorch class names it."""
    spec = head_spec(head)
    backbone = _backbone(config, pooler=spec.has_pooler)
    if head == "model":
        return backbone
    specs = [dataclasses.replace(t, name=PREFIX + t.name) for t in backbone]
    for layer in spec.layers:
        if layer == "predictions":
            specs += _mlm_head(config)
        else:
            specs += _linear(layer, spec.classifier_outputs(config), config.hidden_size)
    return specs


def expected_shapes(config: AlbertConfig, head: str) -> dict[str, tuple[int, ...]]:
    """``{canonical name: shape}`` of every tensor of ``head``, tied names included."""
    return {t.name: t.shape for t in tensor_specs(config, head)}


def tied_names(config: AlbertConfig, head: str) -> dict[str, str]:
    """``{tied name: source name}``: tensors that are the same parameter as another."""
    return {t.name: t.tied_to for t in tensor_specs(config, head) if t.tied_to}


def possible_ties(head: str) -> dict[str, str]:
    """``{tied name: source name}`` of every tie ``head`` has when its config ties them.

    Needs no config, for writers that only see arrays: whether a tie is in force for a
    given set of arrays is for the caller to decide (e.g. both arrays are equal).
    """
    from albert_core.config import AlbertConfig

    probe = AlbertConfig(
        vocab_size=8, embedding_size=2, hidden_size=2, num_hidden_layers=1,
        num_attention_heads=1, intermediate_size=2, tie_word_embeddings=True,
    )  # fmt: skip
    return tied_names(probe, head)


def kind_of(name: str) -> Kind:
    """The kind of a canonical name, from its last two components (no config needed)."""
    module, _, leaf = name.rpartition(".")
    last = module.rpartition(".")[2]
    if last.endswith("embeddings") and leaf == "weight":
        return "embedding"
    if last == "LayerNorm" or last.endswith("layer_norm"):
        return "norm_scale" if leaf == "weight" else "norm_bias"
    if leaf == "weight":
        return "linear"
    return "bias"


# ------------------------------------------------------------------- loading report
@dataclasses.dataclass
class LoadReport:
    """What happened when a set of arrays was matched against a model's schema."""

    head: str
    missing: list[str] = dataclasses.field(default_factory=list)
    unexpected: list[str] = dataclasses.field(default_factory=list)
    mismatched: list[tuple[str, tuple[int, ...], tuple[int, ...]]] = dataclasses.field(
        default_factory=list
    )
    filled_from_tie: list[str] = dataclasses.field(default_factory=list)
    ignored: list[str] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing is missing, unexpected or of the wrong shape."""
        return not (self.missing or self.unexpected or self.mismatched)

    def loading_info(self) -> dict[str, list[str]]:
        """The report as transformers' ``output_loading_info=True`` dict."""
        return {
            "missing_keys": list(self.missing),
            "unexpected_keys": list(self.unexpected),
            "mismatched_keys": [name for name, _, _ in self.mismatched],
            "error_msgs": [],
        }

    def describe(self) -> str:
        """A multi-line, human-readable account listing every offending name."""
        lines = []
        if self.missing:
            lines.append(f"missing ({len(self.missing)}): " + ", ".join(self.missing))
        if self.unexpected:
            lines.append(f"unexpected ({len(self.unexpected)}): " + ", ".join(self.unexpected))
        for name, want, got in self.mismatched:
            lines.append(f"shape mismatch: {name} expected {want}, checkpoint has {got}")
        return "\n".join(lines) if lines else "all weights matched"


class WeightsMismatchError(ValueError):
    """Checkpoint tensors do not fit the model: the message lists every offending name."""

    def __init__(self, report: LoadReport, source: str = "checkpoint") -> None:
        self.report = report
        super().__init__(
            f"{source} does not match the {report.head!r} head:\n{report.describe()}"
        )


def _with_prefix_of(names: Iterable[str], head: str, arrays: Mapping[str, np.ndarray]):
    """Rename ``arrays`` so their backbone prefix agrees with ``head``'s convention."""
    has_prefix = any(k.startswith(PREFIX) for k in arrays)
    wanted = set(names)
    out: dict[str, np.ndarray] = {}
    for key, value in arrays.items():
        if head == "model" and has_prefix:
            # A checkpoint with heads loaded into the bare backbone: keep only the backbone.
            new = key.removeprefix(PREFIX) if key.startswith(PREFIX) else key
        elif head != "model" and not has_prefix and PREFIX + key in wanted:
            new = PREFIX + key
        else:
            new = key
        out[new] = value
    return out


def _resolve_bias_tie(arrays: dict[str, np.ndarray]) -> None:
    """Reconcile ``predictions.decoder.bias`` with ``predictions.bias`` in place.

    transformers' TF loads PyTorch checkpoints without the decoder bias (it stays zero), and
    its MLM head adds the decoder bias, so files it wrote may disagree. A zero copy yields to
    the other; two different non-zero copies keep ``predictions.bias``, with a warning.
    """
    src, dst = "predictions.bias", "predictions.decoder.bias"
    if src not in arrays or dst not in arrays:
        return
    a, b = arrays[src], arrays[dst]
    if a.shape != b.shape or np.array_equal(a, b):
        return
    if not np.any(a):
        arrays[src] = b
    elif np.any(b):
        warnings.warn(
            f"{src} and {dst} differ although they are one tied parameter; using {src}",
            stacklevel=3,
        )
    arrays[dst] = arrays[src]


def match(
    arrays: Mapping[str, np.ndarray], config: AlbertConfig, head: str
) -> tuple[dict[str, np.ndarray], LoadReport]:
    """Align checkpoint ``arrays`` with the schema of ``head``.

    Returns the arrays renamed to ``head``'s canonical names (tied tensors filled from their
    source when the file omits them) and a :class:`LoadReport`. The ``albert.`` prefix is
    added or removed as transformers does when a checkpoint of one head is loaded into another.
    Nothing is raised here; see :func:`check`.
    """
    specs = tensor_specs(config, head)
    shapes = {t.name: t.shape for t in specs}
    report = LoadReport(head=head)
    renamed = _with_prefix_of(shapes, head, arrays)
    for name in list(renamed):
        if name in IGNORED_NAMES:
            report.ignored.append(name)
            del renamed[name]
    _resolve_bias_tie(renamed)
    out: dict[str, np.ndarray] = {}
    for t in specs:
        value = renamed.get(t.name)
        if value is None and t.tied_to is not None and t.tied_to in renamed:
            value = renamed[t.tied_to]
            report.filled_from_tie.append(t.name)
        if value is None:
            report.missing.append(t.name)
            continue
        if tuple(value.shape) != t.shape:
            report.mismatched.append((t.name, t.shape, tuple(value.shape)))
            continue
        out[t.name] = value
    # Weights of another ALBERT head (an SOP classifier, a pooler the head lacks, an MLM head
    # under a classifier) are unused, not wrong: transformers loads such checkpoints too.
    other_heads = _names_of_other_heads(config, head)
    leftovers = sorted(k for k in renamed if k not in shapes)
    report.ignored += [k for k in leftovers if k in other_heads]
    report.unexpected = [k for k in leftovers if k not in other_heads]
    return out, report


def _names_of_other_heads(config: AlbertConfig, head: str) -> set[str]:
    prefix = "" if head == "model" else PREFIX
    names: set[str] = set()
    for other in HEADS:
        for spec in tensor_specs(config, other):
            name = spec.name if other != "model" else PREFIX + spec.name
            names.add(name.removeprefix(PREFIX) if not prefix and name.startswith(PREFIX)
                      else name)
    return names


def check(
    arrays: Mapping[str, np.ndarray],
    config: AlbertConfig,
    head: str,
    *,
    source: str = "checkpoint",
    strict: bool = True,
) -> tuple[dict[str, np.ndarray], LoadReport]:
    """:func:`match`, then raise :class:`WeightsMismatchError` on any problem.

    With ``strict=False`` missing and unexpected names only warn (listing them); wrong
    shapes always raise, since such a tensor can never be used.
    """
    out, report = match(arrays, config, head)
    if report.mismatched or (strict and not report.ok):
        raise WeightsMismatchError(report, source)
    if not report.ok:
        warnings.warn(
            f"{source} loaded into the {head!r} head with problems; "
            f"missing weights stay randomly initialised:\n{report.describe()}",
            stacklevel=2,
        )
    return out, report


def _head_by_names(names: set[str]) -> str:
    """The head whose own layers ``names`` hold (multiple choice reads as classification)."""
    if any(n.startswith("sop_classifier.") for n in names):
        return "pretraining"
    if any(n.startswith("predictions.") for n in names):
        return "masked-lm"
    if any(n.startswith("qa_outputs.") for n in names):
        return "question-answering"
    if "classifier.weight" in names:
        return "sequence-classification" if PREFIX + "pooler.weight" in names else (
            "token-classification"
        )
    return "model"


def _has_layers_of(head: str, names: set[str]) -> bool:
    """Whether ``names`` hold every layer of ``head`` (and its pooler, when it has one)."""
    spec = head_spec(head)
    if spec.has_pooler and head != "model" and PREFIX + "pooler.weight" not in names:
        return False
    return all(any(n.startswith(layer + ".") for n in names) for layer in spec.layers)


def infer_head(
    names: Iterable[str],
    architectures: Iterable[str] | None = None,
    *,
    config: AlbertConfig | None = None,
) -> str:
    """The head a checkpoint was written for, from its tensor names.

    The names decide what they can; a class named in ``architectures`` (a config's list)
    wins when the names hold its layers, which separates multiple choice from sequence
    classification (they store the same names). With ``config``, ``names`` must be the
    ``{name: array}`` mapping and shapes count too: when the guess does not match the
    tensors exactly, the first other head that does is returned.
    """
    arrays = names if isinstance(names, Mapping) else None
    names = set(names)
    by_names = _head_by_names(names)
    candidates = []
    for arch in architectures or ():
        try:
            candidates.append(head_from_class_name(arch))
        except ValueError:
            continue
    guess = next((h for h in candidates if _has_layers_of(h, names)), by_names)
    if config is None or arrays is None:
        return guess
    for head in dict.fromkeys([guess, *candidates, by_names, *HEADS]):
        if head == "model" and by_names != "model":
            continue
        if match(arrays, config, head)[1].ok:
            return head
    return guess


# ------------------------------------------------------------ Keras and Flax naming
# transformers' TF and Flax classes name their variables after the PyTorch modules; only
# list indices and leaf names differ. These rules are the whole translation.
_KERAS_LEAF: dict[Kind, str] = {
    "linear": "kernel",
    "embedding": "embeddings",
    "norm_scale": "gamma",
    "norm_bias": "beta",
    "bias": "bias",
}
_FLAX_LEAF: dict[Kind, str] = {
    "linear": "kernel",
    "embedding": "embedding",
    "norm_scale": "scale",
    "norm_bias": "bias",
    "bias": "bias",
}
_LIST_MODULES = ("albert_layer_groups", "albert_layers")
_WORD_EMBEDDINGS = "embeddings.word_embeddings.weight"


def needs_transpose(name: str) -> bool:
    """Whether the Keras/Flax layout of ``name`` is the transpose of the canonical one."""
    return kind_of(name) == "linear"


def to_framework_layout(name: str, array: np.ndarray) -> np.ndarray:
    """Canonical (PyTorch) layout -> Keras/Flax layout."""
    return array.T if needs_transpose(name) else array


def from_framework_layout(name: str, array: np.ndarray) -> np.ndarray:
    """Keras/Flax layout -> canonical (PyTorch) layout."""
    return array.T if needs_transpose(name) else array


def to_keras_name(name: str) -> str:
    """``albert.encoder.albert_layer_groups.0...query.weight`` ->
    ``albert/encoder/albert_layer_groups_._0/.../query/kernel:0`` (no model scope)."""
    module, _, _ = name.rpartition(".")
    parts = module.split(".")
    joined: list[str] = []
    for part in parts:
        if part.isdigit() and joined and joined[-1] in _LIST_MODULES:
            joined[-1] = f"{joined[-1]}_._{part}"
        else:
            joined.append(part)
    leaf = _KERAS_LEAF[kind_of(name)]
    if name.endswith(_WORD_EMBEDDINGS):
        leaf = "weight"  # transformers' TF word embeddings are a bare `weight` variable
    return "/".join(joined + [leaf]) + ":0"


def from_keras_name(keras_name: str) -> str:
    """Inverse of :func:`to_keras_name`; a leading model scope (``tf_albert_model/``) is dropped."""
    path = keras_name.removesuffix(":0")
    parts = path.split("/")
    if parts and parts[0].startswith("tf_albert"):
        parts = parts[1:]
    *module, leaf = parts
    module_name = ".".join(module).replace("_._", ".")
    canonical_leaf = "bias" if leaf in ("bias", "beta") else "weight"
    if leaf not in ("kernel", "embeddings", "gamma", "beta", "bias", "weight"):
        raise ValueError(f"{keras_name!r} is not an ALBERT Keras variable name")
    return f"{module_name}.{canonical_leaf}"


def keras_weight_name(name: str, head: str) -> str:
    """Canonical name of ``head`` -> its Keras variable name below the model scope.

    transformers' TF base model (``TFAlbertModel``) keeps its weights in an ``albert`` main
    layer although the canonical (PyTorch) base-model names have no ``albert.`` prefix, so
    base-model names gain that scope: ``embeddings.LayerNorm.weight`` ->
    ``albert/embeddings/LayerNorm/gamma:0``, for every head alike.
    """
    if head == "model" and not name.startswith(PREFIX):
        name = PREFIX + name
    return to_keras_name(name)


def from_keras_weight_name(keras_name: str, head: str) -> str:
    """Inverse of :func:`keras_weight_name`: base-model names lose the ``albert`` main layer."""
    name = from_keras_name(keras_name)
    return name.removeprefix(PREFIX) if head == "model" else name


#: Sub-module names in the order transformers' TF layers create them (within each parent).
_KERAS_CREATION_ORDER = (
    "albert", "embeddings", "word_embeddings", "token_type_embeddings", "position_embeddings",
    "encoder", "embedding_hidden_mapping_in", "albert_layer_groups", "albert_layers",
    "attention", "decoder", "query", "key", "value", "dense", "LayerNorm", "ffn", "ffn_output",
    "full_layer_layer_norm", "pooler", "predictions", "sop_classifier", "classifier",
    "qa_outputs",
)  # fmt: skip
_KERAS_RANK = {part: rank for rank, part in enumerate(_KERAS_CREATION_ORDER)}


def keras_order_key(name: str) -> tuple[int, ...]:
    """Sort key putting canonical names in the order Keras lists the weights of a layer.

    That is the order transformers' TF classes create their variables (the ``weight_names``
    of a ``tf_model.h5``): a layer's own variables (``predictions.bias``) before those of its
    sub-layers, kernels before biases, sub-layers in creation order, list items by index.
    """
    module, _, leaf = name.rpartition(".")
    key = []
    for part in module.split(".") if module else ():
        if part.isdigit():
            key.append(int(part))
        else:
            key.append(_KERAS_RANK.get(part, len(_KERAS_RANK)))
    # Leaves rank below every sub-module: own variables come first, weight before bias.
    key.append(-2 if leaf == "weight" else -1)
    return tuple(key)


_LAYER_SLOT = re.compile(r"(?:^|\.)encoder\.albert_layer_groups\.(\d+)\.albert_layers\.(\d+)\.")


def layer_slots(names: Iterable[str]) -> list[tuple[int, int]]:
    """The distinct ``(group, inner layer)`` pairs that ``names`` hold weights for, sorted."""
    slots = set()
    for name in names:
        found = _LAYER_SLOT.search(name)
        if found:
            slots.add((int(found.group(1)), int(found.group(2))))
    return sorted(slots)


def to_flax_path(name: str) -> tuple[str, ...]:
    """Canonical name -> Flax parameter path.

    ``albert.embeddings.LayerNorm.weight`` -> ``("albert", "embeddings", "LayerNorm", "scale")``.
    """
    module, _, _ = name.rpartition(".")
    return (*module.split("."), _FLAX_LEAF[kind_of(name)])


def from_flax_path(path: tuple[str, ...]) -> str:
    """Inverse of :func:`to_flax_path`."""
    *module, leaf = path
    if leaf not in ("kernel", "embedding", "scale", "bias"):
        raise ValueError(f"{'/'.join(path)!r} is not an ALBERT Flax parameter path")
    return ".".join(module) + (".bias" if leaf == "bias" else ".weight")


# ------------------------------------------------------------------ PyTorch backend
def output_embeddings_module(head: str = "masked-lm") -> str | None:
    """The module of ``head`` whose weight may be tied to the word embeddings (the MLM
    decoder, ``predictions.decoder``), or None for heads without one."""
    word = PREFIX + _WORD_EMBEDDINGS
    for name, source in possible_ties(head).items():
        if source == word:
            return name.rpartition(".")[0]
    return None


# ------------------------------------------------------------------ checkpoint files
# What the tf_model.h5 and flax_model.msgpack writers need beyond the name translation.

#: The masked-LM decoder weight: the word embeddings unless ``tie_word_embeddings=False``.
MLM_DECODER_WEIGHT = "predictions.decoder.weight"
#: The masked-LM decoder bias, a copy of :data:`MLM_BIAS` (Flax has no variable for it).
MLM_DECODER_BIAS = "predictions.decoder.bias"
#: The masked-LM output bias.
MLM_BIAS = "predictions.bias"
#: The word embeddings of a task model (the prefixed canonical name).
WORD_EMBEDDINGS = PREFIX + _WORD_EMBEDDINGS
#: The main layer (and ``tf_model.h5`` group) holding the backbone in every TF ALBERT class.
KERAS_MAIN_LAYER = "albert"
#: The Keras layer of the masked-LM head, which also tracks (and stores) the embeddings.
KERAS_MLM_LAYER = "predictions"


def keras_layer_names(head: str, num_layers: int) -> list[str]:
    """Top-level Keras layers of ``head``'s TF class, as a fresh TensorFlow process names them.

    The backbone's main layer, then the first module of each of the head's layers; a
    top-level classifier read through dropout has that unnamed ``Dropout`` layer before it
    (the sentence-order classifier keeps its dropout inside ``sop_classifier``). Keras
    numbers the dropout after every earlier ``Dropout``: one in the embeddings and three per
    distinct transformer layer (``num_layers`` = groups x inner layers), hence
    ``dropout_{1 + 3 * num_layers}``. transformers matches layers by these names on loading.
    """
    spec = head_spec(head)
    names = [KERAS_MAIN_LAYER]
    for layer in spec.layers:
        top = layer.split(".")[0]
        if spec.classifier_dropout and layer == spec.layers[-1] == top:
            names.append(f"dropout_{1 + 3 * num_layers}")
        names.append(top)
    return names


def keras_layer_of(name: str, head: str) -> str:
    """The top-level Keras layer of ``head``'s TF class that holds the weight ``name``."""
    return keras_weight_name(name, head).split("/", 1)[0]


def is_keras_embedding(name: str, head: str) -> bool:
    """Whether ``name`` is an embeddings weight (which the Keras MLM layer stores too)."""
    return keras_weight_name(name, head).split("/")[:2] == [KERAS_MAIN_LAYER, "embeddings"]


# ------------------------------------------------------------------------ albert_flax
def word_embeddings_name(head: str) -> str:
    """The canonical name of ``head``'s word-embedding table (whose ``pad_token_id`` row
    starts at zero and which the tied masked-LM decoder reads)."""
    return _WORD_EMBEDDINGS if head == "model" else PREFIX + _WORD_EMBEDDINGS
