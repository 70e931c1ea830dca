"""ALBERT tokenizers: the shared base, the sentencepiece and the fast tokenizer, training.

* :mod:`~albert_core.tokenizers.base`: :class:`AlbertTokenizerBase`, everything that does not
  depend on how text is cut into pieces (special tokens, the ``[CLS] A [SEP] B [SEP]``
  layout, padding and truncation, tensors, decoding, saving); it builds on
  :mod:`~albert_core.tokenizers.special_tokens`, :mod:`~albert_core.tokenizers.padding`,
  :mod:`~albert_core.tokenizers.batch_encoding`, :mod:`~albert_core.tokenizers.text`,
  :mod:`~albert_core.tokenizers.inputs` and :mod:`~albert_core.tokenizers.files`.
* :mod:`~albert_core.tokenizers.sentencepiece`: :class:`AlbertTokenizer`, the reference
  segmentation with the ``sentencepiece`` library.
* :mod:`~albert_core.tokenizers.fast`: :class:`AlbertTokenizerFast`, the same ids on the
  ``tokenizers`` library (pipeline in :mod:`~albert_core.tokenizers.fast_pipeline`, offsets
  in :mod:`~albert_core.tokenizers.alignment`), with character offsets.
* :mod:`~albert_core.tokenizers.training`: :func:`train_tokenizer`, a new vocabulary.

The names below are loaded on first use, so importing the package imports neither
``sentencepiece`` nor ``tokenizers``.
"""

from __future__ import annotations

from albert_core.lazy import lazy_attributes

_EXPORTS = {
    "AlbertTokenizer": "albert_core.tokenizers.sentencepiece",
    "AlbertTokenizerFast": "albert_core.tokenizers.fast",
    "AlbertTokenizerBase": "albert_core.tokenizers.base",
    "DEFAULT_MODEL_MAX_LENGTH": "albert_core.tokenizers.base",
    "BatchEncoding": "albert_core.tokenizers.batch_encoding",
    "TENSOR_TYPES": "albert_core.tokenizers.batch_encoding",
    "to_tensor": "albert_core.tokenizers.batch_encoding",
    "SPECIAL_TOKEN_NAMES": "albert_core.tokenizers.special_tokens",
    "SpecialToken": "albert_core.tokenizers.special_tokens",
    "PADDING_STRATEGIES": "albert_core.tokenizers.padding",
    "TRUNCATION_STRATEGIES": "albert_core.tokenizers.padding",
    "SPIECE_UNDERLINE": "albert_core.tokenizers.text",
    "clean_up_tokenization": "albert_core.tokenizers.text",
    "lower_per_character": "albert_core.tokenizers.text",
    "preprocess_text": "albert_core.tokenizers.text",
    "SPECIAL_TOKENS_MAP_FILE_NAME": "albert_core.tokenizers.files",
    "TOKENIZER_CONFIG_FILE_NAME": "albert_core.tokenizers.files",
    "TOKENIZER_FILES": "albert_core.tokenizers.files",
    "TOKENIZER_FILE_NAME": "albert_core.tokenizers.files",
    "VOCAB_FILE_NAME": "albert_core.tokenizers.files",
    "train_tokenizer": "albert_core.tokenizers.training",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_attributes(__name__, _EXPORTS, globals())
