"""The Backend protocol: what each framework package supplies to the framework-neutral code.

``albert_pt``, ``albert_tf`` and ``albert_flax`` each subclass :class:`Backend` in their
``backend.py`` (an instance named ``BACKEND``). Pipelines, ``albert verify``, conversion,
pre-training and the tests' cross-framework helpers reach a framework only through
:func:`get_backend`; this module is the one place that maps a framework name to a package.

Every method speaks numpy: weights are ``{canonical name: np.ndarray}`` (see
:mod:`albert_core.schema`), batches are ``{input name: np.ndarray}`` and outputs come back as
float32 numpy arrays, so callers never touch a framework tensor.
"""

from __future__ import annotations

import functools
import importlib
import os
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from albert_core.config import AlbertConfig
    from albert_core.training.finetune import FrameworkFinetuner
    from albert_core.training.loop import FrameworkTrainer

#: Framework names, in the order they are tried and listed.
FRAMEWORKS: tuple[str, ...] = ("pt", "tf", "flax")

#: Framework name -> the module that defines its ``BACKEND``.
BACKEND_MODULES: dict[str, str] = {
    "pt": "albert_pt.backend",
    "tf": "albert_tf.backend",
    "flax": "albert_flax.backend",
}

#: Framework name -> the package extra that installs it (``pip install albert-models[torch]``).
BACKEND_EXTRAS: dict[str, str] = {"pt": "torch", "tf": "tf", "flax": "flax"}

#: Framework name -> environment settings that quieten its start-up on stderr (TensorFlow's
#: C++ start-up messages); see :func:`quiet_startup`.
QUIET_ENVIRONMENT: dict[str, dict[str, str]] = {"tf": {"TF_CPP_MIN_LOG_LEVEL": "2"}}


class BackendUnavailableError(ImportError):
    """A framework's backend cannot be imported (the framework is missing or broken)."""


class Backend(ABC):
    """One deep-learning framework, seen through numpy.

    Each framework's ``backend.py`` subclasses it; :meth:`from_pretrained` (warnings and
    ``strict``) is written here once, around the framework's :meth:`load_pretrained` hook.

    Attributes:
        framework: ``"pt"``, ``"tf"`` or ``"flax"``.
        model_classes: head name (:data:`albert_core.heads.HEADS`) -> the public model class.
    """

    framework: str
    model_classes: Mapping[str, type]

    def __init_subclass__(
        cls, *, framework: str, model_classes: Mapping[str, type], **kwargs: Any
    ) -> None:
        """A framework's backend names itself and its models in its class statement:
        ``class PTBackend(Backend, framework="pt", model_classes=MODEL_CLASSES)``."""
        super().__init_subclass__(**kwargs)
        cls.framework = framework
        cls.model_classes = model_classes

    def from_pretrained(
        self,
        head: str,
        name_or_path: str | os.PathLike[str],
        *,
        device: int | str | None = None,
        dtype: str | None = None,
        revision: str | None = None,
        strict: bool = True,
    ) -> Any:
        """Load ``head``'s model for inference (eval mode, no dropout) on ``device``.

        ``device`` is transformers-style (None or -1: CPU, N: GPU N, or a name such as
        ``"cuda:1"``; see :func:`parse_device`); ``dtype`` is the framework's dtype name
        (None: float32). With ``strict=False`` missing or unexpected weights are neither
        raised nor warned about: the caller checks ``model.loading_report`` for what it
        needs (e.g. a bare encoder loaded from a checkpoint without a pooler).
        """
        load = functools.partial(
            self.model_classes[head].from_pretrained, name_or_path, revision=revision,
            strict=strict,
        )  # fmt: skip
        with warnings.catch_warnings():
            if not strict:
                warnings.simplefilter("ignore")
            return self.load_pretrained(load, device, dtype)

    @abstractmethod
    def load_pretrained(
        self, load: Callable[..., Any], device: int | str | None, dtype: str | None
    ) -> Any:
        """The framework's part of :meth:`from_pretrained`: ``load(**options)`` (the model
        class's ``from_pretrained`` with the name, ``revision`` and ``strict`` given) with
        ``device`` and ``dtype`` in the framework's terms, the model ready for inference."""

    @abstractmethod
    def from_arrays(self, config: AlbertConfig, head: str,
                    arrays: Mapping[str, np.ndarray]) -> Any:
        """Build ``head`` for ``config`` holding ``arrays`` (canonical names), ready for
        inference on the CPU."""

    @abstractmethod
    def to_arrays(self, model: Any) -> dict[str, np.ndarray]:
        """The canonical tensors of ``model`` as numpy arrays (tied names included)."""

    @abstractmethod
    def load_arrays(self, model: Any, arrays: Mapping[str, np.ndarray]) -> None:
        """Copy ``arrays`` (canonical names, the model's own head) into ``model``."""

    @abstractmethod
    def forward(self, model: Any, batch: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Run ``model`` in inference mode on a numpy ``batch`` where its weights live.

        Returns every output field that is one array (``loss`` when labels were given; not
        the per-layer ``hidden_states`` / ``attentions`` tuples) as float32 numpy (see
        :func:`float32_outputs`).
        """

    @abstractmethod
    def pretrainer(self) -> type[FrameworkTrainer]:
        """The class that pre-trains ``*ForPreTraining`` in this framework."""

    def finetuner(self) -> type[FrameworkFinetuner]:
        """The class that fine-tunes a task head in this framework
        (:class:`albert_core.training.finetune.FrameworkFinetuner`).

        Raises:
            NotImplementedError: this framework cannot fine-tune yet.
        """
        raise NotImplementedError(
            f"fine-tuning in {self.framework} is not available yet; use --framework pt"
        )


def float32_outputs(outputs: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """The fields of ``outputs`` that are one array, as float32 numpy (what
    :meth:`Backend.forward` returns): None and the per-layer tuples are left out."""
    return {
        key: np.asarray(value, dtype=np.float32)
        for key, value in outputs.items()
        if value is not None and not isinstance(value, (tuple, list))
    }


def get_backend(framework: str) -> Backend:
    """The :class:`Backend` of ``framework``, imported on first use.

    Raises:
        ValueError: ``framework`` is not one of :data:`FRAMEWORKS`.
        BackendUnavailableError: its framework is not installed (the extra to install is
            named) or fails to import.
    """
    if framework not in BACKEND_MODULES:
        raise ValueError(f"unknown framework {framework!r}; choose one of {list(FRAMEWORKS)}")
    try:
        module = importlib.import_module(BACKEND_MODULES[framework])
    except ImportError as err:
        raise BackendUnavailableError(
            f"framework {framework!r} is not installed ({err}); "
            f"install it with: pip install 'albert-models[{BACKEND_EXTRAS[framework]}]'"
        ) from err
    return module.BACKEND


def parse_device(device: int | str | None) -> tuple[str, int]:
    """Read a transformers-style device: ``("cpu", 0)`` or ``("cuda", index)``.

    None, -1, ``"cpu"`` and ``"-1"`` mean the CPU; an int ``N >= 0``, ``"N"``, ``"cuda"``,
    ``"cuda:N"``, ``"gpu"`` and ``"gpu:N"`` mean GPU ``N`` (0 when not given).

    Raises:
        ValueError: anything else.
    """
    if device is None:
        return ("cpu", 0)
    if isinstance(device, (int, np.integer)) and not isinstance(device, bool):
        if device == -1:
            return ("cpu", 0)
        if device >= 0:
            return ("cuda", int(device))
    elif isinstance(device, str):
        name = device.strip().lower()
        if name.lstrip("-").isdigit():
            return parse_device(int(name))
        kind, _, index = name.partition(":")
        if kind == "cpu" and index in ("", "0"):
            return ("cpu", 0)
        if kind in ("cuda", "gpu") and (index == "" or index.isdigit()):
            return ("cuda", int(index or 0))
    raise ValueError(
        f"device {device!r} is not understood; use -1 or 'cpu' for the CPU, or a GPU as "
        "an index N, 'cuda' or 'cuda:N'"
    )


def quiet_startup(framework: str) -> None:
    """Set :data:`QUIET_ENVIRONMENT` for ``framework`` before it is imported; a value the
    user set wins. The command line calls this; a library import leaves the logs alone."""
    for name, value in QUIET_ENVIRONMENT.get(framework, {}).items():
        os.environ.setdefault(name, value)


_status: dict[str, str | None] = {}


def backend_status(framework: str) -> str | None:
    """None when ``framework``'s backend imports, else a one-line reason (cached)."""
    if framework not in _status:
        try:
            get_backend(framework)
        except Exception as err:  # noqa: BLE001 - any import failure makes it unusable
            cause = err.__cause__ or err
            _status[framework] = f"{type(cause).__name__}: {cause}".splitlines()[0]
        else:
            _status[framework] = None
    return _status[framework]


def available_frameworks() -> list[str]:
    """The frameworks whose backends import, in :data:`FRAMEWORKS` order."""
    return [f for f in FRAMEWORKS if backend_status(f) is None]
