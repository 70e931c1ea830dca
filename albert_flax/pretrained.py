"""The params-holding base of the ``FlaxAlbert*`` wrappers: build, call, load, save.

A wrapper holds :attr:`~FlaxAlbertPreTrainedModel.config`, the Linen
:attr:`~FlaxAlbertPreTrainedModel.module` of its head and its
:attr:`~FlaxAlbertPreTrainedModel.params` (a pytree in transformers' Flax layout), and adds
what a user expects of a model: input checks with clear errors
(:mod:`albert_flax.inputs`), losses (:mod:`albert_flax.losses`), a cached ``jax.jit`` of the
forward (:mod:`albert_flax.forward`), ``from_pretrained`` and ``save_pretrained`` through
:mod:`albert_core.checkpoints`, and ``init_params``. Outputs carry the PyTorch backend's
field names. The public classes are in :mod:`albert_flax.models`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np

from albert_core import checkpoints, schema
from albert_core.config import AlbertConfig
from albert_core.heads import HEADS, HeadSpec
from albert_core.model_output import ModelOutput
from albert_core.schema import LoadReport
from albert_flax import inputs, weights
from albert_flax.forward import cached_forward
from albert_flax.heads import MODULE_CLASSES, flax_class_name
from albert_flax.losses import head_loss
from albert_flax.options import AlbertOptions

Array = jax.Array
Dtype = Any
Params = dict[str, Any]


class FlaxAlbertPreTrainedModel:
    """Shared behaviour of the ``FlaxAlbert*`` wrappers: params, calling, loading, saving.

    A wrapper holds :attr:`config`, the Linen :attr:`module` and its :attr:`params` (a
    pytree in transformers' Flax layout). Calling it runs a cached ``jax.jit`` of
    ``module.apply`` (nested inside your own ``jax.jit``/``jax.grad`` it is simply traced),
    after checking concrete inputs, and adds the loss when labels are given.

    Args:
        config: the model hyper-parameters.
        dtype: computation dtype (``jnp.float32`` default, or ``jnp.bfloat16``: outputs then
            stay within :data:`~albert_flax.options.BF16_TOLERANCE` times the float32
            outputs' scale; softmax and losses are computed in float32).
        param_dtype: dtype of freshly initialised and loaded parameters (``jnp.float32``).
        seed: seed of the random initialisation (see :meth:`init_params`).
        params: use these params instead of initialising.
        remat: recompute each layer application's activations in the backward pass
            (``nn.remat``) instead of storing them; gradients are unchanged.
        scan_layers: run the applications of a shared group as ``nn.scan`` (default), or
            as a Python loop (same params and results, compile time grows with depth).
        precision: matmul precision, e.g. ``"highest"`` for full float32 on GPU/TPU (whose
            default is faster and less exact); None keeps XLA's default.
        _do_init: False leaves :attr:`params` None (set it before calling).

    These settings are kept as one :class:`~albert_flax.options.AlbertOptions`
    (:attr:`options`), which the Linen module receives. The config is read when the
    wrapper is built; build a new wrapper after changing it.
    """

    #: Head name (:data:`albert_core.heads.HEADS`) of the class.
    head: ClassVar[str] = "model"
    #: The head's entry of :data:`albert_core.heads.HEADS`.
    spec: ClassVar[HeadSpec] = HEADS["model"]
    #: The Linen module class.
    module_class: ClassVar[type[nn.Module]] = MODULE_CLASSES["model"]
    #: Keyword arguments of :meth:`__call__` that carry labels for this head's loss.
    label_names: ClassVar[tuple[str, ...]] = ()
    #: Rank of ``input_ids`` (3 for multiple choice).
    input_rank: ClassVar[int] = 2

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Read the class's labels, input rank and (unless it names one) module from its
        :attr:`head`'s spec."""
        super().__init_subclass__(**kwargs)
        cls.spec = HEADS[cls.head]
        if "module_class" not in cls.__dict__:
            cls.module_class = MODULE_CLASSES[cls.head]
        cls.label_names = cls.spec.labels
        cls.input_rank = cls.spec.input_rank

    def __init__(
        self,
        config: AlbertConfig,
        *,
        dtype: Dtype = jnp.float32,
        param_dtype: Dtype = jnp.float32,
        seed: int = 0,
        params: Params | None = None,
        remat: bool = False,
        scan_layers: bool = True,
        precision: Any = None,
        _do_init: bool = True,
    ) -> None:
        if not isinstance(config, AlbertConfig):
            raise TypeError(f"config must be an AlbertConfig, got {type(config).__name__}")
        self.spec.check_config(config, flax_class_name(self.spec))
        self.config = config
        #: The computation settings the Linen module receives.
        self.options = AlbertOptions(dtype, param_dtype, precision, scan_layers, remat)
        self.dtype = self.options.dtype
        self.param_dtype = self.options.param_dtype
        self.module = self.module_class(config, self.options)
        #: What :meth:`from_pretrained` matched; None for a model built from a config.
        self.loading_report: LoadReport | None = None
        self._forward = cached_forward(type(self), self.spec, self.module, config, self.options)
        if params is not None:
            weights.check_structure(params, config, self.head)
        elif _do_init:
            params = self.init_params(jax.random.PRNGKey(seed))
        self.params: Params | None = params

    # ------------------------------------------------------------------ params
    def dummy_inputs(self, batch: int = 1, seq: int = 1) -> dict[str, Array]:
        """Smallest valid inputs (used to initialise the params)."""
        shape = (batch, 1, seq) if self.input_rank == 3 else (batch, seq)
        return {"input_ids": jnp.zeros(shape, jnp.int32)}

    def init_params(self, rng: Array) -> Params:
        """Fresh params from the PRNG key ``rng``, following ``config.initializer_range``.

        Linear kernels and embedding tables are normal with standard deviation
        ``initializer_range`` (the word table's ``pad_token_id`` row is zero), biases are
        zero and LayerNorm scales one, as in the PyTorch backend; leaves have
        :attr:`param_dtype`. The numbers are drawn on the host by numpy, seeded from
        ``rng``'s key data, so creating a model compiles nothing; the Linen modules' own
        initialisers (``module.init``) draw from the same distributions in JAX.
        """
        key = jnp.asarray(rng)
        if jnp.issubdtype(key.dtype, jax.dtypes.prng_key):
            key = jax.random.key_data(key)
        generator = np.random.default_rng([int(x) for x in np.asarray(key).ravel()])
        config = self.config
        word_embeddings = schema.word_embeddings_name(self.head)
        arrays: dict[str, np.ndarray] = {}
        for tensor in schema.tensor_specs(config, self.head):
            if tensor.tied_to is not None:
                continue
            if tensor.kind in ("linear", "embedding"):
                value = generator.standard_normal(tensor.shape, dtype=np.float32)
                value *= np.float32(config.initializer_range)
                if tensor.name == word_embeddings and config.pad_token_id is not None:
                    value[config.pad_token_id] = 0.0
            elif tensor.kind == "norm_scale":
                value = np.ones(tensor.shape, np.float32)
            else:
                value = np.zeros(tensor.shape, np.float32)
            arrays[tensor.name] = value
        return weights.arrays_to_params(arrays, config, self.head, self.param_dtype)

    def num_parameters(self, params: Params | None = None) -> int:
        """Number of parameters (tied ones count once)."""
        leaves = jax.tree_util.tree_leaves(self.params if params is None else params)
        return int(sum(np.prod(x.shape) for x in leaves))

    def to_arrays(self, params: Params | None = None) -> dict[str, np.ndarray]:
        """Every canonical tensor (tied names included) as PyTorch-layout numpy arrays."""
        return weights.params_to_arrays(
            self.params if params is None else params, self.config, self.head
        )

    # ------------------------------------------------------------------- calling
    def compute_loss(self, outputs: ModelOutput, labels: Mapping[str, Array]) -> Array:
        """This head's loss from its ``outputs`` and ``labels`` (keys: :attr:`label_names`).

        Pure and jittable; :meth:`__call__` uses it when labels are passed.
        """
        return head_loss(self.spec, outputs, labels, self.config)

    def __call__(
        self,
        input_ids: Any = None,
        attention_mask: Any = None,
        token_type_ids: Any = None,
        position_ids: Any = None,
        head_mask: Any = None,
        inputs_embeds: Any = None,
        *,
        labels: Any = None,
        sentence_order_label: Any = None,
        start_positions: Any = None,
        end_positions: Any = None,
        params: Params | None = None,
        dropout_rng: Array | None = None,
        train: bool = False,
        output_attentions: bool | None = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
    ) -> Any:
        """Run the model.

        Args:
            input_ids: ``(batch, seq)`` token ids in ``[0, vocab_size)`` (multiple choice:
                ``(batch, num_choices, seq)``, as for every per-token input below).
            attention_mask: ``(batch, seq)``, 1 for tokens and 0 for padding.
            token_type_ids: ``(batch, seq)`` segment ids in ``[0, type_vocab_size)``; zeros
                when omitted.
            position_ids: ``(batch, seq)`` (or ``(1, seq)``) positions in
                ``[0, max_position_embeddings)``; ``0..seq-1`` when omitted.
            head_mask: multiplies the attention probabilities per head (1 keeps, 0 drops).
                ``(num_heads,)`` applies to every layer; ``(num_hidden_layers, num_heads)``
                gives row ``i`` to the ``i``-th layer application, i.e. to every inner layer
                of the shared group run at step ``i``; a 5-D ``(layers | 1, batch | 1, heads,
                seq | 1, seq | 1)`` mask is used as it is. (transformers 4.57 indexes rows by
                group and inner layer instead; both agree when all rows are equal.)
            inputs_embeds: ``(batch, seq, embedding_size)`` instead of ``input_ids``.
            labels, sentence_order_label, start_positions, end_positions: the labels of
                this head (:attr:`label_names`); when all are given, ``loss`` is returned.
            params: params to use instead of :attr:`params` (e.g. inside ``jax.grad``).
            dropout_rng: PRNG key for dropout; needed with ``train=True`` when the config
                has non-zero dropout.
            train: apply dropout.
            output_attentions: also return every inner layer's attention probabilities.
            output_hidden_states: also return the hidden state after every application.
            return_dict: False returns a tuple of the non-None output fields.

        Raises:
            ValueError: ids, positions or labels outside their range, a sequence longer than
                ``max_position_embeddings``, mismatched shapes, labels this head does not
                take; the message names the input and the bound. Value checks need concrete
                inputs and are skipped for tracers (inside your own ``jax.jit``).
        """
        spec, config = self.spec, self.config
        given = inputs.given_labels(
            spec,
            type(self).__name__,
            labels=labels,
            sentence_order_label=sentence_order_label,
            start_positions=start_positions,
            end_positions=end_positions,
        )
        shape = inputs.check_inputs(
            config, self.input_rank, input_ids, attention_mask, token_type_ids, position_ids,
            head_mask, inputs_embeds,
        )  # fmt: skip
        inputs.check_labels(spec, config, given, shape)
        use_labels = given if len(given) == len(spec.labels) else {}
        if train and dropout_rng is None and inputs.has_dropout(config):
            raise ValueError("train=True needs a dropout_rng (the config has non-zero dropout)")
        params = self.params if params is None else params
        if params is None:
            raise ValueError("this model has no params: pass params= or call init_params")
        complete = inputs.complete_inputs(
            config, self.dtype, shape, input_ids, attention_mask, token_type_ids, position_ids,
            head_mask, inputs_embeds,
        )  # fmt: skip
        outputs = self._forward(
            params,
            complete,
            {k: inputs.as_array(v) for k, v in use_labels.items()},
            dropout_rng if train else None,
            train=bool(train),
            output_attentions=bool(output_attentions),
            output_hidden_states=bool(output_hidden_states),
        )
        return outputs if return_dict is None or return_dict else outputs.to_tuple()

    # --------------------------------------------------------------- load/save
    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str | os.PathLike[str],
        *,
        dtype: Dtype = jnp.float32,
        param_dtype: Dtype = jnp.float32,
        revision: str | None = None, cache_dir: str | os.PathLike[str] | None = None,
        strict: bool = True, config: AlbertConfig | None = None, fmt: str | None = None,
        seed: int = 0,
        remat: bool = False,
        scan_layers: bool = True,
        precision: Any = None,
        output_loading_info: bool = False,
        **config_overrides: Any,
    ) -> Any:  # fmt: skip
        """Load a model from a local directory or a hub id.

        Any of ``model.safetensors``, ``pytorch_model.bin``, ``tf_model.h5`` and
        ``flax_model.msgpack`` is read (``fmt`` picks one: ``"safetensors"``,
        ``"pytorch"``, ``"tf"``, ``"flax"``) and matched against this class's schema by
        :func:`albert_core.checkpoints.load_pretrained`. With ``strict=True`` any missing or
        unexpected tensor raises :class:`albert_core.schema.WeightsMismatchError` naming
        them all; with ``strict=False`` a warning lists them and missing ones keep their
        random initialisation (from ``seed``).

        Args:
            name_or_path: a directory or a hub id.
            dtype: computation dtype. ``param_dtype``: dtype of the loaded params.
            revision: hub revision. ``config``: use this config instead of the checkpoint's.
            cache_dir: where hub downloads are cached (default: huggingface_hub's cache).
            fmt: checkpoint format to read when the directory holds several.
            remat, scan_layers, precision: as in the constructor.
            output_loading_info: also return ``{"missing_keys", "unexpected_keys",
                "mismatched_keys", "error_msgs"}`` as transformers does.
            **config_overrides: config fields to change (``num_labels=5``, ...).

        Returns:
            The model (and the loading info when asked). The
            :class:`albert_core.schema.LoadReport` is also kept as ``model.loading_report``.
        """
        loaded = checkpoints.load_pretrained(
            name_or_path, cls.head, config=config, revision=revision, cache_dir=cache_dir,
            strict=strict, fmt=fmt, **config_overrides,
        )  # fmt: skip
        model = cls(
            loaded.config,
            dtype=dtype,
            param_dtype=param_dtype,
            seed=seed,
            remat=remat,
            scan_layers=scan_layers,
            precision=precision,
            _do_init=bool(loaded.report.missing),
        )
        model.params = weights.arrays_to_params(
            loaded.arrays, loaded.config, cls.head, model.param_dtype, base=model.params
        )
        return loaded.attach(model, output_loading_info)

    def save_pretrained(
        self,
        directory: str | os.PathLike[str],
        params: Params | None = None,
        *,
        formats: Sequence[str] = ("flax",),
        overwrite: bool = True,
        **options: Any,
    ) -> list[Path]:
        """Write ``config.json`` and the weights in each of ``formats`` into ``directory``.

        The default writes ``flax_model.msgpack`` (the params pytree, which is
        transformers' Flax layout); add ``"safetensors"`` (``model.safetensors``),
        ``"pytorch"`` or ``"tf"`` for the other formats of
        :data:`albert_core.checkpoints.FORMATS`. bfloat16 params are written as float32.
        Returns the written paths.
        """
        arrays = self.to_arrays(params)
        return checkpoints.save_pretrained(
            directory, self.config, self.head, arrays, tuple(formats), overwrite=overwrite,
            **options,
        )  # fmt: skip

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config!r}, dtype={self.dtype.name})"
