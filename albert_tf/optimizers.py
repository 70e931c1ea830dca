"""Keras optimizers with the update rules albert trains with in every framework.

* :class:`Lamb`: ALBERT's LAMB. ``keras.optimizers.Lamb`` exists but computes something
  else: it applies weight decay outside the trust ratio (Keras' decoupled
  ``weight_decay``) and adapts every variable, biases and LayerNorm weights included. This
  one follows the formula of :class:`albert_pt.pretraining.Lamb` (decay inside the trust
  ratio, no decay and no adaptation for LayerNorm weights and biases).
* :class:`AdamW`: ``torch.optim.AdamW``'s update. ``keras.optimizers.AdamW`` adds epsilon
  to ``sqrt(v)`` before the second moment's bias correction, which is a larger epsilon in
  the first steps; this one adds it after, as PyTorch and optax do, so that the three
  frameworks train to the same weights.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from albert_core.training.loop import NO_DECAY_PATTERNS  # noqa: E402


class _AdamMoments(keras.optimizers.Optimizer):
    """What LAMB and AdamW share: their hyper-parameters, Adam's first and second moment of
    every variable, and which variables ``exclude_patterns`` exempts (by path)."""

    #: The error for Keras' own ``weight_decay`` argument, which these optimizers replace.
    weight_decay_hint = "use weight_decay_rate"

    def __init__(self, learning_rate: Any, beta_1: float, beta_2: float, epsilon: float,
                 weight_decay_rate: float, exclude_patterns: Sequence[str], name: str,
                 **kwargs: Any) -> None:
        if kwargs.get("weight_decay") is not None:
            raise ValueError(self.weight_decay_hint)
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.weight_decay_rate = weight_decay_rate
        self.exclude_patterns = tuple(exclude_patterns)

    def build(self, var_list: Sequence[keras.Variable]) -> None:
        """Create the first and second moment of every variable."""
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"]
        )
        self._excluded = [
            any(pattern in v.path for pattern in self.exclude_patterns) for v in var_list
        ]

    def _is_excluded(self, variable: Any) -> bool:
        """Whether ``variable``'s path holds one of ``exclude_patterns``."""
        return self._excluded[self._get_variable_index(variable)]

    def get_config(self) -> dict[str, Any]:
        """Keras config (the hyper-parameters included)."""
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon,
                      weight_decay_rate=self.weight_decay_rate,
                      exclude_patterns=list(self.exclude_patterns))
        return config


class Lamb(_AdamMoments):
    """LAMB with weight decay inside the trust ratio, as ALBERT uses it.

    Per variable ``w`` with gradient ``g`` at step ``t``: ``u = m̂ / (sqrt(v̂) + ε) + λ·w``
    and ``w -= lr · (‖w‖ / ‖u‖) · u`` (ratio 1 when a norm is 0), where ``m̂``, ``v̂`` are the
    bias-corrected moments. Variables whose path contains one of ``exclude_patterns`` get
    neither the decay nor the ratio.

    Args:
        learning_rate: a float, a schedule or a variable.
        beta_1, beta_2: moment decay rates.
        epsilon: added to the root of the second moment.
        weight_decay_rate: ``λ``.
        exclude_patterns: substrings of variable paths excluded from decay and adaptation
            (default: LayerNorm weights and biases).
        **kwargs: base optimizer options (``global_clipnorm``, ``name``, ...); Keras' own
            ``weight_decay`` is not used.
    """

    weight_decay_hint = "use weight_decay_rate (applied inside the trust ratio)"

    def __init__(
        self,
        learning_rate: Any = 1e-3,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-6,
        weight_decay_rate: float = 0.0,
        exclude_patterns: Sequence[str] = NO_DECAY_PATTERNS,
        name: str = "lamb",
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, beta_1, beta_2, epsilon, weight_decay_rate,
                         exclude_patterns, name, **kwargs)

    def update_step(self, gradient: Any, variable: keras.Variable, learning_rate: Any) -> None:
        """One LAMB update of ``variable``."""
        ops = keras.ops
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        step = ops.cast(self.iterations + 1, dtype)
        m = self._momentums[self._get_variable_index(variable)]
        v = self._velocities[self._get_variable_index(variable)]
        self.assign(m, ops.add(ops.multiply(m, self.beta_1),
                               ops.multiply(gradient, 1.0 - self.beta_1)))
        self.assign(v, ops.add(ops.multiply(v, self.beta_2),
                               ops.multiply(ops.square(gradient), 1.0 - self.beta_2)))
        m_hat = ops.divide(m, 1.0 - ops.power(ops.cast(self.beta_1, dtype), step))
        v_hat = ops.divide(v, 1.0 - ops.power(ops.cast(self.beta_2, dtype), step))
        update = ops.divide(m_hat, ops.add(ops.sqrt(v_hat), self.epsilon))
        if self._is_excluded(variable):
            self.assign_sub(variable, ops.multiply(lr, update))
            return
        if self.weight_decay_rate:
            update = ops.add(update, ops.multiply(variable, self.weight_decay_rate))
        w_norm = ops.sqrt(ops.sum(ops.square(variable)))
        u_norm = ops.sqrt(ops.sum(ops.square(update)))
        ratio = ops.where(
            ops.logical_and(ops.greater(w_norm, 0.0), ops.greater(u_norm, 0.0)),
            ops.divide(w_norm, ops.maximum(u_norm, 1e-30)),
            1.0,
        )
        self.assign_sub(variable, ops.multiply(ops.multiply(lr, ratio), update))


class AdamW(_AdamMoments):
    """AdamW with ``torch.optim.AdamW``'s update (see the module doc).

    Per variable ``w`` with gradient ``g`` at step ``t``: ``w -= lr·λ·w`` (decoupled weight
    decay, not for variables whose path holds one of ``exclude_patterns``), then
    ``w -= lr / (1 - β1^t) · m / (sqrt(v) / sqrt(1 - β2^t) + ε)``.

    Args:
        learning_rate: a float, a schedule or a variable.
        beta_1, beta_2: moment decay rates.
        epsilon: added to the bias-corrected root of the second moment.
        weight_decay_rate: ``λ``.
        exclude_patterns: substrings of variable paths without weight decay (default:
            LayerNorm weights and biases).
        name: the optimizer's name.
        **kwargs: base optimizer options; Keras' own ``weight_decay`` is not used.

    Raises:
        ValueError: ``weight_decay`` is given (use ``weight_decay_rate``).
    """

    weight_decay_hint = "use weight_decay_rate (PyTorch's decoupled weight decay)"

    def __init__(
        self,
        learning_rate: Any = 1e-3,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        weight_decay_rate: float = 0.0,
        exclude_patterns: Sequence[str] = NO_DECAY_PATTERNS,
        name: str = "adamw",
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate, beta_1, beta_2, epsilon, weight_decay_rate,
                         exclude_patterns, name, **kwargs)

    def update_step(self, gradient: Any, variable: keras.Variable, learning_rate: Any) -> None:
        """One AdamW update of ``variable``."""
        ops = keras.ops
        dtype = variable.dtype
        index = self._get_variable_index(variable)
        lr = ops.cast(learning_rate, dtype)
        if isinstance(gradient, tf.IndexedSlices):
            # Dense, with the rows an embedding lookup repeats summed: Keras' sparse
            # square would square each repeat on its own.
            gradient = tf.convert_to_tensor(gradient)
        gradient = ops.cast(gradient, dtype)
        step = ops.cast(self.iterations + 1, dtype)
        if self.weight_decay_rate and not self._excluded[index]:
            self.assign_sub(variable, ops.multiply(variable, lr * self.weight_decay_rate))
        m, v = self._momentums[index], self._velocities[index]
        self.assign(m, ops.add(ops.multiply(m, self.beta_1),
                               ops.multiply(gradient, 1.0 - self.beta_1)))
        self.assign(v, ops.add(ops.multiply(v, self.beta_2),
                               ops.multiply(ops.square(gradient), 1.0 - self.beta_2)))
        correction1 = 1.0 - ops.power(ops.cast(self.beta_1, dtype), step)
        correction2 = ops.sqrt(1.0 - ops.power(ops.cast(self.beta_2, dtype), step))
        denominator = ops.add(ops.divide(ops.sqrt(v), correction2), self.epsilon)
        self.assign_sub(variable, ops.multiply(ops.divide(lr, correction1),
                                               ops.divide(m, denominator)))


__all__ = ["AdamW", "Lamb"]
