"""Reduced precision (bfloat16, float16) and GPUs.

Each backend's reduced-precision run is compared with its own float32 run, and the
backends with each other, output by output (loss, logits, hidden states, attentions):
``max|a - b| <= tol * max(1, max|float32 output|)`` with ``tol`` = BF16_TOLERANCE (0.05,
:data:`albert_flax.BF16_TOLERANCE`) or FP16_TOLERANCE (0.01); two backends may each be off
by ``tol``, so they are compared at ``2 * tol``. What "bfloat16" means differs by framework
and is part of what is compared: PyTorch casts the weights and computes in the dtype;
Keras' ``mixed_bfloat16`` / ``mixed_float16`` policies and Flax's ``dtype=`` keep float32
weights and compute in the dtype (softmax and losses in float32).

GPU tests (marker ``gpu``) run where a backend sees a GPU and skip elsewhere: float32 on the
GPU (TF32 off, Flax ``precision="highest"``) must equal the CPU within 1e-5, and reduced
precision on the GPU must stay within the tolerances above.
"""

from __future__ import annotations

import contextlib

import pytest
from equivalence_testutils import (
    BACKENDS,
    BF16_TOLERANCE,
    FP16_TOLERANCE,
    FP32_ATOL,
    PAIR_IDS,
    PAIRS,
    adapter,
    assert_close,
    scale_tolerance,
)

CONFIG = "emb_eq_hidden"
#: Backbone, MLM and sentence-order outputs and a loss, in one head.
HEADS = ("pretraining",)
TOLERANCES = {"bfloat16": BF16_TOLERANCE, "float16": FP16_TOLERANCE}


@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("dtype", list(TOLERANCES))
@pytest.mark.parametrize("backend", BACKENDS)
def test_reduced_precision_close_to_own_float32(lab, backend, dtype, head):
    reduced = lab.outputs(backend, CONFIG, head, dtype=dtype)
    full = lab.outputs(backend, CONFIG, head)
    assert_close(reduced, full, scale_tolerance(TOLERANCES[dtype]), f"{backend} {dtype}")


@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("dtype", list(TOLERANCES))
@pytest.mark.parametrize("pair", PAIRS, ids=PAIR_IDS)
def test_reduced_precision_backends_agree(lab, pair, dtype, head):
    a, b = (lab.outputs(backend, CONFIG, head, dtype=dtype) for backend in pair)
    reference = lab.outputs(pair[1], CONFIG, head)  # the float32 scale of each output
    tolerance = scale_tolerance(2 * TOLERANCES[dtype])
    assert_close(a, b, lambda name, _: tolerance(name, reference[name]), f"{pair} {dtype}")


def test_flax_documents_the_same_bfloat16_tolerance():
    """The bfloat16 tolerance here is the one albert_flax documents."""
    albert_flax = pytest.importorskip("albert_flax")
    assert albert_flax.BF16_TOLERANCE == BF16_TOLERANCE


# ------------------------------------------------------------------------------ GPUs
def _gpu_adapter(backend):
    runner = adapter(backend)
    if not runner.has_gpu():
        pytest.skip(f"{backend}: no GPU visible")
    return runner


@pytest.mark.gpu
@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("dtype", ["float32", *TOLERANCES])
@pytest.mark.parametrize("backend", BACKENDS)
def test_gpu_matches_cpu(lab, backend, dtype, head):
    runner = _gpu_adapter(backend)
    features, labels = lab.batch(CONFIG, head)
    with _no_tf32(backend):
        model = runner.load(head, lab.checkpoint(CONFIG, head), dtype=dtype, device="gpu")
        got = runner.forward(model, features, labels, device="gpu")
    cpu = lab.outputs(backend, CONFIG, head)
    tolerance = FP32_ATOL if dtype == "float32" else scale_tolerance(TOLERANCES[dtype])
    assert_close(got, cpu, tolerance, f"{backend} {dtype} on GPU vs float32 on CPU")


@contextlib.contextmanager
def _no_tf32(backend):
    """Full float32 matmuls on Ampere+ GPUs for PyTorch and TensorFlow, restored after."""
    if backend == "pt":
        import torch

        saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
        try:
            yield
        finally:
            torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved
    elif backend == "tf":
        import tensorflow as tf

        saved = tf.config.experimental.tensor_float_32_execution_enabled()
        tf.config.experimental.enable_tensor_float_32_execution(False)
        try:
            yield
        finally:
            tf.config.experimental.enable_tensor_float_32_execution(saved)
    else:  # Flax: precision="highest" is set when the model is loaded
        yield
