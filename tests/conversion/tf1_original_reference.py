"""Test helpers: original-layout TF1 checkpoints and an independent numpy forward of the
original google-research ALBERT graph.

Nothing here uses albert_conversion or the backends. Variable names are spelled out as
``modeling.py`` / ``run_pretraining.py`` / ``classifier_utils.py`` of google-research/albert
create them; the forward follows their graph: embeddings (word + token type + position,
layer norm), ``embedding_hidden_mapping_in`` only when embedding_size != hidden_size,
``num_hidden_layers`` applications where layer ``i`` runs group
``int(i / num_hidden_layers * num_hidden_groups)`` made of ``inner_group_num`` post-LN
blocks (attention_1 -> LayerNorm, ffn_1 -> LayerNorm_1), tanh-approximate gelu, attention
mask adder ``(1 - mask) * -10000``, tanh pooler on the first token, the MLM transform with
the embedding table as decoder, and the ``[2, H]`` sentence-order weights used transposed.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def original_config(**overrides) -> dict:
    """A tiny albert_config.json dict (released-model keys included)."""
    config = {
        "attention_probs_dropout_prob": 0,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0,
        "embedding_size": 8,
        "hidden_size": 12,
        "initializer_range": 0.02,
        "intermediate_size": 20,
        "max_position_embeddings": 16,
        "num_attention_heads": 3,
        "num_hidden_layers": 3,
        "num_hidden_groups": 1,
        "net_structure_type": 0,
        "gap_size": 0,
        "num_memory_blocks": 0,
        "inner_group_num": 1,
        "down_scale_factor": 1,
        "type_vocab_size": 2,
        "vocab_size": 40,
    }
    config.update(overrides)
    return config


def groups_used(cfg: dict) -> list[int]:
    """The group of every layer, computed as the original transformer_model does."""
    layers, groups = cfg["num_hidden_layers"], cfg["num_hidden_groups"]
    return [int(layer / layers * groups) for layer in range(layers)]


def original_shapes(cfg: dict, head: str) -> dict[str, tuple[int, ...]]:
    """Every variable the original graph of ``head`` creates, with its shape."""
    e, h, i = cfg["embedding_size"], cfg["hidden_size"], cfg["intermediate_size"]
    v = cfg["vocab_size"]
    shapes = {
        "bert/embeddings/word_embeddings": (v, e),
        "bert/embeddings/token_type_embeddings": (cfg["type_vocab_size"], e),
        "bert/embeddings/position_embeddings": (cfg["max_position_embeddings"], e),
    }

    def dense(scope: str, rows: int, cols: int) -> None:
        shapes[f"{scope}/kernel"] = (rows, cols)
        shapes[f"{scope}/bias"] = (cols,)

    def layer_norm(scope: str, width: int) -> None:
        shapes[f"{scope}/beta"] = (width,)
        shapes[f"{scope}/gamma"] = (width,)

    layer_norm("bert/embeddings/LayerNorm", e)
    if e != h:
        dense("bert/encoder/embedding_hidden_mapping_in", e, h)
    for group in sorted(set(groups_used(cfg))):
        for inner in range(cfg["inner_group_num"]):
            s = f"bert/encoder/transformer/group_{group}/inner_group_{inner}/"
            for proj in ("query", "key", "value"):
                dense(f"{s}attention_1/self/{proj}", h, h)
            dense(f"{s}attention_1/output/dense", h, h)
            layer_norm(f"{s}LayerNorm", h)
            dense(f"{s}ffn_1/intermediate/dense", h, i)
            dense(f"{s}ffn_1/intermediate/output/dense", i, h)
            layer_norm(f"{s}LayerNorm_1", h)
    dense("bert/pooler/dense", h, h)
    if head in ("pretraining", "masked-lm"):
        dense("cls/predictions/transform/dense", h, e)
        layer_norm("cls/predictions/transform/LayerNorm", e)
        shapes["cls/predictions/output_bias"] = (v,)
    if head == "pretraining":
        shapes["cls/seq_relationship/output_weights"] = (2, h)
        shapes["cls/seq_relationship/output_bias"] = (2,)
    if head == "sequence-classification":
        shapes["output_weights"] = (cfg.get("num_labels", 3), h)
        shapes["output_bias"] = (cfg.get("num_labels", 3),)
    return shapes


def random_variables(cfg: dict, head: str, seed: int = 0) -> dict[str, np.ndarray]:
    """Random float32 values for every variable (gammas near 1, everything non-zero)."""
    rng = np.random.default_rng(seed)
    out = {}
    for name, shape in original_shapes(cfg, head).items():
        value = rng.normal(0.0, 0.3, size=shape)
        if name.endswith("/gamma"):
            value = 1.0 + 0.2 * value
        out[name] = value.astype(np.float32)
    return out


def save_checkpoint(
    directory: Path,
    variables: dict[str, np.ndarray],
    *,
    step: int,
    slots: bool,
    prefix: str = "",
    config: dict | None = None,
) -> Path:
    """Write ``variables`` with a tf.compat.v1 Saver exactly as the original training does.

    With ``slots`` each variable gets its ``adam_m`` / ``adam_v`` optimizer slots and the
    graph a ``global_step``. ``prefix`` (``"module/"``) prepends a scope to every name.
    Returns the checkpoint prefix.
    """
    import tensorflow as tf

    v1 = tf.compat.v1
    directory.mkdir(parents=True, exist_ok=True)
    graph = tf.Graph()
    with graph.as_default():
        for name, value in variables.items():
            v1.get_variable(prefix + name, initializer=tf.constant(value))
            if slots:
                for slot in ("adam_m", "adam_v"):
                    v1.get_variable(f"{prefix}{name}/{slot}",
                                    initializer=tf.constant(np.full_like(value, 0.01)),
                                    trainable=False)  # fmt: skip
        step_variable = v1.train.get_or_create_global_step() if slots else None
        saver = v1.train.Saver()
        with v1.Session(graph=graph) as session:
            session.run(v1.global_variables_initializer())
            if step_variable is not None:
                session.run(step_variable.assign(step))
            path = saver.save(session, str(directory / "model.ckpt"), global_step=step)
    if config is not None:
        (directory / "albert_config.json").write_text(json.dumps(config, indent=2))
    return Path(path)


def restore_as_original(prefix: Path, shapes: dict[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
    """Restore ``prefix`` into a graph holding exactly the original variables (a Saver over
    all of them, as ``tf.train.Saver`` in the original scripts); returns their values.
    Fails when a variable is missing or has another shape or dtype."""
    import tensorflow as tf

    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        created = {name: v1.get_variable(name, shape=shape, dtype=tf.float32)
                   for name, shape in shapes.items()}  # fmt: skip
        saver = v1.train.Saver(var_list=created)
        with v1.Session(graph=graph) as session:
            saver.restore(session, str(prefix))
            return session.run(created)


# ---------------------------------------------------------------------- numpy forward
def _gelu(x: np.ndarray) -> np.ndarray:
    cdf = 0.5 * (1.0 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * np.power(x, 3))))
    return x * cdf


_ACTIVATIONS = {"gelu": _gelu, "relu": lambda x: np.maximum(x, 0.0), "tanh": np.tanh,
                "linear": lambda x: x}  # fmt: skip


def _norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> np.ndarray:
    mean = np.mean(x, axis=-1, keepdims=True)
    var = np.mean((x - mean) ** 2, axis=-1, keepdims=True)
    return (x - mean) * (1.0 / np.sqrt(var + 1e-12)) * gamma + beta


def forward(
    w: dict[str, np.ndarray], cfg: dict, ids: np.ndarray, mask: np.ndarray, types: np.ndarray
) -> dict[str, np.ndarray]:
    """The original graph at inference, in float64: sequence output, pooled output, and
    the MLM / SOP / classifier logits when their variables exist."""
    w = {k: np.asarray(v, dtype=np.float64) for k, v in w.items()}
    act = _ACTIVATIONS[cfg["hidden_act"]]
    batch, seq = ids.shape
    h, n = cfg["hidden_size"], cfg["num_attention_heads"]
    d = h // n
    one_hot_types = np.eye(cfg["type_vocab_size"])[types]
    x = w["bert/embeddings/word_embeddings"][ids]
    x = x + one_hot_types @ w["bert/embeddings/token_type_embeddings"]
    x = x + w["bert/embeddings/position_embeddings"][:seq]
    x = _norm(x, w["bert/embeddings/LayerNorm/gamma"], w["bert/embeddings/LayerNorm/beta"])
    if cfg["embedding_size"] != h:
        x = np.einsum("BFH,HO->BFO", x, w["bert/encoder/embedding_hidden_mapping_in/kernel"])
        x = x + w["bert/encoder/embedding_hidden_mapping_in/bias"]
    adder = (1.0 - mask[:, None, None, :].astype(np.float64)) * -10000.0
    for group in groups_used(cfg):
        for inner in range(cfg["inner_group_num"]):
            p = f"bert/encoder/transformer/group_{group}/inner_group_{inner}/"

            def proj(t, name, p=p):
                kernel = w[f"{p}attention_1/self/{name}/kernel"].reshape(h, n, d)
                bias = w[f"{p}attention_1/self/{name}/bias"].reshape(n, d)
                return np.einsum("BFH,HND->BFND", t, kernel) + bias

            q, k, v = (proj(x, name).transpose(0, 2, 1, 3) for name in ("query", "key", "value"))
            logits = np.matmul(q, k.transpose(0, 1, 3, 2)) * (1.0 / np.sqrt(float(d))) + adder
            probs = np.exp(logits - logits.max(-1, keepdims=True))
            probs /= probs.sum(-1, keepdims=True)
            context = np.matmul(probs, v).transpose(0, 2, 1, 3)  # B F N D
            out_kernel = w[f"{p}attention_1/output/dense/kernel"].reshape(n, d, h)
            attention = np.einsum("BFND,NDH->BFH", context, out_kernel)
            attention = attention + w[f"{p}attention_1/output/dense/bias"]
            attention = _norm(attention + x, w[f"{p}LayerNorm/gamma"], w[f"{p}LayerNorm/beta"])
            inter = act(attention @ w[f"{p}ffn_1/intermediate/dense/kernel"]
                        + w[f"{p}ffn_1/intermediate/dense/bias"])  # fmt: skip
            ffn = (inter @ w[f"{p}ffn_1/intermediate/output/dense/kernel"]
                   + w[f"{p}ffn_1/intermediate/output/dense/bias"])  # fmt: skip
            x = _norm(ffn + attention, w[f"{p}LayerNorm_1/gamma"], w[f"{p}LayerNorm_1/beta"])
    out = {"sequence_output": x}
    out["pooled_output"] = np.tanh(x[:, 0] @ w["bert/pooler/dense/kernel"]
                                   + w["bert/pooler/dense/bias"])  # fmt: skip
    if "cls/predictions/output_bias" in w:
        t = act(x @ w["cls/predictions/transform/dense/kernel"]
                + w["cls/predictions/transform/dense/bias"])  # fmt: skip
        t = _norm(t, w["cls/predictions/transform/LayerNorm/gamma"],
                  w["cls/predictions/transform/LayerNorm/beta"])  # fmt: skip
        out["mlm_logits"] = (np.matmul(t, w["bert/embeddings/word_embeddings"].T)
                             + w["cls/predictions/output_bias"])  # fmt: skip
    if "cls/seq_relationship/output_weights" in w:
        out["sop_logits"] = (np.matmul(out["pooled_output"],
                                       w["cls/seq_relationship/output_weights"].T)
                             + w["cls/seq_relationship/output_bias"])  # fmt: skip
    if "output_weights" in w:
        out["classifier_logits"] = out["pooled_output"] @ w["output_weights"].T + w["output_bias"]
    return out


def example_batch(cfg: dict, seed: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Input ids, a mask with padding on the second row, and two segments."""
    rng = np.random.default_rng(seed)
    seq = min(7, cfg["max_position_embeddings"])
    ids = rng.integers(0, cfg["vocab_size"], size=(2, seq))
    mask = np.ones((2, seq), dtype=np.int64)
    mask[1, -3:] = 0
    types = np.zeros((2, seq), dtype=np.int64)
    types[:, seq // 2 :] = 1
    return ids, mask, types
