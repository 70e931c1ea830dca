"""The JAX/Flax :class:`albert_core.backend.Backend`: ``FlaxAlbert*`` models seen through numpy.

:data:`BACKEND` is what :func:`albert_core.backend.get_backend` returns for ``"flax"``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import numpy as np

from albert_core.backend import Backend, float32_outputs, parse_device
from albert_core.config import AlbertConfig
from albert_flax import weights
from albert_flax.models import MODEL_CLASSES
from albert_flax.pretrained import FlaxAlbertPreTrainedModel

if TYPE_CHECKING:
    from albert_flax.finetuning import FlaxFinetuner
    from albert_flax.pretraining import FlaxPretrainer


def jax_device(device: int | str | None) -> Any:
    """The JAX device of a transformers-style device (the first CPU, or GPU ``N``)."""
    kind, index = parse_device(device)
    if kind == "cpu":
        return jax.devices("cpu")[0]
    try:
        gpus = jax.devices("gpu")
    except RuntimeError:
        gpus = []
    if index >= len(gpus):
        raise ValueError(f"device {device!r} asks for GPU {index}, but JAX sees "
                         f"{len(gpus)} GPU(s)")
    return gpus[index]


def compute_dtype(dtype: str | None) -> jnp.dtype:
    """The JAX dtype named ``dtype`` (None: float32); ValueError for other names."""
    try:
        return jnp.dtype(dtype or "float32")
    except TypeError:
        raise ValueError(f"dtype {dtype!r} is not a JAX dtype (use float32, bfloat16, "
                         "float16)") from None


class FlaxBackend(Backend, framework="flax", model_classes=MODEL_CLASSES):
    """The :class:`albert_core.backend.Backend` of JAX/Flax (``framework = "flax"``)."""

    def load_pretrained(
        self, load: Callable[..., FlaxAlbertPreTrainedModel], device: int | str | None,
        dtype: str | None,
    ) -> FlaxAlbertPreTrainedModel:
        """The model with its params placed on ``device``; ``dtype`` is the computation
        dtype (``"float32"`` default, ``"bfloat16"``), params stay float32."""
        target, compute = jax_device(device), compute_dtype(dtype)
        model = load(dtype=compute)
        model.params = jax.device_put(model.params, target)
        return model

    def from_arrays(
        self, config: AlbertConfig, head: str, arrays: Mapping[str, np.ndarray]
    ) -> FlaxAlbertPreTrainedModel:
        """``head``'s model for ``config`` holding ``arrays`` (canonical names), on the CPU."""
        model = MODEL_CLASSES[head](config, _do_init=False)
        params = weights.arrays_to_params(arrays, config, head)
        model.params = jax.device_put(params, jax_device(None))
        return model

    def to_arrays(self, model: FlaxAlbertPreTrainedModel) -> dict[str, np.ndarray]:
        """The canonical tensors of ``model`` as numpy arrays (tied names included)."""
        return model.to_arrays()

    def load_arrays(
        self, model: FlaxAlbertPreTrainedModel, arrays: Mapping[str, np.ndarray]
    ) -> None:
        """Replace ``model``'s params by ``arrays``; params they lack keep their values."""
        model.params = weights.arrays_to_params(
            arrays, model.config, model.head, model.param_dtype, base=model.params
        )

    def forward(
        self, model: FlaxAlbertPreTrainedModel, batch: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        """Run ``model`` (no dropout) on the device of its params; float32 numpy outputs.

        Integer inputs and labels are passed as int32, float ones (``inputs_embeds``,
        regression labels) as they are; ``hidden_states`` and ``attentions`` are left out.
        """
        (device,) = jax.tree_util.tree_leaves(model.params)[0].devices()
        inputs = {k: jax.device_put(_as_input(v), device) for k, v in batch.items()}
        outputs = model(**inputs)
        return float32_outputs(outputs)

    def pretrainer(self) -> type[FlaxPretrainer]:
        """:class:`albert_flax.pretraining.FlaxPretrainer` (imports optax)."""
        from albert_flax.pretraining import FlaxPretrainer

        return FlaxPretrainer

    def finetuner(self) -> type[FlaxFinetuner]:
        """:class:`albert_flax.finetuning.FlaxFinetuner` (imports optax)."""
        from albert_flax.finetuning import FlaxFinetuner

        return FlaxFinetuner


def _as_input(value: Any) -> np.ndarray:
    array = np.asarray(value)
    if np.issubdtype(array.dtype, np.integer) or array.dtype == np.bool_:
        return array.astype(np.int32)
    return array


#: The Flax backend, found by :func:`albert_core.backend.get_backend` (``"flax"``).
BACKEND = FlaxBackend()
