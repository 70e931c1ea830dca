"""`AlbertConfig`: the model hyper-parameters, compatible with Hugging Face `config.json`.

The same object describes a model in every backend. It reads and writes the `config.json`
that transformers writes (unknown keys are kept and written back) and the original
google-research `albert_config.json`.
"""

from __future__ import annotations

import copy
import inspect
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from albert_core.io_utils import atomic_write_text

CONFIG_NAME = "config.json"
ORIGINAL_CONFIG_NAME = "albert_config.json"

#: Activation names every backend implements, with their definition.
#: ``gelu`` is the exact (erf) GELU; ``gelu_new`` is the tanh approximation used by the
#: original ALBERT code (its ``gelu``), by the released v2 checkpoints and by transformers'
#: ``gelu_new``. ``gelu_fast`` and ``gelu_pytorch_tanh`` are the same tanh approximation.
ACTIVATIONS: dict[str, str] = {
    "gelu": "x * 0.5 * (1 + erf(x / sqrt(2)))",
    "gelu_new": "0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))",
    "gelu_fast": "0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))",
    "gelu_pytorch_tanh": "0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))",
    "quick_gelu": "x * sigmoid(1.702 * x)",
    "relu": "max(x, 0)",
    "silu": "x * sigmoid(x)",
    "swish": "x * sigmoid(x)",
    "tanh": "tanh(x)",
    "sigmoid": "sigmoid(x)",
    "linear": "x",
}

#: Problem types understood by the sequence-classification heads.
PROBLEM_TYPES = ("regression", "single_label_classification", "multi_label_classification")

POSITION_EMBEDDING_TYPES = ("absolute",)

# Named size presets of the released ALBERT models (configs only, no weights): the sizes of
# the published albert-{base,large,xlarge,xxlarge}-{v1,v2} configs. v2 models were trained
# without dropout and with the tanh GELU (``gelu_new``); the v1 configs published on the hub
# name ``gelu`` and use dropout 0.1. :func:`albert_core.presets.preset` builds them.
_SIZES: dict[str, dict[str, int]] = {
    "base": {"hidden_size": 768, "num_attention_heads": 12, "intermediate_size": 3072,
             "num_hidden_layers": 12},
    "large": {"hidden_size": 1024, "num_attention_heads": 16, "intermediate_size": 4096,
              "num_hidden_layers": 24},
    "xlarge": {"hidden_size": 2048, "num_attention_heads": 16, "intermediate_size": 8192,
               "num_hidden_layers": 24},
    "xxlarge": {"hidden_size": 4096, "num_attention_heads": 64, "intermediate_size": 16384,
                "num_hidden_layers": 12},
}

_VERSIONS: dict[str, dict[str, Any]] = {
    "v1": {"hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1},
    "v2": {"hidden_act": "gelu_new", "hidden_dropout_prob": 0.0,
           "attention_probs_dropout_prob": 0.0},
}

#: Preset name -> config keyword arguments, e.g. ``"albert-base-v2"``.
PRESETS: dict[str, dict[str, Any]] = {
    f"albert-{size}-{version}": {
        "vocab_size": 30000,
        "embedding_size": 128,
        "num_hidden_groups": 1,
        "inner_group_num": 1,
        **dims,
        **extra,
    }
    for size, dims in _SIZES.items()
    for version, extra in _VERSIONS.items()
}


class AlbertConfigError(ValueError):
    """An `AlbertConfig` field holds a value the model cannot be built with."""


class AlbertConfig:
    """Hyper-parameters of an ALBERT model.

    Field names and defaults are those of transformers' ``AlbertConfig`` (whose defaults
    describe albert-xxlarge). Unknown keyword arguments are kept in :attr:`extra` and written
    back by :meth:`to_dict`, so a ``config.json`` survives a load/save round trip.

    Args:
        vocab_size: number of token ids.
        embedding_size: width ``E`` of the factorized embeddings.
        hidden_size: width ``H`` of the transformer layers.
        num_hidden_layers: how many times a layer group is applied.
        num_hidden_groups: how many distinct (parameter-shared) layer groups exist.
        num_attention_heads: attention heads; must divide ``hidden_size``.
        intermediate_size: width of the feed-forward inner layer.
        inner_group_num: transformer layers inside each group.
        hidden_act: activation name, one of :data:`ACTIVATIONS`.
        hidden_dropout_prob: dropout after embeddings and sub-layer outputs.
        attention_probs_dropout_prob: dropout on attention probabilities.
        max_position_embeddings: longest sequence the position table covers.
        type_vocab_size: number of token type (segment) ids.
        initializer_range: standard deviation of the truncated-normal initializer.
        layer_norm_eps: epsilon of every LayerNorm.
        classifier_dropout_prob: dropout before classification heads.
        position_embedding_type: only ``"absolute"`` is supported.
        pad_token_id, bos_token_id, eos_token_id: special token ids.
        num_labels: output size of classification heads (derived from ``id2label`` when
            that is given).
        id2label, label2id: label names.
        problem_type: ``None`` or one of :data:`PROBLEM_TYPES`.
        tie_word_embeddings: whether the MLM decoder shares the word-embedding matrix.
    """

    model_type = "albert"

    def __init__(
        self,
        vocab_size: int = 30000,
        embedding_size: int = 128,
        hidden_size: int = 4096,
        num_hidden_layers: int = 12,
        num_hidden_groups: int = 1,
        num_attention_heads: int = 64,
        intermediate_size: int = 16384,
        inner_group_num: int = 1,
        hidden_act: str = "gelu_new",
        hidden_dropout_prob: float = 0.0,
        attention_probs_dropout_prob: float = 0.0,
        max_position_embeddings: int = 512,
        type_vocab_size: int = 2,
        initializer_range: float = 0.02,
        layer_norm_eps: float = 1e-12,
        classifier_dropout_prob: float = 0.1,
        position_embedding_type: str = "absolute",
        pad_token_id: int | None = 0,
        bos_token_id: int | None = 2,
        eos_token_id: int | None = 3,
        num_labels: int | None = None,
        id2label: Mapping[int | str, str] | None = None,
        label2id: Mapping[str, int] | None = None,
        problem_type: str | None = None,
        tie_word_embeddings: bool = True,
        **extra: Any,
    ) -> None:
        arguments = locals()  # first statement: exactly the parameters (see _FIELDS)
        for name in _FIELDS:
            setattr(self, name, arguments[name])
        extra.pop("model_type", None)
        self.extra: dict[str, Any] = dict(extra)
        self._set_labels(num_labels, id2label, label2id)
        self.validate()

    # ----------------------------------------------------------------- labels
    def _set_labels(
        self,
        num_labels: int | None,
        id2label: Mapping[int | str, str] | None,
        label2id: Mapping[str, int] | None,
    ) -> None:
        if id2label is not None:
            self.id2label = {int(k): str(v) for k, v in id2label.items()}
            if num_labels is not None and num_labels != len(self.id2label):
                raise AlbertConfigError(
                    f"num_labels={num_labels} disagrees with id2label, which has "
                    f"{len(self.id2label)} entries"
                )
        else:
            n = 2 if num_labels is None else num_labels
            if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
                raise AlbertConfigError(f"num_labels must be a positive int, got {n!r}")
            self.id2label = {i: f"LABEL_{i}" for i in range(n)}
        if label2id is not None:
            self.label2id = {str(k): int(v) for k, v in label2id.items()}
        else:
            self.label2id = {v: k for k, v in self.id2label.items()}

    @property
    def num_labels(self) -> int:
        """Output size of the classification heads (the length of ``id2label``)."""
        return len(self.id2label)

    @num_labels.setter
    def num_labels(self, value: int) -> None:
        if value != self.num_labels:
            self._set_labels(value, None, None)

    # ------------------------------------------------------------- validation
    def validate(self) -> None:
        """Check every field; raise :class:`AlbertConfigError` naming the first bad one."""
        positive_ints = (
            "vocab_size",
            "embedding_size",
            "hidden_size",
            "num_hidden_layers",
            "num_hidden_groups",
            "num_attention_heads",
            "intermediate_size",
            "inner_group_num",
            "max_position_embeddings",
            "type_vocab_size",
        )
        for name in positive_ints:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise AlbertConfigError(f"{name} must be a positive int, got {value!r}")
        for name in ("hidden_dropout_prob", "attention_probs_dropout_prob"):
            _check_probability(name, getattr(self, name))
        if self.classifier_dropout_prob is not None:
            _check_probability("classifier_dropout_prob", self.classifier_dropout_prob)
        for name in ("initializer_range", "layer_norm_eps"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
                raise AlbertConfigError(f"{name} must be a positive number, got {value!r}")
        if self.hidden_size % self.num_attention_heads != 0:
            raise AlbertConfigError(
                f"hidden_size={self.hidden_size} is not divisible by "
                f"num_attention_heads={self.num_attention_heads}"
            )
        if self.num_hidden_groups > self.num_hidden_layers:
            raise AlbertConfigError(
                f"num_hidden_groups={self.num_hidden_groups} exceeds "
                f"num_hidden_layers={self.num_hidden_layers}: some groups would never run"
            )
        if self.hidden_act not in ACTIVATIONS:
            raise AlbertConfigError(
                f"hidden_act={self.hidden_act!r} is not supported; choose one of "
                f"{sorted(ACTIVATIONS)}"
            )
        if self.position_embedding_type not in POSITION_EMBEDDING_TYPES:
            raise AlbertConfigError(
                f"position_embedding_type={self.position_embedding_type!r} is not supported; "
                f"only {POSITION_EMBEDDING_TYPES} are"
            )
        if self.problem_type is not None and self.problem_type not in PROBLEM_TYPES:
            raise AlbertConfigError(
                f"problem_type={self.problem_type!r} is not one of {PROBLEM_TYPES} or None"
            )
        for name in ("pad_token_id", "bos_token_id", "eos_token_id"):
            value = getattr(self, name)
            if value is not None and not (0 <= value < self.vocab_size):
                raise AlbertConfigError(
                    f"{name}={value!r} is outside the vocabulary [0, {self.vocab_size})"
                )
        if sorted(self.id2label) != list(range(self.num_labels)):
            raise AlbertConfigError(
                f"id2label keys must be 0..{self.num_labels - 1}, got {sorted(self.id2label)}"
            )

    # ------------------------------------------------------------ structure
    @property
    def head_dim(self) -> int:
        """Width of one attention head."""
        return self.hidden_size // self.num_attention_heads

    def group_of_layer(self, layer_index: int) -> int:
        """Index of the shared layer group that the ``layer_index``-th layer application uses.

        Layers are split into ``num_hidden_groups`` contiguous, equally sized runs, as in
        the original ALBERT and in transformers: ``int(layer / (layers / groups))``.
        """
        if not 0 <= layer_index < self.num_hidden_layers:
            raise IndexError(
                f"layer_index={layer_index} is outside [0, {self.num_hidden_layers})"
            )
        return int(layer_index / (self.num_hidden_layers / self.num_hidden_groups))

    def layer_groups(self) -> list[int]:
        """The group index for every layer application, in order."""
        return [self.group_of_layer(i) for i in range(self.num_hidden_layers)]

    # ---------------------------------------------------------- dict / json
    def to_dict(self) -> dict[str, Any]:
        """All fields as a JSON-ready dict in transformers' ``config.json`` layout."""
        out: dict[str, Any] = dict(copy.deepcopy(self.extra))
        for name in _FIELDS:
            out[name] = copy.deepcopy(getattr(self, name))
        out["id2label"] = {str(k): v for k, v in self.id2label.items()}
        out["label2id"] = dict(self.label2id)
        out["model_type"] = self.model_type
        return dict(sorted(out.items()))

    def to_json_string(self) -> str:
        """The config as pretty-printed JSON text."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], **overrides: Any) -> AlbertConfig:
        """Build a config from a ``config.json``-style dict; ``overrides`` win."""
        kwargs = dict(data)
        if "num_labels" in overrides and "id2label" not in overrides:
            # A new label count replaces the stored label names.
            kwargs.pop("id2label", None)
            kwargs.pop("label2id", None)
        kwargs.update(overrides)
        return cls(**kwargs)

    @classmethod
    def from_original_dict(cls, data: Mapping[str, Any], **overrides: Any) -> AlbertConfig:
        """Build a config from a google-research ``albert_config.json`` dict.

        The original code's ``gelu`` is the tanh approximation, which is ``gelu_new`` here;
        mapping it keeps converted models numerically identical to the original graph.
        """
        kwargs = dict(data)
        if kwargs.get("hidden_act") == "gelu":
            kwargs["hidden_act"] = "gelu_new"
        kwargs.update(overrides)
        return cls(**kwargs)

    @classmethod
    def from_json_file(cls, path: str | os.PathLike[str], **overrides: Any) -> AlbertConfig:
        """Read a ``config.json`` (transformers) or ``albert_config.json`` (google-research).

        A file named ``albert_config.json``, or one without ``model_type``, is read as the
        original format.
        """
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise FileNotFoundError(f"no config file at {path}") from None
        except json.JSONDecodeError as err:
            raise AlbertConfigError(f"{path} is not valid JSON: {err}") from None
        if not isinstance(data, dict):
            raise AlbertConfigError(f"{path} must hold a JSON object, got {type(data).__name__}")
        model_type = data.get("model_type")
        if model_type is not None and model_type != cls.model_type:
            raise AlbertConfigError(f"{path} describes model_type={model_type!r}, not 'albert'")
        try:
            if path.name == ORIGINAL_CONFIG_NAME or model_type is None:
                return cls.from_original_dict(data, **overrides)
            return cls.from_dict(data, **overrides)
        except AlbertConfigError as err:
            raise AlbertConfigError(f"{path}: {err}") from None

    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str | os.PathLike[str],
        *,
        revision: str | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        **overrides: Any,
    ) -> AlbertConfig:
        """Load from a directory, a config file, a preset name or a hub id.

        Directories are searched for ``config.json`` first, then ``albert_config.json``.
        Preset names are those of :data:`PRESETS`. ``revision`` and
        ``cache_dir`` (default: huggingface_hub's cache) apply to hub ids.
        """
        from albert_core import hub

        path = Path(name_or_path)
        if path.is_file():
            return cls.from_json_file(path, **overrides)
        if not path.is_dir() and str(name_or_path) in PRESETS:
            return cls(**{**PRESETS[str(name_or_path)], **overrides})
        directory = hub.resolve(
            name_or_path, revision=revision, cache_dir=cache_dir,
            files=[CONFIG_NAME, ORIGINAL_CONFIG_NAME],
        )
        for name in (CONFIG_NAME, ORIGINAL_CONFIG_NAME):
            if (directory / name).is_file():
                return cls.from_json_file(directory / name, **overrides)
        raise FileNotFoundError(
            f"{name_or_path}: no {CONFIG_NAME} or {ORIGINAL_CONFIG_NAME} in {directory}"
        )

    def save_pretrained(self, directory: str | os.PathLike[str], *, overwrite: bool = True) -> Path:
        """Write ``config.json`` into ``directory`` (created if needed); return its path.

        Raises FileExistsError when the file exists and ``overwrite`` is False.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / CONFIG_NAME
        atomic_write_text(target, self.to_json_string(), overwrite=overwrite)
        return target

    # ------------------------------------------------------------------ misc
    def copy(self, **changes: Any) -> AlbertConfig:
        """A validated copy with some fields changed."""
        return type(self).from_dict(self.to_dict(), **changes)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AlbertConfig) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in _REPR_FIELDS)
        return f"AlbertConfig({fields})"


def _check_probability(name: str, value: Any) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value < 1:
        raise AlbertConfigError(f"{name} must be a probability in [0, 1), got {value!r}")


#: Constructor arguments that are not plain fields: the labels (kept as ``id2label`` /
#: ``label2id``, see ``_set_labels``).
_LABEL_ARGUMENTS = ("num_labels", "id2label", "label2id")

#: The plain fields, in constructor order: the signature of ``AlbertConfig.__init__`` is the
#: one place they are listed.
_FIELDS = tuple(
    name
    for name, parameter in inspect.signature(AlbertConfig.__init__).parameters.items()
    if parameter.kind is parameter.POSITIONAL_OR_KEYWORD
    and name != "self"
    and name not in _LABEL_ARGUMENTS
)

_REPR_FIELDS = (
    "vocab_size",
    "embedding_size",
    "hidden_size",
    "num_hidden_layers",
    "num_hidden_groups",
    "inner_group_num",
    "num_attention_heads",
    "intermediate_size",
    "hidden_act",
)
