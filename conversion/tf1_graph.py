"""The original google-research ALBERT graph, transcribed to numpy, as a reference.

``albert verify`` and ``albert convert --verify`` run TF1 checkpoints through
:func:`original_forward` (no TensorFlow needed): it works from the original variable names
(:mod:`albert_conversion.tf1`), so a mistake in the name mapping cannot hide itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from albert_conversion.tf1 import (
    HUB_PREFIX,
    ORIGINAL_ACTIVATIONS,
    ORIGINAL_LAYER_NORM_EPS,
    original_group_of_layer,
)
from albert_core.config import AlbertConfig


def _gelu_tanh(x: np.ndarray) -> np.ndarray:
    return x * (0.5 * (1.0 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3))))


_ORIGINAL_ACT: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "gelu": _gelu_tanh,
    "relu": lambda x: np.maximum(x, 0),
    "tanh": np.tanh,
    "linear": lambda x: x,
}


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    variance = np.square(x - mean).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + ORIGINAL_LAYER_NORM_EPS) * gamma + beta


def original_forward(
    variables: Mapping[str, np.ndarray],
    config: AlbertConfig,
    input_ids: np.ndarray,
    input_mask: np.ndarray,
    token_type_ids: np.ndarray,
) -> dict[str, np.ndarray]:
    """Run the original graph (inference: no dropout) on its own variables, in numpy.

    A transcription of ``modeling.AlbertModel`` and the heads of ``run_pretraining.py`` /
    ``classifier_utils.py`` that works from the original variable names, used by
    ``--verify`` as the reference for TF1 checkpoints. Returns the outputs under our field
    names: ``last_hidden_state``, ``pooler_output`` and, when the head variables are
    present, ``prediction_logits`` / ``sop_logits`` / ``logits`` (all positions).
    """
    v = {name.removeprefix(HUB_PREFIX): np.asarray(a, np.float32) for name, a in variables.items()}
    act = _ORIGINAL_ACT[ORIGINAL_ACTIVATIONS[config.hidden_act]]

    def dense(x: np.ndarray, scope: str) -> np.ndarray:
        return x @ v[f"{scope}/kernel"] + v[f"{scope}/bias"]

    seq = input_ids.shape[1]
    x = v["bert/embeddings/word_embeddings"][input_ids]
    x = x + v["bert/embeddings/token_type_embeddings"][token_type_ids]
    x = x + v["bert/embeddings/position_embeddings"][:seq][None]
    x = _layer_norm(x, v["bert/embeddings/LayerNorm/gamma"], v["bert/embeddings/LayerNorm/beta"])
    if config.embedding_size != config.hidden_size:
        x = dense(x, "bert/encoder/embedding_hidden_mapping_in")
    heads, size = config.num_attention_heads, config.hidden_size // config.num_attention_heads
    adder = ((1.0 - input_mask.astype(np.float32)) * -10000.0)[:, None, None, :]

    def split(t: np.ndarray) -> np.ndarray:
        return t.reshape(t.shape[0], seq, heads, size).transpose(0, 2, 1, 3)

    for layer in range(config.num_hidden_layers):
        group = original_group_of_layer(config, layer)
        for inner in range(config.inner_group_num):
            s = f"bert/encoder/transformer/group_{group}/inner_group_{inner}/"
            q, k, val = (split(dense(x, f"{s}attention_1/self/{n}")) for n in ("query", "key",
                                                                                 "value"))
            scores = q @ k.transpose(0, 1, 3, 2) * (1.0 / np.sqrt(float(size))) + adder
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            probs = scores / scores.sum(-1, keepdims=True)
            context = (probs @ val).transpose(0, 2, 1, 3).reshape(x.shape[0], seq, -1)
            attention = dense(context, f"{s}attention_1/output/dense")
            attention = _layer_norm(attention + x, v[f"{s}LayerNorm/gamma"],
                                    v[f"{s}LayerNorm/beta"])  # fmt: skip
            hidden = act(dense(attention, f"{s}ffn_1/intermediate/dense"))
            hidden = dense(hidden, f"{s}ffn_1/intermediate/output/dense")
            x = _layer_norm(hidden + attention, v[f"{s}LayerNorm_1/gamma"],
                            v[f"{s}LayerNorm_1/beta"])  # fmt: skip
    out = {"last_hidden_state": x}
    if "bert/pooler/dense/kernel" in v:
        out["pooler_output"] = np.tanh(dense(x[:, 0], "bert/pooler/dense"))
    if "cls/predictions/output_bias" in v:
        t = act(dense(x, "cls/predictions/transform/dense"))
        t = _layer_norm(t, v["cls/predictions/transform/LayerNorm/gamma"],
                        v["cls/predictions/transform/LayerNorm/beta"])  # fmt: skip
        logits = t @ v["bert/embeddings/word_embeddings"].T + v["cls/predictions/output_bias"]
        out["prediction_logits" if "cls/seq_relationship/output_weights" in v else "logits"] = (
            logits
        )
    if "cls/seq_relationship/output_weights" in v:
        out["sop_logits"] = (
            out["pooler_output"] @ v["cls/seq_relationship/output_weights"].T
            + v["cls/seq_relationship/output_bias"]
        )
    if "output_weights" in v:
        out["logits"] = out["pooler_output"] @ v["output_weights"].T + v["output_bias"]
    return out
