"""What every ALBERT model shares in PyTorch: loading, saving, dtype, device, ties, init.

:class:`AlbertPreTrainedModel` is the base of the backbone (:class:`~albert_pt.AlbertModel`)
and of the task models. Loading and saving go through :mod:`albert_core.checkpoints`, which
reads and writes every format; the arrays move in and out of the modules through
:mod:`albert_pt.weights`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import torch
from torch import nn

from albert_core import checkpoints
from albert_core.config import AlbertConfig
from albert_core.schema import LoadReport
from albert_pt import weights
from albert_pt.layers import (
    ATTN_IMPLEMENTATIONS,
    DEFAULT_ATTN_IMPLEMENTATION,
    AlbertAttention,
    AlbertMLMHead,
)

if TYPE_CHECKING:
    from albert_pt.models import AlbertModel

_DTYPES = {
    "float32": torch.float32,
    "float": torch.float32,
    "float16": torch.float16,
    "half": torch.float16,
    "bfloat16": torch.bfloat16,
}


def _resolve_dtype(dtype: torch.dtype | str | None) -> torch.dtype | str | None:
    if dtype is None or isinstance(dtype, torch.dtype) or dtype == "auto":
        return dtype
    name = str(dtype).removeprefix("torch.")
    if name not in _DTYPES:
        raise ValueError(f"dtype={dtype!r} is not supported; choose one of {sorted(_DTYPES)}")
    return _DTYPES[name]


def _resolve_device(device: torch.device | str | int | None) -> torch.device:
    if device is None:
        return torch.device("cpu")
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


class AlbertPreTrainedModel(nn.Module):
    """Shared behaviour of every ALBERT model: weights, loading, saving, utilities.

    Subclasses set :attr:`head` (a key of :data:`albert_core.heads.HEADS`).

    Args:
        config: the model hyper-parameters.
        attn_implementation: ``"sdpa"`` (default) or ``"eager"``; see :class:`AlbertAttention`.

    A freshly constructed model is randomly initialised from ``config.initializer_range``
    (normal weights for linear and embedding layers, zero biases, unit LayerNorm scales) and
    is in training mode, like any ``nn.Module``; :meth:`from_pretrained` returns it in
    evaluation mode.
    """

    #: The head of the class (a key of :data:`albert_core.heads.HEADS`).
    head: ClassVar[str] = "model"
    #: Attribute holding the :class:`AlbertModel` inside a head model.
    base_model_prefix: ClassVar[str] = "albert"
    #: Name of the main input of ``forward``.
    main_input_name: ClassVar[str] = "input_ids"

    def __init__(self, config: AlbertConfig, *, attn_implementation: str | None = None) -> None:
        super().__init__()
        if not isinstance(config, AlbertConfig):
            raise TypeError(f"config must be an AlbertConfig, got {type(config).__name__}")
        attn_implementation = attn_implementation or DEFAULT_ATTN_IMPLEMENTATION
        if attn_implementation not in ATTN_IMPLEMENTATIONS:
            raise ValueError(
                f"attn_implementation={attn_implementation!r} is not supported; choose one of "
                f"{ATTN_IMPLEMENTATIONS}"
            )
        self.config = config
        self._attn_implementation = attn_implementation
        #: What :meth:`from_pretrained` matched; None for a model built from a config.
        self.loading_report: LoadReport | None = None

    # ------------------------------------------------------------------ structure
    @property
    def base_model(self) -> AlbertModel:
        """The :class:`AlbertModel` backbone (the model itself for :class:`AlbertModel`)."""
        return getattr(self, self.base_model_prefix, self)

    @property
    def dtype(self) -> torch.dtype:
        """Floating dtype of the parameters."""
        for param in self.parameters():
            if param.is_floating_point():
                return param.dtype
        return torch.float32

    @property
    def device(self) -> torch.device:
        """Device of the parameters."""
        return next(self.parameters()).device

    @property
    def attn_implementation(self) -> str:
        """The attention implementation in use (``"sdpa"`` or ``"eager"``)."""
        return self._attn_implementation

    def set_attn_implementation(self, attn_implementation: str) -> None:
        """Switch every attention layer to ``"sdpa"`` or ``"eager"``."""
        if attn_implementation not in ATTN_IMPLEMENTATIONS:
            raise ValueError(
                f"attn_implementation={attn_implementation!r} is not supported; choose one of "
                f"{ATTN_IMPLEMENTATIONS}"
            )
        for module in self.modules():
            if isinstance(module, AlbertAttention):
                module.attn_implementation = attn_implementation
            if isinstance(module, AlbertPreTrainedModel):
                module._attn_implementation = attn_implementation

    # ---------------------------------------------------------------- weights
    def post_init(self) -> None:
        """Initialise all weights and tie the shared ones; called at the end of ``__init__``."""
        self.init_weights()

    @torch.no_grad()
    def _init_module(self, module: nn.Module) -> None:
        std = self.config.initializer_range
        if isinstance(module, nn.Linear):
            module.weight.normal_(mean=0.0, std=std)
            if module.bias is not None:
                module.bias.zero_()
        elif isinstance(module, nn.Embedding):
            module.weight.normal_(mean=0.0, std=std)
        elif isinstance(module, nn.LayerNorm):
            module.weight.fill_(1.0)
            module.bias.zero_()
        elif isinstance(module, AlbertMLMHead):
            module.bias.zero_()

    def init_weights(self) -> None:
        """Randomly (re-)initialise every weight from ``config.initializer_range``, then tie."""
        self.tie_weights()
        self.apply(self._init_module)
        # The pad token's row starts at zero (after the tied decoder, a Linear, was visited).
        if self.config.pad_token_id is not None:
            with torch.no_grad():
                self.get_input_embeddings().weight[self.config.pad_token_id].zero_()

    def tie_weights(self) -> None:
        """Make the MLM decoder share the word embeddings (if ``tie_word_embeddings``) and
        ``predictions.bias``. No-op for heads without an MLM decoder."""
        predictions = getattr(self, "predictions", None)
        if predictions is None:
            return
        predictions.decoder.bias = predictions.bias
        if self.config.tie_word_embeddings:
            predictions.decoder.weight = self.get_input_embeddings().weight

    def get_input_embeddings(self) -> nn.Embedding:
        """The word embedding table."""
        return self.base_model.embeddings.word_embeddings

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        """Replace the word embedding table (and re-tie the decoder)."""
        self.base_model.embeddings.word_embeddings = value
        self.tie_weights()

    def get_output_embeddings(self) -> nn.Linear | None:
        """The MLM decoder, or None for heads without one."""
        predictions = getattr(self, "predictions", None)
        return None if predictions is None else predictions.decoder

    def set_output_embeddings(self, new_embeddings: nn.Linear) -> None:
        """Replace the MLM decoder; its bias becomes ``predictions.bias``."""
        predictions = getattr(self, "predictions", None)
        if predictions is None:
            raise AttributeError(f"{type(self).__name__} has no output embeddings")
        predictions.decoder = new_embeddings
        predictions.bias = new_embeddings.bias

    @torch.no_grad()
    def resize_token_embeddings(
        self, new_num_tokens: int | None = None, pad_to_multiple_of: int | None = None
    ) -> nn.Embedding:
        """Grow or shrink the vocabulary to ``new_num_tokens`` (rounded up to a multiple of
        ``pad_to_multiple_of``); return the new word embedding table.

        Existing rows are kept; new rows are initialised like fresh weights (new MLM bias
        entries are zero). ``config.vocab_size`` is updated, and the decoder re-tied.
        """
        old = self.get_input_embeddings()
        if new_num_tokens is None:
            new_num_tokens = old.num_embeddings
        if pad_to_multiple_of is not None:
            if pad_to_multiple_of <= 0:
                raise ValueError(f"pad_to_multiple_of must be positive, got {pad_to_multiple_of}")
            new_num_tokens = -(-new_num_tokens // pad_to_multiple_of) * pad_to_multiple_of
        self.config.copy(vocab_size=new_num_tokens)  # validates, e.g. pad_token_id < vocab
        if new_num_tokens == old.num_embeddings:
            return old
        keep = min(old.num_embeddings, new_num_tokens)
        factory = {"device": old.weight.device, "dtype": old.weight.dtype}
        new = nn.Embedding(
            new_num_tokens, old.embedding_dim, padding_idx=old.padding_idx, **factory
        )
        self._init_module(new)
        new.weight[:keep] = old.weight[:keep]
        new.weight.requires_grad_(old.weight.requires_grad)
        self.base_model.embeddings.word_embeddings = new
        predictions = getattr(self, "predictions", None)
        if predictions is not None:
            bias = torch.zeros(new_num_tokens, **factory)
            bias[:keep] = predictions.bias[:keep]
            old_decoder = predictions.decoder
            decoder = nn.Linear(old.embedding_dim, new_num_tokens, bias=False, **factory)
            if not self.config.tie_word_embeddings:
                self._init_module(decoder)
                decoder.weight[:keep] = old_decoder.weight[:keep]
            predictions.bias = nn.Parameter(bias)
            predictions.decoder = decoder
        self.config.vocab_size = new_num_tokens
        self.tie_weights()
        return new

    def num_parameters(self, only_trainable: bool = False, exclude_embeddings: bool = False) -> int:
        """Number of (distinct) parameters; tied ones count once.

        ``exclude_embeddings`` leaves out the embedding tables (word, position, token type).
        """
        excluded: set[int] = set()
        if exclude_embeddings:
            excluded = {id(m.weight) for m in self.modules() if isinstance(m, nn.Embedding)}
        return sum(
            p.numel()
            for p in self.parameters()
            if id(p) not in excluded and (p.requires_grad or not only_trainable)
        )

    def get_memory_footprint(self, return_buffers: bool = True) -> int:
        """Bytes taken by the weights (each shared tensor once), buffers included by default.

        Quantized layers (see :func:`albert_pt.quantize_dynamic`) count their packed int8
        weights, so the footprint before and after quantization can be compared.
        """
        seen: set[tuple[int, int]] = set()
        total = 0

        def visit(value: Any) -> None:
            nonlocal total
            if isinstance(value, torch.Tensor):
                key = (value.data_ptr(), value.numel())
                if key not in seen:
                    seen.add(key)
                    total += value.numel() * value.element_size()
            elif isinstance(value, (tuple, list)):
                for item in value:
                    visit(item)

        buffer_names = {name for name, _ in self.named_buffers()}
        for name, value in self.state_dict(keep_vars=True).items():
            if return_buffers or name not in buffer_names:
                visit(value)
        return total

    # ----------------------------------------------------------- checkpointing
    def gradient_checkpointing_enable(
        self, gradient_checkpointing_kwargs: dict[str, Any] | None = None
    ) -> None:
        """Recompute each layer's activations in the backward pass instead of storing them.

        Trades compute for activation memory during training; gradients are unchanged
        (dropout masks are replayed). Only ``use_reentrant=False`` is supported.
        """
        kwargs = dict(gradient_checkpointing_kwargs or {})
        if kwargs.pop("use_reentrant", False):
            raise ValueError("only non-reentrant gradient checkpointing is supported")
        if kwargs:
            raise ValueError(f"unsupported gradient_checkpointing_kwargs: {sorted(kwargs)}")
        self.base_model.encoder.gradient_checkpointing = True

    def gradient_checkpointing_disable(self) -> None:
        """Store activations again (the default)."""
        self.base_model.encoder.gradient_checkpointing = False

    @property
    def is_gradient_checkpointing(self) -> bool:
        """Whether gradient checkpointing is on."""
        return self.base_model.encoder.gradient_checkpointing

    # --------------------------------------------------------------- load/save
    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str | os.PathLike[str],
        *,
        dtype: torch.dtype | str | None = None,
        device: torch.device | str | int | None = None,
        attn_implementation: str | None = None,
        revision: str | None = None, cache_dir: str | os.PathLike[str] | None = None,
        strict: bool = True, config: AlbertConfig | None = None, fmt: str | None = None,
        output_loading_info: bool = False,
        **config_overrides: Any,
    ) -> Any:  # fmt: skip
        """Load a model from a local directory or a hub id.

        Any of ``model.safetensors``, ``pytorch_model.bin``, ``tf_model.h5`` and
        ``flax_model.msgpack`` is read (``fmt`` picks one: ``"safetensors"``, ``"pytorch"``,
        ``"tf"``, ``"flax"``) and matched against this class's schema. A checkpoint of a
        model with heads loads into :class:`AlbertModel` (the head weights are ignored);
        a base-model checkpoint loads into a head class with ``strict=False``, which warns
        and lists the head weights left randomly initialised. With ``strict=True`` any
        missing or unexpected tensor raises :class:`albert_core.WeightsMismatchError`
        naming them all; a wrong shape always does.

        Args:
            name_or_path: a directory or a hub id (``albert/albert-base-v2``).
            dtype: ``torch.float32`` (default), ``torch.float16``, ``torch.bfloat16``, their
                names, or ``"auto"`` for the checkpoint's dtype. ``torch_dtype`` is accepted
                as an alias.
            device: where to put the weights (``"cpu"`` default, ``"cuda"``, ``"cuda:1"``,
                or ``"auto"``: the first GPU when there is one). The whole model goes to one
                device; this replaces transformers' ``device_map``.
            attn_implementation: ``"sdpa"`` (default) or ``"eager"``.
            revision: hub revision (branch, tag or commit).
            cache_dir: where hub downloads are cached (default: huggingface_hub's cache).
            strict: see above.
            config: use this config instead of the checkpoint's.
            fmt: checkpoint format to read when the directory holds several.
            output_loading_info: also return ``{"missing_keys", "unexpected_keys",
                "mismatched_keys", "error_msgs"}`` as transformers does.
            **config_overrides: config fields to change (``num_labels=5``, ...); a new
                ``num_labels`` replaces the checkpoint's label names, as in transformers.

        Returns:
            The model in evaluation mode (and the loading info when asked). The
            :class:`albert_core.LoadReport` is also kept as ``model.loading_report``.
        """
        torch_dtype = config_overrides.pop("torch_dtype", None)
        if torch_dtype is not None:
            if dtype is not None:
                raise ValueError("pass dtype or torch_dtype, not both")
            dtype = torch_dtype
        dtype = _resolve_dtype(dtype)
        target = _resolve_device(device)
        loaded = checkpoints.load_pretrained(
            name_or_path, cls.head, config=config, revision=revision, cache_dir=cache_dir,
            strict=strict, fmt=fmt, **config_overrides,
        )  # fmt: skip
        if dtype == "auto":
            dtype = weights.checkpoint_dtype(loaded.arrays)
        with torch.device("meta"):
            model = cls(loaded.config, attn_implementation=attn_implementation)
        model.to_empty(device=target)
        if dtype is not None:
            model.to(dtype=dtype)
        model.tie_weights()
        if loaded.report.missing:
            model.init_weights()
        uncovered = weights.load_arrays(model, loaded.arrays)
        if uncovered and not loaded.report.missing:  # pragma: no cover - schema/module drift
            raise RuntimeError(f"no value was loaded for {uncovered}")
        model.eval()
        return loaded.attach(model, output_loading_info)

    def save_pretrained(
        self, directory: str | os.PathLike[str], formats: Sequence[str] = ("safetensors",), *,
        overwrite: bool = True, **options: Any,
    ) -> list[Path]:
        """Write ``config.json`` and the weights in each of ``formats`` into ``directory``.

        ``formats`` are those of :data:`albert_core.checkpoints.FORMATS` (``"safetensors"``,
        ``"pytorch"`` for ``pytorch_model.bin``, ``"tf"``, ``"flax"``). Weights are written in
        the model's dtype (see :func:`albert_pt.weights.to_numpy` for bfloat16). Returns the
        written paths; ``overwrite=False`` refuses to replace existing files.
        """
        return checkpoints.save_pretrained(
            directory, self.config, self.head, weights.model_arrays(self), tuple(formats),
            overwrite=overwrite, **options,
        )  # fmt: skip
