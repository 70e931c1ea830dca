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
* :mod:`~albert_core.tokenizers.overflow` (truncation into windows with a ``stride``, the rows
  of a call) and :mod:`~albert_core.tokenizers.words` (``is_split_into_words`` inputs, word
  indices), shared by both tokenizers.
* :mod:`~albert_core.tokenizers.training`: :func:`train_tokenizer`, a new vocabulary.

The names below are loaded on first use, so importing the package imports neither
``sentencepiece`` nor ``tokenizers``.
"""

from __future__ import annotations

from albert_core.lazy import lazy_attributes

__all__, __getattr__, __dir__ = lazy_attributes(
    __name__,
    {
        "albert_core.tokenizers.sentencepiece": ("AlbertTokenizer",),
        "albert_core.tokenizers.fast": ("AlbertTokenizerFast",),
        "albert_core.tokenizers.base": ("AlbertTokenizerBase", "DEFAULT_MODEL_MAX_LENGTH"),
        "albert_core.tokenizers.batch_encoding": (
            "BatchEncoding", "TENSOR_TYPES", "TokenSpan", "to_tensor",
        ),
        "albert_core.tokenizers.special_tokens": ("SPECIAL_TOKEN_NAMES", "SpecialToken"),
        "albert_core.tokenizers.padding": ("PADDING_STRATEGIES", "TRUNCATION_STRATEGIES"),
        "albert_core.tokenizers.text": (
            "SPIECE_UNDERLINE", "clean_up_tokenization", "lower_per_character", "preprocess_text",
        ),
        "albert_core.tokenizers.files": (
            "SPECIAL_TOKENS_MAP_FILE_NAME", "TOKENIZER_CONFIG_FILE_NAME", "TOKENIZER_FILES",
            "TOKENIZER_FILE_NAME", "VOCAB_FILE_NAME",
        ),
        "albert_core.tokenizers.training": ("train_tokenizer",),
    },
    globals(),
)
