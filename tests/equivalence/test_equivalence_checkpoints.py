"""Save in one backend, load in another, in every file format: nothing is lost.

Each backend saves its model (loaded from the case's one checkpoint) in all four formats
(model.safetensors, pytorch_model.bin, tf_model.h5, flax_model.msgpack); each backend loads
each file. The loaded weights must be bit-identical to the original ones (tied names
included), so the loaded model's outputs are bit-identical to that backend's outputs from
the original checkpoint, and within 1e-5 of the saving backend's.

Cases: the pre-training head (tied decoder, the decoder bias stored twice in tf_model.h5,
a pooler, two layer groups) and the token-classification head (no pooler, two inner
layers): 3 x 4 x 3 combinations each.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from equivalence_testutils import (
    BACKENDS,
    FORMATS,
    FP32_ATOL,
    adapter,
    assert_close,
    random_arrays,
)

CASES = [("groups2_inner2", "pretraining"), ("shared_inner2", "token-classification")]
#: Frameworks the file formats themselves need (to read or write them).
FORMAT_NEEDS = {"pytorch": "torch", "flax": "flax"}


def _id(case):
    return "/".join(case)


@pytest.fixture(scope="module")
def saved(lab, tmp_path_factory):
    """``get(backend, case) -> directory`` holding that backend's save in every format."""
    cache = {}

    def get(backend, case):
        if (backend, case) not in cache:
            formats = tuple(
                f for f in FORMATS if importlib.util.find_spec(FORMAT_NEEDS.get(f, "numpy"))
            )
            directory = tmp_path_factory.mktemp(f"saved-{backend}")
            adapter(backend).save(lab.model(backend, *case), directory, formats)
            cache[backend, case] = directory
        return cache[backend, case]

    return get


@pytest.mark.parametrize("target", BACKENDS)
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("source", BACKENDS)
@pytest.mark.parametrize("case", CASES, ids=_id)
def test_save_in_one_load_in_another(lab, saved, case, source, fmt, target):
    if fmt in FORMAT_NEEDS:
        pytest.importorskip(FORMAT_NEEDS[fmt], reason=f"{fmt} files need {FORMAT_NEEDS[fmt]}")
    directory = saved(source, case)
    runner = adapter(target)
    model = runner.load(case[1], directory, fmt=fmt)
    original = random_arrays(*case)
    loaded = runner.arrays(model)
    assert set(loaded) == set(original)
    changed = [k for k in original if not np.array_equal(loaded[k], original[k])]
    assert not changed, f"{source} -> {fmt} -> {target} changed {changed}"
    features, labels = lab.batch(*case)
    got = runner.forward(model, features, labels)
    assert_close(got, lab.outputs(target, *case), 0.0, f"{target} from its own load")
    assert_close(got, lab.outputs(source, *case), FP32_ATOL, f"{target} vs {source}")
