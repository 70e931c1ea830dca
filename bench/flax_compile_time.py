"""Compile time of the Flax backend at 12 vs 24 layer applications, scanned vs unrolled.

ALBERT shares one layer group across all applications, and ``albert_flax`` runs the
applications of a group as ``nn.scan``: the group body is compiled once, so compile time
should barely move from 12 to 24 layers. The reference, measured in the same run, is the
same model with ``scan_layers=False`` (a Python loop, unrolled into the graph), whose
compile time grows with depth.

Each number is the best of ``--repeat`` compiles (other processes add noise). Nothing is
executed: the forward (and, with ``--grad``, the gradient of a scalar loss) is
lowered and compiled for abstract inputs, so albert-base sizes need no memory.

    python bench/flax_compile_time.py            # albert-base-v2 sizes, forward
    python bench/flax_compile_time.py --grad     # forward + backward
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp

from albert_core.config import AlbertConfig
from albert_flax import FlaxAlbertModel


def compile_seconds(
    config: AlbertConfig, scan_layers: bool, batch: int, seq: int, grad: bool
) -> tuple[float, float]:
    """(trace + lower seconds, XLA compile seconds) of one forward (or gradient)."""
    model = FlaxAlbertModel(config, scan_layers=scan_layers, _do_init=False)
    ids = jax.ShapeDtypeStruct((batch, seq), jnp.int32)
    params = jax.eval_shape(
        model.module.init, jax.random.PRNGKey(0), input_ids=jnp.zeros((1, 1), jnp.int32)
    )["params"]

    def forward(params, input_ids, attention_mask):
        out = model.module.apply(
            {"params": params}, input_ids=input_ids, attention_mask=attention_mask
        )
        return out.last_hidden_state

    fn = forward
    if grad:

        def fn(params, input_ids, attention_mask):
            return jax.grad(lambda p: forward(p, input_ids, attention_mask).mean())(params)

    start = time.perf_counter()
    lowered = jax.jit(fn).lower(params, ids, ids)
    traced = time.perf_counter()
    lowered.compile()
    done = time.perf_counter()
    return traced - start, done - traced


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hidden", type=int, default=768)
    parser.add_argument("--heads", type=int, default=12)
    parser.add_argument("--intermediate", type=int, default=3072)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--seq", type=int, default=128)
    parser.add_argument("--layers", type=int, nargs=2, default=(12, 24))
    parser.add_argument("--grad", action="store_true", help="compile forward + backward")
    parser.add_argument("--repeat", type=int, default=3, help="best of this many compiles")
    args = parser.parse_args()

    print(
        f"jax {jax.__version__} on {jax.devices()[0].platform}; "
        f"H={args.hidden} heads={args.heads} I={args.intermediate} "
        f"batch={args.batch} seq={args.seq} {'forward+backward' if args.grad else 'forward'}"
    )
    # warm-up: JAX's and XLA's one-time start-up costs are not the model's
    compile_seconds(AlbertConfig(hidden_size=64, num_attention_heads=2, intermediate_size=64,
                                 num_hidden_layers=2), True, 1, 8, args.grad)  # fmt: skip
    results: dict[tuple[str, int], float] = {}
    for mode, scan in (("scan", True), ("unrolled", False)):
        for layers in args.layers:
            config = AlbertConfig(
                hidden_size=args.hidden, num_attention_heads=args.heads,
                intermediate_size=args.intermediate, num_hidden_layers=layers,
            )  # fmt: skip
            trace, compile_ = min(
                (compile_seconds(config, scan, args.batch, args.seq, args.grad)
                 for _ in range(args.repeat)),
                key=sum,
            )  # fmt: skip
            results[mode, layers] = trace + compile_
            print(
                f"{mode:>9} {layers:3d} layers: trace+lower {trace:6.2f}s  "
                f"compile {compile_:6.2f}s  total {trace + compile_:6.2f}s",
                flush=True,
            )
    small, large = args.layers
    for mode in ("scan", "unrolled"):
        print(
            f"{mode:>9}: {large}/{small} layers compile-time ratio "
            f"{results[mode, large] / results[mode, small]:.2f}"
        )
    print(
        f"unrolled/scan at {large} layers: "
        f"{results['unrolled', large] / results['scan', large]:.2f}"
    )


if __name__ == "__main__":
    main()
