"""Data and model parallelism: the partition-spec rule for ALBERT params, keyed on canonical names.

A mesh has two axes: :data:`DATA_AXIS` (the batch is split across it) and
:data:`MODEL_AXIS` (large weights are split across it, Megatron style). The rule, for the
Flax layout of each parameter (linear kernels are ``[in, out]``):

===============================================  ==================  ===========================
canonical name (``albert.`` prefix ignored)       Flax spec           why
===============================================  ==================  ===========================
``embeddings.word_embeddings.weight``             ``(model, None)``   vocabulary rows split
``attention.{query,key,value}.weight``            ``(None, model)``   column parallel: heads split
``attention.{query,key,value}.bias``              ``(model,)``        follows its kernel's output
``attention.dense.weight``                        ``(model, None)``   row parallel: heads gathered
``ffn.weight`` / ``ffn.bias``                     ``(None, model)``   column parallel
                                                  / ``(model,)``
``ffn_output.weight``                             ``(model, None)``   row parallel
``predictions.decoder.weight`` (untied only)      ``(None, model)``   vocabulary columns split
``predictions.bias``                              ``(model,)``        vocabulary split
everything else (LayerNorms, other biases,        replicated          small
position/token-type tables, projections, pooler,
heads)
===============================================  ==================  ===========================

A dimension that the model axis does not divide evenly is replicated instead, so the rule
works for any config and mesh. The sharding only decides where the numbers live: XLA
inserts the collectives, and the results equal the unsharded ones (up to float summation
order).

Example::

    mesh = make_mesh(data=2, model=2)
    params = shard_params(model.params, mesh)
    batch = jax.device_put(batch, batch_sharding(mesh))
    out = model(**batch, params=params)

The trainers (:class:`albert_flax.finetuning.FlaxFinetuner`,
:class:`albert_flax.pretraining.FlaxPretrainer`) take ``mesh=``: :data:`LOCAL` (their
default, what ``albert finetune`` and ``albert pretrain`` use) is :func:`local_mesh`, a data
mesh over every local device when there are several. They place their state with
:func:`place_state` and each global batch with :func:`place_batch`, so the loss is the
global batch's and no rescaling is needed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from albert_core.schema import PREFIX
from albert_flax import weights

#: Mesh axis the batch is split over.
DATA_AXIS = "data"
#: Mesh axis large weights are split over.
MODEL_AXIS = "model"
#: The ``mesh=`` of the trainers meaning :func:`local_mesh`.
LOCAL = "local"

#: ``(regex on the canonical name without "albert.", spec of the Flax-layout array)``;
#: the first match wins, anything unmatched is replicated.
PARTITION_RULES: tuple[tuple[str, PartitionSpec], ...] = (
    (r"^embeddings\.word_embeddings\.weight$", PartitionSpec(MODEL_AXIS, None)),
    (r"\.attention\.(query|key|value)\.weight$", PartitionSpec(None, MODEL_AXIS)),
    (r"\.attention\.(query|key|value)\.bias$", PartitionSpec(MODEL_AXIS)),
    (r"\.attention\.dense\.weight$", PartitionSpec(MODEL_AXIS, None)),
    (r"\.ffn\.weight$", PartitionSpec(None, MODEL_AXIS)),
    (r"\.ffn\.bias$", PartitionSpec(MODEL_AXIS)),
    (r"\.ffn_output\.weight$", PartitionSpec(MODEL_AXIS, None)),
    (r"^predictions\.decoder\.weight$", PartitionSpec(None, MODEL_AXIS)),
    (r"^predictions\.bias$", PartitionSpec(MODEL_AXIS)),
)


def partition_spec(name: str) -> PartitionSpec:
    """The rule's spec for canonical ``name`` (Flax layout), ignoring the ``albert.`` prefix."""
    bare = name.removeprefix(PREFIX)
    for pattern, spec in PARTITION_RULES:
        if re.search(pattern, bare):
            return spec
    return PartitionSpec()


def _fit(spec: PartitionSpec, shape: Sequence[int], mesh: Mesh | None) -> PartitionSpec:
    """Replicate the dimensions of ``spec`` that ``mesh`` cannot split evenly."""
    if mesh is None:
        return spec
    fitted = []
    for axis, size in zip(tuple(spec) + (None,) * (len(shape) - len(spec)), shape, strict=True):
        if axis is not None and (axis not in mesh.shape or size % mesh.shape[axis] != 0):
            axis = None
        fitted.append(axis)
    while fitted and fitted[-1] is None:
        fitted.pop()
    return PartitionSpec(*fitted)


def param_partition_specs(params: Mapping[str, Any], mesh: Mesh | None = None) -> dict[str, Any]:
    """A pytree like ``params`` holding each parameter's :class:`PartitionSpec`.

    With ``mesh``, dimensions it cannot split evenly (or axes it lacks) are replicated.
    """
    flat = weights.flatten(params)
    specs = {
        path: _fit(partition_spec(weights.name_of(path)), np.shape(leaf), mesh)
        for path, leaf in flat.items()
    }
    return weights.unflatten(specs)


def param_shardings(params: Mapping[str, Any], mesh: Mesh) -> dict[str, Any]:
    """A pytree like ``params`` of :class:`NamedSharding` on ``mesh`` (for ``jax.jit``)."""
    specs = param_partition_specs(params, mesh)
    return jax.tree_util.tree_map(
        lambda spec: NamedSharding(mesh, spec),
        specs,
        is_leaf=lambda x: isinstance(x, PartitionSpec),
    )


def shard_params(params: Mapping[str, Any], mesh: Mesh) -> dict[str, Any]:
    """``params`` placed on ``mesh`` following the rule."""
    return jax.device_put(weights.unflatten(weights.flatten(params)), param_shardings(params, mesh))


def batch_sharding(mesh: Mesh) -> NamedSharding:
    """Inputs split along their first (batch) dimension over :data:`DATA_AXIS`."""
    return NamedSharding(mesh, PartitionSpec(DATA_AXIS))


def make_mesh(data: int, model: int = 1, devices: Sequence[Any] | None = None) -> Mesh:
    """A ``(data, model)`` mesh over the first ``data * model`` devices."""
    devices = list(jax.devices() if devices is None else devices)
    if data * model > len(devices):
        raise ValueError(
            f"a mesh of data={data} x model={model} needs {data * model} devices, "
            f"only {len(devices)} available"
        )
    grid = np.array(devices[: data * model]).reshape(data, model)
    return Mesh(grid, (DATA_AXIS, MODEL_AXIS))


def local_mesh() -> Mesh | None:
    """A data mesh over every local device when there are several; None with one."""
    devices = jax.local_devices()
    return make_mesh(data=len(devices), devices=devices) if len(devices) > 1 else None


def resolve_mesh(mesh: Mesh | str | None) -> Mesh | None:
    """The mesh a trainer's ``mesh=`` names: :data:`LOCAL` is :func:`local_mesh`, None
    (one device) and a :class:`Mesh` are themselves.

    Raises:
        ValueError: a string other than :data:`LOCAL`.
    """
    if isinstance(mesh, str):
        if mesh != LOCAL:
            raise ValueError(f"mesh must be a jax.sharding.Mesh, None or {LOCAL!r}, got {mesh!r}")
        return local_mesh()
    return mesh


def place_batch(batch: Mapping[str, Any], mesh: Mesh | None) -> dict[str, jax.Array]:
    """``batch`` as device arrays: split along its rows over :data:`DATA_AXIS` of ``mesh``,
    or replicated on ``mesh`` when the data axis does not divide the rows (the end of an
    epoch; the result is the same, computed without the split); on the default device
    without a mesh."""
    if mesh is None:
        return {key: jnp.asarray(value) for key, value in batch.items()}
    rows = len(next(iter(batch.values())))
    even = rows % mesh.shape[DATA_AXIS] == 0
    sharding = batch_sharding(mesh) if even else NamedSharding(mesh, PartitionSpec())
    return jax.device_put(dict(batch), sharding)


def place_state(tree: Any, mesh: Mesh | None) -> Any:
    """A trainer's state on ``mesh``: leaves already on it (params placed by
    :func:`shard_params` and what optax derived from them) keep their sharding, the
    others (step counts, hyper-parameters) are replicated; unchanged without a mesh."""
    if mesh is None:
        return tree
    replicated = NamedSharding(mesh, PartitionSpec())

    def place(leaf: Any) -> Any:
        sharding = getattr(leaf, "sharding", None)
        if isinstance(sharding, NamedSharding) and sharding.mesh == mesh:
            return leaf
        return jax.device_put(leaf, replicated)

    return jax.tree_util.tree_map(place, tree)
