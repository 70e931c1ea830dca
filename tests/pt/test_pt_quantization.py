"""albert_pt.quantize_dynamic: int8 Linear layers, smaller footprint, close outputs."""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")

from golden_testutils import tiny_config  # noqa: E402
from pt_testutils import random_batch  # noqa: E402

from albert_pt import AlbertForMaskedLM, AlbertForSequenceClassification, quantize_dynamic  # noqa: E402


@pytest.fixture(scope="module")
def config():
    # Wide enough that the Linear layers dominate the footprint.
    return tiny_config(hidden_size=64, intermediate_size=128, num_attention_heads=4, num_labels=2)


def _linear_count(model):
    return sum(type(m) is torch.nn.Linear for m in model.modules())


@pytest.mark.parametrize("cls", [AlbertForSequenceClassification, AlbertForMaskedLM])
def test_quantized_model_is_smaller_and_close(config, cls):
    torch.manual_seed(0)
    model = cls(config).eval()
    inputs = random_batch(config)
    with torch.no_grad():
        reference = model(**inputs).logits
    before = model.get_memory_footprint()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quantized = quantize_dynamic(model)
        with torch.no_grad():
            got = quantized(**inputs).logits
    after = quantized.get_memory_footprint()
    assert after < 0.6 * before, (before, after)
    assert model.get_memory_footprint() == before and _linear_count(model) > 0  # a copy
    assert isinstance(quantized, cls)
    remaining = [n for n, m in quantized.named_modules() if type(m) is torch.nn.Linear]
    if cls is AlbertForMaskedLM:
        # the decoder stays float and tied to the word embeddings
        assert remaining == ["predictions.decoder"]
        assert quantized.get_output_embeddings().weight is quantized.get_input_embeddings().weight
    else:
        assert remaining == []
    scale = reference.abs().max().item()
    assert (got - reference).abs().max().item() < 0.05 * scale + 1e-3


def test_quantize_in_place_and_decoder_option(config):
    torch.manual_seed(0)
    model = AlbertForMaskedLM(config).eval()
    result = quantize_dynamic(model, include_output_embeddings=True, inplace=True)
    assert result is model and _linear_count(model) == 0
    with torch.no_grad():
        assert model(**random_batch(config)).logits.shape == (3, 9, config.vocab_size)


def test_quantize_refuses_what_it_cannot_do(config):
    model = AlbertForSequenceClassification(config)
    with pytest.raises(ValueError, match="float32"):
        quantize_dynamic(model.to(torch.float16))
    with pytest.raises(TypeError, match="albert_pt model"):
        quantize_dynamic(torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="qint8"):
        quantize_dynamic(model.float(), dtype=torch.quint8)
